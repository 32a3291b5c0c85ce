"""The audit trail for admins: every change by anyone (CLI, spreadsheet imports, Telegram, loads), newest first.

Every entry change goes through `queries.save_entry`/`set_status`, which write a `kb_audit` row, and review
dismissals write one too, so this is the one place to ask "who changed what, when". Imports only `knowledge`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge.models import KbAudit, KbEntryVersion
from knowledge.rows import from_row


@dataclass(frozen=True)
class AuditRecord:
    """One change: when, who, what, on which entry, and the fields that differ between before and after."""

    id: int
    at: datetime
    actor: str
    action: str
    entry_id: str | None
    version: int | None
    changed: tuple[str, ...]
    note: str = ""


def _changed(before: dict[str, Any] | None, after: dict[str, Any] | None) -> tuple[str, ...]:
    if before is None or after is None:
        return ()
    return tuple(key for key in dict.fromkeys([*before, *after]) if before.get(key) != after.get(key))


def audit_records(
    session: Session,
    *,
    since: datetime | None = None,
    actor: str | None = None,
    entry_id: str | None = None,
    limit: int = 50,
) -> list[AuditRecord]:
    """Return audit records, newest first, filtered by time, actor (case-insensitive) and entry."""
    stmt = select(KbAudit).order_by(KbAudit.at.desc(), KbAudit.id.desc()).limit(limit)
    if since is not None:
        stmt = stmt.where(KbAudit.at >= since)
    if actor is not None:
        stmt = stmt.where(KbAudit.actor.ilike(actor))
    if entry_id is not None:
        stmt = stmt.where(KbAudit.entry_id == entry_id)
    records = []
    for row in session.execute(stmt).scalars():
        after = row.after or {}
        note = ""
        if row.action == "dismiss":
            note = f"[{after.get('group')}] {after.get('question')}: {after.get('reason')}"
        records.append(
            from_row(
                AuditRecord,
                row,
                version=_version_of(session, row),
                changed=_changed(row.before, row.after) if row.entry_id else (),
                note=note,
            )
        )
    return records


def _version_of(session: Session, row: KbAudit) -> int | None:
    # The audit row does not hold the version; the entry's history row written in the same change does.
    if row.entry_id is None:
        return None
    stmt = (
        select(KbEntryVersion.version)
        .where(KbEntryVersion.entry_id == row.entry_id, KbEntryVersion.changed_at == row.at)
        .order_by(KbEntryVersion.version.desc())
        .limit(1)
    )
    version: int | None = session.execute(stmt).scalar_one_or_none()
    return version
