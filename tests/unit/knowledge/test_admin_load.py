"""`kb load` never loses an edit made in the database: kept and reported, overwritten only with --force."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from knowledge.models import KbAudit
from tests.factories import record

from .conftest import write_records


@pytest.fixture
def content(tmp_path: Path) -> Path:
    folder = tmp_path / "content"
    folder.mkdir()
    write_records(folder / "kipp.yml", [record("kipp-satu", answer="Jawaban berkas."), record("kipp-dua")])
    return folder


def test_first_load_creates_and_a_second_is_unchanged(kb, content) -> None:
    first = kb("load", "--content", content)
    assert first.exit_code == 0, first.output
    assert first.stdout.splitlines()[0] == "created 2, updated 0, unchanged 0"
    assert kb("load", "--content", content).stdout.splitlines()[0] == "created 0, updated 0, unchanged 2"


def test_file_change_updates_an_entry_nobody_edited(kb, admin, content) -> None:
    kb("load", "--content", content)
    write_records(content / "kipp.yml", [record("kipp-satu", answer="Jawaban berkas baru."), record("kipp-dua")])
    result = kb("load", "--content", content)
    assert result.exit_code == 0, result.output
    assert "updated: kipp-satu" in result.stdout
    assert admin.require("kipp-satu").answer == "Jawaban berkas baru."


def test_load_keeps_and_reports_an_edit_made_in_the_database(kb, admin, content) -> None:
    kb("load", "--content", content)
    data = admin.require("kipp-satu").data
    admin.save(dataclasses.replace(data, answer="Suntingan admin."), actor="ani")
    admin.add_phrasing("kipp-dua", "frasa baru dari admin", actor="ani")
    write_records(content / "kipp.yml", [record("kipp-satu", answer="Jawaban berkas baru."), record("kipp-dua")])

    result = kb("load", "--content", content)

    assert result.exit_code == 3
    assert "newer in the database 1, conflicts 1" in result.stdout
    assert "newer in the database (edited there; the files still hold the old text): kipp-dua" in result.stderr
    assert "conflicts (changed in the files and in the database; neither was overwritten): kipp-satu" in result.stderr
    assert "kb export --for-content --ids kipp-satu,kipp-dua" in result.stderr
    assert admin.require("kipp-satu").answer == "Suntingan admin."
    assert admin.require("kipp-satu").version == 2
    assert "frasa baru dari admin" in admin.require("kipp-dua").questions


def test_dry_run_reports_and_changes_nothing(kb, admin, content) -> None:
    kb("load", "--content", content)
    write_records(content / "kipp.yml", [record("kipp-satu", answer="Jawaban berkas baru."), record("kipp-dua")])
    result = kb("load", "--content", content, "--dry-run")
    assert result.stdout.splitlines()[0] == "dry run, would have: created 0, updated 1, unchanged 1"
    assert admin.require("kipp-satu").answer == "Jawaban berkas."


def test_force_overwrites_and_records_it_in_the_audit(kb, admin, sessions, content) -> None:
    kb("load", "--content", content)
    admin.add_phrasing("kipp-satu", "frasa baru dari admin", actor="ani")
    write_records(content / "kipp.yml", [record("kipp-satu", answer="Jawaban berkas baru."), record("kipp-dua")])

    result = kb("load", "--content", content, "--force", actor="budi")

    assert result.exit_code == 0, result.output
    assert "overwritten: kipp-satu" in result.stdout
    entry = admin.require("kipp-satu")
    assert entry.answer == "Jawaban berkas baru." and "frasa baru dari admin" not in entry.questions
    with sessions() as session:
        last = session.execute(
            select(KbAudit).where(KbAudit.entry_id == "kipp-satu").order_by(KbAudit.id.desc()).limit(1)
        ).scalar_one()
    assert (last.actor, last.action) == ("budi", "load-force")
    assert "frasa baru dari admin" in last.before["questions"]


def test_exported_edit_brought_into_the_files_loads_cleanly(kb, admin, content, tmp_path) -> None:
    kb("load", "--content", content)
    admin.add_phrasing("kipp-satu", "frasa baru dari admin", actor="ani")
    exported = kb("export", "--for-content", "--ids", "kipp-satu").stdout
    records = yaml.safe_load(exported)["entries"]
    assert "version" not in records[0] and "frasa baru dari admin" in records[0]["questions"]
    write_records(content / "kipp.yml", [*records, record("kipp-dua")])
    assert kb("load", "--content", content).stdout.splitlines()[0] == "created 0, updated 0, unchanged 2"
    # From now on the files are in step again: a later file change is loaded.
    write_records(content / "kipp.yml", [{**records[0], "answer": "Lagi dari berkas."}, record("kipp-dua")])
    assert kb("load", "--content", content).exit_code == 0
    assert admin.require("kipp-satu").answer == "Lagi dari berkas."


def test_retiring_in_the_database_is_not_an_edit_of_the_content(kb, admin, content) -> None:
    kb("load", "--content", content)
    admin.retire("kipp-satu", actor="ani")
    write_records(content / "kipp.yml", [record("kipp-satu", answer="Jawaban berkas baru."), record("kipp-dua")])
    assert kb("load", "--content", content).exit_code == 0
    entry = admin.require("kipp-satu")
    assert (entry.answer, entry.status) == ("Jawaban berkas baru.", "retired")


def test_an_edit_in_the_database_with_unchanged_files_is_newer_not_a_conflict(kb, admin, content) -> None:
    kb("load", "--content", content)
    admin.add_phrasing("kipp-dua", "frasa baru dari admin", actor="ani")
    result = kb("load", "--content", content)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "created 0, updated 0, unchanged 1, newer in the database 1"
    assert "kb export --for-content --ids kipp-dua" in result.stderr
    assert "frasa baru dari admin" in admin.require("kipp-dua").questions


def test_a_first_load_lists_at_most_twenty_ids(kb, tmp_path) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    write_records(folder / "kipp.yml", [record(f"kipp-entri-{n}") for n in range(25)])
    created = kb("load", "--content", folder).stdout.splitlines()[1]
    assert created.startswith("  created: kipp-entri-0, ") and created.endswith(", ... (25 in all)")
