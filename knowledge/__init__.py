"""Public API of the knowledge base: curated entries, live retrieval with citations, and their history.

`knowledge` may import `settings` and `sqlalchemy`; it knows nothing about Rasa or Telegram.
Other packages import only the names re-exported here, never `knowledge.models`.
"""

from __future__ import annotations

from functools import lru_cache

from knowledge.content import read_content_dir
from knowledge.errors import ContentError, KnowledgeUnavailable, Problem, VersionConflict
from knowledge.retrieval import Hints
from knowledge.service import KnowledgeBase, ensure_seeded, load_content
from knowledge.types import TOPICS, Entry, EntryData, Hit, KbInfo, SearchResult, Source
from settings import get_settings

__all__ = [
    "TOPICS",
    "ContentError",
    "Entry",
    "EntryData",
    "Hints",
    "Hit",
    "KbInfo",
    "KnowledgeBase",
    "KnowledgeUnavailable",
    "Problem",
    "SearchResult",
    "Source",
    "VersionConflict",
    "default_kb",
    "ensure_seeded",
    "kb_info",
    "load_content",
    "read_content_dir",
]


@lru_cache(maxsize=1)
def default_kb() -> KnowledgeBase:
    """Return the process-wide knowledge base configured by `settings` (created on first use)."""
    settings = get_settings()
    return KnowledgeBase(settings.database_url, refresh_seconds=settings.kb_refresh_seconds)


def kb_info() -> KbInfo:
    """Return the size and last-change time of the configured knowledge base."""
    return default_kb().info()
