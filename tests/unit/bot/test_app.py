"""Application wiring: API URLs, per-conversation ordering, the rate limiter, handlers and the entry point."""

from __future__ import annotations

import asyncio
import logging
from unittest.mock import AsyncMock

import httpx
import pytest
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot import __main__ as entry
from bot import delivery, handlers
from bot.app import BotRateLimiter, ConversationOrderedProcessor, api_urls, build_application
from bot.delivery import Target, Typing
from settings import Settings

from .conftest import make_bot, text_message, update


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ("https://api.telegram.org/bot", ("https://api.telegram.org/bot", "https://api.telegram.org/file/bot")),
        ("http://localhost:8081", ("http://localhost:8081/bot", "http://localhost:8081/file/bot")),
        ("http://127.0.0.1:9000/bot/", ("http://127.0.0.1:9000/bot", "http://127.0.0.1:9000/file/bot")),
    ],
)
def test_api_urls_accept_a_server_root_or_a_bot_url(setting, expected) -> None:
    assert api_urls(setting) == expected


def test_build_application_uses_the_settings() -> None:
    settings = Settings.from_env({"TELEGRAM_BOT_TOKEN": "1:abc", "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9/bot"})
    application = build_application(settings)
    assert application.bot.base_url == "http://127.0.0.1:9/bot1:abc"
    assert application.bot.base_file_url == "http://127.0.0.1:9/file/bot1:abc"
    assert application.bot_data.settings is settings
    assert isinstance(application.update_processor, ConversationOrderedProcessor)
    assert isinstance(application.bot.rate_limiter, BotRateLimiter)
    commands = {
        c for group in application.handlers.values() for h in group if isinstance(h, CommandHandler) for c in h.commands
    }
    assert {c.command for c in handlers.BOT_COMMANDS} <= commands  # every menu command has a handler
    assert {"kb_cari", "kesiapan", "hapus_data"} <= commands
    assert any(isinstance(h, CallbackQueryHandler) for h in application.handlers[0])
    assert application.error_handlers


# Ordering -----------------------------------------------------------------------------------------------------


async def test_one_conversation_is_processed_in_order_while_others_run_concurrently() -> None:
    bot = make_bot()
    processor = ConversationOrderedProcessor(64)
    events: list[str] = []

    async def work(name: str, seconds: float) -> None:
        events.append(f"start {name}")
        await asyncio.sleep(seconds)
        events.append(f"end {name}")

    slow_first = update(bot, message=text_message(1, "a"))
    fast_second = update(bot, message=text_message(1, "b"))
    other_chat = update(bot, message=text_message(2, "c"))
    tasks = [
        asyncio.create_task(processor.process_update(slow_first, work("1a", 0.2))),
        asyncio.create_task(processor.process_update(fast_second, work("1b", 0.0))),
        asyncio.create_task(processor.process_update(other_chat, work("2c", 0.0))),
    ]
    await asyncio.gather(*tasks)
    # 1b waits for 1a (same chat); 2c does not wait for the slow chat.
    assert events.index("end 1a") < events.index("start 1b")
    assert events.index("end 2c") < events.index("end 1a")
    assert processor._locks == {} and processor._users == {}


async def test_group_members_are_separate_conversations() -> None:
    bot = make_bot()
    processor = ConversationOrderedProcessor(64)
    order: list[str] = []

    async def work(name: str, seconds: float) -> None:
        await asyncio.sleep(seconds)
        order.append(name)

    await asyncio.gather(
        processor.process_update(update(bot, message=text_message(-5, "x", user_id=1)), work("member 1", 0.1)),
        processor.process_update(update(bot, message=text_message(-5, "y", user_id=2)), work("member 2", 0.0)),
    )
    assert order == ["member 2", "member 1"]


async def test_a_failing_update_releases_its_conversation() -> None:
    bot = make_bot()
    processor = ConversationOrderedProcessor(8)

    async def boom() -> None:
        raise RuntimeError("handler bug")

    async def fine() -> str:
        return "ok"

    with pytest.raises(RuntimeError):
        await processor.process_update(update(bot, message=text_message(1, "a")), boom())
    await asyncio.wait_for(processor.process_update(update(bot, message=text_message(1, "b")), fine()), 1)
    assert processor._locks == {}


