"""/hapus_data: anyone can delete their logged questions, feedback and conversations with the assistant.

May import: `settings`, `telegram`, the bot's own `context`, `handling` and `store`, and the public API of
`knowledge` (reached through `bot.store`).
A confirmation button comes first; the button carries the requester's user id, so in a group nobody can
confirm for someone else. Conversations are found by the ids the bot gives them (see `bot.handlers`):
`tg-<chat_id>` for a private chat (whose id is the user's id) and `tg-<chat_id>-<user_id>` for each group.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

import knowledge
from bot import store
from bot.context import Context
from bot.handling import answer_tap, edit_tapped_text, stopping

logger = logging.getLogger(__name__)

HANDLER_GROUP = -2
_BUTTON = re.compile(r"^priv:(yes|no):(\d{1,20})$")

TEXT_CONFIRM = (
    "Anda akan menghapus semua data Anda di asisten ini: pertanyaan yang tercatat, umpan balik, dan riwayat "
    "percakapan. Tindakan ini tidak dapat dibatalkan. Lanjutkan?"
)
TEXT_DONE = (
    "Data Anda sudah dihapus: {questions} pertanyaan, {feedback} umpan balik, dan {events} catatan percakapan. "
    "Percakapan berikutnya dimulai dari awal."
)
TEXT_KEPT = "Baik, data Anda tidak dihapus."
TEXT_NOT_YOURS = "Tombol ini untuk pengguna lain. Ketik /hapus_data untuk menghapus data Anda sendiri."
TEXT_UNAVAILABLE = "Maaf, data belum dapat dihapus saat ini. Silakan coba lagi nanti."


def selector_for(user_id: int) -> knowledge.SenderSelector:
    """Return the conversation ids of one Telegram user: their private chat and their part of every group."""
    return knowledge.SenderSelector(
        like=(f"tg-{user_id}", f"tg-%-{user_id}"),
        regex=rf"tg-{user_id}|tg-(-?\d+)-{user_id}",
    )


async def hapus_data_command(update: Update, context: Context) -> None:
    """Ask for confirmation before deleting the user's data on /hapus_data."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Ya, hapus data saya", callback_data=f"priv:yes:{user.id}"),
                InlineKeyboardButton("Batal", callback_data=f"priv:no:{user.id}"),
            ]
        ]
    )
    await context.bot.send_message(chat.id, TEXT_CONFIRM, reply_markup=keyboard)


async def on_privacy_button(update: Update, context: Context) -> None:
    """Delete the user's data after "Ya, hapus data saya", or keep it after "Batal"."""
    query, chat, user = update.callback_query, update.effective_chat, update.effective_user
    if query is None or chat is None or user is None:
        return
    match = _BUTTON.match(query.data or "")
    if match is None or int(match.group(2)) != user.id:
        await answer_tap(update, TEXT_NOT_YOURS)
        return
    await answer_tap(update)
    if match.group(1) == "no":
        await edit_tapped_text(update, TEXT_KEPT)
        return
    try:
        report = await store.off_loop(store.admin(context).delete_person, selector_for(user.id))
    except knowledge.KnowledgeUnavailable:
        logger.warning("Could not delete the data of user %s", user.id, exc_info=True)
        await context.bot.send_message(chat.id, TEXT_UNAVAILABLE)
        return
    if context.user_data is not None:
        # Everything the bot keeps about the user (a pending comment, a 👎 streak, drafts) goes too; the
        # persisted copy follows, as an empty user_data is deleted from the database.
        context.user_data.clear()
    logger.info(
        "Deleted the data of user %s: %d questions, %d feedback, %d events",
        user.id,
        report.questions,
        report.feedback,
        report.conversation_events,
    )
    await edit_tapped_text(
        update,
        TEXT_DONE.format(questions=report.questions, feedback=report.feedback, events=report.conversation_events),
    )


def register_privacy_handlers(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Register /hapus_data and its confirmation buttons in handler group -2 (before the bot's own)."""
    application.add_handler(CommandHandler("hapus_data", stopping(hapus_data_command)), HANDLER_GROUP)
    application.add_handler(CallbackQueryHandler(stopping(on_privacy_button), pattern=r"^priv:"), HANDLER_GROUP)
