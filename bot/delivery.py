"""Sending to Telegram: where a reply goes, the typing indicator, and delivery of rendered items.

May import: `telegram` and the bot's own `context`, `outbox` and `render`. Texts arrive already rendered
(`bot.render`): HTML-escaped, split to Telegram's limits, buttons as inline keyboards.

An answer goes through the persistent outbox (`bot.outbox`): stored first, sent at once, and left for the
outbox worker to retry when Telegram answers 429 beyond the rate limiter's retries, 5xx, or drops the
connection, so an answer Rasa produced is delivered even across a bot restart.
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
from bot.outbox import Pending, is_transient
from bot.render import Outgoing, OutgoingPhoto, OutgoingText

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

    def reply_parameters(self) -> ReplyParameters | None:
        """Quote the triggering message, but still answer if it was deleted meanwhile."""
        if self.reply_to is None:
            return None
        return ReplyParameters(message_id=self.reply_to, allow_sending_without_reply=True)


@dataclasses.dataclass(frozen=True)
class Delivered:
    """A message the bot sent, with the rendered item (and its knowledge-base metadata) it came from."""

    message: Message
    item: Outgoing


class Typing:
    """Show "typing…" in a chat once the assistant has worked for `delay` seconds, until the block ends.

    A quick answer shows none: the answer itself says the bot is there, and in a burst every action is one
    more Bot API call ahead of the answers. A slow one shows "typing…", sent concurrently with the request
    to the assistant and refreshed while it works. On exit an action still in flight is awaited briefly: if
    it reached Telegram after the answer, the chat would show "typing…" for five more seconds.
    """

    def __init__(self, bot: ExtBot[Any], target: Target, delay: float = 0.0) -> None:
        """Prepare the indicator for `target` (nothing is sent until the block starts)."""
        self._bot = bot
        self._target = target
        self._delay = delay
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
        """Send a typing action after the delay and every few seconds after it, until stopped."""
        if self._delay > 0:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self._delay)
            if self._stop.is_set():
                return
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
        reply_parameters=target.reply_parameters(),
    )


async def deliver(context: Context, target: Target, items: list[Outgoing]) -> list[Delivered]:
    """Send rendered items in order (only the first quotes the user's message); return those sent now.

    Each item is stored in the outbox before it is sent. On a transient failure (429, 5xx, network) that
    item and the rest of the reply stay there for the outbox worker, which retries them in order; a reply
    to a chat whose earlier answers are still queued waits behind them. A permanent refusal is raised, as
    before, so the error handler can apologise.
    """
    data = context.bot_data
    outbox, worker = data.outbox, data.outbox_worker
    if outbox is None or not items:
        return [
            Delivered(await send_item(context.bot, target, item, _reply(target, index)), item)
            for index, item in enumerate(items)
        ]
    ids = await outbox.add(target.chat_id, target.thread_id, target.reply_to, items)
    if await outbox.waiting_before(target.chat_id, ids[0]):
        await outbox.release(ids)
        if worker is not None:
            worker.wake()
        return []
    delivered: list[Delivered] = []
    for index, (item_id, item) in enumerate(zip(ids, items, strict=True)):
        try:
            message = await send_item(context.bot, target, item, _reply(target, index))
        except TelegramError as exc:
            await outbox.release(ids[index + 1 :])
            if not is_transient(exc):
                await outbox.refused(item_id, exc)
                raise
            logger.warning("Answer to chat %s not accepted (%s); the outbox retries it", target.chat_id, exc)
            await outbox.retry_later(item_id, exc)
            if worker is not None:
                worker.wake()
            return delivered
        await outbox.sent(item_id, retried=False)
        delivered.append(Delivered(message, item))
    return delivered


async def send_pending(bot: ExtBot[Any], pending: Pending) -> Message:
    """Send one item from the outbox (the outbox worker's send)."""
    target = Target(pending.chat_id, pending.thread_id, pending.reply_to)
    return await send_item(bot, target, pending.item, target.reply_parameters())


def _reply(target: Target, index: int) -> ReplyParameters | None:
    return target.reply_parameters() if index == 0 else None


async def send_item(bot: ExtBot[Any], target: Target, item: Outgoing, reply: ReplyParameters | None) -> Message:
    """Make the Bot API call for one rendered item."""
    if isinstance(item, OutgoingText):
        return await _send_html(bot, target, item.html, item.keyboard, reply)
    if isinstance(item, OutgoingPhoto):
        return await _send_photo(bot, target, item, reply)
    return await bot.send_document(
        target.chat_id,
        document=item.content,
        filename=item.filename,
        caption=item.caption_html,
        parse_mode=ParseMode.HTML,
        message_thread_id=target.thread_id,
        reply_parameters=reply,
    )


async def _send_photo(bot: ExtBot[Any], target: Target, item: OutgoingPhoto, reply: ReplyParameters | None) -> Message:
    """Send a photo by URL, or its link as text if Telegram cannot fetch the image."""
    try:
        return await bot.send_photo(
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
        return await _send_html(bot, target, item.fallback_html, item.keyboard, reply)


async def _send_html(
    bot: ExtBot[Any], target: Target, text: str, keyboard: InlineKeyboardMarkup | None, reply: ReplyParameters | None
) -> Message:
    return await bot.send_message(
        target.chat_id,
        text,
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard,
        message_thread_id=target.thread_id,
        reply_parameters=reply,
    )
