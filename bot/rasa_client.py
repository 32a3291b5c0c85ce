"""Client for the assistant's REST channel (`POST {RASA_URL}/webhooks/rest/webhook`).

May import: `httpx` and the standard library. The bot reaches the assistant only through this HTTP
interface, never by importing Rasa. One client is created per process (in the application's post_init)
so connections to Rasa are pooled and reused.

At most `max_in_flight` messages are at the assistant at once; the others wait here in the order they came.
A burst of forty chats used to open forty new connections at once, and a connection reaches the assistant's
first-come first-served queue (nlu/turn_queue.py) only once its busy server has accepted and read it, which
took longer than a message on a kept-alive connection: chats that wrote later were answered first. Now a
burst travels over a few kept-alive connections, in arrival order.
"""

from __future__ import annotations

import asyncio
import collections
import contextvars
import logging
import time
from typing import Any

import httpx

logger = logging.getLogger(__name__)

WEBHOOK_PATH = "/webhooks/rest/webhook"
# Rasa's web server (Sanic) closes idle keep-alive connections after 5 s. Expiring ours a little earlier means
# we never pick a connection the server is closing at that very moment.
_KEEPALIVE_EXPIRY = 4.0
# A refused or unroutable connection should be reported quickly even when answers may take long.
_MAX_CONNECT_TIMEOUT = 5.0
# While Rasa restarts (the launcher brings a dead one back, loading the model takes a while) its port
# refuses connections. Such a request never reached Rasa, so it is safe to try again; the user sees
# "typing…" and then the answer instead of an apology.
# The application passes RASA_CONNECT_RETRY_SECONDS; a bare client does not retry.
_CONNECT_RETRY_INTERVAL = 0.5
MAX_IN_FLIGHT = 8
# An update waits at most this long for earlier updates (still reading the database, say) to reach the assistant.
ARRIVAL_WAIT_SECONDS = 2.0


class ArrivalOrder:
    """Tickets in the order updates arrived; a message goes to the assistant once every earlier one has gone.

    Between arriving and calling the assistant an update passes the handlers (the handoff check, persistence),
    some of which wait for the database in a thread; threads finish in any order, so forty chats used to reach
    the assistant shuffled. The bot's update processor issues a ticket when an update of a conversation may
    start (`issue`) and releases it when the update is done (`release`); `send_message` first waits until no
    earlier ticket is still on its way (`wait_turn`), at most ARRIVAL_WAIT_SECONDS.
    """

    def __init__(self, max_wait: float = ARRIVAL_WAIT_SECONDS) -> None:
        """Create an empty order; `max_wait` bounds how long one update waits for earlier ones."""
        self.max_wait = max_wait
        self._next = 0
        self._pending: set[int] = set()
        self._changed = asyncio.Event()

    def issue(self) -> int:
        """Return the next ticket, pending until released."""
        ticket = self._next
        self._next += 1
        self._pending.add(ticket)
        return ticket

    def release(self, ticket: int) -> None:
        """Mark `ticket` as gone to the assistant or done; wake those waiting behind it."""
        if ticket in self._pending:
            self._pending.discard(ticket)
            self._changed.set()
            self._changed = asyncio.Event()

    async def wait_turn(self, ticket: int) -> None:
        """Wait until no ticket before `ticket` is pending (or `max_wait` passed), then release `ticket`."""
        deadline = time.monotonic() + self.max_wait
        while self._pending and min(self._pending) < ticket:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            try:
                await asyncio.wait_for(self._changed.wait(), left)
            except asyncio.TimeoutError:
                break
        self.release(ticket)


# The current update's place in its application's arrival order (set by the bot's update processor).
ARRIVAL: contextvars.ContextVar[tuple[ArrivalOrder, int] | None] = contextvars.ContextVar("arrival", default=None)


class _Gate:
    """At most `limit` holders at once; the others are let in strictly in the order they asked."""

    def __init__(self, limit: int) -> None:
        self.limit = max(1, limit)
        self.inside = 0
        self._waiting: collections.deque[asyncio.Future[None]] = collections.deque()

    async def __aenter__(self) -> None:
        if self.inside < self.limit and not self._waiting:
            self.inside += 1
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append(waiter)
        try:
            await waiter  # `__aexit__` hands its place over: `inside` already counts us
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                await self.__aexit__(None, None, None)
            else:
                self._waiting.remove(waiter)
            raise

    async def __aexit__(self, *_exc: object) -> None:
        while self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self.inside -= 1


