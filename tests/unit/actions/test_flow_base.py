"""The shared flow validation: answers, re-asks, "kembali", "batal" and questions in the middle of a flow."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.flows.readiness import ValidateReadinessForm
from actions.flows.replication import ValidateReplicationForm

TODAY = date(2026, 11, 23)


def flow_tracker(
    form: str | None,
    requested: str | None,
    text: str,
    intent: str = "inform",
    entities: list[dict[str, Any]] | None = None,
    events: list[dict[str, Any]] | None = None,
    **slots: Any,
) -> Tracker:
    """Return a tracker inside `form`, asking `requested`, whose latest message is `text`.

    As Rasa sends it to `validate_<form>`: the form's own action event last, so the slots set after it (by
    extraction) are the ones rasa-sdk validates.
    """
    if form:
        events = [*(events or []), {"event": "action", "name": form}]
    return Tracker.from_dict(
        {
            "sender_id": "flow-test",
            "slots": {"requested_slot": requested, **slots},
            "latest_message": {
                "text": text,
                "intent": {"name": intent, "confidence": 0.9},
                "entities": entities or [],
            },
            "events": events or [],
            "paused": False,
            "followup_action": None,
            "active_loop": {"name": form} if form else {},
            "latest_action_name": "action_listen",
        }
    )


def texts(dispatcher: CollectingDispatcher) -> str:
    return "\n".join(m["text"] for m in dispatcher.messages if m.get("text"))


@dataclass(frozen=True)
class Reading:
    """What a `validate_<slot>` method made of one answer: the slots it sets and what it said."""

    slots: dict[str, Any]
    said: str

    @property
    def error(self) -> str | None:
        """Return the re-ask message, if the answer was re-asked (only a re-ask counts a retry)."""
        return self.said if self.slots.get("flow_retries") else None

    @property
    def note(self) -> str | None:
        """Return the echo of an accepted answer, if one was said."""
        return None if self.error or not self.said else self.said


def check(form: Any, slot: str, value: Any, tracker: Tracker | None = None) -> Reading:
    """Return what `form`'s rasa-sdk hook `validate_<slot>` makes of `value`, as rasa-sdk calls it."""
    dispatcher = CollectingDispatcher()
    tracker = tracker or flow_tracker(form.FORM, slot, str(value))
    return Reading(getattr(form, f"validate_{slot}")(value, dispatcher, tracker, {}), texts(dispatcher))


async def run_readiness(requested: str, text: str, intent: str = "inform", **kwargs: Any) -> tuple[list, str]:
    dispatcher = CollectingDispatcher()
    tracker = flow_tracker("readiness_form", requested, text, intent, **kwargs)
    events = await ValidateReadinessForm(today=lambda: TODAY).run(dispatcher, tracker, {})
    return events, texts(dispatcher)


async def test_typed_answer_fills_the_requested_slot() -> None:
    events, _ = await run_readiness("agency_type", "kami pemkab")
    assert events == [SlotSet("agency_type", "pemda")]


async def test_tapped_button_fills_the_slot_from_its_entity() -> None:
    entities = [{"entity": "agency_type", "value": "bumd"}]
    events, _ = await run_readiness("agency_type", '/inform{"agency_type":"bumd"}', entities=entities)
    assert events == [SlotSet("agency_type", "bumd")]


async def test_invalid_answer_is_reasked_with_an_explanation() -> None:
    events, reply = await run_readiness("agency_type", "sepeda motor")
    assert events == [SlotSet("agency_type", None), SlotSet("flow_retries", 1.0)]
    assert "K/L, Pemda, BUMN, atau BUMD" in reply


async def test_stale_button_of_another_question_is_not_taken_as_an_answer() -> None:
    entities = [{"entity": "agency_type", "value": "pemda"}]
    events, reply = await run_readiness("kipp_history", '/inform{"agency_type":"pemda"}', entities=entities)
    assert events == [SlotSet("kipp_history", None)]
    assert "menunggu jawaban" in reply


@pytest.mark.parametrize(("text", "intent"), [("kembali", "back"), ("/back", "back"), ("balik", "greet")])
async def test_back_clears_the_previous_answer(text: str, intent: str) -> None:
    events, reply = await run_readiness("kipp_history", text, intent, agency_type="pemda", innovation_start="2023-03")
    assert SlotSet("innovation_start", None) in events and SlotSet("kipp_history", None) in events
    assert SlotSet("agency_type", None) not in events
    assert "sebelumnya" in reply


