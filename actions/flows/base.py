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
    MENU_INTENTS,
    UNSURE_INTENTS,
    is_back_phrase,
    is_cancel_phrase,
    is_payload,
    looks_like_question,
)

logger = logging.getLogger(__name__)

# Free text longer than this is an answer even if the classifier heard "batal" or a flow request in it.
MAX_CONTROL_WORDS = 8
TEXT_BACK = "Baik, kembali ke pertanyaan sebelumnya."
TEXT_FIRST_STEP = "Ini pertanyaan pertama, jadi belum ada langkah sebelumnya. Ketik «batal» untuk berhenti."
TEXT_USE_BUTTONS = "Pertanyaan ini masih menunggu jawaban Anda. Jawab di bawah ini, atau ketik «batal» untuk berhenti."


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

        if tapped is None and short and (intent in LEAVE_INTENTS or (intent == "deny" and is_cancel_phrase(text))):
            logger.info("flow %s: leaving on intent %s", self.FORM, intent)
            return []
        if tapped is None and intent in MENU_INTENTS and (short or is_payload(text)):
            return []
        if tapped is None and short and (intent == "back" or is_back_phrase(text)):
            return self._go_back(dispatcher, requested)
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
            dispatcher.utter_message(text=outcome.error)
            return [SlotSet(requested, None)]
        if outcome.note:
            dispatcher.utter_message(text=outcome.note)
        return [SlotSet(slot, value) for slot, value in outcome.slots.items()]

    def _go_back(self, dispatcher: CollectingDispatcher, requested: str) -> list[dict[str, Any]]:
        return go_back(dispatcher, self.SLOTS, self.COMPANIONS, requested)


def go_back(
    dispatcher: CollectingDispatcher, slots: tuple[str, ...], companions: dict[str, tuple[str, ...]], requested: str
) -> list[dict[str, Any]]:
    """Return the events that reopen the question before `requested` (the form then asks it again)."""
    index = slots.index(requested)
    cleared = [requested, *companions.get(requested, ())]
    if index == 0:
        dispatcher.utter_message(text=TEXT_FIRST_STEP)
        return [SlotSet(slot, None) for slot in cleared]
    previous = slots[index - 1]
    cleared += [previous, *companions.get(previous, ())]
    dispatcher.utter_message(text=TEXT_BACK)
    return [SlotSet(slot, None) for slot in dict.fromkeys(cleared)]
