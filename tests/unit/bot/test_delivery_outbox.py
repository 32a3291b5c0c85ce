"""The outbox's bookkeeping on a real SQLite file: order per chat, retry times, giving up, restarts."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, NetworkError, RetryAfter

from bot.outbox import TEXT_UNDELIVERED, Outbox, is_transient, item_from_json, item_to_json
from bot.render import OutgoingDocument, OutgoingPhoto, OutgoingText


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_items_survive_serialisation() -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("KIPP", callback_data="/ask_kipp")]])
    items = [
        OutgoingText("<b>Halo</b>", keyboard),
        OutgoingPhoto("https://example.org/a.png", "foto", None),
        OutgoingDocument("rencana.md", b"# Rencana\n", "berkas"),
    ]
    assert [item_from_json(item_to_json(item)) for item in items] == items


def test_only_429_5xx_and_network_errors_are_retried() -> None:
    assert is_transient(RetryAfter(3)) and is_transient(NetworkError("Internal Server Error"))
    assert not is_transient(BadRequest("Can't parse entities"))


async def test_a_chat_gets_its_items_in_order_and_other_chats_are_not_held_up(tmp_path: Path) -> None:
    clock = Clock()
    outbox = Outbox(tmp_path / "outbox.db", give_up_seconds=3600, clock=clock)
    first = await outbox.add(1, None, 7, [OutgoingText("satu"), OutgoingText("dua")])
    other = await outbox.add(2, None, None, [OutgoingText("lain")])
    await outbox.retry_later(first[0], NetworkError("Bad Gateway"))
    await outbox.release(first[1:] + other)
    assert [(p.chat_id, p.item) for p in await outbox.due()] == [(2, OutgoingText("lain"))]  # chat 1 waits
    clock.now += 1.0
    due = await outbox.due()
    expected = [(1, OutgoingText("satu"), 7), (2, OutgoingText("lain"), None)]
    assert [(p.chat_id, p.item, p.reply_to) for p in due] == expected
    assert await outbox.waiting_before(1, first[1])


async def test_retry_after_is_honoured(tmp_path: Path) -> None:
    clock = Clock()
    outbox = Outbox(tmp_path / "outbox.db", give_up_seconds=3600, clock=clock)
    [item] = await outbox.add(1, None, None, [OutgoingText("jawaban")])
    await outbox.retry_later(item, RetryAfter(30))
    clock.now += 29
    assert await outbox.due() == []
    clock.now += 1
    assert len(await outbox.due()) == 1


async def test_giving_up_counts_and_queues_one_notice_per_chat(tmp_path: Path) -> None:
    clock = Clock()
    outbox = Outbox(tmp_path / "outbox.db", give_up_seconds=60, clock=clock)
    items = await outbox.add(1, None, None, [OutgoingText("a"), OutgoingText("b")])
    clock.now += 61
    for item in items:
        await outbox.retry_later(item, NetworkError("Internal Server Error"))
    [notice] = await outbox.due()
    assert notice.notice and notice.item == OutgoingText(TEXT_UNDELIVERED)
    counts = await outbox.counts()
    assert counts["failed"] == 2 and counts["notified"] == 1 and counts["queued"] == 1


async def test_items_left_by_a_stopped_bot_are_due_at_the_next_start(tmp_path: Path) -> None:
    clock = Clock()
    before = Outbox(tmp_path / "outbox.db", give_up_seconds=3600, clock=clock)
    await before.add(1, None, None, [OutgoingText("jawaban")])  # leased to a sender that then died
    before.close()
    after = Outbox(tmp_path / "outbox.db", give_up_seconds=3600, clock=clock)
    assert await after.due() == []
    assert await after.resume() == 1
    assert [p.item for p in await after.due()] == [OutgoingText("jawaban")]


async def test_closing_waits_for_a_transaction_still_running_in_its_thread(tmp_path: Path) -> None:
    """A shutdown cancels the caller, not its worker thread: closing under it used to crash the process."""
    outbox = Outbox(tmp_path / "outbox.db", give_up_seconds=60)

    started = threading.Event()

    def slow_read(db: sqlite3.Connection) -> tuple:
        started.set()
        time.sleep(0.3)  # the connection is still in use when close() is called
        return db.execute("SELECT 1").fetchone()

    running = asyncio.create_task(outbox._run(slow_read))
    assert await asyncio.to_thread(started.wait, 10)
    await asyncio.to_thread(outbox.close)

    assert await running == (1,)
    with pytest.raises(sqlite3.ProgrammingError):
        await outbox._run(slow_read)
