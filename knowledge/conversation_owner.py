"""Deleting conversations by asking their owner, the Rasa server, instead of opening its database.

Conversations live in Rasa's tracker store (SQLite beside Rasa in the embedded default, PostgreSQL on
another host in the scaled profile). `/hapus_data` and the retention purge reach them through the
authenticated conversation routes of the REST channel (nlu/conversations.py), so they work wherever the
store is, take the conversation's lock, and leave no cached copy behind. This module is only the HTTP
client; it knows nothing of Rasa. May import `settings`, `httpx` and the knowledge package.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote

import httpx

from knowledge.errors import KnowledgeUnavailable
from settings import bearer

if TYPE_CHECKING:
    from knowledge.privacy import SenderSelector

# One event the flows' funnel reads: (sender, kind, action name, value): an "action" and its name, an
# "active_loop" and the form it starts (None when one ends), a "slot" and the step the form asks for.
FlowEvent = tuple[str, str, "str | None", "str | None"]


class ConversationStore(Protocol):
    """Whoever can delete conversations: one person's (`/hapus_data`) and the stale ones (retention)."""

    def delete(self, selector: SenderSelector) -> int:
        """Delete every conversation the selector matches; return how many events were deleted."""
        ...

    def purge(self, before: datetime) -> int:
        """Delete whole conversations whose latest event is older than `before`; return how many events."""
        ...

    def flow_events(self, *, since: datetime | None = None) -> Iterator[FlowEvent]:
        """Yield the form events since `since` (all if None), oldest first, for the flows' funnel."""
        ...


@dataclass(frozen=True)
class RasaConversations:
    """The Rasa server's conversation routes (`{rasa_url}/webhooks/rest/conversations`), with the shared token."""

    rasa_url: str
    token: str = field(repr=False)
    timeout: float = 30.0

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        url = f"{self.rasa_url.rstrip('/')}/webhooks/rest/conversations{path}"
        try:
            response = httpx.request(method, url, headers=bearer(self.token), timeout=self.timeout, **kwargs)
            response.raise_for_status()
            return response.json()
        except (httpx.HTTPError, ValueError) as exc:
            # Reported, never swallowed: `/hapus_data` must not claim a deletion that did not happen.
            raise KnowledgeUnavailable(f"conversation store unavailable: {exc.__class__.__name__}") from exc

    def delete(self, selector: SenderSelector) -> int:
        """Find the person's conversations with the selector's patterns, confirm each id, delete them one by one."""
        found = self._call("GET", "", params=[("like", pattern) for pattern in selector.like])
        senders = [sender for sender in found.get("senders", []) if selector.matches(sender)]
        return sum(int(self._call("DELETE", f"/{quote(sender, safe='')}")["deleted_events"]) for sender in senders)

    def purge(self, before: datetime) -> int:
        """Ask Rasa to delete the conversations whose latest event is older than `before`."""
        return int(self._call("POST", "/purge", json={"before": before.timestamp()})["deleted_events"])

    def flow_events(self, *, since: datetime | None = None) -> Iterator[FlowEvent]:
        """Page through the form events Rasa returns (`GET .../conversations/flow-events`), oldest first."""
        params: dict[str, Any] = {} if since is None else {"since": since.timestamp()}
        after: int | None = 0
        while after is not None:
            page = self._call("GET", "/flow-events", params={**params, "after": after})
            yield from ((sender, kind, name, value) for sender, kind, name, value in page.get("events", []))
            after = page.get("next")
