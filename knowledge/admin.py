"""The administration of the knowledge base as one object: what the `kb` command and the Telegram admin use.

Every method is one unit of work (a single transaction when it writes), so a command either happens
completely or not at all; database errors become `KnowledgeUnavailable`, content problems `ContentError`
(listing every problem), stale edits `VersionConflict`, and unknown ids or versions `LookupError`.
Methods block: async callers run them with `asyncio.to_thread`.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Callable, Sequence
from datetime import date, datetime, time
from pathlib import Path
from typing import Concatenate, ParamSpec, TypeVar

from sqlalchemy.orm import Session

from knowledge import admin_entries, admin_feedback, admin_review, queries
from knowledge.admin_audit import AuditRecord, audit_records
from knowledge.admin_entries import add_phrasing as add_entry_phrasing
from knowledge.admin_entries import revert_entry
from knowledge.admin_files import dump_entry_yaml, export_entries, read_import
from knowledge.admin_flows import flow_funnels
from knowledge.admin_review import Dismissal, dismiss_group, dismissals
from knowledge.admin_types import (
    WIB,
    DeletionReport,
    EntryVersionInfo,
    ImportItem,
    ImportResult,
    Stats,
    UnansweredGroup,
)
from knowledge.conversation_owner import ConversationStore, RasaConversations
from knowledge.privacy import SenderSelector, delete_person, purge
from knowledge.service import KnowledgeBase
from knowledge.stats import collect_stats
from knowledge.types import ACTIVE, RETIRED, Entry, EntryData, KbInfo
from settings import get_settings

P = ParamSpec("P")
T = TypeVar("T")


class KnowledgeAdmin:
    """Administer one knowledge-base database (and, for privacy requests, the conversation store)."""

    def __init__(
        self, database_url: str, *, tracker_db: str = "", conversations: ConversationStore | None = None
    ) -> None:
        self.database_url = database_url
        self.tracker_db = tracker_db
        self._conversations = conversations
        self._kb = KnowledgeBase(database_url, refresh_seconds=0)

    def _read(self, query: Callable[Concatenate[Session, P], T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Return `query(session, ...)` run in a unit of work of its own."""
        return self._kb.run(lambda session: query(session, *args, **kwargs))

    def _write(self, change: Callable[Concatenate[Session, P], T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Return `change(session, ...)` run in one transaction: committed, or rolled back on an error."""
        return self._kb.run(lambda session: change(session, *args, **kwargs), write=True)

    # Reading -------------------------------------------------------------------------------------------------

    def info(self) -> KbInfo:
        """Return the number of active entries, the revision and the time of the last change."""
        return self._kb.run(queries.kb_info)

    def entries(self, *, include_retired: bool = False, topic: str | None = None) -> list[Entry]:
        """Return entries by topic and id."""
        status = None if include_retired else ACTIVE
        return self._read(admin_entries.list_entries, status=status, topic=topic)

    def search(self, text: str, *, limit: int = 20) -> list[Entry]:
        """Return entries containing every word of `text` (id, title, questions, answer)."""
        return self._read(admin_entries.search_entries, text=text, limit=limit)

    def get(self, entry_id: str) -> Entry | None:
        """Return an entry, active or retired, or None."""
        return self._read(queries.get_entry, entry_id=entry_id)

    def require(self, entry_id: str) -> Entry:
        """Return an entry or raise `LookupError`."""
        entry = self.get(entry_id)
        if entry is None:
            raise LookupError(f"no entry {entry_id!r}")
        return entry

    def history(self, entry_id: str) -> list[EntryVersionInfo]:
        """Return every version of an entry, oldest first; `LookupError` if there is none."""
        versions = self._read(admin_entries.entry_history, entry_id=entry_id)
        if not versions:
            raise LookupError(f"no entry {entry_id!r}")
        return versions

    def diff(self, entry_id: str, old: int | None = None, new: int | None = None) -> str:
        """Return a unified diff between two versions (default: the previous and the current one)."""
        versions = {v.version: v for v in self.history(entry_id)}
        latest = max(versions)
        new = latest if new is None else new
        old = (new - 1 if new > 1 else new) if old is None else old
        for number in (old, new):
            if number not in versions:
                raise LookupError(f"entry {entry_id!r} has no version {number} (versions 1-{latest})")

        def lines(info: EntryVersionInfo) -> list[str]:
            return [f"status: {info.status}\n", *dump_entry_yaml(info.data).splitlines(keepends=True)]

        return "".join(
            difflib.unified_diff(
                lines(versions[old]),
                lines(versions[new]),
                fromfile=f"{entry_id} v{old} ({versions[old].action}, {versions[old].changed_by})",
                tofile=f"{entry_id} v{new} ({versions[new].action}, {versions[new].changed_by})",
            )
        )

    # Changing ------------------------------------------------------------------------------------------------

    def create(self, data: EntryData, *, actor: str) -> Entry:
        """Create a new entry; `VersionConflict` if the id is taken."""
        return self._write(admin_entries.create_entry, data=data, actor=actor)

    def save(self, data: EntryData, *, actor: str, expected_version: int | None = None) -> tuple[Entry, bool]:
        """Create or update an entry; with `expected_version`, refuse if it changed since (VersionConflict)."""
        return self._write(
            queries.save_entry, data=data, actor=actor, action="update", expected_version=expected_version
        )

    def set_status(self, entry_id: str, status: str, *, actor: str, expected_version: int | None = None) -> Entry:
        """Retire or restore an entry; `LookupError` if there is none."""
        entry = self._write(
            queries.set_status, entry_id=entry_id, status=status, actor=actor, expected_version=expected_version
        )
        if entry is None:
            raise LookupError(f"no entry {entry_id!r}")
        return entry

    def retire(self, entry_id: str, *, actor: str, expected_version: int | None = None) -> Entry:
        """Stop using an entry (it stays in the database with its history)."""
        return self.set_status(entry_id, RETIRED, actor=actor, expected_version=expected_version)

    def restore(self, entry_id: str, *, actor: str, expected_version: int | None = None) -> Entry:
        """Use a retired entry again."""
        return self.set_status(entry_id, ACTIVE, actor=actor, expected_version=expected_version)

    def revert(
        self, entry_id: str, version: int, *, actor: str, expected_version: int | None = None
    ) -> tuple[Entry, bool]:
        """Save the content of an earlier version as a new version (the status is left as it is)."""
        return self._write(
            revert_entry, entry_id=entry_id, version=version, actor=actor, expected_version=expected_version
        )

    def add_phrasing(
        self, entry_id: str, question: str, *, actor: str, expected_version: int | None = None
    ) -> tuple[Entry, bool]:
        """Add a question wording to an entry as a new version."""
        return self._write(
            add_entry_phrasing, entry_id=entry_id, question=question, actor=actor, expected_version=expected_version
        )

    def import_items(
        self, items: Sequence[ImportItem], *, actor: str, file: str = "import", dry_run: bool = False
    ) -> ImportResult:
        """Apply validated import items in one transaction (all or nothing)."""
        return self._kb.run(
            lambda s: admin_entries.apply_import(s, items=items, actor=actor, file=file, dry_run=dry_run),
            write=not dry_run,
        )

    def import_file(self, path: Path, *, actor: str, dry_run: bool = False) -> ImportResult:
        """Validate a YAML, CSV or XLSX file completely, then apply it in one transaction."""
        items = read_import(path)
        return self.import_items(items, actor=actor, file=path.name, dry_run=dry_run)

    def export_file(
        self,
        path: Path,
        *,
        fmt: str | None = None,
        include_retired: bool = False,
        ids: Sequence[str] | None = None,
        for_content: bool = False,
    ) -> int:
        """Write the entries (all, or those in `ids`) to a YAML, CSV or XLSX file; return how many.

        Unknown ids raise `LookupError` naming every one; listed ids are written even if retired.
        """
        if ids:
            entries = self.entries(include_retired=True)
            known = {e.id for e in entries}
            missing = [i for i in ids if i not in known]
            if missing:
                raise LookupError(f"no entry {', '.join(map(repr, missing))}")
            order = {entry_id: n for n, entry_id in enumerate(ids)}
            chosen = sorted((e for e in entries if e.id in order), key=lambda e: order[e.id])
        else:
            chosen = self.entries(include_retired=include_retired)
        return export_entries(chosen, path, fmt=fmt, for_content=for_content)

    # Unanswered questions ------------------------------------------------------------------------------------

    def unanswered(self, *, since: datetime | None = None, limit: int | None = 20) -> list[UnansweredGroup]:
        """Return the open review groups (declined, ambiguous, uncertain, 👎), most frequent first."""
        return self._read(admin_review.review_groups, since=since, limit=limit)

    def group(self, group: str) -> UnansweredGroup:
        """Return an open group by id (or unique prefix); `LookupError` if there is none."""
        found = self._read(admin_review.find_group, group=group)
        if found is None:
            raise LookupError(f"no open unanswered group {group!r}")
        return found

    def promote_to_phrasing(self, group: str, entry_id: str, *, actor: str) -> tuple[Entry, bool]:
        """Add a group's question to an existing entry as a new phrasing, in one transaction."""

        def work(session: Session) -> tuple[Entry, bool]:
            found = admin_review.find_group(session, group=group)
            if found is None:
                raise LookupError(f"no open unanswered group {group!r}")
            return admin_review.promote_to_phrasing(session, group=found, entry_id=entry_id, actor=actor)

        return self._kb.run(work, write=True)

    def promote_to_entry(self, group: str, data: EntryData, *, actor: str) -> Entry:
        """Create a new entry answering a group's question, in one transaction."""

        def work(session: Session) -> Entry:
            found = admin_review.find_group(session, group=group)
            if found is None:
                raise LookupError(f"no open unanswered group {group!r}")
            return admin_review.promote_to_entry(session, group=found, data=data, actor=actor)

        return self._kb.run(work, write=True)

    def review(self, *, since: datetime | None = None, limit: int | None = 20) -> list[UnansweredGroup]:
        """Return the review queue: unanswered, uncertain and 👎 questions grouped by meaning (same as unanswered)."""
        return self.unanswered(since=since, limit=limit)

    def dismiss(self, group: str, reason: str, *, actor: str) -> UnansweredGroup:
        """Dismiss a review group for good, with a reason (audited); `LookupError`/`ValueError` if impossible."""

        def work(session: Session) -> UnansweredGroup:
            found = admin_review.find_group(session, group=group)
            if found is None:
                raise LookupError(f"no open review group {group!r}")
            dismiss_group(session, group=found, actor=actor, reason=reason)
            return found

        return self._kb.run(work, write=True)

    def dismissals(self, *, limit: int = 50) -> list[Dismissal]:
        """Return the latest dismissed groups, newest first."""
        return self._read(dismissals, limit=limit)

    def audit(
        self,
        *,
        since: datetime | None = None,
        actor: str | None = None,
        entry_id: str | None = None,
        limit: int = 50,
    ) -> list[AuditRecord]:
        """Return every change by anyone, newest first, filtered by time, actor and entry."""
        return self._read(audit_records, since=since, actor=actor, entry_id=entry_id, limit=limit)

    # Feedback, statistics, privacy ---------------------------------------------------------------------------

    def feedback(
        self,
        *,
        since: datetime | None = None,
        entry_id: str | None = None,
        unhelpful_only: bool = True,
        limit: int = 50,
    ) -> list[admin_feedback.FeedbackRecord]:
        """Return feedback (by default only 👎), newest first, with the question and the entry's version."""
        return self._read(
            admin_feedback.feedback_records, since=since, entry_id=entry_id, unhelpful_only=unhelpful_only, limit=limit
        )

    def add_feedback(self, vote: admin_feedback.FeedbackVote) -> int:
        """Store a 👍/👎 with the sender's question (looked up if not given); return its id.

        With an `answer_key`, a second vote on the same answer by the same sender raises `AlreadyVoted`.
        """
        return self._write(admin_feedback.add_feedback, vote)

    def comment_feedback(self, feedback_id: int, comment: str) -> bool:
        """Attach a comment to a feedback; False if it no longer exists."""
        return self._write(admin_feedback.set_feedback_comment, feedback_id=feedback_id, comment=comment)

    def stats(self, *, days: int = 30, today: date | None = None, top: int = 5) -> Stats:
        """Return usage statistics of the last `days` days, with the flows' funnels from the conversation store."""
        stats = self._read(collect_stats, days=days, today=today, top=top)
        start = datetime.combine(stats.since, time.min, tzinfo=WIB)
        return dataclasses.replace(stats, flows=tuple(flow_funnels(self.conversations, since=start)))

    @property
    def conversations(self) -> ConversationStore:
        """Return the owner of the conversations: the one given, else the Rasa server named in settings."""
        if self._conversations is None:
            settings = get_settings()
            self._conversations = RasaConversations(settings.rasa_url, settings.rasa_token)
        return self._conversations

    def delete_person(self, selector: SenderSelector) -> DeletionReport:
        """Delete one person's questions, feedback and conversations."""
        return delete_person(self.database_url, self.conversations, selector=selector)

    def purge(self, *, retention_days: int, now: datetime | None = None) -> DeletionReport:
        """Remove logs and conversations older than the retention period."""
        return purge(self.database_url, self.conversations, retention_days=retention_days, now=now)
