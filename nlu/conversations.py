"""Deleting conversations inside the Rasa server, which owns them: one person's on request, old ones on a schedule.

`/hapus_data` and the retention purge used to open the tracker database from the bot's and the action
server's processes. That only worked while the conversations sat in a SQLite file on the same machine
(with PostgreSQL on another host `/hapus_data` reported success having deleted nothing), and it made the
tracker cache check the database on every turn for deletions it could not otherwise see. Now the REST
channel (nlu/channels.py) exposes these operations behind the shared token, and they run here, on
Rasa's own tracker store: its engine, its `events` table, under the conversation's lock (the same lock
store the turns use, Redis in the scaled profile), and a cached copy of a deleted conversation
(nlu/tracker_store.py) is forgotten in the same step.

Supported for Rasa's SQL tracker store and its subclasses (ours on SQLite, Rasa's on PostgreSQL), the two
stores the assistant is configured with. Imports only Rasa, Sanic and SQLAlchemy.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import sqlalchemy as sa
from rasa.core.lock_store import LockStore
from rasa.core.tracker_store import SQLTrackerStore, TrackerStore
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.exc import SQLAlchemyError

logger = logging.getLogger(__name__)

MAX_PATTERNS = 10
FLOW_EVENTS_PAGE = 5000  # rows per page of `GET /conversations/flow-events`


class UnsupportedStore(RuntimeError):
    """The configured tracker store is not one whose conversations this module can delete."""


def sql_store(store: TrackerStore) -> SQLTrackerStore:
    """Return the SQL tracker store inside Rasa's wrappers (fail-safe, awaitable), or raise UnsupportedStore."""
    seen = 0
    while not isinstance(store, SQLTrackerStore) and seen < 5:
        inner = getattr(store, "_tracker_store", None)
        if inner is None:
            break
        store, seen = inner, seen + 1
    if not isinstance(store, SQLTrackerStore):
        raise UnsupportedStore(f"deleting conversations is not supported on {type(store).__name__}")
    return store


def _forget(store: SQLTrackerStore, senders: Iterable[str]) -> None:
    forget = getattr(store, "forget", None)
    if forget is not None:
        for sender in senders:
            forget(sender)


async def find_senders(store: SQLTrackerStore, like: list[str]) -> list[str]:
    """Return the conversation ids matching any of the SQL LIKE patterns (at most MAX_PATTERNS)."""
    patterns = like[:MAX_PATTERNS]
    if not patterns:
        return []
    column = store.SQLEvent.sender_id
    query = sa.select(column).where(sa.or_(*(column.like(p) for p in patterns))).distinct()

    def work() -> list[str]:
        with store.session_scope() as session:
            return [sender for (sender,) in session.execute(query)]

    return await asyncio.to_thread(work)


async def delete_conversation(store: SQLTrackerStore, lock_store: LockStore, sender: str) -> int:
    """Delete every event of one conversation under its lock; return how many events were deleted."""
    table = store.SQLEvent.__table__

    def work() -> int:
        with store.session_scope() as session:
            deleted = session.execute(sa.delete(table).where(table.c.sender_id == sender)).rowcount
            session.commit()
        return int(deleted or 0)

    # The lock makes the deletion wait for a turn of this conversation in flight (and the next turn wait
    # for the deletion), so a turn never saves half a conversation back after it was deleted.
    async with lock_store.lock(sender):
        deleted = await asyncio.to_thread(work)
        _forget(store, [sender])
    return deleted


async def purge_before(store: SQLTrackerStore, before: float) -> tuple[int, int]:
    """Delete whole conversations last active before `before` (Unix time); return (conversations, events)."""
    table = store.SQLEvent.__table__
    stale = sa.select(table.c.sender_id).group_by(table.c.sender_id).having(sa.func.max(table.c.timestamp) < before)

    def work() -> tuple[list[str], int]:
        with store.session_scope() as session:
            senders = [sender for (sender,) in session.execute(stale)]
            deleted = 0
            if senders:
                deleted = session.execute(sa.delete(table).where(table.c.sender_id.in_(senders))).rowcount
            session.commit()
        return senders, int(deleted or 0)

    senders, deleted = await asyncio.to_thread(work)
    _forget(store, senders)
    return len(senders), deleted


