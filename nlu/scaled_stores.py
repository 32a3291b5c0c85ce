"""The scaled profile's shared stores: Rasa's own SQL tracker store and Redis lock store, configured by URL.

Several Rasa processes (Sanic workers, or hosts) serve the same conversations only when what they share
lives outside them: the conversations in PostgreSQL (Rasa's `SQLTrackerStore`, which reads every turn
from the database, so no process keeps a copy another could make stale) and the per-conversation lock in
Redis (Rasa's `RedisLockStore`, so two workers never run turns of one chat at once and turns keep their
order). Rasa's stock stores take host, port, database and password as separate keys; these subclasses
take the one URL an operator sets (TRACKER_DATABASE_URL, REDIS_URL). The one other change: a database error
while loading or saving a conversation raises `TrackerStoreUnavailable` (nlu/tracker_store.py), which passes
through Rasa's `FailSafeTrackerStore`, so the REST channel apologises instead of answering from an empty
tracker and silently not saving the turn, as in the embedded default; and a turn waiting for a conversation's
lock renews its own ticket, so a lock left by a worker killed mid-turn expires without taking the waiting
turn's ticket with it (see `UrlRedisLockStore._acquire_lock`).

Used from nlu/endpoints.scaled.yml; runs inside the Rasa server and imports only Rasa and SQLAlchemy.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any
from urllib.parse import urlsplit

from rasa.core.lock import Ticket, TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from nlu.tracker_store import TrackerStoreUnavailable

logger = logging.getLogger(__name__)


class UrlSQLTrackerStore(SQLTrackerStore):
    """Rasa's SQL tracker store on the database named by one SQLAlchemy URL (`database_url`)."""

    def __init__(self, domain: Any = None, database_url: str = "", **kwargs: Any) -> None:
        """Split `database_url` into the pieces Rasa's `SQLTrackerStore` takes."""
        if not database_url:
            raise ValueError("UrlSQLTrackerStore needs database_url (TRACKER_DATABASE_URL)")
        kwargs.pop("host", None)  # Rasa passes the endpoint's `url` key, unused here
        url = make_url(database_url)
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

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        """Load the conversation; a database error ends the turn in an apology instead of an empty tracker."""
        try:
            return await super().retrieve(sender_id)
        except SQLAlchemyError as exc:
            logger.error("conversation %s: read failed (%s); apologising", sender_id, type(exc).__name__)
            raise TrackerStoreUnavailable(f"tracker read failed for {sender_id}") from exc

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Save the new events; a database error ends the turn in an apology instead of being swallowed."""
        try:
            await super().save(tracker)
        except SQLAlchemyError as exc:
            logger.error("conversation %s: save failed (%s); apologising", tracker.sender_id, type(exc).__name__)
            raise TrackerStoreUnavailable(f"tracker save failed for {tracker.sender_id}") from exc


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

    def _mutex(self, conversation_id: str):  # type: ignore[no-untyped-def]
        """Return a short Redis mutex around one read-modify-write of a conversation's ticket list.

        Rasa 3.6 reads the list, changes it and writes it back with no atomicity, so across processes a
        ticket issued while another turn finishes could be deleted with the lock ("Could not acquire lock":
        the turn was lost). redis-py's lock makes each update whole.
        """
        return self.red.lock(f"{self.key_prefix}{conversation_id}:mutex", timeout=5, blocking_timeout=5)

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        """Issue a ticket while no other process changes this conversation's tickets."""
        with self._mutex(conversation_id):
            return super().issue_ticket(conversation_id, lock_lifetime)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Drop our ticket (and the lock if no one waits) while no ticket can be issued in between."""
        with self._mutex(conversation_id):
            super().cleanup(conversation_id, ticket_number)

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
            with self._mutex(conversation_id):
                self._renew_and_clean(conversation_id, ticket)

    def _renew_and_clean(self, conversation_id: str, ticket: int) -> None:
        lock = self.get_lock(conversation_id)
        if lock is None:
            return
        for waiting in lock.tickets:
            if waiting.number == ticket:
                waiting.expires = time.time() + LOCK_LIFETIME
        lock.remove_expired_tickets()
        if all(waiting.number != ticket for waiting in lock.tickets):
            # Our ticket was dropped by a concurrent update (the Redis lock is read-modify-write): queue again.
            lock.tickets.append(Ticket(ticket, time.time() + LOCK_LIFETIME))
        self.save_lock(lock)
