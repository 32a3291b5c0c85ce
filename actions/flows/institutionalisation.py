"""Flow 3, cek pelembagaan: the form's validation and the checklist summary.

Triggered by institutionalisation_form (nlu/data/rules/flows.yml). Scoring lives in
actions/flows/institutionalisation_rules.py.
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.flows.answers import REGULATION_LABELS, parse_lever, parse_regulation
from actions.flows.base import FlowValidationAction, reading_validator
from actions.flows.documents import SummaryAction, SummaryFile, send_summary
from actions.flows.institutionalisation_rules import LEVERS, STATE_WORDS, assess, render_checklist

logger = logging.getLogger(__name__)

INSTITUTIONALISATION_SLOTS = tuple(lever.slot for lever in LEVERS)
# The summary is also sent as a .docx to keep or print.
SUMMARY_FILE = SummaryFile(
    "Cek Pelembagaan Inovasi", "cek-pelembagaan-inovasi.docx", "Hasil cek pelembagaan, untuk disimpan atau dicetak"
)
TEXT_LEVER = "Jawab «ya», «sebagian» (sedang diproses), «belum», atau «tidak tahu»; atau ketuk salah satu tombol."


class ValidateInstitutionalisationForm(FlowValidationAction):
    """Validate each answer of the institutionalisation checklist."""

    FORM = "institutionalisation_form"
    SLOTS = INSTITUTIONALISATION_SLOTS
    # Any lever may be skipped or left empty: it is then reported as unknown, never as missing.
    OPTIONAL: ClassVar[frozenset[str]] = frozenset(INSTITUTIONALISATION_SLOTS)
    MAY_LEAVE_EMPTY: ClassVar[frozenset[str]] = frozenset(INSTITUTIONALISATION_SLOTS)
    REASK: ClassVar[dict[str, str]] = {
        "inst_regulation": "Pilih: Perda, Perkada (Perbup/Perwali/Pergub), SK pimpinan, sedang disusun, "
        "atau belum ada.",
        **{slot: TEXT_LEVER for slot in INSTITUTIONALISATION_SLOTS[1:]},
    }

    def skipped_value(self, slot: str) -> Any:
        """Return "unknown": a skipped lever is not a missing one."""
        return "unknown"

    def empty_value(self, slot: str) -> Any:
        """Return "unknown" for a lever whose answers could not be read."""
        return "unknown"

    def name(self) -> str:
        """Return the action name used in the domain."""
        return "validate_institutionalisation_form"

    validate_inst_regulation = reading_validator(
        "inst_regulation", parse_regulation, "Accept Perda, Perkada, SK, a draft, or none.", REGULATION_LABELS
    )
    # The six levers after the legal basis are read alike; each keeps its own rasa-sdk hook.
    validate_inst_budget = reading_validator("inst_budget", parse_lever, "Accept the budget line state.", STATE_WORDS)
    validate_inst_performance = reading_validator(
        "inst_performance", parse_lever, "Accept the performance agreement state.", STATE_WORDS
    )
    validate_inst_sop = reading_validator("inst_sop", parse_lever, "Accept the state of the written SOP.", STATE_WORDS)
    validate_inst_team_sk = reading_validator(
        "inst_team_sk", parse_lever, "Accept the state of the team decree.", STATE_WORDS
    )
    validate_inst_community = reading_validator(
        "inst_community", parse_lever, "Accept the state of community support.", STATE_WORDS
    )
    validate_inst_replicated = reading_validator(
        "inst_replicated", parse_lever, "Accept whether others replicated the innovation.", STATE_WORDS
    )


def institutionalisation_states(tracker: Tracker) -> dict[str, str]:
    """Return each lever's answer from the tracker's slots ("unknown" where none was given)."""
    return {slot: str(tracker.get_slot(slot) or "unknown") for slot in INSTITUTIONALISATION_SLOTS}


class ActionInstitutionalisationSummary(SummaryAction):
    """Send the checklist score, gaps and recommendations (also as .docx), then clear the answers."""

    def name(self) -> str:
        """Return the action name used in the domain."""
        return "action_institutionalisation_summary"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        """Run when institutionalisation_form is complete."""
        checklist = assess(institutionalisation_states(tracker))
        text = render_checklist(checklist)
        await send_summary(dispatcher, tracker, text, SUMMARY_FILE, self._today(), self._saver)
        logger.info("institutionalisation checklist sent: score=%d", checklist.score)
        return [SlotSet(slot, None) for slot in INSTITUTIONALISATION_SLOTS]
