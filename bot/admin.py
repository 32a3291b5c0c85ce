"""Telegram admin commands for the knowledge base, for the users listed in ADMIN_TELEGRAM_IDS.

May import: `settings`, `telegram`, the bot's own `handlers` and `feedback` modules, and the public API of
`knowledge` (never its models or database modules). Database work blocks, so it runs in
`asyncio.to_thread`. Anyone else who tries an admin command gets a polite refusal, and the attempt is logged
(WARNING, user id and command). Changes are recorded with the actor `tg:<user id>`.

Commands (arguments after the command):
    /kb_admin                      this list
    /kb_cari <kata>                search entries
    /kb_lihat <id>                 show an entry
    /kb_tambah [grup]              add an entry step by step (optionally answering an unanswered group)
    /kb_ubah <id>                  change one field of an entry step by step
    /kb_pensiun <id>               retire an entry;  /kb_aktifkan <id> uses it again
    /kb_riwayat <id>               versions of an entry
    /kb_pulihkan <id> <versi>      bring back the content of a version (as a new version)
    /kb_belum_terjawab [n]         the most frequent unanswered questions, grouped
    /kb_frasa <grup> <id>          add an unanswered group's question to an entry as a new phrasing
    /kb_statistik [hari]           statistics as numbers and a chart
    /batal                         leave a guided add or edit

There is no JobQueue, so guided conversations have no timeout: /batal, or starting again, leaves them.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import warnings
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

import knowledge
from bot.context import Context
from bot.feedback import admin_for

logger = logging.getLogger(__name__)

HANDLER_GROUP = -1
MAX_MESSAGE = 4000  # Telegram's limit is 4096 characters; keep a margin for the part markers.
END = ConversationHandler.END
# Guided add: one state per field, then a confirmation.
ADD_ID, ADD_TOPIC, ADD_TITLE, ADD_QUESTIONS, ADD_ANSWER, ADD_SOURCES, ADD_CONFIRM = range(7)
# Guided edit: choose a field, type its value, confirm.
EDIT_FIELD, EDIT_VALUE, EDIT_CONFIRM = range(10, 13)
DRAFT_KEY = "kb_admin_draft"

TEXT_REFUSED = (
    "Maaf, perintah ini hanya untuk pengelola basis pengetahuan. "
    "Silakan ajukan pertanyaan Anda seperti biasa, atau ketuk /menu."
)
TEXT_UNAVAILABLE = "Basis pengetahuan sedang tidak dapat diakses. Silakan coba lagi sebentar lagi."
TEXT_CANCELLED = "Dibatalkan; tidak ada yang diubah."
TEXT_CONFLICT = (
    "Entri ini sudah diubah orang lain sejak Anda mulai ({detail}). Tidak ada yang disimpan: "
    "lihat versi terbaru dengan /kb_lihat {id} lalu ulangi perubahan Anda."
)
HELP = __doc__.split("Commands (arguments after the command):\n", 1)[1].split("\n\n", 1)[0]
FIELDS = {
    "title": "Judul",
    "questions": "Pertanyaan",
    "answer": "Jawaban",
    "sources": "Sumber",
    "topic": "Topik",
}
PROMPTS = {
    "id": "Id entri baru? Huruf kecil dan angka dipisah '-', mis. kipp-syarat-umur (maks. 32 karakter).",
    "topic": "Topik? Pilih salah satu:",
    "title": "Judul entri?",
    "questions": "Pertanyaan yang dijawab entri ini? Satu pertanyaan per baris.",
    "answer": "Jawabannya? (tanpa baris 'Sumber:'; sumber ditanyakan berikutnya)",
    "sources": "Sumber? Satu per baris, dalam bentuk: Judul | https://alamat",
}

Handler = Callable[[Update, Context], Awaitable[Any]]


# --------------------------------------------------------------------------------------------------------------
# Access and helpers


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
            await _answer(update)
        chat = update.effective_chat
        if chat is not None:
            await context.bot.send_message(chat.id, TEXT_REFUSED)
        return END

    return guarded


def _actor(update: Update) -> str:
    user = update.effective_user
    if user is None:
        return "tg:unknown"
    return f"tg:{user.id}" + (f" (@{user.username})" if user.username else "")


async def _reply(update: Update, context: Context, text: str, **kwargs: Any) -> None:
    """Send plain text to the update's chat, split to Telegram's message limit."""
    chat = update.effective_chat
    if chat is None:
        return
    parts = [text[i : i + MAX_MESSAGE] for i in range(0, len(text), MAX_MESSAGE)] or [""]
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        await context.bot.send_message(chat.id, part, **(kwargs if last else {}))


async def _answer(update: Update) -> None:
    query = update.callback_query
    if query is None:
        return
    # Answer first and always: until then the admin's app shows a loading spinner on the button.
    try:
        await query.answer()
    except TelegramError as exc:
        logger.debug("Could not answer callback query: %s", exc)


async def _run(context: Context, method: str, *args: Any, **kwargs: Any) -> Any:
    """Call a `KnowledgeAdmin` method off the event loop."""
    return await asyncio.to_thread(getattr(admin_for(context), method), *args, **kwargs)


def reports_errors(handler: Handler) -> Handler:
    """Answer the knowledge base's errors with a short message (every problem listed for invalid content)."""

    @functools.wraps(handler)
    async def run(update: Update, context: Context) -> Any:
        try:
            return await handler(update, context)
        except knowledge.ContentError as exc:
            await _reply(update, context, "Belum bisa disimpan:\n" + "\n".join(f"• {p}" for p in exc.problems))
        except knowledge.VersionConflict as exc:
            entry_id = (context.user_data or {}).get(DRAFT_KEY, {}).get("id") or (context.args or ["?"])[0]
            await _reply(update, context, TEXT_CONFLICT.format(detail=exc, id=entry_id))
        except LookupError as exc:
            await _reply(update, context, f"Tidak ditemukan: {exc.args[0] if exc.args else exc}")
        except knowledge.KnowledgeUnavailable:
            logger.warning("Knowledge base unavailable for an admin command", exc_info=True)
            await _reply(update, context, TEXT_UNAVAILABLE)
        if context.user_data is not None:
            context.user_data.pop(DRAFT_KEY, None)
        return END

    return run


