"""Sending to Telegram: where a reply goes, the typing indicator, and delivery of rendered items.

May import: `telegram` and the bot's own `context` and `render`. Texts arrive already rendered
(`bot.render`): HTML-escaped, split to Telegram's limits, buttons as inline keyboards.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from types import TracebackType
from typing import Any

from telegram import InlineKeyboardMarkup, Message, ReplyParameters
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import ExtBot

from bot.context import Context
from bot.render import Outgoing, OutgoingDocument, OutgoingPhoto, OutgoingText

logger = logging.getLogger(__name__)

# Telegram shows "typing…" for 5 seconds per chat action; refresh a little before it runs out.
TYPING_REFRESH_SECONDS = 4.5
# How long a reply may wait for an in-flight typing action, so "typing…" never arrives after the answer.
TYPING_SETTLE_SECONDS = 1.0


@dataclasses.dataclass(frozen=True)
class Target:
    """Where replies to an update go: the chat, its forum topic, and the message to quote (in groups)."""

    chat_id: int
    thread_id: int | None = None
    reply_to: int | None = None


@dataclasses.dataclass(frozen=True)
class Delivered:
    """A message the bot sent, with the rendered item (and its knowledge-base metadata) it came from."""

    message: Message
    item: Outgoing


class Typing:
    """Show "typing…" in a chat until the block ends, refreshing it while the assistant works.

    The first action is sent concurrently with the request to the assistant, so it costs no latency. On exit
    an action still in flight is awaited briefly: if it reached Telegram after the answer, the chat would show
    "typing…" for five more seconds.
    """

    def __init__(self, bot: ExtBot[Any], target: Target) -> None:
        """Prepare the indicator for `target` (nothing is sent until the block starts)."""
        self._bot = bot
        self._target = target
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> None:
        """Start sending typing actions in the background."""
        self._task = asyncio.create_task(self._run())

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop refreshing and let an action in flight land before the answer is sent."""
        self._stop.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._task, TYPING_SETTLE_SECONDS)

    async def _run(self) -> None:
        """Send a typing action now and every few seconds until stopped."""
        while True:
            try:
                await self._bot.send_chat_action(
                    self._target.chat_id, ChatAction.TYPING, message_thread_id=self._target.thread_id
                )
            except TelegramError as exc:
                # The indicator is a courtesy; failing to show it must not affect the answer.
                logger.debug("Could not send typing action to %s: %s", self._target.chat_id, exc)
            try:
                await asyncio.wait_for(self._stop.wait(), TYPING_REFRESH_SECONDS)
            except asyncio.TimeoutError:
                continue
            return


async def send_plain(context: Context, target: Target, text: str) -> Message:
    """Send one of the bot's own fixed texts (plain text, no parse mode)."""
    return await context.bot.send_message(
        target.chat_id,
        text,
        message_thread_id=target.thread_id,
        reply_parameters=reply_parameters(target),
    )


def reply_parameters(target: Target) -> ReplyParameters | None:
    """Quote the triggering message, but still answer if it was deleted meanwhile."""
    if target.reply_to is None:
        return None
    return ReplyParameters(message_id=target.reply_to, allow_sending_without_reply=True)


async def deliver(context: Context, target: Target, items: list[Outgoing]) -> list[Delivered]:
    """Send rendered items in order; only the first one quotes the user's message."""
    delivered: list[Delivered] = []
    for index, item in enumerate(items):
        reply = reply_parameters(target) if index == 0 else None
        if isinstance(item, OutgoingText):
            message = await _send_html(context, target, item.html, item.keyboard, reply)
        elif isinstance(item, OutgoingPhoto):
            message = await _send_photo(context, target, item, reply)
        elif isinstance(item, OutgoingDocument):
            message = await context.bot.send_document(
                target.chat_id,
                document=item.content,
                filename=item.filename,
                caption=item.caption_html,
                parse_mode=ParseMode.HTML,
                message_thread_id=target.thread_id,
                reply_parameters=reply,
            )
        delivered.append(Delivered(message, item))
    return delivered


async def _send_photo(context: Context, target: Target, item: OutgoingPhoto, reply: ReplyParameters | None) -> Message:
    """Send a photo by URL, or its link as text if Telegram cannot fetch the image."""
    try:
        return await context.bot.send_photo(
            target.chat_id,
            item.url,
            caption=item.caption_html,
            parse_mode=ParseMode.HTML,
            reply_markup=item.keyboard,
            message_thread_id=target.thread_id,
            reply_parameters=reply,
        )
    except BadRequest as exc:
        logger.warning("Telegram could not send an image by URL (%s); sending the link instead", exc)
        return await _send_html(context, target, item.fallback_html, item.keyboard, reply)


async def _send_html(
    context: Context, target: Target, text: str, keyboard: InlineKeyboardMarkup | None, reply: ReplyParameters | None
) -> Message:
    return await context.bot.send_message(
        target.chat_id,
        text,
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard,
        message_thread_id=target.thread_id,
        reply_parameters=reply,
    )
