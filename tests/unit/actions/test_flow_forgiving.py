"""Forgiving answers: dates as officers write them, digits for buttons, "lewati", junk re-asked at most twice,
"kembali" said once with the earlier answer, and a request for another flow asked about before anything is lost."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.flows.answers import LEFT_EMPTY, SKIPPED, is_skip_phrase, parse_budget, parse_study_visit, parse_yes_no
from actions.flows.base import SWITCH_MARK, TEXT_LEFT_EMPTY, TEXT_NOT_SKIPPABLE
from actions.flows.dates import parse_start
from actions.flows.institutionalisation import ValidateInstitutionalisationForm
from actions.flows.readiness import ValidateReadinessForm
from actions.flows.replication import ValidateReplicationForm, replication_plan
from tests.unit.actions.test_flow_base import flow_tracker, texts

TODAY = date(2026, 11, 30)


async def validate(form: Any, requested: str, text: str, intent: str = "inform", **kwargs: Any) -> tuple[list, str]:
    dispatcher = CollectingDispatcher()
    tracker = flow_tracker(form.FORM, requested, text, intent, **kwargs)
    events = await form.run(dispatcher, tracker, {})
    return events, texts(dispatcher)


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("udh 8 bln", "Maret 2026"),
        ("udh jalan 3 tahun", "November 2023"),
        ("dari thn 2022", "tahun 2022"),
        ("sejak awal 2023", "Januari–Maret 2023"),
        ("kurang lebih setahun", "November 2025"),
        ("sdh 2 thn", "November 2024"),
    ],
)
def test_dates_and_durations_as_officers_write_them(text: str, label: str) -> None:
    assert parse_start(text, TODAY).label() == label


@pytest.mark.parametrize("text", ["lewati", "Lewati aja", "skip dulu", "lewatin yang ini", "nanti saja", "pass"])
def test_skip_phrases(text: str) -> None:
    assert is_skip_phrase(text)
    assert not is_skip_phrase("lewat WhatsApp karena warga jarang memakai aplikasi")


def test_digits_pick_buttons() -> None:
    assert parse_yes_no("1") is True and parse_yes_no("2") is False
    assert parse_budget("1") == "APBD (anggaran pemerintah daerah)"
    assert parse_study_visit("2") == "Studi tiru daring (virtual) dengan instansi asal"


async def test_lewati_skips_an_optional_step_and_is_never_stored_as_the_answer() -> None:
    events, reply = await validate(ValidateReplicationForm(today=lambda: TODAY), "rep_budget", "lewati")
    assert events == [SlotSet("rep_budget", SKIPPED)] and "dilewati" in reply
    tapped = flow_tracker(
        "replication_form", "rep_team", "/inform", entities=[{"entity": "rep_team", "value": "lewati"}]
    )
    assert await ValidateReplicationForm().run(CollectingDispatcher(), tapped, {}) == [SlotSet("rep_team", SKIPPED)]
    events, _ = await validate(ValidateInstitutionalisationForm(), "inst_sop", "skip", "deny")
    assert events == [SlotSet("inst_sop", "unknown")]


async def test_skip_on_a_required_step_is_refused() -> None:
    events, reply = await validate(ValidateReadinessForm(today=lambda: TODAY), "agency_type", "skip", "deny")
    assert events == [SlotSet("agency_type", None)] and TEXT_NOT_SKIPPABLE in reply


async def test_junk_is_reasked_with_an_example_twice_then_left_empty_and_marked() -> None:
    form = ValidateReplicationForm(today=lambda: TODAY)
    events, reply = await validate(form, "rep_budget", "secepatnya")
    assert events == [SlotSet("rep_budget", None), SlotSet("flow_retries", 1.0)] and "misalnya" in reply
    events, _ = await validate(form, "rep_budget", "secepatnya", flow_retries=1.0)
    assert events == [SlotSet("rep_budget", None), SlotSet("flow_retries", 2.0)]
    events, reply = await validate(form, "rep_budget", "ya", flow_retries=2.0)
    assert events == [SlotSet("rep_budget", LEFT_EMPTY), SlotSet("flow_retries", None)] and reply == TEXT_LEFT_EMPTY


async def test_a_step_the_verdict_needs_is_never_left_empty() -> None:
    events, _ = await validate(ValidateReadinessForm(today=lambda: TODAY), "innovation_start", "zzz", flow_retries=2.0)
    assert events == [SlotSet("innovation_start", None), SlotSet("flow_retries", 3.0)]


def test_the_plan_marks_skipped_and_empty_steps() -> None:
    slots = {"rep_problem": "Antrean panjang di loket", "rep_innovation": "TOSS", "rep_origin": LEFT_EMPTY,
             "rep_modification": "Skala kelurahan", "rep_team": SKIPPED, "rep_lead": "Kabid",
             "rep_budget": "APBD", "rep_timeline": {"months": 6, "start": None}, "rep_indicators": "Waktu turun",
             "rep_study_visit": SKIPPED}  # fmt: skip
    plan = replication_plan(flow_tracker(None, None, "", **slots))
    assert plan.origin == "— (belum diisi)" and plan.team == "— (dilewati)"
    assert "__" not in repr(plan)


async def test_kembali_names_the_earlier_answer_once() -> None:
    form = ValidateReadinessForm(today=lambda: TODAY)
    events, reply = await validate(form, "kipp_history", "kembali", "back", innovation_start="2023-03")
    assert reply.count("kembali ke pertanyaan sebelumnya") == 1 and "Jawaban Anda tadi: «Maret 2023»" in reply
    assert SlotSet("innovation_start", None) in events
    already = [{"event": "user", "text": "kembali"}, {"event": "action", "name": "action_back"}]
    events, reply = await validate(form, "kipp_history", "kembali", "back", events=already)
    assert events == [SlotSet("kipp_history", None)] and reply == ""  # Rasa's back rule went back already


async def test_starting_another_flow_mid_flow_asks_before_discarding() -> None:
    form = ValidateReadinessForm(today=lambda: TODAY)
    events, reply = await validate(form, "kipp_history", "/start_replication_plan", "start_replication_plan",
                                   agency_type="pemda")  # fmt: skip
    assert events == [SlotSet("kipp_history", None)] and SWITCH_MARK in reply
    asked = [
        {"event": "user", "text": "/start_replication_plan"},
        {"event": "bot", "text": f"Anda sedang mengisi alur ini (1 jawaban). Bila mulai ..., {SWITCH_MARK}."},
        {"event": "user", "text": "/start_replication_plan"},
    ]
    events, _ = await validate(form, "kipp_history", "/start_replication_plan", "start_replication_plan",
                               events=asked, agency_type="pemda")  # fmt: skip
    assert events == []  # confirmed: the flow rules take over and start the other flow
    nothing_yet, _ = await validate(form, "agency_type", "/start_demo", "start_demo")
    assert nothing_yet == []
