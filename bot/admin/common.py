"""What the Telegram admin commands share: replies, database calls, error reporting, arguments and texts.

May import: `settings`, `telegram`, the bot's own `context`, `handling` and `store`, the admin's `access`, and
the public API of `knowledge`. Database work blocks, so it runs off the event loop (`run`, through
`bot.store`). Times are shown in WIB, as in the `kb` command.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import ConversationHandler

import knowledge
from bot import store
from bot.admin.access import Handler
from bot.context import Context
from bot.handling import answer_tap

logger = logging.getLogger("bot.admin")

HANDLER_GROUP = -1
MAX_MESSAGE = 4000  # Telegram's limit is 4096 characters; keep a margin for the part markers.
END = ConversationHandler.END
DRAFT_KEY = "kb_admin_draft"
# Every admin button's callback_data starts with this; a tap that no live conversation or action takes is
# stale (from before a restart, or a finished dialogue) and must never reach the assistant.
BUTTON_PREFIX = "adm:"

TEXT_UNAVAILABLE = "Basis pengetahuan sedang tidak dapat diakses. Silakan coba lagi sebentar lagi."
TEXT_CANCELLED = "Dibatalkan; tidak ada yang diubah."
TEXT_EXPIRED = "Tombol ini sudah kedaluwarsa; ulangi perintahnya."
TEXT_CONFLICT = (
    "Entri ini sudah diubah orang lain sejak Anda mulai ({detail}). Tidak ada yang disimpan: "
    "lihat versi terbaru dengan /kb_lihat {id} lalu ulangi perubahan Anda."
)


def when(moment: Any) -> str:
    """Format a timestamp in WIB, the same way the `kb` command does."""
    return knowledge.wib(moment)


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


async def run(context: Context, method: str, *args: Any, **kwargs: Any) -> Any:
    """Call a `KnowledgeAdmin` method off the event loop."""
    return await store.off_loop(getattr(store.admin(context), method), *args, **kwargs)


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


def number_arg(context: Context, default: int) -> int:
    """Return the command's first argument as a number (days, how many), or `default` if it is not one."""
    given = args(context)
    return int(given[0]) if given and given[0].isdigit() else default


def target_id(update: Update, context: Context) -> str | None:
    """Return the entry id a command or an action button is about: the first argument, or the button's last part."""
    query = update.callback_query
    if query is not None and query.data:
        return query.data.rsplit(":", 1)[-1] or None
    found = args(context)
    return found[0] if found else None


async def required_target(update: Update, context: Context, usage: str) -> str | None:
    """Answer the tap (if a button), and return the entry id the update is about; without one, reply `usage`."""
    await answer_tap(update)
    entry_id = target_id(update, context)
    if not entry_id:
        await reply(update, context, f"Gunakan: {usage}")
    return entry_id


async def required_entry(update: Update, context: Context, usage: str) -> knowledge.Entry | None:
    """Return the entry the update is about (see `required_target`), or None after replying `usage`."""
    entry_id = await required_target(update, context, usage)
    if not entry_id:
        return None
    entry: knowledge.Entry = await run(context, "require", entry_id)
    return entry


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
