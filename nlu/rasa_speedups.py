"""Two hot spots of a Rasa 3.6 turn, replaced by equivalent code that does the work once.

py-spy on the Rasa server under `make bench` showed where a turn's time went:

1. **Action reply check (40% of busy time).** Rasa validates every action server reply with
   `jsonschema.validate(reply, schema)`, which first re-checks the constant schema against the
   JSON-schema metaschema; with jsonschema 4.17 that check dwarfs the rest of the turn. Here the
   schema is checked once and one validator kept. Replies are validated exactly as before, with the
   same error type and message (the best-matching error, as `jsonschema.validate` picks it).
2. **Event lookup (11%).** Loading a conversation turns every stored event back into an object, and
   for each one Rasa walks the whole `Event` class tree to find the class for its type name. Here the
   name-to-class table is built once; an unknown name still goes through Rasa's own lookup.

A second profile (issue 13, `make bench` CPU per turn 29 ms before) found four more:

3. **The graph runner (6% of a turn).** Every message runs two graphs (NLU, then the policies) through dask's
   synchronous scheduler, which rebuilds the graph, re-derives the needed nodes recursively and orders them
   on every call, and formats the tracker into a debug message nobody reads. Here each target set's node
   order is computed once and the nodes are called in that order, with the same inputs and outputs.
4. **Rule matching (8%).** `RulePolicy._get_possible_keys` checks every rule against every earlier state
   of the conversation, although a rule can only fail on the states it has: past the longest remaining
   rule every key stays applicable. Here the loop stops there (or when no key is left); same result.
5. **A new HTTP session per action call (5%).** Rasa opens an aiohttp session, and so a TCP connection,
   for every call to the action server, and the action server accepts one. Here each endpoint keeps one
   session per event loop, with keep-alive connections.
6. **The tracker sent to the action server.** Rasa sends every event of the session with every action
   call. The actions read the slots, the latest message and the events since the previous user message
   (`actions/flows/base.py`); they get the events of the last `ACTION_EVENT_TURNS` user turns.

A third profile (issue 15, ~20 ms CPU per turn) found one more:

7. **Each event of an action reply checked against all 23 event schemas (~1.3 ms a turn).** The reply schema
   says an event must match exactly one of 23 schemas (`oneOf`), and each of those pins a different `event`
   name (checked when the validators are built), so an event can only ever match the one for its own name.
   Here the reply is checked without the `oneOf`, then each event against its own name's schema; a reply
   that passes both passes Rasa's check. Anything else (an unknown name, a failed check) goes through the
   full check, so a rejected reply gets Rasa's own error and message.

A cold-start profile (issue 13, 11–23 s to the first answer) found the largest part of a start-up:

8. **Loading DIET (6–11 s of it).** To give the network variables before the trained weights are read, Rasa
   trains it for one step on an example (`model.fit`), which traces the whole training graph: loss, gradients
   and optimiser. Here the variables come from one untraced prediction on the example instead; the weights are
   then read (the optimiser's saved state is not needed to predict), and what that prediction cached from the
   untrained weights (the label embeddings, the traced predict function) is dropped and built again, as Rasa
   does, from the trained ones. Same predictions; loading for fine-tuning still goes through Rasa's own.
9. **Tracing DIET's predict step (2–4 s of it).** Rasa traces it with AutoGraph, which spends seconds
   rewriting Python source into graph control flow that DIET's predict step does not need (it branches
   only on its configuration). It is traced here without AutoGraph: the same graph, ranking every intent
   as Rasa's does (tests/unit/nlu/test_rasa_speedups.py compares them).

A long-conversation profile (issue 13: a turn took 44 ms at 100 turns, 139 ms at 300) found:

10. **The dialogue states (37% at 300 turns).** Before every prediction Rasa replays the whole session to
    rebuild the state after every action. nlu/dialogue_states.py keeps the replay on the tracker and
    replays only what was added since; the applied events (rewinds and form turns undone), which many of
    Rasa's steps ask for several times a turn, are computed again only when the events change.

Rasa 3.6.21 is the last open-source release, so the methods replaced here will not change under us;
`install()` leaves Rasa alone (and says so) if they ever do. Switched on by nlu/channels.py, which Rasa
always loads.
"""

