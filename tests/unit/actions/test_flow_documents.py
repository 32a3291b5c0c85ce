"""The flows' documents read back with python-docx: the review before the plan, the plan's approval block and
indicator table, headings kept with what follows them, suggestions labelled, and the summaries as .docx."""

from __future__ import annotations

import io
from datetime import date

from docx import Document
from docx.document import Document as DocxDocument
from docx.table import Table
from docx.text.paragraph import Paragraph
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.flows.documents import send_document
from actions.flows.institutionalisation import ActionInstitutionalisationSummary
from actions.flows.plan_document import APPROVAL_ROWS, SUGGESTION, build_plan_document, indicator_rows
from actions.flows.readiness import ActionReadinessSummary
from actions.flows.replication import ActionAskRepReview, ValidateReplicationForm, replication_plan
from knowledge import KnowledgeUnavailable, read_editions_file
from tests.unit.actions.test_flow_base import flow_tracker, texts
from tests.unit.actions.test_flow_replication import ANSWERS

TODAY = date(2026, 11, 30)


def blocks(doc: DocxDocument) -> list[Paragraph | Table]:
    """Return the body's paragraphs and tables in document order."""
    return list(doc.iter_inner_content())


def assert_headings_kept_with_what_follows(doc: DocxDocument) -> None:
    items = blocks(doc)
    for index, item in enumerate(items):
        if isinstance(item, Paragraph) and item.style.name.startswith("Heading"):
            assert item.paragraph_format.keep_with_next, item.text
        if isinstance(item, Table) and index > 0 and isinstance(items[index - 1], Paragraph):
            # the heading and any lines leading into a table stay on the table's page
            assert items[index - 1].paragraph_format.keep_with_next, items[index - 1].text


class Saved:
    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def __call__(self, filename: str, content: bytes, *, owner: str) -> str:
        self.files[filename] = content
        return f"ref-{len(self.files)}"


# --- the review screen ---------------------------------------------------------------------------------------


async def test_the_review_lists_every_answer_with_a_button_to_change_it() -> None:
    dispatcher = CollectingDispatcher()
    await ActionAskRepReview().run(dispatcher, flow_tracker("replication_form", "rep_review", "", **ANSWERS), {})
    [message] = dispatcher.messages
    assert "Periksa dulu jawaban Anda" in message["text"]
    for answer in ("Disdukcapil Kabupaten Uji", "Akta Online Lahir Mati", "6 bulan, mulai Januari 2027"):
        assert answer in message["text"]
    titles = [b["title"] for b in message["buttons"]]
    assert titles[0] == "✔ Buat dokumen" and len(titles) == 13 and titles[-1] == "✖ Batal"
    assert all(len(b["payload"].encode()) <= 64 for b in message["buttons"])


async def test_changing_an_answer_from_the_review_reopens_only_that_question() -> None:
    form = ValidateReplicationForm(today=lambda: TODAY)
    tapped = flow_tracker("replication_form", "rep_review", "/inform",
                          entities=[{"entity": "rep_review", "value": "rep_budget"}], **ANSWERS)  # fmt: skip
    events = await form.run(CollectingDispatcher(), tapped, {})
    assert sorted(events, key=lambda e: e["name"]) == [SlotSet("rep_budget", None), SlotSet("rep_review", None)]
    typed = flow_tracker("replication_form", "rep_review", "ubah indikatornya", **ANSWERS)
    assert SlotSet("rep_indicators", None) in await form.run(CollectingDispatcher(), typed, {})
    done = flow_tracker("replication_form", "rep_review", "buat dokumen", **ANSWERS)
    assert await form.run(CollectingDispatcher(), done, {}) == [SlotSet("rep_review", "ok")]


# --- the plan ------------------------------------------------------------------------------------------------


def plan_doc() -> DocxDocument:
    plan = replication_plan(flow_tracker(None, None, "", **ANSWERS))
    return Document(io.BytesIO(build_plan_document(plan, TODAY)))


