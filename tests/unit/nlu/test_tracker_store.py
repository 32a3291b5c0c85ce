"""The SQLite tracker store keeps conversations in memory without ever disagreeing with its database."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from rasa.core.lock_store import InMemoryLockStore
from rasa.core.tracker_store import FailSafeTrackerStore, SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from nlu import conversations
from nlu.tracker_store import SQLiteTrackerStore, TrackerStoreUnavailable
from settings import PROJECT_ROOT


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(PROJECT_ROOT / "nlu" / "domain"))


@pytest.fixture
def db(tmp_path: Path) -> str:
    return str(tmp_path / "rasa.db")


def turn(text: str, topic: str) -> list:
    return [
        UserUttered(text, intent={"name": "ask_kipp", "confidence": 0.9}),
        ActionExecuted("action_answer_question"),
        BotUttered(f"jawaban untuk {text}"),
        SlotSet("last_topic", topic),
        ActionExecuted("action_listen"),
    ]


def as_dicts(tracker: DialogueStateTracker | None) -> list[dict]:
    assert tracker is not None
    return [event.as_dict() for event in tracker.events]


async def start(store: SQLiteTrackerStore, sender: str) -> DialogueStateTracker:
    tracker = await store.get_or_create_tracker(sender)
    tracker.update_with_events(turn("apa itu kipp", "kipp"), store.domain)
    await store.save(tracker)
    return tracker


async def test_a_saved_turn_reads_back_the_same_from_memory_and_from_disk(domain: Domain, db: str) -> None:
    store = SQLiteTrackerStore(domain, db=db)
    await start(store, "chat-1")
    tracker = await store.retrieve("chat-1")
    tracker.update_with_events(turn("syarat replikasi", "replikasi"), domain)
    await store.save(tracker)

    from_memory = await store.retrieve("chat-1")
    from_disk = await SQLiteTrackerStore(domain, db=db).retrieve("chat-1")
    assert as_dicts(from_memory) == as_dicts(from_disk)
    assert from_disk.get_slot("last_topic") == "replikasi"
    assert sum(1 for event in from_disk.events if isinstance(event, UserUttered)) == 2


async def test_each_event_is_stored_once(domain: Domain, db: str) -> None:
    store = SQLiteTrackerStore(domain, db=db)
    await start(store, "chat-1")
    for question in ("a", "b", "c"):
        tracker = await store.retrieve("chat-1")
        tracker.update_with_events(turn(question, "kipp"), domain)
        await store.save(tracker)
    with store.session_scope() as session:
        rows = session.execute(sa.select(sa.func.count()).where(store.SQLEvent.sender_id == "chat-1")).scalar()
    assert rows == len((await SQLiteTrackerStore(domain, db=db).retrieve("chat-1")).events)


async def test_the_rows_are_those_rasas_own_sql_store_writes(domain: Domain, db: str, tmp_path: Path) -> None:
    rasas = SQLTrackerStore(domain, dialect="sqlite", db=str(tmp_path / "rasa-own.db"))
    ours = SQLiteTrackerStore(domain, db=db)
    tracker = await start(ours, "chat-1")  # the first save: the events the database lacks
    tracker.update_with_events(turn("syarat replikasi", "replikasi"), domain)
    await ours.save(tracker)  # a later one: appended after the kept copy
    await ours.save(tracker)  # nothing new: no row, not even an empty one
    await rasas.save(tracker)

    def rows(store: SQLTrackerStore) -> list[tuple]:
        columns = [c for c in store.SQLEvent.__table__.columns if c.name != "id"]
        with store.session_scope() as session:
            return [tuple(row) for row in session.execute(sa.select(*columns).order_by(store.SQLEvent.id))]

    assert rows(ours) == rows(rasas) and len(rows(ours)) == len(tracker.events)


async def test_a_turn_that_failed_before_saving_is_forgotten(domain: Domain, db: str) -> None:
    store = SQLiteTrackerStore(domain, db=db)
    saved = as_dicts(await start(store, "chat-1"))
    tracker = await store.retrieve("chat-1")
    tracker.update_with_events(turn("pertanyaan yang gagal", "pelembagaan"), domain)  # and no save

    again = await store.retrieve("chat-1")
    assert as_dicts(again) == saved
    assert again.get_slot("last_topic") == "kipp"


async def test_a_deletion_through_the_rasa_server_is_seen_at_once(domain: Domain, db: str) -> None:
    store = SQLiteTrackerStore(domain, db=db)
    await start(store, "tg-42")
    await start(store, "tg-43")
    assert await store.retrieve("tg-42") is not None
    locks = InMemoryLockStore()

    found = conversations.sql_store(FailSafeTrackerStore(store))
    assert found is store
    deleted = await conversations.delete_conversation(found, locks, "tg-42")

    assert deleted > 0
    assert await store.retrieve("tg-42") is None  # the kept copy was forgotten, not served from memory
    assert await conversations.find_senders(store, ["tg-4%"]) == ["tg-43"]


async def test_the_purge_deletes_whole_stale_conversations_and_forgets_them(domain: Domain, db: str) -> None:
    store = SQLiteTrackerStore(domain, db=db)
    old = await start(store, "tg-old")
    fresh = await start(store, "tg-new")
    cutoff = max(event.timestamp for event in [*old.events, *fresh.events]) + 1e-6
    await asyncio.sleep(0.01)  # only so that the next turn is stamped after the cutoff
    fresh.update_with_events(turn("syarat replikasi", "replikasi"), domain)
    await store.save(fresh)  # its latest event is after the cutoff, its first ones before: kept whole

    assert await conversations.purge_before(store, cutoff) == (1, len(old.events))

    assert await store.retrieve("tg-old") is None
    assert len((await store.retrieve("tg-new")).events) == len(fresh.events)


async def test_a_new_session_is_read_back_as_rasa_would(domain: Domain, db: str) -> None:
    store = SQLiteTrackerStore(domain, db=db)
    await start(store, "chat-1")
    tracker = await store.retrieve("chat-1")
    tracker.update_with_events([ActionExecuted("action_session_start"), SessionStarted()], domain)
    tracker.update_with_events(turn("halo lagi", "replikasi"), domain)
    await store.save(tracker)

    again = await store.retrieve("chat-1")
    assert again is not tracker
    assert as_dicts(again) == as_dicts(await SQLiteTrackerStore(domain, db=db).retrieve("chat-1"))


async def test_the_database_runs_in_wal_mode(domain: Domain, db: str) -> None:
    store = SQLiteTrackerStore(domain, db=db)
    await start(store, "chat-1")
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


@contextmanager
def write_locked(path: str, *, readers_too: bool = False) -> Iterator[None]:
    """Hold the tracker database's write lock (another process writing, a backup, a stuck admin command).

    With WAL, readers still get through a write lock; `readers_too` takes the whole file, as a process
    in exclusive locking mode (or a copy tool) does.
    """
    connection = sqlite3.connect(path, isolation_level=None)
    if readers_too:
        connection.execute("PRAGMA locking_mode=EXCLUSIVE")
    connection.execute("BEGIN EXCLUSIVE")
    if readers_too:
        connection.execute("DELETE FROM events WHERE 0")
    try:
        yield
    finally:
        connection.execute("ROLLBACK")
        connection.close()


def quick_store(domain: Domain, db: str) -> SQLiteTrackerStore:
    return SQLiteTrackerStore(domain, db=db, busy_timeout_ms=200, retry_delays=(0.05,))


async def test_a_locked_database_is_not_replaced_by_an_empty_memory_tracker(domain: Domain, db: str) -> None:
    store = quick_store(domain, db)
    await start(store, "chat-1")
    # What Rasa really uses: every tracker store wrapped in FailSafeTrackerStore, which falls back to memory.
    reader = quick_store(domain, db)
    failsafe = FailSafeTrackerStore(reader)
    for idle in (store, reader):  # the whole-file lock can only be taken while no connection is open
        idle.engine.dispose()
    with write_locked(db, readers_too=True), pytest.raises(TrackerStoreUnavailable):
        await failsafe.retrieve("chat-1")
    assert (await failsafe.retrieve("chat-1")).get_slot("last_topic") == "kipp"


async def test_a_save_that_cannot_be_written_stores_nothing_and_is_not_swallowed(domain: Domain, db: str) -> None:
    store = quick_store(domain, db)
    tracker = await start(store, "chat-1")
    failsafe = FailSafeTrackerStore(store)
    tracker.update_with_events(turn("syarat replikasi", "replikasi"), domain)
    with write_locked(db), pytest.raises(TrackerStoreUnavailable):
        await failsafe.save(tracker)
    from_disk = await SQLiteTrackerStore(domain, db=db).retrieve("chat-1")
    assert from_disk.get_slot("last_topic") == "kipp" and len(from_disk.events) == len(tracker.events) - 5
    # The kept copy was dropped: the next turn reads what the database really holds.
    assert as_dicts(await store.retrieve("chat-1")) == as_dicts(from_disk)


async def test_waiting_for_a_locked_database_does_not_block_other_conversations(domain: Domain, db: str) -> None:
    store = SQLiteTrackerStore(domain, db=db, busy_timeout_ms=1000, retry_delays=())
    await start(store, "chat-1")
    ticks = 0

    async def other_chats() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    ticker = asyncio.create_task(other_chats())
    try:
        with write_locked(db), pytest.raises(TrackerStoreUnavailable):
            await store.save(await start_turn(store, "chat-1"))
    finally:
        ticker.cancel()
    assert ticks >= 10  # the event loop kept running while this conversation waited about a second


async def start_turn(store: SQLiteTrackerStore, sender: str) -> DialogueStateTracker:
    tracker = await store.retrieve(sender)
    assert tracker is not None
    tracker.update_with_events(turn("lagi", "kipp"), store.domain)
    return tracker
