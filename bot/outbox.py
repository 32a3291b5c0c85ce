"""A persistent outbox for the assistant's answers, so an answer Rasa produced cannot silently get lost.

May import: `telegram`, the bot's own `render`, and the standard library. Before, an answer met by a Bot API
5xx, a dropped connection, or more 429s than the rate limiter retries was simply gone, while Rasa had
recorded the turn as done. Now every rendered item is written here (SQLite, `OUTBOX_DB`) before it is sent
and deleted once Telegram accepted it. An item that could not be sent stays, and the worker retries it:

- after Telegram's `retry_after` on a 429, with growing backoff (1 s ... 5 min) on 5xx and network errors;
- in order per chat (only a chat's oldest item is ever due), and concurrently across chats;
- across bot restarts: at start-up every item left by the previous process is due at once.

An item still unsent after `OUTBOX_GIVE_UP_SECONDS` is given up and counted, and the chat gets one notice
("the answer could not be delivered, please ask again"), itself queued, so it arrives once Telegram is
reachable again. A permanent refusal (400 Bad Request, 403 blocked by the user) is not retried.
Telegram has no idempotency key: an answer whose request timed out after Telegram had accepted it may
arrive twice; nothing is ever dropped silently.

The database is small and local; its calls run in a worker thread so the bot's event loop never waits on it.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import sqlite3
import threading
import time
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from telegram import InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter, TelegramError

from bot.render import Outgoing, OutgoingDocument, OutgoingPhoto, OutgoingText

logger = logging.getLogger(__name__)

BACKOFF_SECONDS = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)
# While `deliver` sends a reply itself, the worker leaves its items alone for this long.
INLINE_LEASE_SECONDS = 120.0
POLL_SECONDS = 0.5
NOTICE_GIVE_UP_SECONDS = 24 * 3600.0
TEXT_UNDELIVERED = (
    "Maaf, jawaban atas pesan Anda sebelumnya tidak berhasil terkirim karena gangguan jaringan. "
    "Silakan kirim ulang pertanyaan Anda."
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id INTEGER NOT NULL,
    thread_id INTEGER,
    reply_to INTEGER,
    item TEXT NOT NULL,
    notice INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    next_at REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT
);
CREATE INDEX IF NOT EXISTS outbox_chat ON outbox (chat_id, id);
CREATE TABLE IF NOT EXISTS outbox_counts (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""


def item_to_json(item: Outgoing) -> str:
    """Serialise a rendered item so it can be sent after a restart."""
    keyboard = getattr(item, "keyboard", None)
    data: dict[str, Any] = {"keyboard": keyboard.to_dict() if keyboard is not None else None}
    if isinstance(item, OutgoingText):
        data.update(kind="text", html=item.html)
    elif isinstance(item, OutgoingPhoto):
        data.update(kind="photo", url=item.url, caption_html=item.caption_html)
    else:
        data.update(
            kind="document",
            filename=item.filename,
            content=base64.b64encode(item.content).decode("ascii"),
            caption_html=item.caption_html,
        )
    return json.dumps(data, ensure_ascii=False)


def item_from_json(raw: str) -> Outgoing:
    """Rebuild a rendered item stored by `item_to_json`."""
    data = json.loads(raw)
    keyboard = InlineKeyboardMarkup.de_json(data["keyboard"], None) if data.get("keyboard") else None
    if data["kind"] == "text":
        return OutgoingText(data["html"], keyboard)
    if data["kind"] == "photo":
        return OutgoingPhoto(data["url"], data.get("caption_html"), keyboard)
    return OutgoingDocument(data["filename"], base64.b64decode(data["content"]), data.get("caption_html"))


@dataclass(frozen=True)
class Pending:
    """One queued item: where it goes and what it is."""

    id: int
    chat_id: int
    thread_id: int | None
    reply_to: int | None
    item: Outgoing
    notice: bool
    created_at: float
    attempts: int


def retry_after_seconds(exc: RetryAfter) -> float:
    """Return the wait Telegram asked for, in seconds (PTB gives an int or a timedelta)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PTB 22 deprecates the int form; both are handled here
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def is_transient(exc: TelegramError) -> bool:
    """Return whether a failed send may succeed later (429, 5xx, network) rather than never (400, 403)."""
    if isinstance(exc, BadRequest | Forbidden | InvalidToken):
        return False
    return isinstance(exc, RetryAfter | NetworkError)


