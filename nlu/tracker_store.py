"""Rasa's SQL tracker store on SQLite, tuned so that loading and saving a turn costs almost nothing.

Every message makes Rasa load the conversation, rebuild it event by event, count what is already
stored, then save the new events. py-spy put a third of the Rasa server's busy time there under
`make bench`. Three changes, none of which alters what is stored:

- **WAL and `synchronous=NORMAL`**: a save is not an fsync. The database stays consistent after a crash
  (a power cut may lose the last turns, never corrupt the file).
- **A connection pool**: SQLAlchemy 1.4 opens a new SQLite connection for every session by default.
- **Recently used conversations stay in memory** (write-through): the tracker Rasa loaded is kept, so
  the next message of that chat skips the rebuild, and saving it only appends the new events. A kept
  tracker is used only while it holds exactly what was saved and the database's newest row for the chat
  is still the one it saved last (one indexed lookup), so a deletion by another process (`/hapus_data`,
  the retention purge) is seen at once. After a failed turn, a new session or anything else unexpected
  the conversation is read back from the database, as Rasa would.

This store serves the embedded single-process default (`make run`); Rasa's stock stores serve a
scaled-out deployment. Used from nlu/endpoints.yml.
"""

from __future__ import annotations

import itertools
import json
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import event
from sqlalchemy.pool import QueuePool

KEPT_CONVERSATIONS = 2000  # a few MB; the least recently used ones are read back from disk when needed


def _tune_connection(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


@dataclass
class _Kept:
    tracker: DialogueStateTracker
    saved_events: int  # how many of `tracker.events` are in the database
    last_row_id: int | None  # the database's newest event row for the chat when it was kept


class SQLiteTrackerStore(SQLTrackerStore):
    """SQLTrackerStore fixed to SQLite: WAL, pooled connections and a write-through conversation cache."""

    def __init__(self, domain: Any = None, db: str = "rasa.db", **kwargs: Any) -> None:
        kwargs.pop("dialect", None)
        kwargs.pop("host", None)
        super().__init__(domain=domain, dialect="sqlite", db=db, **kwargs)
        url = self.engine.url
        self.engine.dispose()
        # Rasa's server runs its handlers on one event loop thread; the pool may hand a connection to
        # another thread only between sessions, which SQLite allows once the same-thread check is off.
        self.engine = sa.create_engine(url, poolclass=QueuePool, connect_args={"check_same_thread": False})
        event.listen(self.engine, "connect", _tune_connection)
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        self._kept: OrderedDict[str, _Kept] = OrderedDict()

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        """Return the kept tracker when it is exactly what was saved, otherwise load it from the database."""
        kept = self._kept.pop(sender_id, None)
        last_row_id = self._last_row_id(sender_id)
        if kept is not None and len(kept.tracker.events) == kept.saved_events and kept.last_row_id == last_row_id:
            self._keep(sender_id, kept)
            return kept.tracker
        tracker = await super().retrieve(sender_id)
        if tracker is not None:
            self._keep(sender_id, _Kept(tracker, len(tracker.events), last_row_id))
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Append only the new events of a kept tracker; anything else goes through Rasa's own save."""
        sender_id = tracker.sender_id
        kept = self._kept.pop(sender_id, None)
        if kept is None or kept.tracker is not tracker or kept.saved_events > len(tracker.events):
            await super().save(tracker)
            return
        new_events = list(itertools.islice(tracker.events, kept.saved_events, None))
        await self.stream_events(tracker)
        rows = [self._row(sender_id, new_event) for new_event in new_events]
        with self.session_scope() as session:
            session.add_all(rows)
            session.flush()
            last_row_id = rows[-1].id if rows else kept.last_row_id
            session.commit()
        # A new session changes which events a fresh load returns, so that tracker is read back next time.
        if not any(isinstance(new_event, SessionStarted) for new_event in new_events):
            self._keep(sender_id, _Kept(tracker, len(tracker.events), last_row_id))

    def _keep(self, sender_id: str, kept: _Kept) -> None:
        self._kept[sender_id] = kept
        while len(self._kept) > KEPT_CONVERSATIONS:
            self._kept.popitem(last=False)

    def _last_row_id(self, sender_id: str) -> int | None:
        query = sa.select(sa.func.max(self.SQLEvent.id)).where(self.SQLEvent.sender_id == sender_id)
        with self.session_scope() as session:
            return session.execute(query).scalar()

    def _row(self, sender_id: str, new_event: Any) -> Any:
        # The same columns Rasa's SQLTrackerStore.save writes.
        data = new_event.as_dict()
        return self.SQLEvent(
            sender_id=sender_id,
            type_name=new_event.type_name,
            timestamp=data.get("timestamp"),
            intent_name=data.get("parse_data", {}).get("intent", {}).get("name"),
            action_name=data.get("name"),
            data=json.dumps(data),
        )
