"""Flow 2, rencana aksi replikasi: the form's validation and the action plan (summary plus .docx).

Triggered by replication_form (nlu/data/rules/flows.yml). The document is built by
actions/flows/plan_document.py and sent as a `document` custom message, which the Telegram front end
delivers with sendDocument.
"""

from __future__ import annotations

import logging
import re
from datetime import date
from typing import Any, ClassVar

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.flows.answers import free_text_problem, normalise, parse_budget, parse_study_visit, shown
from actions.flows.base import FlowValidationAction, Slots, dated_validator, reading_validator, validator_of
from actions.flows.dates import Timeline, parse_timeline
from actions.flows.documents import Saver, SummaryAction, send_document
from actions.flows.plan_document import (
    SOURCES,
    ReplicationPlan,
    build_plan_document,
    document_filename,
    timeline_words,
)

logger = logging.getLogger(__name__)

REPLICATION_SLOTS = (
    "rep_agency",
    "rep_problem",
    "rep_innovation",
    "rep_origin",
    "rep_modification",
    "rep_team",
    "rep_lead",
    "rep_budget",
    "rep_timeline",
    "rep_indicators",
    "rep_study_visit",
    "rep_review",
)
# What each answer is called on the review screen, in the order asked.
REVIEW_LABELS = {
    "rep_agency": "Instansi/unit pelaksana",
    "rep_problem": "Masalah (Amati)",
    "rep_innovation": "Inovasi (Tiru)",
    "rep_origin": "Instansi asal",
    "rep_modification": "Modifikasi",
    "rep_team": "Tim pelaksana",
    "rep_lead": "Penanggung jawab",
    "rep_budget": "Sumber anggaran",
    "rep_timeline": "Jadwal",
    "rep_indicators": "Indikator",
    "rep_study_visit": "Studi tiru",
}
# Words that pick an answer to change when typed on the review screen ("ubah anggaran").
_REVIEW_WORDS = (
    ("instansi asal", "rep_origin"), ("asal", "rep_origin"), ("instansi", "rep_agency"), ("unit", "rep_agency"),
    ("masalah", "rep_problem"), ("modifikasi", "rep_modification"), ("inovasi", "rep_innovation"),
    ("penanggung", "rep_lead"), ("tim", "rep_team"), ("anggaran", "rep_budget"), ("jadwal", "rep_timeline"),
    ("waktu", "rep_timeline"), ("indikator", "rep_indicators"), ("studi", "rep_study_visit"),
)  # fmt: skip
_MAKE = re.compile(r"^(ok|oke|ya|iya|buat|buat dokumen|buatkan|lanjut|sudah benar|benar|sudah|sip|setuju|cetak)\b")
TEXT_TOO_LONG = "Jawabannya terlalu panjang. Ringkas menjadi paling banyak 1.000 karakter, ya."
# (minimum words, minimum characters, what to say when the answer is too thin)
FREE_TEXT_RULES: dict[str, tuple[int, int, str]] = {
    "rep_agency": (2, 6, "Tulis instansi dan unit kerjanya, misalnya «Disdukcapil Kab. Sleman, Bidang Pelayanan»."),
    "rep_problem": (3, 15, "Ceritakan masalahnya sedikit lebih rinci (satu kalimat): apa yang terjadi, siapa yang "
                    "terdampak, seberapa parah. Misalnya «antrean akta kelahiran bisa 2 minggu»."),
    "rep_innovation": (1, 3, "Tulis nama inovasi yang akan ditiru, misalnya «TOSS»."),
    "rep_origin": (1, 3, "Tulis nama instansi asalnya, misalnya «Pemkab Klungkung»."),
    "rep_modification": (3, 12, "Replikasi bukan sekadar menyalin. Sebutkan minimal satu penyesuaian dan alasannya, "
                         "misalnya «pendaftaran lewat WhatsApp karena warga jarang memakai aplikasi»."),
    "rep_team": (1, 3, "Sebutkan unit atau peran anggota tim pelaksana."),
    "rep_lead": (1, 3, "Sebutkan nama atau jabatan penanggung jawabnya."),
    "rep_indicators": (3, 12, "Tulis indikator yang bisa diukur, misalnya «waktu layanan turun dari 14 "
                       "menjadi 3 hari»."),
}  # fmt: skip
TIMELINE_ERRORS = {
    "unparsed": "Jangka waktunya belum saya tangkap. Ketuk pilihan, atau ketik misalnya «6 bulan», "
    "«6 bulan mulai Januari 2027», atau «Juli–Desember 2027».",
    "too_long": "Rencana aksi sebaiknya 1 sampai 36 bulan. Pecah program yang lebih panjang menjadi beberapa tahap.",
}


