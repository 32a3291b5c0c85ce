"""The scaled profile's shared stores: Rasa's own SQL tracker store and Redis lock store, configured by URL.

Several Rasa processes (Sanic workers, or hosts) serve the same conversations only when what they share
lives outside them: the conversations in PostgreSQL (Rasa's `SQLTrackerStore`, which reads every turn
from the database, so no process keeps a copy another could make stale) and the per-conversation lock in
Redis (Rasa's `RedisLockStore`, so two workers never run turns of one chat at once and turns keep their
order). Rasa's stock stores take host, port, database and password as separate keys; these subclasses
take the one URL an operator sets (TRACKER_DATABASE_URL, REDIS_URL). The one other change: a database error
while loading or saving a conversation raises `TrackerStoreUnavailable` (nlu/tracker_store.py), which passes
through Rasa's `FailSafeTrackerStore`, so the REST channel apologises instead of answering from an empty
tracker and silently not saving the turn, as in the embedded default.

Used from nlu/endpoints.scaled.yml; runs inside the Rasa server and imports only Rasa and SQLAlchemy.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from rasa.core.lock_store import RedisLockStore
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
