"""The scaled profile on the machine's PostgreSQL and Redis: several Rasa processes serve one conversation.

Each run gets its own two PostgreSQL databases (knowledge base, conversations) and its own Redis key
prefix, dropped afterwards. The stack is started exactly as `make run DEPLOY=scaled` starts it (tools/stack.py,
nlu/endpoints.scaled.yml, two Sanic workers), plus a second Rasa server on another port with the same
settings, standing in for a second host. These tests need PostgreSQL on 127.0.0.1:5432 (trust, database
`test`) and Redis on 127.0.0.1:6379, which CI has: they fail, not skip, when either is missing.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import os
import signal
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from rasa.utils.endpoints import EndpointConfig

from bot.privacy import selector_for
from bot.rasa_client import RasaClient
from knowledge import KnowledgeAdmin, ensure_seeded
from knowledge.conversation_owner import RasaConversations
from nlu.scaled_stores import UrlRedisLockStore
from settings import Settings, bearer
from tests.tokens import E2E_ACTION_SERVER_TOKEN, E2E_RASA_TOKEN
from tools.scratch_stores import scratch_stores
from tools.stack import Service, Stack, free_port

pytestmark = pytest.mark.e2e

POSTGRES = "postgresql://postgres@127.0.0.1:5432"
REDIS_URL = "redis://127.0.0.1:6379/0"
READINESS = [
    ("/start_readiness_check", "(1/5)"),
    ("BUMD", "(2/5)"),
    ("Oktober 2024", "(3/5)"),
    ("belum pernah ikut", "(4/5)"),
    ("tidak", "(5/5)"),
]


@dataclass
class Scaled:
    """The running scaled stack as the tests see it."""

    stack: Stack
    second: Service
    second_url: str
    kb_url: str
    tracker_url: str

    @property
    def urls(self) -> tuple[str, str]:
        return self.stack.settings.rasa_url, self.second_url

    def send(self, url: str, sender: str, message: str) -> list[dict]:
        response = httpx.post(
            f"{url}/webhooks/rest/webhook",
            json={"sender": sender, "message": message},
            headers=bearer(E2E_RASA_TOKEN),
            timeout=60,
        )
        response.raise_for_status()
        return response.json()

    def events(self, sender: str) -> list[dict]:
        engine = sa.create_engine(self.tracker_url)
        try:
            with engine.connect() as connection:
                rows = connection.execute(
                    sa.text("SELECT data FROM events WHERE sender_id = :sender ORDER BY id"), {"sender": sender}
                ).all()
        finally:
            engine.dispose()
        return [json.loads(data) for (data,) in rows]


def _texts(messages: list[dict]) -> str:
    return "\n".join(m.get("text", "") for m in messages)


def _children(pid: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return children


@pytest.fixture(scope="module")
def scaled(rasa_model: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scaled]:
    """Start the scaled profile on fresh databases and a fresh Redis prefix; drop them afterwards."""
    workdir = tmp_path_factory.mktemp("scaled")
    with scratch_stores(f"{POSTGRES}/test", REDIS_URL, label="e2e") as stores:
        ensure_seeded(stores.database_url)
        settings = Settings.from_env(
            {
                **stores.env(),
                "SANIC_WORKERS": "2",
                "ACTION_WORKERS": "2",
                "RASA_PORT": str(free_port()),
                "ACTION_PORT": str(free_port()),
                "RASA_MODEL": rasa_model,
                "RASA_TOKEN": E2E_RASA_TOKEN,
                "ACTION_SERVER_TOKEN": E2E_ACTION_SERVER_TOKEN,
            }
        )
        stack = Stack(settings, rasa_model, log_dir=workdir / "logs")
        # A second Rasa server with the same settings on another port: another host sharing the stores.
        port = free_port()
        second_url = f"http://127.0.0.1:{port}"
        second: Service | None = None
        try:
            stack.start(timeout=300)
            command = list(stack.service("rasa").command)
            command[command.index("--port") + 1] = str(port)
            second = Service("rasa-2", command, f"{second_url}/webhooks/rest/")
            second.start({**stack.environment(), "SANIC_WORKERS": "1"}, workdir / "logs")
            deadline = time.monotonic() + 300
            while not second.healthy():
                assert second.running(), f"the second Rasa server died; see {second.log_path}"
                assert time.monotonic() < deadline, "the second Rasa server was not ready"
                time.sleep(0.5)
            yield Scaled(stack, second, second_url, stores.database_url, stores.tracker_database_url)
        finally:
            if second is not None:
                second.stop()
            stack.stop()


def test_rasa_runs_two_sanic_workers_because_the_lock_store_is_shared(scaled: Scaled) -> None:
    rasa = scaled.stack.service("rasa")
    assert rasa.process is not None
    # Rasa starts more than one worker only with a lock store all of them share (Redis here).
    assert len(_children(rasa.process.pid)) == 2


def test_one_conversation_alternating_between_two_rasa_servers_keeps_its_order_and_context(scaled: Scaled) -> None:
    sender = f"tg-scaled-{uuid.uuid4().hex[:8]}"
    for turn, (message, expected) in enumerate(READINESS):
        url = scaled.urls[turn % 2]
        reply = _texts(scaled.send(url, sender, message))
        # Each answer moves the form on: the server that got this turn saw what the other one stored.
        assert expected in reply, f"turn {turn} on {url}: {reply!r}"
    users = [event["text"] for event in scaled.events(sender) if event["event"] == "user"]
    assert users == [message for message, _ in READINESS]


def test_simultaneous_turns_of_one_conversation_on_two_servers_run_one_after_the_other(scaled: Scaled) -> None:
    sender = f"tg-scaled-{uuid.uuid4().hex[:8]}"
    messages = ["apa itu kipp", "syarat replikasi inovasi", "apa itu kelembagaan inovasi", "jadwal kipp 2025"]
    with ThreadPoolExecutor(len(messages)) as pool:
        replies = list(pool.map(lambda i: scaled.send(scaled.urls[i % 2], sender, messages[i]), range(len(messages))))
    assert all(replies)
    # The Redis lock serialises the turns: every user message is followed by its own actions, ending in a
    # listen, before the next one starts (interleaved turns would put two user events back to back).
    kinds = [event["event"] for event in scaled.events(sender) if event["event"] in {"user", "action"}]
    users = [i for i, kind in enumerate(kinds) if kind == "user"]
    assert len(users) == len(messages)
    for first, second in itertools.pairwise(users):
        assert "action" in kinds[first + 1 : second], kinds


def test_hapus_data_deletes_the_persons_conversations_in_postgresql_through_rasa(scaled: Scaled) -> None:
    user, other = 700000 + int(uuid.uuid4().int % 100000), 1
    mine, group, theirs = f"tg-{user}", f"tg--100777-{user}", f"tg-{user}{other}"
    for url, sender in zip((*scaled.urls, scaled.urls[0]), (mine, group, theirs), strict=True):
        scaled.send(url, sender, "apa itu kipp")
    before = len(scaled.events(mine)) + len(scaled.events(group))
    assert before > 0 and scaled.events(theirs)

    refused = httpx.delete(f"{scaled.second_url}/webhooks/rest/conversations/{mine}", timeout=30)
    assert refused.status_code == 401 and scaled.events(mine)

    # What the bot's /hapus_data does, through the second server: conversations live in one shared database.
    admin = KnowledgeAdmin(scaled.kb_url, conversations=RasaConversations(scaled.second_url, E2E_RASA_TOKEN))
    report = admin.delete_person(selector_for(user))

    assert report.conversation_events == before
    assert scaled.events(mine) == [] and scaled.events(group) == []
    assert scaled.events(theirs)  # someone else's, whose id only starts the same
    reply = _texts(scaled.send(scaled.urls[0], mine, "BUMD"))
    assert "Tercatat" not in reply  # a fresh conversation: no form to answer


def test_the_retention_purge_removes_idle_conversations_in_postgresql(scaled: Scaled) -> None:
    sender = f"tg-purge-{uuid.uuid4().hex[:8]}"
    scaled.send(scaled.urls[1], sender, "apa itu kipp")
    admin = KnowledgeAdmin(scaled.kb_url, conversations=RasaConversations(scaled.urls[0], E2E_RASA_TOKEN))
    report = admin.purge(retention_days=1, now=datetime.now(timezone.utc) + timedelta(days=2))
    assert report.conversation_events > 0
    assert scaled.events(sender) == []


def _connections_by_process(pids: list[int], port: int) -> dict[int, int]:
    """Return how many established connections to `port` each of `pids` holds (from /proc, no tools)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "01":  # 01 = ESTABLISHED
                inodes.add(fields[9])
    counts = {}
    for pid in pids:
        links = []
        for fd in Path(f"/proc/{pid}/fd").glob("*"):
            try:
                links.append(fd.readlink().name)
            except OSError:
                continue
        counts[pid] = sum(1 for link in links if link.startswith("socket:[") and link[8:-1] in inodes)
    return counts


