"""Per-sender limits: one conversation flooding is refused, the others are not touched."""

from __future__ import annotations

from nlu.rate_limit import SenderLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def limiter(clock: Clock, **limits: int) -> SenderLimiter:
    values = {"per_minute": 60, "burst": 5, "max_in_flight": 100, **limits}
    return SenderLimiter(clock=clock, **values)


def test_a_burst_beyond_the_limit_is_refused_with_a_retry_time() -> None:
    clock = Clock()
    limits = limiter(clock)
    for _ in range(5):
        assert limits.acquire("tg-flood") is None
        limits.release("tg-flood")
    refusal = limits.acquire("tg-flood")
    assert refusal is not None and refusal.retry_after == 1


def test_a_flooding_sender_does_not_use_up_anyone_elses_allowance() -> None:
    clock = Clock()
    limits = limiter(clock)
    for _ in range(50):
        if limits.acquire("tg-flood") is None:
            limits.release("tg-flood")
    assert limits.acquire("tg-calm") is None


def test_the_allowance_refills_with_time() -> None:
    clock = Clock()
    limits = limiter(clock, burst=2)
    for _ in range(2):
        assert limits.acquire("tg-1") is None
        limits.release("tg-1")
    assert limits.acquire("tg-1") is not None
    clock.now += 1.0  # 60 per minute: one message a second
    assert limits.acquire("tg-1") is None


def test_turns_waiting_in_one_conversation_are_capped() -> None:
    clock = Clock()
    limits = limiter(clock, max_in_flight=2, burst=10)
    assert limits.acquire("tg-1") is None and limits.acquire("tg-1") is None
    refusal = limits.acquire("tg-1")
    assert refusal is not None and "still being answered" in refusal.reason
    limits.release("tg-1")
    assert limits.acquire("tg-1") is None


def test_the_table_of_senders_stays_bounded() -> None:
    clock = Clock()
    limits = SenderLimiter(per_minute=60, burst=5, max_in_flight=3, max_senders=100, clock=clock)
    for number in range(1000):
        if limits.acquire(f"random-{number}") is None:
            limits.release(f"random-{number}")
    assert len(limits._buckets) <= 100
