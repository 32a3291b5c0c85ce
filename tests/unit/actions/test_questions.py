"""Question actions with a real Tracker, a CollectingDispatcher and a real (SQLite) knowledge base."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.questions import ActionAnswerEntry, ActionAnswerQuestion, ActionShowTopic
from knowledge import KnowledgeBase, KnowledgeUnavailable, ensure_seeded, queries

TRACKERS = Path(__file__).resolve().parents[2] / "fixtures" / "trackers"


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    url = f"sqlite:///{tmp_path_factory.mktemp('actions') / 'kb.db'}"
    ensure_seeded(url)
    return KnowledgeBase(url, refresh_seconds=0)


def tracker(text: str, intent: str = "ask_kipp", entities: list[dict[str, Any]] | None = None, **slots: Any) -> Tracker:
    state = json.loads((TRACKERS / "question_on_jipp.json").read_text())
    state["latest_message"] = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": entities or []}
    state["slots"].update(slots)
    return Tracker.from_dict(state)


def texts(dispatcher: CollectingDispatcher) -> str:
    return "\n".join(m["text"] for m in dispatcher.messages if m.get("text"))


async def test_question_from_scenario_file_is_answered_with_citation(kb) -> None:
    dispatcher = CollectingDispatcher()
    state = Tracker.from_dict(json.loads((TRACKERS / "question_on_jipp.json").read_text()))
    events = await ActionAnswerQuestion(kb=kb).run(dispatcher, state, {})
    reply = texts(dispatcher)
    assert "Jaringan Inovasi Pelayanan Publik" in reply
    assert reply.splitlines()[-1].startswith("Sumber:")
    entry_id = events[0]["value"]
    assert events == [SlotSet("last_entry_id", entry_id), SlotSet("last_topic", "jipp")]
    assert dispatcher.messages[-1]["custom"]["kb_answer"]["entry_id"] == entry_id


async def test_follow_up_is_answered_about_the_previous_subject(kb) -> None:
    first = CollectingDispatcher()
    events = await ActionAnswerQuestion(kb=kb).run(first, tracker("apa itu JIPP?", "ask_replication"), {})
    follow_up = CollectingDispatcher()
    await ActionAnswerQuestion(kb=kb).run(
        follow_up, tracker("dasar hukumnya apa?", "ask_followup", last_entry_id=events[0]["value"]), {}
    )
    assert "89/2020" in texts(follow_up)


async def test_out_of_scope_question_is_declined_and_logged(kb) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionAnswerQuestion(kb=kb).run(
        dispatcher, tracker("berapa gaji pns golongan 3a", "out_of_scope"), {}
    )
    assert events == []
    assert dispatcher.messages[0]["response"] == "utter_out_of_scope"
    assert kb.writer.flush(timeout=30)  # question logging happens off the answer path
    declined = kb.run(lambda session: queries.logged_questions(session, outcome="declined"))
    assert any("gaji" in row.text for row in declined)


async def test_unclear_question_offers_candidates_as_buttons(kb) -> None:
    dispatcher = CollectingDispatcher()
    await ActionAnswerQuestion(kb=kb).run(dispatcher, tracker("inovasi", "nlu_fallback"), {})
    message = dispatcher.messages[0]
    if message.get("response") == "utter_candidates":
        assert 1 <= len(message["buttons"]) <= 3
        assert all(b["payload"].startswith('/choose_entry{"entry_id":') for b in message["buttons"])
        assert all(len(b["payload"].encode()) <= 64 for b in message["buttons"])
    else:  # a one-word question may also be clear enough to answer, but never without a source
        assert "Sumber:" in texts(dispatcher)


@pytest.mark.parametrize(
    ("text", "response"),
    [
        ("   ", "utter_not_understood"),
        ("😀😀🎉", "utter_not_understood"),
        ("创新公共服务竞赛是什么", "utter_other_language"),
    ],
)
async def test_input_without_a_question_gets_a_clear_reply(kb, text: str, response: str) -> None:
    dispatcher = CollectingDispatcher()
    assert await ActionAnswerQuestion(kb=kb).run(dispatcher, tracker(text, "nlu_fallback"), {}) == []
    assert dispatcher.messages[0]["response"] == response


async def test_very_long_message_is_read_from_its_start(kb) -> None:
    dispatcher = CollectingDispatcher()
    text = "apa saja kriteria inovasi kipp? " + "lorem ipsum " * 500
    await ActionAnswerQuestion(kb=kb).run(dispatcher, tracker(text), {})
    assert dispatcher.messages[0]["response"] == "utter_too_long"
    assert len(dispatcher.messages) >= 2


class UnreachableKnowledgeBase(KnowledgeBase):
    """A knowledge base whose database cannot be reached."""

    def index(self):  # type: ignore[no-untyped-def]
        raise KnowledgeUnavailable("database down")


async def test_knowledge_base_down_gives_apology(tmp_path: Path) -> None:
    dispatcher = CollectingDispatcher()
    broken = UnreachableKnowledgeBase(f"sqlite:///{tmp_path / 'kb.db'}")
    assert await ActionAnswerQuestion(kb=broken).run(dispatcher, tracker("apa itu kipp"), {}) == []
    assert [m["response"] for m in dispatcher.messages] == ["utter_kb_unavailable"]


async def test_chosen_entry_is_answered_by_id(kb) -> None:
    entry = kb.index().entries[0]
    dispatcher = CollectingDispatcher()
    payload_entities = [{"entity": "entry_id", "value": entry.id}]
    events = await ActionAnswerEntry(kb=kb).run(dispatcher, tracker("", "choose_entry", payload_entities), {})
    assert texts(dispatcher).startswith(entry.answer.strip()[:40])
    assert events[0] == SlotSet("last_entry_id", entry.id)


async def test_retired_chosen_entry_is_not_answered(kb) -> None:
    dispatcher = CollectingDispatcher()
    entities = [{"entity": "entry_id", "value": "no-such-entry"}]
    await ActionAnswerEntry(kb=kb).run(dispatcher, tracker("", "choose_entry", entities), {})
    assert dispatcher.messages[0]["response"] == "utter_not_understood"


async def test_topic_button_lists_that_topics_questions(kb) -> None:
    dispatcher = CollectingDispatcher()
    entities = [{"entity": "topic", "value": "replikasi"}]
    await ActionShowTopic(kb=kb).run(dispatcher, tracker("", "choose_topic", entities), {})
    message = dispatcher.messages[0]
    assert message["response"] == "utter_topic_intro"
    ids = [json.loads(b["payload"].removeprefix("/choose_entry"))["entry_id"] for b in message["buttons"]]
    assert ids and all(kb.entry(i).topic == "replikasi" for i in ids)
