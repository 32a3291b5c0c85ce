"""Deleting one person's data (questions, feedback, conversations) and the retention purge."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, create_engine, func, select

from knowledge import FeedbackVote, QuestionRecord, SenderSelector, admin_feedback
from knowledge import queries as q
from knowledge.models import Feedback, QuestionLog
from knowledge.privacy import purge_if_due
from tests.conversation_store import InProcessConversations

USER = 42
SELECTOR = SenderSelector(like=(f"tg-{USER}", f"tg-%-{USER}"), regex=rf"tg-{USER}|tg-(-?\d+)-{USER}")
MINE = ["tg-42", "tg--1001-42"]
OTHERS = ["tg-4242", "tg--1001-142", "tg--42", "tg-420"]


def tracker(path) -> Table:
    """Create Rasa's SQL tracker-store table (the columns Rasa 3.6 defines) in a SQLite file."""
    metadata = MetaData()
    events = Table(
        "events",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("sender_id", String(255), nullable=False, index=True),
        Column("type_name", String(255), nullable=False),
        Column("timestamp", Float),
        Column("intent_name", String(255)),
        Column("action_name", String(255)),
        Column("data", Text),
    )
    engine = create_engine(f"sqlite:///{path}", future=True)
    metadata.create_all(engine)
    engine.dispose()
    return events


def add_events(path, events: Table, sender: str, stamps: list[float]) -> None:
    engine = create_engine(f"sqlite:///{path}", future=True)
    with engine.begin() as connection:
        for stamp in stamps:
            connection.execute(events.insert().values(sender_id=sender, type_name="user", timestamp=stamp, data="{}"))
    engine.dispose()


def senders_in(path, events: Table) -> dict[str, int]:
    engine = create_engine(f"sqlite:///{path}", future=True)
    with engine.connect() as connection:
        rows = connection.execute(select(events.c.sender_id, func.count()).group_by(events.c.sender_id)).all()
    engine.dispose()
    return dict(rows)


def seed(sessions, senders: list[str], at: datetime | None = None) -> None:
    with sessions.begin() as session:
        for sender in senders:
            q.log_question(
                session, QuestionRecord(sender_id=sender, text="apa itu kipp", intent=None, outcome="declined", at=at)
            )
            admin_feedback.add_feedback(
                session, FeedbackVote(sender_id=sender, entry_id="kipp-apa", entry_version=1, helpful=True, at=at)
            )


def test_delete_person_removes_their_questions_feedback_and_conversations(admin, sessions, tmp_path) -> None:
    events = tracker(tmp_path / "tracker.db")
    for sender in MINE + OTHERS:
        add_events(tmp_path / "tracker.db", events, sender, [time.time(), time.time()])
    seed(sessions, MINE + OTHERS)
    report = admin.delete_person(SELECTOR)
    assert (report.questions, report.feedback, report.conversation_events) == (2, 2, 4)
    with sessions() as session:
        assert sorted(session.execute(select(QuestionLog.sender_id)).scalars()) == sorted(OTHERS)
        assert sorted(session.execute(select(Feedback.sender_id)).scalars()) == sorted(OTHERS)
    assert set(senders_in(tmp_path / "tracker.db", events)) == set(OTHERS)


def test_delete_person_without_a_conversation_store_yet(admin, sessions) -> None:
    seed(sessions, MINE)
    assert admin.delete_person(SELECTOR).total == 4


def test_purge_removes_old_logs_and_idle_conversations(admin, sessions, tmp_path, db_url) -> None:
    now = datetime(2025, 6, 1, tzinfo=timezone.utc)
    old, recent = now - timedelta(days=200), now - timedelta(days=10)
    seed(sessions, ["tg-1"], at=old)
    seed(sessions, ["tg-2"], at=recent)
    events = tracker(tmp_path / "tracker.db")
    add_events(tmp_path / "tracker.db", events, "tg-1", [old.timestamp()])
    add_events(tmp_path / "tracker.db", events, "tg-2", [old.timestamp(), recent.timestamp()])  # still active
    report = admin.purge(retention_days=180, now=now)
    assert (report.questions, report.feedback, report.conversation_events) == (1, 1, 1)
    assert senders_in(tmp_path / "tracker.db", events) == {"tg-2": 2}
    with sessions() as session:
        assert session.execute(select(QuestionLog.sender_id)).scalars().all() == ["tg-2"]


def test_purge_if_due_runs_at_most_once_a_day(admin, sessions, tmp_path, db_url) -> None:
    now = datetime(2025, 6, 1, tzinfo=timezone.utc)
    seed(sessions, ["tg-1"], at=now - timedelta(days=400))
    tracker_db = admin.conversations
    assert purge_if_due(db_url, tracker_db, retention_days=180, now=now).questions == 1
    seed(sessions, ["tg-1"], at=now - timedelta(days=400))
    assert purge_if_due(db_url, tracker_db, retention_days=180, now=now + timedelta(hours=23)) is None
    assert purge_if_due(db_url, tracker_db, retention_days=180, now=now + timedelta(hours=25)).questions == 1


def test_kb_purge_command(kb, sessions, tmp_path, monkeypatch) -> None:
    # The command asks the Rasa server named in settings; here the same deletion runs in this process.
    monkeypatch.setattr("knowledge.admin.RasaConversations", lambda *_a: InProcessConversations(str(tmp_path / "t.db")))
    seed(sessions, ["tg-1"], at=datetime.now(timezone.utc) - timedelta(days=30))
    result = kb("purge", "--days", "7", "--yes")
    assert result.exit_code == 0 and "removed 1 questions, 1 feedback" in result.output


def test_delete_person_and_purge_remove_the_documents_their_flows_made(admin, sessions) -> None:
    from knowledge.models import FlowDocument

    now = datetime.now(timezone.utc)
    with sessions.begin() as session:
        for number, owner in enumerate(MINE + OTHERS):
            session.add(FlowDocument(id=f"doc-{number}", filename="rencana.docx", content=b"PK", owner=owner))
        session.add(
            FlowDocument(
                id="doc-old", filename="lama.docx", content=b"PK", owner="tg-7", created_at=now - timedelta(days=400)
            )
        )
    admin.delete_person(SELECTOR)
    with sessions() as session:
        assert sorted(session.execute(select(FlowDocument.owner)).scalars()) == sorted([*OTHERS, "tg-7"])
    admin.purge(retention_days=180, now=now)
    with sessions() as session:
        assert "tg-7" not in set(session.execute(select(FlowDocument.owner)).scalars())
