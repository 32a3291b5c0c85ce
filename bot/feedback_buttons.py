"""The 👍/👎 keyboard under knowledge-base answers, kept apart from the feedback handlers.

`handlers.relay` adds it to every rendered reply and `feedback` handles the taps; keeping the keyboard here
lets both import it without importing each other. May import `telegram` and `bot.render`.
"""

from __future__ import annotations

import dataclasses
import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.render import Outgoing

logger = logging.getLogger(__name__)

# Telegram refuses callback_data over 64 bytes; entry ids are at most 32 characters, so votes fit.
MAX_CALLBACK_BYTES = 64


def feedback_keyboard(entry_id: str, version: int | str) -> InlineKeyboardMarkup:
    """Return the 👍/👎 keyboard for an answer from `entry_id` at `version` (render keeps it as text)."""
    version = int(version)
    buttons = []
    for sign, label in (("+", "👍 Membantu"), ("-", "👎 Kurang tepat")):
        data = f"fb:{sign}:{entry_id}:{version}"
        if len(data.encode("utf-8")) > MAX_CALLBACK_BYTES:
            raise ValueError(f"callback data for entry {entry_id!r} exceeds {MAX_CALLBACK_BYTES} bytes")
        buttons.append(InlineKeyboardButton(label, callback_data=data))
    return InlineKeyboardMarkup([buttons])


def with_feedback_buttons(items: list[Outgoing]) -> list[Outgoing]:
    """Add the 👍/👎 keyboard to the last message of each knowledge-base answer in a rendered reply.

    An answer may be split over several messages; the buttons go under its last one that can carry a
    keyboard, below any buttons it already has. Items without a usable `kb_answer` are left as they are.
    """
    out = list(items)
    for index, item in enumerate(out):
        ref = item.kb_answer
        following = out[index + 1] if index + 1 < len(out) else None
        if ref is None or not ref.version.isdigit() or not hasattr(item, "keyboard"):
            continue
        if following is not None and following.kb_answer == ref and hasattr(following, "keyboard"):
            continue  # not the last message of this answer
        try:
            rows = feedback_keyboard(ref.entry_id, ref.version).inline_keyboard
        except ValueError:
            logger.warning("No feedback buttons for entry %r: callback data too long", ref.entry_id)
            continue
        existing = item.keyboard.inline_keyboard if item.keyboard is not None else ()  # type: ignore[union-attr]
        out[index] = dataclasses.replace(item, keyboard=InlineKeyboardMarkup([*existing, *rows]))  # type: ignore[type-var]
    return out
