"""👍/👎 on answers: storing a vote (one per answer per user) and its comment, and reading them back.

Query and write functions of the administration, `fn(session, *, ...)`, in the caller's unit of work. A vote
remembers the question it rated (the sender's latest question answered by that entry, from the question log).
Imports only `knowledge`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge.models import Feedback, KbFeedbackVote, QuestionLog, utcnow
from knowledge.rows import from_row


@dataclass(frozen=True, kw_only=True)
class FeedbackVote:
    """A 👍 or 👎 to store: who rated which version of which entry, and how.

    `question` defaults to the sender's last question answered by that entry, `at` to now. `answer_key` is the
    nonce on the answer's buttons: with it, a second vote of the same sender on the same answer is refused.
    """

    sender_id: str
    entry_id: str
    entry_version: int
    helpful: bool
    question: str | None = None
    answer_key: str | None = None
    at: datetime | None = None


def add_feedback(session: Session, vote: FeedbackVote) -> int:
    """Store a 👍 or 👎 on an answer; return the feedback id (to attach a comment later).

    Raises `AlreadyVoted` when the vote has an `answer_key` this sender already voted with.
    """
    if vote.answer_key is not None:
        voted = select(KbFeedbackVote.id).where(
            KbFeedbackVote.sender_id == vote.sender_id, KbFeedbackVote.answer_key == vote.answer_key
        )
        if session.execute(voted).first() is not None:
            raise AlreadyVoted(f"{vote.sender_id} already rated answer {vote.answer_key}")
    question = vote.question
    if question is None:
        question = last_question(session, sender_id=vote.sender_id, entry_id=vote.entry_id)
    row = Feedback(
        at=vote.at or utcnow(),
        sender_id=vote.sender_id,
        entry_id=vote.entry_id,
        entry_version=vote.entry_version,
        rating=1 if vote.helpful else -1,
        question=question,
    )
    session.add(row)
    session.flush()
    if vote.answer_key is not None:
        session.add(KbFeedbackVote(sender_id=vote.sender_id, answer_key=vote.answer_key, feedback_id=row.id, at=row.at))
    return int(row.id)


class AlreadyVoted(Exception):
    """The sender already rated this answer: one vote per answer per user."""


def set_feedback_comment(session: Session, *, feedback_id: int, comment: str) -> bool:
    """Attach what was wrong to a 👎; return False if the feedback no longer exists."""
    row = session.get(Feedback, feedback_id)
    if row is None:
        return False
    row.comment = comment.strip()[:2000]
    return True


def last_question(session: Session, *, sender_id: str, entry_id: str) -> str | None:
    """Return the text of the sender's latest question that was answered with `entry_id`."""
    stmt = (
        select(QuestionLog.text)
        .where(QuestionLog.sender_id == sender_id, QuestionLog.entry_id == entry_id)
        .order_by(QuestionLog.id.desc())
        .limit(1)
    )
    text: str | None = session.execute(stmt).scalar_one_or_none()
    return text


@dataclass(frozen=True)
class FeedbackRecord:
    """One stored feedback, as tests and exports see it."""

    id: int
    at: datetime
    sender_id: str
    entry_id: str
    entry_version: int
    helpful: bool
    question: str | None
    comment: str | None


def feedback_records(
    session: Session,
    *,
    sender_id: str | None = None,
    since: datetime | None = None,
    entry_id: str | None = None,
    unhelpful_only: bool = False,
    limit: int = 100,
) -> list[FeedbackRecord]:
    """Return the latest feedback, newest first, optionally since a time, for one entry, or only 👎."""
    stmt = select(Feedback).order_by(Feedback.id.desc()).limit(limit)
    if sender_id is not None:
        stmt = stmt.where(Feedback.sender_id == sender_id)
    if since is not None:
        stmt = stmt.where(Feedback.at >= since)
    if entry_id is not None:
        stmt = stmt.where(Feedback.entry_id == entry_id)
    if unhelpful_only:
        stmt = stmt.where(Feedback.rating < 0)
    return [from_row(FeedbackRecord, row, helpful=row.rating > 0) for row in session.execute(stmt).scalars()]
