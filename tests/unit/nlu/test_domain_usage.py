"""Every response and intent in the domain is used: the checks `rasa data validate` cannot make.

`make validate` warns about each response that no story or rule names and each intent with no NLU examples.
Most of those are used where the validator does not look: responses sent by the actions
(`utter_message(response=...)`), a form's `utter_ask_<slot>` questions, the responses of Rasa's own default
actions, and intents that only the assistant's buttons send. These tests look there too, so a response or
intent that nothing uses fails here instead of hiding among the validator's expected warnings.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from bot.payloads import BUTTON_INTENTS
from settings import PROJECT_ROOT

NLU = PROJECT_ROOT / "nlu"
# The responses Rasa's default actions send (rasa/core/actions/action.py): fallback, restart, back, rephrase.
RASA_DEFAULT_RESPONSES = frozenset({"utter_default", "utter_restart", "utter_back", "utter_ask_rephrase"})
RESPONSE_LITERAL = re.compile(r"""["'](utter_\w+)["']""")


def _load_all(folder: Path) -> list[dict[str, Any]]:
    return [yaml.safe_load(path.read_text(encoding="utf-8")) or {} for path in sorted(folder.rglob("*.yml"))]


def _domain() -> dict[str, Any]:
    merged: dict[str, Any] = {"intents": [], "responses": {}, "forms": {}}
    for part in _load_all(NLU / "domain"):
        merged["intents"] += part.get("intents", [])
        merged["responses"].update(part.get("responses", {}))
        merged["forms"].update(part.get("forms") or {})
    return merged


def _actions_in_stories_and_rules() -> set[str]:
    items = [item for part in _load_all(NLU / "data") for key in ("stories", "rules") for item in part.get(key, [])]
    return {step["action"] for item in items for step in item["steps"] if "action" in step}


def _responses_named_in_actions() -> set[str]:
    return {
        name
        for path in (PROJECT_ROOT / "actions").rglob("*.py")
        for name in RESPONSE_LITERAL.findall(path.read_text(encoding="utf-8"))
    }


def _form_questions(forms: dict[str, Any]) -> set[str]:
    # Rasa's form loop asks for a slot with `utter_ask_<form>_<slot>` or `utter_ask_<slot>`.
    return {
        name
        for form, spec in forms.items()
        for slot in (spec or {}).get("required_slots", [])
        for name in (f"utter_ask_{form}_{slot}", f"utter_ask_{slot}")
    }


def test_every_response_is_sent_by_a_story_rule_action_form_or_rasa_default() -> None:
    domain = _domain()
    used = (
        _actions_in_stories_and_rules()
        | _responses_named_in_actions()
        | _form_questions(domain["forms"])
        | RASA_DEFAULT_RESPONSES
    )
    unused = sorted(set(domain["responses"]) - used)
    assert unused == [], f"responses nothing sends (remove them, or send them): {unused}"


def test_every_intent_without_examples_is_one_the_buttons_send() -> None:
    intents = {next(iter(item)) if isinstance(item, dict) else item for item in _domain()["intents"]}
    with_examples = {
        item["intent"] for part in _load_all(NLU / "data") for item in part.get("nlu", []) if "intent" in item
    }
    unreachable = sorted(intents - with_examples - BUTTON_INTENTS)
    assert unreachable == [], f"intents with no NLU examples that no button sends: {unreachable}"
