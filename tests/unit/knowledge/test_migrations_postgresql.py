"""Schema migrations on PostgreSQL at 127.0.0.1:5432: the SQLite scenarios of `test_migrations.py` again.

Each test gets a schema of its own (the `postgres_url` fixture, dropped afterwards), so nothing collides with
other users of the server. Skipped only when the server cannot be reached; CI has it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest

from knowledge.db import get_engine, make_engine, schema_revision
from knowledge.migrations import runner
from knowledge.models import Base
from tests.unit.knowledge.test_migrations import (
    AT,
    NEW_TABLES,
    check_old_rows_intact,
    create_f1b824c_schema,
    differences,
    insert_old_rows,
    tables,
    upgrade_in_two_processes,
)


@pytest.fixture
def url(postgres_url: str) -> Iterator[str]:
    try:
        yield postgres_url
    finally:
        # Release the pooled connections before the schema is dropped. A schema the runner refuses (a test
        # left it so, or the feature is broken) raises instead, and get_engine has disposed of its engine then.
        with contextlib.suppress(Exception):
            get_engine(postgres_url).dispose()


def test_a_new_database_is_at_head_and_matches_the_models(url: str) -> None:
    engine = get_engine(url)
    assert schema_revision(engine) == runner.head_revision()
    assert differences(engine) == []
    assert tables(engine) == set(Base.metadata.tables) | {"alembic_version"}


def test_a_database_of_f1b824c_upgrades_with_its_rows(url: str) -> None:
    old = make_engine(url)
    create_f1b824c_schema(old)
    insert_old_rows(old)
    assert schema_revision(old) is None

    assert runner.upgrade(old) == ("0001", runner.head_revision())

    assert tables(old) >= NEW_TABLES
    assert differences(old) == []
    check_old_rows_intact(url)
    old.dispose()


def test_a_database_made_by_create_all_today_is_adopted_with_its_rows(url: str) -> None:
    old = make_engine(url)
    Base.metadata.create_all(old)
    insert_old_rows(old)
    with old.begin() as connection:
        connection.execute(
            Base.metadata.tables["kipp_editions"].insert(),
            {"year": 2025, "data": {"groups": []}, "updated_by": "ani", "updated_at": AT},
        )

    assert runner.upgrade(old) == ("0002", runner.head_revision())

    assert differences(old) == []
    check_old_rows_intact(url)
    with old.connect() as connection:
        assert connection.exec_driver_sql("SELECT year, updated_by FROM kipp_editions").all() == [(2025, "ani")]
    old.dispose()


def test_a_schema_that_still_differs_after_the_upgrade_is_rolled_back(url: str) -> None:
    old = make_engine(url)
    create_f1b824c_schema(old)
    insert_old_rows(old)
    with old.begin() as connection:
        connection.exec_driver_sql("ALTER TABLE kb_feedback DROP COLUMN comment")

    with pytest.raises(runner.SchemaError, match="comment"):
        runner.upgrade(old)

    assert tables(old) == runner.INITIAL_TABLES  # not stamped, no new table: as it was
    with old.connect() as connection:
        assert connection.exec_driver_sql("SELECT rating FROM kb_feedback").all() == [(-1,)]
    old.dispose()


def test_two_processes_upgrading_an_old_database_at_once(url: str) -> None:
    old = make_engine(url)
    create_f1b824c_schema(old)
    insert_old_rows(old)
    old.dispose()

    outcomes = upgrade_in_two_processes(url)

    assert [status for status, _ in outcomes] == ["ok", "ok"], outcomes
    assert sorted(result for _, result in outcomes) == [("0001", "0002"), ("0002", "0002")]
    check_old_rows_intact(url)


def test_two_processes_creating_a_new_database_at_once(url: str) -> None:
    outcomes = upgrade_in_two_processes(url)

    assert [status for status, _ in outcomes] == ["ok", "ok"], outcomes
    assert sorted((result for _, result in outcomes), key=str) == [("0002", "0002"), (None, "0002")]
    engine = make_engine(url)
    assert differences(engine) == []
    engine.dispose()
