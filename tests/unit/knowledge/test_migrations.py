"""Schema migrations on SQLite files: head equals the models, and old databases upgrade with their rows intact.

The old databases are made as the code before migrations made them: `create_all` of commit f1b824c (a frozen
SQL dump of it, `tests/fixtures/schemas/`) or of today's models, with no `alembic_version` table. The same
scenarios run on PostgreSQL in `test_migrations_postgresql.py`.
"""

from __future__ import annotations

import multiprocessing
import shutil
import traceback
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Integer, MetaData, Table, func, inspect, select
from sqlalchemy.engine import Engine

from knowledge import queries as q
from knowledge.db import get_engine, get_session_factory, make_engine, schema_revision
from knowledge.migrations import runner
from knowledge.models import Base, Feedback, KbAudit, KbEntry, KbEntryVersion, KbState, QuestionLog, UtcDateTime
from tests.factories import entry_data

SCHEMAS = Path(__file__).resolve().parents[2] / "fixtures" / "schemas"
AT = datetime(2025, 12, 1, 10, 30, tzinfo=timezone.utc)
NEW_TABLES = runner.SECOND_TABLES - runner.INITIAL_TABLES


# Helpers shared with the PostgreSQL tests ----------------------------------------------------------------------


def differences(engine: Engine) -> list[Any]:
    """Return what differs between the database and the models (Alembic's autogenerate comparison)."""
    with engine.connect() as connection:
        return compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata)


def tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def create_f1b824c_schema(engine: Engine) -> None:
    """Create the tables exactly as `create_all` did at commit f1b824c (no migration history)."""
    script = (SCHEMAS / f"f1b824c-{engine.dialect.name}.sql").read_text(encoding="utf-8")
    sql = "\n".join(line for line in script.splitlines() if not line.startswith("--"))
    with engine.begin() as connection:
        for statement in filter(None, (part.strip() for part in sql.split(";"))):
            connection.exec_driver_sql(statement)


def insert_old_rows(engine: Engine) -> None:
    """Insert an entry with its history, an audit row, a logged question, feedback and the state row.

    Written through the reflected tables (what is in the database), not the models (what the code expects now).
    """
    old = MetaData()
    old.reflect(engine)
    snapshot = {"id": "kipp-lama", "answer": "Jawaban lama."}
    with engine.begin() as connection:
        connection.execute(
            old.tables["kb_entries"].insert(),
            {
                "id": "kipp-lama",
                "topic": "kipp",
                "title": "Entri lama",
                "questions": ["apa entri lama"],
                "answer": "Jawaban lama.",
                "answer_en": None,
                "sources": [{"title": "Kementerian PANRB", "url": "https://menpan.go.id/"}],
                "facts": [],
                "status": "active",
                "version": 1,
                "created_at": AT,
                "updated_at": AT,
            },
        )
        connection.execute(
            old.tables["kb_entry_versions"].insert(),
            {
                "entry_id": "kipp-lama",
                "version": 1,
                "snapshot": snapshot,
                "changed_by": "ani",
                "changed_at": AT,
                "action": "create",
            },
        )
        connection.execute(
            old.tables["kb_audit"].insert(),
            {"at": AT, "actor": "ani", "action": "create", "entry_id": "kipp-lama", "before": None, "after": snapshot},
        )
        connection.execute(
            old.tables["question_log"].insert(),
            {
                "at": AT,
                "sender_id": "tg-42",
                "text": "Apa entri lama?",
                "normalized": "apa entri lama",
                "intent": "ask_kipp",
                "outcome": "answered",
                "entry_id": "kipp-lama",
                "entry_version": 1,
                "topic": "kipp",
                "score": 0.91,
            },
        )
        connection.execute(
            old.tables["kb_feedback"].insert(),
            {
                "at": AT,
                "sender_id": "tg-42",
                "entry_id": "kipp-lama",
                "entry_version": 1,
                "rating": -1,
                "question": "Apa entri lama?",
                "comment": "kurang jelas",
            },
        )
        connection.execute(old.tables["kb_state"].insert(), {"id": 1, "revision": 7, "updated_at": AT})


