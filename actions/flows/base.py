"""The validation action every flow form shares: answers, re-asks, "kembali", and when to let go of a turn.

Rasa runs `validate_<form>` on every message while a form is active. Returning no slot events rejects the
turn, and a rule with `condition: active_loop` takes over: a question is answered and the form resumes,
"batal" cancels, another flow or the demo starts. Everything else (answers, invalid answers, "kembali")
stays inside the form, so the rules never need to know what an answer looks like.
"""

from __future__ import annotations

import logging
from abc import abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, ClassVar

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions.flows.answers import (
    DIGRESSION_INTENTS,
    LEAVE_INTENTS,
    LEFT_EMPTY,
    MENU_INTENTS,
    SKIPPED,
    UNSURE_INTENTS,
    describe_answer,
    is_back_phrase,
    is_cancel_phrase,
    is_payload,
    is_skip_phrase,
    looks_like_question,
)

logger = logging.getLogger(__name__)

# Free text longer than this is an answer even if the classifier heard "batal" or a flow request in it.
MAX_CONTROL_WORDS = 8
TEXT_BACK = "Baik, kembali ke pertanyaan sebelumnya."
TEXT_FIRST_STEP = "Ini pertanyaan pertama, jadi belum ada langkah sebelumnya. Ketik «batal» untuk berhenti."
TEXT_USE_BUTTONS = "Pertanyaan ini masih menunggu jawaban Anda. Jawab di bawah ini, atau ketik «batal» untuk berhenti."
TEXT_SKIPPED = "Baik, pertanyaan ini dilewati dan ditandai di ringkasan."
TEXT_NOT_SKIPPABLE = "Pertanyaan ini perlu dijawab untuk hasilnya, jadi tidak bisa dilewati."
TEXT_LEFT_EMPTY = (
    "Jawabannya belum bisa saya baca, jadi pertanyaan ini saya kosongkan dulu dan saya tandai «belum diisi». "
    "Ketik «kembali» bila ingin mengisinya sekarang."
)
# An unusable answer is re-asked (with an example) at most this many times; then an optional step is left empty.
MAX_REASKS = 2
FLOW_TITLES = {
    "start_readiness_check": "Cek kesiapan KIPP",
    "start_replication_plan": "Rencana aksi replikasi",
    "start_institutionalisation_check": "Cek pelembagaan",
    "start_demo": "Mode demo",
}
# The confirmation question carries this phrase, so the next turn can tell that the officer was asked already.
SWITCH_MARK = "jawaban yang sudah diisi akan dibuang"


@dataclass(frozen=True)
class Outcome:
    """What one answer does: the slots it sets, or the reason it is re-asked."""

    slots: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    note: str | None = None

    @classmethod
    def ok(cls, slot: str, value: Any, note: str | None = None, **more: Any) -> Outcome:
        """Return an accepted answer for `slot` (and any companion slots)."""
        return cls(slots={slot: value, **more}, note=note)

    @classmethod
    def invalid(cls, error: str) -> Outcome:
        """Return a rejected answer with the message that explains what is expected."""
        return cls(error=error)


