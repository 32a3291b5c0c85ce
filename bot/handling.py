"""What the bot's Telegram handlers share: answering a button tap, editing the tapped message, stopping an update.

May import: `telegram` and the standard library. Every callback query is answered here (`answer_tap`), first
and always: until it is, the user's app shows a spinner on the button. Editing the tapped message is a
courtesy that may fail (the message is too old, or already edited), so failures are logged at DEBUG and
ignored. Handlers registered in the early groups (handoff, feedback, /hapus_data, admin) stop an update they
took with `stopping` or `consuming`, so the bot's own handlers (group 0) never see it too.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop

logger = logging.getLogger(__name__)

C = TypeVar("C")


async def answer_tap(update: Update, text: str | None = None) -> None:
    """Answer the update's button tap (with `text` as a short notice), if it is one."""
    query = update.callback_query
    if query is None:
        return
    try:
        await query.answer(text)
    except TelegramError as exc:
        logger.debug("Could not answer callback query %s: %s", query.id, exc)


async def drop_keyboard(update: Update) -> None:
    """Remove the buttons from the tapped message, so the same choice cannot be made twice."""
    query = update.callback_query
    if query is None or query.message is None:
        return
    try:
        await query.edit_message_reply_markup(reply_markup=None)
    except TelegramError as exc:
        logger.debug("Could not remove the buttons of the tapped message: %s", exc)


async def edit_tapped_text(update: Update, text: str) -> None:
    """Replace the tapped message's text (and drop its buttons) with `text`."""
    query = update.callback_query
    if query is None or query.message is None:
        return
    try:
        await query.edit_message_text(text)
    except TelegramError as exc:
        logger.debug("Could not edit the tapped message: %s", exc)


# PTB's handler classes take a coroutine function (`Callable[..., Coroutine]`), not any awaitable-returning one.
Callback = Callable[[Update, C], Coroutine[Any, Any, None]]


def stopping(callback: Callable[[Update, C], Awaitable[Any]]) -> Callback[C]:
    """Run `callback`, then stop the update: handlers in later groups must not see it too.

    Inside a ConversationHandler, `ApplicationHandlerStop(state)` also sets the next state, so what the
    callback returns is passed on.
    """

    @functools.wraps(callback)
    async def run_and_stop(update: Update, context: C) -> None:
        raise ApplicationHandlerStop(await callback(update, context))

    return run_and_stop


def consuming(callback: Callable[[Update, C], Awaitable[bool]]) -> Callback[C]:
    """Run `callback` and stop the update only if it returns True (it took the update)."""

    @functools.wraps(callback)
    async def run(update: Update, context: C) -> None:
        if await callback(update, context):
            raise ApplicationHandlerStop

    return run
