"""The scaled profile's stores are Rasa's own, configured by one URL, and never lose a turn silently."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import FailSafeTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.utils.endpoints import EndpointConfig

from nlu.scaled_stores import UrlRedisLockStore, UrlSQLTrackerStore
from nlu.tracker_store import TrackerStoreUnavailable
from settings import PROJECT_ROOT


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(PROJECT_ROOT / "nlu" / "domain"))


def test_the_redis_url_becomes_rasas_lock_store_settings() -> None:
    store = UrlRedisLockStore(EndpointConfig(url="redis://:s3cret@redis.internal:6390/3", key_prefix="site2"))
    kwargs = store.red.connection_pool.connection_kwargs
    assert (kwargs["host"], kwargs["port"], kwargs["db"], kwargs["password"]) == ("redis.internal", 6390, 3, "s3cret")
    assert store.key_prefix.startswith("site2:")


def test_a_redis_url_is_required() -> None:
    with pytest.raises(ValueError, match="REDIS_URL"):
        UrlRedisLockStore(EndpointConfig(url="127.0.0.1:6379"))


async def test_a_conversation_round_trips_through_the_url_store(domain: Domain, tmp_path: Path) -> None:
    store = UrlSQLTrackerStore(domain, database_url=f"sqlite:///{tmp_path / 'c.db'}")
    tracker = await store.get_or_create_tracker("tg-1")
    tracker.update(UserUttered("apa itu kipp"))
    await store.save(tracker)
    again = await store.retrieve("tg-1")
    assert again is not None and again.latest_message.text == "apa itu kipp"


async def test_a_database_error_ends_the_turn_instead_of_an_empty_tracker(domain: Domain, tmp_path: Path) -> None:
    store = UrlSQLTrackerStore(domain, database_url=f"sqlite:///{tmp_path / 'c.db'}")
    tracker = await store.get_or_create_tracker("tg-1")
    with store.engine.begin() as connection:
        connection.execute(sa.text("DROP TABLE events"))
    # Rasa's fail-safe wrapper would otherwise answer from an empty tracker and drop the turn silently.
    safe = FailSafeTrackerStore(store)
    with pytest.raises(TrackerStoreUnavailable):
        await safe.retrieve("tg-1")
    with pytest.raises(TrackerStoreUnavailable):
        await safe.save(tracker)
