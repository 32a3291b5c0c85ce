"""Database tables of the knowledge base (SQLAlchemy 1.4, written in 2.0 style).

Tables only: queries live in `queries.py`. Imports sqlalchemy and nothing else of the project.
ORM classes stay private to the `knowledge` package; callers get the dataclasses from `types.py`.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import JSON, Column, Date, DateTime, Float, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import declarative_base
from sqlalchemy.types import TypeDecorator

# SQLAlchemy 1.4 ships no type information (see pyproject's mypy section): the base is `Any` to the type checker.
Base: Any = declarative_base()


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(timezone.utc)


class UtcDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        """Store UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        """Read back as aware UTC."""
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


class KbEntry(Base):
    """One question-and-answer entry: the unit that retrieval returns and admins edit."""

    __tablename__ = "kb_entries"

    id = Column(String(40), primary_key=True)
    topic = Column(String(20), nullable=False, index=True)
    title = Column(String(200), nullable=False)
    questions = Column(JSON, nullable=False)
    answer = Column(Text, nullable=False)
    answer_en = Column(Text, nullable=True)
    sources = Column(JSON, nullable=False)
    facts = Column(JSON, nullable=False, default=list)
    status = Column(String(10), nullable=False, default="active", index=True)
    version = Column(Integer, nullable=False, default=1)
    created_at = Column(UtcDateTime(), nullable=False, default=utcnow)
    updated_at = Column(UtcDateTime(), nullable=False, default=utcnow)

    # Optimistic locking: every UPDATE says `WHERE version = <the version read>`, so of two concurrent edits
    # of one version only the first writes; the other matches no row (StaleDataError -> VersionConflict).
    # SQLite has no SELECT ... FOR UPDATE, so this is what stops a lost update there. The code sets versions.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}  # noqa: RUF012


class KbEntryVersion(Base):
    """A snapshot of an entry after each change, so history, diff and revert need no guesswork."""

    __tablename__ = "kb_entry_versions"
    __table_args__ = (Index("ix_kb_entry_versions_entry_version", "entry_id", "version", unique=True),)

    id = Column(Integer, primary_key=True, autoincrement=True)
    entry_id = Column(String(40), ForeignKey("kb_entries.id", ondelete="CASCADE"), nullable=False)
    version = Column(Integer, nullable=False)
    snapshot = Column(JSON, nullable=False)
    changed_by = Column(String(100), nullable=False)
    changed_at = Column(UtcDateTime(), nullable=False, default=utcnow)
    action = Column(String(20), nullable=False)


class KbAudit(Base):
    """The audit log: who changed what, when, with the entry before and after."""

    __tablename__ = "kb_audit"

    id = Column(Integer, primary_key=True, autoincrement=True)
    at = Column(UtcDateTime(), nullable=False, default=utcnow, index=True)
    actor = Column(String(100), nullable=False)
    action = Column(String(20), nullable=False)
    entry_id = Column(String(40), nullable=True, index=True)
    before = Column(JSON, nullable=True)
    after = Column(JSON, nullable=True)


class KbState(Base):
    """A single row whose revision is bumped by every change; the action server polls it to reload."""

    __tablename__ = "kb_state"

    id = Column(Integer, primary_key=True)
    revision = Column(Integer, nullable=False, default=0)
    updated_at = Column(UtcDateTime(), nullable=True)


class QuestionLog(Base):
    """Every question the assistant handled, with its outcome; feeds the unanswered list and stats."""

    __tablename__ = "question_log"

    id = Column(Integer, primary_key=True, autoincrement=True)
    at = Column(UtcDateTime(), nullable=False, default=utcnow, index=True)
    sender_id = Column(String(100), nullable=False, index=True)
    text = Column(Text, nullable=False)
    normalized = Column(Text, nullable=False, index=False)
    intent = Column(String(60), nullable=True)
    outcome = Column(String(20), nullable=False, index=True)
    entry_id = Column(String(40), nullable=True)
    entry_version = Column(Integer, nullable=True)
    topic = Column(String(20), nullable=True)
    score = Column(Float, nullable=True)


class Feedback(Base):
    """A 👍/👎 on a knowledge-base answer, with the question it answered and an optional comment."""

    __tablename__ = "kb_feedback"

    id = Column(Integer, primary_key=True, autoincrement=True)
    at = Column(UtcDateTime(), nullable=False, default=utcnow, index=True)
    sender_id = Column(String(100), nullable=False, index=True)
    entry_id = Column(String(40), nullable=False, index=True)
    entry_version = Column(Integer, nullable=False)
    rating = Column(Integer, nullable=False)  # +1 helpful, -1 not helpful
    question = Column(Text, nullable=True)
    comment = Column(Text, nullable=True)


class GroupDecision:
    """Columns shared by an admin's decisions on a review-queue group: which group, and who decided.

    A declarative mixin: each subclass is its own table with these columns first (the migrations fix the
    order in real databases).
    """

    id = Column(Integer, primary_key=True, autoincrement=True)
    group_key = Column(Text, nullable=False)
    actor = Column(String(100), nullable=False)