class FlowValidationAction(FormValidationAction):
    """Fill the requested slot of one flow form from a tap or typed text, or hand the turn to the rules."""

    FORM: ClassVar[str]
    SLOTS: ClassVar[tuple[str, ...]]
    # Slots whose answer is any sentence: only a clear question or a short control message is not an answer.
    FREE_TEXT: ClassVar[frozenset[str]] = frozenset()
    # Helper slots cleared whenever the officer goes back past the slot they belong to.
    COMPANIONS: ClassVar[dict[str, tuple[str, ...]]] = {}
    # Steps that "lewati"/"skip" may skip, and the value kept for a skipped step (never the word typed).
    OPTIONAL: ClassVar[frozenset[str]] = frozenset()
    # Steps whose unreadable answer is left empty (and marked) after MAX_REASKS re-asks.
    MAY_LEAVE_EMPTY: ClassVar[frozenset[str]] = frozenset()

    def skipped_value(self, slot: str) -> Any:
        """Return what a skipped step stores: a marker the summaries show as «dilewati»."""
        return SKIPPED

    def empty_value(self, slot: str) -> Any:
        """Return what a step left empty after repeated unusable answers stores."""
        return LEFT_EMPTY

    def __init__(self, today: Callable[[], date] | None = None) -> None:
        self._today = today or date.today

    @abstractmethod
    def name(self) -> str:
        """Return the validation action name Rasa calls for the form: `validate_<form>`."""

    def check(self, slot: str, value: Any, tracker: Tracker) -> Outcome:
        """Return what an answer for `slot` does; flows implement `check_<slot>`."""
        method: Callable[[Any, Tracker], Outcome] = getattr(self, f"check_{slot}")
        return method(value, tracker)

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        """Run on every message while the form is active (and once when it starts)."""
        requested = tracker.get_slot("requested_slot")
        if requested not in self.SLOTS:
            return []  # the form is starting: nothing was asked yet
        message = tracker.latest_message or {}
        intent = (message.get("intent") or {}).get("name") or ""
        text = str(message.get("text") or "")
        tapped = next((e.get("value") for e in message.get("entities") or [] if e.get("entity") == requested), None)
        free = requested in self.FREE_TEXT
        short = len(text.split()) <= MAX_CONTROL_WORDS or not free

        if tapped is None and short and intent in FLOW_TITLES and not self._may_leave(tracker, intent):
            return self._confirm_switch(dispatcher, tracker, requested, intent)
        if tapped is None and short and (intent in LEAVE_INTENTS or (intent == "deny" and is_cancel_phrase(text))):
            logger.info("flow %s: leaving on intent %s", self.FORM, intent)
            return []
        if tapped is None and intent in MENU_INTENTS and (short or is_payload(text)):
            return []
        if tapped is None and short and (intent == "back" or is_back_phrase(text)):
            if _ran_since_user(tracker, "action_back"):
                return [SlotSet(requested, None)]  # Rasa's back rule already went back (and said so) this turn
            return go_back(dispatcher, tracker, self.SLOTS, self.COMPANIONS, requested)
        if is_skip_phrase(str(tapped if tapped is not None else text)):
            if requested not in self.OPTIONAL:
                dispatcher.utter_message(text=TEXT_NOT_SKIPPABLE)
                return [SlotSet(requested, None)]
            dispatcher.utter_message(text=TEXT_SKIPPED)
            return [SlotSet(requested, self.skipped_value(requested)), *_reset_retries(tracker)]
        if tapped is None and free and intent in DIGRESSION_INTENTS and looks_like_question(text):
            logger.info("flow %s: question while asking %s", self.FORM, requested)
            return []
        if tapped is None and is_payload(text):
            dispatcher.utter_message(text=TEXT_USE_BUTTONS)
            return [SlotSet(requested, None)]

        outcome = self.check(requested, tapped if tapped is not None else text, tracker)
        if outcome.error is not None:
            # An unreadable answer is a question only if the classifier says so with some confidence, or the
            # message is phrased as one; garbled text (nlu_fallback) is simply re-asked.
            unsure = intent in UNSURE_INTENTS and not looks_like_question(text)
            if tapped is None and not free and intent in DIGRESSION_INTENTS and not unsure:
                logger.info("flow %s: question while asking %s", self.FORM, requested)
                return []
            return self._reask(dispatcher, tracker, requested, outcome.error)
        if outcome.note:
            dispatcher.utter_message(text=outcome.note)
        return [*(SlotSet(slot, value) for slot, value in outcome.slots.items()), *_reset_retries(tracker)]

    def _reask(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, requested: str, error: str
    ) -> list[dict[str, Any]]:
        """Re-ask with the example; after MAX_REASKS re-asks leave an optional-enough step empty and marked."""
        retries = int(tracker.get_slot("flow_retries") or 0) + 1
        if retries > MAX_REASKS and requested in self.MAY_LEAVE_EMPTY:
            logger.info("flow %s: %s left empty after %d unusable answers", self.FORM, requested, retries)
            dispatcher.utter_message(text=TEXT_LEFT_EMPTY)
            return [SlotSet(requested, self.empty_value(requested)), *_reset_retries(tracker)]
        dispatcher.utter_message(text=error)
        return [SlotSet(requested, None), SlotSet("flow_retries", float(retries))]

    def _may_leave(self, tracker: Tracker, intent: str) -> bool:
        """Return whether a request for another flow may discard this one: nothing answered, or confirmed."""
        answered = any(tracker.get_slot(slot) is not None for slot in self.SLOTS)
        return not answered or any(SWITCH_MARK in text for text in _bot_texts_since_previous_user(tracker))

    def _confirm_switch(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, requested: str, intent: str
    ) -> list[dict[str, Any]]:
        answered = sum(tracker.get_slot(slot) is not None for slot in self.SLOTS)
        dispatcher.utter_message(
            text=f"Anda sedang mengisi alur ini ({answered} jawaban). Bila mulai «{FLOW_TITLES[intent]}», "
            f"{SWITCH_MARK}. Ketuk «Ya, mulai» untuk pindah, atau jawab pertanyaan di bawah untuk melanjutkan.",
            buttons=[{"title": f"Ya, mulai {FLOW_TITLES[intent]}", "payload": f"/{intent}"}],
        )
        logger.info("flow %s: asked before leaving for %s", self.FORM, intent)
        return [SlotSet(requested, None)]


