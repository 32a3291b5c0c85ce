"""The validation action every flow form shares: rasa-sdk's extract-then-validate, plus the moves that are no answer.

Rasa runs `validate_<form>` on every message while a form is active. Each flow's slots have a custom
mapping (nlu/domain/flows.yml), so nothing is filled before the form runs; here, in rasa-sdk's order:

1. the moves that answer no question (`move`): "kembali", "lewati", a request for another flow, a stale
   button, and the messages the rules handle ("batal", another flow, a question, a menu button);
2. extraction (`get_extraction_events`): the tap or the typed text becomes the candidate for the slot
   asked, unless it is an unreadable answer to a choice question that is really a question;
3. validation (`validate_<slot>` on each flow): parse, echo how it was read, re-ask, leave empty.

Extracting nothing rejects the turn, and a rule with `condition: active_loop` takes over: a question is
answered and the form resumes, "batal" cancels, another flow or the demo starts. Everything else (answers,
invalid answers, "kembali", "lewati") stays inside the form, so the rules never need to know what an
answer looks like.
"""

from __future__ import annotations

import logging
from abc import abstractmethod
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import Any, ClassVar, Protocol, TypeVar

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT, FormValidationAction
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
from actions.flows.dates import DateError

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
# What a `validate_<slot>` method returns, as rasa-sdk expects: slot name -> value (None re-asks the slot).
Slots = dict[str, Any]
# The confirmation question carries this phrase, so the next turn can tell that the officer was asked already.
SWITCH_MARK = "jawaban yang sudah diisi akan dibuang"


class _SlotForm(Protocol):
    """A reading with a form to keep in its slot (`StartDate`, `Timeline`)."""

    def to_slot(self) -> Any: ...


# What a date question reads: a start date or a schedule.
Dated = TypeVar("Dated", bound=_SlotForm)


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
    # What is said when an answer cannot be read: what is expected, with an example.
    REASK: ClassVar[dict[str, str]] = {}

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

    def domain_slots(self, domain: DomainDict) -> list[str]:
        """Return the form's questions in order (the same list as its `required_slots` in the domain)."""
        return list(self.SLOTS)

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        """Run on every message while the form is active (and once when it starts).

        Why `run` is overridden at all: the moves decided first change slots other than the one asked (going
        back clears the previous answer, its helper slots and the re-ask count) or set the one asked without
        reading it (a skipped step, a stale button), while rasa-sdk keeps only the form's own slots from
        extraction and passes each through `validate_<slot>`; and when the form starts, rasa-sdk would
        validate the slots action_start_flow cleared (None) as if they were answers. Everything that is an
        answer goes the rasa-sdk way: `get_extraction_events`, then the flow's `validate_<slot>`.
        """
        requested = tracker.get_slot(REQUESTED_SLOT)
        if requested not in self.SLOTS:
            # The form is starting: nothing was asked yet. The slots action_start_flow just cleared come along
            # as candidates, and clearing them is not an answer to validate.
            return []
        moved = self.move(dispatcher, tracker, requested)
        if moved is not None:
            return moved
        return await super().run(dispatcher, tracker, domain)

    def move(self, dispatcher: CollectingDispatcher, tracker: Tracker, requested: str) -> list[dict[str, Any]] | None:
        """Return the events of a message that answers no question ([] hands it to the rules), or None."""
        message = tracker.latest_message or {}
        intent = (message.get("intent") or {}).get("name") or ""
        text = str(message.get("text") or "")
        tapped = _tapped(tracker, requested)
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
        return None

    async def get_extraction_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        """Return the tap or the typed text as the candidate for the slot asked (rasa-sdk then validates it).

        One reading serves every question, so this replaces rasa-sdk's `extract_<slot>` per slot. An
        unreadable answer to a choice question is a question if the classifier says so with some confidence,
        or the message is phrased as one: then nothing is extracted and the rules answer it. Garbled text
        (nlu_fallback) is extracted, so its validator re-asks.
        """
        requested = tracker.get_slot(REQUESTED_SLOT)
        if requested not in self.SLOTS:
            return []
        message = tracker.latest_message or {}
        intent = (message.get("intent") or {}).get("name") or ""
        text = str(message.get("text") or "")
        tapped = _tapped(tracker, requested)
        if tapped is not None:
            return [SlotSet(requested, tapped)]
        unsure = intent in UNSURE_INTENTS and not looks_like_question(text)
        may_be_question = requested not in self.FREE_TEXT and intent in DIGRESSION_INTENTS and not unsure
        if may_be_question and not self.reads(requested, text, tracker, domain):
            logger.info("flow %s: question while asking %s", self.FORM, requested)
            return []
        return [SlotSet(requested, text)]

    def reads(self, slot: str, text: str, tracker: Tracker, domain: DomainDict) -> bool:
        """Return whether `slot`'s own validator takes `text` (a dry run: nothing is said, no re-ask counted)."""
        dry = tracker.copy()
        dry.slots["flow_retries"] = None
        validator: Callable[..., Slots] = getattr(self, f"validate_{slot}")
        # Only a re-ask counts a retry: on a tracker without one, a count in the result means "unreadable".
        return validator(text, CollectingDispatcher(), dry, domain).get("flow_retries") is None

    def accept(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, slots: dict[str, Any], note: str | None = None
    ) -> Slots:
        """Return an accepted answer (its slot and any companion slots), saying `note` if given."""
        if note:
            dispatcher.utter_message(text=note)
        return {**slots, **({"flow_retries": None} if tracker.get_slot("flow_retries") else {})}

    def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, slot: str, value: Any, note: str | None = None
    ) -> Slots:
        """Return `value` read from an answer for `slot`, or re-ask when nothing could be read (None)."""
        if value is None:
            return self.reask(dispatcher, tracker, slot)
        return self.accept(dispatcher, tracker, {slot: value}, note)

    def reask(self, dispatcher: CollectingDispatcher, tracker: Tracker, slot: str, error: str | None = None) -> Slots:
        """Re-ask with `error` (else REASK[slot]); after MAX_REASKS re-asks leave an optional step empty and marked."""
        retries = int(tracker.get_slot("flow_retries") or 0) + 1
        if retries > MAX_REASKS and slot in self.MAY_LEAVE_EMPTY:
            logger.info("flow %s: %s left empty after %d unusable answers", self.FORM, slot, retries)
            dispatcher.utter_message(text=TEXT_LEFT_EMPTY)
            return {slot: self.empty_value(slot), "flow_retries": None}
        dispatcher.utter_message(text=error or self.REASK[slot])
        return {slot: None, "flow_retries": float(retries)}

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


