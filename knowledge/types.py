"""Plain, frozen data types that the knowledge base hands to the rest of the project.

Callers never see ORM rows: these dataclasses are the public shapes of entries, sources and search hits.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime

TOPICS: dict[str, str] = {
    "kipp": "KIPP",
    "replikasi": "Replikasi",
    "pelembagaan": "Pelembagaan",
    "jipp": "JIPP",
    "mpp": "Mal Pelayanan Publik",
    "unpsa": "UNPSA",
    "sinovik": "SINOVIK",
    "klinik": "Coaching clinic",
    "umum": "Umum",
}

ACTIVE = "active"
RETIRED = "retired"


@dataclass(frozen=True)
class Source:
    """Where an answer comes from: a regulation, document or article, and its address if known."""

    title: str
    url: str | None = None

    def cite(self) -> str:
        """Return the source as one citation string."""
        return f"{self.title} ({self.url})" if self.url else self.title


@dataclass(frozen=True)
class EntryData:
    """The content of one entry, as written in a content file or an import, before it is stored."""

    id: str
    topic: str
    title: str
    questions: tuple[str, ...]
    answer: str
    sources: tuple[Source, ...]
    answer_en: str | None = None
    facts: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Entry(EntryData):
    """A stored knowledge-base entry: its content (the fields of `EntryData`) with its status and version."""

    status: str
    version: int
    created_at: datetime
    updated_at: datetime

    @property
    def data(self) -> EntryData:
        """Return the editable content of this entry."""
        return EntryData(**{f.name: getattr(self, f.name) for f in fields(EntryData)})

    def citation(self) -> str:
        """Return the `Sumber:` line that ends every answer built from this entry."""
        return "Sumber: " + "; ".join(source.cite() for source in self.sources)

    def render(self, *, english: bool = False) -> str:
        """Return the answer text followed by its citation line."""
        body = self.answer_en if english and self.answer_en else self.answer
        return f"{body.strip()}\n\n{self.citation()}"


@dataclass(frozen=True)
class KbInfo:
    """A summary of the knowledge base, e.g. for the bot's /tentang command."""

    entry_count: int
    updated_at: datetime | None
    revision: int


@dataclass(frozen=True)
class Hit:
    """One retrieval candidate and its score (cosine-like, 0..1)."""

    entry: Entry
    score: float


@dataclass(frozen=True)
class SearchResult:
    """What retrieval found for a question, best first, and how sure it is."""

    hits: tuple[Hit, ...] = field(default_factory=tuple)
    confident: bool = False
    used_context: bool = False
    # Confident, but the runner-up is close behind: answered, and logged for the admins as uncertain.
    uncertain: bool = False
    # The follow-up is answered by a part of the previous answer that was not shown ("ditetapkan kapan?").
    in_previous: bool = False
    excerpt: str = ""  # the lines of the previous answer that say it

    @property
    def best(self) -> Hit | None:
        """Return the best hit, if any."""
        return self.hits[0] if self.hits else None


@dataclass(frozen=True, kw_only=True)
class QuestionRecord:
    """A question the assistant just handled, to log: who asked what, and how it was answered.

    `outcome` is answered, uncertain, ambiguous or declined; `entry` is the entry answered with, if any,
    and `score` the best hit's score. `at` defaults to the time of writing.
    """

    sender_id: str
    text: str
    intent: str | None
    outcome: str
    entry: Entry | None = None
    score: float | None = None
    at: datetime | None = None


@dataclass(frozen=True)
class LoggedQuestion:
    """A question the assistant handled, as the admins see it."""

    id: int
    at: datetime
    sender_id: str
    text: str
    normalized: str
    intent: str | None
    outcome: str
    entry_id: str | None
    entry_version: int | None
    score: float | None
