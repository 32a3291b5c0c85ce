"""Readiness check: its validators, the documents question, the KIPP rules and the summary."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
import yaml
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.flows.dates import StartDate, add_months
from actions.flows.kipp_rules import (
    Answers,
    assess_groups,
    check_age,
    choose_reference,
    known_min_age,
    missing_documents,
    render_summary,
)
from actions.flows.readiness import ActionAskDocuments, ActionReadinessSummary, ValidateReadinessForm
from knowledge import read_editions_file
from tests.unit.actions.test_flow_base import TODAY, check, flow_tracker, texts

CLOSE_2025 = date(2025, 6, 3)
CONTENT = Path(__file__).resolve().parents[3] / "knowledge" / "content"


def validator() -> ValidateReadinessForm:
    return ValidateReadinessForm(today=lambda: TODAY)


def answers(start: str, history: str = "never", adapts: bool = False, docs: tuple[str, ...] = ()) -> Answers:
    return Answers("pemda", StartDate.from_slot(start), history, adapts, docs)


# --- validators ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "slot"), [("Maret 2023", "2023-03"), ("03/2023", "2023-03"), ("2 tahun lalu", "2024-11"), ("2023", "2023")]
)
def test_start_date_answers_are_stored_and_echoed(text: str, slot: str) -> None:
    outcome = check(validator(), "innovation_start", text, flow_tracker("readiness_form", "innovation_start", text))
    assert outcome.slots == {"innovation_start": slot}
    assert outcome.note and outcome.note.startswith("Tercatat: mulai diterapkan")


@pytest.mark.parametrize(("text", "expected"), [("besok lusa", "belum saya tangkap"), ("Mei 2027", "masa depan")])
def test_unusable_start_dates_are_reasked(text: str, expected: str) -> None:
    outcome = check(validator(), "innovation_start", text, flow_tracker("readiness_form", "innovation_start", text))
    assert outcome.error and expected in outcome.error


def test_each_choice_validator_accepts_its_buttons_and_refuses_nonsense() -> None:
    tracker = flow_tracker("readiness_form", "agency_type", "")
    v = validator()
    assert check(v, "agency_type", "kl", tracker).slots == {"agency_type": "kl"}
    assert check(v, "kipp_history", "top99_once", tracker).slots == {"kipp_history": "top99_once"}
    assert check(v, "adapts_top", "ya", tracker).slots == {"adapts_top": True}
    assert check(v, "adapts_top", "tidak", tracker).slots == {"adapts_top": False}
    for slot in ("agency_type", "kipp_history", "adapts_top", "documents"):
        assert check(v, slot, "blablabla", tracker).error


def test_tapping_documents_toggles_them_until_done() -> None:
    v = validator()
    first = check(v, "documents", "data_manfaat", flow_tracker("readiness_form", "documents", ""))
    assert first.slots == {"documents_draft": ["data_manfaat"], "documents": None}
    second = check(
        v,
        "documents",
        "sk_inisiator",
        flow_tracker("readiness_form", "documents", "", documents_draft=["data_manfaat"]),
    )
    assert second.slots["documents_draft"] == ["sk_inisiator", "data_manfaat"]
    untick = check(
        v,
        "documents",
        "sk_inisiator",
        flow_tracker("readiness_form", "documents", "", documents_draft=["sk_inisiator"]),
    )
    assert untick.slots["documents_draft"] == []
    done = check(
        v, "documents", "selesai", flow_tracker("readiness_form", "documents", "", documents_draft=["sk_inisiator"])
    )
    assert done.slots == {"documents": ["sk_inisiator"], "documents_draft": None}


def test_typed_document_list_and_none_finish_the_question() -> None:
    v = validator()
    tracker = flow_tracker("readiness_form", "documents", "")
    assert check(v, "documents", "2, 3", tracker).slots == {
        "documents": ["surat_pernyataan", "data_manfaat"],
        "documents_draft": None,
    }
    assert check(v, "documents", "tidak ada", tracker).slots == {"documents": [], "documents_draft": None}


async def test_documents_question_shows_ticked_items_and_short_payloads() -> None:
    dispatcher = CollectingDispatcher()
    tracker = flow_tracker("readiness_form", "documents", "", documents_draft=["sk_inisiator"])
    await ActionAskDocuments().run(dispatcher, tracker, {})
    message = dispatcher.messages[0]
    assert "Tercentang: SK inisiator/tim inovasi" in message["text"]
    assert message["buttons"][0]["title"].startswith("☑")
    assert all(b["title"].startswith("☐") for b in message["buttons"][1:6])
    assert all(len(b["payload"].encode()) <= 64 for b in message["buttons"])


# --- rules ---------------------------------------------------------------------------------------------------

EDITIONS = read_editions_file()
AT_CLOSE_2025 = choose_reference(EDITIONS, CLOSE_2025)  # as if registration for 2025 closed today


def test_latest_year_is_2025_and_its_minimum_age_comes_from_earlier_years() -> None:
    latest = choose_reference(EDITIONS, TODAY).edition
    assert latest.year == 2025 and latest.registration_closes == CLOSE_2025
    assert latest.groups == ("umum", "replikasi")
    umum, replikasi = known_min_age("umum", latest, EDITIONS), known_min_age("replikasi", latest, EDITIONS)
    assert umum is not None and (umum.years, umum.from_year) == (2, 2022)
    assert replikasi is not None and (replikasi.years, replikasi.from_year) == (1, 2021)


def test_editions_cover_the_latest_kipp_year_in_the_knowledge_base() -> None:
    years = set()
    for path in CONTENT.glob("kipp*.yml"):
        for entry in yaml.safe_load(path.read_text())["entries"]:
            years |= {int(y) for y in re.findall(r"\bKIPP (20\d\d)\b", entry["answer"])}
    assert max(years) == max(e.year for e in EDITIONS)


def test_innovation_started_8_months_before_closing_is_flagged_for_the_2_year_group() -> None:
    start = add_months(CLOSE_2025, -8)  # 3 Oct 2024
    verdicts = {v.group: v for v in assess_groups(answers(start.isoformat()), AT_CLOSE_2025, EDITIONS)}
    assert verdicts["umum"].fits is None  # the 2-year rule is borrowed from 2022: a doubt, not a "no"
    assert any("8 bulan" in p and "2 tahun" in p for p in verdicts["umum"].problems)
    summary = render_summary(answers(start.isoformat()), CLOSE_2025, EDITIONS)
    assert "⚠️ Kelompok umum" in summary and "kurang dari minimal 2 tahun" in summary


def test_age_is_counted_back_from_the_closing_date() -> None:
    assert check_age(StartDate.from_slot("2023-06-03"), 2, CLOSE_2025).meets is True
    assert check_age(StartDate.from_slot("2023-06-04"), 2, CLOSE_2025).meets is False
    # "Juni 2023" may be before or after 3 June: the bot says it is unsure instead of guessing.
    assert check_age(StartDate.from_slot("2023-06"), 2, CLOSE_2025).meets is None


def test_two_year_old_innovation_fits_the_general_group() -> None:
    verdicts = {v.group: v.fits for v in assess_groups(answers("2023-03", "top99_once"), AT_CLOSE_2025, EDITIONS)}
    assert verdicts == {"umum": True, "replikasi": None}


def test_replication_of_a_top_innovation_needs_one_year() -> None:
    verdicts = {v.group: v.fits for v in assess_groups(answers("2024-03", adapts=True), AT_CLOSE_2025, EDITIONS)}
    assert verdicts == {"umum": None, "replikasi": True}


@pytest.mark.parametrize("history", ["top99_twice", "top_tier"])
def test_past_awards_put_the_general_group_in_doubt(history: str) -> None:
    verdicts = {v.group: v for v in assess_groups(answers("2020-01", history, adapts=True), AT_CLOSE_2025, EDITIONS)}
    assert verdicts["umum"].fits is None  # 2021/2023 rules, borrowed for 2025
    assert verdicts["replikasi"].fits is None  # the facts state no award rule for this group


def test_missing_documents_name_the_2025_statement_and_the_initiator_decree() -> None:
    missing = " ".join(missing_documents(()))
    assert "Surat pernyataan" in missing and "SK inisiator" in missing
    assert (
        missing_documents(("sk_inisiator", "surat_pernyataan", "data_manfaat", "dasar_hukum", "anggaran", "foto_video"))
        == []
    )


def test_summary_is_honest_about_the_rule_used_and_ends_with_sources() -> None:
    summary = render_summary(answers("2023-03"), TODAY, EDITIONS)
    assert "panduan, bukan keputusan resmi" in summary
    assert "tidak mencantumkan semua aturan KIPP 2025" in summary and "aturan KIPP 2022" in summary
    assert "4/2025" in summary and "5/2025" in summary and "PermenPANRB 7/2021" in summary
    assert summary.splitlines()[-1].startswith("Sumber:")
    assert len(summary) < 4096


async def test_summary_action_sends_the_summary_and_clears_the_answers() -> None:
    slots = {"agency_type": "bumn", "innovation_start": "2021-01", "kipp_history": "never", "adapts_top": False,
             "documents": ["sk_inisiator"]}  # fmt: skip
    dispatcher = CollectingDispatcher()
    events = await ActionReadinessSummary(
        today=lambda: TODAY, editions=lambda: EDITIONS, saver=lambda *a, **k: "ref"
    ).run(dispatcher, flow_tracker(None, None, "", **slots), {})
    reply = texts(dispatcher)
    assert "✅ Kelompok umum" in reply and "PSO" in reply and "Sumber:" in reply
    assert SlotSet("innovation_start", None) in events and SlotSet("documents_draft", None) in events
