"""Deep links (t.me/<bot>?start=kesiapan opens the flow, for a clinic's QR code) and the documents checklist
re-drawn in place on each tap."""

from __future__ import annotations

import base64

import pytest
from telegram.error import BadRequest

from bot import handlers
from knowledge import DocumentStore
from settings import Settings

from .conftest import message, text_message, update


@pytest.mark.parametrize(
    ("payload", "intent"),
    [
        ("kesiapan", "/start_readiness_check"),
        ("replikasi", "/start_replication_plan"),
        ("pelembagaan", "/start_institutionalisation_check"),
        ("demo", "/start_demo"),
        ("tidak-dikenal", "/greet"),
    ],
)
async def test_start_payload_opens_the_flow(context, assistant, payload: str, intent: str) -> None:
    context.args = [payload]
    await handlers.start_command(update(context.bot, message=text_message(1001, f"/start {payload}")), context)
    assert assistant.requests == [("tg-1001", intent)]


async def test_plain_start_still_greets(context, assistant) -> None:
    context.args = []
    await handlers.start_command(update(context.bot, message=text_message(1001, "/start")), context)
    assert assistant.requests == [("tg-1001", "/greet")]


# The multi-select checklist ------------------------------------------------------------------------------------

QUESTION = "(5/5) Dokumen pendukung apa saja yang sudah ada?"


def tap(chat_id: int, data: str, on_text: str) -> dict:
    return {
        "id": "cb1",
        "from": {"id": chat_id, "is_bot": False, "first_name": "Ani"},
        "chat_instance": "x",
        "data": data,
        "message": {**message(chat_id), "from": {"id": 1, "is_bot": True, "first_name": "Bot"}, "text": on_text},
    }


def checklist(ticked: str) -> list[dict]:
    return [{"text": f"{QUESTION}\n1. SK\n\nTercentang: {ticked}", "buttons": [{"title": "☑ SK", "payload": "/x"}]}]


async def test_a_checklist_tap_edits_its_message_in_place(context, assistant) -> None:
    assistant.answer = lambda s, t: checklist("SK")
    query = tap(1001, "/inform", f"{QUESTION}\nTercentang: -")
    await handlers.on_button(update(context.bot, callback_query=query), context)
    context.bot.edit_message_text.assert_awaited_once()
    assert "Tercentang: SK" in context.bot.edit_message_text.call_args.args[0]
    context.bot.send_message.assert_not_awaited()


async def test_a_tap_that_moves_on_sends_a_new_message(context, assistant) -> None:
    assistant.answer = lambda s, t: [
        {"text": "📋 Ringkasan cek kesiapan KIPP", "buttons": [{"title": "A", "payload": "/a"}]}
    ]
    await handlers.on_button(
        update(context.bot, callback_query=tap(1001, "/inform", f"{QUESTION}\nTercentang: SK")), context
    )
    context.bot.edit_message_text.assert_not_awaited()
    context.bot.send_message.assert_awaited_once()


async def test_a_refused_edit_falls_back_to_a_new_message(context, assistant) -> None:
    assistant.answer = lambda s, t: checklist("SK")
    context.bot.edit_message_text.side_effect = BadRequest("message is not modified")
    query = tap(1001, "/inform", f"{QUESTION}\nTercentang: -")
    await handlers.on_button(update(context.bot, callback_query=query), context)
    context.bot.send_message.assert_awaited_once()


# Documents sent by reference ----------------------------------------------------------------------------------


def test_a_document_reference_is_resolved_from_the_knowledge_base(tmp_path) -> None:
    store = DocumentStore(f"sqlite:///{tmp_path / 'kb.db'}")
    ref = store.save("rencana.docx", b"PK-docx-bytes", owner="tg-1")
    [message] = handlers.attach_documents(
        [{"custom": {"document": {"ref": ref, "filename": "rencana.docx"}}}], store.load
    )
    assert base64.b64decode(message["custom"]["document"]["content_b64"]) == b"PK-docx-bytes"
    missing = [{"custom": {"document": {"ref": "tidak-ada", "filename": "x.docx"}}}]
    [gone] = handlers.attach_documents(missing, store.load)
    assert gone == {"text": handlers.TEXT_DOCUMENT_GONE}


async def test_the_bot_sends_a_stored_document_as_a_file(context, assistant, tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'kb.db'}"
    ref = DocumentStore(url).save("rencana.docx", b"PK-docx-bytes", owner="tg-1001")
    context.bot_data.settings = Settings(database_url=url)
    assistant.answer = lambda s, t: [{"custom": {"document": {"ref": ref, "filename": "rencana.docx"}}}]
    await handlers.on_text(update(context.bot, message=text_message(1001, "buat dokumen")), context)
    sent = context.bot.send_document.call_args.kwargs
    assert sent["filename"] == "rencana.docx" and sent["document"] == b"PK-docx-bytes"
