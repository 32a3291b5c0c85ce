"""Turn the assistant's REST replies into Telegram messages (pure functions, no I/O).

May import: `telegram` (types and constants only) and the standard library. The handlers send what this
module returns; keeping rendering free of I/O lets the unit tests check escaping, splitting and keyboards
without a bot.

The parse mode is HTML: every piece of text is escaped here, so no answer can break the formatting of a
message. Two pieces of light markup are turned into HTML because knowledge-base answers use them:
`[label](https://...)` becomes a link and `**bold**` becomes bold. Bare URLs are left as escaped text;
Telegram links them itself.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import html
import logging
import re
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import InlineKeyboardButtonLimit, MessageLimit

logger = logging.getLogger(__name__)

# Telegram rejects a message whose text is longer than 4096 characters after entity parsing, and a photo or
# document caption longer than 1024. Lengths are counted in UTF-16 code units here: that is how Telegram
# measures text, and it is never less than the number of Python characters.
MAX_TEXT_LENGTH = MessageLimit.MAX_TEXT_LENGTH
MAX_CAPTION_LENGTH = MessageLimit.CAPTION_LENGTH
# callback_data may hold at most 64 bytes (UTF-8).
MAX_CALLBACK_DATA_BYTES = InlineKeyboardButtonLimit.MAX_CALLBACK_DATA

BUTTONS_ONLY_TEXT = "Silakan pilih:"
_LINK_OR_BOLD = re.compile(r"\[(?P<label>[^\[\]\n]+)\]\((?P<url>https?://[^\s()<>]+)\)|\*\*(?P<bold>[^*\n]+)\*\*")
_URL = re.compile(r"^https?://\S+$")


def utf16_len(text: str) -> int:
    """Return the length of `text` as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


# --------------------------------------------------------------------------------------------------------------
# Output objects: what the handlers send. They keep the assistant's metadata next to each message so that a
# later feature (answer feedback) can attach itself to the message that carried a knowledge-base answer.


@dataclasses.dataclass(frozen=True)
class KbAnswerRef:
    """Marks a message as a knowledge-base answer: which entry, in which version."""

    entry_id: str
    version: str


@dataclasses.dataclass(frozen=True)
class OutgoingText:
    """A text message in HTML parse mode, at most 4096 visible characters."""

    html: str
    keyboard: InlineKeyboardMarkup | None = None
    kb_answer: KbAnswerRef | None = None


@dataclasses.dataclass(frozen=True)
class OutgoingPhoto:
    """A photo sent by URL; `fallback_html` is sent instead if Telegram cannot fetch it."""

    url: str
    caption_html: str | None = None
    keyboard: InlineKeyboardMarkup | None = None
    kb_answer: KbAnswerRef | None = None

    @property
    def fallback_html(self) -> str:
        """Return a text message carrying the image link, for when the photo cannot be sent."""
        link = html.escape(self.url, quote=False)
        return f"{self.caption_html}\n{link}" if self.caption_html else link


@dataclasses.dataclass(frozen=True)
class OutgoingDocument:
    """A file sent with sendDocument, built from the assistant's `document` custom message."""

    filename: str
    content: bytes
    caption_html: str | None = None
    kb_answer: KbAnswerRef | None = None


Outgoing = OutgoingText | OutgoingPhoto | OutgoingDocument


# --------------------------------------------------------------------------------------------------------------
# Long button payloads


