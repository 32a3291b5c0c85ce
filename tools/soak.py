"""`make soak`: the hostile tester's probe as a repeatable run, with the figures it printed.

Starts a private copy of the assistant on loopback (free ports, a fresh knowledge base and tracker store,
its own tokens), supervised like `make run`, and runs five bounded phases against it:

1. **fuzz**: `--fuzz` messages (10,000) of every bad kind: random and non-Latin text, lone surrogates,
   control characters, 100 KB texts, empty and non-object bodies, missing or malformed senders, wrong
   tokens, `?stream=true`, button payloads typed as text. Bar: 0 server errors, 0 timeouts; memory growth
   of the Rasa and action servers is reported.
2. **burst**: `--burst` conversations (200) at once, two of them sending 100 KB. Bar: every normal turn
   answered in under 1 s.
3. **kills**: conversations keep asking while the action server and Rasa are each killed twice (SIGKILL).
   Bar: every message answered (an apology only for turns in flight at a kill), back within 20 s each time.
4. **bot api**: the real bot against the stand-in Bot API answering 429 x6, 500 and dropped connections.
   Bar: every answer delivered exactly once.
5. **kb lock**: the knowledge base write-locked for 20 s while conversations ask a question and a
   follow-up. Bar: every answer correct and the follow-up's context kept.

Not part of `make test` (it takes minutes). Everything stays on 127.0.0.1; nothing is downloaded.

    python -m tools.soak [--fuzz 10000] [--burst 200] [--phases fuzz,burst,kills,botapi,kblock]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import signal
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from knowledge import ensure_seeded
from settings import Settings, bearer, configure_logging, get_settings
from tools.bench import process_tree_peak_mb
from tools.stack import Stack, free_port
from tools.supervise import Supervisor

PHASES = ("fuzz", "burst", "kills", "botapi", "kblock")
TURN_TIMEOUT = 60.0
QUESTIONS = (
    "apa itu kipp",
    "syarat ikut kipp apa aja?",
    "langkah2 replikasi gmn?",
    "apa itu jipp",
    "pelembagaan inovasi itu apa",
    "apa itu mal pelayanan publik",
)
APOLOGY_MARK = "gangguan"


@dataclass
class Tally:
    """What happened to a phase's requests."""

    statuses: Counter[str] = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list)

    def add(self, outcome: str, latency_ms: float | None = None) -> None:
        """Count one outcome (and its latency)."""
        self.statuses[outcome] += 1
        if latency_ms is not None:
            self.latencies_ms.append(latency_ms)

    def summary(self) -> str:
        """Return the counts and latency figures on one line."""
        parts = [f"{name}={count}" for name, count in sorted(self.statuses.items())]
        if self.latencies_ms:
            ordered = sorted(self.latencies_ms)
            p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
            parts.append(f"median={statistics.median(ordered):.0f}ms p95={p95:.0f}ms max={ordered[-1]:.0f}ms")
        return " ".join(parts)


def reply_text(response: httpx.Response) -> str:
    """Return the texts of a REST reply joined by newlines ('' for anything that is not a reply)."""
    try:
        messages = response.json()
    except ValueError:
        return ""
    if not isinstance(messages, list):
        return ""
    return "\n".join(m.get("text") or "" for m in messages if isinstance(m, dict))


