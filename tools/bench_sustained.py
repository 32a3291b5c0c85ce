"""Sustained load for `make bench ARGS=--sustained`: the highest steady rate the assistant holds, p95 under 300 ms.

Requests go out on a fixed schedule (open loop: one every 1/rate seconds, whether or not earlier ones were
answered), each from one of many conversations in turn, with the benchmark's question mix, over the REST channel.
A latency is measured from the moment a request was due, so a server falling behind shows as latency instead
of quietly slowing the sender down. A rate *holds* when every request got a real answer (HTTP 200, not the
apology) and the p95 is under 300 ms.

The search: short probes (15 s) at doubling rates until one fails, two bisection probes between the last
rate that held and the first that did not, then the best rate for the full two minutes; if that run fails,
three quarters of it for two minutes. Before each run the assistant is given time to drain what an overloaded
run left queued (a single request answered within 1 s, at most 90 s). About 6 minutes in all when the first
two-minute run holds, up to 15 when it does not. The load generator runs on the same machine and takes CPU
from the assistant at high rates. Loopback only.

    python -m tools.bench_sustained --rasa-url http://127.0.0.1:5005   # RASA_TOKEN from settings
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import statistics
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass

import httpx

from settings import bearer, get_settings

P95_BAR_MS = 300.0
PROBE_SECONDS = 15.0
HOLD_SECONDS = 120.0
FIRST_RATE = 2.0
MAX_RATE = 128.0
CONVERSATIONS = 200
APOLOGY_START = "Maaf, asisten sedang mengalami gangguan"


@dataclass
class Run:
    """One steady run: its rate, length and what came back."""

    rate: float
    seconds: float
    sent: int
    errors: int
    median_ms: float
    p95_ms: float

    @property
    def holds(self) -> bool:
        """Return whether every request was answered and the p95 stayed under the bar."""
        return self.sent > 0 and self.errors == 0 and self.p95_ms < P95_BAR_MS


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


async def steady_run(rasa_url: str, rasa_token: str, rate: float, seconds: float, *, label: str) -> Run:
    """Send `rate` requests a second for `seconds` seconds on a fixed schedule; return the figures."""
    from tools.bench import question_mix

    count = max(1, round(rate * seconds))
    texts = question_mix(count, seed=int(rate * 10))
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=400, max_keepalive_connections=100)
    async with httpx.AsyncClient(base_url=rasa_url, timeout=30, headers=bearer(rasa_token), limits=limits) as client:

        async def one(index: int, due: float) -> None:
            nonlocal errors
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            sender = f"bench-{label}-{rate:g}-{index % CONVERSATIONS}"
            try:
                response = await client.post("/webhooks/rest/webhook", json={"sender": sender, "message": texts[index]})
                answered = response.status_code == 200 and not any(
                    (m.get("text") or "").startswith(APOLOGY_START) for m in response.json()
                )
            except (httpx.HTTPError, ValueError):
                answered = False
            latencies.append((time.perf_counter() - due) * 1000)
            errors += not answered

        start = time.perf_counter() + 0.2
        await asyncio.gather(*(one(i, start + i / rate) for i in range(count)))
    return Run(
        rate=rate,
        seconds=seconds,
        sent=count,
        errors=errors,
        median_ms=round(statistics.median(latencies), 1),
        p95_ms=round(_percentile(latencies, 0.95), 1),
    )


async def settle(rasa_url: str, rasa_token: str, *, within_ms: float = 1000.0, limit_seconds: float = 90.0) -> None:
    """Wait until a single request is answered within `within_ms` again (a failed run leaves turns queued)."""
    deadline = time.monotonic() + limit_seconds
    async with httpx.AsyncClient(base_url=rasa_url, timeout=30, headers=bearer(rasa_token)) as client:
        while time.monotonic() < deadline:
            started = time.perf_counter()
            with contextlib.suppress(httpx.HTTPError):
                await client.post("/webhooks/rest/webhook", json={"sender": "bench-settle", "message": "halo"})
            if (time.perf_counter() - started) * 1000 < within_ms:
                return
            await asyncio.sleep(2.0)


async def find_sustained_rate(rasa_url: str, rasa_token: str) -> dict:
    """Search for the highest rate that holds, then hold it for two minutes; return every run."""
    started = time.monotonic()
    probes: list[Run] = []
    best: float | None = None
    failed: float | None = None
    rate = FIRST_RATE
    while rate <= MAX_RATE:
        await settle(rasa_url, rasa_token)
        probe = await steady_run(rasa_url, rasa_token, rate, PROBE_SECONDS, label="probe")
        probes.append(probe)
        if not probe.holds:
            failed = rate
            break
        best, rate = rate, rate * 2
    if best is not None and failed is not None:
        low, high = best, failed
        for _ in range(2):
            middle = round((low + high) / 2, 1)
            if middle in (low, high):
                break
            await settle(rasa_url, rasa_token)
            probe = await steady_run(rasa_url, rasa_token, middle, PROBE_SECONDS, label="probe")
            probes.append(probe)
            low, high = (middle, high) if probe.holds else (low, middle)
        best = low
    held: list[Run] = []
    for candidate in _candidates(best):
        await settle(rasa_url, rasa_token)
        run = await steady_run(rasa_url, rasa_token, candidate, HOLD_SECONDS, label="hold")
        held.append(run)
        if run.holds:
            break
    return {
        "probes": [asdict(p) for p in probes],
        "held": [asdict(h) for h in held],
        "rate": next((h.rate for h in held if h.holds), None),
        "minutes": round((time.monotonic() - started) / 60, 1),
    }


def _candidates(best: float | None) -> Iterator[float]:
    if best is None:
        return
    yield best
    lower = round(best * 0.75, 1)
    if lower >= 0.5:
        yield lower


def describe_sustained(result: dict) -> list[str]:
    """Return the printed lines for a search result."""
    lines = [f"Sustained load, REST channel, open loop ({result['minutes']} min in all):"]
    for probe in result["probes"]:
        run = Run(**probe)
        lines.append(
            f"  probe {run.rate:5.1f}/s for {run.seconds:.0f} s: median {run.median_ms:.0f} ms,"
            f" p95 {run.p95_ms:.0f} ms, {run.errors} errors -> {'holds' if run.holds else 'does not hold'}"
        )
    for hold in result["held"]:
        run = Run(**hold)
        lines.append(
            f"  held  {run.rate:5.1f}/s for {run.seconds:.0f} s ({run.sent} requests): median {run.median_ms:.0f} ms,"
            f" p95 {run.p95_ms:.0f} ms, {run.errors} errors -> {'holds' if run.holds else 'does not hold'}"
        )
    rate = result["rate"]
    if rate is None:
        lines.append(f"  no rate held for {HOLD_SECONDS / 60:.0f} minutes with p95 under {P95_BAR_MS:.0f} ms")
    else:
        lines.append(
            f"  highest steady rate held {HOLD_SECONDS / 60:.0f} minutes, no errors, p95 < {P95_BAR_MS:.0f} ms:"
            f" {rate:.1f} requests/s"
        )
    return lines


def main() -> None:
    """Run the search against a running assistant; print the figures, and the JSON with --json."""
    settings = get_settings()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rasa-url", default=settings.rasa_url)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = asyncio.run(find_sustained_rate(args.rasa_url, settings.rasa_token))
    if args.json:
        sys.stdout.write(json.dumps(result) + "\n")
    else:
        print("\n".join(describe_sustained(result)))


if __name__ == "__main__":
    main()
