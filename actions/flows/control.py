"""Starting and cancelling the guided flows.

Triggered by the start intents (buttons, Telegram commands, plain requests) and by "batal"
(nlu/data/rules/flows.yml). Both clear every flow's answers, so a flow always starts from its first question.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.flows.base import FLOW_TITLES
from actions.questions import ActionAnswerQuestion
from knowledge import KnowledgeBase, asks_something, asks_wh

logger = logging.getLogger(__name__)

FLOW_SLOTS: tuple[str, ...] = (
    "agency_type", "innovation_start", "kipp_history", "adapts_top", "documents", "documents_draft",
    "rep_agency", "rep_review", "rep_problem", "rep_innovation", "rep_origin", "rep_modification", "rep_team",
    "rep_lead", "rep_budget", "rep_timeline", "rep_indicators", "rep_study_visit",
    "inst_regulation", "inst_budget", "inst_performance", "inst_sop", "inst_team_sk", "inst_community",
    "inst_replicated", "flow_retries",
)  # fmt: skip
CONTROLS_HINT = (
    "Ketik «kembali» untuk mengubah jawaban sebelumnya atau «batal» untuk berhenti. "
    "Boleh juga bertanya di tengah jalan."
)
INTROS = {
    "start_readiness_check": "🧭 Cek kesiapan KIPP: 5 pertanyaan singkat tentang inovasi Anda, lalu ringkasan kelompok "
    "yang cocok, yang masih kurang, dan langkah berikutnya.",
    "start_replication_plan": "🔁 Rencana aksi replikasi dengan prinsip ATM (Amati, Tiru, Modifikasi): 11 pertanyaan, "
    "lalu Anda memeriksa semua jawaban sebelum draf rencana aksi dibuat sebagai dokumen .docx.",
    "start_institutionalisation_check": "🏛 Cek pelembagaan: 7 pertanyaan tentang pengungkit keberlanjutan inovasi, "
    "lalu skor, celah, dan rekomendasi.",
}
FLOW_BUTTONS = [{"title": FLOW_TITLES[intent], "payload": f"/{intent}"} for intent in INTROS]


def reset_events() -> list[dict[str, Any]]:
    """Return the events that clear every flow's answers and the requested slot."""
    return [SlotSet(slot, None) for slot in (*FLOW_SLOTS, "requested_slot")]


class ActionStartFlow(Action):
    """Introduce the requested flow and clear old answers; its form then asks the first question."""

    def name(self) -> str:
        """Return the action name used in the domain."""
        return "action_start_flow"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        """Run on start_readiness_check, start_replication_plan or start_institutionalisation_check."""
        intent = (tracker.latest_message.get("intent") or {}).get("name") or ""
        intro = INTROS.get(intent)
        if intro:
            dispatcher.utter_message(text=f"{intro}\n{CONTROLS_HINT}")
        logger.info("flow started: %s", intent)
        return [ActiveLoop(None), *reset_events(), SlotSet("demo_flow", None), SlotSet("demo_step", None)]


class ActionCancelFlow(Action):
    """Stop the active flow (or the demo) and forget its answers."""

    def __init__(self, kb: KnowledgeBase | None = None) -> None:
        self._kb = kb  # for a question the NLU took for "batal"; None: the configured knowledge base

    def name(self) -> str:
        """Return the action name used in the domain."""
        return "action_cancel_flow"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        """Run on "batal" inside a flow, and outside one (then there is nothing to cancel)."""
        active = (tracker.active_loop or {}).get("name")
        if active:
            dispatcher.utter_message(
                text="Baik, alur dibatalkan dan jawaban Anda tidak disimpan. Mau mulai alur lain, atau bertanya saja?",
                buttons=FLOW_BUTTONS,
            )
            logger.info("flow cancelled: %s", active)
            return [ActiveLoop(None), *reset_events()]
        if tracker.get_slot("demo_flow"):
            dispatcher.utter_message(text="Mode demo ditutup.", buttons=FLOW_BUTTONS)
            return [SlotSet("demo_flow", None), SlotSet("demo_step", None)]
        # With nothing to cancel, a question the NLU took for "batal" ("trus stlh rencana aksinya jadi?") is
        # answered as a question.
        # Short ones too when they have a question word: "kpn keluar?" asks when something is out, not to leave.
        text = tracker.latest_message.get("text") or ""
        words = len(text.split())
        if (words >= 3 and asks_something(text)) or (words == 2 and asks_wh(text)):
            return await ActionAnswerQuestion(kb=self._kb).run(dispatcher, tracker, domain)
        dispatcher.utter_message(response="utter_no_active_flow")
        return []
