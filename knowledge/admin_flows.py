"""The guided flows' funnel, from the conversations Rasa keeps: starts, completions, and the step people leave at.

Rasa keeps every event of every conversation. A flow is a form: it starts with an `active_loop` event naming it
and ends with an `active_loop` event naming none. The end counts as a completion when the form itself ended the
loop (its action ran last), and as a cancel when something else did (`action_deactivate_loop`, after "batal").
A run that never ended, or was cancelled, was left at the step the form last asked for (`requested_slot`).

The conversations belong to the Rasa server (SQLite beside it, or PostgreSQL on another host), so the events
are read through its authenticated channel route (`ConversationStore.flow_events`, nlu/conversations.py), never
by opening its database. Reading only: nothing here writes. Imports only `knowledge`.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from knowledge.admin_types import FlowFunnel
from knowledge.errors import KnowledgeUnavailable

if TYPE_CHECKING:
    from knowledge.conversation_owner import ConversationStore, FlowEvent

logger = logging.getLogger(__name__)


@dataclass
class _Run:
    name: str
    step: str | None = None
    ended: str | None = None  # "completed" or "cancelled"


def flow_funnels(conversations: ConversationStore, *, since: datetime | None = None) -> list[FlowFunnel]:
    """Return the funnel of every flow started since `since` (all time if None), by name.

    The funnel is one part of the statistics: when the Rasa server cannot be asked, the statistics come
    without it (and the log says why) rather than not at all.
    """
    try:
        return _funnels(conversations.flow_events(since=since))
    except KnowledgeUnavailable as exc:
        logger.warning("flows' funnel left out of the statistics: %s", exc)
        return []


def _funnels(events: Iterable[FlowEvent]) -> list[FlowFunnel]:
    runs: list[_Run] = []
    open_runs: dict[str, _Run] = {}
    last_action: dict[str, str] = {}
    for sender, kind, action_name, value in events:
        if kind == "action":
            last_action[sender] = action_name or ""
            continue
        run = open_runs.get(sender)
        if kind == "active_loop":
            if value:
                if run is None or run.name != value:
                    open_runs[sender] = _Run(name=str(value))
                    runs.append(open_runs[sender])
            elif run is not None:
                run.ended = "completed" if last_action.get(sender) == run.name else "cancelled"
                del open_runs[sender]
        elif kind == "slot" and run is not None and value:
            run.step = str(value)
    funnels = []
    for name in sorted({run.name for run in runs}):
        mine = [run for run in runs if run.name == name]
        left = Counter(run.step or "(awal)" for run in mine if run.ended != "completed")
        funnels.append(
            FlowFunnel(
                name=name,
                starts=len(mine),
                completed=sum(run.ended == "completed" for run in mine),
                cancelled=sum(run.ended == "cancelled" for run in mine),
                left_at=tuple(left.most_common()),
            )
        )
    return funnels
