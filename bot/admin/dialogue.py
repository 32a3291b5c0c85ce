"""What the guided admin dialogues (`guided_add`, `guided_edit`) share: the draft, prompts, keyboards, leaving.

May import what `bot.admin.common` may. Each dialogue ends with Simpan/Batal; "batal" (typed, with or without
the slash, or the Batal button) leaves it in any step. There is no JobQueue, so the dialogues have no timeout:
"batal", or starting again, leaves them. The conversations mix typed answers and buttons, so they are tracked
per user and chat, not per message.
"""

from __future__ import annotations

import warnings
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, ConversationHandler, MessageHandler, filters
from telegram.warnings import PTBUserWarning

import knowledge
from bot.admin.common import DRAFT_KEY, END, TEXT_CANCELLED, reply
from bot.context import Context
from bot.handling import answer_tap, stopping

PROMPTS = {
    "id": "Id entri baru? Huruf kecil dan angka dipisah '-', mis. kipp-syarat-umur (maks. 32 karakter).",
    "topic": "Topik? Pilih salah satu:",
    "title": "Judul entri?",
    "questions": "Pertanyaan yang dijawab entri ini? Satu pertanyaan per baris.",
    "answer": "Jawabannya? (tanpa baris 'Sumber:'; sumber ditanyakan berikutnya)",
    "sources": "Sumber? Satu per baris, dalam bentuk: Judul | https://alamat",
    "q_add": "Ketik satu frasa pertanyaan baru untuk entri ini.",
    "q_remove": "Frasa nomor berapa yang dihapus?",
}
# "batal", "Batal.", "/batal": typed during a dialogue, it leaves it (and is never saved as a value).
CANCEL_TEXT = filters.Regex(r"(?i)^\s*/?batal\s*[.!]*\s*$")
# A typed answer (not a command) in a dialogue step.
TYPED = filters.TEXT & ~filters.COMMAND


def draft(context: Context) -> dict[str, Any]:
    """Return the dialogue's draft in the admin's user data (created empty if missing)."""
    assert context.user_data is not None
    drafted: dict[str, Any] = context.user_data.setdefault(DRAFT_KEY, {})
    return drafted


def drop_draft(context: Context) -> None:
    """Forget the dialogue's draft."""
    if context.user_data is not None:
        context.user_data.pop(DRAFT_KEY, None)


def typed_text(update: Update) -> str:
    """Return what the admin typed, stripped (empty for a button tap)."""
    message = update.message
    return (message.text or "").strip() if message is not None else ""


def topic_keyboard() -> InlineKeyboardMarkup:
    """Return one button per topic, three to a row."""
    buttons = [InlineKeyboardButton(label, callback_data=f"adm:topic:{key}") for key, label in knowledge.TOPICS.items()]
    return InlineKeyboardMarkup([buttons[i : i + 3] for i in range(0, len(buttons), 3)])


async def ask_to_save(update: Update, context: Context, text: str) -> None:
    """Show what would be saved, with the Simpan/Batal buttons that end a dialogue."""
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("✅ Simpan", callback_data="adm:save"),
                InlineKeyboardButton("Batal", callback_data="adm:cancel"),
            ]
        ]
    )
    await reply(update, context, text, reply_markup=keyboard)


def problems_text(exc: knowledge.ContentError) -> str:
    """Return what is wrong with a draft, one problem per line."""
    return "\n".join(f"• {p.field}: {p.message}" for p in exc.problems)


async def confirmed(update: Update, context: Context) -> bool:
    """Answer the Simpan/Batal tap; on anything but Simpan drop the draft, say so, and return False."""
    await answer_tap(update)
    query = update.callback_query
    if query is not None and query.data == "adm:save":
        return True
    drop_draft(context)
    await reply(update, context, TEXT_CANCELLED)
    return False


async def cancel_command(update: Update, context: Context) -> int:
    """Leave a guided add or edit on /batal."""
    drop_draft(context)
    await answer_tap(update)
    await reply(update, context, TEXT_CANCELLED)
    return END


def conversation(
    name: str, entry_points: list[BaseHandler[Any, Any, Any]], states: dict[int, list[Any]], *, persistent: bool
) -> ConversationHandler[Any]:
    """Return a dialogue: typed "batal" comes first in every step, /batal and the Batal button leave it anywhere.

    With `persistent`, its states are kept by the application's persistence (a restart loses no draft).
    """
    cancel_typed: MessageHandler[Context, object] = MessageHandler(filters.TEXT & CANCEL_TEXT, stopping(cancel_command))
    # PTB warns about mixing typed answers and buttons in a conversation tracked per user and chat, which
    # is exactly what a dialogue does.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*per_message=False", category=PTBUserWarning)
        return ConversationHandler(
            entry_points=entry_points,
            # Typed "batal" comes first in every state, so it is never taken as a title, an answer or an id.
            states={state: [cancel_typed, *handlers] for state, handlers in states.items()},
            fallbacks=[
                CommandHandler("batal", stopping(cancel_command)),
                CallbackQueryHandler(stopping(cancel_command), pattern="^adm:cancel$"),
            ],
            allow_reentry=True,
            name=name,
            persistent=persistent,
        )
