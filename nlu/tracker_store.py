"""Rasa's SQL tracker store on SQLite, tuned so that loading and saving a turn costs almost nothing.

Every message makes Rasa load the conversation, rebuild it event by event, count what is already
stored, then save the new events. py-spy put a third of the Rasa server's busy time there under
`make bench`. Three changes, none of which alters what is stored:

- **WAL and `synchronous=NORMAL`**: a save is not an fsync. The database stays consistent after a crash
  (a power cut may lose the last turns, never corrupt the file).
- **A connection pool**: SQLAlchemy 1.4 opens a new SQLite connection for every session by default.
- **Recently used conversations stay in memory** (write-through): the tracker Rasa loaded is kept, so
  the next message of that chat skips the rebuild, and saving it only appends the new events. A kept
  tracker is used only while it holds exactly what was saved. Nothing else writes to the database:
  `/hapus_data` and the retention purge delete through this Rasa server (nlu/conversations.py), which
  calls `forget`, so the turn needs no database check for foreign deletions. After a failed turn, a new
  session or anything else unexpected the conversation is read back from the database, as Rasa would.

**Off the event loop, and never silently forgetful.** Every database call runs in a worker thread, so a
locked database delays only the conversation that waits for it, not everyone's turns. A call that fails
(the database locked past the busy timeout, a disk error) is retried with backoff; if it still fails,
`TrackerStoreUnavailable` is raised. Rasa wraps every tracker store in `FailSafeTrackerStore`, which
catches `Exception` and carries on with an empty in-memory tracker (the conversation's context is lost
and the turn is never saved); so this error deliberately derives from `BaseException`, passes through
Rasa, and the REST channel answers with the apology instead. A save is one transaction: it is stored
whole or not at all, and the kept copy of that conversation is dropped so the next turn reads the database.

The cache is only correct in one process: this store serves the embedded default (`make run`), and the
scaled profile (DEPLOY=scaled) uses Rasa's own SQL tracker store on PostgreSQL without a cache
(nlu/scaled_stores.py). Used from nlu/endpoints.yml.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import QueuePool

logger = logging.getLogger(__name__)
T = TypeVar("T")

KEPT_CONVERSATIONS = 2000  # a few MB; the least recently used ones are read back from disk when needed
BUSY_TIMEOUT_MS = 2000  # SQLite waits this long for a lock inside one attempt (in a worker thread)
RETRY_DELAYS = (0.25, 1.0)  # then up to three attempts in all: about 7 s before the user gets the apology


class TrackerStoreUnavailable(BaseException):
    """The conversation could not be read or saved, even after retries; the turn must end in an apology.

    A `BaseException` on purpose: Rasa's `FailSafeTrackerStore` catches every `Exception` and falls back
    to an in-memory tracker, silently losing the conversation. The REST channel catches this one.
    """


def _pragmas(busy_timeout_ms: int) -> Callable[[Any, Any], None]:
    def tune_connection(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.close()

    return tune_connection


@dataclass
class _Kept:
    tracker: DialogueStateTracker
    saved_events: int  # how many of `tracker.events` are in the database


class SQLiteTrackerStore(SQLTrackerStore):
    """SQLTrackerStore fixed to SQLite: WAL, pooled connections and a write-through conversation cache."""

    def __init__(
        self,
        domain: Any = None,
        db: str = "rasa.db",
        *,
        busy_timeout_ms: int = BUSY_TIMEOUT_MS,
        retry_delays: Sequence[float] = RETRY_DELAYS,
        **kwargs: Any,
    ) -> None:
        """Open the SQLite database `db`; `busy_timeout_ms` and `retry_delays` bound how long a turn waits for it."""
        kwargs.pop("dialect", None)
        kwargs.pop("host", None)
        super().__init__(domain=domain, dialect="sqlite", db=db, **kwargs)
        url = self.engine.url
        self.engine.dispose()
        # Database calls run in worker threads; the pool hands a connection to one thread at a time,
        # which SQLite allows once the same-thread check is off.
        self.engine = sa.create_engine(url, poolclass=QueuePool, connect_args={"check_same_thread": False})
        event.listen(self.engine, "connect", _pragmas(busy_timeout_ms))
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        self.retry_delays = tuple(retry_delays)
        self._kept: OrderedDict[str, _Kept] = OrderedDict()

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        """Return the kept tracker when it is exactly what was saved, otherwise load it from the database."""
        kept = self._kept.pop(sender_id, None)
        if kept is not None and len(kept.tracker.events) == kept.saved_events:
            self._keep(sender_id, kept)
            return kept.tracker
        tracker = await self._off_loop("read", sender_id, self._load, sender_id)
        if tracker is not None:
            self._keep(sender_id, _Kept(tracker, len(tracker.events)))
        return tracker

    def forget(self, sender_id: str) -> None:
        """Drop the kept copy of a deleted conversation (nlu/conversations.py): the next turn reads the database."""
        self._kept.pop(sender_id, None)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Append the new events in one transaction: only those past the kept copy, else those not yet stored."""
        sender_id = tracker.sender_id
        kept = self._kept.pop(sender_id, None)
        await self.stream_events(tracker)
        if kept is None or kept.tracker is not tracker or kept.saved_events > len(tracker.events):
            await self._off_loop("save", sender_id, self._save_missing, tracker)
            return
        new_events = list(itertools.islice(tracker.events, kept.saved_events, None))
        rows = [self._row(sender_id, new_event) for new_event in new_events]
        await self._off_loop("save", sender_id, self._append, rows)
        # A new session changes which events a fresh load returns, so that tracker is read back next time.
        if not any(isinstance(new_event, SessionStarted) for new_event in new_events):
            self._keep(sender_id, _Kept(tracker, len(tracker.events)))

    async def _off_loop(self, what: str, sender_id: str, work: Callable[..., T], *args: Any) -> T:
        """Run `work(*args)` in a worker thread, retrying database errors; raise TrackerStoreUnavailable at last."""
        for attempt, delay in enumerate((*self.retry_delays, None), start=1):
            try:
                return await asyncio.to_thread(work, *args)
            except SQLAlchemyError as exc:
                if delay is None:
                    logger.error(
                        "conversation %s: %s failed %d times (%s); the turn ends in an apology",
                        sender_id,
                        what,
                        attempt,
                        type(exc).__name__,
                    )
                    raise TrackerStoreUnavailable(f"tracker {what} failed for {sender_id}") from exc
                logger.warning("conversation %s: %s failed (%s); retrying", sender_id, what, type(exc).__name__)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")  # the loop returns or raises

    def _load(self, sender_id: str) -> DialogueStateTracker | None:
        # Rasa's SQLTrackerStore._retrieve, as a plain function so it can run in a worker thread.
        with self.session_scope() as session:
            rows = self._event_query(session, sender_id, fetch_events_from_all_sessions=False).all()
            events = [json.loads(row.data) for row in rows]
        if not (self.domain and events):
            return None
        return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)

    def _save_missing(self, tracker: DialogueStateTracker) -> None:
        # Rasa's SQLTrackerStore.save: the events the database does not have yet, in one transaction.
        with self.session_scope() as session:
            rows = [self._row(tracker.sender_id, new_event) for new_event in self._additional_events(session, tracker)]
            self._insert(session, rows)
            session.commit()

    def _append(self, rows: list[dict[str, Any]]) -> None:
        with self.session_scope() as session:
            self._insert(session, rows)
            session.commit()

    def _insert(self, session: Any, rows: list[dict[str, Any]]) -> None:
        # One executemany INSERT, not ORM objects: their unit of work (flush, primary keys read back) was half
        # the CPU of a save. No rows, no statement: an INSERT without parameters would add an empty row.
        if rows:
            session.execute(self.SQLEvent.__table__.insert(), rows)

    def _keep(self, sender_id: str, kept: _Kept) -> None:
        self._kept[sender_id] = kept
        while len(self._kept) > KEPT_CONVERSATIONS:
            self._kept.popitem(last=False)

    def _row(self, sender_id: str, new_event: Any) -> dict[str, Any]:
        # The same columns Rasa's SQLTrackerStore.save writes.
        data = new_event.as_dict()
        return {
            "sender_id": sender_id,
            "type_name": new_event.type_name,
            "timestamp": data.get("timestamp"),
            "intent_name": data.get("parse_data", {}).get("intent", {}).get("name"),
            "action_name": data.get("name"),
            "data": json.dumps(data),
        }
