"""The scaled profile's stores are Rasa's own, configured by one URL, and never lose a turn silently."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import rasa.core.tracker_store
import sqlalchemy as sa
from rasa.core.lock_store import RedisLockStore
from rasa.core.tracker_store import FailSafeTrackerStore, SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig
from sqlalchemy.engine import make_url

from nlu.scaled_stores import _CREATE_TABLES_LOCK, UrlRedisLockStore, UrlSQLTrackerStore
from nlu.tracker_store import TrackerStoreUnavailable
from settings import PROJECT_ROOT
from tools.scratch_stores import scratch_stores

POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
REDIS_URL = "redis://127.0.0.1:6379/0"


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
    tracker.update(UserUttered("apa itu kipp"))
    with store.engine.begin() as connection:
        connection.execute(sa.text("DROP TABLE events"))
    # Rasa's fail-safe wrapper would otherwise answer from an empty tracker and drop the turn silently.
    safe = FailSafeTrackerStore(store)
    with pytest.raises(TrackerStoreUnavailable):
        await safe.retrieve("tg-1")
    with pytest.raises(TrackerStoreUnavailable):
        await safe.save(tracker)


def _wait_for_a_blocked_query(connection: sa.engine.Connection) -> None:
    """Return once some session waits for a lock (the starting worker waits for the one creating the tables)."""
    deadline = time.monotonic() + 60
    while not connection.execute(sa.text("SELECT count(*) FROM pg_locks WHERE NOT granted")).scalar():
        assert time.monotonic() < deadline, "the starting store never waited for the tables being created"
        time.sleep(0.05)


def test_a_worker_starting_while_another_creates_the_tables_waits_for_it_instead_of_sleeping(
    domain: Domain, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two workers on a new database: the second must not lose the race and sit out Rasa's 5 s retry sleep."""
    slept: list[float] = []
    monkeypatch.setattr(rasa.core.tracker_store, "sleep", slept.append)  # Rasa's retry loop sleeps here
    with scratch_stores(POSTGRES, REDIS_URL, label="unit") as stores:
        engine = sa.create_engine(stores.tracker_database_url)
        try:
            with engine.connect() as first, engine.connect() as observer:
                creating = first.begin()  # a worker halfway through creating the tables, as ours does it
                first.execute(sa.select(sa.func.pg_advisory_xact_lock(_CREATE_TABLES_LOCK)))
                SQLTrackerStore.Base.metadata.create_all(first)
                with ThreadPoolExecutor(1) as pool:
                    second = pool.submit(UrlSQLTrackerStore, domain, database_url=stores.tracker_database_url)
                    _wait_for_a_blocked_query(observer)
                    creating.commit()
                    store = second.result(timeout=60)
            store.engine.dispose()
        finally:
            engine.dispose()
    assert slept == []


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh conversations database: a SQLite file, or a scratch database on the machine's PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'c.db'}"
        return
    with scratch_stores(POSTGRES, REDIS_URL, label="unit") as stores:
        yield stores.tracker_database_url


def _rasas_store(domain: Domain, url: str) -> SQLTrackerStore:
    parts = make_url(url)
    return SQLTrackerStore(
        domain, dialect=parts.drivername, host=parts.host, port=parts.port, db=parts.database, username=parts.username
    )


def _rows(store: SQLTrackerStore) -> list[tuple]:
    events = store.SQLEvent.__table__.c
    with store.engine.connect() as connection:
        query = sa.select(events.sender_id, events.type_name, events.intent_name, events.action_name, events.data)
        return [tuple(row) for row in connection.execute(query.order_by(events.id))]


async def test_a_turn_saved_in_steps_is_stored_once_in_order_as_rasa_stores_it(
    domain: Domain, database_url: str
) -> None:
    store = UrlSQLTrackerStore(domain, database_url=database_url)
    first = await store.get_or_create_tracker("tg-1")
    first.update(UserUttered("halo"))
    await store.save(first)
    tracker = await store.retrieve("tg-1")  # the next turn, as any worker reads it
    assert tracker is not None
    tracker.update(UserUttered("apa itu kipp", intent={"name": "ask_kipp", "confidence": 0.9}))
    await store.save(tracker)  # Rasa saves after the message is logged...
    tracker.update(ActionExecuted("action_answer_question"))
    tracker.update(BotUttered("KIPP adalah ..."))
    tracker.update(SlotSet("last_entry_id", "kipp-apa-itu"))
    await store.save(tracker)  # ...and again when the turn ends
    await store.save(tracker)  # nothing new: nothing written

    again = await store.retrieve("tg-1")
    assert again is not None and [e.as_dict() for e in again.events] == [e.as_dict() for e in tracker.events]
    # Rasa's own store reads the same conversation, and would have written the same rows.
    rasas = _rasas_store(domain, database_url)
    assert [e.as_dict() for e in (await rasas.retrieve("tg-1")).events] == [e.as_dict() for e in tracker.events]
    copy = DialogueStateTracker.from_dict("tg-2", [e.as_dict() for e in tracker.events], domain.slots)
    await rasas.save(copy)
    rows = _rows(store)
    assert [row[1:] for row in rows if row[0] == "tg-1"] == [row[1:] for row in rows if row[0] == "tg-2"]


