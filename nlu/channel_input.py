"""What a REST request to the assistant must look like before any of it reaches NLU or the tracker store.

The REST channel is the assistant's trust boundary: everything behind it (the classifier, the tracker
store, the action server, the question log) assumes a well-formed conversation id and a short, clean text.
This module only parses and cleans; it imports nothing from Rasa, so it is tested on its own.

- **Body**: at most `MAX_BODY_BYTES`, a JSON object (anything else is a 400, not a 500).
- **sender**: required (no shared "default" conversation), a short id of letters, digits and `_.:@+-`.
- **message**: a string. Invalid Unicode (lone surrogates, undecodable bytes) becomes U+FFFD and control
  characters go, so the text can always be encoded, stored and sent on. Longer than `MAX_MESSAGE_CHARS`
  it is trimmed at a word boundary with a visible marker, like the bot does, before NLU runs.
- **metadata**: optional, an object.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from settings import MAX_MESSAGE_CHARS

# A message of MAX_MESSAGE_CHARS characters is at most ~12 KB of JSON even when every character is escaped.
# Bodies up to this cap (a pasted 100 KB document, say) are parsed, cheaply, and their text trimmed; bigger
# ones are refused before parsing.
MAX_BODY_BYTES = 256 * 1024
SENDER_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:@+\-]{0,127}")
TRIM_MARKER = " …"
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")
# C0/C1 control characters except tab, newline and carriage return; DEL too.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class BadRequest(ValueError):
    """The request cannot be a turn; `status` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400) -> None:
        """Keep the client-facing reason and its status."""
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class TurnRequest:
    """A validated request: whose conversation, what they wrote (cleaned), and how long it was."""

    sender: str
    text: str
    metadata: dict[str, Any] | None = None
    original_length: int = 0
    trimmed: bool = field(default=False)


def clean_text(text: str) -> str:
    """Return `text` with lone surrogates replaced by U+FFFD and control characters removed."""
    return _CONTROL.sub("", _LONE_SURROGATE.sub("\ufffd", text))


def trim_text(text: str, limit: int = MAX_MESSAGE_CHARS) -> tuple[str, bool]:
    """Cut `text` to `limit` characters (marker included) at a word boundary; return it and whether it was cut."""
    if len(text) <= limit:
        return text, False
    room = limit - len(TRIM_MARKER)
    cut = text[:room]
    space = cut.rfind(" ")
    if space > room * 0.8:
        cut = cut[:space]
    return cut.rstrip() + TRIM_MARKER, True


def parse_turn(body: bytes) -> TurnRequest:
    """Parse and clean a REST-channel request body.

    Raises:
        BadRequest: with a reason fit for the client, for anything that cannot be a turn.
    """
    if len(body) > MAX_BODY_BYTES:
        raise BadRequest(f"request body larger than {MAX_BODY_BYTES} bytes", status=413)
    try:
        # Undecodable bytes become U+FFFD rather than a parse error: the text is cleaned below anyway.
        data = json.loads(body.decode("utf-8", errors="replace"))
    except ValueError as exc:
        raise BadRequest("body must be JSON: an object with 'sender' and 'message'") from exc
    if not isinstance(data, dict):
        raise BadRequest("body must be a JSON object with 'sender' and 'message'")
    sender = data.get("sender")
    if not isinstance(sender, str) or not sender:
        raise BadRequest("'sender' is required: a string naming the conversation")
    if not SENDER_PATTERN.fullmatch(sender):
        raise BadRequest("'sender' must be 1-128 characters: letters, digits and _ . : @ + -")
    message = data.get("message")
    if not isinstance(message, str):
        raise BadRequest("'message' is required and must be a string")
    metadata = data.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise BadRequest("'metadata' must be a JSON object when given")
    text, trimmed = trim_text(clean_text(message))
    return TurnRequest(sender, text, metadata, original_length=len(message), trimmed=trimmed)
