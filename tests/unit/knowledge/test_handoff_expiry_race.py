"""Two bot processes time out the same handoff requests at once: each request times out for exactly one of them.

Both expiries have read the waiting requests before either writes (they meet at a barrier before their first
UPDATE), the moment at which both would otherwise apologise to the same officer. Real threads on a file-based
SQLite database and on PostgreSQL at 127.0.0.1:5432, there with two engines, as two processes have.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

from sqlalchemy import event

from knowledge import HandoffStore
from knowledge.db import get_engine
from knowledge.models import utcnow

CHATS = (5, 6, 7)


def expire_at_once(url_a: str, url_b: str) -> tuple[list[int], dict[str, Any]]:
    """Open three requests, let one expiry per URL run together; return the request ids and what each expired."""
    stores = {"a": HandoffStore(url_a), "b": HandoffStore(url_b)}
    requested = [
        stores["a"].request(sender_id=f"tg-{chat}", user_chat_id=chat, user_name="Ani", reason="request").id
        for chat in CHATS
    ]
    barrier = threading.Barrier(2)
    waited: set[int] = set()

    def meet_before_first_update(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.startswith("UPDATE kb_handoffs") and threading.get_ident() not in waited:
            waited.add(threading.get_ident())
            barrier.wait(timeout=10)

    outcomes: dict[str, Any] = {}

    def expire(name: str) -> None:
        try:
            later = utcnow() + timedelta(minutes=16)
            outcomes[name] = [h.id for h in stores[name].expire(older_than=timedelta(minutes=15), now=later)]
        except Exception as exc:  # reported by the caller's assertion, so a thread failure is not lost
            outcomes[name] = f"error: {exc!r}"

    engines = {get_engine(url_a), get_engine(url_b)}
    for engine in engines:
        event.listen(engine, "before_cursor_execute", meet_before_first_update)
    try:
        threads = [threading.Thread(target=expire, args=(name,)) for name in stores]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", meet_before_first_update)
    return requested, outcomes


def check_each_timed_out_once(url: str, requested: list[int], outcomes: dict[str, Any]) -> None:
    assert all(isinstance(expired, list) for expired in outcomes.values()) and len(outcomes) == 2, outcomes
    assert sorted(outcomes["a"] + outcomes["b"]) == requested, outcomes
    store = HandoffStore(url)
    assert all(store.open_for_chat(chat) is None for chat in CHATS)
    assert store.expire(older_than=timedelta(0), now=utcnow() + timedelta(hours=1)) == []


def test_two_expiries_at_once_on_sqlite_file(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'kb.db'}"
    requested, outcomes = expire_at_once(url, url)
    check_each_timed_out_once(url, requested, outcomes)


def test_two_processes_expiring_at_once_on_postgresql(postgres_url: str) -> None:
    # Another application_name makes another URL, so each "process" has an engine (and a pool) of its own.
    url_a, url_b = (f"{postgres_url}&application_name=handoff-expiry-{name}" for name in "ab")
    try:
        requested, outcomes = expire_at_once(url_a, url_b)
        check_each_timed_out_once(postgres_url, requested, outcomes)
    finally:
        for url in (url_a, url_b, postgres_url):  # release the connections before the schema is dropped
            get_engine(url).dispose()
