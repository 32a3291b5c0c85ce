"""Build the Telegram application: handlers, concurrency, rate limiting and the assistant client's lifetime.

May import: `settings`, `telegram`, and the bot's own modules. `build_application(settings)` is the one
place where handlers are registered; `run` is what `python -m bot` calls, and `running` runs the same
application inside an existing event loop (end-to-end tests and the benchmark).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

from telegram import LinkPreviewOptions, Update
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    ExtBot,
    MessageHandler,
    filters,
)

from bot import handlers, handoff
from bot.admin import register_admin_handlers
from bot.context import BotData, Context
from bot.delivery import send_pending
from bot.feedback import register_feedback_handlers
from bot.outbox import Outbox, OutboxWorker
from bot.persistence import DatabasePersistence
from bot.privacy import register_privacy_handlers
from bot.rasa_client import ARRIVAL, ArrivalOrder, RasaClient
from settings import Settings

logger = logging.getLogger(__name__)

BotApplication = Application[ExtBot[Any], Context, dict[Any, Any], dict[Any, Any], BotData, None]

# Only what the handlers use; channel posts, inline queries etc. are never fetched.
ALLOWED_UPDATES = (Update.MESSAGE, Update.EDITED_MESSAGE, Update.CALLBACK_QUERY)
# Updates processed at once, across all chats. An update waiting for its chat's turn holds a slot, so this
# is generous: one chat flooding the bot can delay the others only once it has this many updates queued.
MAX_CONCURRENT_UPDATES = 256
# A 429 from Telegram is retried this many times, each after the retry_after it asked for.
MAX_RATE_LIMIT_RETRIES = 3
POLL_TIMEOUT_SECONDS = 10
# Keep retrying to reach Telegram at start-up (a wrong token still stops at once).
BOOTSTRAP_RETRIES = -1


class ConversationOrderedProcessor(BaseUpdateProcessor):
    """Process updates of different conversations concurrently, and each conversation's in order.

    One slow conversation must not hold up the others, yet the assistant's tracker must see a conversation's
    messages in the order they were sent (and the answers must come back in that order). Updates of one
    conversation (see `handlers.conversation_key`) wait on that conversation's lock; asyncio locks are
    first-come first-served and PTB starts update tasks in arrival order, so order is kept. Locks are dropped
    once nobody holds or waits for them, so the map stays as small as the number of busy conversations.

    Across conversations, messages reach the assistant in the order their updates may start (`ArrivalOrder`,
    a ticket taken once the conversation's earlier updates are done), so a burst is answered first-come
    first-served even though handlers wait for the database in threads that finish in any order.
    """

    def __init__(self, max_concurrent_updates: int) -> None:
        """Create the processor with PTB's global bound on concurrent updates."""
        super().__init__(max_concurrent_updates)
        self._locks: dict[str, asyncio.Lock] = {}
        self._users: dict[str, int] = {}
        self.arrivals = ArrivalOrder()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run `coroutine` once every earlier update of the same conversation is done."""
        key = handlers.conversation_key(update)
        if key is None:
            await coroutine
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with lock:
                ticket = self.arrivals.issue()
                token = ARRIVAL.set((self.arrivals, ticket))
                try:
                    await coroutine
                finally:
                    ARRIVAL.reset(token)
                    self.arrivals.release(ticket)
        finally:
            self._users[key] -= 1
            if not self._users[key]:
                del self._users[key]
                del self._locks[key]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""


class BotRateLimiter(AIORateLimiter):
    """PTB's rate limiter (Telegram's flood limits, 429s retried after retry_after), minus typing actions.

    A "typing…" action is a best-effort courtesy, not a message: queueing it behind answers under the
    30-messages-per-second budget would only delay the answers. A typing action that meets a 429 is dropped
    by the handler.
    """

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """Send typing actions straight away; everything else goes through the limiter."""
        if endpoint == "sendChatAction":
            return await callback(*args, **kwargs)
        return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)


def api_urls(base_url: str) -> tuple[str, str]:
    """Return PTB's (base_url, base_file_url) for TELEGRAM_API_BASE_URL.

    The setting may be the server root (`http://localhost:8081`, as a local Bot API server is usually
    given) or end in `/bot` (`https://api.telegram.org/bot`, PTB's own form); PTB appends the token.
    """
    root = base_url.strip().rstrip("/").removesuffix("/bot")
    return f"{root}/bot", f"{root}/file/bot"


async def post_init(application: BotApplication) -> None:
    """Open the assistant client and register the command menu, once the bot is initialized."""
    data = application.bot_data
    data.rasa_client = RasaClient(
        data.settings.rasa_url,
        timeout=data.settings.rasa_timeout,
        token=data.settings.rasa_token,
        connect_retry_seconds=data.settings.rasa_connect_retry_seconds,
        max_in_flight=data.settings.rasa_max_in_flight,
    )
    # Answers Telegram did not accept wait in the outbox and are retried, across restarts (bot/outbox.py).
    data.outbox = Outbox(data.settings.outbox_path, give_up_seconds=data.settings.outbox_give_up_seconds)
    data.outbox_worker = OutboxWorker(data.outbox, functools.partial(send_pending, application.bot))
    data.outbox_worker.start()
    handoff.start_expiry(application)
    try:
        await application.bot.set_my_commands(handlers.BOT_COMMANDS)
    except TelegramError as exc:
        # The menu is a convenience: typed commands work without it, so do not refuse to start.
        logger.warning("Could not register the command menu: %s", exc)
    logger.info("Bot @%s ready; assistant at %s", application.bot.username, data.settings.rasa_url)


async def post_shutdown(application: BotApplication) -> None:
    """Stop the outbox worker (queued answers stay for the next start), the handoff timeouts and the client."""
    await handoff.stop_expiry(application)
    data = application.bot_data
    if data.outbox_worker is not None:
        await data.outbox_worker.stop()
        data.outbox_worker = None
    if data.outbox is not None:
        data.outbox.close()
        data.outbox = None
    client = application.bot_data.rasa_client
    application.bot_data.rasa_client = None
    if client is not None:
        await client.aclose()


def build_application(settings: Settings) -> BotApplication:
    """Build the bot for `settings`: handlers, per-conversation ordering, rate limiting, lifecycle hooks.

    Admin drafts, dialogue states, pending 👎 comments and long button payloads are kept in the database
    (`bot.persistence`), so a restart of the bot loses none of them.
    """
    base_url, base_file_url = api_urls(settings.telegram_api_base_url)
    persistence = DatabasePersistence(settings.database_url)
    application: BotApplication = (
        ApplicationBuilder()
        .persistence(persistence)
        .token(settings.telegram_bot_token)
        .base_url(base_url)
        .base_file_url(base_file_url)
        .context_types(ContextTypes(bot_data=BotData))
        # Answers cite their sources as links; a preview of the first one would fill the phone screen.
        .defaults(Defaults(link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .concurrent_updates(ConversationOrderedProcessor(MAX_CONCURRENT_UPDATES))
        .rate_limiter(BotRateLimiter(max_retries=MAX_RATE_LIMIT_RETRIES))
        # No job queue: nothing is scheduled, and its extra conflicts with Rasa's APScheduler pin.
        .job_queue(None)
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    application.bot_data.settings = settings
    application.bot_data.payloads = persistence.payloads

    new = filters.UpdateType.MESSAGE  # edits have their own handler below
    application.add_handler(CommandHandler("start", handlers.start_command, filters=new))
    application.add_handler(CommandHandler("help", handlers.help_command, filters=new))
    application.add_handler(CommandHandler("menu", handlers.menu_command, filters=new))
    application.add_handler(CommandHandler("reset", handlers.reset_command, filters=new))
    application.add_handler(CommandHandler("tentang", handlers.tentang_command, filters=new))
    for command, intent in handlers.FLOW_COMMANDS.items():
        application.add_handler(CommandHandler(command, handlers.flow_command(intent), filters=new))
    application.add_handler(MessageHandler(new & filters.COMMAND, handlers.unknown_command))
    application.add_handler(MessageHandler(new & filters.TEXT, handlers.on_text))
    application.add_handler(CallbackQueryHandler(handlers.on_button))
    application.add_handler(MessageHandler(filters.UpdateType.EDITED_MESSAGE, handlers.on_edited_message))
    application.add_handler(MessageHandler(new & ~filters.StatusUpdate.ALL, handlers.on_other_message))
    application.add_error_handler(handlers.on_error)
    # Feedback, /hapus_data and the admin commands run in earlier handler groups and stop the updates
    # they consume, so registration order does not matter.
    register_feedback_handlers(application)
    register_privacy_handlers(application)
    register_admin_handlers(application)
    # The handoff runs first of all (group -5): while one is open, nothing reaches the assistant.
    handoff.register_handoff_handlers(application)
    return application


def _webhook_kwargs(settings: Settings) -> dict[str, Any]:
    """Return the arguments shared by run_webhook and start_webhook.

    The bot listens on TELEGRAM_WEBHOOK_LISTEN:TELEGRAM_WEBHOOK_PORT at the path of TELEGRAM_WEBHOOK_URL,
    behind whatever terminates TLS for that public URL. Telegram sends the secret token in a header with
    every update, and PTB refuses requests without it.
    """
    return {
        "listen": settings.telegram_webhook_listen,
        "port": settings.telegram_webhook_port,
        "url_path": urlsplit(settings.telegram_webhook_url).path.lstrip("/"),
        "webhook_url": settings.telegram_webhook_url,
        "secret_token": settings.telegram_webhook_secret,
        "allowed_updates": list(ALLOWED_UPDATES),
        "bootstrap_retries": BOOTSTRAP_RETRIES,
    }


def run(application: BotApplication, settings: Settings) -> None:
    """Run the bot until stopped: long polling by default, a webhook when TELEGRAM_MODE=webhook."""
    if settings.telegram_mode == "webhook":
        logger.info(
            "Starting in webhook mode on %s:%s", settings.telegram_webhook_listen, settings.telegram_webhook_port
        )
        application.run_webhook(**_webhook_kwargs(settings))
    else:
        logger.info("Starting in polling mode")
        application.run_polling(
            timeout=POLL_TIMEOUT_SECONDS,
            allowed_updates=list(ALLOWED_UPDATES),
            bootstrap_retries=BOOTSTRAP_RETRIES,
        )


@asynccontextmanager
async def running(application: BotApplication, settings: Settings) -> AsyncIterator[BotApplication]:
    """Run the application inside the current event loop, with the same lifecycle as `run`.

    `run` owns its event loop (PTB's run_polling/run_webhook); tests and the benchmark already have one, so
    this performs the same steps: initialize, post_init, start the updater and the application, and undo
    them in reverse order on exit.
    """
    await application.initialize()
    try:
        await post_init(application)
        updater = application.updater
        if updater is None:
            raise RuntimeError("The application was built without an updater")
        if settings.telegram_mode == "webhook":
            await updater.start_webhook(**_webhook_kwargs(settings))
        else:

            def on_polling_error(exc: TelegramError) -> None:
                application.create_task(application.process_error(update=None, error=exc))

            await updater.start_polling(
                timeout=POLL_TIMEOUT_SECONDS,
                allowed_updates=list(ALLOWED_UPDATES),
                bootstrap_retries=BOOTSTRAP_RETRIES,
                error_callback=on_polling_error,
            )
        await application.start()
        try:
            yield application
        finally:
            if updater.running:
                await updater.stop()
            if application.running:
                await application.stop()
    finally:
        await application.shutdown()
        await post_shutdown(application)
