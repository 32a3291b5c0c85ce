"""Admin commands on Telegram: refused for everyone not in ADMIN_TELEGRAM_IDS, and working for admins.

Real Update objects (PTB's de_json) with an AsyncMock bot, and a real knowledge base in a SQLite file.
"""

from __future__ import annotations

import html
import logging
import subprocess
import sys
from types import SimpleNamespace
from typing import Any

import pytest
from telegram.ext import Application, ApplicationHandlerStop, CallbackQueryHandler, CommandHandler, ConversationHandler

from bot import admin
from bot.context import BotData
from knowledge import FeedbackVote, KnowledgeAdmin, QuestionRecord
from settings import Settings
from tests.factories import entry_data

from .conftest import make_bot, message, sent_texts, text_message, update

ADMIN_ID = 1001
STRANGER_ID = 2002


@pytest.fixture
def kb_admin(tmp_path) -> KnowledgeAdmin:
    kb = KnowledgeAdmin(f"sqlite:///{tmp_path / 'kb.db'}", tracker_db=str(tmp_path / "tracker.db"))
    kb.create(entry_data("kipp-apa", title="Apa itu KIPP"), actor="seed")
    return kb


@pytest.fixture
def ctx(kb_admin) -> SimpleNamespace:
    data = BotData()
    data.settings = Settings.from_env(
        {
            "DATABASE_URL": kb_admin.database_url,
            "RASA_TRACKER_DB": kb_admin.tracker_db,
            "ADMIN_TELEGRAM_IDS": str(ADMIN_ID),
        }
    )
    return SimpleNamespace(bot=make_bot(), bot_data=data, user_data={}, args=[], error=None)


def command(ctx, user_id: int, text: str):
    ctx.args = text.split()[1:]
    return update(ctx.bot, message=text_message(user_id, text))


def reply(ctx, user_id: int, text: str):
    return update(ctx.bot, message=text_message(user_id, text))


def button(ctx, user_id: int, data: str):
    return update(
        ctx.bot,
        callback_query={
            "id": "cb1",
            "from": {"id": user_id, "is_bot": False, "first_name": "Ani"},
            "chat_instance": "ci",
            "data": data,
            "message": message(user_id, text="pesan bot"),
        },
    )


def keyboard(ctx) -> list[Any]:
    """Return the buttons of the last message the bot sent."""
    markup = ctx.bot.send_message.call_args.kwargs["reply_markup"]
    return [b for row in markup.inline_keyboard for b in row]


ALL_COMMANDS: dict[str, Any] = {**admin.ONE_STEP_COMMANDS, **admin.GUIDED_COMMANDS}

# One tap for every admin button pattern that starts something (an action, a confirmation, a dialogue). A new
# pattern without a sample here fails `test_every_admin_entry_point_is_found`, so it cannot go unguarded.
SAMPLE_TAPS = {
    "^adm:do:history:": "adm:do:history:kipp-apa",
    "^adm:do:retire:": "adm:do:retire:kipp-apa",
    "^adm:do:restore:": "adm:do:restore:kipp-apa",
    "^adm:(retire|restore):": "adm:retire:kipp-apa:1",
    "^adm:no$": "adm:no",
    "^adm:do:edit:": "adm:do:edit:kipp-apa",
}
# The only admin handler anyone may reach: a tap nothing else takes is answered "kedaluwarsa" and does nothing.
UNGUARDED_PATTERNS = {f"^{admin.BUTTON_PREFIX}"}


def admin_entry_points() -> list[tuple[str, Any]]:
    """Return every way into the admin UI as registered on a real application: (label, handler).

    The one-step commands, the action buttons, and the dialogues' entry points (their later steps are only
    reachable once an entry point has let the user in).
    """
    application = Application.builder().token("1:abc").build()
    admin.register_admin_handlers(application)
    found: list[tuple[str, Any]] = []
    for handler in application.handlers[admin.HANDLER_GROUP]:
        inner = handler.entry_points if isinstance(handler, ConversationHandler) else [handler]
        for each in inner:
            if isinstance(each, CommandHandler):
                found.extend((f"/{name}", each) for name in sorted(each.commands))
            elif isinstance(each, CallbackQueryHandler) and each.pattern.pattern not in UNGUARDED_PATTERNS:
                found.append((f"button {each.pattern.pattern}", each))
    return found


ENTRY_POINTS = admin_entry_points()


