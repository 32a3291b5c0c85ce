"""Bring a knowledge-base database to the newest schema, and draft the next revision.

Every process that opens the knowledge base (`make run`, `kb`, the action server, the bot) goes through
`knowledge.db.get_engine`, which calls `upgrade` once per database: nobody has to remember a manual step, and a
new column reaches an existing database with its rows intact (which `create_all` could never do).

Databases created before migrations existed (by `create_all`, no `alembic_version` table) are recognised by
their tables, stamped with the revision they match and upgraded from there; the result is compared with the
models and anything unexpected rolls the whole upgrade back with a message instead of half-adopting it.

Two processes starting together are safe: the upgrade runs in one transaction that first takes a lock
(SQLite: `BEGIN IMMEDIATE`, the database's write lock; PostgreSQL: a transaction-scoped advisory lock), so the
second waits, then finds the database at head and does nothing.
"""

from __future__ import annotations

import logging
import re
import tempfile
import zlib
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Connection, Engine

from knowledge.errors import KnowledgeUnavailable
from knowledge.models import Base

logger = logging.getLogger(__name__)

SCRIPT_LOCATION = Path(__file__).resolve().parent
VERSIONS = SCRIPT_LOCATION / "versions"

# The tables of each revision that predates migrations, newest first: an unversioned database holding all
# of a revision's tables is stamped with it. 0001 is the schema of commit f1b824c; 0002 adds the tables
# added after it (each created only if missing, so a database from a commit in between upgrades as well).
INITIAL_TABLES = frozenset(
    {
        "kb_entries",
        "kb_entry_versions",
        "kb_audit",
        "kb_state",
        "question_log",
        "kb_feedback",
        "kb_unanswered_resolutions",
        "kb_maintenance",
    }
)
SECOND_TABLES = INITIAL_TABLES | {
    "kb_feedback_votes",
    "kb_review_dismissals",
    "kb_handoffs",
    "kb_handoff_messages",
    "bot_state",
    "kb_content_sync",
    "kipp_editions",
    "flow_documents",
}
UNVERSIONED_REVISIONS = (("0002", SECOND_TABLES), ("0001", INITIAL_TABLES))

# Any fixed 64-bit number works; deriving it from a name keeps it recognisable in pg_locks.
_PG_LOCK_KEY = zlib.crc32(b"knowledge-base schema upgrade")


class SchemaError(KnowledgeUnavailable):
    """The database's schema is not one this code can upgrade; nothing was changed.

    A kind of `KnowledgeUnavailable`: callers that already report an unreachable database (the `kb` exit code
    2, the assistant's apology) report this too, with the reason.
    """


def alembic_config(connection: Connection | None = None, **attributes: Any) -> Config:
    """Return an Alembic configuration built in code, bound to `connection` (env.py runs on it)."""
    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    # Revision files named `0003_add_something.py`: the order is visible in a directory listing.
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    config.attributes["connection"] = connection
    config.attributes.update(attributes)
    return config


def head_revision() -> str:
    """Return the newest revision in `versions/`."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "knowledge/migrations/versions holds no revision"
    return head


def current_revision(connection: Connection) -> str | None:
    """Return the revision `connection`'s database is at (None: unversioned or empty)."""
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Upgrade `engine`'s database to the newest revision; return the revisions before and after.

    Raises:
        SchemaError: an unversioned database whose tables match no known revision, or that differs from the
            models after the upgrade. The transaction is rolled back, so the database is as it was.
    """
    head = head_revision()
    with engine.connect() as connection:
        # The usual case, a database already at head, takes no lock (and works on a read-only database too).
        before = current_revision(connection)
        connection.rollback()
        if before == head:
            return head, head
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # With foreign keys on, the DROP TABLE of a batch rebuild deletes (cascades) the rows referring
            # to the table; SQLite ignores this pragma inside a transaction, so it is set before the BEGIN.
            foreign_keys = connection.exec_driver_sql("PRAGMA foreign_keys").scalar()
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        try:
            with connection.begin():
                _lock(connection)
                before = current_revision(connection)  # again: another process may have upgraded meanwhile
                adopted = before is None and _stamp_unversioned(connection)
                if adopted:
                    before = current_revision(connection)
                command.upgrade(alembic_config(connection), "head")
                if sqlite:
                    _check_foreign_keys(connection)
                if adopted:
                    _check_matches_models(connection)
                after = current_revision(connection)
        finally:
            if sqlite:
                connection.exec_driver_sql(f"PRAGMA foreign_keys={int(bool(foreign_keys))}")
                connection.commit()
    assert after is not None
    if before != after:
        logger.info("knowledge-base schema upgraded from %s to %s", before or "nothing", after)
    return before, after


def _lock(connection: Connection) -> None:
    if connection.dialect.name == "sqlite":
        # pysqlite opens no transaction before DDL, so take the write lock now: a second process waits here
        # (busy_timeout) instead of creating the same tables at the same time.
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    elif connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})


def _stamp_unversioned(connection: Connection) -> bool:
    """Stamp a database made by `create_all` (before migrations) with the revision it matches; True if so."""
    tables = set(inspect(connection).get_table_names())
    ours = tables & set(Base.metadata.tables)
    if not ours:
        return False  # empty (or someone else's tables only): the upgrade creates everything
    for revision, expected in UNVERSIONED_REVISIONS:
        if expected <= tables:
            logger.warning("knowledge-base database has no migration history; its tables match %s", revision)
            command.stamp(alembic_config(connection), revision)
            return True
    missing = ", ".join(sorted(INITIAL_TABLES - tables))
    raise SchemaError(
        f"the database has knowledge-base tables but not all of the oldest known schema (missing: {missing}); "
        "nothing was changed. Restore it from a backup or move its data into a new database."
    )


def _check_matches_models(connection: Connection) -> None:
    differences = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata)
    if differences:
        listed = "\n".join(f"  - {difference}" for difference in differences)
        raise SchemaError(
            "the database had no migration history and, after the upgrade, still differs from the models; "
            f"nothing was changed:\n{listed}"
        )


def _check_foreign_keys(connection: Connection) -> None:
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise SchemaError(f"the upgrade would break {len(broken)} foreign key(s); nothing was changed: {broken[:5]}")


def new_revision(message: str) -> Path | None:
    """Draft a revision from the difference between the models and the newest revision; None if none.

    The draft is computed against a scratch SQLite database upgraded to head, written to `versions/` as
    `<next number>_<message>.py`, and must be read and tidied before it is committed (autogenerate misses
    renames, server defaults and data changes).
    """
    with tempfile.TemporaryDirectory() as scratch:
        engine = create_engine(f"sqlite:///{Path(scratch) / 'draft.db'}", future=True)
        try:
            upgrade(engine)
            with engine.connect() as connection:
                config = alembic_config(connection, skip_empty=True)
                script = command.revision(config, message=message, autogenerate=True, rev_id=_next_rev_id())
        finally:
            engine.dispose()
    if script is None or isinstance(script, list):
        return None
    return Path(script.path)


def _next_rev_id() -> str:
    numbers = [int(match.group(1)) for path in VERSIONS.glob("*.py") if (match := re.match(r"(\d+)_", path.name))]
    return f"{max(numbers, default=0) + 1:04d}"
