"""Rasa's REST channel as the assistant's trust boundary: authenticated, validated, and never silent.

The URL and payloads stay Rasa's (`POST /webhooks/rest/webhook` with `{"sender", "message"}`, a JSON list
back), so every client keeps working; what changes is what gets through:

- **Authentication**: every turn needs `Authorization: Bearer <RASA_TOKEN>` (a shared secret the bot and
  the tools send). Rasa refuses to start this channel without a token, so an exposed port cannot be used
  to post as an officer, read their flow answers back or `/restart` their conversation.
- **Validation** before NLU runs (`nlu.channel_input`): a JSON object, a well-formed sender, a string
  message, cleaned of invalid Unicode and trimmed to the bot's limit. Bad requests get a 4xx that says why.
- **Arrival order**: at most TURNS_IN_FLIGHT turns run at once in this worker, the others wait first-come
  first-served, each conversation's turns one after another (`nlu.turn_queue`), so in a burst the chat that
  wrote first is answered first instead of everyone near the end.
- **Fairness**: per-conversation limits (`nlu.rate_limit`): a rate and a cap on turns waiting in one
  conversation, answered with 429 and `Retry-After`. With the text trimmed before NLU, no single message
  or sender can hold up the other chats.
- **`?stream=true`** answers in Rasa's streaming format (one JSON message per line), sent when the turn
  is done, instead of hanging on Rasa 3.6's broken streaming code.
- **Conversation deletion** for `/hapus_data` and the retention purge (`nlu.conversations`), behind the
  same token, so no other process opens the tracker database.
- **An apology** whenever a turn produced no reply at all (the action server down, an action failed),
  which a user would otherwise read as a dead bot, and instead of the reply when the conversation could
  not be loaded or saved (`nlu.tracker_store.TrackerStoreUnavailable`): the turn is then not stored at all.

Logs name the sender and the outcome; what the user wrote is logged at DEBUG only, errors included.
It runs inside the Rasa server and imports only Rasa, Sanic and settings.
"""

from __future__ import annotations

import hmac
import inspect
import json
import logging
from asyncio import CancelledError
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from nlu import connect_retry, conversations, rasa_speedups, sanic_workers
from nlu.channel_input import BadRequest, TurnRequest, parse_turn
from nlu.rate_limit import SenderLimiter
from nlu.safe_logging import describe_error
from nlu.tracker_store import TrackerStoreUnavailable
from nlu.turn_queue import TurnQueue
from settings import get_settings

logger = logging.getLogger(__name__)

# Rasa always loads this channel, so this is where the speed-ups for its hot spots, the retry of
# refused connections to a restarting action server, and the replacement of dead Sanic workers are switched on.
rasa_speedups.install()
connect_retry.install()
sanic_workers.install()

APOLOGY = "Maaf, asisten sedang mengalami gangguan dan belum bisa menjawab. Silakan coba lagi beberapa saat lagi."
_STREAM_VALUES = {"true", "1", "yes"}


def _error(status: int, message: str) -> HTTPResponse:
    return response.json({"error": message}, status=status)


class RestWithApology(RestInput):
    """REST input channel that checks the shared token, validates each request, and always answers."""

    def __init__(
        self, token: str | None = None, limiter: SenderLimiter | None = None, queue: TurnQueue | None = None
    ) -> None:
        """Use `token`, `limiter` and `queue` (tests), or RASA_TOKEN and the limits from settings."""
        settings = get_settings()
        self._queue = queue or TurnQueue(settings.turns_in_flight)
        self._token = settings.rasa_token if token is None else token
        self._limiter = limiter or SenderLimiter(
            per_minute=settings.sender_rate_per_minute,
            burst=settings.sender_burst,
            max_in_flight=settings.sender_max_in_flight,
        )

    @classmethod
    def name(cls) -> str:
        """Keep Rasa's channel name so clients use the standard REST URL."""
        return "rest"

    def authorised(self, request: Request) -> bool:
        """Return whether the request carries the shared token (compared in constant time)."""
        header = request.headers.get("authorization", "")
        scheme, _, presented = header.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(presented.strip().encode(), self._token.encode())

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Return the channel's routes: a health check, and the authenticated, validated webhook."""
        if not self._token:
            raise RuntimeError(
                "RASA_TOKEN is not set: the REST channel refuses to run without a shared token "
                "(`make run` generates one; set RASA_TOKEN in .env or the environment to run Rasa on its own)"
            )
        module = inspect.getmodule(self)
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", module.__name__ if module else None)

        # Deleting conversations (`/hapus_data`, the retention purge) goes through Rasa, their owner.
        conversations.add_routes(webhook, self.authorised)

        @webhook.route("/", methods=["GET"])
        async def health(_request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not self.authorised(request):
                logger.warning("refused a request without a valid token from %s", request.ip)
                return _error(401, "missing or wrong token")
            try:
                turn = parse_turn(request.body)
            except BadRequest as exc:
                logger.info("refused a bad request from %s: %s", request.ip, exc)
                return _error(exc.status, str(exc))
            if turn.trimmed:
                logger.info("message from %s trimmed from %d characters", turn.sender, turn.original_length)
            refusal = self._limiter.acquire(turn.sender)
            if refusal is not None:
                logger.warning("refused a turn for %s: %s", turn.sender, refusal.reason)
                return response.json(
                    {"error": refusal.reason}, status=429, headers={"Retry-After": str(refusal.retry_after)}
                )
            try:
                async with self._queue.turn(turn.sender):
                    messages = await self.run_turn(on_new_message, turn)
            finally:
                self._limiter.release(turn.sender)
            if request.args.get("stream", "").lower() in _STREAM_VALUES:
                # Rasa's streaming format: one JSON message per line. Sent once the turn is done.
                lines = "".join(json.dumps(message) + "\n" for message in messages)
                return response.text(lines, content_type="text/event-stream")
            return response.json(messages)

        return webhook

    async def run_turn(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]], turn: TurnRequest
    ) -> list[dict[str, Any]]:
        """Run one turn and return its messages; an apology when it produced none."""
        output = CollectingOutputChannel()
        message = UserMessage(turn.text, output, turn.sender, input_channel=self.name(), metadata=turn.metadata)
        logger.debug("turn for %s: %r", turn.sender, turn.text)
        try:
            await on_new_message(message)
        except TrackerStoreUnavailable:
            # The conversation could not be read or saved: nothing of this turn was stored, so an answer
            # computed without its context (or not kept for the next message) must not be shown as if it were.
            logger.error("turn for sender %s not answered: its conversation could not be loaded or saved", turn.sender)
            output.messages.clear()
        except CancelledError:
            logger.error("turn for sender %s was cancelled (timeout)", turn.sender)
        except Exception as exc:
            logger.error("turn failed for sender %s: %s", turn.sender, describe_error(exc))
            logger.debug("turn failure details for %s", turn.sender, exc_info=True)
        if not output.messages:
            logger.warning("turn produced no reply for sender %s; sending apology", turn.sender)
            await output.send_text_message(turn.sender, APOLOGY)
        return output.messages