async def test_a_tracker_this_process_did_not_read_is_counted_against_the_database(
    domain: Domain, database_url: str
) -> None:
    """Another process's copy of the conversation (never read here) adds only what the database lacks."""
    one, other = (UrlSQLTrackerStore(domain, database_url=database_url) for _ in range(2))
    tracker = await one.get_or_create_tracker("tg-1")
    tracker.update(UserUttered("apa itu jipp"))
    await one.save(tracker)
    elsewhere = DialogueStateTracker.from_dict("tg-1", [e.as_dict() for e in tracker.events], domain.slots)
    elsewhere.update(ActionExecuted("action_listen"))
    await other.save(elsewhere)

    assert len(_rows(one)) == len(elsewhere.events)
    again = await one.retrieve("tg-1")
    assert again is not None and [e.as_dict() for e in again.events] == [e.as_dict() for e in elsewhere.events]


@pytest.fixture
def lock_store() -> Iterator[UrlRedisLockStore]:
    """The lock store on the machine's Redis, under a key prefix of its own (removed afterwards)."""
    prefix = f"kliniklock{uuid.uuid4().hex[:8]}"
    store = UrlRedisLockStore(EndpointConfig(url=REDIS_URL, key_prefix=prefix))
    yield store
    for key in store.red.scan_iter(f"{prefix}*"):
        store.red.delete(key)


def test_tickets_are_issued_whole_across_processes(lock_store: UrlRedisLockStore) -> None:
    """Many clients issuing at once never get the same ticket (Rasa's read-then-write could)."""
    prefix = lock_store.key_prefix.split(":")[0]
    clients = [UrlRedisLockStore(EndpointConfig(url=REDIS_URL, key_prefix=prefix)) for _ in range(8)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        issued = list(pool.map(lambda client: [client.issue_ticket("tg-1", 60) for _ in range(10)], clients))
    assert sorted(number for numbers in issued for number in numbers) == list(range(80))
    # In Rasa's own format: its stock store reads the same queue.
    stock = RedisLockStore(host="127.0.0.1", port=6379, db=0, key_prefix=prefix)
    assert [ticket.number for ticket in stock.get_lock("tg-1").tickets] == list(range(80))


async def test_a_second_turn_of_a_conversation_waits_for_the_first(lock_store: UrlRedisLockStore) -> None:
    order: list[str] = []

    async def turn(name: str, hold: float) -> None:
        async with lock_store.lock("tg-1", lock_lifetime=10, wait_time_in_seconds=0.02):
            order.append(f"{name} in")
            await asyncio.sleep(hold)
            order.append(f"{name} out")

    first = asyncio.create_task(turn("first", 0.2))
    await asyncio.sleep(0.05)
    await asyncio.gather(first, turn("second", 0))

    assert order == ["first in", "first out", "second in", "second out"]
    assert lock_store.get_lock("tg-1") is None  # no one waits: the lock is gone


async def test_an_expired_ticket_of_a_dead_worker_is_dropped_for_the_next_turn(lock_store: UrlRedisLockStore) -> None:
    lock_store.issue_ticket("tg-1", 0.3)  # a worker that died holding the conversation
    async with lock_store.lock("tg-1", lock_lifetime=10, wait_time_in_seconds=0.05) as lock:
        assert [ticket.number for ticket in lock.tickets] == [1]
    assert lock_store.get_lock("tg-1") is None


async def test_a_new_conversation_is_first_written_when_its_first_turn_is_saved(
    domain: Domain, database_url: str
) -> None:
    store = UrlSQLTrackerStore(domain, database_url=database_url)
    safe = FailSafeTrackerStore(store)  # as Rasa wraps it
    tracker = await safe.get_or_create_tracker("tg-new")
    assert not [row for row in _rows(store) if row[0] == "tg-new"]  # only "listening" so far: nothing to keep

    tracker.update(UserUttered("apa itu mpp"))
    await safe.save(tracker)
    assert [row[1] for row in _rows(store) if row[0] == "tg-new"] == [e.type_name for e in tracker.events]
