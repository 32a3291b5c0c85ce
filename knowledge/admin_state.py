"""Storage for the Telegram bot's persisted state, so admin drafts and pending comments survive a restart.

The bot may not touch the database itself (it uses the public API of `knowledge`), so its persistence keeps
opaque blobs here by kind ("user", "chat", "conv:<name>", "bot") and key. Every call is one unit of work;
database errors become `KnowledgeUnavailable`. Imports only `knowledge`.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from knowledge.models import BotState, utcnow
from knowledge.service import KnowledgeBase


class BotStateStore:
    """Blobs of the bot's state by kind and key, in the knowledge-base database."""

    def __init__(self, database_url: str) -> None:
        """Use the database at `database_url` (tables are created on first use)."""
        self._kb = KnowledgeBase(database_url, refresh_seconds=0)

    def load(self, kind: str) -> dict[str, bytes]:
        """Return every blob of `kind` by key."""

        def work(session: Session) -> dict[str, bytes]:
            rows = session.execute(select(BotState.key, BotState.data).where(BotState.kind == kind))
            return {key: bytes(data) for key, data in rows}

        return self._kb.run(work)

    def save(self, kind: str, blobs: Mapping[str, bytes | None]) -> None:
        """Write (or, for None, delete) blobs of `kind` by key, in one transaction."""

        def work(session: Session) -> None:
            now = utcnow()
            for key, data in blobs.items():
                row = session.get(BotState, (kind, key))
                if data is None:
                    if row is not None:
                        session.delete(row)
                elif row is None:
                    session.add(BotState(kind=kind, key=key, data=data, updated_at=now))
                elif bytes(row.data) != data:
                    row.data, row.updated_at = data, now

        self._kb.run(work, write=True)

    def clear(self, kind: str) -> None:
        """Delete every blob of `kind`."""
        self._kb.run(lambda s: s.execute(delete(BotState).where(BotState.kind == kind)), write=True)
