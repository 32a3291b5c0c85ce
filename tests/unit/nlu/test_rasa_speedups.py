"""The replacements in nlu/rasa_speedups.py must behave exactly like the Rasa code they replace."""

from __future__ import annotations

import asyncio
import copy
import json
import random

import jsonschema
import pytest
import rasa.shared.utils.common
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.core.policies.rule_policy import RulePolicy
from rasa.engine.exceptions import GraphRunError
from rasa.engine.graph import ExecutionContext, GraphSchema, SchemaNode
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    BotUttered,
    Event,
    FollowupAction,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
    deserialise_events,
)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from nlu import dialogue_states, rasa_speedups


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


_USER = {"event": "user", "text": "apa itu kipp", "parse_data": {"intent": {"name": "ask_kipp", "confidence": 0.9}}}
_REPLIES = [
    {},
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "topic", "value": "kipp"}, {"event": "followup", "name": "utter_x"}]},
    {"events": [_USER, {"event": "action", "name": "action_listen"}, {"event": "bot", "text": "Halo"}]},
    {"events": [{"event": "active_loop", "name": None}, {"event": "reset_slots", "timestamp": 1.5}]},
    {"events": [{"event": "slot", "name": "topic", "value": "kipp", "extra": 1}], "other": True},
    {"events": [{"event": "no_such_event"}]},  # unknown event
    {"events": [{"event": "slot", "name": "topic"}]},  # missing field
    {"events": [{"event": "slot", "name": 3, "value": "kipp"}]},  # wrong type
    {"events": [{"event": "user", "text": 3}]},
    {"events": [{"event": "slot", "name": "topic", "value": 1, "timestamp": "now"}]},
    {"events": [{"event": 7}]},
    {"events": [{"name": "topic"}]},
    {"events": ["slot"]},
    {"events": "not a list"},
    {"events": [], "responses": "Halo"},
    [],
]


def _rasas_verdict(reply: object) -> str | None:
    """Rasa 3.6's own check (jsonschema.validate against the whole schema): None if accepted, else the message."""
    try:
        jsonschema.validate(reply, RemoteAction.action_response_format_spec())
    except ValidationError as error:
        return error.message
    return None


def test_action_reply_check_is_the_per_event_one() -> None:
    assert RemoteAction._validate_action_result is rasa_speedups._validate_action_result
    assert rasa_speedups._event_validators() is not None
    assert rasa_speedups._passes_per_event_check(_REPLIES[3])


@pytest.mark.parametrize("reply", _REPLIES)
def test_action_reply_verdict_and_error_match_rasas(reply: object) -> None:
    expected = _rasas_verdict(reply)
    action = RemoteAction("action_answer_question", None)
    if expected is None:
        assert action._validate_action_result(reply) is True  # type: ignore[arg-type]
        return
    assert not rasa_speedups._passes_per_event_check(reply)  # type: ignore[arg-type]
    with pytest.raises(ValidationError) as raised:
        action._validate_action_result(reply)  # type: ignore[arg-type]
    assert raised.value.message.startswith(expected + ". Failed to validate Action server response from API")


def _rule_policy(tmp_path) -> RulePolicy:
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(GraphSchema({}), "test")
    return RulePolicy.create(RulePolicy.get_default_config(), storage, Resource("rules"), context)


def test_rule_matching_stops_early_with_rasas_result(tmp_path) -> None:
    policy = _rule_policy(tmp_path)
    rng = random.Random(13)
    actions = ["action_listen", "utter_greet", "action_answer_question", "readiness_form", None]
    intents = ["greet", "ask_kipp", "stop", "affirm"]

    def state() -> dict:
        action = rng.choice(actions)
        found: dict = {}
        if action:
            found["prev_action"] = {"action_name": action}
        if rng.random() < 0.7:
            found["user"] = {"intent": rng.choice(intents)}
        if rng.random() < 0.3:
            found["active_loop"] = {"name": rng.choice(["readiness_form", "should_not_be_set"])}
        return found

    rules = {json.dumps([state() for _ in range(rng.randint(1, 4))], sort_keys=True): "x" for _ in range(200)}
    for _ in range(300):
        states = [state() for _ in range(rng.randint(1, 12))]
        expected = rasa_speedups._rasa_possible_keys(policy, rules, states)
        assert rasa_speedups._possible_keys(policy, rules, states) == expected


class _Node:
    """A graph node as Rasa's runner calls it: the (name, output) pairs of its needs in, (name, output) out."""

    def __init__(self, name: str, calls: list[str]) -> None:
        self.name, self.calls = name, calls

    def __call__(self, *inputs: object) -> tuple[str, object]:
        self.calls.append(self.name)
        return self.name, (self.name, inputs)


