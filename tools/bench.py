"""`make bench`: REST reply latency, CPU per turn, cold start, peak memory and the 40-chat Telegram burst.

REST latency includes the action call; the burst is measured for median, p95 and arrival order.

`make bench` measures the embedded default; `make bench DEPLOY=scaled` the scaled profile (see `profile_env`).
`make bench ARGS=--sustained` adds the sustained-load search (tools/bench_sustained.py, about 5 minutes more).

Starts its own action server and Rasa server on free ports with a fresh copy of the knowledge base,
so it measures the assistant exactly as `make run` starts it, without disturbing a running one.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx

from knowledge import ensure_seeded, read_content_dir
from settings import Settings, get_settings
from tools.scratch_stores import scratch_stores
from tools.stack import Stack, free_port

REQUESTS = 200
# The embedded default's bars (issue 13); the scaled profile's figures are printed beside them.
TARGETS = {"median_ms": 20, "p95_ms": 40, "cold_start_s": 10, "memory_mb": 1024}
TELEGRAM_TARGETS = {
    "embedded": {"median_ms": 400, "p95_ms": 700, "order_lag_ms": 150},
    "scaled": {"median_ms": 300, "p95_ms": 500, "order_lag_ms": 150},
}
_TICKS = os.sysconf("SC_CLK_TCK")
OTHER_MESSAGES = [
    "halo min",
    "makasih ya",
    "berapa gaji pns golongan 3a",
    "cuaca besok gimana",
    "dasar hukumnya apa?",
    "kamu bot ya?",
]


def question_mix(count: int, seed: int = 7) -> list[str]:
    """Return a repeatable mix: phrasings from the knowledge base plus greetings and off-topic lines."""
    rng = random.Random(seed)
    phrasings = [question for entry in read_content_dir() for question in entry.questions]
    return [rng.choice(OTHER_MESSAGES) if rng.random() < 0.2 else rng.choice(phrasings) for _ in range(count)]


def process_tree_peak_mb(pid: int) -> float:
    """Return the sum of peak resident memory (VmHWM) of a process and its descendants, in MB."""
    total_kb = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                total_kb += int(line.split()[1])
        pending.extend(int(child) for child in children)
    return total_kb / 1024


def process_tree(pid: int) -> list[int]:
    """Return `pid` and its living descendants."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        try:
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        found.append(current)
        pending.extend(int(child) for child in children)
    return found


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """Return the CPU time (user + system) each process has used so far."""
    used = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used[pid] = (int(fields[11]) + int(fields[12])) / _TICKS
    return used


class CpuMeter:
    """CPU time the stack's processes (and their workers) spend between `start()` and `stop()`, per service."""

    def __init__(self, stack: Stack) -> None:
        """Measure every service of `stack`."""
        self.stack = stack
        self._before: dict[str, dict[int, float]] = {}

    def _sample(self) -> dict[str, dict[int, float]]:
        return {s.name: cpu_seconds(process_tree(s.process.pid)) for s in self.stack.services if s.process}

    def start(self) -> None:
        """Note each process's CPU time so far."""
        self._before = self._sample()

    def totals(self) -> dict[str, float]:
        """Return the CPU seconds each service has used so far, and this process ("bot": the Telegram bench's)."""
        used = {name: sum(by_pid.values()) for name, by_pid in self._sample().items()}
        used["bot"] = sum(cpu_seconds([os.getpid()]).values())
        return used

    def stop(self) -> dict[str, float]:
        """Return the CPU seconds each service used since `start()` (a process started meanwhile counts whole)."""
        after = self._sample()
        return {
            name: sum(t - self._before.get(name, {}).get(pid, 0.0) for pid, t in used.items())
            for name, used in after.items()
        }


