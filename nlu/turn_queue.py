"""First come, first served: a bounded number of turns in flight per Rasa worker, the rest waiting in order.

A turn is mostly CPU (NLU, policies, the tracker's (de)serialisation) on an event loop shared with every
other turn. Forty chats asking at once used to start forty turns at once; their steps interleaved, and
everyone's answer came near the end of the burst. Here at most `limit` turns run at once in this worker;
the others wait in one queue in the order they arrived, so the chat that wrote first is answered first,
and the median wait is about half a burst instead of a whole one.

A conversation's turns also run one at a time here, in arrival order, before they join the queue: a second
message of a chat whose first is still being answered waits for it without holding a place that another
chat could use (Rasa's lock store keeps the order across workers and hosts as well). Pure asyncio, no Rasa.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class TurnQueue:
    """Admit turns first-come first-served, at most `limit` at once, one at a time per conversation."""

    def __init__(self, limit: int) -> None:
        """Allow `limit` turns in flight (at least one)."""
        self.limit = max(1, limit)
        self.running = 0
        self._waiting: deque[asyncio.Future[None]] = deque()
        self._conversations: dict[str, asyncio.Lock] = {}
        self._users: dict[str, int] = {}

    @property
    def waiting(self) -> int:
        """Return how many turns wait for a place (not counting those behind their own conversation)."""
        return sum(not waiter.done() for waiter in self._waiting)

    @asynccontextmanager
    async def turn(self, sender: str) -> AsyncIterator[None]:
        """Wait for this conversation's earlier turns, then for a place in arrival order; hold it while running."""
        lock = self._conversations.setdefault(sender, asyncio.Lock())
        self._users[sender] = self._users.get(sender, 0) + 1
        try:
            async with lock:
                await self._enter()
                try:
                    yield
                finally:
                    self._leave()
        finally:
            self._users[sender] -= 1
            if not self._users[sender]:
                del self._users[sender]
                del self._conversations[sender]

    async def _enter(self) -> None:
        if self.running < self.limit and not self._waiting:
            self.running += 1
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append(waiter)
        try:
            await waiter  # `_leave` hands its place over: `running` already counts this turn
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self._leave()  # the place was handed over as the turn was cancelled: pass it on
            else:
                self._waiting.remove(waiter)
            raise

    def _leave(self) -> None:
        while self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self.running -= 1
