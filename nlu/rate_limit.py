"""Per-sender limits at the REST channel, so one conversation cannot take the assistant from the others.

Two limits, both per sender (conversation id):

- **A rate** (token bucket): `burst` messages at once, refilled at `per_minute`. A person typing or tapping
  buttons stays far below it; a script posting in a loop does not.
- **Turns in flight**: Rasa runs one conversation's turns one after another, so a flood from one sender
  only queues up behind its own lock, each queued request holding memory and a connection. More than
  `max_in_flight` waiting turns of one sender are refused instead.

Refusals are answered with HTTP 429 and a `Retry-After`. The table of senders is bounded (the least
recently seen are forgotten), so random sender ids cannot grow it without limit. Pure Python, no Rasa.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

MAX_TRACKED_SENDERS = 50_000


@dataclass
class _Bucket:
    tokens: float
    updated: float
    in_flight: int = 0


@dataclass(frozen=True)
class Refusal:
    """Why a turn was refused and when the sender may try again."""

    reason: str
    retry_after: int


class SenderLimiter:
    """Token bucket and in-flight cap per sender; call `acquire` before a turn and `release` after it."""

    def __init__(
        self,
        *,
        per_minute: float,
        burst: int,
        max_in_flight: int,
        max_senders: int = MAX_TRACKED_SENDERS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Configure the limits; `clock` is injectable so tests need not wait."""
        self.rate = per_minute / 60.0
        self.burst = burst
        self.max_in_flight = max_in_flight
        self.max_senders = max_senders
        self._clock = clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def acquire(self, sender: str) -> Refusal | None:
        """Take one turn for `sender`; return a refusal, or None when the turn may run (then `release` it)."""
        now = self._clock()
        bucket = self._buckets.pop(sender, None) or _Bucket(tokens=float(self.burst), updated=now)
        bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        self._remember(sender, bucket)
        if bucket.in_flight >= self.max_in_flight:
            return Refusal("too many messages from this conversation are still being answered", retry_after=1)
        if bucket.tokens < 1.0:
            wait = (1.0 - bucket.tokens) / self.rate if self.rate > 0 else 60.0
            return Refusal("too many messages from this conversation", retry_after=max(1, math.ceil(wait)))
        bucket.tokens -= 1.0
        bucket.in_flight += 1
        return None

    def release(self, sender: str) -> None:
        """Mark one of `sender`'s turns as finished."""
        bucket = self._buckets.get(sender)
        if bucket is not None and bucket.in_flight > 0:
            bucket.in_flight -= 1

    def _remember(self, sender: str, bucket: _Bucket) -> None:
        self._buckets[sender] = bucket
        while len(self._buckets) > self.max_senders:
            _, oldest = next(iter(self._buckets.items()))
            if oldest.in_flight:  # never forget a sender mid-turn; stop evicting rather than lose its count
                break
            self._buckets.popitem(last=False)
