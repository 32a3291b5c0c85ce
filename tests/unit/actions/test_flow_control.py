"""Starting and cancelling flows, and the facilitator demo."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.flows.back import ActionBack
from actions.flows.control import FLOW_SLOTS, ActionCancelFlow, ActionStartFlow
from actions.flows.demo import SCRIPTS, ActionDemo, ActionDemoNext, sample_tracker
from actions.flows.institutionalisation import ActionInstitutionalisationSummary
from actions.flows.readiness import ActionReadinessSummary
from actions.flows.replication import ActionReplicationSummary
from knowledge import read_editions_file
from tests.unit.actions.test_flow_base import TODAY, check, flow_tracker, texts


def no_store(filename: str, content: bytes, *, owner: str) -> str:
    """Keep unit tests off the configured database: pretend to store the document."""
    return "ref-test"


async def test_start_introduces_the_flow_and_clears_old_answers() -> None:
    dispatcher = CollectingDispatcher()
    tracker = flow_tracker(None, None, "saya mau cek kesiapan kipp", "start_readiness_check", agency_type="kl")
    events = await ActionStartFlow().run(dispatcher, tracker, {})
    assert "Cek kesiapan KIPP" in texts(dispatcher) and "batal" in texts(dispatcher)
    assert events[0] == ActiveLoop(None)
    assert {e["name"] for e in events[1:] if e["event"] == "slot"} >= set(FLOW_SLOTS)


async def test_cancel_inside_a_flow_deactivates_it_and_forgets_answers() -> None:
    dispatcher = CollectingDispatcher()
    tracker = flow_tracker("replication_form", "rep_team", "batal", "cancel", rep_problem="x")
    events = await ActionCancelFlow().run(dispatcher, tracker, {})
    assert events[0] == ActiveLoop(None) and SlotSet("rep_problem", None) in events
    assert "dibatalkan" in texts(dispatcher) and len(dispatcher.messages[0]["buttons"]) == 3


async def test_cancel_outside_a_flow_says_there_is_nothing_to_cancel() -> None:
    dispatcher = CollectingDispatcher()
    assert await ActionCancelFlow().run(dispatcher, flow_tracker(None, None, "batal", "cancel"), {}) == []
    assert dispatcher.messages[0]["response"] == "utter_no_active_flow"


def demo_events(*actions: str) -> list[dict[str, Any]]:
    """Return tracker events: each action followed by a listen and the next user message."""
    events: list[dict[str, Any]] = [{"event": "user", "text": "/start_demo", "parse_data": {}}]
    for name in actions:
        events += [
            {"event": "action", "name": name},
            {"event": "action", "name": "action_listen"},
            {"event": "user", "text": "/demo_next", "parse_data": {}},
            {"event": "action", "name": "action_extract_slots"},
        ]
    return events


async def test_demo_lists_the_flows_as_buttons() -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionDemo().run(dispatcher, flow_tracker(None, None, "/start_demo", "start_demo"), {})
    payloads = [b["payload"] for b in dispatcher.messages[0]["buttons"]]
    assert payloads == [f'/start_demo{{"demo_flow":"{key}"}}' for key in SCRIPTS]
    assert all(len(p.encode()) <= 64 for p in payloads)
    assert SlotSet("demo_flow", None) in events


async def test_demo_inside_a_flow_leaves_the_flow() -> None:
    events = await ActionDemo().run(
        CollectingDispatcher(), flow_tracker("readiness_form", "kipp_history", "demo", "start_demo"), {}
    )
    assert events[0] == ActiveLoop(None) and SlotSet("agency_type", None) in events


@pytest.mark.parametrize("key", list(SCRIPTS))
async def test_demo_plays_every_step_then_the_real_summary(key: str) -> None:
    script = SCRIPTS[key]
    entities = [{"entity": "demo_flow", "value": key}]
    first = CollectingDispatcher()
    events = await ActionDemo(today=lambda: TODAY).run(first, flow_tracker(None, None, "", "start_demo", entities), {})
    assert events[-2:] == [SlotSet("demo_flow", key), SlotSet("demo_step", 0.0)]
    assert first.messages[0]["buttons"][0] == {"title": "Lanjut ▶", "payload": "/demo_next"}
    shown: list[str] = []
    history = ["action_demo"]
    for step in range(1, len(script.steps) + 2):
        dispatcher = CollectingDispatcher()
        tracker = flow_tracker(
            None, None, "/demo_next", "demo_next", events=demo_events(*history), demo_flow=key, demo_step=step - 1
        )
        assert await ActionDemoNext(today=lambda: TODAY, editions=read_editions_file, saver=no_store).run(
            dispatcher, tracker, {}
        ) == [SlotSet("demo_step", float(step))]
        shown.append(texts(dispatcher))
        history.append("action_demo_next")
    for step, text in zip(script.steps, shown, strict=False):
        assert step.question in text and f"«{step.answer}»" in text
    assert "Sumber:" in shown[-1] and "Demo selesai." in shown[-1]


SUMMARIES = {
    "kesiapan": ActionReadinessSummary(today=lambda: TODAY, editions=read_editions_file, saver=no_store),
    "replikasi": ActionReplicationSummary(today=lambda: TODAY, saver=no_store),
    "pelembagaan": ActionInstitutionalisationSummary(today=lambda: TODAY, saver=no_store),
}


@pytest.mark.parametrize("key", list(SCRIPTS))
def test_every_sample_answer_is_one_the_flow_accepts(key: str) -> None:
    script = SCRIPTS[key]
    form = script.flow(today=lambda: TODAY)
    assert len(script.steps) == len([slot for slot in form.SLOTS if slot != "rep_review"])
    for slot, step in zip(form.SLOTS, script.steps, strict=False):
        reading = check(form, slot, step.tapped or step.answer)
        assert not reading.error and reading.slots[slot] is not None, (slot, step)


@pytest.mark.parametrize("key", list(SCRIPTS))
async def test_the_demo_finale_is_the_flows_own_summary_of_the_sample_answers(key: str) -> None:
    script = SCRIPTS[key]
    finale = CollectingDispatcher()
    tracker = flow_tracker(
        None, None, "/demo_next", "demo_next", events=demo_events("action_demo_next"), demo_flow=key,
        demo_step=len(script.steps),
    )  # fmt: skip
    await ActionDemoNext(today=lambda: TODAY, editions=read_editions_file, saver=no_store).run(finale, tracker, {})
    real = CollectingDispatcher()
    await SUMMARIES[key].run(real, sample_tracker(script, TODAY), {})
    summary = next(m["text"] for m in real.messages if m.get("text"))
    assert summary in [m.get("text") for m in finale.messages]
    assert "Pemda" in summary or "TOSS" in summary or "skor" in summary


async def test_demo_replication_finale_sends_the_document() -> None:
    dispatcher = CollectingDispatcher()
    steps = len(SCRIPTS["replikasi"].steps)
    tracker = flow_tracker(
        None,
        None,
        "/demo_next",
        "demo_next",
        events=demo_events("action_demo_next"),
        demo_flow="replikasi",
        demo_step=steps,
    )
    await ActionDemoNext(today=lambda: TODAY, editions=read_editions_file, saver=no_store).run(dispatcher, tracker, {})
    assert any("document" in (m.get("custom") or {}) for m in dispatcher.messages)


async def test_a_question_typed_during_the_demo_does_not_end_it() -> None:
    dispatcher = CollectingDispatcher()
    tracker = flow_tracker(
        None,
        None,
        "/demo_next",
        "demo_next",
        events=demo_events("action_answer_question"),
        demo_flow="kesiapan",
        demo_step=2,
    )
    events = await ActionDemoNext(today=lambda: TODAY, editions=read_editions_file, saver=no_store).run(
        dispatcher, tracker, {}
    )
    assert events == [SlotSet("demo_step", 3.0)]
    assert "langkah 3/6" in texts(dispatcher)


async def test_lanjut_after_the_demo_was_closed_says_so() -> None:
    dispatcher = CollectingDispatcher()
    tracker = flow_tracker(None, None, "/demo_next", "demo_next", events=demo_events("action_cancel_flow"))
    events = await ActionDemoNext(editions=read_editions_file, saver=no_store).run(dispatcher, tracker, {})
    assert events == [SlotSet("demo_flow", None), SlotSet("demo_step", None)]
    assert "Mode demo sudah berakhir" in texts(dispatcher)


async def test_demo_is_deterministic() -> None:
    runs = []
    for _ in range(2):
        dispatcher = CollectingDispatcher()
        tracker = flow_tracker(
            None, None, "", "demo_next", events=demo_events("action_demo_next"), demo_flow="kesiapan", demo_step=5
        )
        await ActionDemoNext(today=lambda: TODAY, editions=read_editions_file, saver=no_store).run(
            dispatcher, tracker, {}
        )
        runs.append(dispatcher.messages)
    assert runs[0] == runs[1]


async def test_back_intent_reopens_the_previous_question_of_the_active_flow() -> None:
    dispatcher = CollectingDispatcher()
    tracker = flow_tracker("institutionalisation_form", "inst_sop", "kembali", "back", inst_performance="yes")
    events = await ActionBack().run(dispatcher, tracker, {})
    assert events == [SlotSet("inst_sop", None), SlotSet("inst_performance", None)]
    assert "sebelumnya" in texts(dispatcher)


async def test_back_outside_a_flow_says_there_is_no_flow() -> None:
    dispatcher = CollectingDispatcher()
    assert await ActionBack().run(dispatcher, flow_tracker(None, None, "kembali", "back"), {}) == []
    assert dispatcher.messages[0]["response"] == "utter_no_active_flow"