def _runner(calls: list[str]) -> DaskGraphRunner:
    def node(**needs: str) -> SchemaNode:
        return SchemaNode(needs=needs, uses=RulePolicy, constructor_name="load", fn="predict", config={})

    schema = GraphSchema(
        {
            "a": node(message="__message__"),
            "b": node(i="a"),
            "c": node(i="a", j="b", k="__missing__"),
            "unused": node(i="a"),
            "target": node(i="c", j="b"),
        }
    )
    runner = object.__new__(DaskGraphRunner)
    runner._graph_schema = schema
    runner._instantiated_nodes = {name: _Node(name, calls) for name in schema.nodes}
    runner._execution_context = ExecutionContext(schema, "test")
    return runner


def test_the_graph_runs_like_dasks_scheduler() -> None:
    inputs = {"__message__": "halo"}
    dask_calls: list[str] = []
    ours: list[str] = []
    expected = rasa_speedups._rasa_graph_run(_runner(dask_calls), inputs, ["target"])
    runner = _runner(ours)
    assert rasa_speedups._graph_run(runner, inputs, ["target"]) == expected
    assert rasa_speedups._graph_run(runner, inputs, ["target"]) == expected  # the cached order, again
    assert sorted(ours[: len(dask_calls)]) == sorted(dask_calls) and "unused" not in ours
    assert ours.index("a") < ours.index("b") < ours.index("c") < ours.index("target")
    with pytest.raises(GraphRunError, match="clashes"):
        rasa_speedups._graph_run(runner, {"__message__": "a"}, ["target"])


def test_the_action_server_gets_the_last_user_turns_of_events() -> None:
    events = [ActionExecuted("action_listen")]
    for turn in range(6):
        events += [
            UserUttered(f"pesan {turn}", {"name": "ask_kipp"}),
            ActionExecuted("action_answer_question"),
            BotUttered(f"jawaban {turn}"),
            ActionExecuted("action_listen"),
        ]
    tracker = DialogueStateTracker.from_events("tg-1", events, slots=[])
    payload = RemoteAction("action_answer_question", EndpointConfig("http://127.0.0.1:1"))._action_call_format(
        tracker, Domain.empty()
    )
    sent = payload["tracker"]["events"]
    users = [e["text"] for e in sent if e["event"] == "user"]
    assert users == ["pesan 3", "pesan 4", "pesan 5"] and sent[0]["event"] == "user"
    assert payload["tracker"]["latest_message"]["text"] == "pesan 5"
    short = DialogueStateTracker.from_events("tg-2", events[:5], slots=[])
    assert len(RemoteAction("x", None)._action_call_format(short, Domain.empty())["tracker"]["events"]) == 5


def test_an_endpoint_keeps_one_session_per_event_loop() -> None:
    endpoint = EndpointConfig("http://127.0.0.1:1")

    async def two_calls() -> bool:
        async with endpoint.session() as first, endpoint.session() as second:
            same = first is second and not first.closed
        await first.close()
        return same

    assert asyncio.run(two_calls())


@pytest.mark.e2e
def test_model_loaded_without_a_training_step_predicts_as_rasas_load(rasa_model: str) -> None:
    """DIET built by a prediction, given the trained weights and traced without AutoGraph, ranks as Rasa's load does."""
    from rasa.core.agent import Agent
    from rasa.utils.tensorflow.models import RasaModel

    assert RasaModel.__dict__["load"].__func__ is rasa_speedups._load_model
    messages = [
        "apa itu kipp",
        "gmn cara daftar kipp thn ini",
        "trus dasar hukumnya?",
        "yg 2025?",
        "halo min",
        "makasih ya",
        "berapa gaji pns golongan 3a",
        "what is JIPP?",
        "mulai cek kesiapan",
        "batal",
        "asdfgh qwerty",
        "",
    ]

    def rankings() -> tuple[list[list[tuple[str, float]]], bool]:
        agent = Agent.load(rasa_model)
        parsed = [asyncio.run(agent.parse_message(text)) for text in messages]
        nodes = agent.processor.graph_runner._instantiated_nodes  # type: ignore[union-attr]
        (diet,) = [n._component.model for n in nodes.values() if type(n._component).__name__ == "DIETClassifier"]
        ranked = [[(i["name"], round(float(i["confidence"]), 5)) for i in p["intent_ranking"]] for p in parsed]
        return ranked, diet._tf_predict_step._autograph

    ours, ours_autograph = rankings()
    RasaModel.load = rasa_speedups._rasa_model_load  # type: ignore[method-assign]
    try:
        theirs, theirs_autograph = rankings()
    finally:
        rasa_speedups.install()
    assert ours == theirs
    assert (ours_autograph, theirs_autograph) == (False, True)  # the same predictions from the cheaper trace
    assert {ranking[0][0] for ranking in ours} >= {"ask_followup", "greet"}  # a real model, not a constant


