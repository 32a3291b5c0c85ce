"""PTB persistence in the knowledge-base database, so a restart of the bot loses no state.

Admin drafts, dialogue states and pending 👎 comments (user data), chat data, and the stored long button
payloads survive a restart.

May import: `telegram`, `settings`, the bot's own `render` and `store` (the bot never opens the database
itself: `bot.store.bot_state`, a `knowledge.BotStateStore`, keeps opaque blobs). Values are pickled, as PTB's own
PicklePersistence does; only the bot writes them. Bot data is not persisted (it holds the settings and the HTTP
client); the long-payload store inside it is saved and restored on its own. Writes run off the event loop.
"""

from __future__ import annotations

import asyncio
import json
import logging
import pickle
import time
from collections.abc import Callable
from typing import Any, TypeVar

from telegram.ext import BasePersistence, PersistenceInput
from telegram.ext._utils.types import ConversationDict, ConversationKey

import knowledge
from bot.render import PayloadStore
from bot.store import bot_state

logger = logging.getLogger(__name__)
T = TypeVar("T")

# PTB writes changed data this often (and at shutdown); a crash loses at most this many seconds.
UPDATE_INTERVAL_SECONDS = 5.0
_PAYLOADS = "payloads"


def _dump(value: Any) -> bytes:
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def _load(blob: bytes) -> Any:
    return pickle.loads(blob)


class DatabasePersistence(BasePersistence[dict[Any, Any], dict[Any, Any], Any]):
    """Keep user and chat data, conversation states and long button payloads in the database."""

    def __init__(self, database_url: str) -> None:
        """Persist into `database_url`; `payloads` is the long-payload store the application must use."""
        super().__init__(
            store_data=PersistenceInput(bot_data=False, chat_data=True, user_data=True, callback_data=False),
            update_interval=UPDATE_INTERVAL_SECONDS,
        )
        self._store = bot_state(database_url)
        self.payloads = PayloadStore()
        self._payloads = self.payloads
        self._payloads_saved: bytes | None = None
        self._payloads_checked_at = 0.0

    async def _call(self, work: Callable[..., T], *args: Any) -> T:
        return await asyncio.to_thread(work, *args)

    async def _load_kind(self, kind: str) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, blob in (await self._call(self._store.load, kind)).items():
            try:
                result[key] = _load(blob)
            except Exception:  # a blob from an incompatible version: drop it rather than refuse to start
                logger.warning("Dropping unreadable persisted %s data for %s", kind, key)
        return result

    async def _save(self, kind: str, key: str, value: Any) -> None:
        try:
            blob = None if value is None else _dump(value)
        except (pickle.PicklingError, TypeError, AttributeError) as exc:
            logger.warning("Could not persist %s data for %s: %s", kind, key, exc)
            return
        try:
            await self._call(self._store.save, kind, {key: blob})
        except knowledge.KnowledgeUnavailable:
            logger.warning("Could not persist %s data for %s: database unavailable", kind, key)

    async def _save_payloads(self, *, now: bool = False) -> None:
        # The store may hold thousands of payloads: pickle it at most once per interval (and at shutdown),
        # not once per changed user.
        clock = time.monotonic()
        if not now and clock - self._payloads_checked_at < UPDATE_INTERVAL_SECONDS:
            return
        self._payloads_checked_at = clock
        blob = _dump(self._payloads)
        if blob != self._payloads_saved:
            try:
                await self._call(self._store.save, "bot", {_PAYLOADS: blob})
                self._payloads_saved = blob
            except knowledge.KnowledgeUnavailable:
                logger.warning("Could not persist the button payloads: database unavailable")

    # Reading (once, when the application initialises) -----------------------------------------------------

    async def get_user_data(self) -> dict[int, dict[Any, Any]]:
        """Return every user's data; also restore the long button payloads (called first at start-up)."""
        saved = (await self._load_kind("bot")).get(_PAYLOADS)
        if isinstance(saved, PayloadStore):
            self._payloads.__dict__.update(saved.__dict__)
            self._payloads_saved = _dump(self._payloads)
        return {int(key): value for key, value in (await self._load_kind("user")).items()}

    async def get_chat_data(self) -> dict[int, dict[Any, Any]]:
        """Return every chat's data."""
        return {int(key): value for key, value in (await self._load_kind("chat")).items()}

    async def get_bot_data(self) -> Any:
        """Not persisted (see the module docstring)."""
        raise NotImplementedError("bot data is not persisted")

    async def get_callback_data(self) -> None:
        """Not persisted: buttons carry their own data (or a key into the payload store)."""
        return None

    async def get_conversations(self, name: str) -> ConversationDict:
        """Return the states of the conversation handler `name` by conversation key."""
        loaded = await self._load_kind(f"conv:{name}")
        return {tuple(json.loads(key)): state for key, state in loaded.items()}

    # Writing ------------------------------------------------------------------------------------------------

    async def update_user_data(self, user_id: int, data: dict[Any, Any]) -> None:
        """Store one user's data (drafts, a pending 👎 comment); an empty dict is deleted."""
        await self._save("user", str(user_id), data or None)
        await self._save_payloads()

    async def update_chat_data(self, chat_id: int, data: dict[Any, Any]) -> None:
        """Store one chat's data; an empty dict is deleted."""
        await self._save("chat", str(chat_id), data or None)
        await self._save_payloads()

    async def update_bot_data(self, data: Any) -> None:
        """Not persisted."""

    async def update_callback_data(self, data: Any) -> None:
        """Not persisted."""

    async def update_conversation(self, name: str, key: ConversationKey, new_state: object | None) -> None:
        """Store (or, for None, delete) one conversation's state."""
        await self._save(f"conv:{name}", json.dumps(list(key)), new_state)

    async def drop_chat_data(self, chat_id: int) -> None:
        """Delete one chat's data."""
        await self._save("chat", str(chat_id), None)

    async def drop_user_data(self, user_id: int) -> None:
        """Delete one user's data."""
        await self._save("user", str(user_id), None)

    async def refresh_user_data(self, user_id: int, user_data: dict[Any, Any]) -> None:
        """Nothing to refresh: this process is the only writer."""

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[Any, Any]) -> None:
        """Nothing to refresh: this process is the only writer."""

    async def refresh_bot_data(self, bot_data: Any) -> None:
        """Not persisted."""

    async def flush(self) -> None:
        """Save the long button payloads at shutdown (everything else is written as it changes)."""
        await self._save_payloads(now=True)
