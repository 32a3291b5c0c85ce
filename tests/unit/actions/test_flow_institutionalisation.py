"""Institutionalisation checklist: validators, scoring, gaps and recommendations."""

from __future__ import annotations

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.flows.institutionalisation import ActionInstitutionalisationSummary, ValidateInstitutionalisationForm
from actions.flows.institutionalisation_rules import LEVERS, assess, render_checklist
from tests.unit.actions.test_flow_base import check, flow_tracker, texts

ALL_YES = {lever.slot: "yes" for lever in LEVERS} | {"inst_regulation": "perda"}
ALL_NO = {lever.slot: "no" for lever in LEVERS} | {"inst_regulation": "none"}


@pytest.mark.parametrize("slot", [lever.slot for lever in LEVERS if lever.slot != "inst_regulation"])
def test_lever_validators_take_yes_partial_no(slot: str) -> None:
    form = ValidateInstitutionalisationForm()
    tracker = flow_tracker("institutionalisation_form", slot, "")
    assert check(form, slot, "yes", tracker).slots == {slot: "yes"}
    assert check(form, slot, "sebagian", tracker).slots == {slot: "partial"}
    assert check(form, slot, "belum", tracker).slots == {slot: "no"}
    assert check(form, slot, "mungkin nanti", tracker).error


def test_regulation_validator() -> None:
    form = ValidateInstitutionalisationForm()
    tracker = flow_tracker("institutionalisation_form", "inst_regulation", "")
    assert check(form, "inst_regulation", "Perbup 5/2023", tracker).slots == {"inst_regulation": "perkada"}
    assert check(form, "inst_regulation", "draft", tracker).slots == {"inst_regulation": "draft"}
    assert check(form, "inst_regulation", "hmm", tracker).error


def test_scores_run_from_0_to_100_and_core_levers_weigh_double() -> None:
    assert assess(ALL_YES).score == 100 and assess(ALL_NO).score == 0
    core_only = ALL_NO | {"inst_regulation": "perda", "inst_budget": "yes", "inst_performance": "yes"}
    others_only = ALL_YES | {"inst_regulation": "none", "inst_budget": "no", "inst_performance": "no"}
    assert assess(core_only).score == 60 and assess(others_only).score == 40
    assert assess(ALL_NO | {"inst_regulation": "draft"}).score == 10


def test_gaps_and_recommendations_put_the_core_levers_first() -> None:
    checklist = assess(ALL_YES | {"inst_performance": "no", "inst_sop": "no", "inst_community": "partial"})
    assert [lever.slot for lever in checklist.gaps] == ["inst_performance", "inst_sop"]
    text = render_checklist(checklist)
    recommendations = text.split("Rekomendasi:")[1]
    assert recommendations.index("perjanjian kinerja") < recommendations.index("SOP")
    assert "Dukungan masyarakat" in text.split("Sedang berjalan:")[1].splitlines()[0]


def test_decree_only_is_advised_to_become_a_regional_regulation() -> None:
    text = render_checklist(assess(ALL_YES | {"inst_regulation": "sk"}))
    assert "Pertimbangkan menaikkannya ke Perda" in text


def test_summary_says_it_is_not_an_official_assessment_and_cites_sources() -> None:
    text = render_checklist(assess(ALL_NO))
    assert "rentan" in text and "bukan penilaian resmi" in text and "contoh praktik" in text
    assert text.splitlines()[-1].startswith("Sumber:") and "91/2021" in text.splitlines()[-1]
    assert len(text) < 4096


async def test_summary_action_scores_the_slots_and_clears_them() -> None:
    dispatcher = CollectingDispatcher()
    tracker = flow_tracker(None, None, "", **ALL_YES)
    events = await ActionInstitutionalisationSummary(saver=lambda *a, **k: "ref").run(dispatcher, tracker, {})
    assert "skor 100/100" in texts(dispatcher)
    assert events == [SlotSet(lever.slot, None) for lever in LEVERS]
