"""What the Telegram admin commands share: access control, replies, error reporting, texts and the help.

May import: `settings`, `telegram`, the bot's own `context` and `feedback` modules, and the public API of
`knowledge`. Database work blocks, so it runs in `asyncio.to_thread`. Anyone not in ADMIN_TELEGRAM_IDS who
tries an admin command or button gets a polite refusal, and the attempt is logged (WARNING, user id and
command). Changes are recorded with the actor `tg:<user id>`. Times are shown in WIB, as in the `kb` command.
"""

from __future__ import annotations

import asyncio
import functools
import html
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import ConversationHandler

import knowledge
from bot.context import Context
from bot.feedback import admin_for

logger = logging.getLogger("bot.admin")

HANDLER_GROUP = -1
MAX_MESSAGE = 4000  # Telegram's limit is 4096 characters; keep a margin for the part markers.
END = ConversationHandler.END
DRAFT_KEY = "kb_admin_draft"
# Every admin button's callback_data starts with this; a tap that no live conversation or action takes is
# stale (from before a restart, or a finished dialogue) and must never reach the assistant.
BUTTON_PREFIX = "adm:"

TEXT_REFUSED = (
    "Maaf, perintah ini hanya untuk pengelola basis pengetahuan. "
    "Silakan ajukan pertanyaan Anda seperti biasa, atau ketuk /menu."
)
TEXT_UNAVAILABLE = "Basis pengetahuan sedang tidak dapat diakses. Silakan coba lagi sebentar lagi."
TEXT_CANCELLED = "Dibatalkan; tidak ada yang diubah."
TEXT_EXPIRED = "Tombol ini sudah kedaluwarsa; ulangi perintahnya."
TEXT_CONFLICT = (
    "Entri ini sudah diubah orang lain sejak Anda mulai ({detail}). Tidak ada yang disimpan: "
    "lihat versi terbaru dengan /kb_lihat {id} lalu ulangi perubahan Anda."
)

# The /kb_admin help, as data (command with its arguments, what it does), so it is translated and aligned
# on purpose rather than parsed out of a docstring.
HELP_LINES: tuple[tuple[str, str], ...] = (
    ("/kb_admin", "daftar perintah ini"),
    ("/kb_cari <kata>", "cari entri"),
    ("/kb_lihat <id>", "lihat entri (dengan tombol aksi)"),
    ("/kb_tambah [grup]", "tambah entri langkah demi langkah"),
    ("/kb_ubah <id>", "ubah satu bagian entri, atau tambah/hapus satu frasa"),
    ("/kb_pensiun <id>", "pensiunkan entri (dengan konfirmasi)"),
    ("/kb_aktifkan <id>", "aktifkan lagi entri (dengan konfirmasi)"),
    ("/kb_riwayat <id>", "versi-versi entri"),
    ("/kb_pulihkan <id> <versi>", "pulihkan isi versi lama sebagai versi baru"),
    ("/kb_belum_terjawab [n]", "antrean tinjauan: belum terjawab, ragu, 👎"),
    ("/kb_frasa <grup> <id>", "jadikan pertanyaan grup frasa entri"),
    ("/kb_abaikan <grup> <alasan>", "abaikan grup untuk seterusnya"),
    ("/kb_masukan [hari]", "komentar 👎 terbaru"),
    ("/kb_audit [id]", "perubahan terbaru oleh siapa pun"),
    ("/kb_statistik [hari]", "statistik dan grafik"),
    ("/batal atau batal", "hentikan tambah/ubah entri"),
)

Handler = Callable[[Update, Context], Awaitable[Any]]


def help_html() -> str:
    """Return the admin help as HTML: a monospaced block, so the descriptions line up."""
    width = max(len(command) for command, _ in HELP_LINES)
    rows = "\n".join(f"{command:<{width}}  {what}" for command, what in HELP_LINES)
    return f"<b>Perintah pengelola basis pengetahuan</b>\n<pre>{html.escape(rows)}</pre>"


def when(moment: Any) -> str:
    """Format a timestamp in WIB, the same way the `kb` command does."""
    return knowledge.wib(moment)


# --------------------------------------------------------------------------------------------------------------
# Access


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
        if update.callback_query is not None:
            await answer(update)
        chat = update.effective_chat
        if chat is not None:
            await context.bot.send_message(chat.id, TEXT_REFUSED)
        return END

    return guarded


