"""The guided flows' funnel, read from the conversation store: starts, completions, and the step people leave at.

Rasa keeps every event of every conversation (table `events`: type_name, action_name, data as JSON). A flow is
a form: it starts with an `active_loop` event naming it and ends with an `active_loop` event naming none.
The end counts as a completion when the form itself ended the loop (its action ran last), and as a cancel
when something else did (`action_deactivate_loop`, after "batal"). A run that never ended, or was cancelled,
was left at the step the form last asked for (`requested_slot`). Reading only: nothing here writes.
Imports only sqlalchemy and `knowledge`.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import column, create_engine, inspect, select, table
from sqlalchemy.exc import SQLAlchemyError

from knowledge.admin_types import FlowFunnel
from knowledge.errors import KnowledgeUnavailable

_events = table(
    "events",
    column("id"),
    column("sender_id"),
    column("type_name"),
    column("timestamp"),
    column("action_name"),
    column("data"),
)


@dataclass
class _Run:
    name: str
    step: str | None = None
    ended: str | None = None  # "completed" or "cancelled"


def _tracker_url(tracker_db: str) -> str | None:
    if "://" in tracker_db:
        return tracker_db
    path = Path(tracker_db)
    return f"sqlite:///{path}" if path.is_file() else None


def flow_funnels(tracker_db: str, *, since: datetime | None = None) -> list[FlowFunnel]:
    """Return the funnel of every flow started since `since` (all time if None), by name."""
    url = _tracker_url(tracker_db)
    if url is None:
        return []
    engine = create_engine(url, future=True, connect_args={"timeout": 10} if url.startswith("sqlite") else {})
    try:
        if not inspect(engine).has_table("events"):
            return []
        stmt = select(_events.c.sender_id, _events.c.type_name, _events.c.action_name, _events.c.data).where(
            _events.c.type_name.in_(("action", "active_loop", "slot"))
        )
        if since is not None:
            stmt = stmt.where(_events.c.timestamp >= since.timestamp())
        with engine.connect() as connection:
            rows = connection.execute(stmt.order_by(_events.c.id)).all()
    except SQLAlchemyError as exc:
        raise KnowledgeUnavailable(f"conversation store unavailable: {exc.__class__.__name__}") from exc
    finally:
        engine.dispose()
    return _funnels(rows)


def _funnels(rows: list[tuple[str, str, str | None, str | None]]) -> list[FlowFunnel]:
    runs: list[_Run] = []
    open_runs: dict[str, _Run] = {}
    last_action: dict[str, str] = {}
    for sender, kind, action_name, raw in rows:
        if kind == "action":
            last_action[sender] = action_name or ""
            continue
        try:
            data = json.loads(raw or "{}")
        except ValueError:
            continue
        run = open_runs.get(sender)
        if kind == "active_loop":
            name = data.get("name")
            if name:
                if run is None or run.name != name:
                    open_runs[sender] = _Run(name=name)
                    runs.append(open_runs[sender])
            elif run is not None:
                run.ended = "completed" if last_action.get(sender) == run.name else "cancelled"
                del open_runs[sender]
        elif kind == "slot" and data.get("name") == "requested_slot" and run is not None and data.get("value"):
            run.step = str(data["value"])
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
