"""The bot's arrival order: a message goes to the assistant only once every earlier update's has gone."""

from __future__ import annotations

import asyncio

from bot.rasa_client import ArrivalOrder


def test_messages_go_in_the_order_their_updates_arrived() -> None:
    async def scenario() -> list[int]:
        order = ArrivalOrder(max_wait=5)
        tickets = [order.issue() for _ in range(4)]
        gone: list[int] = []

        async def send(ticket: int, delay: float) -> None:
            await asyncio.sleep(delay)  # the handler's own work before the call (a database read, say)
            await order.wait_turn(ticket)
            gone.append(ticket)

        # The later updates finish their handler work first.
        await asyncio.gather(*(send(t, d) for t, d in zip(tickets, (0.08, 0.06, 0.0, 0.02), strict=True)))
        return gone

    assert asyncio.run(scenario()) == [0, 1, 2, 3]


def test_an_update_that_never_calls_the_assistant_does_not_hold_up_the_others() -> None:
    async def scenario() -> list[int]:
        order = ArrivalOrder(max_wait=5)
        first, second = order.issue(), order.issue()
        gone: list[int] = []

        async def local_command() -> None:
            await asyncio.sleep(0.02)
            order.release(first)  # done without a message to the assistant

        async def send() -> None:
            await order.wait_turn(second)
            gone.append(second)

        await asyncio.gather(local_command(), send())
        return gone

    assert asyncio.run(scenario()) == [1]


def test_a_stuck_earlier_update_delays_the_next_at_most_max_wait() -> None:
    async def scenario() -> float:
        order = ArrivalOrder(max_wait=0.1)
        order.issue()  # never released
        later = order.issue()
        loop = asyncio.get_running_loop()
        started = loop.time()
        await order.wait_turn(later)
        return loop.time() - started

    assert asyncio.run(scenario()) < 1.0
