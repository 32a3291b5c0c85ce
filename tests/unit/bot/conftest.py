"""Helpers for handler tests: real Update objects, an AsyncMock bot, and a real RasaClient on a MockTransport."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any
from unittest.mock import AsyncMock, MagicMock

import httpx
import pytest
from telegram import Message, Update

from bot.context import BotData
from bot.rasa_client import RasaClient
from settings import Settings

BOT_ID = 4242
BOT_USERNAME = "klinik_inovasi_bot"
_ids = itertools.count(1)


@dataclass
class FakeAssistant:
    """Answers the bot's REST requests from a function and records what it was sent."""

    answer: Callable[[str, str], Any] = lambda sender, text: [{"text": f"jawaban untuk {text}"}]
    requests: list[tuple[str, str]] = field(default_factory=list)

    def handler(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        self.requests.append((body["sender"], body["message"]))
        result = self.answer(body["sender"], body["message"])
        if isinstance(result, Exception):
            raise result
        if isinstance(result, httpx.Response):
            return result
        return httpx.Response(200, json=result)


def make_bot() -> AsyncMock:
    bot = AsyncMock()
    bot.id = BOT_ID
    bot.username = BOT_USERNAME
    bot.defaults = None
    bot.send_message.side_effect = lambda chat_id, text, **kw: MagicMock(spec=Message, chat_id=chat_id, text=text)
    return bot


@pytest.fixture
def assistant() -> FakeAssistant:
    return FakeAssistant()


@pytest.fixture
async def context(assistant: FakeAssistant):
    data = BotData()
    data.settings = Settings()
    data.rasa_client = RasaClient("http://rasa.test", timeout=2.0, transport=httpx.MockTransport(assistant.handler))
    ctx = SimpleNamespace(bot=make_bot(), bot_data=data, error=None)
    yield ctx
    await data.rasa.aclose()


def chat(chat_id: int) -> dict[str, Any]:
    if chat_id < 0:
        return {"id": chat_id, "type": "supergroup", "title": "Grup"}
    return {"id": chat_id, "type": "private", "first_name": "Ani"}


def message(chat_id: int, user_id: int | None = None, **fields: Any) -> dict[str, Any]:
    return {
        "message_id": next(_ids),
        "date": 1_700_000_000,
        "chat": chat(chat_id),
        "from": {"id": user_id or abs(chat_id), "is_bot": False, "first_name": "Ani"},
        **fields,
    }


def text_message(chat_id: int, text: str, user_id: int | None = None, **fields: Any) -> dict[str, Any]:
    entities = []
    if text.startswith("/"):
        entities.append({"type": "bot_command", "offset": 0, "length": len(text.split()[0])})
    if f"@{BOT_USERNAME}" in text:
        entities.append({"type": "mention", "offset": text.index(f"@{BOT_USERNAME}"), "length": len(BOT_USERNAME) + 1})
    return message(chat_id, user_id, text=text, entities=entities, **fields)


def update(bot: Any, **payload: Any) -> Update:
    result = Update.de_json({"update_id": next(_ids), **payload}, bot)
    assert result is not None
    return result


def sent_texts(bot: AsyncMock) -> list[str]:
    return [call.args[1] for call in bot.send_message.call_args_list]
