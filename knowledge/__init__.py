"""Public API of the knowledge base: curated entries, live retrieval with citations, and their history.

`knowledge` may import `settings` and `sqlalchemy`; it knows nothing about Rasa or Telegram.
Other packages import only the names re-exported here, never `knowledge.models`.
"""

from __future__ import annotations

from functools import lru_cache

from knowledge.admin import KnowledgeAdmin
from knowledge.admin_audit import AuditRecord
from knowledge.admin_feedback import AlreadyVoted, FeedbackRecord, FeedbackVote
from knowledge.admin_files import entry_from_record, valid_entry_id
from knowledge.admin_handoff import Exchange, HandoffInfo, HandoffStore
from knowledge.admin_state import BotStateStore
from knowledge.admin_types import (
    WIB,
    DayCount,
    DeletionReport,
    EntryVersionInfo,
    ImportResult,
    Stats,
    UnansweredGroup,
    wib,
)
from knowledge.content import read_content_dir
from knowledge.conversation_owner import ConversationStore, RasaConversations
from knowledge.documents import DocumentStore, StoredDocument
from knowledge.editions import EditionStore, KippEdition, read_editions_file
from knowledge.errors import ContentError, KnowledgeUnavailable, Problem, VersionConflict
from knowledge.focus import (
    asked_year_first,
    focused_lines,
    for_the_asked_year,
    not_about_other_years,
    unrecorded_place,
    unrecorded_year,
)
from knowledge.privacy import SenderSelector, purge_if_due
from knowledge.query import (
    Question,
    asking_core,
    asks_open_question,
    asks_something,
    asks_wh,
    is_indonesian,
    is_year_only,
    money_unsaid,
    only_chatter,
    read_question,
    refers_back_to,
    years_in,
)
from knowledge.retrieval import Hints, excerpt_in_english, named_subjects
from knowledge.service import KnowledgeBase, ensure_seeded, load_content
from knowledge.stats import stats_chart_png, stats_csv, stats_text
from knowledge.text import content_terms
from knowledge.types import TOPICS, Entry, EntryData, Hit, KbInfo, QuestionRecord, SearchResult, Source
from settings import get_settings

__all__ = [
    "TOPICS",
    "WIB",
    "AlreadyVoted",
    "AuditRecord",
    "BotStateStore",
    "ContentError",
    "ConversationStore",
    "DayCount",
    "DeletionReport",
    "DocumentStore",
    "EditionStore",
    "Entry",
    "EntryData",
    "EntryVersionInfo",
    "Exchange",
    "FeedbackRecord",
    "FeedbackVote",
    "HandoffInfo",
    "HandoffStore",
    "Hints",
    "Hit",
    "ImportResult",
    "KbInfo",
    "KippEdition",
    "KnowledgeAdmin",
    "KnowledgeBase",
    "KnowledgeUnavailable",
    "Problem",
    "Question",
    "QuestionRecord",
    "RasaConversations",
    "SearchResult",
    "SenderSelector",
    "Source",
    "Stats",
    "StoredDocument",
    "UnansweredGroup",
    "VersionConflict",
    "asked_year_first",
    "asking_core",
    "asks_open_question",
    "asks_something",
    "asks_wh",
    "content_terms",
    "default_admin",
    "default_kb",
    "ensure_seeded",
    "entry_from_record",
    "excerpt_in_english",
    "focused_lines",
    "for_the_asked_year",
    "is_indonesian",
    "is_year_only",
    "kb_info",
    "kipp_editions",
    "load_content",
    "money_unsaid",
    "named_subjects",
    "not_about_other_years",
    "only_chatter",
    "purge_if_due",
    "read_content_dir",
    "read_editions_file",
    "read_question",
    "refers_back_to",
    "run_retention",
    "save_document",
    "stats_chart_png",
    "stats_csv",
    "stats_text",
    "unrecorded_place",
    "unrecorded_year",
    "valid_entry_id",
    "wib",
    "years_in",
]


@lru_cache(maxsize=1)
def default_kb() -> KnowledgeBase:
    """Return the process-wide knowledge base configured by `settings` (created on first use)."""
    settings = get_settings()
    return KnowledgeBase(settings.database_url, refresh_seconds=settings.kb_refresh_seconds)


def kb_info() -> KbInfo:
    """Return the size and last-change time of the configured knowledge base."""
    return default_kb().info()


@lru_cache(maxsize=1)
def default_admin() -> KnowledgeAdmin:
    """Return the process-wide administration of the configured knowledge base and conversation store."""
    settings = get_settings()
    return KnowledgeAdmin(settings.database_url, tracker_db=settings.tracker_db)


def run_retention() -> DeletionReport | None:
    """Remove logs older than RETENTION_DAYS if the purge has not run today (cheap to call often).

    Call it when the action server starts and, e.g., after logging a question: it asks the database at
    most once an hour per process and purges at most once a day.
    """
    settings = get_settings()
    return purge_if_due(settings.database_url, default_admin().conversations, retention_days=settings.retention_days)


def kipp_editions() -> list[KippEdition]:
    """Return the KIPP editions of the configured knowledge base, oldest first (seeded on first use)."""
    return EditionStore(get_settings().database_url).editions()


def save_document(filename: str, content: bytes, *, owner: str) -> str:
    """Store a generated document in the configured knowledge base and return its reference."""
    return DocumentStore(get_settings().database_url).save(filename, content, owner=owner)
