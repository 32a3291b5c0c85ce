"""Flow 3, cek pelembagaan: the form's validation and the checklist summary.

Triggered by institutionalisation_form (nlu/data/rules/flows.yml). Scoring lives in
actions/flows/institutionalisation_rules.py.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from typing import Any, ClassVar

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.flows.answers import LEVER_STATES, REGULATION_LABELS, REGULATION_STATES, parse_lever, parse_regulation
from actions.flows.base import FlowValidationAction, Outcome
from actions.flows.documents import Saver, send_document, summary_document
from actions.flows.institutionalisation_rules import LEVERS, STATE_WORDS, assess, render_checklist

logger = logging.getLogger(__name__)

INSTITUTIONALISATION_SLOTS = tuple(lever.slot for lever in LEVERS)
TEXT_LEVER = "Jawab «ya», «sebagian» (sedang diproses), «belum», atau «tidak tahu»; atau ketuk salah satu tombol."


class ValidateInstitutionalisationForm(FlowValidationAction):
    """Validate each answer of the institutionalisation checklist."""

    FORM = "institutionalisation_form"
    SLOTS = INSTITUTIONALISATION_SLOTS
    # Any lever may be skipped or left empty: it is then reported as unknown, never as missing.
    OPTIONAL: ClassVar[frozenset[str]] = frozenset(INSTITUTIONALISATION_SLOTS)
    MAY_LEAVE_EMPTY: ClassVar[frozenset[str]] = frozenset(INSTITUTIONALISATION_SLOTS)

    def skipped_value(self, slot: str) -> Any:
        """Return "unknown": a skipped lever is not a missing one."""
        return "unknown"

    def empty_value(self, slot: str) -> Any:
        """Return "unknown" for a lever whose answers could not be read."""
        return "unknown"

    def name(self) -> str:
        """Return the action name used in the domain."""
        return "validate_institutionalisation_form"

    def check_inst_regulation(self, value: Any, tracker: Tracker) -> Outcome:
        """Accept Perda, Perkada, SK, a draft, or none."""
        state = parse_regulation(str(value))
        if state is None:
            return Outcome.invalid(
                "Pilih: Perda, Perkada (Perbup/Perwali/Pergub), SK pimpinan, sedang disusun, atau belum ada."
            )
        typed = str(value).strip() not in REGULATION_STATES
        return Outcome.ok("inst_regulation", state, note=f"Tercatat: {REGULATION_LABELS[state]}." if typed else None)

    def _lever(self, slot: str, value: Any) -> Outcome:
        state = parse_lever(str(value))
        if state is None:
            return Outcome.invalid(TEXT_LEVER)
        # A typed answer is echoed as understood, so "tidak tahu" visibly becomes "belum diketahui", not "belum".
        typed = str(value).strip() not in LEVER_STATES
        return Outcome.ok(slot, state, note=f"Tercatat: {STATE_WORDS[state]}." if typed else None)

    def check_inst_budget(self, value: Any, tracker: Tracker) -> Outcome:
        """Accept yes, partial or no for the budget line."""
        return self._lever("inst_budget", value)

    def check_inst_performance(self, value: Any, tracker: Tracker) -> Outcome:
        """Accept yes, partial or no for the performance agreement."""
        return self._lever("inst_performance", value)

    def check_inst_sop(self, value: Any, tracker: Tracker) -> Outcome:
        """Accept yes, partial or no for the SOP."""
        return self._lever("inst_sop", value)

    def check_inst_team_sk(self, value: Any, tracker: Tracker) -> Outcome:
        """Accept yes, partial or no for the team decree."""
        return self._lever("inst_team_sk", value)

    def check_inst_community(self, value: Any, tracker: Tracker) -> Outcome:
        """Accept yes, partial or no for community support."""
        return self._lever("inst_community", value)

    def check_inst_replicated(self, value: Any, tracker: Tracker) -> Outcome:
        """Accept yes, partial or no for replication by others."""
        return self._lever("inst_replicated", value)


class ActionInstitutionalisationSummary(Action):
    """Send the checklist score, gaps and recommendations (also as .docx), then clear the answers."""

    def __init__(self, today: Callable[[], date] | None = None, saver: Saver | None = None) -> None:
        self._today = today or date.today
        self._saver = saver

    def name(self) -> str:
        """Return the action name used in the domain."""
        return "action_institutionalisation_summary"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        """Run when institutionalisation_form is complete."""
        states = {slot: str(tracker.get_slot(slot) or "unknown") for slot in INSTITUTIONALISATION_SLOTS}
        checklist = assess(states)
        text = render_checklist(checklist)
        dispatcher.utter_message(text=text)
        await send_document(
            dispatcher,
            tracker,
            filename="cek-pelembagaan-inovasi.docx",
            content=summary_document("Cek Pelembagaan Inovasi", text, self._today()),
            caption="Hasil cek pelembagaan, untuk disimpan atau dicetak",
            saver=self._saver,
        )
        logger.info("institutionalisation checklist sent: score=%d", checklist.score)
        return [SlotSet(slot, None) for slot in INSTITUTIONALISATION_SLOTS]