def _entry_text(entry: knowledge.Entry) -> str:
    status = "aktif" if entry.status == "active" else "dipensiunkan"
    questions = "\n".join(f"  - {q}" for q in entry.questions)
    return (
        f"{entry.id} (versi {entry.version}, {status})\n"
        f"Topik: {knowledge.TOPICS.get(entry.topic, entry.topic)}\n"
        f"Judul: {entry.title}\n"
        f"Pertanyaan:\n{questions}\n\n"
        f"{entry.render()}"
    )


def _args(context: Context) -> list[str]:
    return list(context.args or [])


# --------------------------------------------------------------------------------------------------------------
# One-step commands


@admin_only
async def kb_admin_command(update: Update, context: Context) -> None:
    """List the admin commands on /kb_admin."""
    await _reply(update, context, "Perintah pengelola basis pengetahuan:\n" + HELP)


@admin_only
@reports_errors
async def kb_cari_command(update: Update, context: Context) -> None:
    """Search entries on /kb_cari <words>."""
    words = " ".join(_args(context)).strip()
    if not words:
        await _reply(update, context, "Gunakan: /kb_cari <kata kunci>")
        return
    found: list[knowledge.Entry] = await _run(context, "search", words, limit=15)
    if not found:
        await _reply(update, context, f"Tidak ada entri yang memuat “{words}”.")
        return
    lines = [f"• {e.id} (v{e.version}{', pensiun' if e.status != 'active' else ''}): {e.title}" for e in found]
    await _reply(update, context, f"{len(found)} entri:\n" + "\n".join(lines) + "\n\nLihat: /kb_lihat <id>")


