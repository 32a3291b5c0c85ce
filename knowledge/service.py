"""The knowledge base as a service: a live search index over one database, plus reads and logging.

The index is rebuilt when the database revision changes, checked at most every `refresh_seconds`,
so an admin's edit reaches a running action server within seconds and without a restart.
Every database error is turned into `KnowledgeUnavailable` here, at the package boundary.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from knowledge import queries
from knowledge.admin_load import LoadReport, load_entries
from knowledge.background import BackgroundWriter
from knowledge.content import CONTENT_DIR, read_content_dir
from knowledge.db import get_session_factory
from knowledge.errors import KnowledgeUnavailable
from knowledge.retrieval import Hints, KnowledgeIndex
from knowledge.types import Entry, KbInfo, QuestionRecord, SearchResult

logger = logging.getLogger(__name__)
T = TypeVar("T")


class KnowledgeBase:
    """Search and read one knowledge-base database; safe to share between threads."""

    def __init__(self, database_url: str, *, refresh_seconds: float = 2.0) -> None:
        self.database_url = database_url
        self.refresh_seconds = refresh_seconds
        self._index: KnowledgeIndex | None = None
        self._checked_at = 0.0
        self._lock = threading.Lock()
        # Question logging and other bookkeeping: queued, written with retry, never on the answer path.
        self.writer = BackgroundWriter(name="kb-writer")

    @contextmanager
    def _session(self, *, write: bool = False) -> Iterator[Session]:
        try:
            factory = get_session_factory(self.database_url)
            with factory.begin() if write else factory() as session:
                yield session
        except SQLAlchemyError as exc:
            raise KnowledgeUnavailable(f"knowledge base unavailable: {exc.__class__.__name__}") from exc

    def run(self, work: Callable[[Session], T], *, write: bool = False) -> T:
        """Run `work(session)` as one unit of work (a transaction when `write`)."""
        with self._session(write=write) as session:
            return work(session)

    def index(self) -> KnowledgeIndex:
        """Return the current index, rebuilding it if the database changed since the last check."""
        now = time.monotonic()
        with self._lock:
            if self._index is not None and now - self._checked_at < self.refresh_seconds:
                return self._index
            revision = self.run(queries.current_revision)
            if self._index is None or revision != self._index.revision:
                started = time.perf_counter()
                entries = self.run(queries.active_entries)
                self._index = KnowledgeIndex(entries, revision=revision)
                logger.info(
                    "knowledge index built: %d entries, revision %d, %.0f ms",
                    len(entries),
                    revision,
                    (time.perf_counter() - started) * 1000,
                )
            self._checked_at = now
            return self._index

    def search(self, text: str, hints: Hints | None = None) -> SearchResult:
        """Rank active entries for a question."""
        return self.index().search(text, hints)

    def entry(self, entry_id: str) -> Entry | None:
        """Return an active entry by id (retired entries are never answered)."""
        return self.index().get(entry_id)

    def topic_entries(self, topic: str) -> list[Entry]:
        """Return the active entries of one topic, in content order."""
        return [entry for entry in self.index().entries if entry.topic == topic]

    def info(self) -> KbInfo:
        """Return the number of active entries and the time of the last change."""
        return self.run(queries.kb_info)

    def log_question(self, record: QuestionRecord) -> None:
        """Record a handled question (answered, ambiguous or declined) for admins and statistics.

        Queued for the background writer and returns at once: a locked or unreachable database delays the
        record (retried for about two minutes), never the answer, and never raises into the action.
        """
        self.writer.submit(
            "question log entry", lambda: self.run(lambda session: queries.log_question(session, record), write=True)
        )


def load_content(
    database_url: str,
    *,
    directory: Path = CONTENT_DIR,
    actor: str = "content",
    force: bool = False,
    dry_run: bool = False,
) -> LoadReport:
    """Validate every content file, then load their entries in one transaction.

    Entries edited in the database since they were last loaded are kept (listed in the report) unless
    `force`; see `knowledge.admin_load`.
    """
    entries = read_content_dir(directory)
    kb = KnowledgeBase(database_url)
    return kb.run(
        lambda s: load_entries(s, entries=entries, actor=actor, force=force, dry_run=dry_run), write=not dry_run
    )


def ensure_seeded(database_url: str, *, directory: Path = CONTENT_DIR) -> bool:
    """Load the curated content into an empty database; return whether it loaded anything."""
    kb = KnowledgeBase(database_url)
    if kb.run(queries.count_entries) > 0:
        return False
    load_content(database_url, directory=directory)
    return True
