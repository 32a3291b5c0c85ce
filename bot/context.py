"""What every Telegram handler shares: the per-process `BotData` and the `Context` type built on it.

May import: `settings`, `telegram`, and the bot's own `outbox`, `rasa_client` and `render`.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import CallbackContext, ExtBot

from bot.outbox import Outbox, OutboxWorker
from bot.rasa_client import RasaClient
from bot.render import PayloadStore
from settings import Settings


class BotData:
    """Per-process state shared by all handlers, reached as `context.bot_data`.

    PTB builds it with no arguments; `build_application` fills in the settings and `post_init` the client.
    """

    def __init__(self) -> None:
        """Start with default settings and no assistant client (the application fills both in)."""
        self.settings: Settings = Settings()
        self.rasa_client: RasaClient | None = None
        # The persistent outbox of answers and its worker, opened in post_init (None in handler unit tests).
        self.outbox: Outbox | None = None
        self.outbox_worker: OutboxWorker | None = None
        self.payloads = PayloadStore()

    @property
    def rasa(self) -> RasaClient:
        """Return the assistant client created in post_init."""
        if self.rasa_client is None:
            raise RuntimeError("The assistant client is created in post_init; the application is not running")
        return self.rasa_client


Context = CallbackContext[ExtBot[Any], dict[Any, Any], dict[Any, Any], BotData]