from __future__ import annotations

import asyncio
import copy
import logging
from functools import cache
from typing import Any

import aiohttp
import rasa.shared.utils.common
from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.core.policies.rule_policy import RulePolicy
from rasa.engine.exceptions import GraphRunError
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.core.constants import PREVIOUS_ACTION
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig
from rasa.utils.tensorflow.constants import LEARNING_RATE, RUN_EAGERLY
from rasa.utils.tensorflow.models import RasaModel
from rasa.utils.train_utils import create_data_generators

from nlu import dialogue_states

logger = logging.getLogger(__name__)

_rasa_resolve_by_type = Event.resolve_by_type
_rasa_graph_run = DaskGraphRunner.run
_rasa_possible_keys = RulePolicy._get_possible_keys
_rasa_session = EndpointConfig.session
_rasa_action_call_format = RemoteAction._action_call_format
_rasa_model_load = RasaModel.__dict__["load"]

ACTION_EVENT_TURNS = 3  # user turns of events sent with each action call (the actions read back one)


@cache
def _reply_validator() -> Any:
    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


@cache
def _event_validators() -> tuple[Any, dict[str, Any]] | None:
    """The reply check without the per-event `oneOf`, and one validator per event name; None if names repeat."""
    schema = copy.deepcopy(RemoteAction.action_response_format_spec())
    event_schema = schema["properties"]["events"]["items"]
    validator_class = validator_for(schema)
    by_name: dict[str, Any] = {}
    for one_of in event_schema.pop("oneOf"):
        name = one_of.get("properties", {}).get("event", {}).get("const")
        if not isinstance(name, str) or name in by_name:
            return None  # an event could match two of them: only the full check is right
        by_name[name] = validator_class(one_of)
    return validator_class(schema), by_name


def _passes_per_event_check(result: dict[str, Any]) -> bool:
    """True only if Rasa's full check passes too: the shape, then each event against its own name's schema."""
    validators = _event_validators()
    if validators is None:
        return False
    shape, by_name = validators
    if not shape.is_valid(result):
        return False
    for event in result.get("events") or []:
        validator = by_name.get(event["event"])  # the shape check made each event an object with a string name
        if validator is None or not validator.is_valid(event):
            return False
    return True


def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    if _passes_per_event_check(result):
        return True
    # As `jsonschema.validate`, which Rasa calls: the best-matching error, not the first one found.
    error = best_match(_reply_validator().iter_errors(result))
    if error is not None:
        error.message += (
            ". Failed to validate Action server response from API, make sure your response from the "
            f"Action endpoint is valid. For more information about the format visit {DOCS_BASE_URL}/custom-actions"
        )
        raise error
    return True


@cache
def _event_classes() -> dict[str, type[Event]]:
    # The first class of a name wins, as in Rasa's own scan.
    classes: dict[str, type[Event]] = {}
    for cls in rasa.shared.utils.common.all_subclasses(Event):
        classes.setdefault(cls.type_name, cls)
    return classes


def _resolve_by_type(type_name: str, default: type[Event] | None = None) -> type[Event] | None:
    found = _event_classes().get(type_name)
    return found if found is not None else _rasa_resolve_by_type(type_name, default)


def _graph_order(runner: DaskGraphRunner, targets: tuple[str, ...]) -> list[tuple[str, Any, tuple[str, ...]]]:
    """Return the nodes the targets need, each after its needs: (name, node, names of its inputs)."""
    cache_: dict[tuple[str, ...], list[tuple[str, Any, tuple[str, ...]]]] = runner.__dict__.setdefault(
        "_klinik_orders", {}
    )
    order = cache_.get(targets)
    if order is None:
        schema = runner._graph_schema.minimal_graph_schema(list(targets))
        order, placed = [], set()

        def place(name: str) -> None:
            if name in placed or name not in schema.nodes:
                return
            placed.add(name)
            needs = tuple(schema.nodes[name].needs.values())
            for need in needs:
                place(need)
            order.append((name, runner._instantiated_nodes[name], needs))

        for target in targets:
            place(target)
        cache_[targets] = order
    return order


