"""Flow 1, cek kesiapan KIPP: the form's validation, the documents question, and the summary.

Triggered by readiness_form (nlu/data/rules/flows.yml). The rules behind the summary live in
actions/flows/kipp_rules.py.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, ClassVar

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.flows.answers import (
    AGENCY_LABELS,
    DOCUMENT_LABELS,
    DOCUMENTS,
    DOCUMENTS_DONE,
    DOCUMENTS_NONE,
    KIPP_HISTORY,
    kipp_history_echo,
    parse_agency_type,
    parse_documents,
    parse_yes_no,
    read_kipp_history,
)
from actions.flows.base import FlowValidationAction, Slots, dated_validator, reading_validator, was_typed
from actions.flows.dates import StartDate, parse_start
from actions.flows.documents import SummaryAction, SummaryFile, send_summary
from actions.flows.kipp_rules import Answers, NoEdition, render_summary
from knowledge import KnowledgeUnavailable

logger = logging.getLogger(__name__)

READINESS_SLOTS = ("agency_type", "innovation_start", "kipp_history", "adapts_top", "documents")
# The summary is also sent as a .docx to keep or print.
SUMMARY_FILE = SummaryFile(
    "Cek Kesiapan KIPP", "cek-kesiapan-kipp.docx", "Ringkasan cek kesiapan KIPP, untuk disimpan atau dicetak"
)
DATE_ERRORS = {
    "unparsed": "Maaf, tanggalnya belum saya tangkap. Tulis bulan dan tahun («Maret 2023» atau «03/2023»), "
    "tahunnya saja («2023»), atau perkiraan («2 tahun lalu»).",
    "future": "Tanggal itu masih di masa depan. Yang saya tanyakan: sejak kapan inovasi sudah diterapkan?",
    "too_old": "Tahun itu terlalu lama untuk sebuah inovasi yang masih berjalan. Periksa lagi tahunnya, ya.",
}


class ValidateReadinessForm(FlowValidationAction):
    """Validate each answer of the readiness check."""

    FORM = "readiness_form"
    SLOTS = READINESS_SLOTS
    COMPANIONS: ClassVar[dict[str, tuple[str, ...]]] = {"documents": ("documents_draft",)}
    # The verdict needs the start date, the KIPP history and the replication answer; those are never skipped.
    OPTIONAL: ClassVar[frozenset[str]] = frozenset({"documents"})
    MAY_LEAVE_EMPTY: ClassVar[frozenset[str]] = frozenset({"agency_type", "documents"})
    REASK: ClassVar[dict[str, str]] = {
        "agency_type": "Pilih salah satu: K/L, Pemda, BUMN, atau BUMD. Ketuk tombolnya atau ketik, misalnya «pemkab».",
        "kipp_history": "Pilih riwayatnya: belum pernah ikut, pernah ikut tanpa penghargaan, Top 99 sekali, "
        "Top 99 dua kali, atau tingkat teratas (Top 45/Terpuji/OPSI). Bisa juga ketik, misalnya «top 99 tahun 2021» "
        "atau «juara KIPP provinsi».",
        "adapts_top": "Jawab «ya» bila inovasi ini meniru/mengadaptasi inovasi Top KIPP, atau «tidak».",
        "documents": "Ketuk dokumen yang sudah ada lalu «Selesai», atau ketik nomornya (misalnya 1,3), "
        "atau «tidak ada».",
    }

    def skipped_value(self, slot: str) -> Any:
        """Return no documents for a skipped documents question."""
        return [] if slot == "documents" else super().skipped_value(slot)

    def empty_value(self, slot: str) -> Any:
        """Return no documents, or the marker, for a step left empty."""
        return [] if slot == "documents" else super().empty_value(slot)

    def name(self) -> str:
        """Return the action name used in the domain."""
        return "validate_readiness_form"

    validate_agency_type = reading_validator(
        "agency_type", parse_agency_type, 'Accept K/L, Pemda, BUMN or BUMD, tapped or typed ("pemkab").', AGENCY_LABELS
    )

    validate_innovation_start = dated_validator(
        "innovation_start",
        parse_start,
        DATE_ERRORS,
        lambda start: f"mulai diterapkan {start.label()}",
        "Accept a start date in any of the supported forms; echo how it was read.",
    )

    def validate_kipp_history(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        """Accept the KIPP track record from a button or words ("top 99 dua kali", "belum pernah")."""
        kind, years = read_kipp_history(str(value)) or (None, ())
        note = kipp_history_echo(kind, years) if kind and was_typed(value, KIPP_HISTORY) else None
        return self.answer(dispatcher, tracker, "kipp_history", kind, note)

    def validate_adapts_top(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        """Accept yes or no."""
        answer = parse_yes_no(str(value))
        echo = "Tercatat: ya, mengadaptasi inovasi Top KIPP." if answer else "Tercatat: tidak, inovasi sendiri."
        note = echo if answer is not None and was_typed(value, {"ya", "tidak"}) else None
        return self.answer(dispatcher, tracker, "adapts_top", answer, note)

    def validate_documents(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        """Toggle one tapped document, finish on "Selesai", or take a typed list ("1,3", "tidak ada")."""
        draft = list(tracker.get_slot("documents_draft") or [])
        parsed = parse_documents(str(value))
        if parsed is None:
            return self.reask(dispatcher, tracker, "documents")
        kind, keys = parsed
        if kind == "toggle":
            key = keys[0]
            draft = [k for k in draft if k != key] if key in draft else [*draft, key]
            draft.sort(key=DOCUMENTS.index)
            return self.accept(dispatcher, tracker, {"documents": None, "documents_draft": draft})
        if kind == "none":
            return self.accept(dispatcher, tracker, {"documents": [], "documents_draft": None})
        chosen = draft if kind == "done" else sorted(set(draft) | set(keys), key=DOCUMENTS.index)
        return self.accept(dispatcher, tracker, {"documents": chosen, "documents_draft": None})


class ActionAskDocuments(Action):
    """Ask which supporting documents exist, showing the ones ticked so far."""

    def name(self) -> str:
        """Return the action name the form calls to ask for `documents`."""
        return "action_ask_documents"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        """Run whenever readiness_form asks for the documents."""
        draft = set(tracker.get_slot("documents_draft") or [])
        listing = "\n".join(f"{i}. {DOCUMENT_LABELS[key]}" for i, key in enumerate(DOCUMENTS, start=1))
        chosen = ", ".join(DOCUMENT_LABELS[k] for k in DOCUMENTS if k in draft) or "belum ada"
        buttons = [
            {"title": ("☑ " if key in draft else "☐ ") + DOCUMENT_LABELS[key], "payload": _documents_payload(key)}
            for key in DOCUMENTS
        ]
        buttons += [
            {"title": "✔ Selesai", "payload": _documents_payload(DOCUMENTS_DONE)},
            {"title": "Belum ada semuanya", "payload": _documents_payload(DOCUMENTS_NONE)},
            {"title": "◀ Kembali", "payload": "/back"},
            {"title": "✖ Batal", "payload": "/cancel"},
        ]
        dispatcher.utter_message(
            text="(5/5) Dokumen pendukung apa saja yang sudah ada? Ketuk untuk mencentang (boleh lebih dari satu), "
            f"lalu ketuk «✔ Selesai». Bisa juga ketik nomornya, misalnya «1,3».\n{listing}\n\nTercentang: {chosen}",
            buttons=buttons,
        )
        return []


def _documents_payload(value: str) -> str:
    return '/inform{"documents":"' + value + '"}'


def readiness_answers(tracker: Tracker) -> Answers:
    """Return the answers of a completed readiness check from the tracker's slots."""
    return Answers(
        agency_type=str(tracker.get_slot("agency_type")),
        start=StartDate.from_slot(str(tracker.get_slot("innovation_start"))),
        kipp_history=str(tracker.get_slot("kipp_history")),
        adapts_top=bool(tracker.get_slot("adapts_top")),
        documents=tuple(tracker.get_slot("documents") or ()),
    )


class ActionReadinessSummary(SummaryAction):
    """Send the readiness summary, then clear the answers."""

    def name(self) -> str:
        """Return the action name used in the domain."""
        return "action_readiness_summary"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        """Run when readiness_form is complete."""
        answers = readiness_answers(tracker)
        try:
            editions = await asyncio.to_thread(self._editions)
            summary = render_summary(answers, self._today(), editions)
        except (KnowledgeUnavailable, NoEdition):
            logger.warning("readiness summary: no usable KIPP edition in the knowledge base")
            dispatcher.utter_message(response="utter_kb_unavailable")
            return []
        await send_summary(dispatcher, tracker, summary, SUMMARY_FILE, self._today(), self._saver)
        logger.info("readiness summary sent: agency=%s history=%s", answers.agency_type, answers.kipp_history)
        return [SlotSet(slot, None) for slot in (*READINESS_SLOTS, "documents_draft")]
