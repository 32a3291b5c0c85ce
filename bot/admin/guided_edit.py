"""Guided edit: /kb_ubah <id> (or the Ubah button under /kb_lihat) changes one field of an entry.

May import what `bot.admin.common` may. Steps: choose the field (or ➕/➖ Frasa: add or remove one phrasing),
type its new value (the topic by button), then Simpan/Batal. The edit carries the version it started from:
saving is refused if the entry changed meanwhile.
"""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ConversationHandler, MessageHandler

import knowledge
from bot.admin import dialogue
from bot.admin.access import actor as actor_of
from bot.admin.access import admin_only
from bot.admin.common import DRAFT_KEY, END, TEXT_CANCELLED, entry_text, reply, reports_errors, required_entry, run
from bot.context import Context
from bot.handling import answer_tap, stopping

# Choose a field, type its value, confirm.
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


def _field_keyboard() -> InlineKeyboardMarkup:
    buttons = [InlineKeyboardButton(label, callback_data=f"adm:field:{key}") for key, label in FIELDS.items()]
    cancel = [InlineKeyboardButton("Batal", callback_data="adm:cancel")]
    return InlineKeyboardMarkup([buttons[:3], buttons[3:5], buttons[5:], cancel])


@admin_only
@reports_errors
async def kb_ubah_command(update: Update, context: Context) -> int:
    """Start changing an entry on /kb_ubah <id> (or the Ubah button under /kb_lihat)."""
    entry = await required_entry(update, context, "/kb_ubah <id>")
    if entry is None:
        return END
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
    await answer_tap(update)
    data = update.callback_query.data if update.callback_query is not None else None
    field = (data or "").removeprefix("adm:field:")
    if data == "adm:cancel" or field not in FIELDS:
        dialogue.drop_draft(context)
        await reply(update, context, TEXT_CANCELLED)
        return END
    current = dialogue.draft(context)
    current["field"] = field
    if field == "topic":
        await reply(update, context, dialogue.PROMPTS["topic"], reply_markup=dialogue.topic_keyboard())
    elif field == "q_add":
        await reply(update, context, dialogue.PROMPTS["q_add"])
    elif field == "q_remove":
        entry: knowledge.Entry = current["entry"]
        numbered = "\n".join(f"{n}. {q}" for n, q in enumerate(entry.questions, start=1))
        await reply(update, context, f"{numbered}\n\n{dialogue.PROMPTS['q_remove']}")
    else:
        await reply(update, context, f"{dialogue.PROMPTS[field]}\n(Isi baru menggantikan yang lama.)")
    return EDIT_VALUE


def _record(entry: knowledge.Entry, field: str, value: Any) -> dict[str, Any]:
    """Return the entry as a content record, with `field` set to `value`."""
    return {
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


@reports_errors
async def edit_value(update: Update, context: Context) -> int:
    """Take the new value and show the changed entry with Save/Cancel buttons."""
    current = dialogue.draft(context)
    entry: knowledge.Entry = current["entry"]
    field = current["field"]
    if update.callback_query is not None:
        await answer_tap(update)
        value: Any = (update.callback_query.data or "").removeprefix("adm:topic:")
    else:
        value = dialogue.typed_text(update)
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
            dialogue.drop_draft(context)
            return END
        value = [q for n, q in enumerate(entry.questions, start=1) if n != number]
    target_field = "questions" if field in ("q_add", "q_remove") else field
    try:
        data = knowledge.entry_from_record(_record(entry, target_field, value), name="telegram")
    except knowledge.ContentError as exc:
        await reply(update, context, f"Belum valid:\n{dialogue.problems_text(exc)}\nKirim lagi, atau batal.")
        return EDIT_VALUE
    current["data"] = data
    shown = "\n".join(value) if isinstance(value, list) else value
    await dialogue.ask_to_save(update, context, f"{FIELDS[target_field]} baru untuk {entry.id}:\n{shown}")
    return EDIT_CONFIRM


@reports_errors
async def edit_confirm(update: Update, context: Context) -> int:
    """Save or drop the change, refusing it if the entry changed since /kb_ubah."""
    current = dialogue.draft(context)
    if not await dialogue.confirmed(update, context):
        return END
    entry, changed = await run(
        context, "save", current["data"], actor=actor_of(update), expected_version=current["version"]
    )
    dialogue.drop_draft(context)
    await reply(update, context, f"Tersimpan: {entry.id} versi {entry.version}." if changed else "Tidak ada perubahan.")
    return END


def edit_conversation(*, persistent: bool = False) -> ConversationHandler[Any]:
    """Return the /kb_ubah dialogue (also started by the Ubah button, `adm:do:edit:<id>`)."""
    return dialogue.conversation(
        "kb_ubah",
        [
            CommandHandler("kb_ubah", stopping(kb_ubah_command)),
            CallbackQueryHandler(stopping(kb_ubah_command), pattern="^adm:do:edit:"),
        ],
        {
            EDIT_FIELD: [CallbackQueryHandler(stopping(edit_field), pattern="^adm:(field:|cancel$)")],
            EDIT_VALUE: [
                CallbackQueryHandler(stopping(edit_value), pattern="^adm:topic:"),
                MessageHandler(dialogue.TYPED, stopping(edit_value)),
            ],
            EDIT_CONFIRM: [CallbackQueryHandler(stopping(edit_confirm), pattern="^adm:(save|cancel)$")],
        },
        persistent=persistent,
    )