def percentile(values: list[float], share: float) -> float:
    """Return the nearest-rank percentile of `values`."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures against the targets."""
    parser = argparse.ArgumentParser(description="Measure the assistant (make bench).")
    parser.add_argument(
        "--sustained", action="store_true", help="also find the highest steady rate held for 2 minutes (~5 min)"
    )
    args = parser.parse_args(argv)
    base = get_settings()
    model = base.rasa_model
    if not Path(model).is_file():
        print(f"no trained model at {model}: run 'make train'", file=sys.stderr)
        return 1
    workdir = Path(tempfile.mkdtemp(prefix="bench-"))
    cleanup = ExitStack()
    profile = cleanup.enter_context(profile_env(base))
    database_url = profile.get("DATABASE_URL", f"sqlite:///{workdir / 'knowledge.db'}")
    ensure_seeded(database_url)
    settings = Settings.from_env(
        {
            "DATABASE_URL": database_url,
            "RASA_TRACKER_DB": str(workdir / "tracker.db"),
            "RASA_PORT": str(free_port()),
            "ACTION_PORT": str(free_port()),
            "LOG_LEVEL": "WARNING",
            **profile,
        }
    )
    stack = Stack(settings, model, log_dir=workdir / "logs")
    print(f"profile: {describe(settings)}")
    url = f"{settings.rasa_url}/webhooks/rest/webhook"
    started = time.monotonic()
    try:
        stack.start(timeout=180)
        with httpx.Client(timeout=30, headers=stack.auth_headers()) as client:
            reply = client.post(url, json={"sender": "bench-cold", "message": "apa itu kipp"}).json()
            cold_start = time.monotonic() - started
            assert any("Sumber:" in (m.get("text") or "") for m in reply), f"first answer had no citation: {reply}"
            for text in question_mix(20, seed=1):  # warm-up: first calls load lazy parts
                client.post(url, json={"sender": "bench-warm", "message": text})
            latencies = []
            meter = CpuMeter(stack)
            meter.start()
            for number, text in enumerate(question_mix(REQUESTS)):
                sender = f"bench-{number % 25}"
                t0 = time.perf_counter()
                response = client.post(url, json={"sender": sender, "message": text})
                latencies.append((time.perf_counter() - t0) * 1000)
                response.raise_for_status()
            cpu = meter.stop()
        telegram = run_telegram(settings.rasa_url, stack.settings.rasa_token, CpuMeter(stack).totals)
        memory = sum(process_tree_peak_mb(s.process.pid) for s in stack.services if s.process)
        sustained = run_sustained(settings.rasa_url, stack.settings.rasa_token) if args.sustained else None
    finally:
        stack.stop()
        cleanup.close()
    figures = {
        "median_ms": statistics.median(latencies),
        "p95_ms": percentile(latencies, 0.95),
        "cold_start_s": cold_start,
        "memory_mb": memory,
    }
    print(f"REST channel, {REQUESTS} mixed messages (action server and knowledge base included):")
    labels = {
        "median_ms": "median reply",
        "p95_ms": "p95 reply",
        "cold_start_s": "cold start to first answer",
        "memory_mb": "peak memory, all processes",
    }
    ok = True
    for key, value in figures.items():
        within = value <= TARGETS[key]
        ok &= within
        unit = key.rsplit("_", 1)[1]
        print(f"  {labels[key]:30s} {value:8.1f} {unit:3s} (target <= {TARGETS[key]}) {'ok' if within else 'OVER'}")
    per_turn = {name: seconds * 1000 / REQUESTS for name, seconds in cpu.items()}
    print(
        f"  {'CPU per turn, all processes':30s} {sum(per_turn.values()):8.1f} ms  ("
        + ", ".join(f"{name} {ms:.1f}" for name, ms in per_turn.items())
        + ")"
    )
    if telegram:
        bars = TELEGRAM_TARGETS[settings.deploy]
        print(f"Telegram, {telegram['chats']} chats at once through the stand-in Bot API:")
        print(f"  answered                       {telegram['answered']}/{telegram['chats']}")
        for key, label in (("median_ms", "median update-to-reply"), ("p95_ms", "p95 update-to-reply")):
            within = telegram[key] <= bars[key]
            ok &= within
            print(f"  {label:30s} {telegram[key]:8.1f} ms  (target <= {bars[key]}) {'ok' if within else 'OVER'}")
        lag, first = telegram["order_lag_ms"], telegram["first_chats"]
        within = lag <= bars["order_lag_ms"]
        print(
            f"  first {first} chats answered within {lag:.0f} ms of arrival order"
            f" (target <= {bars['order_lag_ms']}) {'ok' if within else 'OVER'}"
        )
        # The burst is CPU-bound on a small machine: what each process spent per chat says where cutting helps.
        # "bot" is this process: the real bot and the Bot API stand-in, which in production runs elsewhere.
        shares = telegram.get("cpu_ms_per_chat", {})
        print(
            f"  {'CPU per chat during the burst':30s} {sum(shares.values()):8.1f} ms  ("
            + ", ".join(f"{name} {ms:.1f}" for name, ms in shares.items())
            + "; bot includes the stand-in)"
        )
        # The same burst sent straight to Rasa's REST channel: the assistant's share of the figures above.
        print(
            f"  same burst, REST direct    median {telegram['rasa_direct_median_ms']:.1f} ms,"
            f" p95 {telegram['rasa_direct_p95_ms']:.1f} ms"
        )
        ok &= telegram["answered"] == telegram["chats"] and within
    if sustained is not None:
        print_sustained(sustained)
    print(f"machine load while measuring (1, 5, 15 min): {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if settings.deploy == "scaled":
        # The REST, cold-start and memory bars are the embedded default's; scaled figures are for comparison.
        return 0
    return 0 if ok else 1


def run_sustained(rasa_url: str, rasa_token: str) -> dict | None:
    """Find the highest steady rate with p95 under 300 ms and hold it for two minutes."""
    from tools.bench_sustained import find_sustained_rate

    return asyncio.run(find_sustained_rate(rasa_url, rasa_token))


def print_sustained(result: dict) -> None:
    """Print the sustained-load search and its two-minute run."""
    from tools.bench_sustained import describe_sustained

    for line in describe_sustained(result):
        print(line)


@contextmanager
def profile_env(base: Settings) -> Iterator[dict[str, str]]:
    """Yield the settings of the profile to measure: none for the embedded default, scratch stores for scaled.

    `make bench DEPLOY=scaled` (with TRACKER_DATABASE_URL and REDIS_URL set) measures the scaled profile on
    throw-away databases on that PostgreSQL server and its own Redis key prefix, removed afterwards.
    """
    if base.deploy != "scaled":
        yield {}
        return
    with scratch_stores(base.tracker_database_url, base.redis_url, label="bench") as stores:
        yield {**stores.env(), "SANIC_WORKERS": str(base.sanic_workers), "ACTION_WORKERS": str(base.action_workers)}


def describe(settings: Settings) -> str:
    """Return the profile being measured, in one line."""
    if settings.deploy != "scaled":
        return "embedded (one Rasa process, SQLite)"
    return (
        f"scaled ({settings.sanic_workers} Rasa workers, {settings.action_workers} action workers,"
        " PostgreSQL conversations and knowledge base, Redis locks)"
    )


def run_telegram(rasa_url: str, rasa_token: str, cpu_sampler: Callable[[], dict[str, float]]) -> dict | None:
    """Run the Telegram benchmark against the running assistant, if the bot is installed."""
    try:
        from tools.bench_telegram import run_telegram_bench
    except ImportError:
        return None
    return asyncio.run(run_telegram_bench(rasa_url, chats=40, rasa_token=rasa_token, cpu_sampler=cpu_sampler))


if __name__ == "__main__":
    sys.exit(main())