class UnansweredResolution(GroupDecision, Base):
    """An unanswered-question group turned into an entry or a phrasing; older logs of it are hidden."""

    __tablename__ = "kb_unanswered_resolutions"

    resolved_at = Column(UtcDateTime(), nullable=False, default=utcnow)
    action = Column(String(20), nullable=False)
    entry_id = Column(String(40), nullable=True)


class KbFeedbackVote(Base):
    """Which answer (by the nonce on its buttons) a conversation already rated: one vote per answer per user."""

    __tablename__ = "kb_feedback_votes"
    __table_args__ = (Index("ix_kb_feedback_votes_sender_answer", "sender_id", "answer_key", unique=True),)

    id = Column(Integer, primary_key=True, autoincrement=True)
    sender_id = Column(String(100), nullable=False)
    answer_key = Column(String(40), nullable=False)
    feedback_id = Column(Integer, nullable=False)
    at = Column(UtcDateTime(), nullable=False, default=utcnow)


class KbReviewDismissal(GroupDecision, Base):
    """A review-queue group an admin dismissed (not worth an answer), with the reason; it stays dismissed."""

    __tablename__ = "kb_review_dismissals"

    at = Column(UtcDateTime(), nullable=False, default=utcnow)
    reason = Column(Text, nullable=False)


class Handoff(Base):
    """An officer's request to talk to a facilitator, from request to claim to close (or timeout)."""

    __tablename__ = "kb_handoffs"

    id = Column(Integer, primary_key=True, autoincrement=True)
    sender_id = Column(String(100), nullable=False, index=True)
    user_chat_id = Column(Integer, nullable=False, index=True)
    user_name = Column(String(200), nullable=False, default="")
    reason = Column(String(40), nullable=False, default="request")
    status = Column(String(20), nullable=False, index=True)  # requested, claimed, closed, timeout
    requested_at = Column(UtcDateTime(), nullable=False, default=utcnow, index=True)
    claimed_at = Column(UtcDateTime(), nullable=True)
    closed_at = Column(UtcDateTime(), nullable=True)
    facilitator_id = Column(Integer, nullable=True)
    facilitator_name = Column(String(200), nullable=True)
    group_message_id = Column(Integer, nullable=True)
    closed_by = Column(String(20), nullable=True)


class HandoffMessage(Base):
    """A message relayed during a handoff: which group message stands for it, so a reply finds the officer."""

    __tablename__ = "kb_handoff_messages"

    id = Column(Integer, primary_key=True, autoincrement=True)
    handoff_id = Column(Integer, ForeignKey("kb_handoffs.id", ondelete="CASCADE"), nullable=False, index=True)
    group_message_id = Column(Integer, nullable=False, index=True)
    direction = Column(String(10), nullable=False)  # "in" (officer to group) or "out" (facilitator to officer)
    at = Column(UtcDateTime(), nullable=False, default=utcnow)


class BotState(Base):
    """The Telegram bot's persisted state (admin drafts, pending 👎 comments, dialogue states, button payloads).

    Opaque blobs written by the bot through `knowledge.BotStateStore`, so a restart of the bot loses nothing.
    """

    __tablename__ = "bot_state"

    kind = Column(String(40), primary_key=True)
    key = Column(String(200), primary_key=True)
    data = Column(LargeBinary, nullable=False)
    updated_at = Column(UtcDateTime(), nullable=False, default=utcnow)


class KbContentSync(Base):
    """What the content files held for an entry when it was last loaded or found in step with them.

    `kb load` compares an entry's content in the database with this: if they differ, the entry was edited in
    the database since (by an admin, an import or a promoted phrasing) and the load must not overwrite it.
    A table of its own rather than columns on `kb_entries`, because there are no migrations yet.
    """

    __tablename__ = "kb_content_sync"

    entry_id = Column(String(40), primary_key=True)
    content = Column(JSON, nullable=False)
    version = Column(Integer, nullable=False)
    synced_at = Column(UtcDateTime(), nullable=False, default=utcnow)


class Maintenance(Base):
    """When a periodic job (the retention purge) last ran, shared by every process on the database."""

    __tablename__ = "kb_maintenance"

    name = Column(String(40), primary_key=True)
    last_run_at = Column(UtcDateTime(), nullable=False)


class KippEditionRow(Base):
    """One KIPP year: its dates, groups and the rules the sources state for it (see knowledge/editions.py)."""

    __tablename__ = "kipp_editions"

    year = Column(Integer, primary_key=True)
    registration_opens = Column(Date, nullable=True)
    registration_closes = Column(Date, nullable=True)
    data = Column(JSON, nullable=False)  # groups, stated minimum ages and rules, guideline, sources, note
    updated_by = Column(String(100), nullable=False)
    updated_at = Column(UtcDateTime(), nullable=False, default=utcnow)


class FlowDocument(Base):
    """A document a guided flow generated, kept here so the conversation carries only its id."""

    __tablename__ = "flow_documents"

    id = Column(String(36), primary_key=True)
    filename = Column(String(200), nullable=False)
    content = Column(LargeBinary, nullable=False)
    owner = Column(String(100), nullable=False, index=True)  # the conversation (sender id) it was made for
    created_at = Column(UtcDateTime(), nullable=False, default=utcnow, index=True)
