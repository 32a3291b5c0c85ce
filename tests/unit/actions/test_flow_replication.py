"""Replication action plan: validators, the summary message and the .docx document."""

from __future__ import annotations

import io

import pytest
from docx import Document
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.flows.dates import Timeline
from actions.flows.plan_document import (
    SECTIONS,
    TITLE,
    ReplicationPlan,
    build_plan_document,
    document_filename,
    stage_schedule,
)
from actions.flows.replication import ActionReplicationSummary, ValidateReplicationForm
from tests.unit.actions.test_flow_base import TODAY, check, flow_tracker, texts

ANSWERS = {
    "rep_agency": "Disdukcapil Kabupaten Uji, Bidang Pelayanan",
    "rep_problem": "Antrean akta kelahiran bisa dua minggu karena berkas harus dibawa ke kantor dinas.",
    "rep_innovation": "Akta Online Lahir Mati (ALAMAT)",
    "rep_origin": "Disdukcapil Kota Contoh",
    "rep_modification": "Pendaftaran lewat WhatsApp karena warga jarang memakai aplikasi.",
    "rep_team": "Bidang Pelayanan, operator kecamatan",
    "rep_lead": "Kepala Bidang Pelayanan Disdukcapil",
    "rep_budget": "APBD (anggaran pemerintah daerah)",
    "rep_timeline": {"months": 6, "start": "2027-01"},
    "rep_indicators": "Waktu layanan turun dari 14 hari menjadi 3 hari.",
    "rep_study_visit": "Kunjungan langsung (studi tiru) ke instansi asal",
}


def validator() -> ValidateReplicationForm:
    return ValidateReplicationForm(today=lambda: TODAY)


@pytest.mark.parametrize(
    ("slot", "good", "bad"),
    [
        ("rep_problem", ANSWERS["rep_problem"], "antrean"),
        ("rep_innovation", "TOSS", "x"),
        ("rep_origin", "Pemkab Klungkung", "?"),
        ("rep_modification", ANSWERS["rep_modification"], "tidak ada"),
        ("rep_team", "Dinas LH", "-"),
        ("rep_lead", "Kabid", "1"),
        ("rep_indicators", ANSWERS["rep_indicators"], "naik"),
        ("rep_budget", "Dana BOK", "/"),
        ("rep_study_visit", "ke Klungkung bulan Mei", ""),
    ],
)
def test_free_text_validators(slot: str, good: str, bad: str) -> None:
    tracker = flow_tracker("replication_form", slot, good)
    assert check(validator(), slot, good, tracker).slots == {slot: good}
    assert check(validator(), slot, bad, tracker).error


def test_too_long_free_text_is_reasked() -> None:
    outcome = check(validator(), "rep_problem", "masalah " * 200, flow_tracker("replication_form", "rep_problem", ""))
    assert outcome.error and "1.000" in outcome.error


def test_tapped_budget_and_study_visit_become_readable_labels() -> None:
    tracker = flow_tracker("replication_form", "rep_budget", "")
    assert check(validator(), "rep_budget", "mitra", tracker).slots == {"rep_budget": "Mitra, CSR atau hibah"}
    assert (
        check(validator(), "rep_study_visit", "mandiri", tracker).slots["rep_study_visit"].startswith("Belajar mandiri")
    )


def test_timeline_validator_accepts_buttons_and_ranges() -> None:
    tracker = flow_tracker("replication_form", "rep_timeline", "")
    assert check(validator(), "rep_timeline", "6", tracker).slots == {"rep_timeline": {"months": 6, "start": None}}
    ranged = check(validator(), "rep_timeline", "Juli–Desember 2027", tracker)
    assert ranged.slots == {"rep_timeline": {"months": 6, "start": "2027-07"}}
    assert ranged.note == "Tercatat: 6 bulan, mulai Juli 2027."
    assert check(validator(), "rep_timeline", "lama sekali", tracker).error


