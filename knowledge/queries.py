"""Query and write functions of the knowledge base: `fn(session, *, ...)`, returning dataclasses.

Each function works inside the caller's session; the caller owns the unit of work
(`with factory.begin() as session:`), so a batch of changes commits or rolls back as one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from knowledge.errors import VersionConflict
from knowledge.models import KbAudit, KbEntry, KbEntryVersion, KbState, QuestionLog, utcnow
from knowledge.rows import from_row
from knowledge.text import normalize
from knowledge.types import (
    ACTIVE,
    RETIRED,
    Entry,
    EntryData,
    KbInfo,
    LoggedQuestion,
    QuestionRecord,
    Source,
)


def entry_from_row(row: KbEntry) -> Entry:
    """Convert an ORM row into the public frozen `Entry`."""
    return from_row(
        Entry,
        row,
        questions=tuple(row.questions),
        sources=tuple(Source(title=s["title"], url=s.get("url")) for s in row.sources),
        facts=tuple(row.facts or ()),
    )


def snapshot(data: EntryData, *, status: str = ACTIVE) -> dict[str, Any]:
    """Return an entry's content as a JSON-ready dict (the keys of the content files, plus status)."""
    record: dict[str, Any] = {
        "id": data.id,
        "topic": data.topic,
        "title": data.title,
        "questions": list(data.questions),
        "answer": data.answer,
        "sources": [{"title": s.title, **({"url": s.url} if s.url else {})} for s in data.sources],
    }
    if data.answer_en:
        record["answer_en"] = data.answer_en
    if data.facts:
        record["facts"] = list(data.facts)
    record["status"] = status
    return record


def _row_snapshot(row: KbEntry) -> dict[str, Any]:
    return snapshot(entry_from_row(row).data, status=row.status)


def current_revision(session: Session) -> int:
    """Return the knowledge-base revision, bumped by every change."""
    state = session.get(KbState, 1)
    return state.revision if state else 0


def bump_revision(session: Session) -> int:
    """Mark the knowledge base as changed so running action servers reload it."""
    state = session.get(KbState, 1)
    if state is None:
        state = KbState(id=1, revision=0)
        session.add(state)
    state.revision += 1
    state.updated_at = utcnow()
    revision: int = state.revision
    return revision


def kb_info(session: Session) -> KbInfo:
    """Return how many entries are active and when the knowledge base last changed."""
    count = session.execute(select(func.count()).select_from(KbEntry).where(KbEntry.status == ACTIVE)).scalar_one()
    state = session.get(KbState, 1)
    return KbInfo(
        entry_count=count,
        updated_at=state.updated_at if state else None,
        revision=state.revision if state else 0,
    )


def active_entries(session: Session) -> list[Entry]:
    """Return every active entry in a stable order: by topic, then in the order they were added."""
    stmt = select(KbEntry).where(KbEntry.status == ACTIVE).order_by(KbEntry.topic, KbEntry.created_at, KbEntry.id)
    return [entry_from_row(row) for row in session.execute(stmt).scalars()]


def get_entry(session: Session, *, entry_id: str) -> Entry | None:
    """Return one entry by id, whatever its status, or None."""
    row = session.get(KbEntry, entry_id)
    return entry_from_row(row) if row else None


def count_entries(session: Session) -> int:
    """Return how many entries exist, active or retired."""
    count: int = session.execute(select(func.count()).select_from(KbEntry)).scalar_one()
    return count


@dataclass(frozen=True)
class UpsertResult:
    """How many entries a batch created, updated and left unchanged."""

    created: int
    updated: int
    unchanged: int


def _flush_versioned(session: Session, entry_id: str, expected_version: int | None) -> None:
    """Flush an entry update; a concurrent change of the same version surfaces as `VersionConflict`."""
    try:
        session.flush()
    except StaleDataError as exc:
        raise VersionConflict(
            f"entry {entry_id!r} was changed by someone else meanwhile"
            + (f" (the edit was based on version {expected_version})" if expected_version is not None else "")
        ) from exc


def _record_change(session: Session, row: KbEntry, *, actor: str, action: str, before: dict[str, Any] | None) -> None:
    after = _row_snapshot(row)
    session.add(
        KbEntryVersion(
            entry_id=row.id,
            version=row.version,
            snapshot=after,
            changed_by=actor,
            changed_at=row.updated_at,
            action=action,
        )
    )
    session.add(KbAudit(at=row.updated_at, actor=actor, action=action, entry_id=row.id, before=before, after=after))


