"""Privacy: delete one person's data on request, and remove old logs after the retention period.

A person's data is their logged questions, feedback (with their votes) and handoffs to a facilitator
(knowledge-base database) and their conversations, which belong to the Rasa server: they are deleted by
asking it (`knowledge.conversation_owner`), never by opening its tracker database from this process, so
it works wherever that database lives. Conversation ids are chosen by the front end, so callers say
which ones belong to the person with a `SenderSelector`.

Retention: `purge` removes questions and feedback older than the cutoff, and conversations whose latest
event is older (whole conversations, so no tracker is left half-deleted). `purge_if_due` runs it at most
once a day across all processes (the last run is recorded in the database).
"""

from __future__ import annotations

import logging
import re
import threading
import time as _time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.sql import column, table

from knowledge.admin_types import DeletionReport
from knowledge.conversation_owner import ConversationStore
from knowledge.db import get_session_factory
from knowledge.errors import KnowledgeUnavailable
from knowledge.models import (
    Feedback,
    FlowDocument,
    Handoff,
    HandoffMessage,
    KbFeedbackVote,
    Maintenance,
    QuestionLog,
    utcnow,
)

logger = logging.getLogger(__name__)

_events = table("events", column("sender_id"), column("timestamp"))
PURGE_JOB = "retention-purge"
PURGE_INTERVAL = timedelta(days=1)


@dataclass(frozen=True)
class SenderSelector:
    """Which conversation ids belong to one person: SQL LIKE patterns to find candidates, a regex to confirm."""

    like: tuple[str, ...]
    regex: str

    def matches(self, sender_id: str) -> bool:
        """Return whether `sender_id` belongs to the person."""
        return re.fullmatch(self.regex, sender_id) is not None


def _matching_senders(execute: Callable[[Any], Any], sender_column: Any, selector: SenderSelector) -> list[str]:
    stmt = select(sender_column).where(or_(*(sender_column.like(p) for p in selector.like))).distinct()
    return [sender for (sender,) in execute(stmt) if selector.matches(sender)]


def delete_sender_logs(session: Session, *, selector: SenderSelector) -> DeletionReport:
    """Delete the logged questions and feedback of every conversation the selector matches."""
    questions = feedback = 0
    senders = set(_matching_senders(session.execute, QuestionLog.sender_id, selector))
    senders |= set(_matching_senders(session.execute, Feedback.sender_id, selector))
    senders |= set(_matching_senders(session.execute, Handoff.sender_id, selector))
    senders |= set(_matching_senders(session.execute, FlowDocument.owner, selector))
    if senders:
        questions = session.execute(delete(QuestionLog).where(QuestionLog.sender_id.in_(senders))).rowcount
        feedback = session.execute(delete(Feedback).where(Feedback.sender_id.in_(senders))).rowcount
        # Votes and handoffs name the person too (a handoff also their name): they go with the rest.
        session.execute(delete(KbFeedbackVote).where(KbFeedbackVote.sender_id.in_(senders)))
        _delete_handoffs(session, select(Handoff.id).where(Handoff.sender_id.in_(senders)))
        # The documents a guided flow made hold the officer's answers (agency, team, plans).
        session.execute(delete(FlowDocument).where(FlowDocument.owner.in_(senders)))
    return DeletionReport(questions=questions, feedback=feedback)


def delete_person(database_url: str, conversations: ConversationStore, *, selector: SenderSelector) -> DeletionReport:
    """Delete one person's questions, feedback and conversations (`/hapus_data`); return the counts."""
    factory = get_session_factory(database_url)
    try:
        with factory.begin() as session:
            logs = delete_sender_logs(session, selector=selector)
    except SQLAlchemyError as exc:
        raise KnowledgeUnavailable(f"knowledge base unavailable: {exc.__class__.__name__}") from exc
    # Raises KnowledgeUnavailable when Rasa cannot be reached: the person is told to try again (idempotent).
    events = conversations.delete(selector)
    return DeletionReport(questions=logs.questions, feedback=logs.feedback, conversation_events=events)


def purge_logs(session: Session, *, before: datetime) -> DeletionReport:
    """Delete logged questions and feedback older than `before`."""
    questions = session.execute(delete(QuestionLog).where(QuestionLog.at < before)).rowcount
    feedback = session.execute(delete(Feedback).where(Feedback.at < before)).rowcount
    session.execute(delete(KbFeedbackVote).where(KbFeedbackVote.at < before))
    _delete_handoffs(session, select(Handoff.id).where(Handoff.requested_at < before))
    session.execute(delete(FlowDocument).where(FlowDocument.created_at < before))
    return DeletionReport(questions=questions, feedback=feedback)


def _delete_handoffs(session: Session, ids: Any) -> None:
    # Relayed-message rows first: SQLite enforces the foreign key, and ON DELETE CASCADE needs the pragma.
    wanted = list(session.execute(ids).scalars())
    if wanted:
        session.execute(delete(HandoffMessage).where(HandoffMessage.handoff_id.in_(wanted)))
        session.execute(delete(Handoff).where(Handoff.id.in_(wanted)))


def purge(
    database_url: str, conversations: ConversationStore, *, retention_days: int, now: datetime | None = None
) -> DeletionReport:
    """Remove questions, feedback and conversations older than `retention_days`; record the run."""
    if retention_days < 1:
        raise ValueError("retention_days must be at least 1")
    now = now or utcnow()
    cutoff = now - timedelta(days=retention_days)
    factory = get_session_factory(database_url)
    try:
        with factory.begin() as session:
            logs = purge_logs(session, before=cutoff)
            # Inside the transaction: if Rasa cannot purge now, the run is not recorded and is tried again.
            events = conversations.purge(cutoff)
            _record_run(session, now)
    except SQLAlchemyError as exc:
        raise KnowledgeUnavailable(f"knowledge base unavailable: {exc.__class__.__name__}") from exc
    report = DeletionReport(questions=logs.questions, feedback=logs.feedback, conversation_events=events)
    logger.info(
        "retention purge (%d days): %d questions, %d feedback, %d conversation events removed",
        retention_days,
        report.questions,
        report.feedback,
        report.conversation_events,
    )
    return report


def _record_run(session: Session, now: datetime) -> None:
    row = session.get(Maintenance, PURGE_JOB)
    if row is None:
        session.add(Maintenance(name=PURGE_JOB, last_run_at=now))
    else:
        row.last_run_at = now


def last_purge(database_url: str) -> datetime | None:
    """Return when the retention purge last ran on this database, if ever."""
    try:
        with get_session_factory(database_url)() as session:
            row = session.get(Maintenance, PURGE_JOB)
            return row.last_run_at if row else None
    except SQLAlchemyError as exc:
        raise KnowledgeUnavailable(f"knowledge base unavailable: {exc.__class__.__name__}") from exc


_due_lock = threading.Lock()
_next_check: dict[str, float] = {}


def purge_if_due(
    database_url: str, conversations: ConversationStore, *, retention_days: int, now: datetime | None = None
) -> DeletionReport | None:
    """Run the retention purge if it has not run in the last day; return its report, or None if not due.

    Cheap to call often: within a process the database is asked at most once an hour, and across processes
    the recorded last run keeps the purge to once a day.
    """
    clock = _time.monotonic()
    with _due_lock:
        if now is None and _next_check.get(database_url, 0.0) > clock:
            return None
        _next_check[database_url] = clock + 3600
    now = now or datetime.now(timezone.utc)
    last = last_purge(database_url)
    if last is not None and now - last < PURGE_INTERVAL:
        return None
    return purge(database_url, conversations, retention_days=retention_days, now=now)