def test_every_admin_entry_point_is_found() -> None:
    labels = {label for label, _ in ENTRY_POINTS}
    assert labels == {f"/{name}" for name in ALL_COMMANDS} | {f"button {pattern}" for pattern in SAMPLE_TAPS}


@pytest.mark.parametrize(("label", "handler"), ENTRY_POINTS, ids=[label for label, _ in ENTRY_POINTS])
async def test_a_stranger_is_refused_at_every_admin_entry_point_and_the_attempt_is_logged(
    ctx, kb_admin, caplog, label, handler
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.admin")
    if label.startswith("/"):
        tap = None
        incoming = command(ctx, STRANGER_ID, f"{label} kipp-apa 1")
    else:
        tap = SAMPLE_TAPS[handler.pattern.pattern]
        incoming = button(ctx, STRANGER_ID, tap)
    assert handler.check_update(incoming), f"the sample for {label} does not reach its handler"
    # Registered handlers stop the update (the bot's own handlers must not see it) and end any dialogue.
    with pytest.raises(ApplicationHandlerStop) as stop:
        await handler.callback(incoming, ctx)
    assert stop.value.state == ConversationHandler.END
    assert sent_texts(ctx.bot) == [admin.TEXT_REFUSED]
    assert ctx.bot.send_photo.await_count == 0 and ctx.bot.edit_message_reply_markup.await_count == 0
    if tap is not None:
        ctx.bot.answer_callback_query.assert_awaited_once()  # no spinner left on the stranger's button
    expected = label if tap is None else f"button {tap}"
    assert any(
        r.levelno == logging.WARNING and str(STRANGER_ID) in r.getMessage() and expected in r.getMessage()
        for r in caplog.records
    ), caplog.text
    entry = kb_admin.require("kipp-apa")
    assert (entry.status, entry.version) == ("active", 1)
    assert ctx.user_data == {}


@pytest.mark.parametrize(("label", "handler"), ENTRY_POINTS, ids=[label for label, _ in ENTRY_POINTS])
async def test_an_admin_gets_past_every_entry_point(ctx, label, handler) -> None:
    # The other side of the guard: the same update from an admin is not refused.
    incoming = (
        command(ctx, ADMIN_ID, f"{label} kipp-apa 1")
        if label.startswith("/")
        else button(ctx, ADMIN_ID, SAMPLE_TAPS[handler.pattern.pattern])
    )
    with pytest.raises(ApplicationHandlerStop):
        await handler.callback(incoming, ctx)
    assert admin.TEXT_REFUSED not in sent_texts(ctx.bot)


def test_the_help_lists_exactly_the_registered_commands() -> None:
    assert set(ALL_COMMANDS) == {
        "kb_admin",
        "kb_cari",
        "kb_lihat",
        "kb_tambah",
        "kb_ubah",
        "kb_pensiun",
        "kb_aktifkan",
        "kb_riwayat",
        "kb_pulihkan",
        "kb_belum_terjawab",
        "kb_frasa",
        "kb_abaikan",
        "kb_masukan",
        "kb_audit",
        "kb_statistik",
    }
    helped = {line.split()[0].lstrip("/") for line, _ in admin.HELP_LINES}
    assert helped == set(ALL_COMMANDS) | {"batal"}


def test_the_bot_builds_and_its_admin_help_works_without_docstrings(tmp_path) -> None:
    # `python -OO` strips docstrings: the help must be data, and nothing may read `__doc__` to build the bot.
    script = (
        "from bot.app import build_application\n"
        "from bot.admin import help_html\n"
        "from settings import Settings\n"
        "assert build_application.__doc__ is None\n"
        f"build_application(Settings.from_env({{'TELEGRAM_BOT_TOKEN': '1:abc', "
        f"'DATABASE_URL': 'sqlite:///{tmp_path / 'kb.db'}'}}))\n"
        "assert '/kb_pulihkan <id> <versi>' in help_html()\n"
    )
    done = subprocess.run([sys.executable, "-OO", "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


async def test_admin_search_show_retire_history_and_restore_a_version(ctx, kb_admin) -> None:
    await admin.kb_cari_command(command(ctx, ADMIN_ID, "/kb_cari apa kipp"), ctx)
    assert "kipp-apa (v1): Apa itu KIPP" in sent_texts(ctx.bot)[-1]
    await admin.kb_lihat_command(command(ctx, ADMIN_ID, "/kb_lihat kipp-apa"), ctx)
    assert sent_texts(ctx.bot)[-1].startswith("kipp-apa (versi 1, aktif, diubah ")
    assert [b.callback_data for b in keyboard(ctx)] == [
        "adm:do:edit:kipp-apa",
        "adm:do:history:kipp-apa",
        "adm:do:retire:kipp-apa",
    ]
    # Retiring asks first (from the command or the button); only the confirmation retires.
    await admin.kb_pensiun_command(button(ctx, ADMIN_ID, "adm:do:retire:kipp-apa"), ctx)
    assert sent_texts(ctx.bot)[-1].startswith("Pensiunkan kipp-apa (versi 1")
    assert kb_admin.require("kipp-apa").status == "active"
    await admin.kb_pensiun_command(command(ctx, ADMIN_ID, "/kb_pensiun kipp-apa"), ctx)
    yes, no = keyboard(ctx)
    assert (yes.callback_data, no.callback_data) == ("adm:retire:kipp-apa:1", "adm:no")
    await admin.decline_button(button(ctx, ADMIN_ID, no.callback_data), ctx)
    assert kb_admin.require("kipp-apa").status == "active" and sent_texts(ctx.bot)[-1] == admin.TEXT_CANCELLED
    await admin.confirm_status(button(ctx, ADMIN_ID, yes.callback_data), ctx)
    assert kb_admin.require("kipp-apa").status == "retired"
    await admin.kb_riwayat_command(button(ctx, ADMIN_ID, "adm:do:history:kipp-apa"), ctx)
    assert f"tg:{ADMIN_ID} · retire" in sent_texts(ctx.bot)[-1] and " WIB · " in sent_texts(ctx.bot)[-1]
    kb_admin.save(entry_data("kipp-apa", title="Apa itu KIPP", answer="Jawaban salah."), actor="x")
    await admin.kb_pulihkan_command(command(ctx, ADMIN_ID, "/kb_pulihkan kipp-apa 1"), ctx)
    assert kb_admin.require("kipp-apa").answer == "Ini jawaban contoh."
    assert "/kb_aktifkan kipp-apa" in sent_texts(ctx.bot)[-1]
    await admin.kb_lihat_command(command(ctx, ADMIN_ID, "/kb_lihat tidak-ada"), ctx)
    assert sent_texts(ctx.bot)[-1].startswith("Tidak ditemukan")


async def test_guided_add_creates_the_entry_step_by_step(ctx, kb_admin) -> None:
    assert await admin.kb_tambah_command(command(ctx, ADMIN_ID, "/kb_tambah"), ctx) == admin.ADD_ID
    assert await admin.add_id(reply(ctx, ADMIN_ID, "kipp-apa"), ctx) == admin.ADD_ID  # taken
    assert await admin.add_id(reply(ctx, ADMIN_ID, "Bukan Id!"), ctx) == admin.ADD_ID
    assert await admin.add_id(reply(ctx, ADMIN_ID, "kipp-baru"), ctx) == admin.ADD_TOPIC
    assert await admin.add_topic(button(ctx, ADMIN_ID, "adm:topic:kipp"), ctx) == admin.ADD_TITLE
    assert await admin.add_title(reply(ctx, ADMIN_ID, "Entri baru"), ctx) == admin.ADD_QUESTIONS
    assert await admin.add_questions(reply(ctx, ADMIN_ID, "pertanyaan satu\npertanyaan dua"), ctx) == admin.ADD_ANSWER
    assert await admin.add_answer(reply(ctx, ADMIN_ID, "Ini jawabannya."), ctx) == admin.ADD_SOURCES
    sources = "Kementerian PANRB | https://menpan.go.id/"
    assert await admin.add_sources(reply(ctx, ADMIN_ID, sources), ctx) == admin.ADD_CONFIRM
    assert "Periksa entri baru" in sent_texts(ctx.bot)[-1]
    assert await admin.add_confirm(button(ctx, ADMIN_ID, "adm:save"), ctx) == ConversationHandler.END
    entry = kb_admin.require("kipp-baru")
    assert entry.questions == ("pertanyaan satu", "pertanyaan dua") and entry.sources[0].url == "https://menpan.go.id/"
    assert kb_admin.history("kipp-baru")[0].changed_by == f"tg:{ADMIN_ID}"
    assert ctx.user_data == {}


async def test_guided_edit_is_refused_when_the_entry_changed_meanwhile(ctx, kb_admin) -> None:
    assert await admin.kb_ubah_command(command(ctx, ADMIN_ID, "/kb_ubah kipp-apa"), ctx) == admin.EDIT_FIELD
    assert await admin.edit_field(button(ctx, ADMIN_ID, "adm:field:title"), ctx) == admin.EDIT_VALUE
    assert await admin.edit_value(reply(ctx, ADMIN_ID, "Judul saya"), ctx) == admin.EDIT_CONFIRM
    kb_admin.save(entry_data("kipp-apa", title="Judul admin lain"), actor="lain")
    assert await admin.edit_confirm(button(ctx, ADMIN_ID, "adm:save"), ctx) == ConversationHandler.END
    assert "sudah diubah orang lain" in sent_texts(ctx.bot)[-1]
    assert kb_admin.require("kipp-apa").title == "Judul admin lain"


async def test_guided_edit_saves_a_new_version(ctx, kb_admin) -> None:
    await admin.kb_ubah_command(command(ctx, ADMIN_ID, "/kb_ubah kipp-apa"), ctx)
    await admin.edit_field(button(ctx, ADMIN_ID, "adm:field:questions"), ctx)
    await admin.edit_value(reply(ctx, ADMIN_ID, "apa itu kipp\nkipp itu apa"), ctx)
    await admin.edit_confirm(button(ctx, ADMIN_ID, "adm:save"), ctx)
    entry = kb_admin.require("kipp-apa")
    assert (entry.version, entry.questions) == (2, ("apa itu kipp", "kipp itu apa"))


async def test_unanswered_list_phrasing_and_stats_photo(ctx, kb_admin) -> None:
    from knowledge.db import get_session_factory
    from knowledge.queries import log_question

    with get_session_factory(kb_admin.database_url).begin() as session:
        for _ in range(2):
            log_question(
                session, QuestionRecord(sender_id="tg-5", text="kipp buat apa", intent=None, outcome="declined")
            )
    await admin.kb_belum_terjawab_command(command(ctx, ADMIN_ID, "/kb_belum_terjawab"), ctx)
    group = kb_admin.unanswered()[0]
    assert f"[{group.group_id}] 2× “kipp buat apa”\n      ditolak 2\n" in sent_texts(ctx.bot)[-1]
    await admin.kb_frasa_command(command(ctx, ADMIN_ID, f"/kb_frasa {group.group_id} kipp-apa"), ctx)
    assert kb_admin.require("kipp-apa").questions[-1] == "kipp buat apa" and kb_admin.unanswered() == []
    await admin.kb_statistik_command(command(ctx, ADMIN_ID, "/kb_statistik 7"), ctx)
    photo = ctx.bot.send_photo.call_args.kwargs["photo"]
    assert photo.startswith(b"\x89PNG") and "Pertanyaan: 2" in sent_texts(ctx.bot)[-1]


async def test_registered_handlers_stop_the_update_before_the_bots_own_handlers() -> None:
    async def handler(update, context):
        return admin.ADD_TITLE

    with pytest.raises(ApplicationHandlerStop) as stop:
        await admin.stopping(handler)(None, None)
    assert stop.value.state == admin.ADD_TITLE


async def test_a_confirmation_is_refused_when_the_entry_changed_since_it_was_asked(ctx, kb_admin) -> None:
    await admin.kb_pensiun_command(command(ctx, ADMIN_ID, "/kb_pensiun kipp-apa"), ctx)
    yes, _ = keyboard(ctx)
    kb_admin.save(entry_data("kipp-apa", title="Diubah admin lain"), actor="lain")
    await admin.confirm_status(button(ctx, ADMIN_ID, yes.callback_data), ctx)
    assert "sudah diubah orang lain" in sent_texts(ctx.bot)[-1]
    assert kb_admin.require("kipp-apa").status == "active"


async def test_restore_asks_and_then_restores(ctx, kb_admin) -> None:
    kb_admin.retire("kipp-apa", actor="x")
    await admin.kb_aktifkan_command(command(ctx, ADMIN_ID, "/kb_aktifkan kipp-apa"), ctx)
    yes, _ = keyboard(ctx)
    assert yes.callback_data == "adm:restore:kipp-apa:2"
    await admin.confirm_status(button(ctx, ADMIN_ID, yes.callback_data), ctx)
    assert kb_admin.require("kipp-apa").status == "active"


async def test_guided_edit_adds_one_phrasing(ctx, kb_admin) -> None:
    await admin.kb_ubah_command(button(ctx, ADMIN_ID, "adm:do:edit:kipp-apa"), ctx)
    assert await admin.edit_field(button(ctx, ADMIN_ID, "adm:field:q_add"), ctx) == admin.EDIT_VALUE
    assert await admin.edit_value(reply(ctx, ADMIN_ID, "kipp  itu   buat apa"), ctx) == admin.EDIT_CONFIRM
    await admin.edit_confirm(button(ctx, ADMIN_ID, "adm:save"), ctx)
    assert kb_admin.require("kipp-apa").questions == ("apa contoh entri ini", "kipp itu buat apa")


async def test_guided_edit_removes_one_phrasing_and_refuses_a_bad_number(ctx, kb_admin) -> None:
    kb_admin.add_phrasing("kipp-apa", "frasa kedua", actor="x")
    await admin.kb_ubah_command(command(ctx, ADMIN_ID, "/kb_ubah kipp-apa"), ctx)
    await admin.edit_field(button(ctx, ADMIN_ID, "adm:field:q_remove"), ctx)
    assert "1. apa contoh entri ini\n2. frasa kedua" in sent_texts(ctx.bot)[-1]
    assert await admin.edit_value(reply(ctx, ADMIN_ID, "7"), ctx) == admin.EDIT_VALUE
    assert await admin.edit_value(reply(ctx, ADMIN_ID, "1"), ctx) == admin.EDIT_CONFIRM
    await admin.edit_confirm(button(ctx, ADMIN_ID, "adm:save"), ctx)
    assert kb_admin.require("kipp-apa").questions == ("frasa kedua",)


def test_help_is_indonesian_and_lines_up() -> None:
    text = admin.help_html()
    rows = html.unescape(text.split("<pre>", 1)[1].removesuffix("</pre>")).splitlines()
    assert len(rows) == len(admin.HELP_LINES)
    columns = {len(row) - len(row[len(row.split("  ")[0]) :].lstrip()) for row in rows}
    assert len(columns) == 1  # every description starts in the same column
    assert "/kb_tambah [grup]" in text and "tambah entri" in text and "&lt;id&gt;" in text


async def test_feedback_and_audit_commands_list_in_wib(ctx, kb_admin) -> None:
    feedback_id = kb_admin.add_feedback(
        FeedbackVote(sender_id="tg-7", entry_id="kipp-apa", entry_version=1, helpful=False, question="kipp itu apa")
    )
    kb_admin.comment_feedback(feedback_id, "kurang jelas")
    await admin.kb_masukan_command(command(ctx, ADMIN_ID, "/kb_masukan 7"), ctx)
    text = sent_texts(ctx.bot)[-1]
    assert "kipp-apa v1" in text and "T: kipp itu apa" in text and "👎 kurang jelas" in text and " WIB" in text
    await admin.kb_audit_command(command(ctx, ADMIN_ID, "/kb_audit kipp-apa"), ctx)
    assert "seed · create · kipp-apa v1" in sent_texts(ctx.bot)[-1]


async def test_dismiss_command_drops_a_review_group_for_good(ctx, kb_admin) -> None:
    from knowledge.db import get_session_factory
    from knowledge.queries import log_question

    with get_session_factory(kb_admin.database_url).begin() as session:
        log_question(session, QuestionRecord(sender_id="tg-5", text="cuaca besok", intent=None, outcome="declined"))
    group = kb_admin.review()[0]
    await admin.kb_abaikan_command(command(ctx, ADMIN_ID, f"/kb_abaikan {group.group_id} di luar cakupan"), ctx)
    assert "diabaikan" in sent_texts(ctx.bot)[-1] and kb_admin.review() == []
    await admin.kb_abaikan_command(command(ctx, ADMIN_ID, "/kb_abaikan"), ctx)
    assert sent_texts(ctx.bot)[-1].startswith("Gunakan: /kb_abaikan")


async def test_a_stale_admin_button_is_answered_expired(ctx) -> None:
    tap = button(ctx, ADMIN_ID, "adm:save")
    await admin.on_stale_button(tap, ctx)
    ctx.bot.answer_callback_query.assert_awaited()
    assert ctx.bot.answer_callback_query.call_args.kwargs["text"] == admin.TEXT_EXPIRED
    assert sent_texts(ctx.bot) == []
