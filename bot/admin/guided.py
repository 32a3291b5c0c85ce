"""Guided admin dialogues: /kb_tambah (add an entry field by field) and /kb_ubah (change one field).

/kb_ubah can also add or remove one phrasing. Each ends with Simpan/Batal; "batal" (with or without the slash)
leaves them.

May import what `bot.admin.common` may. There is no JobQueue, so the dialogues have no timeout: "batal", or
starting again, leaves them. The edit is refused if the entry changed since the dialogue started.
"""

from __future__ import annotations

import functools
import logging
import warnings
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

import knowledge
from bot.admin.common import (
    DRAFT_KEY,
    END,
    TEXT_CANCELLED,
    Handler,
    admin_only,
    answer,
    args,
    entry_text,
    reply,
    reports_errors,
    run,
    target_id,
)
from bot.admin.common import actor as actor_of
from bot.context import Context

logger = logging.getLogger(__name__)

# Guided add: one state per field, then a confirmation.
ADD_ID, ADD_TOPIC, ADD_TITLE, ADD_QUESTIONS, ADD_ANSWER, ADD_SOURCES, ADD_CONFIRM = range(7)
# Guided edit: choose a field, type its value, confirm.
EDIT_FIELD, EDIT_VALUE, EDIT_CONFIRM = range(10, 13)
FIELDS = {
    "title": "Judul",
    "questions": "Pertanyaan",
    "answer": "Jawaban",
    "sources": "Sumber",
    "topic": "Topik",
    "q_add": "➕ Frasa",
    "q_remove": "➖ Frasa",
}
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
    given = args(context)
    intro = "Menambah entri baru (ketik /batal untuk berhenti)."
    if given:
        group: knowledge.UnansweredGroup = await run(context, "group", given[0])
        _draft(context).update(group=group.group_id, questions=[group.example])
        intro += f"\nEntri ini akan menjawab grup [{group.group_id}]: “{group.example}”."
    await reply(update, context, f"{intro}\n\n{PROMPTS['id']}")
    return ADD_ID


@reports_errors
async def add_id(update: Update, context: Context) -> int:
    """Take the new entry's id."""
    entry_id = _text(update).lower()
    if not knowledge.valid_entry_id(entry_id):
        await reply(update, context, f"Id itu tidak valid. {PROMPTS['id']}")
        return ADD_ID
    if await run(context, "get", entry_id) is not None:
        await reply(
            update,
            context,
            f"Id {entry_id} sudah dipakai. Ubah entri itu dengan /kb_ubah {entry_id}, atau kirim id lain.",
        )
        return ADD_ID
    _draft(context)["id"] = entry_id
    await reply(update, context, PROMPTS["topic"], reply_markup=_topic_keyboard())
    return ADD_TOPIC


async def add_topic(update: Update, context: Context) -> int:
    """Take the topic, from a button or typed."""
    query = update.callback_query
    if query is not None:
        await answer(update)
        topic = (query.data or "").removeprefix("adm:topic:")
    else:
        topic = _text(update).lower()
    if topic not in knowledge.TOPICS:
        await reply(update, context, PROMPTS["topic"], reply_markup=_topic_keyboard())
        return ADD_TOPIC
    _draft(context)["topic"] = topic
    await reply(update, context, PROMPTS["title"])
    return ADD_TITLE


