"""Frozen data types of the knowledge-base administration: history, imports, unanswered questions, privacy.

Like `types.py`, these are what callers (the `kb` command, the Telegram admin commands) see instead of ORM rows.
Imports nothing of the project but `knowledge.types`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from knowledge.types import EntryData

# Western Indonesian Time (Asia/Jakarta, no daylight saving), where the clinic works: every time an admin
# sees, in the CLI and on Telegram, and every "day" of the statistics, is in WIB.
WIB = timezone(timedelta(hours=7), "WIB")


def wib(moment: datetime | None) -> str:
    """Format a timestamp for people: `2025-03-05 14:02 WIB` (or `-`)."""
    return moment.astimezone(WIB).strftime("%Y-%m-%d %H:%M WIB") if moment else "-"


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
class EntryOutcomes:
    """What a batch of entries went through (or, for a dry run, would), by entry id: what every batch reports."""

    created: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    dry_run: bool = False

    def counts(self) -> str:
        """Return the start of a summary line: `created 2, updated 1, unchanged 5`."""
        return f"created {len(self.created)}, updated {len(self.updated)}, unchanged {len(self.unchanged)}"


@dataclass(frozen=True)
class ImportResult(EntryOutcomes):
    """What an import did (or, for a dry run, would do), by entry id."""

    retired: tuple[str, ...] = ()
    restored: tuple[str, ...] = ()

    def summary(self) -> str:
        """Return one line such as `created 2, updated 1, unchanged 5, retired 0, restored 0`."""
        return f"{self.counts()}, retired {len(self.retired)}, restored {len(self.restored)}"


@dataclass(frozen=True)
class UnansweredGroup:
    """Questions of the review queue that mean the same thing, counted together.

    `group_id` is a short stable hash of `key` (what the admin types to promote or dismiss the group); `texts`
    are the distinct wordings, most frequent first. The counts say how each piece of evidence came in:
    declined, answered only with choices (ambiguous), answered with little confidence (uncertain), or an
    answer marked 👎 (unhelpful; `comments` holds what people wrote, newest first, and `entry_ids` the entries
    that answered). `keys` are the merged near-duplicate keys (the first is `key`).
    """

    group_id: str
    key: str
    count: int
    texts: tuple[str, ...]
    first_at: datetime
    last_at: datetime
    declined: int
    ambiguous: int
    uncertain: int = 0
    unhelpful: int = 0
    keys: tuple[str, ...] = ()
    comments: tuple[str, ...] = ()
    entry_ids: tuple[str, ...] = ()

    @property
    def example(self) -> str:
        """Return the most frequent wording."""
        return self.texts[0]

    def kinds(self) -> str:
        """Return how the evidence came in, as admins read it: `ditolak 2 · ragu 1 · 👎 1` (kinds with none omitted)."""
        counts = (
            ("ditolak", self.declined),
            ("pilihan", self.ambiguous),
            ("ragu", self.uncertain),
            ("👎", self.unhelpful),
        )
        return " · ".join(f"{label} {n}" for label, n in counts if n)


@dataclass(frozen=True)
class FlowFunnel:
    """How one guided flow went: how often it was started, completed, cancelled, and where people left it."""

    name: str
    starts: int
    completed: int
    cancelled: int
    left_at: tuple[tuple[str, int], ...]  # (step, how many runs ended there without completing), most first

    @property
    def completion_rate(self) -> float | None:
        """Return the share of started runs that were completed, or None without starts."""
        return self.completed / self.starts if self.starts else None


@dataclass(frozen=True)
class DayCount:
    """Questions and feedback of one day (UTC).

    `answered` are confident answers, `uncertain` answers given with a small lead over the runner-up,
    `ambiguous` questions answered only with choices (unanswered), `declined` no answer at all.
    """

    day: date
    total: int = 0
    answered: int = 0
    ambiguous: int = 0
    declined: int = 0
    helpful: int = 0
    unhelpful: int = 0
    uncertain: int = 0
    users: int = 0
    conversations: int = 0


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
    uncertain: int = 0
    users: int = 0
    conversations: int = 0
    # (entry id, title, 👍, 👎), most 👎 first.
    entry_feedback: tuple[tuple[str, str, int, int], ...] = ()
    # (topic, 👍, 👎) of the answers rated.
    topic_feedback: tuple[tuple[str, int, int], ...] = ()
    # Handoffs to a facilitator by how they ended: requested (all), claimed, timeout, still open.
    handoffs: tuple[tuple[str, int], ...] = ()
    # The guided flows' funnels (from the conversation store).
    flows: tuple[FlowFunnel, ...] = ()

    @property
    def answer_rate(self) -> float | None:
        """Return the share of questions answered from the knowledge base (confident or not), or None."""
        return (self.answered + self.uncertain) / self.total if self.total else None

    @property
    def confident_rate(self) -> float | None:
        """Return the share of questions answered with confidence, or None without questions."""
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