class ValidateReplicationForm(FlowValidationAction):
    """Validate each answer of the replication action plan."""

    FORM = "replication_form"
    SLOTS = REPLICATION_SLOTS
    FREE_TEXT: ClassVar[frozenset[str]] = frozenset({*FREE_TEXT_RULES, "rep_budget", "rep_study_visit"})
    OPTIONAL: ClassVar[frozenset[str]] = frozenset({"rep_team", "rep_lead", "rep_budget", "rep_study_visit"})
    # The schedule table needs a duration, so only the timeline is never left empty.
    MAY_LEAVE_EMPTY: ClassVar[frozenset[str]] = frozenset(set(REPLICATION_SLOTS) - {"rep_timeline"})
    REASK: ClassVar[dict[str, str]] = {
        "rep_budget": "Pilih sumber anggaran, atau ketik sendiri, misalnya «APBD 2027 Dinas Kesehatan».",
        "rep_study_visit": "Pilih salah satu rencana studi tiru, atau ketik rencana Anda sendiri.",
        "rep_review": "Ketuk «✔ Buat dokumen» bila sudah benar, atau ketuk jawaban yang ingin diubah.",
    }

    def name(self) -> str:
        """Return the action name used in the domain."""
        return "validate_replication_form"

    def _free_text(self, slot: str, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker) -> Slots:
        """Accept a sentence long enough for `slot` (FREE_TEXT_RULES), or re-ask with its example."""
        min_words, min_chars, hint = FREE_TEXT_RULES[slot]
        text = " ".join(str(value).split())
        problem = free_text_problem(text, min_words=min_words, min_chars=min_chars)
        if problem == "long":
            return self.reask(dispatcher, tracker, slot, TEXT_TOO_LONG)
        if problem or normalise(text) in {"tidak ada", "belum ada", "tidak tahu", "belum tahu", "-"}:
            return self.reask(dispatcher, tracker, slot, hint)
        return self.accept(dispatcher, tracker, {slot: text})

    # The free-text questions differ only in their rules (FREE_TEXT_RULES): how long, and the example re-asked.
    validate_rep_agency = validator_of("rep_agency", "_free_text", "Accept the replicating agency and unit.")
    validate_rep_problem = validator_of("rep_problem", "_free_text", "Accept the local problem (a sentence).")
    validate_rep_innovation = validator_of("rep_innovation", "_free_text", "Accept the innovation to replicate.")
    validate_rep_origin = validator_of("rep_origin", "_free_text", "Accept the origin agency.")
    validate_rep_modification = validator_of("rep_modification", "_free_text", "Accept what will change and why.")
    validate_rep_team = validator_of("rep_team", "_free_text", "Accept the implementing team.")
    validate_rep_lead = validator_of("rep_lead", "_free_text", "Accept the person in charge.")
    validate_rep_indicators = validator_of("rep_indicators", "_free_text", "Accept the success indicators.")

    validate_rep_budget = reading_validator("rep_budget", parse_budget, "Accept a budget source, tapped or in words.")

    validate_rep_timeline = dated_validator(
        "rep_timeline",
        parse_timeline,
        TIMELINE_ERRORS,
        timeline_words,
        'Accept a duration ("6 bulan"), a month range, or a duration with a start month.',
    )

    validate_rep_study_visit = reading_validator(
        "rep_study_visit", parse_study_visit, "Accept a studi tiru option, tapped or in the officer's words."
    )

    def validate_rep_review(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        """Make the document on «Buat dokumen», or reopen the answer the officer wants to change."""
        text = normalise(str(value))
        if _MAKE.match(text) and text not in REVIEW_LABELS:
            return self.accept(dispatcher, tracker, {"rep_review": "ok"})
        slot = text if text in REVIEW_LABELS else next((slot for word, slot in _REVIEW_WORDS if word in text), None)
        if slot is None:
            return self.reask(dispatcher, tracker, "rep_review")
        return self.accept(
            dispatcher, tracker, {slot: None, "rep_review": None}, f"Baik, ubah «{REVIEW_LABELS[slot]}»:"
        )


def replication_plan(tracker: Tracker) -> ReplicationPlan:
    """Return the answers of a completed replication flow from the tracker's slots."""

    def slot(name: str) -> str:
        return shown(tracker.get_slot(name))  # skipped or empty steps are marked, never blank

    timeline = tracker.get_slot("rep_timeline")
    return ReplicationPlan(
        agency=slot("rep_agency"),
        problem=slot("rep_problem"),
        innovation=slot("rep_innovation"),
        origin=slot("rep_origin"),
        modification=slot("rep_modification"),
        team=slot("rep_team"),
        lead=slot("rep_lead"),
        budget=slot("rep_budget"),
        timeline=Timeline.from_slot(timeline if isinstance(timeline, dict) else {"months": 6}),
        indicators=slot("rep_indicators"),
        study_visit=slot("rep_study_visit"),
    )


def plan_summary(plan: ReplicationPlan) -> str:
    """Return the short summary message that goes with the document."""
    return "\n".join(
        [
            f"📄 Draf rencana aksi replikasi «{plan.innovation}» (dari {plan.origin}) sudah jadi; "
            "dokumennya terlampir.",
            "",
            f"• Pelaksana: {plan.agency}",
            f"• Amati (masalah): {plan.problem}",
            f"• Tiru: {plan.innovation}, {plan.origin}",
            f"• Modifikasi: {plan.modification}",
            f"• Tim: {plan.team}; penanggung jawab: {plan.lead}",
            f"• Anggaran: {plan.budget}",
            f"• Jadwal: {timeline_words(plan.timeline)} (persiapan, rencana & pengembangan, replikasi, evaluasi)",
            f"• Indikator: {plan.indicators}",
            f"• Studi tiru: {plan.study_visit}",
            "",
            "Berikutnya: sahkan rencana aksi dengan pimpinan, hubungi instansi asal, dan catat data awal tiap "
            "indikator. Ini draf kerja, bukan format resmi; pedoman replikasi KemenPANRB masih disusun.",
            "",
            "Sumber: " + "; ".join(SOURCES[:3]),
        ]
    )


class ActionAskRepReview(Action):
    """Show every answer of the replication plan, each with a button to change it, then «Buat dokumen»."""

    def name(self) -> str:
        """Return the action name the form calls to ask for `rep_review`."""
        return "action_ask_rep_review"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        """Run when replication_form reaches the review step (after the last question, and after each change)."""
        plan = replication_plan(tracker)
        values = {
            "rep_agency": plan.agency, "rep_problem": plan.problem, "rep_innovation": plan.innovation,
            "rep_origin": plan.origin, "rep_modification": plan.modification, "rep_team": plan.team,
            "rep_lead": plan.lead, "rep_budget": plan.budget, "rep_timeline": timeline_words(plan.timeline),
            "rep_indicators": plan.indicators, "rep_study_visit": plan.study_visit,
        }  # fmt: skip
        listing = "\n".join(
            f"{i}. {REVIEW_LABELS[slot]}: {_short(value)}" for i, (slot, value) in enumerate(values.items(), 1)
        )
        buttons = [{"title": "✔ Buat dokumen", "payload": _review_payload("ok")}]
        buttons += [
            {"title": f"✏ {i}. {REVIEW_LABELS[slot]}", "payload": _review_payload(slot)}
            for i, slot in enumerate(values, start=1)
        ]
        buttons += [{"title": "✖ Batal", "payload": "/cancel"}]
        dispatcher.utter_message(
            text=f"Periksa dulu jawaban Anda sebelum dokumen dibuat:\n{listing}\n\n"
            "Ketuk «✔ Buat dokumen» bila sudah benar, atau ketuk nomor yang ingin diubah (bisa juga ketik, "
            "misalnya «ubah anggaran»).",
            buttons=buttons,
        )
        return []


async def send_plan(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    plan: ReplicationPlan,
    today: date,
    saver: Saver | None,
    caption: str,
) -> int:
    """Send the plan's summary and its .docx (for the flow and for the demo); return the document's size."""
    content = build_plan_document(plan, today)
    dispatcher.utter_message(text=plan_summary(plan))
    await send_document(
        dispatcher, tracker, filename=document_filename(plan), content=content, caption=caption, saver=saver
    )
    return len(content)


def _short(value: str, limit: int = 160) -> str:
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def _review_payload(value: str) -> str:
    return '/inform{"rep_review":"' + value + '"}'


class ActionReplicationSummary(SummaryAction):
    """Send the action plan summary and the .docx, then clear the answers."""

    def name(self) -> str:
        """Return the action name used in the domain."""
        return "action_replication_summary"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        """Run when replication_form is complete."""
        plan = replication_plan(tracker)
        size = await send_plan(
            dispatcher,
            tracker,
            plan,
            self._today(),
            self._saver,
            f"Draf rencana aksi replikasi «{plan.innovation[:200]}»",
        )
        logger.info("replication plan sent: %d bytes", size)
        return [SlotSet(slot, None) for slot in REPLICATION_SLOTS]
