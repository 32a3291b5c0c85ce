"""`kb list|search|show|add|edit|retire|restore|history|diff|revert`, with the audit log behind them."""

from __future__ import annotations

import pytest
import yaml
from sqlalchemy import select

from knowledge.models import KbAudit
from tests.factories import record

from .conftest import write_records


@pytest.fixture
def seeded(kb, tmp_path, good_records):
    assert kb("import", write_records(tmp_path / "seed.yml", good_records)).exit_code == 0
    return kb


def audit_rows(sessions, entry_id: str) -> list[KbAudit]:
    with sessions() as session:
        return list(session.execute(select(KbAudit).where(KbAudit.entry_id == entry_id).order_by(KbAudit.id)).scalars())


def test_list_search_and_show(seeded) -> None:
    assert [line.split()[0] for line in seeded("list").stdout.splitlines()] == ["kipp-uji-satu", "replikasi-uji-dua"]
    assert seeded("search", "BARIS", "kedua").stdout.split()[0] == "replikasi-uji-dua"
    assert seeded("search", "tidak ada kata ini").stdout == ""
    shown = seeded("show", "replikasi-uji-dua").stdout
    assert shown.startswith("# replikasi-uji-dua: version 1, active")
    assert yaml.safe_load(shown)["answer"] == "Jawaban dua.\nBaris kedua."


def test_add_from_file_creates_and_never_overwrites(kb, admin, tmp_path) -> None:
    path = write_records(tmp_path / "new.yml", [record("kipp-baru")])
    assert kb("add", path).stdout.strip() == "created kipp-baru"
    again = kb("add", path)
    assert again.exit_code == 1 and "kipp-baru, field 'id': already exists" in again.output
    assert admin.require("kipp-baru").version == 1


def test_add_in_editor(kb, admin, monkeypatch) -> None:
    text = yaml.safe_dump(record("kipp-dari-editor"))
    monkeypatch.setattr("click.edit", lambda *a, **k: text)
    assert kb("add").stdout.strip() == "created kipp-dari-editor"
    assert admin.require("kipp-dari-editor").title == "Contoh entri"


def test_edit_in_editor_saves_a_new_version_with_audit(seeded, admin, sessions, monkeypatch) -> None:
    def edit(text, **kwargs):
        data = yaml.safe_load(text)
        data["answer"] = "Jawaban baru dari editor."
        return yaml.safe_dump(data)

    monkeypatch.setattr("click.edit", edit)
    result = seeded("edit", "kipp-uji-satu", actor="ani")
    assert result.stdout.strip() == "kipp-uji-satu: saved as version 2", result.output
    audit = audit_rows(sessions, "kipp-uji-satu")[-1]
    assert (audit.actor, audit.action) == ("ani", "update")
    assert audit.before["answer"] == "Ini jawaban contoh." and audit.after["answer"] == "Jawaban baru dari editor."
    assert audit.at is not None


def test_edit_refused_when_someone_else_saved_since_the_editor_opened(seeded, admin, monkeypatch) -> None:
    def edit(text, **kwargs):
        # While this admin types, another admin saves the same entry.
        current = admin.require("kipp-uji-satu")
        admin.save(current.data.__class__(**{**current.data.__dict__, "title": "Versi admin lain"}), actor="budi")
        data = yaml.safe_load(text)
        data["title"] = "Versi saya"
        return yaml.safe_dump(data)

    monkeypatch.setattr("click.edit", edit)
    result = seeded("edit", "kipp-uji-satu", actor="ani")
    assert result.exit_code == 3 and "Version conflict" in result.output
    assert admin.require("kipp-uji-satu").title == "Versi admin lain"


def test_edit_from_file_with_expected_version(seeded, admin, tmp_path) -> None:
    path = write_records(tmp_path / "e.yml", [record("kipp-uji-satu", title="Dari berkas")])
    assert seeded("edit", "kipp-uji-satu", "--file", path, "--expected-version", "1").exit_code == 0
    stale = seeded("edit", "kipp-uji-satu", "--file", path, "--expected-version", "1")
    assert stale.exit_code == 3
    wrong = seeded("edit", "replikasi-uji-dua", "--file", path)
    assert wrong.exit_code == 1 and "not 'replikasi-uji-dua'" in wrong.output


def test_retire_restore_history_diff_and_revert(seeded, admin, sessions, tmp_path) -> None:
    seeded("import", write_records(tmp_path / "v2.yml", [record("kipp-uji-satu", answer="Jawaban versi dua.")]))
    assert seeded("retire", "kipp-uji-satu").stdout.strip() == "kipp-uji-satu: retired (version 3)"
    assert "kipp-uji-satu" not in seeded("list").stdout
    assert seeded("restore", "kipp-uji-satu").stdout.strip() == "kipp-uji-satu: active (version 4)"
    history = seeded("history", "kipp-uji-satu").stdout.splitlines()
    assert [line.split()[0] for line in history] == ["v1", "v2", "v3", "v4"]
    assert [line.split()[5] for line in history] == ["import", "import", "retire", "restore"]
    diff = seeded("diff", "kipp-uji-satu", "1", "2").stdout
    assert "-answer: Ini jawaban contoh." in diff and "+answer: Jawaban versi dua." in diff
    assert "-status: active" in seeded("diff", "kipp-uji-satu", "2", "3").stdout
    reverted = seeded("revert", "kipp-uji-satu", "1", actor="ani")
    assert reverted.stdout.strip() == "kipp-uji-satu: content of version 1 saved as version 5"
    entry = admin.require("kipp-uji-satu")
    assert (entry.answer, entry.status, entry.version) == ("Ini jawaban contoh.", "active", 5)
    last = audit_rows(sessions, "kipp-uji-satu")[-1]
    assert (last.actor, last.action, last.before["answer"], last.after["answer"]) == (
        "ani",
        "revert",
        "Jawaban versi dua.",
        "Ini jawaban contoh.",
    )
    assert seeded("revert", "kipp-uji-satu", "9").exit_code == 4


def test_unknown_entry_exits_with_not_found(kb) -> None:
    for args in (("show", "x"), ("retire", "x"), ("history", "x"), ("diff", "x")):
        result = kb(*args)
        assert result.exit_code == 4 and "Not found" in result.output


def test_show_output_round_trips_through_edit_file(seeded, admin, tmp_path) -> None:
    path = tmp_path / "f.yml"
    path.write_text(seeded("show", "kipp-uji-satu").stdout, encoding="utf-8")
    result = seeded("edit", "kipp-uji-satu", "--file", path)
    assert result.exit_code == 0 and result.stdout.strip() == "kipp-uji-satu: unchanged", result.output
    path.write_text(path.read_text(encoding="utf-8").replace("Ini jawaban contoh.", "Jawaban dari berkas."))
    result = seeded("edit", "kipp-uji-satu", "--file", path)
    assert result.stdout.strip() == "kipp-uji-satu: saved as version 2", result.output
    assert admin.require("kipp-uji-satu").answer == "Jawaban dari berkas."
    # The file still says version 1: a second edit from it is refused, not applied over the first.
    stale = seeded("edit", "kipp-uji-satu", "--file", path)
    assert stale.exit_code == 3, stale.output
