"""The 👍/👎 keyboard under knowledge-base answers, as signed tokens; kept apart from the feedback handlers.

`handlers.relay` adds it to every rendered reply and `feedback` handles the taps; keeping the keyboard here
lets both import it without importing each other. May import `telegram`, `settings` and `bot.render`.

Buttons are untrusted input: anyone can send any callback_data. So a vote button carries
`fb:<+|->:<entry id>:<version>:<answer nonce>:<mac>`, where the MAC (HMAC-SHA256, keyed by a secret derived from
the bot token, so it survives restarts without a new setting) covers the entry, version, the nonce of this
answer and the conversation it was sent to. A tap is accepted only if the MAC matches the tapping user's own
conversation; the nonce lets the knowledge base keep one vote per answer per user. An entry id is at most 32
characters, so the data stays within Telegram's 64-byte callback_data limit.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import logging
import re
import secrets
from typing import NamedTuple

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.render import Outgoing, OutgoingPhoto, OutgoingText
from settings import Settings

logger = logging.getLogger(__name__)

# Telegram refuses callback_data over 64 bytes.
MAX_CALLBACK_BYTES = 64
_VOTE = re.compile(r"^fb:([+-]):([a-z0-9-]{1,32}):(\d{1,9}):([A-Za-z0-9_-]{6}):([A-Za-z0-9_-]{8})$")


class Vote(NamedTuple):
    """A verified vote button: what it rates, and the answer nonce it belongs to."""

    helpful: bool
    entry_id: str
    version: int
    nonce: str


def button_key(settings: Settings) -> bytes:
    """Return the secret that signs buttons: derived from the bot token, never sent anywhere."""
    return hashlib.sha256(b"klinik-inovasi/buttons\0" + settings.telegram_bot_token.encode("utf-8")).digest()


def _mac(key: bytes, *, entry_id: str, version: int, nonce: str, sender: str) -> str:
    digest = hmac.new(key, f"{entry_id}|{version}|{nonce}|{sender}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:6]).decode("ascii")  # 8 characters, 48 bits: enough against guessing


def feedback_keyboard(
    entry_id: str, version: int | str, *, sender: str, key: bytes, nonce: str | None = None
) -> InlineKeyboardMarkup:
    """Return the 👍/👎 keyboard for an answer from `entry_id` at `version`, sent to conversation `sender`."""
    version = int(version)
    nonce = nonce or secrets.token_urlsafe(6)[:6]
    mac = _mac(key, entry_id=entry_id, version=version, nonce=nonce, sender=sender)
    buttons = []
    for sign, label in (("+", "👍 Membantu"), ("-", "👎 Kurang tepat")):
        data = f"fb:{sign}:{entry_id}:{version}:{nonce}:{mac}"
        if len(data.encode("utf-8")) > MAX_CALLBACK_BYTES:
            raise ValueError(f"callback data for entry {entry_id!r} exceeds {MAX_CALLBACK_BYTES} bytes")
        buttons.append(InlineKeyboardButton(label, callback_data=data))
    return InlineKeyboardMarkup([buttons])


def verify_vote(data: str, *, sender: str, key: bytes) -> Vote | None:
    """Return the vote a button stands for if it was issued to conversation `sender`, else None."""
    match = _VOTE.match(data)
    if match is None:
        return None
    sign, entry_id, version, nonce, mac = match.groups()
    expected = _mac(key, entry_id=entry_id, version=int(version), nonce=nonce, sender=sender)
    if not hmac.compare_digest(mac, expected):
        return None
    return Vote(helpful=sign == "+", entry_id=entry_id, version=int(version), nonce=nonce)


def with_feedback_buttons(items: list[Outgoing], *, sender: str, key: bytes) -> list[Outgoing]:
    """Add the 👍/👎 keyboard to the last message of each knowledge-base answer in a rendered reply.

    An answer may be split over several messages; the buttons go under its last one that can carry a
    keyboard, below any buttons it already has. Items without a usable `kb_answer` are left as they are.
    """
    out = list(items)
    for index, item in enumerate(out):
        ref = item.kb_answer
        following = out[index + 1] if index + 1 < len(out) else None
        if ref is None or not ref.version.isdigit() or not isinstance(item, OutgoingText | OutgoingPhoto):
            continue  # a document carries no keyboard
        if isinstance(following, OutgoingText | OutgoingPhoto) and following.kb_answer == ref:
            continue  # not the last message of this answer
        try:
            rows = feedback_keyboard(ref.entry_id, ref.version, sender=sender, key=key).inline_keyboard
        except ValueError:
            logger.warning("No feedback buttons for entry %r: callback data too long", ref.entry_id)
            continue
        existing = item.keyboard.inline_keyboard if item.keyboard is not None else ()
        out[index] = dataclasses.replace(item, keyboard=InlineKeyboardMarkup([*existing, *rows]))
    return out
