"""A write-locked knowledge base (a long `kb import`) changes nothing in the reply: bookkeeping waits, answers do not.

Before, logging the question waited out SQLite's busy timeout, raised, and the action then sent the answer
*and* "basis pengetahuan sedang tidak dapat diakses", dropped the follow-up slots and lost the log row.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.questions import ActionAnswerQuestion
from knowledge import KnowledgeBase, ensure_seeded, queries

TRACKERS = Path(__file__).resolve().parents[2] / "fixtures" / "trackers"


@contextmanager
def write_locked(path: Path) -> Iterator[None]:
    """Hold the database's write lock, as a long import transaction does."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        connection.execute("ROLLBACK")
        connection.close()


async def test_answer_and_follow_up_slots_survive_a_write_locked_knowledge_base(tmp_path: Path) -> None:
    path = tmp_path / "kb.db"
    ensure_seeded(f"sqlite:///{path}")
    kb = KnowledgeBase(f"sqlite:///{path}", refresh_seconds=0)
    kb.index()
    state = Tracker.from_dict(json.loads((TRACKERS / "question_on_jipp.json").read_text()))
    dispatcher = CollectingDispatcher()

    with write_locked(path):
        events = await ActionAnswerQuestion(kb=kb).run(dispatcher, state, {})
        responses = [m.get("response") for m in dispatcher.messages]
        assert "utter_kb_unavailable" not in responses, responses
        assert "Sumber:" in "\n".join(m["text"] for m in dispatcher.messages if m.get("text"))
        assert SlotSet("last_topic", "jipp") in events
        assert kb.writer.pending() == 1  # the log row waits for the lock, the answer did not

    assert kb.writer.flush(timeout=60)
    logged = kb.run(lambda session: queries.logged_questions(session, sender_id=state.sender_id))
    assert len(logged) == 1 and logged[0].outcome == "answered"
