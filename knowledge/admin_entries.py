"""Entries as admins change them: list and search, history and revert, phrasings, imports, creation.

Query and write functions of the administration, `fn(session, *, ...)`, returning dataclasses. As in
`queries.py`, the caller owns the unit of work; every change goes through `queries.save_entry`/`set_status`, so
it is versioned, audited and bumps the revision the action servers poll. Imports only `knowledge`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge import queries
from knowledge.admin_types import EntryVersionInfo, ImportItem, ImportResult
from knowledge.errors import ContentError, Problem, VersionConflict
from knowledge.models import KbEntry, KbEntryVersion
from knowledge.rows import from_row
from knowledge.text import normalize
from knowledge.types import ACTIVE, RETIRED, Entry, EntryData, Source


def data_from_snapshot(snapshot: dict[str, Any]) -> EntryData:
    """Rebuild an entry's content from a stored JSON snapshot."""
    sources = snapshot.get("sources") or []
    return EntryData(
        id=str(snapshot["id"]),
        topic=str(snapshot["topic"]),
        title=str(snapshot["title"]),
        questions=tuple(str(q) for q in snapshot.get("questions") or ()),
        answer=str(snapshot["answer"]),
        sources=tuple(Source(title=s["title"], url=s.get("url")) for s in sources),
        answer_en=snapshot.get("answer_en") or None,
        facts=tuple(snapshot.get("facts") or ()),
    )


def list_entries(session: Session, *, status: str | None = ACTIVE, topic: str | None = None) -> list[Entry]:
    """Return entries by topic and id; `status=None` includes retired ones."""
    stmt = select(KbEntry).order_by(KbEntry.topic, KbEntry.id)
    if status is not None:
        stmt = stmt.where(KbEntry.status == status)
    if topic is not None:
        stmt = stmt.where(KbEntry.topic == topic)
    return [queries.entry_from_row(row) for row in session.execute(stmt).scalars()]


def search_entries(session: Session, *, text: str, include_retired: bool = True, limit: int = 20) -> list[Entry]:
    """Return entries whose id, title, questions or answer contain every word of `text` (accents and case folded).

    This is the admins' "find the entry to edit" search, literal on purpose; what the assistant would answer
    is retrieval's job.
    """
    words = normalize(text).split()
    found: list[Entry] = []
    for entry in list_entries(session, status=None if include_retired else ACTIVE):
        haystack = normalize(" ".join((entry.id.replace("-", " "), entry.title, *entry.questions, entry.answer)))
        if all(word in haystack for word in words):
            found.append(entry)
    # Title matches first: that is usually what the admin remembers.
    found.sort(key=lambda e: (not all(w in normalize(e.title) for w in words), e.topic, e.id))
    return found[:limit]


def entry_history(session: Session, *, entry_id: str) -> list[EntryVersionInfo]:
    """Return every stored version of an entry, oldest first (empty if there is no such entry)."""
    stmt = select(KbEntryVersion).where(KbEntryVersion.entry_id == entry_id).order_by(KbEntryVersion.version)
    return [
        from_row(
            EntryVersionInfo,
            row,
            data=data_from_snapshot(row.snapshot),
            status=str(row.snapshot.get("status", ACTIVE)),
        )
        for row in session.execute(stmt).scalars()
    ]


def entry_version(session: Session, *, entry_id: str, version: int) -> EntryVersionInfo | None:
    """Return one stored version of an entry, or None."""
    return next((v for v in entry_history(session, entry_id=entry_id) if v.version == version), None)


def revert_entry(
    session: Session, *, entry_id: str, version: int, actor: str, expected_version: int | None = None
) -> tuple[Entry, bool]:
    """Save the content of an earlier version as a new version; return the entry and whether it changed.

    Only the content is restored; whether the entry is active is changed by retire and restore alone.
    Raises `LookupError` if the entry or the version does not exist.
    """
    old = entry_version(session, entry_id=entry_id, version=version)
    if old is None:
        raise LookupError(f"entry {entry_id!r} has no version {version}")
    return queries.save_entry(session, data=old.data, actor=actor, action="revert", expected_version=expected_version)


def add_phrasing(
    session: Session, *, entry_id: str, question: str, actor: str, expected_version: int | None = None
) -> tuple[Entry, bool]:
    """Add `question` as a new phrasing of an entry (a new version); unchanged if it already has it.

    Raises `LookupError` if there is no such entry.
    """
    entry = queries.get_entry(session, entry_id=entry_id)
    if entry is None:
        raise LookupError(f"no entry {entry_id!r}")
    question = " ".join(question.split())
    if not question or normalize(question) in {normalize(q) for q in entry.questions}:
        return entry, False
    data = EntryData(**{**entry.data.__dict__, "questions": (*entry.questions, question)})
    return queries.save_entry(session, data=data, actor=actor, action="add-phrasing", expected_version=expected_version)


def apply_import(
    session: Session, *, items: Sequence[ImportItem], actor: str, file: str = "import", dry_run: bool = False
) -> ImportResult:
    """Create or update every entry of a validated import in the caller's transaction.

    Version checks come first: if any item was based on a version that is no longer current, nothing is
    written and one `ContentError` lists every stale entry. A dry run computes the result and writes nothing.
    """
    stale: list[Problem] = []
    for item in items:
        if item.expected_version is None:
            continue
        current = queries.get_entry(session, entry_id=item.data.id)
        current_version = current.version if current else 0
        if item.expected_version == 0 and current is not None:
            stale.append(Problem(file, item.data.id, "id", "already exists; use edit or import to change it"))
        elif current_version != item.expected_version:
            stale.append(
                Problem(
                    file,
                    item.data.id,
                    "version",
                    f"the file was based on version {item.expected_version}, but the stored entry is at version "
                    f"{current_version}: export again and redo the change",
                )
            )
    if stale:
        raise ContentError(stale)
    outcomes: dict[str, list[str]] = defaultdict(list)  # ImportResult field -> entry ids
    for item in items:
        entry_id = item.data.id
        current = queries.get_entry(session, entry_id=entry_id)
        if dry_run:
            changed = current is None or queries.snapshot(current.data) != queries.snapshot(item.data)
            # A new entry is not counted as retired or restored in a dry run.
            status = item.status if current is None else current.status
        else:
            entry, changed = queries.save_entry(
                session, data=item.data, actor=actor, action="import", expected_version=item.expected_version
            )
            status = entry.status
        outcomes["created" if current is None else "updated" if changed else "unchanged"].append(entry_id)
        if item.status and item.status != status:
            if not dry_run:
                queries.set_status(session, entry_id=entry_id, status=item.status, actor=actor)
            outcomes["retired" if item.status == RETIRED else "restored"].append(entry_id)
    return ImportResult(**{field: tuple(ids) for field, ids in outcomes.items()}, dry_run=dry_run)


def create_entry(session: Session, *, data: EntryData, actor: str) -> Entry:
    """Create a new entry; raise `VersionConflict` if the id is already taken."""
    entry, _ = queries.save_entry(session, data=data, actor=actor, action="create", expected_version=0)
    return entry


def ensure_new_ids(session: Session, *, entries: Iterable[EntryData]) -> None:
    """Raise `VersionConflict` naming every id that already exists (for `add`, which never overwrites)."""
    taken = [e.id for e in entries if session.get(KbEntry, e.id) is not None]
    if taken:
        raise VersionConflict(f"already exists: {', '.join(taken)} (use edit or import to change an entry)")
