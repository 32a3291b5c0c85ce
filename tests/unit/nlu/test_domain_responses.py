"""Every response in the domain renders cleanly through Rasa's templating."""

from __future__ import annotations

import copy
import json
import re

import pytest
from rasa.core.nlg import interpolator
from rasa.shared.core.domain import Domain

from settings import PROJECT_ROOT

PAYLOAD = re.compile(r"^/(\w+)(\{.*\})?$")


class AnyValue(dict):
    """Slot values and action arguments: every placeholder name has a value, as at run time."""

    def __missing__(self, key: str) -> str:
        return "nilai"


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(PROJECT_ROOT / "nlu" / "domain"))


def test_button_payloads_render_as_intent_and_json_entities(domain: Domain, monkeypatch: pytest.MonkeyPatch) -> None:
    # A single-braced JSON payload reads as a placeholder: filled, it is no longer JSON; unfilled, Rasa
    # reports it through structlog and logs an error on every reply.
    failures: list[dict] = []
    monkeypatch.setattr(interpolator.structlogger, "exception", lambda *_args, **info: failures.append(info))
    checked = 0
    for name, variants in domain.responses.items():
        for variant in variants:
            # Rasa interpolates a copy; YAML anchors share button lists between responses.
            for button in interpolator.interpolate(copy.deepcopy(variant), AnyValue()).get("buttons", []):
                match = PAYLOAD.match(button["payload"])
                assert match, f"{name}: payload {button['payload']!r} is not '/intent' or '/intent{{json}}'"
                assert match.group(1) in domain.intents, f"{name}: payload {button['payload']!r} names no intent"
                if match.group(2):
                    assert isinstance(json.loads(match.group(2)), dict), f"{name}: {button['payload']!r}"
                checked += 1
    assert checked > 50
    assert failures == [], f"responses that Rasa could not interpolate: {failures[:3]}"
