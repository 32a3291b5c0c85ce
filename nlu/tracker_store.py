"""Rasa's SQL tracker store on SQLite, tuned so that saving a turn does not wait for the disk.

Every message makes Rasa read and save the conversation. With SQLite's defaults each save is a
rollback-journal commit with an fsync, which costs more than the rest of the turn. WAL mode with
`synchronous=NORMAL` keeps the database consistent after a crash (a power cut may lose the last
turns, never corrupt the file) and makes the save cheap. Used from nlu/endpoints.yml.
"""

from __future__ import annotations

from typing import Any

from rasa.core.tracker_store import SQLTrackerStore
from sqlalchemy import event


def _tune_connection(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


class SQLiteTrackerStore(SQLTrackerStore):
    """SQLTrackerStore fixed to SQLite, with WAL and without an fsync per saved turn."""

    def __init__(self, domain: Any = None, db: str = "rasa.db", **kwargs: Any) -> None:
        kwargs.pop("dialect", None)
        kwargs.pop("host", None)
        super().__init__(domain=domain, dialect="sqlite", db=db, **kwargs)
        event.listen(self.engine, "connect", _tune_connection)
        # Connections opened before the listener existed (table creation) are not reused afterwards.
        self.engine.dispose()
