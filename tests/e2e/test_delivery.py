"""Delivery that cannot silently fail: the real bot and assistant against a misbehaving stand-in Bot API.

Before the outbox, an answer met by a 5xx, a dropped connection or more 429s than the rate limiter retries
was lost (2 of 6 users got nothing) while Rasa recorded the turn as done.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.outbox import TEXT_UNDELIVERED, Outbox
from tests.e2e.test_telegram import RASA_WAIT, bot_running, new_chat
from tests.fake_telegram import FakeTelegram, SentCall

pytestmark = pytest.mark.e2e


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


def answers(calls: list[SentCall]) -> list[str]:
    return [call.text or "" for call in calls if "Sumber:" in (call.text or "")]


async def counts(path: Path) -> dict[str, int]:
    outbox = Outbox(path, give_up_seconds=3600)
    try:
        return await outbox.counts()
    finally:
        outbox.close()


async def wait_for_counts(path: Path, name: str, value: int) -> dict[str, int]:
    for _ in range(int(RASA_WAIT * 10)):
        now = await counts(path)
        if now.get(name, 0) >= value:
            return now
        await asyncio.sleep(0.1)
    raise AssertionError(f"outbox never reached {name}={value}: {await counts(path)}")


@pytest.mark.parametrize(
    ("times", "status"),
    [(6, 429), (2, 500), (2, 502), (2, None)],
    ids=["429-six-times", "500", "502", "dropped-connection"],
)
async def test_the_answer_is_delivered_exactly_once_through_a_misbehaving_bot_api(
    telegram: FakeTelegram, rasa_stack, tmp_path: Path, times: int, status: int | None
) -> None:
    chat = new_chat()
    outbox_db = tmp_path / "outbox.db"
    async with bot_running(telegram, rasa_stack.rasa_url, OUTBOX_DB=str(outbox_db)):
        telegram.fail_next("sendMessage", times, retry_after=1, status=status)
        telegram.push_text(chat, "apa itu jipp?")
        await telegram.wait_for(lambda _: answers(telegram.sent(chat)), timeout=RASA_WAIT)
        await wait_for_counts(outbox_db, "sent", 1)
        await asyncio.sleep(1.5)  # a duplicate would arrive by now: the worker polls twice a second
        assert len(answers(telegram.sent(chat))) == 1
    final = await counts(outbox_db)
    assert final["queued"] == 0 and final.get("sent_after_retry", 0) == 1


async def test_an_answer_left_in_the_outbox_is_delivered_after_a_bot_restart(
    telegram: FakeTelegram, rasa_stack, tmp_path: Path
) -> None:
    chat = new_chat()
    outbox_db = tmp_path / "outbox.db"
    async with bot_running(telegram, rasa_stack.rasa_url, OUTBOX_DB=str(outbox_db)):
        telegram.fail_next("sendMessage", 10_000, status=500)
        telegram.push_text(chat, "apa itu jipp?")
        await wait_for_counts(outbox_db, "retried", 1)
    assert (await counts(outbox_db))["queued"] >= 1 and answers(telegram.sent(chat)) == []

    telegram.fail_next("sendMessage", 0)
    async with bot_running(telegram, rasa_stack.rasa_url, OUTBOX_DB=str(outbox_db)):
        await telegram.wait_for(lambda _: answers(telegram.sent(chat)), timeout=RASA_WAIT)
        await wait_for_counts(outbox_db, "sent", 1)
        await asyncio.sleep(1.5)
        assert len(answers(telegram.sent(chat))) == 1


async def test_a_finally_undeliverable_answer_is_counted_and_the_user_told_once(
    telegram: FakeTelegram, rasa_stack, tmp_path: Path
) -> None:
    chat = new_chat()
    outbox_db = tmp_path / "outbox.db"
    async with bot_running(telegram, rasa_stack.rasa_url, OUTBOX_DB=str(outbox_db), OUTBOX_GIVE_UP_SECONDS="1"):
        telegram.fail_next("sendMessage", 10_000, status=500)
        telegram.push_text(chat, "apa itu jipp?")
        await wait_for_counts(outbox_db, "failed", 1)
        assert telegram.sent(chat) == []

        telegram.fail_next("sendMessage", 0)  # Telegram is reachable again
        await telegram.wait_for_sent(chat, timeout=RASA_WAIT)
        await asyncio.sleep(1.5)
        assert [call.text for call in telegram.sent(chat)] == [TEXT_UNDELIVERED]
    final = await counts(outbox_db)
    assert final["failed"] >= 1 and final["notified"] == 1 and final["queued"] == 0
