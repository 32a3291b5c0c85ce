"""Guided add: /kb_tambah [group] asks for a new entry field by field, shows it, and saves it on Simpan.

May import what `bot.admin.common` may. Steps: id, topic (buttons or typed), title, questions, answer,
sources, then the preview with Simpan/Batal. Started from a review group (`/kb_tambah <group>`), the entry
answers that group's question and resolves the group when saved.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ConversationHandler, MessageHandler

import knowledge
from bot.admin.access import Handler, admin_only
from bot.admin.access import actor as actor_of
from bot.admin.common import DRAFT_KEY, END, args, reply, reports_errors, run
from bot.admin.dialogue import (
    PROMPTS,
    TYPED,
    ask_to_save,
    confirmed,
    conversation,
    draft,
    drop_draft,
    problems_text,
    topic_keyboard,
    typed_text,
)
from bot.context import Context
from bot.handling import answer_tap, stopping

logger = logging.getLogger(__name__)

# One state per field, then the confirmation.
ADD_ID, ADD_TOPIC, ADD_TITLE, ADD_QUESTIONS, ADD_ANSWER, ADD_SOURCES, ADD_CONFIRM = range(7)


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
        draft(context).update(group=group.group_id, questions=[group.example])
        intro += f"\nEntri ini akan menjawab grup [{group.group_id}]: “{group.example}”."
    await reply(update, context, f"{intro}\n\n{PROMPTS['id']}")
    return ADD_ID


@reports_errors
async def add_id(update: Update, context: Context) -> int:
    """Take the new entry's id."""
    entry_id = typed_text(update).lower()
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
    draft(context)["id"] = entry_id
    await reply(update, context, PROMPTS["topic"], reply_markup=topic_keyboard())
    return ADD_TOPIC


async def add_topic(update: Update, context: Context) -> int:
    """Take the topic, from a button or typed."""
    query = update.callback_query
    if query is not None:
        await answer_tap(update)
        topic = (query.data or "").removeprefix("adm:topic:")
    else:
        topic = typed_text(update).lower()
    if topic not in knowledge.TOPICS:
        await reply(update, context, PROMPTS["topic"], reply_markup=topic_keyboard())
        return ADD_TOPIC
    draft(context)["topic"] = topic
    await reply(update, context, PROMPTS["title"])
    return ADD_TITLE


def _collector(field: str, next_state: int, next_field: str | None) -> Handler:
    async def collect(update: Update, context: Context) -> int:
        text = typed_text(update)
        if not text:
            await reply(update, context, PROMPTS[field])
            return next_state - 1
        current = draft(context)
        if field == "questions":
            current["questions"] = [
                *current.get("questions", []),
                *(line.strip() for line in text.splitlines() if line.strip()),
            ]
        else:
            current[field] = text
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


def _record(current: dict[str, Any]) -> dict[str, Any]:
    return {key: current[key] for key in ("id", "topic", "title", "questions", "answer", "sources") if key in current}


async def _preview(update: Update, context: Context) -> int:
    """Validate the draft and show it with Save/Cancel buttons."""
    try:
        data = knowledge.entry_from_record(_record(draft(context)), name="telegram")
    except knowledge.ContentError as exc:
        await reply(update, context, f"Ada yang perlu diperbaiki; mulai lagi dengan /kb_tambah.\n{problems_text(exc)}")
        drop_draft(context)
        return END
    sources = "\n".join(f"  - {s.cite()}" for s in data.sources)
    questions = "\n".join(f"  - {q}" for q in data.questions)
    await ask_to_save(
        update,
        context,
        f"Periksa entri baru:\n{data.id} · {knowledge.TOPICS[data.topic]}\nJudul: {data.title}\n"
        f"Pertanyaan:\n{questions}\nJawaban:\n{data.answer}\nSumber:\n{sources}",
    )
    return ADD_CONFIRM


@reports_errors
async def add_confirm(update: Update, context: Context) -> int:
    """Save or drop the new entry."""
    current = draft(context)
    if not await confirmed(update, context):
        return END
    drop_draft(context)
    data = knowledge.entry_from_record(_record(current), name="telegram")
    if current.get("group"):
        entry = await run(context, "promote_to_entry", current["group"], data, actor=actor_of(update))
    else:
        entry = await run(context, "create", data, actor=actor_of(update))
    logger.info("Entry %s created by %s", entry.id, actor_of(update))
    await reply(
        update, context, f"Tersimpan: {entry.id} versi {entry.version}. Asisten memakainya dalam beberapa detik."
    )
    return END


def add_conversation(*, persistent: bool = False) -> ConversationHandler[Any]:
    """Return the /kb_tambah dialogue."""
    return conversation(
        "kb_tambah",
        [CommandHandler("kb_tambah", stopping(kb_tambah_command))],
        {
            ADD_ID: [MessageHandler(TYPED, stopping(add_id))],
            ADD_TOPIC: [
                CallbackQueryHandler(stopping(add_topic), pattern="^adm:topic:"),
                MessageHandler(TYPED, stopping(add_topic)),
            ],
            ADD_TITLE: [MessageHandler(TYPED, stopping(add_title))],
            ADD_QUESTIONS: [MessageHandler(TYPED, stopping(add_questions))],
            ADD_ANSWER: [MessageHandler(TYPED, stopping(add_answer))],
            ADD_SOURCES: [MessageHandler(TYPED, stopping(add_sources))],
            ADD_CONFIRM: [CallbackQueryHandler(stopping(add_confirm), pattern="^adm:(save|cancel)$")],
        },
        persistent=persistent,
    )