def check_old_rows_intact(url: str) -> None:
    """The rows of `insert_old_rows` read back through today's models, and the code can change the entry."""
    factory = get_session_factory(url)
    with factory() as session:
        entry = session.get(KbEntry, "kipp-lama")
        assert entry is not None
        assert (entry.title, entry.answer, entry.questions, entry.version) == (
            "Entri lama",
            "Jawaban lama.",
            ["apa entri lama"],
            1,
        )
        assert entry.created_at == AT
        history = session.execute(select(KbEntryVersion.changed_by, KbEntryVersion.snapshot)).all()
        assert [tuple(row) for row in history] == [("ani", {"id": "kipp-lama", "answer": "Jawaban lama."})]
        audit = session.execute(select(KbAudit.actor, KbAudit.entry_id, KbAudit.at)).all()
        assert [tuple(row) for row in audit] == [("ani", "kipp-lama", AT)]
        logged = session.execute(select(QuestionLog.text, QuestionLog.outcome, QuestionLog.score)).all()
        assert [tuple(row) for row in logged] == [("Apa entri lama?", "answered", 0.91)]
        feedback = session.execute(select(Feedback.rating, Feedback.comment)).all()
        assert [tuple(row) for row in feedback] == [(-1, "kurang jelas")]
        assert session.execute(select(KbState.revision)).scalar_one() == 7
    with factory.begin() as session:  # the upgraded database takes a new version next to the old history
        q.save_entry(session, data=entry_data("kipp-lama", answer="Jawaban baru."), actor="budi", expected_version=1)
    with factory() as session:
        assert session.execute(select(func.count()).select_from(KbEntryVersion)).scalar_one() == 2


def upgrade_in_process(url: str, barrier: Any, results: Any) -> None:
    """Wait for the other process, then upgrade `url` (the target of the two-process tests)."""
    engine = make_engine(url)
    try:
        barrier.wait(timeout=60)
        results.put(("ok", runner.upgrade(engine)))
    except Exception as exc:  # reported to the parent, which fails the test with it
        results.put(("error", f"{exc!r}\n{traceback.format_exc()}"))
    finally:
        engine.dispose()


