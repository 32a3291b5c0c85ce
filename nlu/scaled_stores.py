"""The scaled profile's shared stores: Rasa's own SQL tracker store and Redis lock store, configured by URL.

Several Rasa processes (Sanic workers, or hosts) serve the same conversations only when what they share
lives outside them: the conversations in PostgreSQL (Rasa's `SQLTrackerStore`, which reads every turn
from the database, so no process keeps a copy another could make stale) and the per-conversation lock in
Redis (Rasa's `RedisLockStore`, so two workers never run turns of one chat at once and turns keep their
order). Rasa's stock stores take host, port, database and password as separate keys; these subclasses
take the one URL an operator sets (TRACKER_DATABASE_URL, REDIS_URL). Other changes: a database error
while loading or saving a conversation raises `TrackerStoreUnavailable` (nlu/tracker_store.py), which passes
through Rasa's `FailSafeTrackerStore`, so the REST channel apologises instead of answering from an empty
tracker and silently not saving the turn, as in the embedded default; and a turn waiting for a conversation's
lock renews its own ticket, so a lock left by a worker killed mid-turn expires without taking the waiting
turn's ticket with it (see `UrlRedisLockStore._acquire_lock`); and workers starting together on a new
database create Rasa's table one after the other, instead of the loser of the race sitting out Rasa's 5 s
retry and starting late (see `_create_tables`).

Used from nlu/endpoints.scaled.yml; runs inside the Rasa server and imports only Rasa and SQLAlchemy.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted, Event, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from rasa.utils.endpoints import EndpointConfig
from sqlalchemy import create_engine, func, or_, select
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError

from nlu.tracker_store import TrackerStoreUnavailable

logger = logging.getLogger(__name__)

# The tracker attribute holding how many of its events are in the database (this process read or wrote them).
_STORED = "_klinik_stored_events"
# Conversations this process just looked for and found no event of, remembered so that saving the tracker Rasa
# then creates needs no count; a few thousand at most (a lookup that is never followed by a save is forgotten).
_MAX_REMEMBERED_NEW = 4096

# The PostgreSQL advisory lock under which a starting worker creates Rasa's tables (any constant agreed by all).
_CREATE_TABLES_LOCK = 731_301_113

# Rasa's ticket lock (rasa.core.lock.TicketLock) kept in its own JSON format, a list of JSON-encoded tickets,
# changed by Lua scripts that Redis runs whole. A ticket whose `expires` has passed is dropped, as Rasa does.
_KEEP_LIVE = """
local function live(tickets, now, drop)
  local kept = {}
  for _, raw in ipairs(tickets) do
    local t = cjson.decode(raw)
    if t.expires >= now and t.number ~= drop then table.insert(kept, raw) end
  end
  return kept
end
"""
# KEYS[1] lock key; ARGV conversation id, now, lifetime -> {ticket number, the lock's JSON}
_ISSUE = (
    _KEEP_LIVE
    + """
local raw = redis.call('GET', KEYS[1])
local lock = raw and cjson.decode(raw) or {conversation_id = ARGV[1], tickets = {}}
local now = tonumber(ARGV[2])
local kept = live(lock.tickets, now, nil)
local number = 0
if #kept > 0 then number = cjson.decode(kept[#kept]).number + 1 end
table.insert(kept, cjson.encode({number = number, expires = now + tonumber(ARGV[3])}))
lock.tickets = kept
local stored = cjson.encode(lock)
redis.call('SET', KEYS[1], stored)
return {number, stored}
"""
)
# KEYS[1] lock key; ARGV ticket number, now: drop the ticket; delete the lock when no live ticket is left.
_CLEANUP = (
    _KEEP_LIVE
    + """
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local lock = cjson.decode(raw)
local kept = live(lock.tickets, tonumber(ARGV[2]), tonumber(ARGV[1]))
if #kept == 0 then redis.call('DEL', KEYS[1]) return 0 end
lock.tickets = kept
redis.call('SET', KEYS[1], cjson.encode(lock))
return #kept
"""
)
# KEYS[1] lock key; ARGV conversation id, ticket number, now, lifetime: a waiting turn renews its ticket (and
# queues it again if it was dropped), and expired tickets of dead workers go.
_RENEW = """
local raw = redis.call('GET', KEYS[1])
local lock = raw and cjson.decode(raw) or {conversation_id = ARGV[1], tickets = {}}
local ticket, now, lifetime = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local kept, found = {}, false
for _, raw_ticket in ipairs(lock.tickets) do
  local t = cjson.decode(raw_ticket)
  if t.number == ticket then
    found = true
    table.insert(kept, cjson.encode({number = ticket, expires = now + lifetime}))
  elseif t.expires >= now then
    table.insert(kept, raw_ticket)
  end