@admin_only
@reports_errors
async def kb_lihat_command(update: Update, context: Context) -> None:
    """Show an entry on /kb_lihat <id>."""
    args = _args(context)
    if not args:
        await _reply(update, context, "Gunakan: /kb_lihat <id>")
        return
    entry: knowledge.Entry = await _run(context, "require", args[0])
    await _reply(update, context, _entry_text(entry))


@admin_only
@reports_errors
async def kb_pensiun_command(update: Update, context: Context) -> None:
    """Retire an entry on /kb_pensiun <id>."""
    args = _args(context)
    if not args:
        await _reply(update, context, "Gunakan: /kb_pensiun <id>")
        return
    entry: knowledge.Entry = await _run(context, "retire", args[0], actor=_actor(update))
    logger.info("Entry %s retired by %s", entry.id, _actor(update))
    await _reply(
        update, context, f"{entry.id} dipensiunkan (versi {entry.version}). Aktifkan lagi: /kb_aktifkan {entry.id}"
    )


@admin_only
@reports_errors
async def kb_aktifkan_command(update: Update, context: Context) -> None:
    """Use a retired entry again on /kb_aktifkan <id>."""
    args = _args(context)
    if not args:
        await _reply(update, context, "Gunakan: /kb_aktifkan <id>")
        return
    entry: knowledge.Entry = await _run(context, "restore", args[0], actor=_actor(update))
    await _reply(update, context, f"{entry.id} aktif kembali (versi {entry.version}).")


@admin_only
@reports_errors
async def kb_riwayat_command(update: Update, context: Context) -> None:
    """List the versions of an entry on /kb_riwayat <id>."""
    args = _args(context)
    if not args:
        await _reply(update, context, "Gunakan: /kb_riwayat <id>")
        return
    versions: list[knowledge.EntryVersionInfo] = await _run(context, "history", args[0])
    lines = [
        f"v{v.version} · {v.changed_at:%Y-%m-%d %H:%M} UTC · {v.changed_by} · {v.action}"
        + (" · pensiun" if v.status != "active" else "")
        for v in versions
    ]
    await _reply(
        update, context, f"Riwayat {args[0]}:\n" + "\n".join(lines) + "\n\nPulihkan: /kb_pulihkan <id> <versi>"
    )


@admin_only
@reports_errors
async def kb_pulihkan_command(update: Update, context: Context) -> None:
    """Bring back the content of a version on /kb_pulihkan <id> <version>."""
    args = _args(context)
    if len(args) != 2 or not args[1].isdigit():
        await _reply(update, context, "Gunakan: /kb_pulihkan <id> <versi>, mis. /kb_pulihkan kipp-apa 2")
        return
    entry, changed = await _run(context, "revert", args[0], int(args[1]), actor=_actor(update))
    if not changed:
        await _reply(update, context, f"{entry.id} sudah berisi versi {args[1]}; tidak ada yang diubah.")
        return
    note = f" Entri ini dipensiunkan; aktifkan dengan /kb_aktifkan {entry.id}." if entry.status != "active" else ""
    await _reply(
        update, context, f"Isi versi {args[1]} dipulihkan sebagai versi {entry.version} dari {entry.id}.{note}"
    )


@admin_only
@reports_errors
async def kb_belum_terjawab_command(update: Update, context: Context) -> None:
    """List the most frequent unanswered questions on /kb_belum_terjawab [n]."""
    args = _args(context)
    limit = int(args[0]) if args and args[0].isdigit() else 10
    groups: list[knowledge.UnansweredGroup] = await _run(context, "unanswered", limit=min(limit, 30))
    if not groups:
        await _reply(update, context, "Tidak ada pertanyaan yang belum terjawab. 🎉")
        return
    lines = []
    for g in groups:
        lines.append(f"[{g.group_id}] {g.count}× “{g.example}”")
        lines.extend(f"      juga: “{t}”" for t in g.texts[1:3])
    await _reply(
        update,
        context,
        "Pertanyaan belum terjawab (terbanyak dulu):\n"
        + "\n".join(lines)
        + "\n\nJadikan frasa entri: /kb_frasa <grup> <id_entri>\nJadikan entri baru: /kb_tambah <grup>",
    )