def upgrade_in_two_processes(url: str) -> list[tuple[str, Any]]:
    """Start two processes that upgrade `url` at the same moment; return what each reported."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    results = context.Queue()
    processes = [context.Process(target=upgrade_in_process, args=(url, barrier, results)) for _ in range(2)]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=60)
    return outcomes


# SQLite --------------------------------------------------------------------------------------------------------


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'kb.db'}"


def test_a_new_database_is_at_head_and_matches_the_models(url: str) -> None:
    engine = get_engine(url)
    assert schema_revision(engine) == runner.head_revision()
    assert differences(engine) == []
    assert tables(engine) == set(Base.metadata.tables) | {"alembic_version"}


def test_the_first_revision_is_the_schema_of_f1b824c(url: str) -> None:
    dumped = make_engine(f"{url}.dump")
    create_f1b824c_schema(dumped)
    engine = make_engine(url)
    with engine.begin() as connection:
        command.upgrade(runner.alembic_config(connection), "0001")
    assert tables(engine) == runner.INITIAL_TABLES | {"alembic_version"}
    assert tables(dumped) == runner.INITIAL_TABLES
    for table in runner.INITIAL_TABLES:
        made = {(c["name"], str(c["type"]), c["nullable"]) for c in inspect(engine).get_columns(table)}
        assert made == {(c["name"], str(c["type"]), c["nullable"]) for c in inspect(dumped).get_columns(table)}, table


def test_every_revision_downgrades_and_upgrades_again(url: str) -> None:
    engine = get_engine(url)
    with engine.begin() as connection:
        command.downgrade(runner.alembic_config(connection), "0001")
    assert tables(engine) == runner.INITIAL_TABLES | {"alembic_version"}
    with engine.begin() as connection:
        command.downgrade(runner.alembic_config(connection), "base")
    assert tables(engine) == {"alembic_version"}

    assert runner.upgrade(engine) == (None, runner.head_revision())
    assert differences(engine) == []


def test_a_database_of_f1b824c_upgrades_with_its_rows(url: str) -> None:
    old = make_engine(url)
    create_f1b824c_schema(old)
    insert_old_rows(old)
    assert schema_revision(old) is None

    engine = get_engine(url)

    assert schema_revision(engine) == runner.head_revision()
    assert tables(engine) >= NEW_TABLES
    assert differences(engine) == []
    check_old_rows_intact(url)


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


def test_a_database_from_between_the_revisions_gets_the_missing_tables(url: str) -> None:
    old = make_engine(url)
    create_f1b824c_schema(old)
    Base.metadata.tables["kipp_editions"].create(old)  # as a commit that had added only this table made it
    insert_old_rows(old)

    assert runner.upgrade(old) == ("0001", runner.head_revision())

    assert tables(old) >= NEW_TABLES
    assert differences(old) == []
    check_old_rows_intact(url)


def test_an_unknown_schema_is_refused_and_left_as_it_was(url: str) -> None:
    old = make_engine(url)
    Base.metadata.tables["kb_entries"].create(old)

    with pytest.raises(runner.SchemaError, match="kb_audit"):
        get_engine(url)

    assert tables(old) == {"kb_entries"}


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


@pytest.fixture
def scratch_migrations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of knowledge/migrations that the test may add revisions to; the runner uses it."""
    copy = tmp_path / "migrations"
    shutil.copytree(runner.SCRIPT_LOCATION, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(runner, "SCRIPT_LOCATION", copy)
    monkeypatch.setattr(runner, "VERSIONS", copy / "versions")
    return copy


REBUILD_ENTRIES = """
revision = "0003"
down_revision = "0002"
from alembic import op


def upgrade():
    # What a later column change does on SQLite: copy kb_entries, drop it, rename the copy.
    with op.batch_alter_table("kb_entries", recreate="always"):
        pass
"""


def test_a_table_rebuild_keeps_the_rows_that_refer_to_it(url: str, scratch_migrations: Path) -> None:
    # With foreign keys on, dropping kb_entries during the rebuild would cascade-delete its whole history.
    engine = get_engine(url)
    with get_session_factory(url).begin() as session:
        q.save_entry(session, data=entry_data(), actor="ani")
    (scratch_migrations / "versions" / "0003_rebuild_entries.py").write_text(REBUILD_ENTRIES, encoding="utf-8")

    assert runner.upgrade(engine) == ("0002", "0003")

    with get_session_factory(url)() as session:
        assert session.execute(select(func.count()).select_from(KbEntryVersion)).scalar_one() == 1
        assert session.execute(select(func.count()).select_from(KbEntry)).scalar_one() == 1
    with engine.connect() as connection:  # and the pooled connection has its foreign keys back
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


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
    assert differences(get_engine(url)) == []


# `kb db` ---------------------------------------------------------------------------------------------------------


def test_kb_db_current_and_upgrade(kb, db_url: str) -> None:
    result = kb("db", "current")
    assert result.exit_code == 0, result.output
    assert "no migration history" in result.output
    assert tables(make_engine(db_url)) == set()  # `current` looked, and changed nothing

    result = kb("db", "upgrade")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"upgraded from an empty database to {runner.head_revision()} (head)"
    assert kb("db", "current").output.strip() == f"{runner.head_revision()} (head)"
    assert kb("db", "upgrade").output.strip() == f"already at {runner.head_revision()} (head)"


def test_kb_db_current_names_a_database_behind_head(kb, db_url: str) -> None:
    engine = make_engine(db_url)
    with engine.begin() as connection:
        command.upgrade(runner.alembic_config(connection), "0001")

    result = kb("db", "current")

    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"0001; head is {runner.head_revision()}: run `kb db upgrade`"


def test_kb_db_upgrade_adopts_an_old_database(kb, db_url: str) -> None:
    old = make_engine(db_url)
    create_f1b824c_schema(old)
    insert_old_rows(old)

    result = kb("db", "upgrade")

    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"upgraded from 0001 to {runner.head_revision()} (head)"
    check_old_rows_intact(db_url)


def test_kb_db_upgrade_refuses_an_unknown_schema(kb, db_url: str) -> None:
    Base.metadata.tables["kb_entries"].create(make_engine(db_url))

    result = kb("db", "upgrade")

    assert result.exit_code == 1
    assert "Cannot upgrade" in result.output and "nothing was changed" in result.output
    assert tables(make_engine(db_url)) == {"kb_entries"}

    result = kb("info")  # any other command explains it as well, as an unavailable database
    assert result.exit_code == 2
    assert "missing: kb_audit" in result.output


def test_kb_db_revision_drafts_a_migration_for_a_model_change(kb, scratch_migrations: Path, tmp_path: Path) -> None:
    result = kb("db", "revision", "-m", "nothing")
    assert result.exit_code == 0, result.output
    assert "no changes" in result.output
    assert sorted(path.name for path in (scratch_migrations / "versions").glob("0*.py"))[-1].startswith("0002_")

    table = Table("kb_trial", Base.metadata, Column("id", Integer, primary_key=True), Column("at", UtcDateTime()))
    try:
        result = kb("db", "revision", "-m", "add kb trial")
        assert result.exit_code == 0, result.output
        drafted = scratch_migrations / "versions" / "0003_add_kb_trial.py"
        assert f"drafted {drafted}" in result.output
        source = drafted.read_text(encoding="utf-8")
        assert 'op.create_table(\n        "kb_trial"' in source or "op.create_table('kb_trial'" in source
        assert "sa.DateTime(timezone=True)" in source  # the stored type, not an import of the models

        engine = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
        assert runner.upgrade(engine) == (None, "0003")
        assert differences(engine) == []
    finally:
        Base.metadata.remove(table)
