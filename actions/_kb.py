"""Lazy access to the knowledge base for the action server, and the server's background work on it.

rasa-sdk imports every module in this package at start-up, so nothing here touches the database until
an action runs. Actions take an optional `kb` for tests; `None` means this shared one. The retention purge
is a scheduled job (`RETENTION`) that the action server starts once at start-up (actions/__main__.py);
no action call starts anything.
"""

from __future__ import annotations

import logging

from knowledge import KnowledgeBase, KnowledgeUnavailable, default_kb, run_retention
from knowledge.background import PeriodicJob

logger = logging.getLogger(__name__)
# How often the server asks whether the daily purge is due (run_retention purges at most once a day).
PURGE_CHECK_SECONDS = 3600.0


def purge_old_logs() -> None:
    """Remove question logs older than RETENTION_DAYS, if today's purge has not run yet."""
    try:
        report = run_retention()
    except KnowledgeUnavailable:
        logger.warning("retention purge skipped: knowledge base unavailable")
        return
    if report is not None:
        logger.info("retention purge done: %s", report)


def warm_up() -> None:
    """Build the shared knowledge base's search index now, so the first question does not wait for it."""
    try:
        default_kb().index()
    except KnowledgeUnavailable:
        logger.warning("knowledge base not reachable at start-up; the first question will try again")
    else:
        logger.info("knowledge-base index ready")


RETENTION = PeriodicJob("kb-retention", purge_old_logs, PURGE_CHECK_SECONDS)


def resolve_kb(kb: KnowledgeBase | None) -> KnowledgeBase:
    """Return the injected knowledge base, or the process-wide one configured by settings."""
    return kb if kb is not None else default_kb()
