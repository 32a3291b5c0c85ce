"""The bot's database access, in one place: which knowledge-base objects the bot uses, and how it calls them.

May import: `settings`, the bot's own `context`, and the public API of `knowledge` (never its models or
database modules). The bot never opens a database itself: feedback, /hapus_data and the admin commands go
through `admin` (`knowledge.KnowledgeAdmin`), the handoff through `handoffs` (`knowledge.HandoffStore`),
stored documents through `documents`, /tentang through `kb_info`, and PTB persistence through `bot_state`.
The administration and the handoff store are made once per configuration and shared by every handler. Their
methods block, so handlers call them through `off_loop`, which runs them in a worker thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import lru_cache
from typing import Any, TypeVar

import knowledge
from bot.context import Context

T = TypeVar("T")


@lru_cache(maxsize=4)
def _admin(database_url: str, tracker_db: str, rasa_url: str, rasa_token: str) -> knowledge.KnowledgeAdmin:
    # Conversations are deleted by asking Rasa, their owner, with the token the bot already sends it.
    conversations = knowledge.RasaConversations(rasa_url, rasa_token)
    return knowledge.KnowledgeAdmin(database_url, tracker_db=tracker_db, conversations=conversations)


@lru_cache(maxsize=4)
def _handoffs(database_url: str) -> knowledge.HandoffStore:
    return knowledge.HandoffStore(database_url)


def admin(context: Context) -> knowledge.KnowledgeAdmin:
    """Return the knowledge-base administration configured in the bot's settings (feedback, privacy, admin)."""
    settings = context.bot_data.settings
    return _admin(settings.database_url, settings.tracker_db, settings.rasa_url, settings.rasa_token)


def handoffs(context: Context) -> knowledge.HandoffStore:
    """Return the handoff records of the bot's database."""
    return _handoffs(context.bot_data.settings.database_url)


def documents(context: Context) -> knowledge.DocumentStore:
    """Return the generated documents of the bot's database (what a `document` message refers to)."""
    return knowledge.DocumentStore(context.bot_data.settings.database_url)


def kb_info() -> knowledge.KbInfo:
    """Return the size and last change of the knowledge base the assistant answers from (for /tentang)."""
    return knowledge.kb_info()


def bot_state(database_url: str) -> knowledge.BotStateStore:
    """Return the store of the bot's persisted state (PTB persistence) in `database_url`."""
    return knowledge.BotStateStore(database_url)


async def off_loop(work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run `work(*args, **kwargs)` in a worker thread (database work blocks the event loop) and return its result."""
    return await asyncio.to_thread(work, *args, **kwargs)