def _random_events(domain: Domain, rng: random.Random, count: int) -> list[Event]:
    """A conversation's worth of the events that shape dialogue states, rewinds and forms included."""
    intents = sorted(domain.intents)
    actions = [a for a in domain.action_names_or_texts if not a.startswith("action_listen")]
    forms = sorted(domain.form_names)
    slots = [slot.name for slot in domain.slots if slot.name in {"agency_type", "requested_slot", "last_topic"}]
    events: list[Event] = [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")]
    for _ in range(count):
        roll = rng.random()
        if roll < 0.3:
            events.append(UserUttered("x", {"name": rng.choice(intents), "confidence": 1.0}))
        elif roll < 0.6:
            events.append(ActionExecuted(rng.choice(actions), hide_rule_turn=rng.random() < 0.3))
            if rng.random() < 0.4:
                events.append(ActionExecuted("action_listen"))
        elif roll < 0.7 and slots:
            events.append(SlotSet(rng.choice(slots), rng.choice(["a", "b", None])))
        elif roll < 0.8 and forms:
            events.append(ActiveLoop(rng.choice([*forms, None])))
        elif roll < 0.85:
            events.append(UserUtteranceReverted())
        elif roll < 0.9:
            events.append(ActionReverted())
        else:
            events.append(FollowupAction(rng.choice(actions)))
    return events


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load("nlu/domain")


@pytest.mark.parametrize("seed", range(6))
def test_dialogue_states_match_rasas_as_a_conversation_grows(domain: Domain, seed: int) -> None:
    """Replaying only the new events gives Rasa's states after every event, for every way the policies ask."""
    rng = random.Random(seed)
    rule_only = {"slots": ["agency_type"], "active_loops": sorted(domain.form_names)[:1]}
    ways = [(False, False, None), (True, False, None), (False, True, rule_only), (True, True, rule_only)]
    tracker = DialogueStateTracker("growing", domain.slots)
    for event in _random_events(domain, rng, 120):
        tracker.update(event)
        for omit, ignore, rule_only_data in ways:
            fresh = DialogueStateTracker.from_events("fresh", list(tracker.events), domain.slots)
            expected = dialogue_states._rasa_states_for_tracker_history(domain, fresh, omit, ignore, rule_only_data)
            # Rasa's rule policy passes a new but equal rule-only dict with every call.
            ours = domain.states_for_tracker_history(tracker, omit, ignore, copy.deepcopy(rule_only_data))
            assert ours == expected
            assert len(tracker.__dict__[dialogue_states._KEPT]) <= len(ways)  # one replay per way of asking
            if ours[-1]:
                next(iter(ours[-1].values())).clear()  # Rasa's featurizers edit what they are given


def test_dialogue_states_start_again_after_a_rewind(domain: Domain) -> None:
    tracker = DialogueStateTracker("rewound", domain.slots)
    for event in _random_events(domain, random.Random(99), 60):
        tracker.update(event)
    domain.states_for_tracker_history(tracker)
    rewound = DialogueStateTracker.from_events("rewound", list(tracker.events)[:20], domain.slots)
    rewound.__dict__.update({k: v for k, v in tracker.__dict__.items() if k.startswith("_klinik")})
    fresh = DialogueStateTracker.from_events("fresh", list(tracker.events)[:20], domain.slots)
    expected = dialogue_states._rasa_states_for_tracker_history(domain, fresh)
    assert domain.states_for_tracker_history(rewound) == expected


@pytest.mark.parametrize("seed", range(4))
def test_applied_events_match_rasas_as_a_conversation_grows(domain: Domain, seed: int) -> None:
    """Kept between calls, recomputed on any change: after every event, the same list as Rasa's own walk."""
    tracker = DialogueStateTracker("growing", domain.slots)
    for event in _random_events(domain, random.Random(seed), 150):
        tracker.update(event)
        expected = dialogue_states._rasa_applied_events(tracker)
        first = tracker.applied_events()
        assert first == expected
        first.clear()  # a caller's list is its own
        assert tracker.applied_events() == expected
    tracker.events = type(tracker.events)(list(tracker.events)[:10])  # replaced wholesale, as a rewind does
    assert tracker.applied_events() == dialogue_states._rasa_applied_events(tracker)