class PayloadStore:
    """Keep button payloads that do not fit in callback_data, under a short key.

    Telegram limits callback_data to 64 bytes, but Rasa payloads that carry entities, such as
    `/ask_topic{"topic": "pelembagaan inovasi daerah"}`, easily exceed that. Such a payload is stored here
    and the button carries `k:<hash>` instead. The key is a hash of the payload, so rendering the same button
    again reuses the entry instead of growing the map. The map lives in this process only and is bounded
    (least recently used entries go first), so a button from before a restart or from long ago may no longer
    resolve: `resolve` then returns None and the handler asks the user to choose again.
    """

    PREFIX = "k:"

    def __init__(self, max_entries: int = 10_000) -> None:
        """Create an empty store that holds at most `max_entries` payloads."""
        self._max_entries = max_entries
        self._entries: OrderedDict[str, str] = OrderedDict()

    def __len__(self) -> int:
        """Return how many payloads are stored."""
        return len(self._entries)

    def callback_data(self, payload: str) -> str:
        """Return the callback_data for `payload`: the payload itself when it fits, otherwise a stored key."""
        fits = len(payload.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES
        if fits and payload and not payload.startswith(self.PREFIX):
            return payload
        digest = hashlib.blake2b(payload.encode("utf-8"), digest_size=15).digest()
        key = self.PREFIX + base64.urlsafe_b64encode(digest).decode("ascii")
        self._entries[key] = payload
        self._entries.move_to_end(key)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)
        return key

    def resolve(self, data: str) -> str | None:
        """Return the payload a button's callback_data stands for, or None if its key is no longer known."""
        if not data.startswith(self.PREFIX):
            return data
        payload = self._entries.get(data)
        if payload is not None:
            self._entries.move_to_end(data)
        return payload


# --------------------------------------------------------------------------------------------------------------
# Text


def to_html(text: str) -> str:
    """Escape `text` for HTML parse mode, turning `[label](url)` into links and `**x**` into bold."""
    parts: list[str] = []
    position = 0
    for match in _LINK_OR_BOLD.finditer(text):
        parts.append(html.escape(text[position : match.start()], quote=False))
        if match.group("url"):
            url = html.escape(match.group("url"), quote=True)
            parts.append(f'<a href="{url}">{html.escape(match.group("label"), quote=False)}</a>')
        else:
            parts.append(f"<b>{html.escape(match.group('bold'), quote=False)}</b>")
        position = match.end()
    parts.append(html.escape(text[position:], quote=False))
    return "".join(parts)


_SOURCES_LINE = re.compile(
    r"^(?P<label>Sumber|Source|Sources): (?P<items>.+?)(?P<more> \(\+\d+ [^()]*\))?$", re.MULTILINE
)
_CITED_SOURCE = re.compile(r"^(?P<title>.*\S)\s+\((?P<url>https?://[^\s()<>]+)\)$")


def link_sources(text: str) -> str:
    """Turn each `Title (https://...)` of a `Sumber:` line into a `[Title](https://...)` link.

    The assistant writes plain citations so that every channel can read them; on Telegram a linked title is
    shorter on a phone than a full address (link previews are off, so nothing else is shown for it).
    """

    def link_items(match: re.Match[str]) -> str:
        items = []
        for item in match.group("items").split("; "):
            cited = _CITED_SOURCE.match(item.strip())
            if cited is None:
                items.append(item)
                continue
            title = cited.group("title").replace("[", "(").replace("]", ")")
            items.append(f"[{title}]({cited.group('url')})")
        return f"{match.group('label')}: " + "; ".join(items) + (match.group("more") or "")

    return _SOURCES_LINE.sub(link_items, text)


def split_text(text: str, limit: int = MAX_TEXT_LENGTH) -> list[str]:
    """Split `text` into chunks of at most `limit` UTF-16 units: at paragraphs, then lines, then hard.

    A hard split prefers the last space before the limit, so words are only cut when a single "word" is
    longer than half a message. Chunks are stripped and empty chunks dropped.
    """
    text = text.strip()
    if not text:
        return []
    if utf16_len(text) <= limit:
        return [text]
    chunks: list[str] = []
    for separator in ("\n\n", "\n"):
        pieces = text.split(separator)
        if len(pieces) > 1:
            for piece in _pack(pieces, separator, limit):
                chunks.extend(split_text(piece, limit))
            return chunks
    return _hard_split(text, limit)


def _pack(pieces: list[str], separator: str, limit: int) -> list[str]:
    """Join consecutive pieces with `separator` while the result stays within `limit`."""
    packed: list[str] = []
    current = ""
    for piece in pieces:
        candidate = f"{current}{separator}{piece}" if current else piece
        if current and utf16_len(candidate) > limit:
            packed.append(current)
            current = piece
        else:
            current = candidate
    if current:
        packed.append(current)
    return packed


