"""`kb load` without lost edits: the curated files seed the database, and never overwrite an edit made there.

The database is the source of truth once it is loaded; `knowledge/content/*.yml` seeds it and is how reviewed
content reaches it. For every entry we remember what the files held when it was last loaded (table
`kb_content_sync`). A load then treats each entry of the files as follows:

- not in the database: created;
- same content as in the database: unchanged (and remembered as in step);
- the database still holds what the files held last time: updated from the files (nobody edited it there);
- the files still hold what they held last time, but the database was edited since (an admin edit, an import,
  a promoted phrasing): the database is newer; the entry is kept and listed (`newer_in_db`), nothing to decide;
- both changed since the last load (and differ): a **conflict**; the entry is kept and listed (`kept`).
Only `force` overwrites either kind with the files' content (recorded in the history and audit as `load-force`).

Databases loaded before this table existed fall back to the entry's latest version written by a load. Status
(retired/active) is the database's own business: a load never changes it, so retiring is not an edit here.
Imports nothing of the project but `knowledge.models`, `knowledge.queries` and `knowledge.types`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge import queries
from knowledge.admin_types import EntryOutcomes
from knowledge.models import KbContentSync, KbEntryVersion, utcnow
from knowledge.types import EntryData

LOAD_ACTION = "seed"
FORCE_ACTION = "load-force"
_LOAD_ACTIONS = (LOAD_ACTION, FORCE_ACTION)


@dataclass(frozen=True)
class LoadReport(EntryOutcomes):
    """What a load did (or, for a dry run, would do), by entry id.

    `newer_in_db` are entries edited in the database while their file stayed as last loaded; `kept` are
    conflicts, edited in the database while their file changed too. Neither is overwritten unless forced
    (then they are in `forced`).
    """

    kept: tuple[str, ...] = ()
    newer_in_db: tuple[str, ...] = ()
    forced: tuple[str, ...] = ()

    def summary(self) -> str:
        """Return one line such as `created 1, updated 2, unchanged 80, kept 1 (edited in the database)`."""
        line = self.counts()
        if self.newer_in_db:
            line += f", newer in the database {len(self.newer_in_db)}"
        if self.kept:
            line += f", conflicts {len(self.kept)} (kept: changed in the files and in the database)"
        if self.forced:
            line += f", overwritten {len(self.forced)} (--force)"
        return line


def content_of(data: EntryData) -> dict[str, Any]:
    """Return an entry's content without its status: what the files and the database can disagree on."""
    record = queries.snapshot(data)
    del record["status"]
    return record


def _baseline(session: Session, entry_id: str) -> dict[str, Any] | None:
    """Return what the files held for `entry_id` when it was last loaded, or None if it never was."""
    sync = session.get(KbContentSync, entry_id)
    if sync is not None:
        return dict(sync.content)
    stmt = (
        select(KbEntryVersion.snapshot)
        .where(KbEntryVersion.entry_id == entry_id, KbEntryVersion.action.in_(_LOAD_ACTIONS))
        .order_by(KbEntryVersion.version.desc())
        .limit(1)
    )
    found = session.execute(stmt).scalar_one_or_none()
    if found is None:
        return None
    record = dict(found)
    record.pop("status", None)
    return record


def _remember(session: Session, entry_id: str, content: dict[str, Any], version: int) -> None:
    sync = session.get(KbContentSync, entry_id)
    if sync is None:
        session.add(KbContentSync(entry_id=entry_id, content=content, version=version, synced_at=utcnow()))
    else:
        sync.content, sync.version, sync.synced_at = content, version, utcnow()


def load_entries(
    session: Session, *, entries: Iterable[EntryData], actor: str, force: bool = False, dry_run: bool = False
) -> LoadReport:
    """Load the files' entries in the caller's transaction, keeping entries edited in the database.

    With `force`, kept entries are overwritten with the files' content (history and audit say `load-force`).
    A dry run decides the same way and writes nothing.
    """
    outcomes: dict[str, list[str]] = defaultdict(list)  # LoadReport field -> entry ids
    for data in entries:
        wanted = content_of(data)
        current = queries.get_entry(session, entry_id=data.id)
        if current is None:
            outcomes["created"].append(data.id)
            action = LOAD_ACTION
        elif content_of(current.data) == wanted:
            outcomes["unchanged"].append(data.id)
            if not dry_run:
                _remember(session, data.id, wanted, current.version)
            continue
        elif (baseline := _baseline(session, data.id)) == content_of(current.data):
            outcomes["updated"].append(data.id)
            action = LOAD_ACTION
        elif force:
            outcomes["forced"].append(data.id)
            action = FORCE_ACTION
        else:
            outcomes["newer_in_db" if baseline == wanted else "kept"].append(data.id)
            continue
        if dry_run:
            continue
        entry, _ = queries.save_entry(
            session,
            data=data,
            actor=actor,
            action=action,
            expected_version=None if current is None else current.version,
        )
        _remember(session, data.id, wanted, entry.version)
    return LoadReport(**{field: tuple(ids) for field, ids in outcomes.items()}, dry_run=dry_run)