end
if not found then table.insert(kept, cjson.encode({number = ticket, expires = now + lifetime})) end
lock.tickets = kept
redis.call('SET', KEYS[1], cjson.encode(lock))
return 1
"""


class UrlSQLTrackerStore(SQLTrackerStore):
    """Rasa's SQL tracker store on the database named by one SQLAlchemy URL (`database_url`)."""

    def __init__(self, domain: Any = None, database_url: str = "", **kwargs: Any) -> None:
        """Split `database_url` into the pieces Rasa's `SQLTrackerStore` takes."""
        if not database_url:
            raise ValueError("UrlSQLTrackerStore needs database_url (TRACKER_DATABASE_URL)")
        kwargs.pop("host", None)  # Rasa passes the endpoint's `url` key, unused here
        url = make_url(database_url)
        _create_tables(url)
        super().__init__(
            domain=domain,
            dialect=url.drivername,
            host=url.host,
            port=url.port,
            db=url.database or "",
            username=url.username,
            password=url.password,
            query=dict(url.query) or None,
            **kwargs,
        )
        self._new_conversations: dict[str, None] = {}

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        """Load the conversation; a database error ends the turn in an apology instead of an empty tracker."""
        try:
            # In a thread: while PostgreSQL answers, this worker's event loop runs its other turns.
            return await asyncio.to_thread(self._latest_session, sender_id)
        except SQLAlchemyError as exc:
            logger.error("conversation %s: read failed (%s); apologising", sender_id, type(exc).__name__)
            raise TrackerStoreUnavailable(f"tracker read failed for {sender_id}") from exc

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Save the new events; a database error ends the turn in an apology instead of being swallowed."""
        try:
            await self.stream_events(tracker)
            await asyncio.to_thread(self._append_new_events, tracker)  # the commit waits for the disk
        except SQLAlchemyError as exc:
            logger.error("conversation %s: save failed (%s); apologising", tracker.sender_id, type(exc).__name__)
            raise TrackerStoreUnavailable(f"tracker save failed for {tracker.sender_id}") from exc

    def _latest_session(self, sender_id: str) -> DialogueStateTracker | None:
        """Rasa's query for the latest session's events, reading only their JSON (no ORM objects).

        The tracker remembers how many events it was built from, so saving it needs no count of what the
        database holds: the conversation's lock (Redis) keeps every other process out until the turn ends.
        """
        events = self.SQLEvent.__table__.c
        session_start = (
            select(func.max(events.timestamp))
            .where(events.sender_id == sender_id, events.type_name == SessionStarted.type_name)
            .scalar_subquery()
        )
        query = (
            select(events.data)
            .where(events.sender_id == sender_id, or_(events.timestamp >= session_start, session_start.is_(None)))
            .order_by(events.id)
        )
        with self.engine.connect() as connection:
            stored = connection.execute(query).scalars().all()
        self._new_conversations.pop(sender_id, None)
        if not stored:
            if len(self._new_conversations) >= _MAX_REMEMBERED_NEW:
                self._new_conversations.clear()
            self._new_conversations[sender_id] = None
        if not self.domain or not stored:
            return None
        tracker = DialogueStateTracker.from_dict(sender_id, [json.loads(data) for data in stored], self.domain.slots)
        setattr(tracker, _STORED, len(stored))
        return tracker

    def _append_new_events(self, tracker: DialogueStateTracker) -> None:
        """Insert the events added since the tracker was read or last saved, in one statement.

        A new conversation (just looked for, and not found) has none stored, and is first written when its
        first turn ends: Rasa saves the tracker it creates, holding only "listening", and again at the end of
        the turn; a turn that fails before its end stores nothing either way. Any other tracker this process
        did not read, or one that drops old events (max_event_history), is counted against the database first,
        as Rasa does.
        """
        stored = getattr(tracker, _STORED, None)
        if stored is None and tracker.sender_id in self._new_conversations:
            if all(
                isinstance(event, ActionExecuted) and event.action_name == ACTION_LISTEN_NAME
                for event in tracker.events
            ):
                setattr(tracker, _STORED, 0)  # just created: written with the rest of its first turn
                return
            stored = 0
        if stored is None or tracker._max_event_history is not None:
            with self.session_scope() as session:
                stored = self._event_query(session, tracker.sender_id, False).count()
        new = list(itertools.islice(tracker.events, stored, None))
        if new:
            with self.engine.begin() as connection:
                connection.execute(self.SQLEvent.__table__.insert(), [_row(tracker.sender_id, e) for e in new])
        setattr(tracker, _STORED, len(tracker.events))
        self._new_conversations.pop(tracker.sender_id, None)


def _create_tables(url: URL) -> None:
    """Create Rasa's `events` table if it is missing, one worker at a time (a PostgreSQL advisory lock).

    Rasa's `SQLTrackerStore` creates it as it starts; two workers starting together on a new database both
    try, the loser gets a unique-key error from PostgreSQL's catalogue, and Rasa then sleeps 5 s before it
    tries again, so that worker comes up 5 s late (and cold) while the first already serves. Here the
    second waits for the first to finish and finds the table there; Rasa's own step then has nothing to do.
    A database that cannot be reached is left to Rasa's loop, which waits for it.
    """
    engine = create_engine(url, future=True, **create_engine_kwargs(url))
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(select(func.pg_advisory_xact_lock(_CREATE_TABLES_LOCK)))
            SQLTrackerStore.Base.metadata.create_all(connection)
    except SQLAlchemyError as exc:
        logger.warning("could not create the conversation tables yet (%s); Rasa will retry", type(exc).__name__)
    finally:
        engine.dispose()


def _row(sender_id: str, event: Event) -> dict[str, Any]:
    """One `events` row, with the columns Rasa's `SQLTrackerStore.save` fills."""
    data = event.as_dict()
    return {
        "sender_id": sender_id,
        "type_name": event.type_name,
        "timestamp": data.get("timestamp"),
        "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
        "action_name": data.get("name"),
        "data": json.dumps(data),
    }