@admin_only
@reports_errors
async def kb_frasa_command(update: Update, context: Context) -> None:
    """Add an unanswered group's question to an entry on /kb_frasa <group> <entry_id>."""
    args = _args(context)
    if len(args) != 2:
        await _reply(update, context, "Gunakan: /kb_frasa <grup> <id_entri> (grup dari /kb_belum_terjawab)")
        return
    entry, changed = await _run(context, "promote_to_phrasing", args[0], args[1], actor=_actor(update))
    state = f"disimpan sebagai versi {entry.version}" if changed else "sudah memuat frasa itu"
    await _reply(update, context, f"{entry.id} {state}; grup {args[0]} selesai.")


@admin_only
@reports_errors
async def kb_statistik_command(update: Update, context: Context) -> None:
    """Send the statistics as text and a PNG chart on /kb_statistik [days]."""
    args = _args(context)
    days = int(args[0]) if args and args[0].isdigit() else 30
    stats: knowledge.Stats = await _run(context, "stats", days=min(max(days, 1), 366))
    png = await asyncio.to_thread(knowledge.stats_chart_png, stats)
    await _reply(update, context, knowledge.stats_text(stats))
    chat = update.effective_chat
    if chat is not None:
        await context.bot.send_photo(chat.id, photo=png, caption=f"Statistik {days} hari terakhir")


# --------------------------------------------------------------------------------------------------------------
# Guided add: /kb_tambah


def _draft(context: Context) -> dict[str, Any]:
    assert context.user_data is not None
    return context.user_data.setdefault(DRAFT_KEY, {})


def _topic_keyboard() -> InlineKeyboardMarkup:
    buttons = [InlineKeyboardButton(label, callback_data=f"adm:topic:{key}") for key, label in knowledge.TOPICS.items()]
    return InlineKeyboardMarkup([buttons[i : i + 3] for i in range(0, len(buttons), 3)])


def _confirm_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("✅ Simpan", callback_data="adm:save"),
                InlineKeyboardButton("Batal", callback_data="adm:cancel"),
            ]
        ]
    )


def _text(update: Update) -> str:
    message = update.message
    return (message.text or "").strip() if message is not None else ""


@admin_only
@reports_errors
async def kb_tambah_command(update: Update, context: Context) -> int:
    """Start adding an entry step by step on /kb_tambah [group]."""
    assert context.user_data is not None
    context.user_data[DRAFT_KEY] = {"mode": "add"}
    args = _args(context)
    intro = "Menambah entri baru (ketik /batal untuk berhenti)."
    if args:
        group: knowledge.UnansweredGroup = await _run(context, "group", args[0])
        _draft(context).update(group=group.group_id, questions=[group.example])
        intro += f"\nEntri ini akan menjawab grup [{group.group_id}]: “{group.example}”."
    await _reply(update, context, f"{intro}\n\n{PROMPTS['id']}")
    return ADD_ID


@reports_errors
async def add_id(update: Update, context: Context) -> int:
    """Take the new entry's id."""
    entry_id = _text(update).lower()
    if not knowledge.valid_entry_id(entry_id):
        await _reply(update, context, f"Id itu tidak valid. {PROMPTS['id']}")
        return ADD_ID
    if await _run(context, "get", entry_id) is not None:
        await _reply(
            update,
            context,
            f"Id {entry_id} sudah dipakai. Ubah entri itu dengan /kb_ubah {entry_id}, atau kirim id lain.",
        )
        return ADD_ID
    _draft(context)["id"] = entry_id
    await _reply(update, context, PROMPTS["topic"], reply_markup=_topic_keyboard())
    return ADD_TOPIC


