"""The replacements in nlu/rasa_speedups.py must behave exactly like the Rasa code they replace."""

from __future__ import annotations

import pytest
import rasa.shared.utils.common
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered, deserialise_events

from nlu import rasa_speedups


@pytest.fixture(scope="module", autouse=True)
def installed() -> None:
    rasa_speedups.install()
    rasa_speedups.install()  # a second call must not wrap the replacement again


def test_every_event_type_resolves_to_rasas_class() -> None:
    for cls in rasa.shared.utils.common.all_subclasses(Event):
        assert Event.resolve_by_type(cls.type_name) is rasa_speedups._rasa_resolve_by_type(cls.type_name)


def test_unknown_event_type_keeps_rasas_behaviour() -> None:
    assert Event.resolve_by_type("no_such_event", default=UserUttered) is UserUttered
    assert Event.resolve_by_type("topic") is None
    with pytest.raises(ValueError, match="Unknown event name"):
        Event.resolve_by_type("no_such_event")


def test_stored_events_still_deserialise() -> None:
    stored = [
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "apa itu kipp", "parse_data": {"intent": {"name": "ask_kipp"}}},
        {"event": "slot", "name": "topic", "value": "kipp"},
    ]
    events = deserialise_events(stored)
    assert [type(event) for event in events] == [ActionExecuted, UserUttered, SlotSet]


def test_valid_action_reply_passes() -> None:
    reply = {"events": [{"event": "slot", "name": "topic", "value": "kipp"}], "responses": [{"text": "Halo"}]}
    assert RemoteAction("action_answer_question", None)._validate_action_result(reply) is True


def test_invalid_action_reply_raises_rasas_error() -> None:
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        RemoteAction("action_answer_question", None)._validate_action_result({"events": "not a list"})
    with pytest.raises(ValidationError):
        RemoteAction("action_answer_question", None)._validate_action_result({"events": [{"no_event_key": 1}]})
