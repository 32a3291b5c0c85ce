"""Telegram figure for `make bench`: many chats ask at once, through the stand-in Bot API, the real bot and Rasa.

May import: `bot`, `settings`, `httpx` and `tests.fake_telegram`. `run_telegram_bench(rasa_url)` starts the
Bot API stand-in on loopback, runs the real application (`bot.app.build_application`, polling over HTTP)
against the assistant at `rasa_url`, lets every chat send one question at the same moment, and measures
from the moment each update is available to the bot to the moment the bot's first reply message for that
chat reaches the stand-in. For comparison it also sends the same burst straight to Rasa's REST channel, so
the bot's own share of the latency can be told apart from the assistant's. Given a `cpu_sampler`, it also
reports the CPU each process spent per chat during the burst: on a 2-core machine the burst is CPU-bound, so
these shares, not any one process's latency, say where cutting helps.

    python -m tools.bench_telegram --rasa-url http://127.0.0.1:5005 --chats 40  # RASA_TOKEN from settings
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import math
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import httpx

from bot import handlers
from bot.app import build_application, running
from settings import Settings, bearer, configure_logging, get_settings
from tests.fake_telegram import FakeTelegram

logger = logging.getLogger(__name__)

QUESTIONS = (
    "Apa itu KIPP?",
    "Apa saja syarat mengikuti KIPP?",
    "Bagaimana cara mereplikasi inovasi?",
    "Apa itu pelembagaan inovasi?",
    "Apa itu JIPP?",
    "Apa itu Mal Pelayanan Publik?",
    "Apa itu UNPSA?",
    "Bagaimana tahapan penilaian KIPP?",
)
FIRST_CHATS = 10  # "the first 10 chats answered within X ms of arrival order"
# Texts that mean the bot could not answer: a chat that got one of these was not answered.
_NOT_ANSWERS = frozenset({handlers.TEXT_ASSISTANT_DOWN, handlers.TEXT_ERROR})


def arrival_order_lag(arrival: list[int], answered_at: dict[int, float], *, first: int = 10) -> float:
    """Return how much later (ms) the first `first` chats to write were answered than in arrival order.

    Served first-come first-served, the first `first` chats to write are the first `first` answered: 0 ms.
    Otherwise: how long after the `first`-th answer of the burst the last of them got its answer (a chat
    never answered counts as answered at the end). `arrival` lists the chats in the order they wrote.
    """
    if not answered_at:
        return math.nan
    end = max(answered_at.values())
    times = sorted(answered_at.values())
    nth = times[min(first, len(times)) - 1]
    latest_first = max(answered_at.get(chat, end) for chat in arrival[:first])
    return max(0.0, latest_first - nth) * 1000


def percentile(values: list[float], fraction: float) -> float:
    """Return the nearest-rank percentile (p95 of 40 values is the 38th smallest)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def _summary(latencies: list[float]) -> dict[str, float]:
    if not latencies:
        return {"median_ms": math.nan, "p95_ms": math.nan, "max_ms": math.nan}
    return {
        "median_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
        "max_ms": round(max(latencies), 1),
    }


async def _rasa_direct(rasa_url: str, rasa_token: str, chats: int, run_id: int) -> list[float]:
    """Send the same burst straight to Rasa's REST channel and return each request's latency in ms."""
    async with httpx.AsyncClient(base_url=rasa_url, timeout=120, headers=bearer(rasa_token)) as client:

        async def ask(index: int) -> float:
            started = time.perf_counter()
            response = await client.post(
                "/webhooks/rest/webhook",
                json={"sender": f"bench-direct-{run_id}-{index}", "message": QUESTIONS[index % len(QUESTIONS)]},
            )
            response.raise_for_status()
            return (time.perf_counter() - started) * 1000

        return list(await asyncio.gather(*(ask(i) for i in range(chats))))


