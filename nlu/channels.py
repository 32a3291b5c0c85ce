"""Rasa's REST channel, made to apologise instead of staying silent.

When the action server is down (or an action fails) Rasa logs the error and replies with nothing, which
a user reads as a dead bot. This channel keeps Rasa's REST endpoint and payloads unchanged (its name is
still "rest", so the URL stays `/webhooks/rest/webhook`) and adds one apology whenever a turn produced
no reply at all. It runs inside the Rasa server and imports only Rasa.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint

from nlu import rasa_speedups

logger = logging.getLogger(__name__)

# Rasa always loads this channel, so this is where the speed-ups for its hot spots are switched on.
rasa_speedups.install()

APOLOGY = "Maaf, asisten sedang mengalami gangguan dan belum bisa menjawab. Silakan coba lagi beberapa saat lagi."


class RestWithApology(RestInput):
    """REST input channel that always answers: an apology when the turn produced no message."""

    @classmethod
    def name(cls) -> str:
        """Keep Rasa's channel name so clients use the standard REST URL."""
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Wrap message handling so an empty or failed turn still sends the apology."""

        async def handle_with_apology(message: UserMessage) -> None:
            output = message.output_channel
            already_sent = len(output.messages) if isinstance(output, CollectingOutputChannel) else 0
            try:
                await on_new_message(message)
            except Exception:
                logger.exception("turn failed for sender %s", message.sender_id)
            if isinstance(output, CollectingOutputChannel) and len(output.messages) == already_sent:
                logger.warning("turn produced no reply for sender %s; sending apology", message.sender_id)
                await output.send_text_message(message.sender_id, APOLOGY)

        return super().blueprint(handle_with_apology)