class UrlRedisLockStore(RedisLockStore):
    """Rasa's Redis lock store on the server named by one URL (`url: redis://[:password@]host:port/db`)."""

    def __init__(self, endpoint_config: EndpointConfig) -> None:
        """Read the URL and the optional `key_prefix` from the endpoint configuration."""
        parts = urlsplit(endpoint_config.url or "")
        if parts.scheme not in {"redis", "rediss"} or not parts.hostname:
            raise ValueError("UrlRedisLockStore needs url: redis://host:port/db (REDIS_URL)")
        db = parts.path.strip("/")
        super().__init__(
            host=parts.hostname,
            port=parts.port or 6379,
            db=int(db) if db else 0,
            username=parts.username or None,
            password=parts.password or None,
            use_ssl=parts.scheme == "rediss",
            key_prefix=str(endpoint_config.kwargs.get("key_prefix") or "") or None,
        )
        self._scripts: dict[str, Any] = {}

    def _script(self, source: str) -> Any:
        """Register a Lua script once per store: Redis runs it whole, so no other process sees half an update."""
        if source not in self._scripts:
            self._scripts[source] = self.red.register_script(source)
        return self._scripts[source]

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        """Issue the next ticket for the conversation in one atomic step (Rasa's lock format, Rasa's numbering)."""
        return self._issue(conversation_id, lock_lifetime)[0]

    def _issue(self, conversation_id: str, lock_lifetime: float) -> tuple[int, TicketLock]:
        """Issue a ticket and return it with the lock as it stands just after: one round trip to Redis.

        Rasa 3.6 reads the ticket list, changes it and writes it back in separate calls, so across processes
        a ticket issued while another turn finished could be deleted with the lock ("Could not acquire lock":
        the turn was lost). A Lua script does the same change whole.
        """
        try:
            number, stored = self._script(_ISSUE)(
                keys=[self.key_prefix + conversation_id], args=[conversation_id, time.time(), lock_lifetime]
            )
        except Exception as exc:  # Rasa's contract: any failure to issue is a LockError
            raise LockError(f"Error while acquiring lock. Error:\n{exc}") from exc
        return int(number), TicketLock.from_dict(json.loads(stored))

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Drop our ticket and expired ones; delete the lock when no one waits. One atomic step."""
        self._script(_CLEANUP)(keys=[self.key_prefix + conversation_id], args=[ticket_number, time.time()])

    @asynccontextmanager
    async def lock(
        self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME, wait_time_in_seconds: float = 1
    ) -> AsyncIterator[TicketLock]:
        """Rasa's ticket lock: issue a ticket, wait for its turn, always clean up.

        The ticket comes back with the lock, so a conversation no one else is in (nearly every turn) is
        entered without asking Redis again: two round trips a turn in all, against eleven before.
        """
        ticket, lock = self._issue(conversation_id, lock_lifetime)
        try:
            if lock.is_locked(ticket):
                lock = await self._acquire_lock(conversation_id, ticket, wait_time_in_seconds)
            yield lock
        finally:
            self.cleanup(conversation_id, ticket)

    async def _acquire_lock(self, conversation_id: str, ticket: int, wait_time_in_seconds: float) -> TicketLock:
        """Wait for our ticket's turn, renewing it while we wait (Rasa's loop lets the waiting ticket expire).

        Rasa 3.6 counts a ticket's lifetime from when it was issued and drops expired tickets while others
        wait. A turn waiting behind a ticket left by a worker that died (which must expire, after
        TICKET_LOCK_LIFETIME) expired at the same moment, and then waited forever: with no ticket left,
        `now_serving` is 0, never its number. Here the waiting ticket is renewed on every check, so only
        tickets whose holders stopped checking (dead workers) expire, and the waiting turn then runs.
        """
        while True:
            lock = self.get_lock(conversation_id)
            if not lock:
                raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.")
            if not lock.is_locked(ticket):
                return lock
            await asyncio.sleep(wait_time_in_seconds)
            self._script(_RENEW)(
                keys=[self.key_prefix + conversation_id], args=[conversation_id, ticket, time.time(), LOCK_LIFETIME]
            )