async def add_topic(update: Update, context: Context) -> int:
    """Take the topic, from a button or typed."""
    query = update.callback_query
    if query is not None:
        await _answer(update)
        topic = (query.data or "").removeprefix("adm:topic:")
    else:
        topic = _text(update).lower()
    if topic not in knowledge.TOPICS:
        await _reply(update, context, PROMPTS["topic"], reply_markup=_topic_keyboard())
        return ADD_TOPIC
    _draft(context)["topic"] = topic
    await _reply(update, context, PROMPTS["title"])
    return ADD_TITLE


def _collector(field: str, next_state: int, next_field: str | None) -> Handler:
    async def collect(update: Update, context: Context) -> int:
        text = _text(update)
        if not text:
            await _reply(update, context, PROMPTS[field])
            return next_state - 1
        draft = _draft(context)
        if field == "questions":
            draft["questions"] = [
                *draft.get("questions", []),
                *(line.strip() for line in text.splitlines() if line.strip()),
            ]
        else:
            draft[field] = text
        if next_field is not None:
            await _reply(update, context, PROMPTS[next_field])
            return next_state
        return await _preview(update, context)

    collect.__doc__ = f"Take the {field} of the new entry."
    return collect


add_title = _collector("title", ADD_QUESTIONS, "questions")
add_questions = _collector("questions", ADD_ANSWER, "answer")
add_answer = _collector("answer", ADD_SOURCES, "sources")
add_sources = _collector("sources", ADD_CONFIRM, None)


def _record(draft: dict[str, Any]) -> dict[str, Any]:
    return {key: draft[key] for key in ("id", "topic", "title", "questions", "answer", "sources") if key in draft}


async def _preview(update: Update, context: Context) -> int:
    """Validate the draft and show it with Save/Cancel buttons."""
    draft = _draft(context)
    try:
        data = knowledge.entry_from_record(_record(draft), name="telegram")
    except knowledge.ContentError as exc:
        problems = "\n".join(f"• {p.field}: {p.message}" for p in exc.problems)
        await _reply(update, context, f"Ada yang perlu diperbaiki; mulai lagi dengan /kb_tambah.\n{problems}")
        context.user_data.pop(DRAFT_KEY, None)  # type: ignore[union-attr]
        return END
    sources = "\n".join(f"  - {s.cite()}" for s in data.sources)
    questions = "\n".join(f"  - {q}" for q in data.questions)
    await _reply(
        update,
        context,
        f"Periksa entri baru:\n{data.id} · {knowledge.TOPICS[data.topic]}\nJudul: {data.title}\n"
        f"Pertanyaan:\n{questions}\nJawaban:\n{data.answer}\nSumber:\n{sources}",
        reply_markup=_confirm_keyboard(),
    )
    return ADD_CONFIRM


@reports_errors
async def add_confirm(update: Update, context: Context) -> int:
    """Save or drop the new entry."""
    await _answer(update)
    query = update.callback_query
    draft = _draft(context)
    context.user_data.pop(DRAFT_KEY, None)  # type: ignore[union-attr]
    if query is None or query.data != "adm:save":
        await _reply(update, context, TEXT_CANCELLED)
        return END
    data = knowledge.entry_from_record(_record(draft), name="telegram")
    if draft.get("group"):
        entry = await _run(context, "promote_to_entry", draft["group"], data, actor=_actor(update))
    else:
        entry = await _run(context, "create", data, actor=_actor(update))
    logger.info("Entry %s created by %s", entry.id, _actor(update))
    await _reply(
        update, context, f"Tersimpan: {entry.id} versi {entry.version}. Asisten memakainya dalam beberapa detik."
    )
    return END


# --------------------------------------------------------------------------------------------------------------
# Guided edit: /kb_ubah


def _field_keyboard() -> InlineKeyboardMarkup:
    buttons = [InlineKeyboardButton(label, callback_data=f"adm:field:{key}") for key, label in FIELDS.items()]
    return InlineKeyboardMarkup([buttons[:3], buttons[3:], [InlineKeyboardButton("Batal", callback_data="adm:cancel")]])


