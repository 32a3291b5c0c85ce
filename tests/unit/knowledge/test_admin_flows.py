"""The flows' funnel from Rasa's conversation store, read through the channel's route code (InProcessConversations)."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from sqlalchemy import create_engine, text

from knowledge.admin_flows import flow_funnels
from knowledge.errors import KnowledgeUnavailable
from knowledge.stats import stats_text
from tests.conversation_store import InProcessConversations


def write_events(path, conversations: dict[str, list[tuple[str, str | None, dict | None]]]) -> None:
    """Write events the way Rasa's SQL tracker store keeps them (type_name, action_name, JSON data)."""
    engine = create_engine(f"sqlite:///{path}", future=True)
    with engine.begin() as connection:
        connection.execute(
            text(
                "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, type_name VARCHAR(255)"
                " NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT)"
            )
        )
        at = datetime.now(timezone.utc).timestamp() - 3600  # an hour ago: within "today" of any period
        for sender, events in conversations.items():
            for kind, action, data in events:
                connection.execute(
                    text(
                        "INSERT INTO events (sender_id, type_name, timestamp, action_name, data)"
                        " VALUES (:s, :k, :t, :a, :d)"
                    ),
                    # Rasa's store keeps an event's `name` (an action's, a form's, a slot's) in action_name.
                    {
                        "s": sender,
                        "k": kind,
                        "t": at,
                        "a": action or (data or {}).get("name"),
                        "d": json.dumps({"event": kind, **(data or {})}),
                    },
                )
                at += 1
    engine.dispose()


def step(slot: str | None) -> tuple[str, None, dict]:
    return ("slot", None, {"name": "requested_slot", "value": slot})


def started(form: str) -> list[tuple[str, str | None, dict | None]]:
    return [("action", form, None), ("active_loop", None, {"name": form})]


COMPLETED = [
    *started("readiness_form"),
    step("agency_type"),
    ("action", "readiness_form", None),
    step("innovation_start"),
    ("action", "readiness_form", None),
    step(None),
    ("active_loop", None, {"name": None}),
]
CANCELLED = [
    *started("readiness_form"),
    step("agency_type"),
    ("action", "readiness_form", None),
    step("innovation_start"),
    ("action", "action_deactivate_loop", None),
    ("active_loop", None, {"name": None}),
    step(None),
]
LEFT = [*started("readiness_form"), step("agency_type")]
OTHER = [*started("replication_form"), step("rep_problem")]


def test_funnel_counts_starts_completions_cancels_and_the_step_left(tmp_path) -> None:
    path = tmp_path / "tracker.db"
    write_events(path, {"tg-1": COMPLETED + LEFT, "tg-2": CANCELLED, "tg-3": OTHER})
    readiness, replication = flow_funnels(InProcessConversations(str(path)))
    assert (readiness.name, readiness.starts, readiness.completed, readiness.cancelled) == ("readiness_form", 3, 1, 1)
    assert set(readiness.left_at) == {("innovation_start", 1), ("agency_type", 1)}
    assert readiness.completion_rate == 1 / 3
    assert (replication.starts, replication.completed, replication.left_at) == (1, 0, (("rep_problem", 1),))


def test_no_conversations_means_no_funnel(tmp_path) -> None:
    assert flow_funnels(InProcessConversations(str(tmp_path / "empty.db"))) == []


def test_an_unreachable_conversation_owner_leaves_the_funnel_out() -> None:
    class Down:
        def flow_events(self, *, since=None):
            raise KnowledgeUnavailable("conversation store unavailable: ConnectError")

    assert flow_funnels(Down()) == []


def test_stats_show_the_funnel(tmp_path, db_url) -> None:
    from knowledge import KnowledgeAdmin

    path = tmp_path / "tracker.db"
    write_events(path, {"tg-1": COMPLETED, "tg-2": LEFT})
    stats = KnowledgeAdmin(db_url, conversations=InProcessConversations(str(path))).stats(days=2)
    assert "Alur readiness_form: 2 dimulai, 1 selesai (50%), 0 dibatalkan; berhenti di: agency_type (1)" in stats_text(
        stats
    )


def test_the_chart_gets_a_funnel_panel_when_flows_ran(tmp_path, db_url) -> None:
    from knowledge import KnowledgeAdmin
    from knowledge.stats import stats_chart_png

    path = tmp_path / "tracker.db"
    write_events(path, {"tg-1": COMPLETED, "tg-2": LEFT})
    png = stats_chart_png(KnowledgeAdmin(db_url, conversations=InProcessConversations(str(path))).stats(days=2))
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert png.startswith(b"\x89PNG") and (width, height) == (900, 950)
