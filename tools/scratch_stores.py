"""Throw-away PostgreSQL databases and a Redis key prefix for one run of the scaled profile (bench, tests).

A private copy of the scaled assistant must not touch an operator's conversations or locks: each run gets
two new databases (knowledge base, conversations) on the PostgreSQL server it is given, and its own Redis
key prefix; on leaving, the databases are dropped and the prefix's keys deleted.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import redis
import sqlalchemy as sa
from sqlalchemy.engine import make_url


@dataclass(frozen=True)
class ScratchStores:
    """Where one run of the scaled profile keeps its state."""

    database_url: str
    tracker_database_url: str
    redis_url: str
    redis_key_prefix: str

    def env(self) -> dict[str, str]:
        """Return the settings (as environment variables) that point the scaled profile here."""
        return {
            "DEPLOY": "scaled",
            "DATABASE_URL": self.database_url,
            "TRACKER_DATABASE_URL": self.tracker_database_url,
            "REDIS_URL": self.redis_url,
            "REDIS_KEY_PREFIX": self.redis_key_prefix,
        }


@contextmanager
def scratch_stores(postgres_url: str, redis_url: str, label: str = "scratch") -> Iterator[ScratchStores]:
    """Create two databases on the server of `postgres_url` and a Redis prefix; remove them all on exit."""
    run = f"{label}_{uuid.uuid4().hex[:12]}"
    server = make_url(postgres_url)
    names = (f"klinik_{run}_kb", f"klinik_{run}_tr")
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        for name in names:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    urls = [server.set(database=name).render_as_string(hide_password=False) for name in names]
    prefix = "".join(ch for ch in f"klinik{run}" if ch.isalnum())  # Rasa accepts alphanumeric prefixes only
    try:
        yield ScratchStores(urls[0], urls[1], redis_url, prefix)
    finally:
        with admin.connect() as connection:
            for name in names:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        client = redis.Redis.from_url(redis_url)
        try:
            for key in client.scan_iter(f"{prefix}*"):
                client.delete(key)
        finally:
            client.close()