@admin_only
@reports_errors
async def kb_ubah_command(update: Update, context: Context) -> int:
    """Start changing an entry on /kb_ubah <id>."""
    args = _args(context)
    if not args:
        await _reply(update, context, "Gunakan: /kb_ubah <id>")
        return END
    entry: knowledge.Entry = await _run(context, "require", args[0])
    assert context.user_data is not None
    # The version the edit is based on: saving is refused if someone else changes the entry meanwhile.
    context.user_data[DRAFT_KEY] = {"mode": "edit", "id": entry.id, "version": entry.version, "entry": entry}
    await _reply(update, context, _entry_text(entry) + "\n\nBagian mana yang diubah?", reply_markup=_field_keyboard())
    return EDIT_FIELD


async def edit_field(update: Update, context: Context) -> int:
    """Take the field to change."""
    await _answer(update)
    data = update.callback_query.data if update.callback_query is not None else None
    field = (data or "").removeprefix("adm:field:")
    if data == "adm:cancel" or field not in FIELDS:
        context.user_data.pop(DRAFT_KEY, None)  # type: ignore[union-attr]
        await _reply(update, context, TEXT_CANCELLED)
        return END
    _draft(context)["field"] = field
    if field == "topic":
        await _reply(update, context, PROMPTS["topic"], reply_markup=_topic_keyboard())
    else:
        await _reply(update, context, f"{PROMPTS[field]}\n(Isi baru menggantikan yang lama.)")
    return EDIT_VALUE


@reports_errors
async def edit_value(update: Update, context: Context) -> int:
    """Take the new value and show the changed entry with Save/Cancel buttons."""
    draft = _draft(context)
    entry: knowledge.Entry = draft["entry"]
    field = draft["field"]
    if update.callback_query is not None:
        await _answer(update)
        value: Any = (update.callback_query.data or "").removeprefix("adm:topic:")
    else:
        value = _text(update)
    if field == "questions":
        value = [line.strip() for line in str(value).splitlines() if line.strip()]
    record = {
        "id": entry.id,
        "topic": entry.topic,
        "title": entry.title,
        "questions": list(entry.questions),
        "answer": entry.answer,
        "sources": [{"title": s.title, **({"url": s.url} if s.url else {})} for s in entry.sources],
        **({"answer_en": entry.answer_en} if entry.answer_en else {}),
        **({"facts": list(entry.facts)} if entry.facts else {}),
        field: value,
    }
    try:
        data = knowledge.entry_from_record(record, name="telegram")
    except knowledge.ContentError as exc:
        problems = "\n".join(f"• {p.field}: {p.message}" for p in exc.problems)
        await _reply(update, context, f"Belum valid:\n{problems}\nKirim lagi, atau /batal.")
        return EDIT_VALUE
    draft["data"] = data
    await _reply(
        update,
        context,
        f"{FIELDS[field]} baru untuk {entry.id}:\n{value if not isinstance(value, list) else chr(10).join(value)}",
        reply_markup=_confirm_keyboard(),
    )
    return EDIT_CONFIRM


@reports_errors
async def edit_confirm(update: Update, context: Context) -> int:
    """Save or drop the change, refusing it if the entry changed since /kb_ubah."""
    await _answer(update)
    draft = _draft(context)
    query = update.callback_query
    if query is None or query.data != "adm:save":
        context.user_data.pop(DRAFT_KEY, None)  # type: ignore[union-attr]
        await _reply(update, context, TEXT_CANCELLED)
        return END
    entry, changed = await _run(context, "save", draft["data"], actor=_actor(update), expected_version=draft["version"])
    context.user_data.pop(DRAFT_KEY, None)  # type: ignore[union-attr]
    await _reply(
        update, context, f"Tersimpan: {entry.id} versi {entry.version}." if changed else "Tidak ada perubahan."
    )
    return END


async def cancel_command(update: Update, context: Context) -> int:
    """Leave a guided add or edit on /batal."""
    if context.user_data is not None:
        context.user_data.pop(DRAFT_KEY, None)
    await _answer(update)
    await _reply(update, context, TEXT_CANCELLED)
    return END


