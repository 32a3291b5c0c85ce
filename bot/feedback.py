"""👍/👎 under knowledge-base answers: the keyboard, the button handler and the optional comment after a 👎.

May import: `settings`, `telegram`, the bot's own `context`, `handling`, `store`, `feedback_buttons`, `handoff`
and `handlers` (for the conversation id), and the public API of `knowledge` (its database through `bot.store`).
Feedback is stored with the conversation id, the entry and version answered, the time, and the question (the
sender's latest question answered by that entry, from the question log). After a 👎 the bot asks what was
wrong: the user's next text message in that chat (within COMMENT_WINDOW_SECONDS) is stored as the comment
instead of being sent to the assistant, or the user taps "Lewati".

callback_data is a signed vote token (see `feedback_buttons`: tied to the answer and the conversation it was sent
to; one vote per answer per user) or `fb:skip:<feedback_id>`, accepted only from the user who was asked.
"""

from __future__ import annotations

import logging
import re
import time
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters

import knowledge
from bot import store
from bot.context import Context
from bot.feedback_buttons import button_key, feedback_keyboard, verify_vote, with_feedback_buttons
from bot.handlers import sender_id
from bot.handling import answer_tap, consuming, drop_keyboard, edit_tapped_text, stopping
from bot.handoff import offer_after_thumbs_down, reset_thumbs_down

logger = logging.getLogger(__name__)

__all__ = ["feedback_keyboard", "on_feedback", "register_feedback_handlers", "with_feedback_buttons"]

FEEDBACK_PATTERN = r"^fb:"
# PTB processes handler groups in order and runs at most one handler per group; the bot's own handlers are
# in group 0, the admin commands in -1 and /hapus_data in -2. These run first and stop the update only when
# they consumed it (the comment handler looks at every text message, so it must not share a group).
HANDLER_GROUP = -3
COMMENT_WINDOW_SECONDS = 600
PENDING_KEY = "kb_feedback_comment"
_SKIP = re.compile(r"^fb:skip:(\d{1,12})$")

TEXT_THANKS = "Terima kasih atas masukannya! 🙏"
TEXT_ASK_COMMENT = (
    "Terima kasih. Apa yang kurang tepat dari jawaban tadi? Ketik singkat di pesan berikutnya, atau ketuk Lewati."
)
TEXT_COMMENT_SAVED = "Terima kasih, masukan Anda sudah kami catat untuk memperbaiki jawaban."
TEXT_SKIPPED = "Baik, terima kasih atas masukannya."
TEXT_INVALID = "Tombol ini tidak berlaku."
TEXT_ALREADY_VOTED = "Anda sudah menilai jawaban ini. Terima kasih!"
TEXT_UNAVAILABLE = "Maaf, masukan Anda belum dapat disimpan saat ini. Silakan coba lagi nanti."


