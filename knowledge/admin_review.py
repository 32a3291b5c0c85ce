"""The review queue: what the assistant could not answer well, grouped by meaning, for admins to act on.

One queue holds three kinds of evidence: questions it declined or could only answer with choices
(`declined`, `ambiguous`), answers it gave with little confidence (`uncertain`, when the best entry barely
beat the runner-up), and answers people marked 👎 (with their comment). Questions with the same content
terms share a group; near-duplicate groups (most terms shared) are merged into the larger one.

A group leaves the queue when an admin promotes it (`promote_to_entry`, `promote_to_phrasing`: its questions so
far are resolved, and it comes back only if asked again afterwards) or dismisses it with a reason (it stays
dismissed). Functions are `fn(session, *, ...)` in the caller's unit of work. Imports only `knowledge`.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge.admin_entries import add_phrasing, create_entry
from knowledge.admin_types import UnansweredGroup
from knowledge.models import Feedback, KbAudit, KbReviewDismissal, QuestionLog, UnansweredResolution, utcnow
from knowledge.text import content_terms, normalize
from knowledge.types import Entry, EntryData

# The question-log outcomes that mean "not answered well"; `uncertain` is an answer given with a small lead.
REVIEW_OUTCOMES = ("declined", "ambiguous", "uncertain")
UNHELPFUL = "unhelpful"
# Two groups are near-duplicates when they share at least this many terms and this share of all their terms.
MERGE_MIN_SHARED = 2
MERGE_MIN_JACCARD = 0.5


def group_key(text: str) -> str:
    """Return the key under which a question is grouped.

    Questions with the same set of content terms (stemmed, stop words and slang folded, synonyms merged) are
    near-duplicates ("gmn cara daftar kipp?" and "bagaimana mendaftar KIPP"); a question with no content term
    falls back to its normalised text.
    """
    terms = sorted(set(content_terms(text)))
    return "terms:" + " ".join(terms) if terms else "text:" + normalize(text)


def group_id(key: str) -> str:
    """Return the short id admins type for a group (8 hex digits, stable across runs)."""
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:8]  # an id, not security


@dataclass(frozen=True)
class _Item:
    """One piece of evidence: a logged question or a 👎, with its text and kind."""

    at: datetime
    text: str
    kind: str
    entry_id: str | None = None
    comment: str | None = None


def _terms(key: str) -> frozenset[str]:
    return frozenset(key.removeprefix("terms:").split()) if key.startswith("terms:") else frozenset()


def _near(a: frozenset[str], b: frozenset[str]) -> bool:
    shared = len(a & b)
    return shared >= MERGE_MIN_SHARED and shared / len(a | b) >= MERGE_MIN_JACCARD


def _resolutions(session: Session) -> dict[str, datetime]:
    latest: dict[str, datetime] = {}
    for key, at in session.execute(select(UnansweredResolution.group_key, UnansweredResolution.resolved_at)):
        if key not in latest or at > latest[key]:
            latest[key] = at
    return latest


def _dismissed(session: Session) -> set[str]:
    return set(session.execute(select(KbReviewDismissal.group_key)).scalars())


def _items(session: Session, *, since: datetime | None, kinds: Iterable[str]) -> list[_Item]:
    kinds = set(kinds)
    items: list[_Item] = []
    outcomes = [k for k in REVIEW_OUTCOMES if k in kinds]
    if outcomes:
        stmt = select(QuestionLog).where(QuestionLog.outcome.in_(outcomes)).order_by(QuestionLog.id)
        if since is not None:
            stmt = stmt.where(QuestionLog.at >= since)
        items.extend(
            _Item(at=row.at, text=row.text, kind=row.outcome, entry_id=row.entry_id)
            for row in session.execute(stmt).scalars()
        )
    if UNHELPFUL in kinds:
        stmt = select(Feedback).where(Feedback.rating < 0, Feedback.question.is_not(None)).order_by(Feedback.id)
        if since is not None:
            stmt = stmt.where(Feedback.at >= since)
        items.extend(
            _Item(at=row.at, text=row.question, kind=UNHELPFUL, entry_id=row.entry_id, comment=row.comment)
            for row in session.execute(stmt).scalars()
        )
    return items


def review_groups(
    session: Session,
    *,
    since: datetime | None = None,
    limit: int | None = 20,
    kinds: Iterable[str] = (*REVIEW_OUTCOMES, UNHELPFUL),
) -> list[UnansweredGroup]:
    """Return the open review groups, most frequent first (then most recent).

    Evidence from before a group was promoted is left out, and dismissed groups never come back.
    """
    resolved = _resolutions(session)
    dismissed = _dismissed(session)
    buckets: dict[str, list[_Item]] = {}
    for item in _items(session, since=since, kinds=kinds):
        key = group_key(item.text)
        if key in dismissed or (key in resolved and item.at <= resolved[key]):
            continue
        buckets.setdefault(key, []).append(item)
    # Merge near-duplicates into the biggest group first, comparing with each cluster's own key (no chaining).
    clusters: list[tuple[str, list[str]]] = []
    for key in sorted(buckets, key=lambda k: (-len(buckets[k]), k)):
        terms = _terms(key)
        home = next((members for head, members in clusters if terms and _near(_terms(head), terms)), None)
        if home is None:
            clusters.append((key, [key]))
        else:
            home.append(key)
    groups = [_group(head, members, [i for k in members for i in buckets[k]]) for head, members in clusters]
    groups.sort(key=lambda g: (-g.count, -g.last_at.timestamp(), g.key))
    return groups if limit is None else groups[:limit]


def _group(head: str, members: list[str], items: list[_Item]) -> UnansweredGroup:
    items.sort(key=lambda i: i.at)
    wordings = Counter(" ".join(item.text.split()) for item in items)
    kinds = Counter(item.kind for item in items)
    entries = Counter(item.entry_id for item in items if item.entry_id)
    return UnansweredGroup(
        group_id=group_id(head),
        key=head,
        count=len(items),
        texts=tuple(text for text, _ in wordings.most_common()),
        first_at=items[0].at,
        last_at=items[-1].at,
        declined=kinds["declined"],
        ambiguous=kinds["ambiguous"],
        uncertain=kinds["uncertain"],
        unhelpful=kinds[UNHELPFUL],
        keys=tuple(members),
        comments=tuple(i.comment for i in reversed(items) if i.comment),
        entry_ids=tuple(entry_id for entry_id, _ in entries.most_common()),
    )


def find_group(session: Session, *, group: str) -> UnansweredGroup | None:
    """Return the open group with this id (or a unique prefix of it), or None."""
    wanted = group.strip().lower()
    if not wanted:
        return None
    matches = [g for g in review_groups(session, limit=None) if g.group_id.startswith(wanted)]
    return matches[0] if len(matches) == 1 else None


def resolve_group(session: Session, *, group: UnansweredGroup, actor: str, action: str, entry_id: str) -> None:
    """Mark a group as handled: its evidence so far leaves the queue (every merged key of it)."""
    at = max(utcnow(), group.last_at)
    for key in group.keys or (group.key,):
        session.add(UnansweredResolution(group_key=key, resolved_at=at, actor=actor, action=action, entry_id=entry_id))


def dismiss_group(session: Session, *, group: UnansweredGroup, actor: str, reason: str) -> None:
    """Dismiss a group for good, with the reason; recorded in the audit log."""
    reason = " ".join(reason.split())
    if not reason:
        raise ValueError("a dismissal needs a reason")
    now = utcnow()
    for key in group.keys or (group.key,):
        session.add(KbReviewDismissal(group_key=key, at=now, actor=actor, reason=reason[:500]))
    session.add(
        KbAudit(
            at=now,
            actor=actor,
            action="dismiss",
            entry_id=None,
            before=None,
            after={"group": group.group_id, "question": group.example, "count": group.count, "reason": reason},
        )
    )


@dataclass(frozen=True)
class Dismissal:
    """A dismissed group key, who dismissed it, when and why."""

    key: str
    at: datetime
    actor: str
    reason: str


def dismissals(session: Session, *, limit: int = 50) -> list[Dismissal]:
    """Return the latest dismissals, newest first."""
    stmt = select(KbReviewDismissal).order_by(KbReviewDismissal.id.desc()).limit(limit)
    return [
        Dismissal(key=row.group_key, at=row.at, actor=row.actor, reason=row.reason)
        for row in session.execute(stmt).scalars()
    ]


def promote_to_phrasing(session: Session, *, group: UnansweredGroup, entry_id: str, actor: str) -> tuple[Entry, bool]:
    """Add a group's most frequent wording to an entry as a new phrasing, and resolve the group."""
    entry, changed = add_phrasing(session, entry_id=entry_id, question=group.example, actor=actor)
    resolve_group(session, group=group, actor=actor, action="add-phrasing", entry_id=entry_id)
    return entry, changed


def promote_to_entry(session: Session, *, group: UnansweredGroup, data: EntryData, actor: str) -> Entry:
    """Create a new entry for a group (its wording added to the questions if missing), and resolve the group.

    Raises `VersionConflict` if the id is already taken.
    """
    known = {normalize(q) for q in data.questions}
    if normalize(group.example) not in known:
        data = EntryData(**{**data.__dict__, "questions": (*data.questions, " ".join(group.example.split()))})
    entry = create_entry(session, data=data, actor=actor)
    resolve_group(session, group=group, actor=actor, action="new-entry", entry_id=entry.id)
    return entry
