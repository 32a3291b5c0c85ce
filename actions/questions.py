"""Actions that answer questions from the knowledge base: free questions, chosen entries and topics.

Triggered by the question intents, follow-ups, nlu_fallback and out_of_scope (see
nlu/data/rules/questions.yml). Retrieval decides between answering with a citation, offering the top
candidates as buttons, and declining politely; every outcome is logged for the admins.
"""

from __future__ import annotations

import asyncio
import logging
import re
import unicodedata
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions._kb import resolve_kb
from actions.replies import entry_button, send_answer
from knowledge import TOPICS, Entry, Hints, KnowledgeBase, KnowledgeUnavailable, SearchResult

logger = logging.getLogger(__name__)

# Which knowledge-base topics each question intent points to (a nudge for retrieval, not a filter).
INTENT_TOPICS: dict[str, frozenset[str]] = {
    "ask_kipp": frozenset({"kipp", "sinovik", "unpsa", "klinik", "umum"}),
    "ask_replication": frozenset({"replikasi", "jipp"}),
    "ask_institutionalisation": frozenset({"pelembagaan"}),
    "ask_mpp": frozenset({"mpp"}),
}
# When the NLU calls a question out of scope, only a clear knowledge-base match overrides it.
OUT_OF_SCOPE_OVERRIDE = 0.55
# Runner-up entries this close to the answer are offered as "related" buttons under it.
RELATED_MARGIN = 0.05
# Retrieval reads the start of very long messages; officers paste whole documents sometimes.
MAX_QUERY_CHARS = 1000
LONG_MESSAGE_CHARS = 1500
# A follow-up is short: "dasar hukumnya apa?", "terus langkah pertamanya?".
FOLLOW_UP_MAX_WORDS = 6
ENGLISH_HINTS = frozenset({"what", "how", "who", "when", "which", "does", "is", "are", "the", "can", "why"})


def _is_readable(text: str) -> bool:
    """Return whether the text is mostly Latin letters or digits (Indonesian or English)."""
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return True
    latin = sum(1 for ch in letters if unicodedata.name(ch, "").startswith("LATIN"))
    return latin / len(letters) >= 0.6


def _is_english(text: str) -> bool:
    words = re.findall(r"[a-z]+", text.lower())
    return len(words) >= 3 and sum(word in ENGLISH_HINTS for word in words) >= 2


def _entity(tracker: Tracker, name: str) -> str | None:
    value = next(tracker.get_latest_entity_values(name), None)
    return str(value) if value is not None else None


