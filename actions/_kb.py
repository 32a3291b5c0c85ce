"""Lazy access to the knowledge base for the action server.

rasa-sdk imports every module in this package at start-up, so nothing here touches the database until
an action runs. Actions take an optional `kb` for tests; `None` means this shared one.
"""

from __future__ import annotations

import logging
import threading
import time

from knowledge import KnowledgeBase, KnowledgeUnavailable, default_kb, run_retention

logger = logging.getLogger(__name__)
PURGE_CHECK_SECONDS = 3600
_next_purge_check = 0.0


def _purge_old_logs() -> None:
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


def resolve_kb(kb: KnowledgeBase | None) -> KnowledgeBase:
    """Return the injected knowledge base, or the process-wide one configured by settings.

    Using the shared one also starts the retention purge in the background at most once an hour
    (it purges at most once a day), so old question logs go away without a scheduler.
    """
    global _next_purge_check  # one hourly check per action-server process
    if kb is not None:
        return kb
    if time.monotonic() >= _next_purge_check:
        _next_purge_check = time.monotonic() + PURGE_CHECK_SECONDS
        threading.Thread(target=_purge_old_logs, daemon=True, name="kb-retention").start()
    return default_kb()
