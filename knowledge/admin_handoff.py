"""Human handoff records: an officer's request for a facilitator, its claim, the relayed messages, the end.

The bot keeps no handoff in memory: every step is a row here, so a restart loses nothing, a reply in the
facilitators' group finds its officer by the group message it answers, and `kb stats` counts handoffs.
`HandoffStore` methods are one unit of work each; database errors become `KnowledgeUnavailable`.
Imports only `knowledge`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from knowledge.models import Handoff, HandoffMessage, QuestionLog, utcnow
from knowledge.rows import from_row
from knowledge.service import KnowledgeBase

OPEN = ("requested", "claimed")


@dataclass(frozen=True)
class HandoffInfo:
    """One handoff as the bot sees it."""

    id: int
    sender_id: str
    user_chat_id: int
    user_name: str
    reason: str
    status: str
    requested_at: datetime
    claimed_at: datetime | None
    facilitator_id: int | None
    facilitator_name: str | None
    group_message_id: int | None

    @property
    def open(self) -> bool:
        """Return whether the handoff is still waiting or running."""
        return self.status in OPEN


@dataclass(frozen=True)
class Exchange:
    """A recent question of the officer and what the assistant did with it (for the facilitator's summary)."""

    at: datetime
    question: str
    outcome: str
    entry_id: str | None


class HandoffStore:
    """Open, claim, relay and close handoffs in the knowledge-base database."""

    def __init__(self, database_url: str) -> None:
        """Use the database at `database_url`."""
        self._kb = KnowledgeBase(database_url, refresh_seconds=0)

    def open_for_chat(self, user_chat_id: int) -> HandoffInfo | None:
        """Return the officer chat's open handoff (requested or claimed), if any."""

        def work(session: Session) -> HandoffInfo | None:
            stmt = (
                select(Handoff)
                .where(Handoff.user_chat_id == user_chat_id, Handoff.status.in_(OPEN))
                .order_by(Handoff.id.desc())
                .limit(1)
            )
            row = session.execute(stmt).scalar_one_or_none()
            return from_row(HandoffInfo, row) if row else None

        return self._kb.run(work)

    def request(self, *, sender_id: str, user_chat_id: int, user_name: str, reason: str) -> HandoffInfo:
        """Open a request for this chat, or return the one already open."""

        def work(session: Session) -> HandoffInfo:
            stmt = select(Handoff).where(Handoff.user_chat_id == user_chat_id, Handoff.status.in_(OPEN)).limit(1)
            row = session.execute(stmt).scalar_one_or_none()
            if row is None:
                row = Handoff(
                    sender_id=sender_id,
                    user_chat_id=user_chat_id,
                    user_name=user_name[:200],
                    reason=reason[:40],
                    status="requested",
                    requested_at=utcnow(),
                )
                session.add(row)
                session.flush()
            return from_row(HandoffInfo, row)

        return self._kb.run(work, write=True)

    def set_group_message(self, handoff_id: int, message_id: int) -> None:
        """Remember the request's message in the facilitators' group (replies to it reach the officer)."""

        def work(session: Session) -> None:
            row = session.get(Handoff, handoff_id)
            if row is not None:
                row.group_message_id = message_id
                session.add(HandoffMessage(handoff_id=handoff_id, group_message_id=message_id, direction="in"))

        self._kb.run(work, write=True)

    def claim(self, handoff_id: int, *, facilitator_id: int, facilitator_name: str) -> tuple[HandoffInfo | None, bool]:
        """Claim a waiting request; return it and whether this call claimed it (False: taken, closed or gone)."""

        def work(session: Session) -> tuple[HandoffInfo | None, bool]:
            row = session.get(Handoff, handoff_id, with_for_update=True)
            if row is None or row.status != "requested":
                return (from_row(HandoffInfo, row) if row else None), False
            row.status, row.claimed_at = "claimed", utcnow()
            row.facilitator_id, row.facilitator_name = facilitator_id, facilitator_name[:200]
            return from_row(HandoffInfo, row), True

        return self._kb.run(work, write=True)

    def record_relay(self, handoff_id: int, group_message_id: int, direction: str) -> None:
        """Remember a relayed message in the group, so a reply to it reaches the officer."""
        self._kb.run(
            lambda s: s.add(
                HandoffMessage(handoff_id=handoff_id, group_message_id=group_message_id, direction=direction)
            ),
            write=True,
        )

    def by_group_message(self, group_message_id: int) -> HandoffInfo | None:
        """Return the open handoff a group message belongs to (the request or a relayed message)."""

        def work(session: Session) -> HandoffInfo | None:
            stmt = (
                select(Handoff)
                .join(HandoffMessage, HandoffMessage.handoff_id == Handoff.id)
                .where(HandoffMessage.group_message_id == group_message_id, Handoff.status.in_(OPEN))
                .limit(1)
            )
            row = session.execute(stmt).scalar_one_or_none()
            return from_row(HandoffInfo, row) if row else None

        return self._kb.run(work)

    def close(self, handoff_id: int, *, by: str, status: str = "closed") -> HandoffInfo | None:
        """End an open handoff (`closed` by "user" or "facilitator", or `timeout`); None if it was not open."""

        def work(session: Session) -> HandoffInfo | None:
            row = session.get(Handoff, handoff_id, with_for_update=True)
            if row is None or row.status not in OPEN:
                return None
            row.status, row.closed_at, row.closed_by = status, utcnow(), by
            return from_row(HandoffInfo, row)

        return self._kb.run(work, write=True)

    def expire(self, *, older_than: timedelta, now: datetime | None = None) -> list[HandoffInfo]:
        """Time out requests nobody claimed within `older_than`; return them (to apologise to the officers)."""

        def work(session: Session) -> list[HandoffInfo]:
            moment = now or utcnow()
            due = select(Handoff.id).where(Handoff.status == "requested", Handoff.requested_at <= moment - older_than)
            # Id order: two expiries lock the rows in the same order, so they cannot deadlock.
            timed_out = [
                handoff_id
                for handoff_id in session.execute(due.order_by(Handoff.id)).scalars().all()
                if _time_out(session, handoff_id, moment)
            ]
            if not timed_out:
                return []
            rows = session.execute(select(Handoff).where(Handoff.id.in_(timed_out)).order_by(Handoff.id)).scalars()
            return [from_row(HandoffInfo, row) for row in rows]

        return self._kb.run(work, write=True)

    def recent_exchanges(self, sender_id: str, *, limit: int = 5) -> list[Exchange]:
        """Return the officer's latest questions and their outcomes, oldest first (the facilitator's summary)."""

        def work(session: Session) -> list[Exchange]:
            stmt = (
                select(QuestionLog)
                .where(QuestionLog.sender_id == sender_id)
                .order_by(QuestionLog.id.desc())
                .limit(limit)
            )
            rows = list(session.execute(stmt).scalars())
            return [Exchange(at=r.at, question=r.text, outcome=r.outcome, entry_id=r.entry_id) for r in reversed(rows)]

        return self._kb.run(work)


def _time_out(session: Session, handoff_id: int, moment: datetime) -> bool:
    """Time out one waiting request; return whether this call did (False: another process got it first).

    Several bot processes may expire the same request at once, and only one of them may apologise for it.
    The UPDATE still requires the request waiting: a concurrent one waits for the row (for the write lock on
    SQLite), then finds it timed out or claimed meanwhile and changes nothing. One row per UPDATE, because
    SQLAlchemy 1.4 has no RETURNING on SQLite and a rowcount tells only how many rows changed.
    """
    result = session.execute(
        update(Handoff)
        .where(Handoff.id == handoff_id, Handoff.status == "requested")
        .values(status="timeout", closed_at=moment, closed_by="timeout")
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)