def plan(**changes: object) -> ReplicationPlan:
    values = {key.removeprefix("rep_"): value for key, value in ANSWERS.items()}
    values["timeline"] = Timeline(6, "2027-01")
    values.update(changes)
    return ReplicationPlan(**values)  # type: ignore[arg-type]


def open_docx(content: bytes) -> Document:
    return Document(io.BytesIO(content))


def test_document_has_every_section_in_order_with_the_answers() -> None:
    doc = open_docx(build_plan_document(plan(), TODAY))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading") or p.style.name == "Title"]
    assert headings == [TITLE, *SECTIONS]
    cells = [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    body = "\n".join([p.text for p in doc.paragraphs] + cells)
    expected = ["Antrean akta kelahiran", "Akta Online Lahir Mati", "Disdukcapil Kota Contoh", "WhatsApp"]
    expected += ["operator kecamatan", "Kepala Bidang Pelayanan", "APBD", "14 hari", "Kunjungan langsung"]
    for answer in expected:
        assert answer in body
    assert "23 November 2026" in body
    assert doc.core_properties.title.endswith("Akta Online Lahir Mati (ALAMAT)")


def test_document_tables_hold_atm_and_the_four_replication_stages() -> None:
    doc = open_docx(build_plan_document(plan(), TODAY))
    atm, schedule = doc.tables[:2]
    assert [row.cells[0].text for row in atm.rows] == ["ATM", "Amati", "Tiru", "Modifikasi"]
    assert [row.cells[0].text for row in schedule.rows] == [
        "Tahap",
        "Persiapan",
        "Rencana & pengembangan",
        "Replikasi",
        "Evaluasi",
    ]
    assert schedule.rows[0].cells[1].text == "Waktu (saran)"  # stage shares are defaults, not facts
    assert schedule.rows[1].cells[1].text == "Jan 2027"
    assert schedule.rows[4].cells[1].text == "Jun 2027"


@pytest.mark.parametrize("months", [1, 2, 3, 6, 12, 36])
def test_schedule_spreads_the_stages_over_any_length(months: int) -> None:
    rows = stage_schedule(Timeline(months))
    assert [row[0] for row in rows] == ["Persiapan", "Rencana & pengembangan", "Replikasi", "Evaluasi"]
    assert rows[0][1] == "Bulan 1" or rows[0][1].startswith("Bulan 1–")
    assert rows[-1][1].endswith(str(months))


def test_filename_is_safe_ascii() -> None:
    assert (
        document_filename(plan(innovation="Sapa Warga: Layanan Cepat!"))
        == "rencana-aksi-replikasi-sapa-warga-layanan-cepat.docx"
    )
    assert document_filename(plan(innovation="éé")) == "rencana-aksi-replikasi-ee.docx"
    assert document_filename(plan(innovation="!!!")) == "rencana-aksi-replikasi-inovasi.docx"


async def test_summary_action_sends_text_and_a_stored_document_then_clears_the_answers() -> None:
    dispatcher = CollectingDispatcher()
    stored: dict[str, bytes] = {}

    def saver(filename: str, content: bytes, *, owner: str) -> str:
        stored[filename] = content
        return "ref-1"

    events = await ActionReplicationSummary(today=lambda: TODAY, saver=saver).run(
        dispatcher, flow_tracker(None, None, "", **ANSWERS), {}
    )
    summary = texts(dispatcher)
    assert "Draf rencana aksi replikasi «Akta Online Lahir Mati (ALAMAT)»" in summary
    assert summary.splitlines()[-1].startswith("Sumber:")
    document = dispatcher.messages[-1]["custom"]["document"]
    # Only a reference travels in the conversation; the bytes are in the store.
    assert document["ref"] == "ref-1" and "content_b64" not in document
    assert document["filename"].endswith(".docx") and document["caption"]
    doc = open_docx(stored[document["filename"]])
    assert SECTIONS[0] in [p.text for p in doc.paragraphs]
    assert SlotSet("rep_problem", None) in events and SlotSet("rep_review", None) in events and len(events) == 12