# Rate limiting and typing --------------------------------------------------------------------------------------


async def test_typing_actions_bypass_the_rate_limiter_but_messages_do_not() -> None:
    limiter = BotRateLimiter(overall_max_rate=1, overall_time_period=60, max_retries=0)
    calls: list[str] = []

    async def request(name: str) -> bool:
        calls.append(name)
        return True

    data = {"chat_id": 1}
    await limiter.process_request(request, ("m1",), {}, "sendMessage", data, None)
    # The budget (1 per minute) is spent: typing still goes out at once, a second message would wait.
    await asyncio.wait_for(limiter.process_request(request, ("t",), {}, "sendChatAction", data, None), 1)
    waiting = asyncio.create_task(limiter.process_request(request, ("m2",), {}, "sendMessage", data, None))
    await asyncio.sleep(0.1)
    assert calls == ["m1", "t"]
    waiting.cancel()


async def test_typing_is_refreshed_while_a_slow_answer_is_awaited(monkeypatch) -> None:
    monkeypatch.setattr(delivery, "TYPING_REFRESH_SECONDS", 0.05)
    bot = AsyncMock()
    async with Typing(bot, Target(1)):
        # Wait for the refreshes rather than for a fixed time: on a busy machine timers fire late.
        for _ in range(500):
            if bot.send_chat_action.await_count >= 3:
                break
            await asyncio.sleep(0.01)
    count = bot.send_chat_action.await_count
    await asyncio.sleep(0.1)
    assert 3 <= count == bot.send_chat_action.await_count  # refreshed, and stopped with the block


async def test_typing_waits_for_its_delay_and_is_never_sent_for_a_quicker_answer() -> None:
    quick, slow = AsyncMock(), AsyncMock()
    async with Typing(quick, Target(1), delay=0.5):
        await asyncio.sleep(0.01)
    async with Typing(slow, Target(1), delay=0.05):
        for _ in range(500):  # wait for the action rather than for a fixed time: timers fire late when busy
            if slow.send_chat_action.await_count:
                break
            await asyncio.sleep(0.01)
    quick.send_chat_action.assert_not_awaited()
    slow.send_chat_action.assert_awaited_once()


async def test_a_slow_assistant_does_not_block_another_chat(monkeypatch) -> None:
    from types import SimpleNamespace

    from bot.context import BotData
    from bot.rasa_client import RasaClient

    async def answer(request: httpx.Request) -> httpx.Response:
        if b"lambat" in request.content:
            await asyncio.sleep(0.3)
        return httpx.Response(200, json=[{"text": "ok"}])

    data = BotData()
    data.rasa_client = RasaClient("http://rasa.test", timeout=2, transport=httpx.MockTransport(answer))
    context = SimpleNamespace(bot=make_bot(), bot_data=data, error=None)
    processor = ConversationOrderedProcessor(8)
    done: list[int] = []

    async def handle(chat_id: int, text: str) -> None:
        upd = update(context.bot, message=text_message(chat_id, text))
        await processor.process_update(upd, handlers.on_text(upd, context))
        done.append(chat_id)

    await asyncio.gather(handle(1, "lambat"), handle(2, "cepat"))
    await data.rasa.aclose()
    assert done == [2, 1]


# Entry point --------------------------------------------------------------------------------------------------


def test_python_m_bot_without_a_token_exits_with_a_clear_message(monkeypatch) -> None:
    monkeypatch.setattr(entry, "get_settings", lambda: Settings())
    monkeypatch.setattr(entry, "configure_logging", lambda level: logging.getLogger().setLevel(level))
    monkeypatch.setattr(entry, "build_application", lambda settings: pytest.fail("must not build without a token"))
    with pytest.raises(SystemExit) as exited:
        entry.main()
    assert "TELEGRAM_BOT_TOKEN is not set" in str(exited.value.code)