def _graph_run(
    self: DaskGraphRunner, inputs: dict[str, Any] | None = None, targets: list[str] | None = None
) -> dict[str, Any]:
    """Run the graph's nodes in dependency order, as dask's synchronous scheduler does, without its overhead."""
    run_targets = tuple(targets if targets else self._graph_schema.target_names)
    order = _graph_order(self, run_targets)
    results: dict[str, Any] = {}
    for input_name, input_value in (inputs or {}).items():
        if isinstance(input_value, str) and any(input_value == name for name, _node, _needs in order):
            raise GraphRunError(
                f"Input value '{input_value}' clashes with a node name. Make sure that none of the input names "
                "passed to the `run` method are the same as node names in the graph schema."
            )
        results[input_name] = (input_name, input_value)
    try:
        for name, node, needs in order:
            # Like dask: a need that is neither a node nor an input is passed as its name.
            results[name] = node(*(results.get(need, need) for need in needs))
    except RuntimeError as e:
        raise GraphRunError("Error running runner.") from e
    return dict(results[target] for target in run_targets)


def _possible_keys(self: RulePolicy, lookup: dict[str, str], states: list[dict[str, Any]]) -> set[str]:
    """Rasa's `_get_possible_keys` (with `_is_rule_applicable` inlined), stopping past the longest remaining rule.

    Each rule's states are parsed and reversed once per policy instead of on every check.
    """
    possible_keys = set(lookup.keys())
    rules: dict[str, list[dict[str, Any]]] = self.__dict__.setdefault("_klinik_reversed_rules", {})
    for key in possible_keys - rules.keys():
        rules[key] = list(reversed(self._rule_key_to_state(key)))
    matches = self._does_rule_match_state
    for i, state in enumerate(reversed(states)):
        if not possible_keys or i >= max(len(rules[key]) for key in possible_keys):
            break  # every remaining rule is applicable at every earlier state (`_is_rule_applicable`)
        current_previous_action = state.get(PREVIOUS_ACTION)
        kept = set()
        for key in possible_keys:
            rule_states = rules[key]
            if i >= len(rule_states):
                kept.add(key)
                continue
            rule_previous_action = rule_states[i].get(PREVIOUS_ACTION)
            if not rule_previous_action and not current_previous_action:
                kept.add(key)  # both conversation starts
            elif rule_previous_action and current_previous_action and matches(rule_states[i], state):
                kept.add(key)
        possible_keys = kept
    return possible_keys


class _KeptSession:
    """`async with` over a session that stays open: Rasa's `async with endpoint.session()` then reuses it."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self._session = session

    async def __aenter__(self) -> aiohttp.ClientSession:
        return self._session

    async def __aexit__(self, *_exc: object) -> None:
        return None


def _session(self: EndpointConfig) -> Any:
    """Return this endpoint's session for the running event loop (Rasa made a new one for every call)."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return _rasa_session(self)  # not in a loop: Rasa's own, closed after use
    kept: dict[int, aiohttp.ClientSession] = self.__dict__.setdefault("_klinik_sessions", {})
    session = kept.get(id(loop))
    if session is None or session.closed:
        session = _rasa_session(self)
        kept[id(loop)] = session
    return _KeptSession(session)


def _action_call_format(self: RemoteAction, tracker: Any, domain: Any) -> dict[str, Any]:
    """Rasa's action call, with the events of the last ACTION_EVENT_TURNS user turns instead of the whole session."""
    result = _rasa_action_call_format(self, tracker, domain)
    events = result["tracker"].get("events") or []
    users = [index for index, event in enumerate(events) if event.get("event") == "user"]
    if len(users) > ACTION_EVENT_TURNS:
        result["tracker"]["events"] = events[users[-ACTION_EVENT_TURNS] :]
    return result


