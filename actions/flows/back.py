"""Our `action_back`: "kembali" goes back one question in a flow.

`back` is one of Rasa's default intents, and its default rule runs `action_back` before any form, even
mid-flow. Rasa's own `action_back` silently undoes the last user message; this custom action of the same
name replaces it, reopens the previous question of the active flow, and lets the form ask it again.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.flows.base import FlowValidationAction, go_back
from actions.flows.institutionalisation import ValidateInstitutionalisationForm
from actions.flows.readiness import ValidateReadinessForm
from actions.flows.replication import ValidateReplicationForm

logger = logging.getLogger(__name__)

FORMS: dict[str, type[FlowValidationAction]] = {
    flow.FORM: flow for flow in (ValidateReadinessForm, ValidateReplicationForm, ValidateInstitutionalisationForm)
}


class ActionBack(Action):
    """Reopen the previous question of the active flow, or say there is no flow to go back in."""

    def name(self) -> str:
        """Return the name of the Rasa default action this replaces."""
        return "action_back"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        """Run on the `back` intent ("kembali", "balik", the ◀ Kembali button), inside or outside a flow."""
        flow = FORMS.get(str((tracker.active_loop or {}).get("name")))
        requested = tracker.get_slot("requested_slot")
        if flow is None or requested not in flow.SLOTS:
            dispatcher.utter_message(response="utter_no_active_flow")
            return []
        logger.info("flow %s: back from %s", flow.FORM, requested)
        return go_back(dispatcher, tracker, flow.SLOTS, flow.COMPANIONS, requested)