def save_entry(
    session: Session,
    *,
    data: EntryData,
    actor: str,
    action: str = "update",
    expected_version: int | None = None,
) -> tuple[Entry, bool]:
    """Create or update one entry; return it and whether anything changed.

    `expected_version` guards against lost updates: when given and the stored version differs, the edit
    was based on stale content and `VersionConflict` is raised.
    """
    row = session.get(KbEntry, data.id, with_for_update=expected_version is not None)
    now = utcnow()
    if row is None:
        if expected_version not in (None, 0):
            raise VersionConflict(f"entry {data.id!r} does not exist (expected version {expected_version})")
        values = snapshot(data)
        values.pop("status")
        row = KbEntry(
            **{**values, "answer_en": data.answer_en, "facts": list(data.facts)},
            status=ACTIVE,
            version=1,
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        session.flush()
        _record_change(session, row, actor=actor, action="create" if action == "update" else action, before=None)
        bump_revision(session)
        return entry_from_row(row), True
    if expected_version is not None and row.version != expected_version:
        raise VersionConflict(
            f"entry {data.id!r} is at version {row.version}, but the edit was based on version {expected_version}"
        )
    before = _row_snapshot(row)
    new = snapshot(data, status=row.status)
    if new == before:
        return entry_from_row(row), False
    row.topic, row.title, row.questions = data.topic, data.title, list(data.questions)
    row.answer, row.answer_en, row.facts = data.answer, data.answer_en, list(data.facts)
    row.sources = new["sources"]
    row.version += 1
    row.updated_at = now
    _flush_versioned(session, data.id, expected_version)
    _record_change(session, row, actor=actor, action=action, before=before)
    bump_revision(session)
    return entry_from_row(row), True


def set_status(
    session: Session, *, entry_id: str, status: str, actor: str, expected_version: int | None = None
) -> Entry | None:
    """Retire or restore an entry (a new version); return it, or None if there is no such entry."""
    if status not in (ACTIVE, RETIRED):
        raise ValueError(f"unknown status {status!r}")
    row = session.get(KbEntry, entry_id, with_for_update=True)
    if row is None:
        return None
    if expected_version is not None and row.version != expected_version:
        raise VersionConflict(f"entry {entry_id!r} is at version {row.version}, not {expected_version}")
    if row.status == status:
        return entry_from_row(row)
    before = _row_snapshot(row)
    row.status = status
    row.version += 1
    row.updated_at = utcnow()
    _flush_versioned(session, entry_id, expected_version)
    _record_change(session, row, actor=actor, action="retire" if status == RETIRED else "restore", before=before)
    bump_revision(session)
    return entry_from_row(row)


def upsert_entries(session: Session, *, entries: Iterable[EntryData], actor: str, action: str) -> UpsertResult:
    """Create or update many entries in the caller's transaction."""
    created = updated = unchanged = 0
    for data in entries:
        existed = session.get(KbEntry, data.id) is not None
        _, changed = save_entry(session, data=data, actor=actor, action=action)
        if not changed:
            unchanged += 1
        elif existed:
            updated += 1
        else:
            created += 1
    return UpsertResult(created=created, updated=updated, unchanged=unchanged)


def log_question(session: Session, record: QuestionRecord) -> None:
    """Record one handled question and its outcome, with its normalised text for grouping."""
    entry = record.entry
    session.add(
        QuestionLog(
            at=record.at or utcnow(),
            sender_id=record.sender_id,
            text=record.text[:2000],
            normalized=normalize(record.text)[:500],
            intent=record.intent,
            outcome=record.outcome,
            entry_id=entry.id if entry else None,
            entry_version=entry.version if entry else None,
            topic=entry.topic if entry else None,
            score=record.score,
        )
    )


def logged_questions(
    session: Session, *, sender_id: str | None = None, outcome: str | None = None, limit: int = 100
) -> list[LoggedQuestion]:
    """Return the latest logged questions, newest first, optionally for one sender or outcome."""
    stmt = select(QuestionLog).order_by(QuestionLog.id.desc()).limit(limit)
    if sender_id is not None:
        stmt = stmt.where(QuestionLog.sender_id == sender_id)
    if outcome is not None:
        stmt = stmt.where(QuestionLog.outcome == outcome)
    return [from_row(LoggedQuestion, row) for row in session.execute(stmt).scalars()]
