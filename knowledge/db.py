"""The only place that turns a database URL into an engine and sessions.

Engines are created lazily and cached per URL, so importing this module does no I/O. The first use of a URL
in a process upgrades its schema to the newest migration (`knowledge/migrations`), so every entry point
(`make run`, `kb`, the action server, the bot) works on an up-to-date schema without a manual step.
"""

from __future__ import annotations

import sqlite3
import time
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool, StaticPool

from knowledge.migrations import runner

_WAL_ATTEMPTS = 100  # 5 s in all, as long as busy_timeout waits for any other lock


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the action server read while an admin writes; busy_timeout waits out short write locks;
    # synchronous=NORMAL (safe with WAL) keeps logging a question off the disk's fsync path.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=5000")
    _enable_wal(cursor)
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _enable_wal(cursor: Any) -> None:
    # Turning a new database to WAL needs an exclusive lock, and SQLite does not wait for it (no busy handler):
    # a second process connecting at that moment (two services starting together) gets "database is locked".
    for attempt in range(_WAL_ATTEMPTS):
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == _WAL_ATTEMPTS - 1:
                raise
            time.sleep(0.05)


def make_engine(url: str) -> Engine:
    """Create an engine for `url`; SQLite files get their folder created and sensible pragmas."""
    kwargs: dict[str, Any] = {"future": True}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False}
        if url in {"sqlite://", "sqlite:///:memory:"}:
            # One shared in-memory database for every thread (tests, asyncio.to_thread).
            kwargs["poolclass"] = StaticPool
        else:
            Path(url.split("///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)
            # SQLAlchemy 1.4 opens a new SQLite connection per session by default; reusing them keeps
            # the per-question log write at a fraction of a millisecond.
            kwargs["poolclass"] = QueuePool
    else:
        kwargs["pool_pre_ping"] = True
    engine = create_engine(url, **kwargs)
    if url.startswith("sqlite"):
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


@lru_cache(maxsize=8)
def get_engine(url: str) -> Engine:
    """Return the process-wide engine for `url`, upgrading its schema to the newest revision on first use.

    Raises:
        knowledge.migrations.runner.SchemaError: the schema is not one the migrations can upgrade (nothing
            was changed); the next call tries again.
    """
    engine = make_engine(url)
    try:
        upgrade_schema(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine


def upgrade_schema(engine: Engine) -> tuple[str | None, str]:
    """Upgrade `engine`'s database to the newest revision (safe if another process does it at the same time).

    Returns:
        The revision before (None: empty, or created before migrations and not yet stamped) and after.
    """
    return runner.upgrade(engine)


def schema_revision(engine: Engine) -> str | None:
    """Return the revision `engine`'s database is at, without upgrading it (None: no migration history)."""
    with engine.connect() as connection:
        return runner.current_revision(connection)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Return a 2.0-style session factory bound to `engine`."""
    return sessionmaker(engine, future=True, expire_on_commit=False)


@lru_cache(maxsize=8)
def get_session_factory(url: str) -> sessionmaker[Session]:
    """Return the cached session factory for `url`."""
    return session_factory(get_engine(url))
