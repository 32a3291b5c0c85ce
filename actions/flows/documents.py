"""Sending the flows' documents, and the .docx of the readiness and institutionalisation summaries.

A document is stored in the knowledge base and the reply carries only its reference (`document.ref`), which
the Telegram front end resolves when it sends the file; the conversation store therefore never holds the
bytes. If the database cannot take it, the bytes go inline (`content_b64`) so the officer still gets the file.
python-docx builds the files; headings are kept with what follows them so no heading ends a page alone.
"""

from __future__ import annotations

import asyncio
import base64
import io
import logging
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from docx import Document
from docx.document import Document as DocxDocument
from docx.text.paragraph import Paragraph
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.flows.dates import format_day
from knowledge import KippEdition, KnowledgeUnavailable, kipp_editions, save_document

logger = logging.getLogger(__name__)

Saver = Callable[..., str]


class SummaryAction(Action, ABC):
    """An action that writes a flow's summary: the date, the KIPP editions and the document store are injectable.

    Abstract (rasa-sdk registers every concrete Action subclass it finds, and this one has no name of its own).
    """

    def __init__(
        self,
        today: Callable[[], date] | None = None,
        editions: Callable[[], list[KippEdition]] | None = None,
        saver: Saver | None = None,
    ) -> None:
        """Use the given clock, editions and store (tests), or today's date and the configured knowledge base."""
        self._today = today or date.today
        # The KIPP editions come from the knowledge base, so admins add a year without a release.
        self._editions = editions or kipp_editions
        self._saver = saver

    @abstractmethod
    def name(self) -> str:
        """Return the action name used in the domain."""


@dataclass(frozen=True)
class SummaryFile:
    """How a summary is also sent as a .docx: its heading, file name and caption."""

    title: str
    filename: str
    caption: str


async def send_summary(
    dispatcher: CollectingDispatcher, tracker: Tracker, text: str, file: SummaryFile, today: date, saver: Saver | None
) -> None:
    """Send a flow's summary, then the same text as a .docx to keep or print."""
    dispatcher.utter_message(text=text)
    content = summary_document(file.title, text, today)
    await send_document(dispatcher, tracker, filename=file.filename, content=content, caption=file.caption, saver=saver)


async def send_document(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    *,
    filename: str,
    content: bytes,
    caption: str,
    saver: Saver | None = None,
) -> None:
    """Store `content` and send a reference to it (inline bytes only if the database is unavailable)."""
    spec: dict[str, str] = {"filename": filename, "caption": caption[:900]}
    try:
        spec["ref"] = await asyncio.to_thread(saver or save_document, filename, content, owner=tracker.sender_id)
    except KnowledgeUnavailable:
        logger.warning("document store unavailable; sending %s inline", filename)
        spec["content_b64"] = base64.b64encode(content).decode("ascii")
    dispatcher.utter_message(json_message={"document": spec})


def keep_with_next(paragraph: Paragraph) -> Paragraph:
    """Keep a paragraph on the same page as the next one (headings, and the lines leading into a table)."""
    paragraph.paragraph_format.keep_with_next = True
    return paragraph


def heading(doc: DocxDocument, text: str, level: int = 1) -> Paragraph:
    """Add a heading that never ends a page on its own."""
    return keep_with_next(doc.add_heading(text, level=level))


# The chat's marks, as characters common document fonts have (LibreOffice drew ✅ as an empty box).
_MARKS = {"✅": "✔", "⚠️": "⚠", "⛔": "✖"}


def printable(text: str) -> str:
    """Return chat text for a document: verdict marks as plain symbols, pictographs (📋, 🏛) dropped."""
    for mark, plain in _MARKS.items():
        text = text.replace(mark, plain)
    return "".join(ch for ch in text if ord(ch) <= 0xFFFF).strip()


def summary_document(title: str, summary: str, today: date) -> bytes:
    """Return a chat summary (lines, "Heading:" lines, "• " bullets, a final "Sumber:" line) as .docx bytes."""
    doc = Document()
    doc.core_properties.title = title
    doc.core_properties.author = "Klinik Inovasi Bot"
    doc.add_heading(title, level=0)
    doc.add_paragraph(
        f"Disusun {format_day(today)} bersama Klinik Inovasi Bot: panduan diskusi, bukan keputusan resmi."
    )
    for line in summary.splitlines():
        text = printable(line)
        if not text:
            continue
        if text.startswith("Sumber: "):
            heading(doc, "Sumber")
            for source in text.removeprefix("Sumber: ").split("; "):
                doc.add_paragraph(source, style="List Bullet")
        elif text.startswith("• "):
            doc.add_paragraph(text.removeprefix("• "), style="List Bullet")
        elif text.endswith(":") and len(text) < 80:
            heading(doc, text.rstrip(":"))
        else:
            doc.add_paragraph(text)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
