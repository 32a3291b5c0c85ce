"""The flow slots in the domain match the code: each form's questions, and every value a validator can store."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from actions.flows.answers import AGENCY_TYPES, KIPP_HISTORY, LEFT_EMPTY, LEVER_STATES, REGULATION_STATES
from actions.flows.back import FORMS
from actions.flows.demo import SCRIPTS
from knowledge import TOPICS

DOMAIN = Path(__file__).resolve().parents[3] / "nlu" / "domain"
FLOWS = yaml.safe_load((DOMAIN / "flows.yml").read_text(encoding="utf-8"))
QUESTIONS = yaml.safe_load((DOMAIN / "questions.yml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("form", sorted(FORMS))
def test_each_form_asks_the_questions_its_validator_knows_in_order(form: str) -> None:
    assert FLOWS["forms"][form]["required_slots"] == list(FORMS[form].SLOTS)
    for slot in FORMS[form].SLOTS:
        assert callable(getattr(FORMS[form](), f"validate_{slot}")), slot


@pytest.mark.parametrize(
    ("slot", "values"),
    [
        ("agency_type", [*AGENCY_TYPES, LEFT_EMPTY]),
        ("kipp_history", list(KIPP_HISTORY)),
        ("inst_regulation", list(REGULATION_STATES)),
        *((lever, list(LEVER_STATES)) for lever in FORMS["institutionalisation_form"].SLOTS[1:]),
        ("demo_flow", list(SCRIPTS)),
    ],
)
def test_categorical_flow_slots_list_every_value_the_code_stores(slot: str, values: list[str]) -> None:
    assert FLOWS["slots"][slot]["type"] == "categorical"
    assert FLOWS["slots"][slot]["values"] == values


def test_last_topic_lists_the_knowledge_base_topics() -> None:
    assert QUESTIONS["slots"]["last_topic"]["values"] == list(TOPICS)


def test_no_slot_steers_the_dialogue() -> None:
    # Every slot is set by an action for the actions' own use; the policies see intents, actions and loops only.
    for domain in (FLOWS, QUESTIONS):
        assert all(slot["influence_conversation"] is False for slot in domain["slots"].values())