async def flow_events(
    store: SQLTrackerStore, *, since: float | None, after: int = 0, limit: int = FLOW_EVENTS_PAGE
) -> tuple[list[list[Any]], int | None]:
    """Return one page of the events the flows' funnel reads, oldest first, and the id to continue after.

    Each row is `[sender, kind, name, value]`: an `action` event and the action's name; an `active_loop` event
    and the form it starts (None when a form ends); a `requested_slot` event and the step the form asks for.
    Rasa's SQL store keeps an event's `name` in the `action_name` column, so only slot events are parsed.
    """
    c = store.SQLEvent.__table__.c
    page_size = max(1, min(limit, FLOW_EVENTS_PAGE))
    query = (
        sa.select(c.id, c.sender_id, c.type_name, c.action_name, c.data)
        .where(
            c.id > after,
            sa.or_(
                c.type_name.in_(("action", "active_loop")),
                sa.and_(c.type_name == "slot", c.action_name == "requested_slot"),
            ),
        )
        .order_by(c.id)
        .limit(page_size)
    )
    if since is not None:
        query = query.where(c.timestamp >= since)

    def work() -> list[Any]:
        with store.session_scope() as session:
            return list(session.execute(query))

    rows = await asyncio.to_thread(work)
    page: list[list[Any]] = []
    for _id, sender, kind, name, data in rows:
        value = name
        if kind == "slot":
            try:
                value = json.loads(data or "{}").get("value")
            except ValueError:
                value = None
        page.append([sender, kind, name if kind == "action" else None, value if kind != "action" else None])
    following = int(rows[-1][0]) if len(rows) == page_size else None
    return page, following


def agent_stores(app: Any) -> tuple[SQLTrackerStore, LockStore]:
    """Return the running agent's SQL tracker store and lock store (raise UnsupportedStore if not SQL)."""
    agent = app.ctx.agent
    if agent is None or agent.tracker_store is None or agent.lock_store is None:
        raise UnsupportedStore("the assistant is not ready")
    return sql_store(agent.tracker_store), agent.lock_store


def add_routes(blueprint: Blueprint, authorised: Callable[[Request], bool]) -> None:
    """Add the conversation-deletion routes to the REST channel's blueprint; each needs the shared token.

    - `GET  /webhooks/rest/conversations?like=<pattern>` (repeatable): the ids matching SQL LIKE patterns.
    - `DELETE /webhooks/rest/conversations/<sender>`: delete one conversation; `{"deleted_events": n}`.
    - `POST /webhooks/rest/conversations/purge` with `{"before": <Unix time>}`: delete the conversations
      whose latest event is older; `{"conversations": k, "deleted_events": n}`.
    - `GET  /webhooks/rest/conversations/flow-events?since=<Unix time>&after=<id>`: one page of the events the
      flows' funnel reads (`flow_events`); `{"events": [[sender, kind, name, value], ...], "next": id | null}`.
    """

    def refused(request: Request) -> HTTPResponse | None:
        if authorised(request):
            return None
        logger.warning("refused a conversation request without a valid token from %s", request.ip)
        return response.json({"error": "missing or wrong token"}, status=401)

    async def guarded(request: Request, work: Callable[[SQLTrackerStore, LockStore], Awaitable[Any]]) -> HTTPResponse:
        refusal = refused(request)
        if refusal is not None:
            return refusal
        try:
            store, lock_store = agent_stores(request.app)
            return response.json(await work(store, lock_store))
        except UnsupportedStore as exc:
            return response.json({"error": str(exc)}, status=503)
        except SQLAlchemyError as exc:
            logger.error("conversation store unavailable: %s", type(exc).__name__)
            return response.json({"error": "conversation store unavailable"}, status=503)

    @blueprint.route("/conversations", methods=["GET"])
    async def list_conversations(request: Request) -> HTTPResponse:
        like = [p for p in request.args.getlist("like", []) if isinstance(p, str) and p]

        async def work(store: SQLTrackerStore, _locks: LockStore) -> dict[str, Any]:
            return {"senders": await find_senders(store, like)}

        return await guarded(request, work)

    @blueprint.route("/conversations/flow-events", methods=["GET"])
    async def list_flow_events(request: Request) -> HTTPResponse:
        try:
            since = float(request.args["since"][0]) if "since" in request.args else None
            after = int(request.args.get("after", "0"))
        except (TypeError, ValueError):
            return response.json({"error": "since must be a Unix time and after an event id"}, status=400)

        async def work(store: SQLTrackerStore, _locks: LockStore) -> dict[str, Any]:
            events, following = await flow_events(store, since=since, after=after)
            return {"events": events, "next": following}

        return await guarded(request, work)

    @blueprint.route("/conversations/<sender:str>", methods=["DELETE"])
    async def delete_one(request: Request, sender: str) -> HTTPResponse:
        async def work(store: SQLTrackerStore, locks: LockStore) -> dict[str, Any]:
            deleted = await delete_conversation(store, locks, sender)
            logger.info("deleted conversation %s (%d events) on request", sender, deleted)
            return {"sender": sender, "deleted_events": deleted}

        return await guarded(request, work)

    @blueprint.route("/conversations/purge", methods=["POST"])
    async def purge(request: Request) -> HTTPResponse:
        refusal = refused(request)
        if refusal is not None:
            return refusal
        try:
            before = float(json.loads(request.body or b"{}")["before"])
        except (KeyError, TypeError, ValueError):
            return response.json({"error": 'expected {"before": <Unix time>}'}, status=400)

        async def work(store: SQLTrackerStore, _locks: LockStore) -> dict[str, Any]:
            conversations, deleted = await purge_before(store, before)
            logger.info("retention purge: %d conversations (%d events) removed", conversations, deleted)
            return {"conversations": conversations, "deleted_events": deleted}

        return await guarded(request, work)