class Outbox:
    """The queue of items to send, in SQLite; every method runs its query in a worker thread."""

    def __init__(self, path: str | Path, *, give_up_seconds: float, clock: Callable[[], float] = time.time) -> None:
        """Open (or create) the outbox database at `path`."""
        self.path = str(path)
        self.give_up_seconds = give_up_seconds
        self.clock = clock
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._lock = asyncio.Lock()
        # A cancelled caller does not stop its worker thread: `close` waits for a transaction still running
        # there (closing the connection under it crashed the process), and later work finds it closed.
        self._connection_lock = threading.Lock()
        self._closed = False

    async def _run(self, work: Callable[[sqlite3.Connection], Any]) -> Any:
        async with self._lock:  # one statement at a time on the shared connection

            def in_transaction() -> Any:
                with self._connection_lock:
                    if self._closed:
                        raise sqlite3.ProgrammingError("the outbox is closed")
                    self._db.execute("BEGIN IMMEDIATE")
                    try:
                        result = work(self._db)
                    except BaseException:
                        self._db.execute("ROLLBACK")
                        raise
                    self._db.execute("COMMIT")
                    return result

            return await asyncio.to_thread(in_transaction)

    async def add(
        self, chat_id: int, thread_id: int | None, reply_to: int | None, items: list[Outgoing], *, notice: bool = False
    ) -> list[int]:
        """Store a reply's items (only the first quotes `reply_to`), leased to the caller who sends them now."""
        now = self.clock()

        def insert(db: sqlite3.Connection) -> list[int]:
            ids = []
            for index, item in enumerate(items):
                cursor = db.execute(
                    "INSERT INTO outbox (chat_id, thread_id, reply_to, item, notice, created_at, next_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        chat_id,
                        thread_id,
                        reply_to if index == 0 else None,
                        item_to_json(item),
                        int(notice),
                        now,
                        now + INLINE_LEASE_SECONDS,
                    ),
                )
                ids.append(int(cursor.lastrowid or 0))
            return ids

        return list(await self._run(insert))

    async def waiting_before(self, chat_id: int, item_id: int) -> bool:
        """Return whether an older item of this chat is still queued (a new reply must then wait its turn)."""
        query = "SELECT 1 FROM outbox WHERE chat_id = ? AND id < ? LIMIT 1"
        row = await self._run(lambda db: db.execute(query, (chat_id, item_id)).fetchone())
        return row is not None

    async def sent(self, item_id: int, *, retried: bool) -> None:
        """Forget an item Telegram accepted."""

        def delete(db: sqlite3.Connection) -> None:
            db.execute("DELETE FROM outbox WHERE id = ?", (item_id,))
            _count(db, "sent")
            if retried:
                _count(db, "sent_after_retry")

        await self._run(delete)

    async def release(self, item_ids: list[int]) -> None:
        """Hand items to the worker now (the caller stopped sending them)."""
        await self._run(
            lambda db: db.executemany("UPDATE outbox SET next_at = 0 WHERE id = ?", [(i,) for i in item_ids])
        )

    async def retry_later(self, pending_id: int, error: TelegramError) -> None:
        """Schedule another attempt after Telegram's retry_after or the backoff; give up when too old."""
        now = self.clock()

        def reschedule(db: sqlite3.Connection) -> None:
            query = "SELECT attempts, created_at, notice, chat_id FROM outbox WHERE id = ?"
            row = db.execute(query, (pending_id,)).fetchone()
            if row is None:
                return
            attempts, created_at, notice, chat_id = row[0] + 1, row[1], bool(row[2]), row[3]
            limit = NOTICE_GIVE_UP_SECONDS if notice else self.give_up_seconds
            if now - created_at >= limit:
                _give_up(db, pending_id, chat_id, notice, now)
                return
            wait = BACKOFF_SECONDS[min(attempts - 1, len(BACKOFF_SECONDS) - 1)]
            if isinstance(error, RetryAfter):
                wait = max(wait, retry_after_seconds(error))
            _count(db, "retried")
            db.execute(
                "UPDATE outbox SET attempts = ?, next_at = ?, last_error = ? WHERE id = ?",
                (attempts, now + wait, type(error).__name__, pending_id),
            )

        await self._run(reschedule)

    async def refused(self, pending_id: int, error: TelegramError) -> None:
        """Drop an item Telegram will never accept (bad request, bot blocked); counted, not retried."""

        def delete(db: sqlite3.Connection) -> None:
            db.execute("DELETE FROM outbox WHERE id = ?", (pending_id,))
            _count(db, "refused")

        logger.warning("Telegram refused an answer for good (%s); not retrying", type(error).__name__)
        await self._run(delete)

    async def due(self) -> list[Pending]:
        """Return each chat's oldest item, where that item's time has come."""
        now = self.clock()
        rows = await self._run(
            lambda db: db.execute(
                "SELECT o.id, o.chat_id, o.thread_id, o.reply_to, o.item, o.notice, o.created_at, o.attempts"
                " FROM outbox AS o WHERE o.next_at <= ?"
                " AND o.id = (SELECT min(id) FROM outbox WHERE chat_id = o.chat_id) ORDER BY o.id",
                (now,),
            ).fetchall()
        )
        return [
            Pending(row[0], row[1], row[2], row[3], item_from_json(row[4]), bool(row[5]), row[6], row[7])
            for row in rows
        ]

    async def resume(self) -> int:
        """Make every item left by a previous process due now; return how many there are."""

        def reset(db: sqlite3.Connection) -> int:
            db.execute("UPDATE outbox SET next_at = 0")
            return int(db.execute("SELECT count(*) FROM outbox").fetchone()[0])

        return int(await self._run(reset))

    async def counts(self) -> dict[str, int]:
        """Return the counters (sent, sent_after_retry, retried, failed, refused, notified) and the queue size."""

        def read(db: sqlite3.Connection) -> dict[str, int]:
            counts = {name: int(value) for name, value in db.execute("SELECT name, value FROM outbox_counts")}
            counts["queued"] = int(db.execute("SELECT count(*) FROM outbox").fetchone()[0])
            return counts

        return dict(await self._run(read))

    def close(self) -> None:
        """Close the database, after a transaction still running in a worker thread has finished."""
        with self._connection_lock:
            self._closed = True
            self._db.close()