class RasaUnavailable(Exception):
    """The assistant could not be reached or did not answer with a list of messages."""


class RasaBusy(RasaUnavailable):
    """The assistant refused this conversation's message for now (HTTP 429: too many messages too fast)."""


class RasaClient:
    """Send one user message to the assistant and return its reply messages."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float,
        token: str = "",
        connect_retry_seconds: float = 0.0,
        max_in_flight: int = MAX_IN_FLIGHT,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        """Create the client; `token` is RASA_TOKEN, `transport` lets tests answer with `httpx.MockTransport`."""
        self._gate = _Gate(max_in_flight)
        if not token:
            logger.warning("RASA_TOKEN is not set: the assistant will refuse this bot's messages")
        self._connect_retry_seconds = connect_retry_seconds
        self._client = httpx.AsyncClient(
            base_url=base_url,
            # The REST channel refuses every message without the shared token (nlu/channels.py).
            headers={"Authorization": f"Bearer {token}"} if token else None,
            timeout=httpx.Timeout(timeout, connect=min(timeout, _MAX_CONNECT_TIMEOUT)),
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=50, keepalive_expiry=_KEEPALIVE_EXPIRY),
            transport=transport,
        )

    async def send_message(self, sender_id: str, text: str) -> list[dict[str, Any]]:
        """Relay `text` from conversation `sender_id` and return the assistant's messages.

        Raises:
            RasaUnavailable: on any transport error or timeout, a non-2xx status, or a body that is not a
                JSON list. Entries of the list that are not objects are dropped.
        """
        started = time.perf_counter()
        arrival = ARRIVAL.get()
        if arrival is not None:
            order, ticket = arrival
            await order.wait_turn(ticket)
        deadline = time.monotonic() + self._connect_retry_seconds
        while True:
            try:
                async with self._gate:
                    response = await self._client.post(WEBHOOK_PATH, json={"sender": sender_id, "message": text})
            except httpx.ConnectError as exc:
                if time.monotonic() >= deadline:
                    raise RasaUnavailable(f"request to the assistant failed: {type(exc).__name__}") from exc
                logger.info("The assistant refused the connection (restarting?); trying again")
                await asyncio.sleep(_CONNECT_RETRY_INTERVAL)
                continue
            except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
                # The connection dropped before any answer: the Rasa worker holding it died (the others, or
                # the restarted one, answer the retry) or closed an idle keep-alive connection. At worst a
                # turn saved just before the worker died is run twice; without the retry the message is lost.
                if time.monotonic() >= deadline:
                    raise RasaUnavailable(f"request to the assistant failed: {type(exc).__name__}") from exc
                logger.warning("The assistant dropped the connection without an answer; trying again")
                await asyncio.sleep(_CONNECT_RETRY_INTERVAL)
                continue
            except httpx.HTTPError as exc:
                raise RasaUnavailable(f"request to the assistant failed: {type(exc).__name__}") from exc
            break
        if response.status_code in (401, 403):
            logger.error("The assistant refused the bot's token: check that RASA_TOKEN matches the running assistant")
        if response.status_code == 429:
            raise RasaBusy("the assistant asked this conversation to slow down (HTTP 429)")
        if not response.is_success:
            raise RasaUnavailable(f"the assistant answered HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError as exc:
            raise RasaUnavailable("the assistant answered with invalid JSON") from exc
        if not isinstance(body, list):
            raise RasaUnavailable(f"the assistant answered a JSON {type(body).__name__}, not a list")
        messages = [item for item in body if isinstance(item, dict)]
        if len(messages) != len(body):
            logger.debug("Dropped %d reply entries that are not objects", len(body) - len(messages))
        logger.debug(
            "Assistant answered %s with %d messages in %.0f ms",
            sender_id,
            len(messages),
            (time.perf_counter() - started) * 1000,
        )
        return messages

    async def aclose(self) -> None:
        """Close the pooled connections."""
        await self._client.aclose()
