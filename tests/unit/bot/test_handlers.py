"""Handlers with real Update objects, an AsyncMock bot and a real RasaClient answering through MockTransport."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timezone

import httpx
import pytest
from telegram import InlineKeyboardMarkup
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, NetworkError

import knowledge
from bot import delivery, handlers
from bot.render import OutgoingDocument, OutgoingPhoto
from settings import Settings

from .conftest import BOT_ID, BOT_USERNAME, message, sent_texts, text_message, update

# Sender ids and routing ---------------------------------------------------------------------------------------


def test_sender_id_is_per_chat_and_per_member_in_groups(context) -> None:
    private = update(context.bot, message=text_message(1001, "halo"))
    group = update(context.bot, message=text_message(-2002, "halo", user_id=7))
    assert handlers.conversation_key(private) == "tg-1001"
    assert handlers.conversation_key(group) == "tg--2002-7"
    assert handlers.conversation_key(object()) is None


async def test_text_is_relayed_and_the_reply_rendered(context, assistant) -> None:
    assistant.answer = lambda s, t: [
        {"text": "KIPP adalah <kompetisi> & ajang", "buttons": [{"title": "Syarat", "payload": "/kipp_syarat"}]}
    ]
    await handlers.on_text(update(context.bot, message=text_message(1001, "apa itu kipp?")), context)

    assert assistant.requests == [("tg-1001", "apa itu kipp?")]
    call = context.bot.send_message.call_args
    assert call.args == (1001, "KIPP adalah &lt;kompetisi&gt; &amp; ajang")
    assert call.kwargs["parse_mode"] == ParseMode.HTML
    keyboard = call.kwargs["reply_markup"]
    assert isinstance(keyboard, InlineKeyboardMarkup)
    assert keyboard.inline_keyboard[0][0].callback_data == "/kipp_syarat"
    assert call.kwargs["reply_parameters"] is None  # private chats are not quoted


async def test_typing_is_shown_while_the_assistant_works(context) -> None:
    context.bot_data.settings = replace(context.bot_data.settings, typing_delay_seconds=0)
    await handlers.on_text(update(context.bot, message=text_message(1001, "halo")), context)
    context.bot.send_chat_action.assert_awaited_with(1001, ChatAction.TYPING, message_thread_id=None)
    # "typing…" was sent before the answer.
    names = [c[0] for c in context.bot.method_calls if c[0] in {"send_chat_action", "send_message"}]
    assert names == ["send_chat_action", "send_message"]


async def test_a_quick_answer_shows_no_typing(context) -> None:
    """The default waits TYPING_DELAY_SECONDS (1 s) before "typing…"; the stand-in assistant answers at once."""
    await handlers.on_text(update(context.bot, message=text_message(1001, "halo")), context)
    assert sent_texts(context.bot) == ["jawaban untuk halo"]
    context.bot.send_chat_action.assert_not_awaited()


async def test_a_failing_typing_action_does_not_stop_the_answer(context) -> None:
    context.bot.send_chat_action.side_effect = NetworkError("flaky")
    await handlers.on_text(update(context.bot, message=text_message(1001, "halo")), context)
    assert sent_texts(context.bot) == ["jawaban untuk halo"]


async def test_a_long_text_is_trimmed_with_a_note(context, assistant) -> None:
    await handlers.on_text(update(context.bot, message=text_message(1001, "kata " * 1000)), context)
    [(_, relayed)] = assistant.requests
    assert len(relayed) <= handlers.MAX_USER_TEXT
    assert relayed.split() == ["kata"] * len(relayed.split())  # cut between words
    note, answer = sent_texts(context.bot)
    assert "5.000 karakter" in note and "1.000 karakter" in note
    assert answer.startswith("jawaban untuk kata")


@pytest.mark.parametrize("text", ["   ", "/", "@klinik_inovasi_bot"])
async def test_an_empty_text_is_answered_without_the_assistant(context, assistant, text) -> None:
    chat_id = -2002 if text.startswith("@") else 1001
    await handlers.on_text(update(context.bot, message=text_message(chat_id, text)), context)
    assert assistant.requests == []
    assert sent_texts(context.bot) == [handlers.TEXT_EMPTY]


async def test_typed_text_is_never_read_as_an_intent(context, assistant) -> None:
    msg = message(1001, text='/greet{"name": "x"}')  # no command entity: not a command to Telegram
    await handlers.on_text(update(context.bot, message=msg), context)
    assert assistant.requests == [("tg-1001", 'greet{"name": "x"}')]


async def test_a_sender_the_assistant_rate_limits_is_asked_to_slow_down_not_told_it_is_down(context, assistant) -> None:
    assistant.answer = lambda s, t: httpx.Response(429, headers={"Retry-After": "2"})
    await handlers.on_text(update(context.bot, message=text_message(1001, "halo")), context)
    assert sent_texts(context.bot) == [handlers.TEXT_SLOW_DOWN]


async def test_assistant_down_gets_an_apology_and_the_next_message_works(context, assistant) -> None:
    assistant.answer = lambda s, t: httpx.ConnectError("refused")
    await handlers.on_text(update(context.bot, message=text_message(1001, "halo")), context)
    assert sent_texts(context.bot) == [handlers.TEXT_ASSISTANT_DOWN]

    assistant.answer = lambda s, t: [{"text": "sudah kembali"}]
    await handlers.on_text(update(context.bot, message=text_message(1001, "halo lagi")), context)
    assert sent_texts(context.bot)[-1] == "sudah kembali"


async def test_no_reply_from_the_assistant_gets_a_fallback(context, assistant) -> None:
    assistant.answer = lambda s, t: []
    await handlers.on_text(update(context.bot, message=text_message(1001, "hmm")), context)
    assert sent_texts(context.bot) == [handlers.TEXT_NO_ANSWER]


# Groups -------------------------------------------------------------------------------------------------------


async def test_group_messages_not_addressed_to_the_bot_are_ignored(context, assistant) -> None:
    await handlers.on_text(update(context.bot, message=text_message(-2002, "rapat jam 3", user_id=7)), context)
    await handlers.on_other_message(update(context.bot, message=message(-2002, 7, sticker=STICKER)), context)
    assert assistant.requests == []
    context.bot.send_message.assert_not_awaited()


async def test_a_mention_in_a_group_is_answered_per_member_and_quoted(context, assistant) -> None:
    msg = text_message(-2002, f"@{BOT_USERNAME} apa itu JIPP?", user_id=7)
    await handlers.on_text(update(context.bot, message=msg), context)
    assert assistant.requests == [("tg--2002-7", "apa itu JIPP?")]
    reply = context.bot.send_message.call_args.kwargs["reply_parameters"]
    assert reply.message_id == msg["message_id"] and reply.allow_sending_without_reply


async def test_a_reply_to_the_bot_in_a_group_is_answered(context, assistant) -> None:
    bot_message = {**message(-2002), "from": {"id": BOT_ID, "is_bot": True, "first_name": "Bot"}, "text": "Jawab"}
    msg = text_message(-2002, "lalu syaratnya?", user_id=8, reply_to_message=bot_message)
    await handlers.on_text(update(context.bot, message=msg), context)
    assert assistant.requests == [("tg--2002-8", "lalu syaratnya?")]


async def test_a_mention_of_another_bot_is_not_for_us(context, assistant) -> None:
    msg = message(-2002, 7, text="@other_bot halo", entities=[{"type": "mention", "offset": 0, "length": 10}])
    await handlers.on_text(update(context.bot, message=msg), context)
    assert assistant.requests == []


# Commands -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("handler", "intent"),
    [
        (handlers.start_command, "/greet"),
        (handlers.help_command, "/help"),
        (handlers.menu_command, "/show_menu"),
    ],
)
async def test_commands_are_sent_as_intents(context, assistant, handler, intent) -> None:
    await handler(update(context.bot, message=text_message(1001, "/x")), context)
    assert assistant.requests == [("tg-1001", intent)]


async def test_reset_restarts_the_conversation_then_confirms(context, assistant) -> None:
    assistant.answer = lambda s, t: []
    await handlers.reset_command(update(context.bot, message=text_message(1001, "/reset")), context)
    assert assistant.requests == [("tg-1001", "/restart")]
    assert sent_texts(context.bot) == [handlers.TEXT_RESET_DONE]


async def test_reset_with_the_assistant_down_says_so(context, assistant) -> None:
    assistant.answer = lambda s, t: httpx.ConnectError("refused")
    await handlers.reset_command(update(context.bot, message=text_message(1001, "/reset")), context)
    assert sent_texts(context.bot) == [handlers.TEXT_ASSISTANT_DOWN]


@dataclass(frozen=True)
class Info:
    entry_count: int
    updated_at: datetime | None


async def test_tentang_tells_version_and_knowledge_base_date(context, monkeypatch) -> None:
    monkeypatch.setattr(knowledge, "kb_info", lambda: Info(1234, datetime(2025, 3, 4, 20, 0, tzinfo=timezone.utc)))
    monkeypatch.setattr(handlers, "app_version", lambda: "1.2.3")
    await handlers.tentang_command(update(context.bot, message=text_message(1001, "/tentang")), context)
    [text] = sent_texts(context.bot)
    assert "Versi: 1.2.3" in text
    assert "1.234 entri, diperbarui 5 Maret 2025" in text  # 20:00 UTC is already the 5th in WIB
    assert context.bot.send_message.call_args.kwargs["parse_mode"] == ParseMode.HTML


async def test_tentang_survives_an_unavailable_knowledge_base(context, monkeypatch) -> None:
    def broken() -> None:
        raise knowledge.KnowledgeUnavailable("database is locked")

    monkeypatch.setattr(knowledge, "kb_info", broken)
    await handlers.tentang_command(update(context.bot, message=text_message(1001, "/tentang")), context)
    [text] = sent_texts(context.bot)
    assert "sedang tidak dapat dibaca" in text


def test_app_version_falls_back_to_dev(monkeypatch) -> None:
    def missing(name: str) -> str:
        raise handlers.importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(handlers.importlib.metadata, "version", missing)
    assert handlers.app_version() == "dev"


@pytest.mark.parametrize(
    ("chat_id", "text", "answered"),
    [
        (1001, "/foo", True),
        (-2002, "/foo", False),
        (-2002, f"/foo@{BOT_USERNAME}", True),
        (-2002, "/foo@other_bot", False),
    ],
)
async def test_unknown_commands(context, chat_id, text, answered) -> None:
    await handlers.unknown_command(update(context.bot, message=text_message(chat_id, text)), context)
    assert sent_texts(context.bot) == ([handlers.TEXT_UNKNOWN_COMMAND] if answered else [])


# Buttons ------------------------------------------------------------------------------------------------------


def callback(chat_id: int, data: str, user_id: int | None = None) -> dict:
    return {
        "id": "cb1",
        "from": {"id": user_id or abs(chat_id), "is_bot": False, "first_name": "Ani"},
        "chat_instance": "x",
        "data": data,
        "message": {**message(chat_id), "from": {"id": BOT_ID, "is_bot": True, "first_name": "Bot"}},
    }


async def test_a_button_tap_is_answered_and_its_payload_relayed(context, assistant) -> None:
    await handlers.on_button(update(context.bot, callback_query=callback(1001, "/back")), context)
    context.bot.answer_callback_query.assert_awaited_once()
    assert assistant.requests == [("tg-1001", "/back")]


async def test_a_long_payload_is_resolved_from_its_key(context, assistant) -> None:
    payload = '/choose_topic{"topic": "pelembagaan inovasi daerah", "detail": "syarat dan tahapan"}'
    key = context.bot_data.payloads.callback_data(payload)
    await handlers.on_button(update(context.bot, callback_query=callback(-2002, key, user_id=9)), context)
    assert assistant.requests == [("tg--2002-9", payload)]


async def test_an_expired_key_asks_to_choose_again(context, assistant) -> None:
    await handlers.on_button(update(context.bot, callback_query=callback(1001, "k:unknownkey")), context)
    context.bot.answer_callback_query.assert_awaited_once()
    assert assistant.requests == []
    assert sent_texts(context.bot) == [handlers.TEXT_BUTTON_EXPIRED]


async def test_a_failed_answer_does_not_stop_the_relay(context, assistant) -> None:
    context.bot.answer_callback_query.side_effect = BadRequest("Query is too old")
    await handlers.on_button(update(context.bot, callback_query=callback(1001, "/back")), context)
    assert assistant.requests == [("tg-1001", "/back")]


# Other input --------------------------------------------------------------------------------------------------

STICKER = {
    "file_id": "s1",
    "file_unique_id": "u1",
    "type": "regular",
    "width": 512,
    "height": 512,
    "is_animated": False,
    "is_video": False,
}


@pytest.mark.parametrize(
    ("fields", "kind"),
    [
        ({"sticker": STICKER}, "stiker"),
        ({"photo": [{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}]}, "foto"),
        ({"voice": {"file_id": "v", "file_unique_id": "v", "duration": 3}}, "pesan suara"),
        ({"document": {"file_id": "d", "file_unique_id": "d"}}, "dokumen"),
        ({"location": {"latitude": -6.2, "longitude": 106.8}}, "lokasi"),
    ],
)
async def test_non_text_messages_get_a_friendly_text(context, assistant, fields, kind) -> None:
    await handlers.on_other_message(update(context.bot, message=message(1001, **fields)), context)
    assert assistant.requests == []
    [text] = sent_texts(context.bot)
    assert text == handlers.TEXT_NOT_TEXT.format(kind=kind)


async def test_edited_messages_are_ignored(context, assistant) -> None:
    edited = {**text_message(1001, "halo (diedit)"), "edit_date": 1_700_000_100}
    await handlers.on_edited_message(update(context.bot, edited_message=edited), context)
    assert assistant.requests == []
    context.bot.send_message.assert_not_awaited()


# Delivery -----------------------------------------------------------------------------------------------------


async def test_documents_are_sent_with_send_document(context) -> None:
    item = OutgoingDocument("rekap.csv", b"a,b\n", "Rekap")
    await delivery.deliver(context, delivery.Target(1001), [item])
    call = context.bot.send_document.call_args
    assert call.args == (1001,)
    assert call.kwargs["document"] == b"a,b\n" and call.kwargs["filename"] == "rekap.csv"


async def test_an_image_telegram_cannot_fetch_is_sent_as_a_link(context) -> None:
    context.bot.send_photo.side_effect = BadRequest("Wrong file identifier/http url specified")
    await delivery.deliver(context, delivery.Target(1001), [OutgoingPhoto("https://e.test/a.png", "Alur")])
    assert sent_texts(context.bot) == ["Alur\nhttps://e.test/a.png"]


async def test_delivery_keeps_the_kb_answer_metadata(context, assistant) -> None:
    assistant.answer = lambda s, t: [{"text": "Jawab", "custom": {"kb_answer": {"entry_id": 5, "version": 2}}}]
    messages = await context.bot_data.rasa.send_message("tg-1", "x")
    from bot.render import render_reply

    [delivered] = await delivery.deliver(
        context, delivery.Target(1001), render_reply(messages, context.bot_data.payloads)
    )
    assert delivered.item.kb_answer is not None and delivered.item.kb_answer.entry_id == "5"
    assert delivered.message.text == "Jawab"


# Errors -------------------------------------------------------------------------------------------------------


async def test_the_error_handler_logs_apologises_and_alerts_ops(context, caplog) -> None:
    context.bot_data.settings = Settings(ops_chat_id=-100999)
    try:
        raise RuntimeError("user wrote: nomor KTP 3174 <with> & markup")
    except RuntimeError as exc:
        context.error = exc
    with caplog.at_level(logging.DEBUG, logger="bot.handlers"):
        await handlers.on_error(update(context.bot, message=text_message(1001, "halo")), context)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors and "RuntimeError" in errors[0].getMessage() and "test_handlers.py" in errors[0].getMessage()
    # The error's message may quote the user: never at ERROR or in the alert, only in the DEBUG traceback.
    assert all("3174" not in r.getMessage() and r.exc_info is None for r in errors)
    assert any(r.levelno == logging.DEBUG and r.exc_info for r in caplog.records)
    apology, alert = context.bot.send_message.call_args_list
    assert apology.args == (1001, handlers.TEXT_ERROR)
    assert alert.args[0] == -100999
    assert "RuntimeError" in alert.args[1] and "3174" not in alert.args[1]


async def test_polling_network_errors_are_only_logged(context, caplog) -> None:
    context.error = NetworkError("connection reset")
    with caplog.at_level(logging.WARNING, logger="bot.handlers"):
        await handlers.on_error(None, context)
    context.bot.send_message.assert_not_awaited()
    assert caplog.records[0].levelno == logging.WARNING and caplog.records[0].exc_info is None


async def test_user_text_is_logged_only_at_debug(context, caplog) -> None:
    secret = "nomor KTP saya 3174xxxxxxxx"
    with caplog.at_level(logging.DEBUG):
        await handlers.on_text(update(context.bot, message=text_message(1001, secret)), context)
    assert all(record.levelno == logging.DEBUG for record in caplog.records if secret in record.getMessage())
    assert any(secret in record.getMessage() for record in caplog.records)


async def test_reset_shows_the_assistants_own_confirmation_once(context, assistant) -> None:
    assistant.answer = lambda s, t: [{"text": "Percakapan dimulai dari awal."}]
    await handlers.reset_command(update(context.bot, message=text_message(1001, "/reset")), context)
    assert sent_texts(context.bot) == ["Percakapan dimulai dari awal."]
