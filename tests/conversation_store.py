"""Conversations deleted as the Rasa server deletes them, without HTTP: for unit tests of /hapus_data and retention.

It runs the REST channel's own deletion code (nlu/conversations.py) on a real tracker store (ours, on a
SQLite file), in a thread with its own event loop, so the knowledge and bot tests exercise the real
deletion; the HTTP routes around it are covered by the end-to-end tests.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from rasa.core.lock_store import InMemoryLockStore

from knowledge.privacy import SenderSelector
from nlu import conversations
from nlu.tracker_store import SQLiteTrackerStore


class InProcessConversations:
    """A `knowledge.conversation_owner.ConversationStore` over a SQLite tracker store in this process."""

    def __init__(self, tracker_db: str) -> None:
        self.tracker_db = tracker_db
        self.locks = InMemoryLockStore()

    def _run(self, work: Any) -> Any:
        result: list[Any] = []

        def target() -> None:
            store = SQLiteTrackerStore(None, db=self.tracker_db)
            try:
                result.append(asyncio.run(work(store)))
            finally:
                store.engine.dispose()

        thread = threading.Thread(target=target)
        thread.start()
        thread.join()
        return result[0]

    def delete(self, selector: SenderSelector) -> int:
        async def work(store: SQLiteTrackerStore) -> int:
            found = await conversations.find_senders(store, list(selector.like))
            deleted = 0
            for sender in found:
                if selector.matches(sender):
                    deleted += await conversations.delete_conversation(store, self.locks, sender)
            return deleted

        return int(self._run(work))

    def flow_events(self, *, since: datetime | None = None) -> Iterator[tuple[str, str, Any, Any]]:
        async def work(store: SQLiteTrackerStore) -> list[list[Any]]:
            rows: list[list[Any]] = []
            after: int | None = 0
            while after is not None:
                page, after = await conversations.flow_events(
                    store, since=None if since is None else since.timestamp(), after=after
                )
                rows.extend(page)
            return rows

        return iter([tuple(row) for row in self._run(work)])  # type: ignore[misc]

    def purge(self, before: datetime) -> int:
        async def work(store: SQLiteTrackerStore) -> int:
            return (await conversations.purge_before(store, before.timestamp()))[1]

        return int(self._run(work))