def _count(db: sqlite3.Connection, name: str) -> None:
    db.execute(
        "INSERT INTO outbox_counts (name, value) VALUES (?, 1) ON CONFLICT(name) DO UPDATE SET value = value + 1",
        (name,),
    )


def _give_up(db: sqlite3.Connection, pending_id: int, chat_id: int, notice: bool, now: float) -> None:
    db.execute("DELETE FROM outbox WHERE id = ?", (pending_id,))
    if notice:
        _count(db, "notice_failed")
        logger.error("Gave up on telling chat %s that an answer was lost", chat_id)
        return
    _count(db, "failed")
    logger.error("Gave up on delivering an answer to chat %s; the user will be told", chat_id)
    # One notice per chat at a time, however many of its items were lost; it goes behind nothing.
    already = db.execute("SELECT 1 FROM outbox WHERE chat_id = ? AND notice = 1 LIMIT 1", (chat_id,)).fetchone()
    if already is None:
        db.execute(
            "INSERT INTO outbox (chat_id, thread_id, reply_to, item, notice, created_at, next_at)"
            " VALUES (?, NULL, NULL, ?, 1, ?, 0)",
            (chat_id, item_to_json(OutgoingText(TEXT_UNDELIVERED)), now),
        )
        _count(db, "notified")


Send = Callable[[Pending], Awaitable[object]]


class OutboxWorker:
    """Send due items in the background: each chat's oldest first, chats concurrently."""

    def __init__(self, outbox: Outbox, send: Send, *, poll_seconds: float = POLL_SECONDS) -> None:
        """Use `send(pending)` to make the Bot API call for one item."""
        self.outbox = outbox
        self.send = send
        self.poll_seconds = poll_seconds
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()

    def start(self) -> None:
        """Start the background loop."""
        self._task = asyncio.create_task(self._loop(), name="outbox-worker")

    def wake(self) -> None:
        """Look for due items now rather than at the next poll."""
        self._wake.set()

    async def stop(self) -> None:
        """Stop the loop; queued items stay in the database for the next start."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _loop(self) -> None:
        left = await self.outbox.resume()
        if left:
            logger.info("Outbox: %d answers from before the restart are being sent", left)
        while True:
            try:
                await self.run_once()
            except Exception:  # the worker must survive anything one round throws
                logger.exception("Outbox round failed")
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_seconds)
            self._wake.clear()

    async def run_once(self) -> int:
        """Try every due item once; return how many were sent."""
        due = await self.outbox.due()
        results = await asyncio.gather(*(self._attempt(pending) for pending in due))
        return sum(results)

    async def _attempt(self, pending: Pending) -> bool:
        try:
            await self.send(pending)
        except TelegramError as exc:
            if is_transient(exc):
                logger.warning("Outbox: chat %s still unreachable (%s)", pending.chat_id, type(exc).__name__)
                await self.outbox.retry_later(pending.id, exc)
            else:
                await self.outbox.refused(pending.id, exc)
            return False
        await self.outbox.sent(pending.id, retried=True)
        self.wake()  # the chat's next item, if any, is due now
        return True