def _hard_split(text: str, limit: int) -> list[str]:
    """Cut a text that has no line breaks, preferring the last space that keeps a chunk at least half full."""
    chunks: list[str] = []
    while utf16_len(text) > limit:
        cut = _index_for_units(text, limit)
        space = text.rfind(" ", 0, cut + 1)
        if space > cut // 2:
            cut = space
        chunks.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text:
        chunks.append(text)
    return [chunk for chunk in chunks if chunk]


def _index_for_units(text: str, units: int) -> int:
    """Return the largest index i such that text[:i] is at most `units` UTF-16 code units long."""
    total = 0
    for index, char in enumerate(text):
        total += 2 if ord(char) > 0xFFFF else 1
        if total > units:
            return index
    return len(text)


def _caption(text: str) -> str | None:
    """Return `text` as an HTML caption within Telegram's 1024-character limit, or None if empty."""
    text = text.strip()
    if not text:
        return None
    if utf16_len(text) > MAX_CAPTION_LENGTH:
        text = text[: _index_for_units(text, MAX_CAPTION_LENGTH - 1)].rstrip() + "…"
    return to_html(text)


# --------------------------------------------------------------------------------------------------------------
# Buttons


def build_keyboard(buttons: Iterable[Any], payloads: PayloadStore) -> InlineKeyboardMarkup | None:
    """Map Rasa buttons (`{"title", "payload"}`) to an inline keyboard, or None if none is usable.

    Short titles share a row (three, or two) so a topic menu fits on a phone screen; long titles get a row
    each. A payload that is an http(s) URL, or a button with a `url` key, becomes a link button.
    """
    keys: list[InlineKeyboardButton] = []
    for button in buttons:
        if not isinstance(button, Mapping):
            logger.debug("Skipping a button that is not an object: %r", type(button).__name__)
            continue
        title = str(button.get("title") or "").strip()
        payload = str(button.get("payload") or title).strip()
        url = str(button.get("url") or "").strip()
        if not title or not payload:
            logger.debug("Skipping a button without title or payload")
            continue
        if url or _URL.match(payload):
            keys.append(InlineKeyboardButton(title, url=url or payload))
        else:
            keys.append(InlineKeyboardButton(title, callback_data=payloads.callback_data(payload)))
    if not keys:
        return None
    longest = max(len(key.text) for key in keys)
    width = 3 if longest <= 10 else 2 if longest <= 20 else 1
    rows = [keys[i : i + width] for i in range(0, len(keys), width)]
    return InlineKeyboardMarkup(rows)


# --------------------------------------------------------------------------------------------------------------
# Whole replies


def _kb_answer(custom: Mapping[str, Any]) -> KbAnswerRef | None:
    """Read the `kb_answer` marker of a custom message, if it has a usable one."""
    marker = custom.get("kb_answer")
    if not isinstance(marker, Mapping) or marker.get("entry_id") is None:
        return None
    return KbAnswerRef(entry_id=str(marker["entry_id"]), version=str(marker.get("version", "")))


def _document(custom: Mapping[str, Any], kb_answer: KbAnswerRef | None) -> OutgoingDocument | None:
    """Decode the `document` custom message, or log and return None if it is malformed."""
    spec = custom.get("document")
    if not isinstance(spec, Mapping):
        logger.warning("Ignoring a document message that is not an object")
        return None
    filename = str(spec.get("filename") or "").strip().replace("/", "_").replace("\\", "_")
    try:
        content = base64.b64decode(str(spec.get("content_b64") or ""), validate=True)
    except (binascii.Error, ValueError):
        logger.warning("Ignoring document %r: content_b64 is not valid base64", filename)
        return None
    if not filename or not content:
        logger.warning("Ignoring a document message without filename or content")
        return None
    return OutgoingDocument(
        filename=filename,
        content=content,
        caption_html=_caption(str(spec.get("caption") or "")),
        kb_answer=kb_answer,
    )