def _collector(field: str, next_state: int, next_field: str | None) -> Handler:
    async def collect(update: Update, context: Context) -> int:
        text = _text(update)
        if not text:
            await reply(update, context, PROMPTS[field])
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
            await reply(update, context, PROMPTS[next_field])
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
        await reply(update, context, f"Ada yang perlu diperbaiki; mulai lagi dengan /kb_tambah.\n{problems}")
        context.user_data.pop(DRAFT_KEY, None)  # type: ignore[union-attr]
        return END
    sources = "\n".join(f"  - {s.cite()}" for s in data.sources)
    questions = "\n".join(f"  - {q}" for q in data.questions)
    await reply(
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
    await answer(update)
    query = update.callback_query
    draft = _draft(context)
    context.user_data.pop(DRAFT_KEY, None)  # type: ignore[union-attr]
    if query is None or query.data != "adm:save":
        await reply(update, context, TEXT_CANCELLED)
        return END
    data = knowledge.entry_from_record(_record(draft), name="telegram")
    if draft.get("group"):
        entry = await run(context, "promote_to_entry", draft["group"], data, actor=actor_of(update))
    else:
        entry = await run(context, "create", data, actor=actor_of(update))
    logger.info("Entry %s created by %s", entry.id, actor_of(update))
    await reply(
        update, context, f"Tersimpan: {entry.id} versi {entry.version}. Asisten memakainya dalam beberapa detik."
    )
    return END


# --------------------------------------------------------------------------------------------------------------
# Guided edit: /kb_ubah


def _field_keyboard() -> InlineKeyboardMarkup:
    buttons = [InlineKeyboardButton(label, callback_data=f"adm:field:{key}") for key, label in FIELDS.items()]
    cancel = [InlineKeyboardButton("Batal", callback_data="adm:cancel")]
    return InlineKeyboardMarkup([buttons[:3], buttons[3:5], buttons[5:], cancel])


@admin_only
@reports_errors
async def kb_ubah_command(update: Update, context: Context) -> int:
    """Start changing an entry on /kb_ubah <id> (or the Ubah button under /kb_lihat)."""
    await answer(update)
    entry_id = target_id(update, context)
    if not entry_id:
        await reply(update, context, "Gunakan: /kb_ubah <id>")
        return END
    entry: knowledge.Entry = await run(context, "require", entry_id)
    assert context.user_data is not None
    # The version the edit is based on: saving is refused if someone else changes the entry meanwhile.
    context.user_data[DRAFT_KEY] = {"mode": "edit", "id": entry.id, "version": entry.version, "entry": entry}
    await reply(
        update,
        context,
        entry_text(entry) + "\n\nBagian mana yang diubah? (➕/➖ Frasa: tambah atau hapus satu pertanyaan)",
        reply_markup=_field_keyboard(),
    )
    return EDIT_FIELD


@reports_errors
async def edit_field(update: Update, context: Context) -> int:
    """Take the field to change."""
    await answer(update)
    data = update.callback_query.data if update.callback_query is not None else None
    field = (data or "").removeprefix("adm:field:")
    if data == "adm:cancel" or field not in FIELDS:
        context.user_data.pop(DRAFT_KEY, None)  # type: ignore[union-attr]
        await reply(update, context, TEXT_CANCELLED)
        return END
    draft = _draft(context)
    draft["field"] = field
    if field == "topic":
        await reply(update, context, PROMPTS["topic"], reply_markup=_topic_keyboard())
    elif field == "q_add":
        await reply(update, context, PROMPTS["q_add"])
    elif field == "q_remove":
        entry: knowledge.Entry = draft["entry"]
        numbered = "\n".join(f"{n}. {q}" for n, q in enumerate(entry.questions, start=1))
        await reply(update, context, f"{numbered}\n\n{PROMPTS['q_remove']}")
    else:
        await reply(update, context, f"{PROMPTS[field]}\n(Isi baru menggantikan yang lama.)")
    return EDIT_VALUE


@reports_errors
async def edit_value(update: Update, context: Context) -> int:
    """Take the new value and show the changed entry with Save/Cancel buttons."""
    draft = _draft(context)
    entry: knowledge.Entry = draft["entry"]
    field = draft["field"]
    if update.callback_query is not None:
        await answer(update)
        value: Any = (update.callback_query.data or "").removeprefix("adm:topic:")
    else:
        value = _text(update)
    if field == "questions":
        value = [line.strip() for line in str(value).splitlines() if line.strip()]
    elif field == "q_add":
        value = [*entry.questions, " ".join(str(value).split())]
    elif field == "q_remove":
        number = int(value) if str(value).strip().isdigit() else 0
        if not 1 <= number <= len(entry.questions):
            await reply(update, context, f"Kirim nomor 1 sampai {len(entry.questions)}, atau batal.")
            return EDIT_VALUE
        if len(entry.questions) == 1:
            await reply(update, context, "Entri harus punya minimal satu pertanyaan; tidak ada yang dihapus.")
            context.user_data.pop(DRAFT_KEY, None)  # type: ignore[union-attr]
            return END
        value = [q for n, q in enumerate(entry.questions, start=1) if n != number]
    target_field = "questions" if field in ("q_add", "q_remove") else field
    record = {
        "id": entry.id,
        "topic": entry.topic,
        "title": entry.title,
        "questions": list(entry.questions),
        "answer": entry.answer,
        "sources": [{"title": s.title, **({"url": s.url} if s.url else {})} for s in entry.sources],
        **({"answer_en": entry.answer_en} if entry.answer_en else {}),
        **({"facts": list(entry.facts)} if entry.facts else {}),
        target_field: value,
    }
    try:
        data = knowledge.entry_from_record(record, name="telegram")
    except knowledge.ContentError as exc:
        problems = "\n".join(f"• {p.field}: {p.message}" for p in exc.problems)
        await reply(update, context, f"Belum valid:\n{problems}\nKirim lagi, atau batal.")
        return EDIT_VALUE
    draft["data"] = data
    await reply(
        update,
        context,
        f"{FIELDS[target_field]} baru untuk {entry.id}:\n{chr(10).join(value) if isinstance(value, list) else value}",
        reply_markup=_confirm_keyboard(),
    )
    return EDIT_CONFIRM


@reports_errors
async def edit_confirm(update: Update, context: Context) -> int:
    """Save or drop the change, refusing it if the entry changed since /kb_ubah."""
    await answer(update)
    draft = _draft(context)
    query = update.callback_query
    if query is None or query.data != "adm:save":
        context.user_data.pop(DRAFT_KEY, None)  # type: ignore[union-attr]
        await reply(update, context, TEXT_CANCELLED)
        return END
    entry, changed = await run(
        context, "save", draft["data"], actor=actor_of(update), expected_version=draft["version"]
    )
    context.user_data.pop(DRAFT_KEY, None)  # type: ignore[union-attr]
    await reply(update, context, f"Tersimpan: {entry.id} versi {entry.version}." if changed else "Tidak ada perubahan.")
    return END


async def cancel_command(update: Update, context: Context) -> int:
    """Leave a guided add or edit on /batal."""
    if context.user_data is not None:
        context.user_data.pop(DRAFT_KEY, None)
    await answer(update)
    await reply(update, context, TEXT_CANCELLED)
    return END


GUIDED_COMMANDS: dict[str, Handler] = {"kb_tambah": kb_tambah_command, "kb_ubah": kb_ubah_command}


def stopping(callback: Handler) -> Handler:
    """Run `callback`, then stop the update: the bot's own handlers (group 0) must not see it too.

    Inside a ConversationHandler, `ApplicationHandlerStop(state)` sets the next state and stops the update.
    """

    @functools.wraps(callback)
    async def run_and_stop(update: Update, context: Context) -> None:
        raise ApplicationHandlerStop(await callback(update, context))

    return run_and_stop


def build_conversations(*, persistent: bool = False) -> list[ConversationHandler[Any]]:
    """Return the guided add and edit conversations (per user and chat; "batal" leaves them).

    With `persistent`, their states are kept by the application's persistence (a restart loses no draft).
    """
    # The conversations mix typed answers and buttons, so they are tracked per user and chat, not per message;
    # PTB warns about exactly that combination.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*per_message=False", category=PTBUserWarning)
        return _conversations(persistent)


def _conversations(persistent: bool) -> list[ConversationHandler[Any]]:
    text = filters.TEXT & ~filters.COMMAND
    cancel_typed = MessageHandler(filters.TEXT & CANCEL_TEXT, stopping(cancel_command))
    cancel = [
        CommandHandler("batal", stopping(cancel_command)),
        CallbackQueryHandler(stopping(cancel_command), pattern="^adm:cancel$"),
    ]

    def state(*handlers: Any) -> list[Any]:
        # Typed "batal" comes first in every state, so it is never taken as a title, an answer or an id.
        return [cancel_typed, *handlers]

    add = ConversationHandler(
        entry_points=[CommandHandler("kb_tambah", stopping(kb_tambah_command))],
        states={
            ADD_ID: state(MessageHandler(text, stopping(add_id))),
            ADD_TOPIC: state(
                CallbackQueryHandler(stopping(add_topic), pattern="^adm:topic:"),
                MessageHandler(text, stopping(add_topic)),
            ),
            ADD_TITLE: state(MessageHandler(text, stopping(add_title))),
            ADD_QUESTIONS: state(MessageHandler(text, stopping(add_questions))),
            ADD_ANSWER: state(MessageHandler(text, stopping(add_answer))),
            ADD_SOURCES: state(MessageHandler(text, stopping(add_sources))),
            ADD_CONFIRM: state(CallbackQueryHandler(stopping(add_confirm), pattern="^adm:(save|cancel)$")),
        },
        fallbacks=cancel,
        allow_reentry=True,
        name="kb_tambah",
        persistent=persistent,
    )
    edit = ConversationHandler(
        entry_points=[
            CommandHandler("kb_ubah", stopping(kb_ubah_command)),
            CallbackQueryHandler(stopping(kb_ubah_command), pattern="^adm:do:edit:"),
        ],
        states={
            EDIT_FIELD: state(CallbackQueryHandler(stopping(edit_field), pattern="^adm:(field:|cancel$)")),
            EDIT_VALUE: state(
                CallbackQueryHandler(stopping(edit_value), pattern="^adm:topic:"),
                MessageHandler(text, stopping(edit_value)),
            ),
            EDIT_CONFIRM: state(CallbackQueryHandler(stopping(edit_confirm), pattern="^adm:(save|cancel)$")),
        },
        fallbacks=cancel,
        allow_reentry=True,
        name="kb_ubah",
        persistent=persistent,
    )
    return [add, edit]