def _reset_retries(tracker: Tracker) -> list[dict[str, Any]]:
    """Return the event that clears the re-ask count, if there is one to clear."""
    return [SlotSet("flow_retries", None)] if tracker.get_slot("flow_retries") else []


def _events_since_user(tracker: Tracker) -> list[dict[str, Any]]:
    events = list(tracker.events)
    for index in range(len(events) - 1, -1, -1):
        if events[index].get("event") == "user":
            return events[index + 1 :]
    return []


def _ran_since_user(tracker: Tracker, action: str) -> bool:
    """Return whether `action` already ran after the latest user message."""
    return any(e.get("event") == "action" and e.get("name") == action for e in _events_since_user(tracker))


def _bot_texts_since_previous_user(tracker: Tracker) -> list[str]:
    """Return what the bot said between the previous user message and the latest one."""
    users = [i for i, e in enumerate(tracker.events) if e.get("event") == "user"]
    if len(users) < 2:
        return []
    window = tracker.events[users[-2] + 1 : users[-1]]
    return [str(e.get("text") or "") for e in window if e.get("event") == "bot"]


def go_back(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    slots: tuple[str, ...],
    companions: dict[str, tuple[str, ...]],
    requested: str,
) -> list[dict[str, Any]]:
    """Return the events that reopen the question before `requested` (the form then asks it again).

    The reply names the earlier answer being reopened, once: Rasa's `back` rule and the form's own check
    both see "kembali", and only the first of them acts.
    """
    index = slots.index(requested)
    cleared = [requested, *companions.get(requested, ())]
    if tracker.get_slot("flow_retries"):
        cleared.append("flow_retries")
    if index == 0:
        dispatcher.utter_message(text=TEXT_FIRST_STEP)
        return [SlotSet(slot, None) for slot in cleared]
    previous = slots[index - 1]
    cleared += [previous, *companions.get(previous, ())]
    earlier = tracker.get_slot(previous)
    shown = f" Jawaban Anda tadi: «{describe_answer(previous, earlier)}»." if earlier is not None else ""
    dispatcher.utter_message(text=TEXT_BACK + shown)
    return [SlotSet(slot, None) for slot in dict.fromkeys(cleared)]
