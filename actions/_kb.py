"""Lazy access to the knowledge base for the action server.

rasa-sdk imports every module in this package at start-up, so nothing here touches the database until
an action runs. Actions take an optional `kb` for tests; `None` means this shared one.
"""

from __future__ import annotations

from knowledge import KnowledgeBase, default_kb


def resolve_kb(kb: KnowledgeBase | None) -> KnowledgeBase:
    """Return the injected knowledge base, or the process-wide one configured by settings."""
    return kb if kb is not None else default_kb()