def rss_mb(stack: Stack) -> float:
    """Return the current resident memory of the stack's processes, in MB."""
    total = 0.0
    for service in stack.services:
        if service.process is None or not service.running():
            continue
        try:
            for line in Path(f"/proc/{service.process.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            continue
    return total


# ----------------------------------------------------------------------------------------------------------------
# Phase 1: fuzz


def fuzz_request(rng: random.Random, number: int) -> tuple[bytes, dict[str, str], str, bool]:
    """Return (body, extra headers, query string, whether a 2xx is expected) for one fuzzed request."""
    sender = f"fuzz-{number % 500}"
    kind = rng.randrange(14)
    text: Any
    if kind == 0:
        text = "".join(chr(rng.randrange(32, 0x2FFF)) for _ in range(rng.randrange(1, 200)))
    elif kind == 1:
        raw = f'{{"sender": "{sender}", "message": "apa itu kipp \\ud800 \\udfff x"}}'
        return raw.encode(), {}, "", True
    elif kind == 2:
        text = "kriteria inovasi " * 6000  # about 100 KB
    elif kind == 3:
        text = "".join(chr(rng.randrange(0, 32)) for _ in range(50))
    elif kind == 4:
        return json.dumps(rng.choice([[1, 2], "teks", 42, None])).encode(), {}, "", False
    elif kind == 5:
        return json.dumps({"message": "apa itu kipp"}).encode(), {}, "", False
    elif kind == 6:
        return json.dumps({"sender": "a b/../c", "message": "halo"}).encode(), {}, "", False
    elif kind == 7:
        return json.dumps({"sender": sender, "message": 12345}).encode(), {}, "", False
    elif kind == 8:
        body = json.dumps({"sender": sender, "message": "apa itu kipp"}).encode()
        return body, {"Authorization": "Bearer wrong-token-wrong-token"}, "", False
    elif kind == 9:
        return json.dumps({"sender": sender, "message": rng.choice(QUESTIONS)}).encode(), {}, "?stream=true", True
    elif kind == 10:
        text = rng.choice(["/restart", '/inform{"x": "y"}', '/choose_entry{"entry_id":"nope"}', "/greet", "/"])
    elif kind == 11:
        text = rng.choice(["", "   ", "😀🙏🔥", "<b>kipp</b> & *apa*", "这是什么", "¿Qué es KIPP?"])
    elif kind == 12:
        return b"{broken json", {}, "", False
    else:
        text = rng.choice(QUESTIONS)
    return json.dumps({"sender": sender, "message": text}).encode(), {}, "", True


async def phase_fuzz(stack: Stack, count: int, concurrency: int = 16) -> bool:
    """Send `count` fuzzed requests; the bar is no 5xx, no timeout, and no 2xx without a reply."""
    rng = random.Random(12)
    tally = Tally()
    before = rss_mb(stack)
    url = f"{stack.settings.rasa_url}/webhooks/rest/webhook"
    queue: asyncio.Queue[int] = asyncio.Queue()
    for number in range(count):
        queue.put_nowait(number)

    async with httpx.AsyncClient(headers=stack.auth_headers(), timeout=TURN_TIMEOUT) as client:

        async def worker() -> None:
            while not queue.empty():
                number = queue.get_nowait()
                body, headers, query, expect_ok = fuzz_request(rng, number)
                started = time.perf_counter()
                try:
                    response = await client.post(
                        url + query, content=body, headers={"Content-Type": "application/json", **headers}
                    )
                except httpx.TimeoutException:
                    tally.add("timeout")
                    continue
                except httpx.HTTPError:
                    tally.add("connection-error")
                    continue
                latency = (time.perf_counter() - started) * 1000
                if response.status_code >= 500:
                    tally.add("5xx")
                elif response.status_code == 429:
                    tally.add("429")
                elif response.is_success:
                    tally.add("answered" if response.text.strip() not in ("", "[]") else "empty", latency)
                else:
                    tally.add("4xx-expected" if not expect_ok else "4xx-unexpected")

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    after = rss_mb(stack)
    bad = tally.statuses["5xx"] + tally.statuses["timeout"] + tally.statuses["connection-error"]
    bad += tally.statuses["empty"] + tally.statuses["4xx-unexpected"]
    print(f"fuzz      {count} requests: {tally.summary()}")
    print(f"          memory {before:.0f} MB -> {after:.0f} MB ({after - before:+.0f} MB)")
    return bad == 0


# ----------------------------------------------------------------------------------------------------------------
# Phase 2: burst


async def phase_burst(stack: Stack, conversations: int) -> bool:
    """`conversations` ask at once, two of them 100 KB; every normal turn must be answered under 1 s."""
    tally = Tally()
    url = f"{stack.settings.rasa_url}/webhooks/rest/webhook"
    run = int(time.time())
    limits = httpx.Limits(max_connections=conversations + 10)
    async with httpx.AsyncClient(headers=stack.auth_headers(), timeout=TURN_TIMEOUT, limits=limits) as client:

        async def ask(number: int) -> None:
            huge = number in (3, conversations // 2)
            text = "kriteria inovasi kipp " * 4700 if huge else QUESTIONS[number % len(QUESTIONS)]
            started = time.perf_counter()
            try:
                response = await client.post(url, json={"sender": f"burst-{run}-{number}", "message": text})
            except httpx.HTTPError:
                tally.add("error")
                return
            latency = (time.perf_counter() - started) * 1000
            if huge:
                tally.add("huge-" + ("ok" if response.is_success else str(response.status_code)))
            elif response.is_success and "Sumber:" in response.text:
                tally.add("answered", latency)
            else:
                tally.add(f"not-answered-{response.status_code}", latency)

        await asyncio.gather(*(ask(number) for number in range(conversations)))
    slow = sum(1 for latency in tally.latencies_ms if latency >= 1000)
    print(f"burst     {conversations} conversations: {tally.summary()} slow(>=1s)={slow}")
    return slow == 0 and tally.statuses["answered"] == conversations - 2


# ----------------------------------------------------------------------------------------------------------------
# Phase 3: kills


async def phase_kills(stack: Stack, supervisor_lock: threading.Lock) -> bool:
    """Keep 20 conversations asking while the action server and Rasa are each killed twice."""
    tally = Tally()
    recoveries: list[tuple[str, float]] = []
    url = f"{stack.settings.rasa_url}/webhooks/rest/webhook"
    run = int(time.time())
    stop = asyncio.Event()

    async with httpx.AsyncClient(headers=stack.auth_headers(), timeout=TURN_TIMEOUT) as client:

        async def conversation(number: int) -> None:
            turn = 0
            while not stop.is_set():
                turn += 1
                message = {"sender": f"kill-{run}-{number}", "message": QUESTIONS[turn % len(QUESTIONS)]}
                # Like the bot: a refused connection (Rasa restarting) is tried again for 30 s.
                deadline = time.monotonic() + 30
                while True:
                    try:
                        response = await client.post(url, json=message)
                        break
                    except httpx.ConnectError:
                        if time.monotonic() > deadline:
                            response = None
                            break
                        await asyncio.sleep(0.5)
                    except httpx.HTTPError:
                        response = None
                        break
                if response is None:
                    tally.add("unanswered")
                elif "Sumber:" in response.text:
                    tally.add("answered")
                elif APOLOGY_MARK in response.text:
                    tally.add("apology")
                else:
                    tally.add(f"other-{response.status_code}")
                await asyncio.sleep(0.2)

        async def killer() -> None:
            for name in ("actions", "rasa", "actions", "rasa"):
                await asyncio.sleep(5)
                service = stack.service(name)
                with supervisor_lock:
                    if service.process is not None:
                        service.process.send_signal(signal.SIGKILL)
                killed = time.monotonic()
                while not await asyncio.to_thread(service.healthy):
                    if time.monotonic() - killed > 180:
                        break
                    await asyncio.sleep(0.2)
                recoveries.append((name, time.monotonic() - killed))
            stop.set()

        await asyncio.gather(killer(), *(conversation(number) for number in range(20)))
    back = ", ".join(f"{name} {seconds:.1f}s" for name, seconds in recoveries)
    print(f"kills     {tally.summary()}; back after: {back}")
    # In flight at a kill: at most one turn per conversation per kill may end in an apology (or be cut off).
    in_flight_allowance = 20 * len(recoveries)
    lost = tally.statuses["apology"] + tally.statuses["unanswered"]
    others = sum(count for name, count in tally.statuses.items() if name.startswith("other"))
    return all(seconds <= 20 for _, seconds in recoveries) and lost <= in_flight_allowance and others == 0


# ----------------------------------------------------------------------------------------------------------------
# Phase 4: bot api


async def phase_botapi(stack: Stack, workdir: Path) -> bool:
    """The real bot against a stand-in Bot API that answers 429 x6, 500 and drops connections."""
    from bot.app import build_application, running
    from tests.fake_telegram import FakeTelegram

    chats_per_mode = 5
    modes = [(6, 429), (1, 500), (1, None)]
    delivered: Counter[str] = Counter()
    async with FakeTelegram() as telegram:
        settings = Settings.from_env(
            {
                "TELEGRAM_BOT_TOKEN": telegram.token,
                "TELEGRAM_API_BASE_URL": telegram.base_url,
                "RASA_URL": stack.settings.rasa_url,
                "RASA_TOKEN": stack.settings.rasa_token,
                "RASA_TIMEOUT": str(TURN_TIMEOUT),
                "OUTBOX_DB": str(workdir / "outbox.db"),
            }
        )
        application = build_application(settings)
        base = int(time.time()) % 1_000_000 * 1000
        async with running(application, settings):
            chat = base
            for times, status in modes:
                chats = list(range(chat, chat + chats_per_mode))
                chat += chats_per_mode
                telegram.fail_next("sendMessage", times, retry_after=1, status=status)
                for number in chats:
                    telegram.push_text(number, QUESTIONS[number % len(QUESTIONS)])

                def answered(chat_ids: list[int] = chats) -> bool:
                    return all(any("Sumber:" in (c.text or "") for c in telegram.sent(c_id)) for c_id in chat_ids)

                with contextlib.suppress(TimeoutError):
                    await telegram.wait_for(lambda _, check=answered: check(), timeout=120)
                await asyncio.sleep(2)  # duplicates, if any, would arrive now
                for number in chats:
                    copies = sum(1 for c in telegram.sent(number) if "Sumber:" in (c.text or ""))
                    delivered["once" if copies == 1 else ("never" if copies == 0 else "twice-or-more")] += 1
    print(
        f"bot api   429x6/500/drop, {len(modes) * chats_per_mode} chats: "
        + " ".join(f"{name}={count}" for name, count in sorted(delivered.items()))
    )
    return delivered["once"] == len(modes) * chats_per_mode


# ----------------------------------------------------------------------------------------------------------------
# Phase 5: knowledge base write-locked


async def phase_kblock(stack: Stack, lock_seconds: float = 20.0) -> bool:
    """Hold the knowledge base's write lock while conversations ask a question and its follow-up."""
    path = stack.settings.database_url.removeprefix("sqlite:///")
    url = f"{stack.settings.rasa_url}/webhooks/rest/webhook"
    run = int(time.time())
    tally = Tally()
    examples: list[str] = []
    locker = sqlite3.connect(path, isolation_level=None)
    locker.execute("BEGIN IMMEDIATE")
    locked_until = time.monotonic() + lock_seconds
    try:
        async with httpx.AsyncClient(headers=stack.auth_headers(), timeout=TURN_TIMEOUT) as client:

            async def conversation(number: int) -> None:
                sender = f"lock-{run}-{number}"
                question = "jaringan inovasi pelayanan publik itu apa ya"
                first = await client.post(url, json={"sender": sender, "message": question})
                follow = await client.post(url, json={"sender": sender, "message": "dasar hukumnya apa?"})
                first_text, follow_text = reply_text(first), reply_text(follow)
                if "tidak dapat diakses" in first_text + follow_text:
                    tally.add("kb-unavailable-shown")
                elif "Sumber:" in first_text and "89/2020" in follow_text:
                    tally.add("answered-with-context")
                else:
                    tally.add("wrong")
                    if not examples:
                        examples.append(f"{first_text[:200]!r} / {follow_text[:200]!r}")

            rounds = 0
            while time.monotonic() < locked_until:
                await asyncio.gather(*(conversation(rounds * 10 + number) for number in range(10)))
                rounds += 1
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    print(f"kb lock   {lock_seconds:.0f} s write lock: {tally.summary()}")
    for example in examples:
        print(f"          e.g. {example}")
    return set(tally.statuses) == {"answered-with-context"}


# ----------------------------------------------------------------------------------------------------------------


def main() -> int:
    """Start a private supervised stack, run the phases, print the figures; exit 1 if a bar was missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--fuzz", type=int, default=10_000, help="fuzzed messages (10,000)")
    parser.add_argument("--burst", type=int, default=200, help="concurrent conversations (200)")
    parser.add_argument("--phases", default=",".join(PHASES), help=f"comma-separated subset of {','.join(PHASES)}")
    args = parser.parse_args()
    phases = [phase.strip() for phase in args.phases.split(",") if phase.strip()]
    configure_logging("WARNING")
    model = get_settings().rasa_model
    if not Path(model).is_file():
        print(f"no trained model at {model}: run 'make train'", file=sys.stderr)
        return 1
    workdir = Path(tempfile.mkdtemp(prefix="soak-"))
    database_url = f"sqlite:///{workdir / 'knowledge.db'}"
    ensure_seeded(database_url)
    settings = Settings.from_env(
        {
            "DATABASE_URL": database_url,
            "RASA_TRACKER_DB": str(workdir / "tracker.db"),
            "RASA_PORT": str(free_port()),
            "ACTION_PORT": str(free_port()),
            "LOG_LEVEL": "WARNING",
            # The fuzz phase sends many messages per conversation on purpose; the limits are tested elsewhere.
            "SENDER_RATE_PER_MINUTE": "100000",
            "SENDER_BURST": "100000",
            "SENDER_MAX_IN_FLIGHT": "100",
        }
    )
    stack = Stack(settings, model, log_dir=workdir / "logs")
    print(f"soak: private assistant in {workdir} (logs in {workdir / 'logs'})")
    started = time.monotonic()
    stack.start(timeout=300)
    print(f"          ready in {time.monotonic() - started:.0f} s, {rss_mb(stack):.0f} MB")
    supervisor = Supervisor(stack, backoff=(0.2,))
    supervisor_lock = threading.Lock()
    running = threading.Event()
    running.set()

    def supervise() -> None:
        while running.is_set():
            with supervisor_lock:
                supervisor.check()
            time.sleep(0.2)

    thread = threading.Thread(target=supervise, daemon=True, name="soak-supervisor")
    thread.start()
    results: dict[str, bool] = {}
    try:
        warm = httpx.post(
            f"{settings.rasa_url}/webhooks/rest/webhook",
            json={"sender": "soak-warm", "message": "apa itu kipp"},
            headers=bearer(stack.settings.rasa_token),
            timeout=TURN_TIMEOUT,
        )
        warm.raise_for_status()
        for phase in phases:
            if phase == "fuzz":
                results[phase] = asyncio.run(phase_fuzz(stack, args.fuzz))
            elif phase == "burst":
                results[phase] = asyncio.run(phase_burst(stack, args.burst))
            elif phase == "kills":
                results[phase] = asyncio.run(phase_kills(stack, supervisor_lock))
            elif phase == "botapi":
                results[phase] = asyncio.run(phase_botapi(stack, workdir))
            elif phase == "kblock":
                results[phase] = asyncio.run(phase_kblock(stack))
            else:
                print(f"unknown phase {phase!r}", file=sys.stderr)
                results[phase] = False
        peak = sum(process_tree_peak_mb(s.process.pid) for s in stack.services if s.process and s.running())
        print(
            f"peak memory {peak:.0f} MB; restarts: "
            + ", ".join(f"{s.name}={supervisor.restarts(s.name)}" for s in stack.services)
        )
    finally:
        running.clear()
        thread.join(timeout=2)
        stack.stop()
    for phase, passed in results.items():
        print(f"  {phase:<8} {'PASS' if passed else 'FAIL'}")
    return 0 if results and all(results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
