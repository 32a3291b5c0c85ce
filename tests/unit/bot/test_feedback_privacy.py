"""👍/👎 feedback under answers and /hapus_data, with real Update objects and a real knowledge base."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from bot import feedback, privacy, store
from bot.context import BotData
from bot.feedback_buttons import Vote, button_key, verify_vote
from knowledge import KnowledgeAdmin, QuestionRecord, admin_feedback
from knowledge.db import get_session_factory
from knowledge.queries import log_question
from settings import Settings
from tests.conversation_store import InProcessConversations
from tests.factories import entry_data

from .conftest import make_bot, message, sent_texts, text_message, update

USER = 1001


@pytest.fixture
def kb_admin(tmp_path) -> KnowledgeAdmin:
    tracker_db = str(tmp_path / "tracker.db")
    kb = KnowledgeAdmin(
        f"sqlite:///{tmp_path / 'kb.db'}", tracker_db=tracker_db, conversations=InProcessConversations(tracker_db)
    )
    entry = kb.create(entry_data("kipp-apa"), actor="seed")
    with get_session_factory(kb.database_url).begin() as session:
        log_question(
            session,
            QuestionRecord(
                sender_id=f"tg-{USER}", text="kipp itu apa ya", intent="ask_kipp", outcome="answered", entry=entry
            ),
        )
    return kb


@pytest.fixture
def ctx(kb_admin) -> SimpleNamespace:
    data = BotData()
    data.settings = Settings.from_env({"DATABASE_URL": kb_admin.database_url, "RASA_TRACKER_DB": kb_admin.tracker_db})
    return SimpleNamespace(bot=make_bot(), bot_data=data, user_data={}, args=[], error=None)


def button(ctx, data: str, user_id: int = USER, chat_id: int = USER):
    return update(
        ctx.bot,
        callback_query={
            "id": "cb",
            "from": {"id": user_id, "is_bot": False, "first_name": "Ani"},
            "chat_instance": "ci",
            "data": data,
            "message": message(chat_id, text="jawaban"),
        },
    )


def stored(kb_admin):
    with get_session_factory(kb_admin.database_url)() as session:
        return admin_feedback.feedback_records(session)


KEY = b"k" * 32


def vote_data(ctx, sign: str, *, sender: str = f"tg-{USER}", entry: str = "kipp-apa", version: int = 1) -> str:
    """Return the callback_data of the 👍 (+) or 👎 (-) button the bot would send to `sender`."""
    keyboard = feedback.feedback_keyboard(entry, version, sender=sender, key=button_key(ctx.bot_data.settings))
    return keyboard.inline_keyboard[0][0 if sign == "+" else 1].callback_data


def test_keyboard_carries_entry_version_and_a_token_within_64_bytes() -> None:
    keyboard = feedback.feedback_keyboard("k" * 32, 123456789, sender="tg-1", key=KEY, nonce="abcdef")
    datas = [b.callback_data for b in keyboard.inline_keyboard[0]]
    assert [d.rsplit(":", 2)[0] for d in datas] == [f"fb:+:{'k' * 32}:123456789", f"fb:-:{'k' * 32}:123456789"]
    assert all(len(d.encode()) <= 64 for d in datas)
    assert verify_vote(datas[1], sender="tg-1", key=KEY) == Vote(False, "k" * 32, 123456789, "abcdef")
    # Tied to the conversation it was sent to and to the key: nothing else verifies.
    assert verify_vote(datas[1], sender="tg-2", key=KEY) is None
    assert verify_vote(datas[1], sender="tg-1", key=b"other") is None
    assert verify_vote(datas[1].replace("123456789", "123456788"), sender="tg-1", key=KEY) is None


def test_feedback_buttons_go_under_the_last_message_of_each_answer() -> None:
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup

    from bot.render import KbAnswerRef, OutgoingText

    ref = KbAnswerRef("kipp-apa", "3")
    more = InlineKeyboardMarkup([[InlineKeyboardButton("Lanjut", callback_data="p1")]])
    items = [OutgoingText("bagian 1", None, ref), OutgoingText("bagian 2", more, ref), OutgoingText("lain", None, None)]
    out = feedback.with_feedback_buttons(items, sender="tg-1", key=KEY)
    assert out[0].keyboard is None and out[2].keyboard is None
    rows = [[b.callback_data for b in row] for row in out[1].keyboard.inline_keyboard]
    assert rows[0] == ["p1"]
    assert [verify_vote(data, sender="tg-1", key=KEY).helpful for data in rows[1]] == [True, False]


async def test_thumbs_up_is_stored_with_question_entry_version_and_time(ctx, kb_admin) -> None:
    await feedback.on_feedback(button(ctx, vote_data(ctx, "+")), ctx)
    [record] = stored(kb_admin)
    assert (record.sender_id, record.entry_id, record.entry_version, record.helpful) == (
        f"tg-{USER}",
        "kipp-apa",
        1,
        True,
    )
    assert record.question == "kipp itu apa ya" and record.at is not None
    ctx.bot.answer_callback_query.assert_awaited()
    ctx.bot.edit_message_reply_markup.assert_awaited()  # the buttons go away: one vote per answer
    assert ctx.user_data == {}


async def test_thumbs_down_asks_what_was_wrong_and_stores_the_next_text_as_comment(ctx, kb_admin) -> None:
    await feedback.on_feedback(button(ctx, vote_data(ctx, "-")), ctx)
    assert sent_texts(ctx.bot)[-1] == feedback.TEXT_ASK_COMMENT
    consumed = await feedback.on_feedback_comment(update(ctx.bot, message=text_message(USER, "kurang lengkap")), ctx)
    assert consumed and sent_texts(ctx.bot)[-1] == feedback.TEXT_COMMENT_SAVED
    [record] = stored(kb_admin)
    assert (record.helpful, record.comment) == (False, "kurang lengkap")
    # The next message is a question again, relayed to the assistant as usual.
    assert not await feedback.on_feedback_comment(update(ctx.bot, message=text_message(USER, "apa itu mpp")), ctx)


async def test_thumbs_down_comment_can_be_skipped(ctx, kb_admin) -> None:
    await feedback.on_feedback(button(ctx, vote_data(ctx, "-")), ctx)
    skip = ctx.bot.send_message.call_args.kwargs["reply_markup"].inline_keyboard[0][0].callback_data
    await feedback.on_feedback(button(ctx, skip), ctx)
    assert not await feedback.on_feedback_comment(update(ctx.bot, message=text_message(USER, "apa itu mpp")), ctx)
    assert stored(kb_admin)[0].comment is None


async def test_forged_and_foreign_votes_are_refused_and_nothing_is_stored(ctx, kb_admin) -> None:
    await feedback.on_feedback(button(ctx, "fb:+:kipp-apa:1"), ctx)  # the old, unsigned form
    await feedback.on_feedback(button(ctx, "fb:-:kipp-apa:1:abcdef:AAAAAAAA"), ctx)  # a guessed token
    # A group member tapping the buttons under another member's answer.
    group = -100123
    theirs = vote_data(ctx, "-", sender=f"tg-{group}-{USER}")
    await feedback.on_feedback(button(ctx, theirs, user_id=USER + 1, chat_id=group), ctx)
    assert stored(kb_admin) == []
    answers = [c.kwargs.get("text") for c in ctx.bot.answer_callback_query.call_args_list]
    assert answers == [feedback.TEXT_INVALID] * 3


async def test_one_vote_per_answer_per_user(ctx, kb_admin) -> None:
    up = vote_data(ctx, "+")
    await feedback.on_feedback(button(ctx, up), ctx)
    down = up.replace("fb:+:", "fb:-:")  # the other button under the same answer
    await feedback.on_feedback(button(ctx, down), ctx)
    await feedback.on_feedback(button(ctx, up), ctx)
    assert [r.helpful for r in stored(kb_admin)] == [True]
    assert ctx.bot.answer_callback_query.call_args.kwargs["text"] == feedback.TEXT_ALREADY_VOTED
    # Another answer (a new token) may be rated again.
    await feedback.on_feedback(button(ctx, vote_data(ctx, "-")), ctx)
    assert [r.helpful for r in stored(kb_admin)] == [False, True]


async def test_skip_is_refused_unless_it_is_the_open_question_of_this_user(ctx, kb_admin) -> None:
    await feedback.on_feedback(button(ctx, "fb:skip:999"), ctx)
    assert ctx.bot.answer_callback_query.call_args.kwargs["text"] == feedback.TEXT_INVALID
    assert ctx.bot.edit_message_text.await_count == 0


async def test_a_comment_alerts_the_ops_chat(ctx, kb_admin) -> None:
    ctx.bot_data.settings = Settings.from_env(
        {"DATABASE_URL": kb_admin.database_url, "RASA_TRACKER_DB": kb_admin.tracker_db, "OPS_CHAT_ID": "-500"}
    )
    await feedback.on_feedback(button(ctx, vote_data(ctx, "-")), ctx)
    await feedback.on_feedback_comment(update(ctx.bot, message=text_message(USER, "angkanya salah")), ctx)
    alert = ctx.bot.send_message.call_args
    assert alert.args[0] == -500 and "kipp-apa v1" in alert.args[1] and "angkanya salah" in alert.args[1]


async def test_hapus_data_asks_first_then_deletes_questions_feedback_and_conversation(
    ctx, kb_admin, monkeypatch
) -> None:
    # The bot's administration deletes conversations through Rasa; here through the same code in this process.
    monkeypatch.setattr(store, "_admin", lambda *_args: kb_admin)
    from pathlib import Path

    from tests.unit.knowledge.test_privacy import add_events, senders_in, tracker

    tracker_db = Path(kb_admin.tracker_db)
    events = tracker(tracker_db)
    for sender in (f"tg-{USER}", f"tg--100-{USER}", "tg-555"):
        add_events(tracker_db, events, sender, [1.0, 2.0, 3.0])
    await feedback.on_feedback(button(ctx, vote_data(ctx, "+")), ctx)
    await privacy.hapus_data_command(update(ctx.bot, message=text_message(USER, "/hapus_data")), ctx)
    keyboard = ctx.bot.send_message.call_args.kwargs["reply_markup"].inline_keyboard[0]
    assert [b.callback_data for b in keyboard] == [f"priv:yes:{USER}", f"priv:no:{USER}"]
    assert len(stored(kb_admin)) == 1  # nothing deleted before the confirmation

    # A group member tapping someone else's confirmation is refused: nothing of either of them is deleted.
    await privacy.on_privacy_button(button(ctx, f"priv:yes:{USER}", user_id=777, chat_id=-100), ctx)
    assert len(stored(kb_admin)) == 1
    assert ctx.bot.answer_callback_query.call_args.kwargs["text"] == privacy.TEXT_NOT_YOURS
    assert ctx.bot.edit_message_text.await_count == 0

    await privacy.on_privacy_button(button(ctx, f"priv:yes:{USER}"), ctx)
    assert stored(kb_admin) == []
    assert kb_admin.unanswered() == []
    with get_session_factory(kb_admin.database_url)() as session:
        from knowledge.queries import logged_questions

        assert logged_questions(session, sender_id=f"tg-{USER}") == []
    text = ctx.bot.edit_message_text.call_args.kwargs["text"]
    assert text.startswith("Data Anda sudah dihapus: 1 pertanyaan, 1 umpan balik, dan 6 catatan percakapan")
    assert senders_in(tracker_db, events) == {"tg-555": 3}


async def test_hapus_data_cancel_keeps_everything(ctx, kb_admin) -> None:
    await privacy.on_privacy_button(button(ctx, f"priv:no:{USER}"), ctx)
    with get_session_factory(kb_admin.database_url)() as session:
        from knowledge.queries import logged_questions

        assert len(logged_questions(session, sender_id=f"tg-{USER}")) == 1
    assert ctx.bot.edit_message_text.call_args.kwargs["text"] == privacy.TEXT_KEPT


def test_selector_matches_private_chat_and_group_conversations_only() -> None:
    selector = privacy.selector_for(42)
    assert all(selector.matches(s) for s in ("tg-42", "tg--1001-42", "tg-5-42"))
    assert not any(selector.matches(s) for s in ("tg-420", "tg-4242", "tg--1001-142", "tg--42"))
