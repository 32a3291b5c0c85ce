"""Who may use the admin commands: the users listed in ADMIN_TELEGRAM_IDS, and nobody else.

May import: `telegram`, `settings` (through the context) and the bot's own `context` and `handling`. Every admin
command and action button is wrapped in `admin_only`: anyone else gets a polite refusal, and the attempt is
logged (WARNING, user id and command). Changes are recorded with the actor `tg:<user id> (@username)`.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import ConversationHandler

from bot.context import Context
from bot.handling import answer_tap

logger = logging.getLogger("bot.admin")

# A coroutine function, as PTB's handler classes require (an awaitable-returning callable is not enough).
Handler = Callable[[Update, Context], Coroutine[Any, Any, Any]]

TEXT_REFUSED = (
    "Maaf, perintah ini hanya untuk pengelola basis pengetahuan. "
    "Silakan ajukan pertanyaan Anda seperti biasa, atau ketuk /menu."
)


def is_admin(update: Update, context: Context) -> bool:
    """Return whether the update comes from a user listed in ADMIN_TELEGRAM_IDS."""
    user = update.effective_user
    return user is not None and user.id in context.bot_data.settings.admin_telegram_ids


def _command_name(update: Update) -> str:
    message = update.effective_message
    if update.callback_query is not None:
        return f"button {update.callback_query.data}"
    text = message.text if message is not None and message.text else ""
    return text.split(maxsplit=1)[0] if text.startswith("/") else "(text)"


def admin_only(handler: Handler) -> Handler:
    """Run `handler` for admins only; refuse anyone else politely and log the attempt."""

    @functools.wraps(handler)
    async def guarded(update: Update, context: Context) -> Any:
        if is_admin(update, context):
            return await handler(update, context)
        user = update.effective_user
        logger.warning(
            "Refused admin command %s from user %s", _command_name(update), user.id if user is not None else None
        )
        await answer_tap(update)
        chat = update.effective_chat
        if chat is not None:
            await context.bot.send_message(chat.id, TEXT_REFUSED)
        return ConversationHandler.END

    return guarded


def actor(update: Update) -> str:
    """Return who is making a change, as recorded in the history and audit: `tg:<id> (@username)`."""
    user = update.effective_user
    if user is None:
        return "tg:unknown"
    return f"tg:{user.id}" + (f" (@{user.username})" if user.username else "")