def actor(update: Update) -> str:
    """Return who is making a change, as recorded in the history and audit: `tg:<id> (@username)`."""
    user = update.effective_user
    if user is None:
        return "tg:unknown"
    return f"tg:{user.id}" + (f" (@{user.username})" if user.username else "")


# --------------------------------------------------------------------------------------------------------------
# Replies and work


async def reply(update: Update, context: Context, text: str, **kwargs: Any) -> None:
    """Send plain text to the update's chat, split to Telegram's message limit (keyboard on the last part)."""
    chat = update.effective_chat
    if chat is None:
        return
    parts = [text[i : i + MAX_MESSAGE] for i in range(0, len(text), MAX_MESSAGE)] or [""]
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        await context.bot.send_message(chat.id, part, **(kwargs if last else {}))


async def reply_html(update: Update, context: Context, text: str, **kwargs: Any) -> None:
    """Send one HTML message (the caller escapes user and entry text)."""
    chat = update.effective_chat
    if chat is not None:
        await context.bot.send_message(chat.id, text, parse_mode=ParseMode.HTML, **kwargs)


async def answer(update: Update, text: str | None = None) -> None:
    """Answer a button tap (first and always: until then the admin's app shows a spinner on the button)."""
    query = update.callback_query
    if query is None:
        return
    try:
        await query.answer(text)
    except TelegramError as exc:
        logger.debug("Could not answer callback query: %s", exc)


async def drop_keyboard(update: Update) -> None:
    """Remove the buttons from the message that was tapped, so a decision cannot be made twice."""
    query = update.callback_query
    if query is None or query.message is None:
        return
    try:
        await query.edit_message_reply_markup(reply_markup=None)
    except TelegramError as exc:
        logger.debug("Could not remove the buttons: %s", exc)


async def run(context: Context, method: str, *args: Any, **kwargs: Any) -> Any:
    """Call a `KnowledgeAdmin` method off the event loop."""
    return await asyncio.to_thread(getattr(admin_for(context), method), *args, **kwargs)


def reports_errors(handler: Handler) -> Handler:
    """Answer the knowledge base's errors with a short message (every problem listed for invalid content)."""

    @functools.wraps(handler)
    async def guarded(update: Update, context: Context) -> Any:
        try:
            return await handler(update, context)
        except knowledge.ContentError as exc:
            await reply(update, context, "Belum bisa disimpan:\n" + "\n".join(f"• {p}" for p in exc.problems))
        except knowledge.VersionConflict as exc:
            entry_id = (context.user_data or {}).get(DRAFT_KEY, {}).get("id") or (context.args or ["?"])[0]
            await reply(update, context, TEXT_CONFLICT.format(detail=exc, id=entry_id))
        except LookupError as exc:
            await reply(update, context, f"Tidak ditemukan: {exc.args[0] if exc.args else exc}")
        except knowledge.KnowledgeUnavailable:
            logger.warning("Knowledge base unavailable for an admin command", exc_info=True)
            await reply(update, context, TEXT_UNAVAILABLE)
        if context.user_data is not None:
            context.user_data.pop(DRAFT_KEY, None)
        return END

    return guarded


def args(context: Context) -> list[str]:
    """Return the command's arguments."""
    return list(context.args or [])


def target_id(update: Update, context: Context) -> str | None:
    """Return the entry id a command or an action button is about: the first argument, or the button's last part."""
    query = update.callback_query
    if query is not None and query.data:
        return query.data.rsplit(":", 1)[-1] or None
    found = args(context)
    return found[0] if found else None


def entry_text(entry: knowledge.Entry) -> str:
    """Return an entry as the admin reads it: id, version, status, topic, title, questions, the answer."""
    status = "aktif" if entry.status == "active" else "dipensiunkan"
    questions = "\n".join(f"  {n}. {q}" for n, q in enumerate(entry.questions, start=1))
    return (
        f"{entry.id} (versi {entry.version}, {status}, diubah {when(entry.updated_at)})\n"
        f"Topik: {knowledge.TOPICS.get(entry.topic, entry.topic)}\n"
        f"Judul: {entry.title}\n"
        f"Pertanyaan:\n{questions}\n\n"
        f"{entry.render()}"
    )
