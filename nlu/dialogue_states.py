"""Rasa's dialogue states of a conversation, computed once per event instead of once per prediction.

Before every prediction each policy asks for the state of the conversation after every action so far
(`Domain.states_for_tracker_history`): Rasa replays the whole session event by event and rebuilds every
state, three or four times a turn. The cost grows with the conversation: at 300 turns py-spy put 37% of
the Rasa server's busy time there, and a turn took 139 ms against 44 ms at 100 turns.

Here the replay and the states built so far are kept on the tracker, per way of asking (the policies ask
with different flags), and a later call only replays the events added since. What was kept is used only
while the conversation's applied events still start with the ones it was built from (same objects, or
equal events: a conversation read back from the database); anything else (a rewind, a reverted turn, a
new session) starts again from the first event, as Rasa does. The state after the last event is never
kept, since the next event changes it. Callers get their own copies: Rasa's featurizers edit the states
they are given. Same states as Rasa's (tests/unit/nlu/test_rasa_speedups.py compares them).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any

from rasa.shared.core.constants import PREVIOUS_ACTION
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event
from rasa.shared.core.trackers import DialogueStateTracker

_rasa_states_for_tracker_history = Domain.states_for_tracker_history
_rasa_applied_events = DialogueStateTracker.applied_events
_KEPT = "_klinik_dialogue_states"  # the tracker attribute holding what was computed, per way of asking
_APPLIED = "_klinik_applied_events"  # the tracker attribute holding its applied events and what they were of


@dataclass
class _Replay:
    """Rasa's loop over the prior trackers, paused after `events`: its replayed tracker and loop variables."""

    domain: Domain
    replayed: DialogueStateTracker
    events: list[Event] = field(default_factory=list)
    states: list[dict[str, Any]] = field(default_factory=list)
    last_ml_action_sub_state: Any = None
    turn_was_hidden: bool = False

    def add_state(self, hide_rule_turn: bool, omit_unset_slots: bool, rule_only_data: Any, ignore: bool) -> None:
        """One step of Rasa's loop: the state of the replayed tracker before its next action (or at the end)."""
        domain, tracker = self.domain, self.replayed
        if ignore:
            # Rasa: remember the last ML action; a follow-up action or happy-path loop keeps the hidden flag.
            if not self.turn_was_hidden:
                self.last_ml_action_sub_state = domain._get_prev_action_sub_state(tracker)
            if not tracker.followup_action and tracker.latest_action_name != tracker.active_loop_name:
                self.turn_was_hidden = hide_rule_turn
            if self.turn_was_hidden:
                return
        state = domain.get_active_state(tracker, omit_unset_slots=omit_unset_slots)
        if ignore:
            domain._remove_rule_only_features(state, rule_only_data)
            if self.states:
                domain._substitute_rule_only_user_input(state, self.states[-1])
            if self.last_ml_action_sub_state:
                state[PREVIOUS_ACTION] = self.last_ml_action_sub_state
        self.states.append(domain._clean_state(state))


def _continues(kept: list[Event], applied: list[Event]) -> bool:
    """Whether the applied events start with the kept ones (the same objects, or equal events)."""
    return len(kept) <= len(applied) and all(a is b or a == b for a, b in zip(kept, applied, strict=False))


def _copy(state: dict[str, Any]) -> dict[str, Any]:
    return {key: dict(sub_state) for key, sub_state in state.items()}


def states_for_tracker_history(
    self: Domain,
    tracker: DialogueStateTracker,
    omit_unset_slots: bool = False,
    ignore_rule_only_turns: bool = False,
    rule_only_data: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Rasa's `Domain.states_for_tracker_history`, replaying only the events added since the last call."""
    applied = tracker.applied_events()
    kept: dict[tuple[bool, bool, str], _Replay] = tracker.__dict__.setdefault(_KEPT, {})
    # The rule policy builds its rule-only data afresh for every call: the key is what it holds.
    way = (omit_unset_slots, ignore_rule_only_turns, json.dumps(rule_only_data, sort_keys=True, default=str))
    replay = kept.get(way)
    if replay is None or replay.domain is not self or not _continues(replay.events, applied):
        replay = kept[way] = _Replay(self, tracker.init_copy())
    for event in applied[len(replay.events) :]:
        if isinstance(event, ActionExecuted):
            replay.add_state(event.hide_rule_turn, omit_unset_slots, rule_only_data, ignore_rule_only_turns)
        replay.replayed.update(event)
        replay.events.append(event)
    # The state after the last event, with the loop's variables as they stand; never kept (the next event
    # changes it). The last kept state goes along because Rasa compares a state with the one before it.
    before = replay.states[-1:]
    final = replace(replay, events=[], states=list(before))
    final.add_state(False, omit_unset_slots, rule_only_data, ignore_rule_only_turns)
    return [_copy(state) for state in (*replay.states, *final.states[len(before) :])]


def applied_events(self: DialogueStateTracker) -> list[Event]:
    """Rasa's `DialogueStateTracker.applied_events`, computed again only when the events have changed.

    Rasa walks every event of the session each time (rewinds and form turns undone), and many of its steps
    ask, several times a turn: after the dialogue states, this was what still grew with a conversation
    (31% of the Rasa server's busy time at 360 turns). The answer is kept with what it was computed from:
    the event list itself, its length and its first and last events; any change computes it again.
    """
    events = self.events
    seen = (id(events), len(events), id(events[0]) if events else 0, id(events[-1]) if events else 0)
    kept = self.__dict__.get(_APPLIED)
    if kept is None or kept[0] != seen:
        kept = (seen, _rasa_applied_events(self))
        self.__dict__[_APPLIED] = kept
    return list(kept[1])