_KNOWN_KEYS = frozenset({"recipient_id", "text", "buttons", "image", "custom"})


class _ReplyBuilder:
    """Accumulate the assistant's messages into Telegram messages (see `render_reply`)."""

    def __init__(self, payloads: PayloadStore) -> None:
        self.payloads = payloads
        self.out: list[Outgoing] = []
        self._texts: list[str] = []
        self._kb_answer: KbAnswerRef | None = None
        self._held_marker: KbAnswerRef | None = None

    def add(self, message: Mapping[str, Any]) -> None:
        unknown = sorted(set(message) - _KNOWN_KEYS)
        if unknown:
            logger.debug("Ignoring unknown message fields %s", unknown)
        custom = message.get("custom")
        custom = custom if isinstance(custom, Mapping) else {}
        other = sorted(set(custom) - {"kb_answer", "document"})
        if other:
            logger.debug("Ignoring custom message keys %s", other)
        marker = _kb_answer(custom)
        text = message.get("text")
        text = link_sources(text.strip()) if isinstance(text, str) else ""
        buttons = message.get("buttons")
        keyboard = build_keyboard(buttons, self.payloads) if isinstance(buttons, list) else None
        image = message.get("image")
        image = image.strip() if isinstance(image, str) and _URL.match(image.strip()) else None
        document = _document(custom, marker) if "document" in custom else None

        if image is not None:
            self.flush()
            self._add_photo(image, text, keyboard, marker)
        elif text or keyboard is not None:
            if text:
                self._texts.append(text)
            if marker is not None and self._kb_answer is None:
                self._kb_answer = marker
            if keyboard is not None:
                self.flush(keyboard)
        elif marker is not None and document is None:
            self._mark(marker)
        if document is not None:
            self.flush()
            self.out.append(document)

    def _add_photo(
        self, url: str, text: str, keyboard: InlineKeyboardMarkup | None, marker: KbAnswerRef | None
    ) -> None:
        caption = _caption(text) if utf16_len(text) <= MAX_CAPTION_LENGTH else None
        if caption is None and text:
            self.out.extend(OutgoingText(to_html(chunk), None, marker) for chunk in split_text(text))
        self.out.append(OutgoingPhoto(url, caption, keyboard, marker))

    def _mark(self, marker: KbAnswerRef) -> None:
        """Attach a marker sent on its own: to the answer being built, else the last one sent, else the next."""
        if self._texts:
            self._kb_answer = self._kb_answer or marker
        elif self.out and self.out[-1].kb_answer is None:
            self.out[-1] = dataclasses.replace(self.out[-1], kb_answer=marker)
        else:
            self._held_marker = marker

    def flush(self, keyboard: InlineKeyboardMarkup | None = None) -> None:
        """Emit the accumulated texts as one message (split if over the limit), the keyboard under the last."""
        chunks = split_text("\n\n".join(self._texts))
        if not chunks and keyboard is not None:
            chunks = [BUTTONS_ONLY_TEXT]
        marker = self._kb_answer or self._held_marker
        if chunks:
            self._held_marker = None
        for index, chunk in enumerate(chunks):
            last = index == len(chunks) - 1
            self.out.append(OutgoingText(to_html(chunk), keyboard if last else None, marker))
        self._texts = []
        self._kb_answer = None


def render_reply(messages: Iterable[Mapping[str, Any]], payloads: PayloadStore) -> list[Outgoing]:
    """Render the assistant's whole reply as the Telegram messages to send, in order.

    Consecutive text messages are joined, a blank line apart, into one Telegram message (split again only
    past 4096 characters): the assistant utters an answer, its details and its source as separate messages,
    and on a phone that is one answer, one notification, and one message for feedback to attach to. Buttons
    end a message and go under it; images and documents are sent on their own. Kinds of messages this bot
    does not know are ignored.

    A `kb_answer` marker marks the message it arrives with; sent on its own (a message with only `custom`) it
    marks the answer it follows, or the next one if it comes first.
    """
    builder = _ReplyBuilder(payloads)
    for message in messages:
        builder.add(message)
    builder.flush()
    return builder.out