def test_a_rasa_worker_killed_mid_burst_loses_no_message_and_is_replaced(
    scaled: Scaled, caplog: pytest.LogCaptureFixture
) -> None:
    # Runs last among the tests that use the first Rasa server's workers.
    settings = scaled.stack.settings
    rasa = scaled.stack.service("rasa")
    assert rasa.process is not None
    workers = _children(rasa.process.pid)
    chats = [f"tg-burst-{uuid.uuid4().hex[:6]}-{n}" for n in range(40)]

    async def burst() -> list[list[dict]]:
        # The bot's own client, with the bot's settings: it retries a connection dropped without an answer.
        client = RasaClient(
            settings.rasa_url,
            timeout=settings.rasa_timeout,
            token=E2E_RASA_TOKEN,
            connect_retry_seconds=settings.rasa_connect_retry_seconds,
        )
        try:
            turns = [asyncio.create_task(client.send_message(chat, "apa itu kipp")) for chat in chats]
            _done, _pending = await asyncio.wait(turns, return_when=asyncio.FIRST_COMPLETED)
            # Mid-burst: kill the worker holding the most turns in flight.
            held = _connections_by_process(workers, settings.rasa_port)
            victim = max(held, key=held.__getitem__)
            assert held[victim] > 0, f"no turn in flight after the first answer: {held}"
            os.kill(victim, signal.SIGKILL)
            return list(await asyncio.gather(*turns))
        finally:
            await client.aclose()

    with caplog.at_level(logging.WARNING, logger="bot.rasa_client"):
        replies = asyncio.run(burst())

    assert any("dropped the connection" in record.getMessage() for record in caplog.records)
    unanswered = [chat for chat, reply in zip(chats, replies, strict=True) if "Sumber:" not in _texts(reply)]
    assert unanswered == [], f"{len(unanswered)} of {len(chats)} chats got no answer"

    # The dead worker is replaced (nlu/sanic_workers.py): two workers again, and both answer.
    deadline = time.monotonic() + 180
    while True:
        alive = [pid for pid in _children(rasa.process.pid) if _alive(pid)]
        if len(alive) == 2 and set(alive) != set(workers):
            break
        assert time.monotonic() < deadline, f"the killed worker was not replaced: workers {alive}, before {workers}"
        time.sleep(0.5)
    assert "Sumber:" in _texts(scaled.send(settings.rasa_url, f"tg-after-kill-{uuid.uuid4().hex[:6]}", "apa itu kipp"))
    log = rasa.log_path.read_text() if rasa.log_path else ""
    assert "in place of a dead one" in log


def _alive(pid: int) -> bool:
    """Return whether `pid` runs (a killed worker stays a zombie until its parent reaps it)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_a_turn_waiting_behind_a_dead_workers_lock_runs_once_that_lock_expires() -> None:
    # Real Redis, Rasa's ticket lock: a worker issued a ticket and died; a turn of the same chat then waits.
    prefix = f"klinikwait{uuid.uuid4().hex[:8]}"
    store = UrlRedisLockStore(EndpointConfig(url=REDIS_URL, key_prefix=prefix))
    chat = "tg-dead-lock"

    async def turn_after_dead_worker() -> bool:
        store.issue_ticket(chat, 1.0)  # the dead worker's: never finished, expires after 1 s
        async with store.lock(chat, lock_lifetime=1.0, wait_time_in_seconds=0.2):
            return True

    try:
        # Both tickets used to expire together, leaving the waiting turn stuck until the bot gave up.
        assert asyncio.run(asyncio.wait_for(turn_after_dead_worker(), timeout=20))
    finally:
        for key in store.red.scan_iter(f"{prefix}*"):
            store.red.delete(key)