def _load_model(
    cls: type[RasaModel],
    model_file_name: str,
    model_data_example: Any,
    predict_data_example: Any = None,
    finetune_mode: bool = False,
    *args: Any,
    **kwargs: Any,
) -> RasaModel:
    """Rasa's `RasaModel.load` for prediction, with the variables built by a prediction instead of a training step."""
    if finetune_mode or predict_data_example is None:
        return _rasa_model_load.__func__(  # type: ignore[no-any-return]
            cls, model_file_name, model_data_example, predict_data_example, finetune_mode, *args, **kwargs
        )
    import tensorflow as tf  # already loaded by Rasa by the time a model is

    config = kwargs.get("config", {})
    model = cls(*args, **kwargs)
    model.compile(optimizer=tf.keras.optimizers.Adam(config.get(LEARNING_RATE, 0.001)), run_eagerly=True)
    model.run_inference(predict_data_example)  # untraced: creates every variable a prediction uses
    model.load_weights(model_file_name).expect_partial()  # the optimiser's slots are for training only
    # Drop what the prediction above cached from the untrained weights; the next one rebuilds it (and is
    # traced, as in Rasa's own load, so the first officer's message does not pay for the tracing).
    model.run_eagerly = config.get(RUN_EAGERLY)
    model.prepared_for_prediction = False
    model._tf_predict_step = None
    if not model.run_eagerly:
        model._tf_predict_step = _predict_function(model, predict_data_example)
    model.run_inference(predict_data_example)
    return model


def _predict_function(model: RasaModel, predict_data_example: Any) -> Any:
    """Rasa's traced predict function, traced without AutoGraph: the same graph, built in a third of the time.

    AutoGraph rewrites Python `if`/`for` over tensors into graph control flow; DIET's predict step branches
    only on its configuration and feature names, so tracing it as plain Python gives the same graph and
    skips the ~2-4 s AutoGraph spends transpiling Rasa's and Keras's source at every start.
    """
    import tensorflow as tf

    generator, _ = create_data_generators(model_data=predict_data_example, batch_sizes=1, epochs=1, shuffle=False)
    batch_in = next(iter(generator))[0]
    return tf.function(model.predict_step, input_signature=model._dynamic_signature(batch_in), autograph=False)


def _replace(owner: Any, name: str, original: Any, replacement: Any, what: str) -> None:
    current = owner.__dict__[name]
    if current is replacement:
        return
    if current is not original or original.__qualname__ != f"{owner.__name__}.{name}":
        logger.warning("Rasa's %s has changed; keeping Rasa's own", what)
        return
    setattr(owner, name, replacement)


def install() -> None:
    """Switch every replacement on (idempotent)."""
    _replace(DaskGraphRunner, "run", _rasa_graph_run, _graph_run, "graph runner")
    _replace(RulePolicy, "_get_possible_keys", _rasa_possible_keys, _possible_keys, "rule matching")
    _replace(EndpointConfig, "session", _rasa_session, _session, "endpoint session")
    _replace(RemoteAction, "_action_call_format", _rasa_action_call_format, _action_call_format, "action call")
    _replace(
        Domain,
        "states_for_tracker_history",
        dialogue_states._rasa_states_for_tracker_history,
        dialogue_states.states_for_tracker_history,
        "dialogue states",
    )
    _replace(
        DialogueStateTracker,
        "applied_events",
        dialogue_states._rasa_applied_events,
        dialogue_states.applied_events,
        "applied events",
    )
    if RasaModel.__dict__["load"] is _rasa_model_load and _rasa_model_load.__func__.__qualname__ == "RasaModel.load":
        RasaModel.load = classmethod(_load_model)  # type: ignore[method-assign,assignment,arg-type]
    elif RasaModel.__dict__["load"].__func__ is not _load_model:
        logger.warning("Rasa's model loading has changed; keeping Rasa's own")
    if RemoteAction._validate_action_result.__qualname__ == "RemoteAction._validate_action_result":
        RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
    elif RemoteAction._validate_action_result is not _validate_action_result:
        logger.warning("Rasa's action reply check has changed; keeping Rasa's own")
    if _rasa_resolve_by_type.__qualname__ == "Event.resolve_by_type":
        Event.resolve_by_type = staticmethod(_resolve_by_type)  # type: ignore[method-assign,assignment]
    elif Event.resolve_by_type is not _resolve_by_type:
        logger.warning("Rasa's event lookup has changed; keeping Rasa's own")
