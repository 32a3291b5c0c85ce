"""The turn queue: first come first served, a bounded number in flight, each conversation in order."""

from __future__ import annotations

import asyncio

import pytest

from nlu.turn_queue import TurnQueue


async def _burst(queue: TurnQueue, senders: list[str], steps: int = 3) -> tuple[list[str], int]:
    """Start one turn per sender in this order; each turn yields `steps` times. Return finish order and peak."""
    finished: list[str] = []
    peak = 0

    async def turn(index: int, sender: str) -> None:
        nonlocal peak
        async with queue.turn(sender):
            peak = max(peak, queue.running)
            for _ in range(steps):
                await asyncio.sleep(0)
            finished.append(f"{sender}#{index}")

    await asyncio.gather(*(turn(i, s) for i, s in enumerate(senders)))
    return finished, peak


def test_a_burst_is_answered_in_arrival_order_with_at_most_the_limit_in_flight() -> None:
    queue = TurnQueue(2)
    senders = [f"chat-{n}" for n in range(20)]
    finished, peak = asyncio.run(_burst(queue, senders))
    assert finished == [f"{s}#{i}" for i, s in enumerate(senders)]
    assert peak == 2
    assert queue.running == 0 and queue.waiting == 0


def test_without_the_queue_the_same_burst_interleaves() -> None:
    # The check above means something: with every turn admitted at once, the first chat is not first done.
    _finished, peak = asyncio.run(_burst(TurnQueue(100), [f"chat-{n}" for n in range(20)], steps=3))
    assert peak == 20


def test_a_conversations_turns_run_one_at_a_time_in_order_without_holding_a_place() -> None:
    queue = TurnQueue(2)
    senders = ["a", "a", "a", "b", "c"]
    finished, _peak = asyncio.run(_burst(queue, senders, steps=5))
    assert [f for f in finished if f.startswith("a#")] == ["a#0", "a#1", "a#2"]
    # b and c do not wait behind a's later turns: a's queued turns hold no place.
    assert finished.index("b#3") < finished.index("a#1")
    assert finished.index("c#4") < finished.index("a#2")


def test_a_cancelled_waiting_turn_gives_its_place_to_the_next() -> None:
    async def scenario() -> list[str]:
        queue = TurnQueue(1)
        release = asyncio.Event()
        done: list[str] = []

        async def holder() -> None:
            async with queue.turn("first"):
                await release.wait()
                done.append("first")

        async def waiter(name: str) -> None:
            async with queue.turn(name):
                done.append(name)

        tasks = [asyncio.create_task(holder())]
        await asyncio.sleep(0)
        tasks += [asyncio.create_task(waiter(n)) for n in ("second", "third")]
        await asyncio.sleep(0)
        tasks[1].cancel()
        release.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        assert queue.running == 0 and queue.waiting == 0
        return done

    assert asyncio.run(scenario()) == ["first", "third"]


@pytest.mark.parametrize("limit", [0, -3])
def test_the_limit_is_at_least_one(limit: int) -> None:
    assert TurnQueue(limit).limit == 1