async def test_back_at_the_first_question_stays_there() -> None:
    events, reply = await run_readiness("agency_type", "kembali", "back")
    assert events == [SlotSet("agency_type", None)]
    assert "pertanyaan pertama" in reply


async def test_back_from_documents_also_forgets_the_ticked_documents() -> None:
    events, _ = await run_readiness("documents", "kembali", "back", documents_draft=["sk_inisiator"])
    cleared = {event["name"] for event in events if event["value"] is None}
    assert cleared == {"documents", "documents_draft", "adapts_top"}


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("batal", "cancel"),
        ("gak jadi", "deny"),
        ("/start_replication_plan", "start_replication_plan"),
        ("demo", "start_demo"),
    ],
)
async def test_leaving_the_flow_rejects_the_turn_so_a_rule_takes_over(text: str, intent: str) -> None:
    events, reply = await run_readiness("kipp_history", text, intent)
    assert events == [] and reply == ""


async def test_plain_no_is_an_answer_not_a_cancel() -> None:
    events, _ = await run_readiness("adapts_top", "tidak", "deny")
    assert events == [SlotSet("adapts_top", False)]


async def test_question_in_a_choice_question_is_a_digression() -> None:
    events, reply = await run_readiness("kipp_history", "apa itu JIPP?", "ask_replication")
    assert events == [] and reply == ""


async def test_garbled_text_in_a_choice_question_is_reasked_not_answered() -> None:
    events, reply = await run_readiness("kipp_history", "asdf qwerty", "nlu_fallback")
    assert events == [SlotSet("kipp_history", None), SlotSet("flow_retries", 1.0)] and "Pilih riwayatnya" in reply


async def test_answer_that_parses_is_kept_even_if_classified_as_a_question() -> None:
    events, _ = await run_readiness("kipp_history", "top 99 dua kali", "ask_kipp")
    assert events == [SlotSet("kipp_history", "top99_twice")]


async def run_replication(requested: str, text: str, intent: str) -> list:
    tracker = flow_tracker("replication_form", requested, text, intent)
    return await ValidateReplicationForm(today=lambda: TODAY).run(CollectingDispatcher(), tracker, {})


async def test_free_text_answer_is_kept_whatever_the_intent() -> None:
    text = "antrean akta kelahiran bisa dua minggu karena berkas harus dibawa ke kantor dinas"
    assert await run_replication("rep_problem", text, "ask_replication") == [SlotSet("rep_problem", text)]


async def test_clear_question_in_a_free_text_question_is_a_digression() -> None:
    assert await run_replication("rep_problem", "apa itu JIPP?", "ask_replication") == []


async def test_long_free_text_with_a_cancel_word_is_still_an_answer() -> None:
    text = "layanan berhenti total setiap listrik padam dan warga harus datang lagi besok pagi"
    assert await run_replication("rep_problem", text, "cancel") == [SlotSet("rep_problem", text)]


async def test_menu_buttons_mid_flow_are_handed_to_their_rules() -> None:
    entities = [{"entity": "entry_id", "value": "jipp-apa"}]
    tracker = flow_tracker(
        "replication_form", "rep_problem", '/choose_entry{"entry_id":"jipp-apa"}', "choose_entry", entities
    )
    assert await ValidateReplicationForm().run(CollectingDispatcher(), tracker, {}) == []


async def test_validation_does_nothing_when_the_form_starts() -> None:
    # Rasa passes the slots action_start_flow cleared as candidates: clearing them is no answer to validate.
    cleared = [{"event": "slot", "name": slot, "value": None} for slot in ValidateReplicationForm.SLOTS]
    events = [
        {"event": "action", "name": "action_start_flow"},
        *cleared,
        {"event": "action", "name": "replication_form"},
    ]
    # Whatever the message that started it (here a "ya" to a suggestion), nothing is validated yet.
    tracker = flow_tracker(None, None, "ya", "affirm", events=[*events, *cleared])
    dispatcher = CollectingDispatcher()
    assert await ValidateReplicationForm().run(dispatcher, tracker, {}) == [] and dispatcher.messages == []
