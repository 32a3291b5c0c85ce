"""Fixtures for the knowledge tests: a file-based knowledge base, a PostgreSQL schema, the `kb` command, files."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from knowledge import KnowledgeAdmin
from knowledge.admin_files import COLUMNS, csv_bytes, write_xlsx
from knowledge.cli import cli
from knowledge.db import get_session_factory
from tests.conversation_store import InProcessConversations
from tests.factories import record


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'kb.db'}"


PG_SERVER = "postgresql+psycopg2://postgres@127.0.0.1:5432/test"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """Return the URL of a schema of its own on PostgreSQL at 127.0.0.1:5432, dropped afterwards.

    Skips the test only when the server cannot be reached; CI has it. The test disposes of the engines it
    made for the URL before the schema is dropped.
    """
    engine = create_engine(PG_SERVER, future=True, connect_args={"connect_timeout": 3})
    try:
        with engine.connect():
            pass
    except OperationalError as exc:
        pytest.skip(f"PostgreSQL is not reachable at 127.0.0.1:5432 (database 'test'): {exc.orig}")
    schema = f"kb_test_{uuid.uuid4().hex[:10]}"
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{PG_SERVER}?options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


@pytest.fixture
def admin(db_url: str, tmp_path: Path) -> KnowledgeAdmin:
    tracker_db = str(tmp_path / "tracker.db")
    return KnowledgeAdmin(db_url, tracker_db=tracker_db, conversations=InProcessConversations(tracker_db))


@pytest.fixture
def sessions(db_url: str):
    return get_session_factory(db_url)


@pytest.fixture
def kb(db_url: str) -> Callable[..., Result]:
    """Run `kb --database-url <test db> --actor tester ARGS...` in-process."""
    runner = CliRunner()

    def run(*args: str, actor: str = "tester", input: str | None = None) -> Result:
        return runner.invoke(cli, ["--database-url", db_url, "--actor", actor, *map(str, args)], input=input)

    return run


def spreadsheet_row(rec: dict[str, Any]) -> dict[str, Any]:
    """Turn a content record into a spreadsheet row: list cells one item per line, sources `Title | url`."""
    row = dict(rec)
    if isinstance(row.get("questions"), list):
        row["questions"] = "\n".join(row["questions"])
    if isinstance(row.get("sources"), list):
        row["sources"] = "\n".join(f"{s['title']} | {s['url']}" if s.get("url") else s["title"] for s in row["sources"])
    return row


def write_records(path: Path, records: list[dict[str, Any]]) -> Path:
    """Write content records as YAML, CSV or XLSX according to the suffix."""
    if path.suffix == ".yml":
        path.write_text(yaml.safe_dump({"entries": records}, allow_unicode=True, sort_keys=False), encoding="utf-8")
    elif path.suffix == ".csv":
        path.write_bytes(csv_bytes([{c: spreadsheet_row(r).get(c, "") for c in COLUMNS} for r in records]))
    else:
        write_xlsx([spreadsheet_row(r) for r in records], path)
    return path


@pytest.fixture
def good_records() -> list[dict[str, Any]]:
    return [
        record("kipp-uji-satu", title="Uji satu", questions=["apa uji satu", "uji satu itu apa"]),
        record(
            "replikasi-uji-dua",
            topic="replikasi",
            title="Uji dua",
            answer="Jawaban dua.\nBaris kedua.",
            sources=[{"title": "Buku Replikasi"}, {"title": "Situs", "url": "https://jippnas.menpan.go.id/"}],
        ),
    ]
