"""Frozen data types of the knowledge-base administration: history, imports, unanswered questions, privacy.

Like `types.py`, these are what callers (the `kb` command, the Telegram admin commands) see instead of ORM rows.
Imports nothing of the project but `knowledge.types`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from knowledge.types import EntryData


@dataclass(frozen=True)
class EntryVersionInfo:
    """One stored version of an entry: its content and status, and who made it, when and how."""

    entry_id: str
    version: int
    action: str
    changed_by: str
    changed_at: datetime
    data: EntryData
    status: str


@dataclass(frozen=True)
class ImportItem:
    """One validated entry of an import file, with the version it was based on and an optional status."""

    data: EntryData
    expected_version: int | None = None
    status: str | None = None


@dataclass(frozen=True)
class ImportResult:
    """What an import did (or, for a dry run, would do), by entry id."""

    created: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    retired: tuple[str, ...] = ()
    restored: tuple[str, ...] = ()
    dry_run: bool = False

    def summary(self) -> str:
        """Return one line such as `created 2, updated 1, unchanged 5, retired 0, restored 0`."""
        return (
            f"created {len(self.created)}, updated {len(self.updated)}, unchanged {len(self.unchanged)}, "
            f"retired {len(self.retired)}, restored {len(self.restored)}"
        )


@dataclass(frozen=True)
class UnansweredGroup:
    """Declined or ambiguous questions that mean the same thing, counted together.

    `group_id` is a short stable hash of `key` (what the admin types to promote the group); `texts` are the
    distinct wordings, most frequent first.
    """

    group_id: str
    key: str
    count: int
    texts: tuple[str, ...]
    first_at: datetime
    last_at: datetime
    declined: int
    ambiguous: int

    @property
    def example(self) -> str:
        """Return the most frequent wording."""
        return self.texts[0]


@dataclass(frozen=True)
class DayCount:
    """Questions and feedback of one day (UTC)."""

    day: date
    total: int = 0
    answered: int = 0
    ambiguous: int = 0
    declined: int = 0
    helpful: int = 0
    unhelpful: int = 0


@dataclass(frozen=True)
class Stats:
    """Usage of the assistant over a period, for admins: as numbers, a chart and a CSV file."""

    since: date
    until: date
    days: tuple[DayCount, ...]
    total: int
    answered: int
    ambiguous: int
    declined: int
    helpful: int
    unhelpful: int
    top_topics: tuple[tuple[str, int], ...] = ()
    top_entries: tuple[tuple[str, str, int], ...] = ()
    top_unanswered: tuple[UnansweredGroup, ...] = field(default_factory=tuple)

    @property
    def answer_rate(self) -> float | None:
        """Return the share of questions answered from the knowledge base, or None without questions."""
        return self.answered / self.total if self.total else None

    @property
    def feedback_ratio(self) -> float | None:
        """Return the share of 👍 among all feedback, or None without feedback."""
        rated = self.helpful + self.unhelpful
        return self.helpful / rated if rated else None


@dataclass(frozen=True)
class DeletionReport:
    """How many rows a privacy deletion or a retention purge removed."""

    questions: int = 0
    feedback: int = 0
    conversation_events: int = 0

    @property
    def total(self) -> int:
        """Return the number of rows removed."""
        return self.questions + self.feedback + self.conversation_events
