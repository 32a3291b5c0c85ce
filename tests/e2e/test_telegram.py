"""End to end: the real Application polls a stand-in Bot API over HTTP and talks to the real assistant.

`build_application` runs unchanged; only TELEGRAM_API_BASE_URL points at `tests.fake_telegram` on loopback.
Tests about what the assistant answers use the session's real Rasa and action server (`rasa_stack`); tests
about what never reaches the assistant, or that need a reply Rasa would not give (a slow answer, a file),
use `ScriptedAssistant`, a small REST-channel stand-in that records what it was asked.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import os
import re
import signal
import socket
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest
from aiohttp import web

import knowledge
from bot import handlers
from bot.app import BotApplication, build_application, running
from settings import PROJECT_ROOT, Settings
from tests.fake_telegram import FakeTelegram, SentCall
from tests.tokens import E2E_RASA_TOKEN
from tools.stack import Stack, free_port

pytestmark = pytest.mark.e2e

TOPICS = ["KIPP", "Replikasi", "Pelembagaan", "JIPP", "MPP", "UNPSA"]
RASA_WAIT = 60.0  # the first question of a session warms up the model and the knowledge base
_chat_ids = itertools.count(int(time.time()) % 1_000_000 * 1000)


def new_chat() -> int:
    """Return a private chat id no earlier test (or run against the same trackers) used."""
    return next(_chat_ids)


def new_group() -> int:
    """Return a supergroup chat id (negative, as Telegram's are)."""
    return -1_000_000_000_000 - next(_chat_ids)


def texts(calls: list[SentCall]) -> list[str]:
    return [call.text or "" for call in calls]


def plain(text: str) -> str:
    """What a reader sees of the assistant's light markup ([label](url), "Title (url)" and **bold**)."""
    text = re.sub(r"\[([^\]\n]+)\]\((https?://[^\s)]+)\)", r"\1", text).replace("**", "")
    # A source cited as "Title (https://...)" shows as the linked title.
    return re.sub(r" \((https?://[^\s)]+)\)", "", text)


# ----------------------------------------------------------------------------------------------------------------
# Stand-ins and plumbing


class ScriptedAssistant:
    """A REST-channel stand-in: answers with `answer(sender, message)` and records every request."""

    def __init__(self, answer: Callable[[str, str], Awaitable[list[dict[str, Any]]]] | None = None) -> None:
        self.answer = answer or self.echo
        self.requests: list[tuple[str, str]] = []
        self.url = ""
        self._runner: web.AppRunner | None = None

    @staticmethod
    async def echo(sender: str, message: str) -> list[dict[str, Any]]:
        return [{"recipient_id": sender, "text": f"jawaban: {message[:50]}"}]

    async def _webhook(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append((body["sender"], body["message"]))
        return web.json_response(await self.answer(body["sender"], body["message"]))

    async def __aenter__(self) -> ScriptedAssistant:
        app = web.Application()
        app.router.add_post("/webhooks/rest/webhook", self._webhook)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        port = free_port()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._runner is not None
        await self._runner.cleanup()


class SwitchableProxy:
    """A TCP proxy on a fixed loopback port: `close()` makes the assistant unreachable, `open()` brings it back."""

    def __init__(self, target_url: str) -> None:
        parts = urlsplit(target_url)
        self.target = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server: asyncio.AbstractServer | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def open(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port, reuse_address=True)

    async def close(self) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()
        for writer in list(self._writers):
            writer.close()
        self._writers.clear()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self._writers.update({writer, upstream_writer})
        await asyncio.gather(self._pipe(reader, upstream_writer), self._pipe(upstream_reader, writer))

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()
            self._writers.discard(writer)


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


@pytest.fixture
async def scripted() -> AsyncIterator[ScriptedAssistant]:
    async with ScriptedAssistant() as assistant:
        yield assistant


def bot_settings(telegram: FakeTelegram, rasa_url: str, **env: str) -> Settings:
    # The bot keeps its state (drafts, pending comments) in DATABASE_URL: never the developer's var/ database.
    scratch = f"sqlite:///{tempfile.mkdtemp(prefix='bot-state-')}/kb.db"
    return Settings.from_env(
        {
            "TELEGRAM_BOT_TOKEN": telegram.token,
            "TELEGRAM_API_BASE_URL": telegram.base_url,
            "RASA_URL": rasa_url,
            "RASA_TOKEN": E2E_RASA_TOKEN,
            "RASA_TIMEOUT": "60",
            "DATABASE_URL": scratch,
            **env,
        }
    )


@asynccontextmanager
async def bot_running(telegram: FakeTelegram, rasa_url: str, **env: str) -> AsyncIterator[BotApplication]:
    """Run the real application against the stand-in, polling it over HTTP (or by webhook if asked)."""
    settings = bot_settings(telegram, rasa_url, **env)
    application = build_application(settings)
    async with running(application, settings):
        yield application


async def wait_for_keyboard(telegram: FakeTelegram, chat_id: int, after: int = 0) -> SentCall:
    await telegram.wait_for(lambda _: any(c.buttons for c in telegram.sent(chat_id, after=after)), timeout=RASA_WAIT)
    return next(c for c in telegram.sent(chat_id, after=after) if c.buttons)


async def wait_until_quiet(telegram: FakeTelegram, chat_id: int, after: int, quiet: float = 1.0) -> list[SentCall]:
    """Wait for a first reply, then until nothing more arrives for `quiet` seconds (answers span messages)."""
    await telegram.wait_for_sent(chat_id, after=after, timeout=RASA_WAIT)
    while True:
        seen = len(telegram.sent(chat_id, after=after))
        await asyncio.sleep(quiet)
        if len(telegram.sent(chat_id, after=after)) == seen:
            return telegram.sent(chat_id, after=after)


# ----------------------------------------------------------------------------------------------------------------
# With the real assistant


async def test_start_greets_with_the_topic_keyboard_and_registers_the_menu(telegram, rasa_stack) -> None:
    chat = new_chat()
    # "typing…" at once (by default it waits for an answer slower than a second, which /start is not).
    async with bot_running(telegram, rasa_stack.rasa_url, TYPING_DELAY_SECONDS="0"):
        telegram.push_text(chat, "/start")
        greeting = await wait_for_keyboard(telegram, chat)

    assert [button["text"] for button in greeting.buttons] == TOPICS
    assert all(button.get("callback_data") for button in greeting.buttons)
    assert [c["command"] for c in telegram.commands] == [
        "start",
        "menu",
        "kesiapan",
        "replikasi",
        "pelembagaan",
        "demo",
        "help",
        "reset",
        "tentang",
        "hapus_data",
    ]
    assert all(c["description"] for c in telegram.commands)
    # "typing…" was shown before the greeting.
    actions = telegram.sent(chat, "sendChatAction")
    assert actions and actions[0].params["action"] == "typing" and actions[0].at < greeting.at


async def test_a_button_tap_sends_its_payload_to_the_assistant(telegram, rasa_stack) -> None:
    chat = new_chat()
    async with bot_running(telegram, rasa_stack.rasa_url):
        telegram.push_text(chat, "/start")
        greeting = await wait_for_keyboard(telegram, chat)
        kipp = next(button for button in greeting.buttons if button["text"] == "KIPP")
        mark = telegram.mark()
        telegram.push_callback(chat, kipp["callback_data"], message=greeting.message)
        replies = await wait_until_quiet(telegram, chat, after=mark)

    assert any(c.method == "answerCallbackQuery" for c in telegram.calls[mark:])
    # The bot shows exactly what the assistant answers to that payload in a fresh conversation.
    expected = [
        plain(m["text"]) for m in rasa_stack.send(rasa_stack.new_sender(), kipp["callback_data"]) if "text" in m
    ]
    assert "\n\n".join(texts(replies)) == "\n\n".join(expected)  # consecutive texts arrive as one message
    assert "KIPP" in "\n".join(expected)


async def test_a_question_is_answered_by_the_real_assistant(telegram, rasa_stack) -> None:
    chat = new_chat()
    question = "Apa itu KIPP?"
    async with bot_running(telegram, rasa_stack.rasa_url):
        telegram.push_text(chat, question)
        replies = await wait_until_quiet(telegram, chat, after=0)

    expected = [plain(m["text"]) for m in rasa_stack.send(rasa_stack.new_sender(), question) if "text" in m]
    assert expected and len(replies) == 1  # the answer's texts (answer, source) arrive as one Telegram message
    assert texts(replies) == ["\n\n".join(expected)]
    assert "Kompetisi Inovasi Pelayanan Publik" in "\n".join(expected)
    assert all(c.params.get("parse_mode") == "HTML" for c in replies)


async def test_in_a_group_only_messages_addressed_to_the_bot_are_answered(telegram, rasa_stack) -> None:
    group, member, other = new_group(), 501, 502
    async with bot_running(telegram, rasa_stack.rasa_url):
        chatter = telegram.push_text(group, "ada yang tahu jadwal rapat besok?", user_id=member)
        asked = telegram.push_text(group, f"@{telegram.username} apa itu KIPP?", user_id=member)
        [first] = await telegram.wait_for_sent(group, timeout=RASA_WAIT)
        # Same member, same conversation: the chatter was handled (and ignored) before the question.
        assert first.reply_to_message_id == telegram.message_of(asked)["message_id"]
        assert all(c.reply_to_message_id != telegram.message_of(chatter)["message_id"] for c in telegram.calls)

        mark = telegram.mark()
        telegram.push_text(group, "kalau syaratnya apa?", user_id=other, reply_to=first.message)
        [answer] = await telegram.wait_for_sent(group, after=mark, timeout=RASA_WAIT)
        assert answer.text

        mark = telegram.mark()
        telegram.push_text(group, f"/menu@{telegram.username}", user_id=other)
        menu = await wait_for_keyboard(telegram, group, after=mark)
        assert [button["text"] for button in menu.buttons][: len(TOPICS)] == TOPICS


async def test_a_5000_character_message_is_trimmed_with_a_note_and_answered(telegram, rasa_stack) -> None:
    chat = new_chat()
    text = ("Apa itu KIPP? " + "Mohon dijelaskan secara lengkap dan rinci. " * 200)[:5000]
    assert len(text) == 5000
    async with bot_running(telegram, rasa_stack.rasa_url):
        telegram.push_text(chat, text)
        note, answer = await telegram.wait_for_sent(chat, count=2, timeout=RASA_WAIT)

    assert "5.000 karakter" in (note.text or "") and "1.000 karakter" in (note.text or "")
    assert answer.text and answer.text != note.text


async def test_the_assistant_down_gets_an_apology_and_the_bot_recovers_by_itself(telegram, rasa_stack) -> None:
    chat = new_chat()
    proxy = SwitchableProxy(rasa_stack.rasa_url)
    await proxy.open()
    try:
        async with bot_running(telegram, proxy.url):
            telegram.push_text(chat, "/menu")
            await wait_for_keyboard(telegram, chat)

            await proxy.close()
            mark = telegram.mark()
            telegram.push_text(chat, "Apa itu JIPP?")
            [apology] = await telegram.wait_for_sent(chat, after=mark, timeout=RASA_WAIT)
            assert apology.text == handlers.TEXT_ASSISTANT_DOWN

            await proxy.open()
            mark = telegram.mark()
            telegram.push_text(chat, "/menu")
            menu = await wait_for_keyboard(telegram, chat, after=mark)
            assert [button["text"] for button in menu.buttons][: len(TOPICS)] == TOPICS
    finally:
        with_server = proxy._server is not None and proxy._server.is_serving()
        if with_server:
            await proxy.close()


async def test_a_429_from_telegram_is_retried_after_retry_after(telegram, rasa_stack) -> None:
    chat = new_chat()
    telegram.fail_next("sendMessage", 1, retry_after=1)
    async with bot_running(telegram, rasa_stack.rasa_url):
        telegram.push_text(chat, "/start")
        greeting = await wait_for_keyboard(telegram, chat)

    [refused] = [c for c in telegram.rejected if c.method == "sendMessage"]
    assert refused.chat_id == chat
    assert greeting.at - refused.at >= 1.0  # waited as told, then sent the same message
    assert greeting.params["text"] == refused.params["text"]


async def test_tentang_tells_the_version_and_the_knowledge_base_date(telegram, rasa_stack, monkeypatch) -> None:
    kb = rasa_stack.kb()
    info = kb.info()
    # The bot reads the knowledge base configured for its process; here, the one the action server uses.
    monkeypatch.setattr(knowledge, "kb_info", kb.info)
    chat = new_chat()
    async with bot_running(telegram, rasa_stack.rasa_url):
        telegram.push_text(chat, "/tentang")
        [about] = await telegram.wait_for_sent(chat)

    assert about.text is not None and about.text.startswith("Klinik Inovasi Bot")
    assert f"Versi: {handlers.app_version()}" in about.text
    assert info.entry_count > 0 and info.updated_at is not None
    assert f"{info.entry_count:,}".replace(",", ".") + " entri" in about.text
    assert f"diperbarui {handlers.format_date(info.updated_at)}" in about.text


# ----------------------------------------------------------------------------------------------------------------
# With the scripted assistant


async def test_a_sticker_gets_a_friendly_text_and_never_reaches_the_assistant(telegram, scripted) -> None:
    chat, group = new_chat(), new_group()
    sticker = {"file_id": "s", "file_unique_id": "s", "type": "regular", "width": 512, "height": 512}
    sticker |= {"is_animated": False, "is_video": False}
    async with bot_running(telegram, scripted.url):
        telegram.push_message(group, user_id=7, sticker=sticker)  # not addressed: ignored
        telegram.push_message(chat, sticker=sticker)
        [reply] = await telegram.wait_for_sent(chat)
        telegram.push_message(chat, location={"latitude": -6.2, "longitude": 106.8})
        [_, where] = await telegram.wait_for_sent(chat, count=2)

    assert reply.text == handlers.TEXT_NOT_TEXT.format(kind="stiker")
    assert where.text == handlers.TEXT_NOT_TEXT.format(kind="lokasi")
    assert telegram.sent(group) == []
    assert scripted.requests == []


async def test_edited_messages_are_ignored(telegram, scripted) -> None:
    chat = new_chat()
    async with bot_running(telegram, scripted.url):
        first = telegram.push_text(chat, "halo")
        await telegram.wait_for_sent(chat)
        telegram.push_edited_text(chat, telegram.message_of(first)["message_id"], "halo (diedit)")
        telegram.push_text(chat, "pertanyaan berikutnya")
        await telegram.wait_for_sent(chat, count=2)

    assert [message for _, message in scripted.requests] == ["halo", "pertanyaan berikutnya"]


async def test_replies_are_escaped_split_and_files_are_sent_as_documents(telegram, scripted) -> None:
    chat = new_chat()
    paragraphs = [f"Bagian {i}: <syarat> & ketentuan" + " isi" * 460 for i in range(5)]
    content = b"unit,inovasi\nDinas A,Layanan <B>\n"

    async def answer(sender: str, message: str) -> list[dict[str, Any]]:
        document = {
            "filename": "rekap.csv",
            "content_b64": base64.b64encode(content).decode(),
            "caption": "Rekap & data",
        }
        return [
            {"text": "\n\n".join(paragraphs), "buttons": [{"title": "Lanjut", "payload": "/lanjut"}]},
            {"custom": {"document": document}},
            {"custom": {"kb_answer": {"entry_id": "x", "version": 1}}},
        ]

    scripted.answer = answer
    async with bot_running(telegram, scripted.url):
        telegram.push_text(chat, "minta rekap")
        [document] = await telegram.wait_for_sent(chat, method="sendDocument")

    parts = telegram.sent(chat)
    assert len(parts) == 3  # five paragraphs of ~1,900 characters: 2 + 2 + 1, cut between paragraphs
    assert "\n\n".join(texts(parts)) == "\n\n".join(paragraphs)
    assert [bool(c.buttons) for c in parts] == [False, False, True]
    assert document.files["document"].content == content
    assert document.files["document"].filename == "rekap.csv"
    assert document.text == "Rekap & data"


async def test_a_slow_conversation_does_not_hold_up_the_others(telegram, scripted) -> None:
    slow_chat, fast_chat = new_chat(), new_chat()

    async def answer(sender: str, message: str) -> list[dict[str, Any]]:
        if message == "lambat":
            await asyncio.sleep(1.5)
        return [{"text": f"jawaban {message}"}]

    scripted.answer = answer
    async with bot_running(telegram, scripted.url):
        telegram.push_text(slow_chat, "lambat")
        telegram.push_text(slow_chat, "cepat")
        telegram.push_text(fast_chat, "cepat")
        await telegram.wait_for_sent(slow_chat, count=2)

    [fast] = telegram.sent(fast_chat)
    slow = telegram.sent(slow_chat)
    assert fast.at < slow[0].at  # the other chat did not wait
    assert texts(slow) == ["jawaban lambat", "jawaban cepat"]  # one chat keeps its order


async def test_webhook_mode_receives_updates_with_the_secret_token(telegram, scripted) -> None:
    chat, port = new_chat(), free_port()
    webhook_url = f"http://127.0.0.1:{port}/telegram/webhook"
    env = {
        "TELEGRAM_MODE": "webhook",
        "TELEGRAM_WEBHOOK_URL": webhook_url,
        "TELEGRAM_WEBHOOK_SECRET": "rahasia-123",
        "TELEGRAM_WEBHOOK_PORT": str(port),
    }
    async with bot_running(telegram, scripted.url, **env):
        assert telegram.webhook_url == webhook_url and telegram.webhook_secret == "rahasia-123"
        telegram.push_text(chat, "halo lewat webhook")
        [reply] = await telegram.wait_for_sent(chat)
        async with aiohttp.ClientSession() as session:
            forged = {"update_id": 999_999, "message": telegram.make_message(chat, text="palsu")}
            async with session.post(webhook_url, json=forged) as response:
                assert response.status == 403
            async with session.post(webhook_url, json=forged, headers={"X-Telegram-Bot-Api-Secret-Token": "x"}) as r:
                assert r.status == 403

    assert reply.text == "jawaban: halo lewat webhook"
    assert scripted.requests == [(f"tg-{chat}", "halo lewat webhook")]


def _three_free_ports() -> int:
    """Return a port that is free together with the next two (the router's and its two bot processes')."""
    for _ in range(50):
        port = free_port()
        if port < 65000 and all(_port_free(port + offset) for offset in (1, 2)):
            return port
    raise AssertionError("no three consecutive free ports")


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def test_route_key_is_the_sender_then_the_chat() -> None:
    from bot.webhook_router import route_key

    assert route_key({"message": {"from": {"id": 7}, "chat": {"id": -100}}}) == 7
    assert route_key({"callback_query": {"from": {"id": 8}, "message": {"chat": {"id": 9}}}}) == 8
    assert route_key({"channel_post": {"chat": {"id": -5}}}) == -5
    assert route_key({"poll": {}}) == 0


async def test_two_bot_processes_behind_the_webhook_router_keep_each_order(telegram, scripted, tmp_path) -> None:
    port = _three_free_ports()
    env = {
        "TELEGRAM_BOT_TOKEN": telegram.token,
        "TELEGRAM_API_BASE_URL": telegram.base_url,
        "TELEGRAM_MODE": "webhook",
        "TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram/webhook",
        "TELEGRAM_WEBHOOK_SECRET": "rahasia-456",
        "TELEGRAM_WEBHOOK_PORT": str(port),
        "BOT_PROCESSES": "2",
        "OUTBOX_DB": str(tmp_path / "outbox.db"),
    }
    settings = bot_settings(telegram, scripted.url, **env)
    stack = Stack(settings, "", with_bot=True, log_dir=tmp_path / "logs")
    services = stack.bot_services()
    assert [service.name for service in services] == ["bot-router", "bot-1", "bot-2"]
    child_env = {**bot_env(), **stack.environment(), **env}
    for service in services:
        service.start(child_env, stack.log_dir)
    try:
        await telegram.wait_for(lambda _: len(telegram.sent(method="setWebhook")) >= 2, timeout=60)
        chats = [new_chat() for _ in range(6)]  # consecutive ids: both processes get some
        mark = telegram.mark()
        for chat in chats:
            telegram.push_text(chat, "satu")
            telegram.push_text(chat, "dua")
        await telegram.wait_for(lambda _: all(len(telegram.sent(chat, after=mark)) >= 2 for chat in chats), timeout=60)
        for chat in chats:
            assert [r.text for r in telegram.sent(chat, after=mark)] == ["jawaban: satu", "jawaban: dua"]
            assert [m for sender, m in scripted.requests if sender == f"tg-{chat}"] == ["satu", "dua"]
        assert set(telegram.webhook_statuses) == {200}
        # A bot process dies; the router holds its people's updates until it is back (the supervisor's job).
        bot_1 = services[1]
        assert bot_1.process is not None
        bot_1.process.kill()
        bot_1.process.wait()
        mine = next(c for c in chats if c % 2 == 0)  # user id % 2 == 0 -> the first bot process
        other = next(c for c in chats if c % 2 == 1)
        mark = telegram.mark()
        telegram.push_text(other, "masih jalan")  # the second process answers while the first is down
        [reply] = await telegram.wait_for_sent(other, after=mark, timeout=15)
        assert reply.text == "jawaban: masih jalan"
        telegram.push_text(mine, "tiga")
        await asyncio.sleep(1.0)
        bot_1.start(child_env, stack.log_dir)
        [reply] = await telegram.wait_for_sent(mine, after=mark, timeout=60)
        assert reply.text == "jawaban: tiga"
    finally:
        for service in reversed(services):
            service.stop()


# ----------------------------------------------------------------------------------------------------------------
# `python -m bot` itself


def bot_env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
    env.update({"PYTHONUNBUFFERED": "1", "LOG_LEVEL": "INFO", **values})
    return env


async def run_module(env: dict[str, str], timeout: float = 60) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=PROJECT_ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout)
    assert process.returncode is not None
    return process.returncode, output.decode()


async def test_python_m_bot_without_a_token_exits_with_a_clear_message() -> None:
    code, output = await run_module(bot_env(TELEGRAM_BOT_TOKEN=""))
    assert code == 1
    assert "TELEGRAM_BOT_TOKEN is not set" in output and "Traceback" not in output


async def test_python_m_bot_with_a_rejected_token_exits_with_a_clear_message(telegram) -> None:
    env = bot_env(TELEGRAM_BOT_TOKEN="999:revoked", TELEGRAM_API_BASE_URL=telegram.base_url)
    code, output = await run_module(env)
    assert code == 1
    assert "Telegram rejected TELEGRAM_BOT_TOKEN" in output


async def test_python_m_bot_polls_answers_and_stops_cleanly(telegram, scripted) -> None:
    chat = new_chat()
    env = bot_env(TELEGRAM_BOT_TOKEN=telegram.token, TELEGRAM_API_BASE_URL=telegram.base_url, RASA_URL=scripted.url)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=PROJECT_ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        telegram.push_text(chat, "/start")
        [reply] = await telegram.wait_for_sent(chat, timeout=60)
        assert reply.text == "jawaban: /greet"
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = await asyncio.wait_for(process.communicate(), 30)
    log = output.decode()
    assert process.returncode == 0, log
    assert telegram.token not in log  # the token is in every Bot API URL; httpx must not log them
    assert "/start" not in log  # user text stays out of INFO logs


# ----------------------------------------------------------------------------------------------------------------
# Admins closing the loop: feedback, the review queue, admin dialogues and stale buttons

ADMIN_ID = 777_001


def kb_database(tmp_path: Any) -> str:
    """Return a fresh knowledge base for the bot's admin and feedback work, with one entry."""
    url = f"sqlite:///{tmp_path / 'kb.db'}"
    from tests.factories import entry_data

    knowledge.KnowledgeAdmin(url).create(entry_data("kipp-apa", title="Apa itu KIPP"), actor="seed")
    return url


async def test_a_thumbs_down_with_a_comment_reaches_kb_feedback_and_the_review_queue(telegram, rasa_stack) -> None:
    from click.testing import CliRunner

    from knowledge.cli import cli

    chat = new_chat()
    env = {"DATABASE_URL": rasa_stack.database_url, "OPS_CHAT_ID": "-100999"}
    async with bot_running(telegram, rasa_stack.rasa_url, **env):
        telegram.push_text(chat, "Apa itu KIPP?")
        answer = await wait_for_keyboard(telegram, chat)
        down = next(b for b in answer.buttons if b["text"].startswith("👎"))
        mark = telegram.mark()
        telegram.push_callback(chat, down["callback_data"], message=answer.message)
        [ask] = await telegram.wait_for_sent(chat, after=mark)
        assert "Apa yang kurang tepat" in (ask.text or "")
        mark = telegram.mark()
        telegram.push_text(chat, "tidak menyebut tahun terbaru")
        [thanks] = await telegram.wait_for_sent(chat, after=mark)
        [alert] = await telegram.wait_for_sent(-100999, after=mark)

    assert "sudah kami catat" in (thanks.text or "")
    assert "tidak menyebut tahun terbaru" in (alert.text or "")
    listed = CliRunner().invoke(cli, ["--database-url", rasa_stack.database_url, "feedback", "--days", "1"]).stdout
    assert "question: Apa itu KIPP?" in listed and "comment:  tidak menyebut tahun terbaru" in listed
    queue = knowledge.KnowledgeAdmin(rasa_stack.database_url).review(limit=None)
    assert any("tidak menyebut tahun terbaru" in g.comments and "Apa itu KIPP?" in g.texts for g in queue)


async def test_a_stale_admin_button_never_reaches_the_assistant(telegram, scripted, tmp_path) -> None:
    env = {"DATABASE_URL": kb_database(tmp_path), "ADMIN_TELEGRAM_IDS": str(ADMIN_ID)}
    stranger = new_chat()
    async with bot_running(telegram, scripted.url, **env):
        mark = telegram.mark()
        telegram.push_callback(ADMIN_ID, "adm:save")
        telegram.push_callback(ADMIN_ID, "adm:topic:kipp")
        telegram.push_callback(stranger, "adm:save")
        await telegram.wait_for(
            lambda calls: sum(c.method == "answerCallbackQuery" for c in calls[mark:]) >= 3, timeout=10
        )
        await asyncio.sleep(0.5)

    answers = [c for c in telegram.calls[mark:] if c.method == "answerCallbackQuery"]
    assert [a.params.get("text") for a in answers[:2]] == ["Tombol ini sudah kedaluwarsa; ulangi perintahnya."] * 2
    assert scripted.requests == []
    assert not telegram.sent(ADMIN_ID)  # nothing but the answer to the tap


async def test_typed_batal_leaves_a_guided_add_and_nothing_is_saved(telegram, scripted, tmp_path) -> None:
    url = kb_database(tmp_path)
    async with bot_running(telegram, scripted.url, DATABASE_URL=url, ADMIN_TELEGRAM_IDS=str(ADMIN_ID)):
        for text, expected in (
            ("/kb_tambah", "Id entri baru?"),
            ("kipp-baru", "Topik?"),
            ("Batal", "Dibatalkan"),
            ("judul yang tidak boleh tersimpan", "jawaban:"),
        ):
            mark = telegram.mark()
            telegram.push_text(ADMIN_ID, text)
            [reply] = await telegram.wait_for_sent(ADMIN_ID, after=mark)
            assert expected in (reply.text or ""), (text, reply.text)

    assert knowledge.KnowledgeAdmin(url).get("kipp-baru") is None
    # Only the message after the dialogue ended reached the assistant.
    assert [m for _, m in scripted.requests] == ["judul yang tidak boleh tersimpan"]


async def test_kb_lihat_buttons_edit_and_retire_with_confirmation(telegram, scripted, tmp_path) -> None:
    url = kb_database(tmp_path)
    kb = knowledge.KnowledgeAdmin(url)
    async with bot_running(telegram, scripted.url, DATABASE_URL=url, ADMIN_TELEGRAM_IDS=str(ADMIN_ID)):
        mark = telegram.mark()
        telegram.push_text(ADMIN_ID, "/kb_lihat kipp-apa")
        [shown] = await telegram.wait_for_sent(ADMIN_ID, after=mark)
        retire = next(b for b in shown.buttons if "Pensiunkan" in b["text"])
        mark = telegram.mark()
        telegram.push_callback(ADMIN_ID, retire["callback_data"], message=shown.message)
        [question] = await telegram.wait_for_sent(ADMIN_ID, after=mark)
        assert kb.require("kipp-apa").status == "active"
        yes = question.buttons[0]
        mark = telegram.mark()
        telegram.push_callback(ADMIN_ID, yes["callback_data"], message=question.message)
        [done] = await telegram.wait_for_sent(ADMIN_ID, after=mark)
        # The confirmation's buttons are removed, so it cannot be tapped twice.
        await telegram.wait_for(lambda calls: any(c.method == "editMessageReplyMarkup" for c in calls[mark:]))

    assert "dipensiunkan (versi 2)" in (done.text or "")
    assert kb.require("kipp-apa").status == "retired"
    assert scripted.requests == []


async def test_an_admin_draft_survives_a_restart_of_the_bot(telegram, scripted, tmp_path) -> None:
    url = kb_database(tmp_path)
    env = {"DATABASE_URL": url, "ADMIN_TELEGRAM_IDS": str(ADMIN_ID)}

    async def say(text: str) -> str:
        mark = telegram.mark()
        telegram.push_text(ADMIN_ID, text)
        [reply] = await telegram.wait_for_sent(ADMIN_ID, after=mark)
        return reply.text or ""

    async with bot_running(telegram, scripted.url, **env):
        assert "Id entri baru?" in await say("/kb_tambah")
        assert "Topik?" in await say("kipp-setelah-restart")
    # A new application, as after a restart: the dialogue goes on where it was.
    async with bot_running(telegram, scripted.url, **env):
        assert "Judul entri?" in await say("kipp")
        assert "Pertanyaan" in await say("Judul setelah restart")
        assert "Jawabannya?" in await say("apa yang terjadi setelah restart")
        assert "Sumber?" in await say("Drafnya tidak hilang.")
        preview = await say("Kementerian PANRB | https://menpan.go.id/")
        assert "Periksa entri baru" in preview
        confirm = telegram.sent(ADMIN_ID)[-1]
        mark = telegram.mark()
        telegram.push_callback(ADMIN_ID, confirm.buttons[0]["callback_data"], message=confirm.message)
        [saved] = await telegram.wait_for_sent(ADMIN_ID, after=mark)

    assert "Tersimpan: kipp-setelah-restart versi 1" in (saved.text or "")
    assert knowledge.KnowledgeAdmin(url).require("kipp-setelah-restart").title == "Judul setelah restart"
    assert scripted.requests == []


# ----------------------------------------------------------------------------------------------------------------
# Human handoff

FACILITATOR_ID = 888_001


async def test_a_handoff_is_claimed_relayed_both_ways_and_ended(telegram, scripted, tmp_path) -> None:
    from knowledge.db import get_session_factory
    from knowledge.queries import log_question

    url, officer, facilitators = kb_database(tmp_path), new_chat(), new_group()
    with get_session_factory(url).begin() as session:
        log_question(
            session,
            knowledge.QuestionRecord(
                sender_id=f"tg-{officer}", text="kapan KIPP dibuka", intent=None, outcome="declined"
            ),
        )
    env = {"DATABASE_URL": url, "HANDOFF_CHAT_ID": str(facilitators)}

    async def officer_says(text: str, count: int = 1) -> list[SentCall]:
        mark = telegram.mark()
        telegram.push_text(officer, text)
        return await telegram.wait_for_sent(officer, count=count, after=mark)

    async with bot_running(telegram, scripted.url, **env):
        [offer] = await officer_says("saya mau bicara dengan petugas")
        assert [b["text"] for b in offer.buttons] == ["🙋 Ya, hubungkan", "Tidak"]
        mark = telegram.mark()
        telegram.push_callback(officer, offer.buttons[0]["callback_data"], message=offer.message)
        [request] = await telegram.wait_for_sent(facilitators, after=mark)
        [waiting] = await telegram.wait_for_sent(officer, after=mark)
        assert "Permintaan bantuan" in (request.text or "") and "“kapan KIPP dibuka” → ditolak" in (request.text or "")
        assert "diteruskan ke fasilitator" in (waiting.text or "")

        mark = telegram.mark()
        telegram.push_callback(
            facilitators, request.buttons[0]["callback_data"], user_id=FACILITATOR_ID, message=request.message
        )
        [joined] = await telegram.wait_for_sent(officer, after=mark)
        assert "sudah bergabung" in (joined.text or "")

        relayed = []
        for text in ("pesan pertama", "pesan kedua"):
            mark = telegram.mark()
            telegram.push_text(officer, text)
            [posted] = await telegram.wait_for_sent(facilitators, after=mark)
            assert text in (posted.text or "") and posted.reply_to_message_id == request.message["message_id"]
            relayed.append(posted)
        for posted, answer in zip(relayed, ("balasan pertama", "balasan kedua"), strict=True):
            mark = telegram.mark()
            telegram.push_text(facilitators, answer, user_id=FACILITATOR_ID, reply_to=posted.message)
            [back] = await telegram.wait_for_sent(officer, after=mark)
            assert answer in (back.text or "") and "fasilitator" in (back.text or "")

        # Chatter in the facilitators' group (no reply to a relayed message) reaches neither side nor the assistant.
        telegram.push_text(facilitators, f"@{telegram.username} halo semua", user_id=FACILITATOR_ID)
        [ended] = await officer_says("/selesai")
        assert "Asisten kembali menjawab" in (ended.text or "")
        [answered] = await officer_says("apa itu kipp")

    assert "jawaban: apa itu kipp" in (answered.text or "")
    # Nothing of the handoff reached the assistant: only the question after it.
    assert scripted.requests == [(f"tg-{officer}", "apa itu kipp")]
    assert any("mengakhiri percakapan" in (c.text or "") for c in telegram.sent(facilitators))


async def test_an_unclaimed_handoff_times_out_with_an_apology_and_office_hours(telegram, scripted, tmp_path) -> None:
    officer, facilitators = new_chat(), new_group()
    env = {
        "DATABASE_URL": kb_database(tmp_path),
        "HANDOFF_CHAT_ID": str(facilitators),
        "HANDOFF_TIMEOUT_MINUTES": "0",
        "HANDOFF_OFFICE_HOURS": "Senin–Jumat 08.00–16.00 WIB",
    }
    async with bot_running(telegram, scripted.url, **env):
        telegram.push_text(officer, "/petugas")
        [offer] = await telegram.wait_for_sent(officer)
        mark = telegram.mark()
        telegram.push_callback(officer, offer.buttons[0]["callback_data"], message=offer.message)
        await telegram.wait_for_sent(facilitators, after=mark)
        await telegram.wait_for_sent(officer, after=mark)  # "diteruskan ke fasilitator"
        mark = telegram.mark()
        telegram.push_text(officer, "halo")
        replies = await telegram.wait_for_sent(officer, count=2, after=mark)

    assert "belum ada fasilitator" in (replies[0].text or "") and "Senin–Jumat 08.00–16.00 WIB" in (
        replies[0].text or ""
    )
    assert "jawaban: halo" in (replies[1].text or "")
    assert any("kedaluwarsa" in (c.text or "") for c in telegram.sent(facilitators))


async def kb_answer(sender: str, message: str) -> list[dict[str, Any]]:
    """A scripted reply that is a knowledge-base answer (so it carries 👍/👎)."""
    return [
        {"recipient_id": sender, "text": f"Jawaban untuk {message[:40]}"},
        {"recipient_id": sender, "custom": {"kb_answer": {"entry_id": "kipp-apa", "version": 1}}},
    ]


async def test_skip_edits_the_question_and_two_thumbs_down_offer_a_facilitator(telegram, tmp_path) -> None:
    url, officer = kb_database(tmp_path), new_chat()
    async with ScriptedAssistant(kb_answer) as assistant:
        env = {"DATABASE_URL": url, "HANDOFF_CHAT_ID": str(new_group())}
        async with bot_running(telegram, assistant.url, **env):
            for question in ("apa itu kipp", "siapa pesertanya"):
                mark = telegram.mark()
                telegram.push_text(officer, question)
                answer = await wait_for_keyboard(telegram, officer, after=mark)
                down = answer.buttons[1]
                mark = telegram.mark()
                telegram.push_callback(officer, down["callback_data"], message=answer.message)
                [ask] = await telegram.wait_for_sent(officer, after=mark)
                # A second tap on the same answer's buttons is not a second vote.
                telegram.push_callback(officer, answer.buttons[0]["callback_data"], message=answer.message)
                mark = telegram.mark()
                telegram.push_callback(officer, ask.buttons[0]["callback_data"], message=ask.message)
                await telegram.wait_for(
                    lambda calls, since=mark: any(c.method == "editMessageText" for c in calls[since:])
                )
            await telegram.wait_for(lambda _: any("fasilitator" in (c.text or "") for c in telegram.sent(officer)))

    edited = [c for c in telegram.calls if c.method == "editMessageText"]
    assert len(edited) == 2 and all("terima kasih" in (c.text or "").lower() for c in edited)
    offer = next(c for c in telegram.sent(officer) if "fasilitator" in (c.text or ""))
    assert "belum membantu" in (offer.text or "") and offer.buttons[0]["callback_data"] == "ho:yes:thumbs-down"
    votes = knowledge.KnowledgeAdmin(url).feedback(unhelpful_only=False)
    assert [v.helpful for v in votes] == [False, False]


async def test_the_stand_in_fails_the_test_on_a_method_it_does_not_know() -> None:
    fake = FakeTelegram()
    await fake.__aenter__()
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{fake.base_url}{fake.token}/sendDice", data={"chat_id": "1"}) as response,
    ):
        assert response.status == 404
    with pytest.raises(AssertionError, match="sendDice"):
        await fake.__aexit__(None, None, None)


async def test_the_stand_in_refuses_and_reports_a_method_it_does_not_implement() -> None:
    """A Bot API method the stand-in lacks is answered with an error and fails the test that used it."""
    with pytest.raises(AssertionError, match="sendVenue"):
        async with FakeTelegram() as telegram, aiohttp.ClientSession() as session:
            async with session.post(f"{telegram.base_url}{telegram.token}/sendVenue", json={"chat_id": 1}) as reply:
                assert reply.status == 404
                assert (await reply.json())["ok"] is False
            async with session.post(f"{telegram.base_url}{telegram.token}/getMe") as reply:
                assert reply.status == 200