async def on_feedback(update: Update, context: Context) -> None:
    """Store a 👍/👎 tapped under an answer; after 👎 ask what was wrong."""
    query = update.callback_query
    chat = update.effective_chat
    if query is None or query.data is None or chat is None:
        return
    skip = _SKIP.match(query.data)
    if skip:
        user_data = context.user_data
        pending = user_data.get(PENDING_KEY) if user_data is not None else None
        # Only the user who was asked can skip, and only the question that is still open.
        if (
            user_data is None
            or not pending
            or str(pending.get("id")) != skip.group(1)
            or pending.get("chat") != chat.id
        ):
            await answer_tap(update, TEXT_INVALID)
            return
        await answer_tap(update)
        user_data.pop(PENDING_KEY, None)
        await edit_tapped_text(update, TEXT_SKIPPED)
        return
    sender = sender_id(chat, update.effective_user)
    vote = verify_vote(query.data, sender=sender, key=button_key(context.bot_data.settings))
    if vote is None:
        # Forged, altered, or tapped by someone the answer was not sent to (in a group): refuse, store nothing.
        user = update.effective_user
        logger.warning("Refused a feedback button from user %s: unknown token", user.id if user else None)
        await answer_tap(update, TEXT_INVALID)
        return
    sign, entry_id, version = "+" if vote.helpful else "-", vote.entry_id, vote.version
    try:
        feedback_id = await store.off_loop(
            store.admin(context).add_feedback,
            knowledge.FeedbackVote(
                sender_id=sender,
                entry_id=entry_id,
                entry_version=version,
                helpful=vote.helpful,
                answer_key=f"{entry_id}:{vote.nonce}",
            ),
        )
    except knowledge.AlreadyVoted:
        await answer_tap(update, TEXT_ALREADY_VOTED)
        await drop_keyboard(update)
        return
    except knowledge.KnowledgeUnavailable:
        logger.warning("Could not store feedback of %s", sender, exc_info=True)
        await answer_tap(update, TEXT_UNAVAILABLE)
        return
    logger.info("Feedback %s on %s v%d from %s", sign, entry_id, version, sender)
    await answer_tap(update, TEXT_THANKS)
    # One vote per answer: the buttons go away once used.
    await drop_keyboard(update)
    if sign == "+":
        reset_thumbs_down(context)
    if sign == "-":
        if context.user_data is not None:
            context.user_data[PENDING_KEY] = {
                "id": feedback_id,
                "chat": chat.id,
                "at": time.time(),
                "entry": entry_id,
                "version": version,
            }
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Lewati", callback_data=f"fb:skip:{feedback_id}")]])
        await context.bot.send_message(chat.id, TEXT_ASK_COMMENT, reply_markup=keyboard)
        await offer_after_thumbs_down(context, chat.id)


async def on_feedback_comment(update: Update, context: Context) -> bool:
    """Store the text message after a 👎 as its comment; return whether the message was consumed."""
    message = update.message
    chat = update.effective_chat
    user_data = context.user_data
    pending = user_data.get(PENDING_KEY) if user_data is not None else None
    if user_data is None or message is None or message.text is None or chat is None or not pending:
        return False
    if pending["chat"] != chat.id:  # a comment is taken only in the chat where it was asked for
        return False
    user_data.pop(PENDING_KEY, None)
    # Wall-clock time, not monotonic: the pending comment may outlive the process (persistence).
    if time.time() - pending["at"] > COMMENT_WINDOW_SECONDS:
        return False  # too late: this is a new question, not a comment
    try:
        await store.off_loop(store.admin(context).comment_feedback, pending["id"], message.text)
    except knowledge.KnowledgeUnavailable:
        logger.warning("Could not store a feedback comment", exc_info=True)
        await context.bot.send_message(chat.id, TEXT_UNAVAILABLE)
        return True
    await context.bot.send_message(chat.id, TEXT_COMMENT_SAVED)
    await _alert_ops(context, pending, message.text)
    return True


async def _alert_ops(context: Context, pending: dict[str, Any], comment: str) -> None:
    """Tell OPS_CHAT_ID about a 👎 with a comment (if set), so a bad answer is seen the same day."""
    ops_chat_id = context.bot_data.settings.ops_chat_id
    if ops_chat_id is None:
        return
    text = (
        f"👎 dengan komentar pada {pending.get('entry', '?')} v{pending.get('version', '?')}:\n"
        f"“{comment[:500]}”\nLihat semua: /kb_masukan (atau kb feedback)"
    )
    try:
        await context.bot.send_message(ops_chat_id, text)
    except TelegramError as exc:
        # The comment is stored; the alert is a convenience and must not trouble the user.
        logger.warning("Could not alert the ops chat about a 👎: %s", exc)


def register_feedback_handlers(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Register the feedback button and comment handlers (in group -3, before the bot's own handlers)."""
    application.add_handler(CallbackQueryHandler(stopping(on_feedback), pattern=FEEDBACK_PATTERN), HANDLER_GROUP)
    application.add_handler(
        MessageHandler(filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND, consuming(on_feedback_comment)),
        HANDLER_GROUP,
    )