class ActionAnswerQuestion(Action):
    """Answer the latest question from the knowledge base, or offer choices, or decline."""

    def __init__(self, kb: KnowledgeBase | None = None) -> None:
        self._kb = kb

    def name(self) -> str:
        """Return the action name used in the domain."""
        return "action_answer_question"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        """Run on every question intent, follow-up, nlu_fallback and out_of_scope message."""
        text = (tracker.latest_message.get("text") or "").strip()
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if not text or not any(ch.isalnum() for ch in text):
            dispatcher.utter_message(response="utter_not_understood")
            return []
        if not _is_readable(text):
            dispatcher.utter_message(response="utter_other_language")
            return []
        if len(text) > LONG_MESSAGE_CHARS:
            dispatcher.utter_message(response="utter_too_long")
        query = text[:MAX_QUERY_CHARS]
        kb = resolve_kb(self._kb)
        try:
            return await asyncio.to_thread(self._answer, kb, dispatcher, tracker, query, intent)
        except KnowledgeUnavailable:
            logger.exception("knowledge base unavailable")
            dispatcher.utter_message(response="utter_kb_unavailable")
            return []

    def _answer(
        self,
        kb: KnowledgeBase,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        query: str,
        intent: str | None,
    ) -> list[dict[str, Any]]:
        previous_id = tracker.get_slot("last_entry_id")
        previous = kb.entry(previous_id) if previous_id else None
        topic = _entity(tracker, "topic")
        topics = set(INTENT_TOPICS.get(intent or "", frozenset()))
        if topic in TOPICS:
            topics.add(topic)
        hints = Hints(
            topics=frozenset(topics),
            year=_entity(tracker, "year"),
            previous=previous,
            follow_up=intent == "ask_followup",
            may_follow_up=topic is None and len(query.split()) <= FOLLOW_UP_MAX_WORDS,
        )
        result = kb.search(query, hints)
        outcome = self._respond(dispatcher, result, intent, english=_is_english(query))
        best = result.best
        kb.log_question(
            sender_id=tracker.sender_id,
            text=query,
            intent=intent,
            outcome=outcome,
            entry=best.entry if best and outcome == "answered" else None,
            score=best.score if best else None,
        )
        logger.info("question intent=%s outcome=%s entry=%s", intent, outcome, best.entry.id if best else None)
        if outcome == "answered" and best:
            return [SlotSet("last_entry_id", best.entry.id), SlotSet("last_topic", best.entry.topic)]
        return []

    @staticmethod
    def _respond(dispatcher: CollectingDispatcher, result: SearchResult, intent: str | None, *, english: bool) -> str:
        best = result.best
        if best is None:
            dispatcher.utter_message(response="utter_out_of_scope")
            return "declined"
        if intent == "out_of_scope" and not (result.confident and best.score >= OUT_OF_SCOPE_OVERRIDE):
            dispatcher.utter_message(response="utter_out_of_scope")
            return "declined"
        if result.confident:
            send_answer(dispatcher, best.entry, english=english)
            related = [hit.entry for hit in result.hits[1:] if best.score - hit.score <= RELATED_MARGIN]
            if related:
                dispatcher.utter_message(response="utter_related", buttons=[entry_button(e) for e in related])
            return "answered"
        dispatcher.utter_message(response="utter_candidates", buttons=[entry_button(hit.entry) for hit in result.hits])
        return "ambiguous"


class ActionAnswerEntry(Action):
    """Answer the entry the user picked from candidate or topic buttons."""

    def __init__(self, kb: KnowledgeBase | None = None) -> None:
        self._kb = kb

    def name(self) -> str:
        """Return the action name used in the domain."""
        return "action_answer_entry"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        """Run when a `/choose_entry{"entry_id": ...}` button is tapped."""
        entry_id = _entity(tracker, "entry_id")
        kb = resolve_kb(self._kb)
        try:
            entry: Entry | None = await asyncio.to_thread(kb.entry, entry_id) if entry_id else None
        except KnowledgeUnavailable:
            logger.exception("knowledge base unavailable")
            dispatcher.utter_message(response="utter_kb_unavailable")
            return []
        if entry is None:
            # The entry was retired after the buttons were sent.
            dispatcher.utter_message(response="utter_not_understood")
            return []
        send_answer(dispatcher, entry)
        return [SlotSet("last_entry_id", entry.id), SlotSet("last_topic", entry.topic)]


class ActionShowTopic(Action):
    """List the questions of one topic as buttons."""

    MAX_BUTTONS = 8

    def __init__(self, kb: KnowledgeBase | None = None) -> None:
        self._kb = kb

    def name(self) -> str:
        """Return the action name used in the domain."""
        return "action_show_topic"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        """Run when a topic button (`/choose_topic{"topic": ...}`) is tapped."""
        topic = _entity(tracker, "topic")
        if topic not in TOPICS:
            dispatcher.utter_message(response="utter_menu")
            return []
        kb = resolve_kb(self._kb)
        try:
            entries = await asyncio.to_thread(kb.topic_entries, topic)
        except KnowledgeUnavailable:
            logger.exception("knowledge base unavailable")
            dispatcher.utter_message(response="utter_kb_unavailable")
            return []
        buttons = [entry_button(entry) for entry in entries[: self.MAX_BUTTONS]]
        dispatcher.utter_message(response="utter_topic_intro", topic_label=TOPICS[topic], buttons=buttons)
        return [SlotSet("last_topic", topic)]