def was_typed(value: Any, buttons: Iterable[str]) -> bool:
    """Return whether an answer was typed, not tapped (a button sends one of `buttons`): typed ones are echoed."""
    return str(value).strip() not in buttons


def reading_validator(
    slot: str, read: Callable[[str], str | None], doc: str, words: Mapping[str, str] | None = None
) -> Callable[..., Slots]:
    """Return rasa-sdk's `validate_<slot>` method for a question answered by what `read` makes of it (None: re-ask).

    For a choice question `read` gives a key of `words`: a button sends the key itself, and a typed answer is
    echoed with its words ("Tercatat: Pemda."), so the officer sees how it was understood.
    """

    def validate(
        self: FlowValidationAction, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        key = read(str(value))
        note = f"Tercatat: {words[key]}." if words and key is not None and was_typed(value, words) else None
        return self.answer(dispatcher, tracker, slot, key, note)

    return _named(validate, slot, doc)


def dated_validator(
    slot: str, parse: Callable[[str, date], Dated], errors: Mapping[str, str], words: Callable[[Dated], str], doc: str
) -> Callable[..., Slots]:
    """Return rasa-sdk's `validate_<slot>` method for a date or schedule that `parse` reads against today.

    An answer `parse` refuses (`DateError`) is re-asked with `errors[reason]` (`errors["unparsed"]` for a reason
    without its own message); a reading is kept in its slot form and echoed as `words` ("Tercatat: ...").
    """

    def validate(
        self: FlowValidationAction, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        try:
            reading = parse(str(value), self._today())
        except DateError as error:
            return self.reask(dispatcher, tracker, slot, errors.get(error.reason, errors["unparsed"]))
        return self.accept(dispatcher, tracker, {slot: reading.to_slot()}, f"Tercatat: {words(reading)}.")

    return _named(validate, slot, doc)


def validator_of(slot: str, shared: str, doc: str) -> Callable[..., Slots]:
    """Return rasa-sdk's `validate_<slot>` method for a question read like others, by the flow's method `shared`."""

    def validate(
        self: FlowValidationAction, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        reader: Callable[[str, Any, CollectingDispatcher, Tracker], Slots] = getattr(self, shared)
        return reader(slot, value, dispatcher, tracker)

    return _named(validate, slot, doc)


def _named(validate: Callable[..., Slots], slot: str, doc: str) -> Callable[..., Slots]:
    """Name a made validator `validate_<slot>` (rasa-sdk finds validators by name) and give it its docstring."""
    validate.__name__ = validate.__qualname__ = f"validate_{slot}"
    validate.__doc__ = doc
    return validate


def _tapped(tracker: Tracker, requested: str) -> Any:
    """Return the value of a button tapped for the question asked (its payload's entity), or None."""
    entities = (tracker.latest_message or {}).get("entities") or []
    return next((e.get("value") for e in entities if e.get("entity") == requested), None)


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