# --------------------------------------------------------------------------------------------------------------
# Registration

ONE_STEP_COMMANDS: dict[str, Handler] = {
    "kb_admin": kb_admin_command,
    "kb_cari": kb_cari_command,
    "kb_lihat": kb_lihat_command,
    "kb_pensiun": kb_pensiun_command,
    "kb_aktifkan": kb_aktifkan_command,
    "kb_riwayat": kb_riwayat_command,
    "kb_pulihkan": kb_pulihkan_command,
    "kb_belum_terjawab": kb_belum_terjawab_command,
    "kb_frasa": kb_frasa_command,
    "kb_statistik": kb_statistik_command,
}
GUIDED_COMMANDS: dict[str, Handler] = {"kb_tambah": kb_tambah_command, "kb_ubah": kb_ubah_command}


def _stopping(callback: Handler) -> Handler:
    """Run `callback`, then stop the update: the bot's own handlers (group 0) must not see it too.

    Inside a ConversationHandler, `ApplicationHandlerStop(state)` sets the next state and stops the update.
    """

    @functools.wraps(callback)
    async def run(update: Update, context: Context) -> None:
        raise ApplicationHandlerStop(await callback(update, context))

    return run


def build_conversations() -> list[ConversationHandler[Any]]:
    """Return the guided add and edit conversations (per user and chat; /batal leaves them)."""
    # The conversations mix typed answers and buttons, so they are tracked per user and chat, not per message;
    # PTB warns about exactly that combination.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*per_message=False", category=PTBUserWarning)
        return _conversations()


def _conversations() -> list[ConversationHandler[Any]]:
    text = filters.TEXT & ~filters.COMMAND
    cancel = [
        CommandHandler("batal", _stopping(cancel_command)),
        CallbackQueryHandler(_stopping(cancel_command), pattern="^adm:cancel$"),
    ]
    add = ConversationHandler(
        entry_points=[CommandHandler("kb_tambah", _stopping(kb_tambah_command))],
        states={
            ADD_ID: [MessageHandler(text, _stopping(add_id))],
            ADD_TOPIC: [
                CallbackQueryHandler(_stopping(add_topic), pattern="^adm:topic:"),
                MessageHandler(text, _stopping(add_topic)),
            ],
            ADD_TITLE: [MessageHandler(text, _stopping(add_title))],
            ADD_QUESTIONS: [MessageHandler(text, _stopping(add_questions))],
            ADD_ANSWER: [MessageHandler(text, _stopping(add_answer))],
            ADD_SOURCES: [MessageHandler(text, _stopping(add_sources))],
            ADD_CONFIRM: [CallbackQueryHandler(_stopping(add_confirm), pattern="^adm:(save|cancel)$")],
        },
        fallbacks=cancel,
        allow_reentry=True,
        name="kb_tambah",
    )
    edit = ConversationHandler(
        entry_points=[CommandHandler("kb_ubah", _stopping(kb_ubah_command))],
        states={
            EDIT_FIELD: [CallbackQueryHandler(_stopping(edit_field), pattern="^adm:(field:|cancel$)")],
            EDIT_VALUE: [
                CallbackQueryHandler(_stopping(edit_value), pattern="^adm:topic:"),
                MessageHandler(text, _stopping(edit_value)),
            ],
            EDIT_CONFIRM: [CallbackQueryHandler(_stopping(edit_confirm), pattern="^adm:(save|cancel)$")],
        },
        fallbacks=cancel,
        allow_reentry=True,
        name="kb_ubah",
    )
    return [add, edit]


def register_admin_handlers(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Register the admin commands in handler group -1, before the bot's own handlers (group 0)."""
    for conversation in build_conversations():
        application.add_handler(conversation, HANDLER_GROUP)
    for name, callback in ONE_STEP_COMMANDS.items():
        application.add_handler(CommandHandler(name, _stopping(callback)), HANDLER_GROUP)
