"""The only place that turns a database URL into an engine and sessions.

Engines are created lazily and cached per URL, so importing this module does no I/O.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool, StaticPool

from knowledge.models import Base


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the action server read while an admin writes; busy_timeout waits out short write locks;
    # synchronous=NORMAL (safe with WAL) keeps logging a question off the disk's fsync path.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


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
    """Return the process-wide engine for `url`, creating its tables on first use."""
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Return a 2.0-style session factory bound to `engine`."""
    return sessionmaker(engine, future=True, expire_on_commit=False)


@lru_cache(maxsize=8)
def get_session_factory(url: str) -> sessionmaker[Session]:
    """Return the cached session factory for `url`."""
    return session_factory(get_engine(url))