async def run_telegram_bench(
    rasa_url: str,
    chats: int = 40,
    *,
    rasa_token: str,
    timeout: float = 120.0,
    cpu_sampler: Callable[[], dict[str, float]] | None = None,
) -> dict[str, Any]:
    """Measure update-to-reply latency for `chats` chats each sending one question at once.

    Args:
        rasa_url: The running assistant (its REST channel must be enabled).
        rasa_token: The shared token its REST channel expects.
        chats: How many private chats ask at the same moment.
        timeout: How long to wait for all answers before reporting the missing ones.
        cpu_sampler: Returns the CPU seconds used so far by each process of interest (by name); sampled as
            the burst starts and once every chat is answered.

    Returns:
        `chats`, `answered` (chats whose first reply was an answer, not an apology), `all_answered`,
        `median_ms`, `p95_ms` and `max_ms` from update to first reply message, `order_lag_ms` (see
        `arrival_order_lag`) for the first `first_chats` chats, and the same burst sent straight to Rasa as
        `rasa_direct_median_ms` / `rasa_direct_p95_ms`; with `cpu_sampler`, `cpu_ms_per_chat` (name -> ms).
    """
    run_id = int(time.time())
    base_chat = run_id % 1_000_000 * 1000  # fresh conversations on every run
    async with FakeTelegram() as telegram:
        settings = Settings.from_env(
            {
                "TELEGRAM_BOT_TOKEN": telegram.token,
                "TELEGRAM_API_BASE_URL": telegram.base_url,
                "RASA_URL": rasa_url,
                "RASA_TOKEN": rasa_token,
                "RASA_TIMEOUT": str(timeout),
            }
        )
        application = build_application(settings)
        async with running(application, settings):
            # One question first, unmeasured: the first answer of a fresh server loads models and caches.
            warm_up = base_chat + chats
            telegram.push_text(warm_up, QUESTIONS[0])
            await telegram.wait_for_sent(warm_up, timeout=timeout)

            cpu_before = cpu_sampler() if cpu_sampler else {}
            mark = telegram.mark()
            pushed = {
                base_chat + i: telegram.push_text(base_chat + i, QUESTIONS[i % len(QUESTIONS)]) for i in range(chats)
            }
            try:
                await telegram.wait_for(
                    lambda _: all(telegram.sent(chat, after=mark) for chat in pushed), timeout=timeout
                )
            except TimeoutError:
                logger.warning("Not every chat was answered within %.0f s", timeout)
            cpu_after = cpu_sampler() if cpu_sampler else {}

            latencies: list[float] = []
            answered_at: dict[int, float] = {}  # chat -> seconds from the first update to its first answer
            first_push = min(telegram.pushed_at[update_id] for update_id in pushed.values())
            for chat, update_id in pushed.items():
                replies = telegram.sent(chat, after=mark)
                if replies and replies[0].text not in _NOT_ANSWERS:
                    latencies.append((replies[0].at - telegram.pushed_at[update_id]) * 1000)
                    answered_at[chat] = replies[0].at - first_push

    direct = await _rasa_direct(rasa_url, rasa_token, chats, run_id)
    result: dict[str, Any] = {"chats": chats, "answered": len(latencies), "all_answered": len(latencies) == chats}
    result.update(_summary(latencies))
    result["order_lag_ms"] = round(arrival_order_lag(list(pushed), answered_at, first=FIRST_CHATS), 1)
    result["first_chats"] = FIRST_CHATS
    direct_summary = _summary(direct)
    result["rasa_direct_median_ms"] = direct_summary["median_ms"]
    result["rasa_direct_p95_ms"] = direct_summary["p95_ms"]
    if cpu_sampler:
        result["cpu_ms_per_chat"] = {
            name: round((seconds - cpu_before.get(name, 0.0)) * 1000 / chats, 1) for name, seconds in cpu_after.items()
        }
    return result


def main() -> None:
    """Run the benchmark against a running assistant and write the result as JSON to stdout."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    settings = get_settings()
    parser.add_argument("--rasa-url", default=settings.rasa_url)
    parser.add_argument("--chats", type=int, default=40)
    args = parser.parse_args()
    configure_logging("WARNING")
    result = asyncio.run(run_telegram_bench(args.rasa_url, args.chats, rasa_token=settings.rasa_token))
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