def test_the_plan_has_an_approval_block_with_places_for_names_positions_and_dates() -> None:
    approval = plan_doc().tables[-1]
    assert [c.text for c in approval.rows[0].cells] == ["", "Disusun oleh", "Disetujui oleh"]
    assert [row.cells[0].text for row in approval.rows[1:]] == list(APPROVAL_ROWS)
    assert all(row.cells[1].text == "" and row.cells[2].text == "" for row in approval.rows[1:])
    assert approval.rows[-1].height.cm >= 1.5  # room for a signature


def test_the_plan_names_the_replicating_agency_and_splits_baseline_from_target() -> None:
    doc = plan_doc()
    assert "oleh Disdukcapil Kabupaten Uji, Bidang Pelayanan" in doc.paragraphs[1].text
    indicators = next(t for t in doc.tables if t.rows[0].cells[1].text == "Kondisi awal (baseline)")
    assert [c.text for c in indicators.rows[1].cells] == ["Waktu layanan", "14 hari", "3 hari"]
    assert indicator_rows("80% warga puas")[0][1] == "dicatat sebelum replikasi dimulai"


def test_every_heading_of_the_plan_is_kept_with_what_follows() -> None:
    assert_headings_kept_with_what_follows(plan_doc())


def test_default_stage_shares_and_risks_are_labelled_as_suggestions() -> None:
    labelled = [p.text for p in plan_doc().paragraphs if p.text.startswith(SUGGESTION)]
    assert len(labelled) == 2 and "pembagian waktu" in labelled[0] and "risiko" in labelled[1]


# --- the summaries as documents ------------------------------------------------------------------------------


async def test_the_readiness_check_is_also_saved_as_a_document() -> None:
    slots = {"agency_type": "pemda", "innovation_start": "2023-03", "kipp_history": "never", "adapts_top": False,
             "documents": []}  # fmt: skip
    saved, dispatcher = Saved(), CollectingDispatcher()
    action = ActionReadinessSummary(today=lambda: TODAY, editions=read_editions_file, saver=saved)
    await action.run(dispatcher, flow_tracker(None, None, "", **slots), {})
    assert dispatcher.messages[-1]["custom"]["document"]["ref"] == "ref-1"
    doc = Document(io.BytesIO(saved.files["cek-kesiapan-kipp.docx"]))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert headings == ["Kelompok KIPP 2025", "Yang masih kurang", "Langkah berikutnya", "Sumber"]
    assert any(p.text.startswith("✔ Kelompok umum: cocok") for p in doc.paragraphs)
    assert_headings_kept_with_what_follows(doc)


async def test_the_institutionalisation_checklist_is_also_saved_as_a_document() -> None:
    slots = {"inst_regulation": "perda", "inst_budget": "unknown", "inst_performance": "no", "inst_sop": "yes",
             "inst_team_sk": "yes", "inst_community": "partial", "inst_replicated": "no"}  # fmt: skip
    saved, dispatcher = Saved(), CollectingDispatcher()
    events = await ActionInstitutionalisationSummary(today=lambda: TODAY, saver=saved).run(
        dispatcher, flow_tracker(None, None, "", **slots), {}
    )
    doc = Document(io.BytesIO(saved.files["cek-pelembagaan-inovasi.docx"]))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Rekomendasi" in [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert "Hasil cek pelembagaan: skor 45/100" in text and "Dukungan anggaran" in text and "Sumber" in text
    assert not any(ord(ch) > 0xFFFF for ch in text)  # no pictographs a document font cannot draw
    assert SlotSet("inst_budget", None) in events
    assert "skor" in texts(dispatcher)


async def test_a_document_goes_inline_only_when_the_store_is_down() -> None:
    def down(*args: object, **kwargs: object) -> str:
        raise KnowledgeUnavailable("down")

    dispatcher = CollectingDispatcher()
    await send_document(dispatcher, flow_tracker(None, None, ""), filename="a.docx", content=b"x", caption="c",
                        saver=down)  # fmt: skip
    assert dispatcher.messages[0]["custom"]["document"]["content_b64"] == "eA=="
