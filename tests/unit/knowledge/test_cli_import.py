"""`kb import`, `kb export` and `kb validate` on good and bad YAML, CSV and XLSX files."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from openpyxl import Workbook, load_workbook

from knowledge import queries
from knowledge.admin_files import COLUMNS, csv_bytes
from knowledge.cli import main
from tests.factories import record

from .conftest import write_records

FORMATS = [".yml", ".csv", ".xlsx"]


def state(sessions) -> tuple[int, int]:
    with sessions() as session:
        return queries.count_entries(session), queries.current_revision(session)


@pytest.mark.parametrize("suffix", FORMATS)
def test_import_creates_entries_then_reimport_is_unchanged(kb, admin, tmp_path, good_records, suffix) -> None:
    path = write_records(tmp_path / f"entries{suffix}", good_records)
    first = kb("import", path)
    assert first.exit_code == 0, first.output
    assert "created 2, updated 0, unchanged 0" in first.output
    entry = admin.require("replikasi-uji-dua")
    assert entry.answer == "Jawaban dua.\nBaris kedua."
    assert [s.url for s in entry.sources] == [None, "https://jippnas.menpan.go.id/"]
    assert admin.require("kipp-uji-satu").questions == ("apa uji satu", "uji satu itu apa")
    again = kb("import", path)
    assert again.exit_code == 0 and "created 0, updated 0, unchanged 2" in again.output


@pytest.mark.parametrize("suffix", FORMATS)
def test_import_with_existing_id_updates_the_entry_as_a_new_version(kb, admin, tmp_path, good_records, suffix) -> None:
    kb("import", write_records(tmp_path / f"a{suffix}", good_records))
    good_records[0]["answer"] = "Jawaban yang diperbarui."
    result = kb("import", write_records(tmp_path / f"b{suffix}", good_records[:1]))
    assert result.exit_code == 0 and "updated 1" in result.output
    entry = admin.require("kipp-uji-satu")
    assert (entry.answer, entry.version) == ("Jawaban yang diperbarui.", 2)
    assert [v.changed_by for v in admin.history("kipp-uji-satu")] == ["tester", "tester"]


def bad_records() -> list[dict]:
    """One record per problem the issue lists, plus a good one that must not be stored either."""
    return [
        record("kipp-baik"),  # row 2: valid, but the file as a whole is refused
        record("kipp-tanpa-judul", title=""),  # row 3: empty field
        {k: v for k, v in record("kipp-tanpa-jawaban").items() if k != "answer"},  # row 4: missing field
        record("kipp-baik"),  # row 5: duplicate id
        record("kipp-topik-aneh", topic="astrologi"),  # row 6: unknown topic
        record("kipp-tanpa-sumber", sources=[]),  # row 7: answer without a source
    ]


@pytest.mark.parametrize("suffix", FORMATS)
def test_invalid_import_changes_nothing_and_lists_every_problem(kb, sessions, tmp_path, suffix) -> None:
    kb("import", write_records(tmp_path / f"seed{suffix}", [record("kipp-lama")]))
    before = state(sessions)
    path = write_records(tmp_path / f"bad{suffix}", bad_records())
    result = kb("import", path)
    assert result.exit_code == 1
    out = result.output
    assert "nothing was changed" in out
    label = "entry #" if suffix == ".yml" else "row "
    first = 1 if suffix == ".yml" else 2
    expected = [
        (first + 1, "kipp-tanpa-judul", "title", "missing or empty"),
        (first + 2, "kipp-tanpa-jawaban", "answer", "missing or empty"),
        (first + 3, "", "id", "duplicate id 'kipp-baik'"),
        (first + 4, "kipp-topik-aneh", "topic", "unknown topic"),
        (first + 5, "kipp-tanpa-sumber", "sources", "an answer needs at least one source"),
    ]
    for number, entry_id, field, message in expected:
        where = f"{label}{number} ({entry_id})," if entry_id else f"{label}{number},"
        line = next((ln for ln in out.splitlines() if where in ln), None)
        assert line is not None, (number, out)
        assert path.name in line and f"field '{field}'" in line and message in line, line
    assert state(sessions) == before


def test_wrong_types_are_reported_with_their_field(kb, sessions, tmp_path) -> None:
    yml = write_records(tmp_path / "types.yml", [record("kipp-tipe", title=["bukan", "teks"], questions="satu\ndua")])
    wb = Workbook()
    sheet = wb.active
    sheet.append(list(COLUMNS))
    sheet.append(["kipp-angka", "kipp", 12345, "apa ini", "Jawaban.", "Sumber | https://a.go.id/", "", "", "dua", ""])
    xlsx = tmp_path / "types.xlsx"
    wb.save(xlsx)
    out_yml = kb("import", yml).output
    out_xlsx = kb("import", xlsx).output
    assert "entry #1 (kipp-tipe), field 'title': must be non-empty text" in out_yml
    assert "row 2 (kipp-angka), field 'title': must be non-empty text" in out_xlsx
    assert "row 2 (kipp-angka), field 'version': must be a whole number" in out_xlsx
    assert state(sessions) == (0, 0)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("broken.yml", b"entries:\n  - id: [unclosed\n", "is not valid YAML at line"),
        ("broken.yml", b"just a string\n", "must hold a list under 'entries:'"),
        ("broken.csv", "id,topic\n\xff\xfe".encode("latin-1"), "is not UTF-8 text"),
        ("broken.csv", b'id,topic,title,questions,answer,sources\n"unclosed,kipp\n', "is not valid CSV"),
        ("broken.csv", b"id,judul\nkipp-a,Judul\n", "required column is missing"),
        ("broken.csv", b"id,topic,title,questions,answer,sources\nkipp-a,kipp,T,q,A,S,extra\n", "more cells"),
        ("broken.xlsx", b"PK\x03\x04 not really a workbook", "is not a valid XLSX workbook"),
        ("broken.txt", b"id: x", "unknown file type"),
    ],
)
def test_malformed_file_is_refused_with_its_name(kb, sessions, tmp_path, name, content, message) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    result = kb("import", path)
    assert result.exit_code == 1
    assert name in result.output and message in result.output, result.output
    assert state(sessions) == (0, 0)


def test_unknown_column_and_bad_status_are_problems(kb, tmp_path) -> None:
    path = tmp_path / "cols.csv"
    row = {c: "" for c in COLUMNS} | {"id": "kipp-x", "topic": "kipp", "title": "T", "questions": "q", "answer": "A"}
    path.write_bytes(csv_bytes([row | {"sources": "S", "status": "dihapus"}]))
    assert "field 'status': must be 'active' or 'retired'" in kb("import", path).output
    path.write_text("id,topic,title,questions,answer,sources,warna\nkipp-x,kipp,T,q,A,S,merah\n", encoding="utf-8")
    assert "row 1, field 'warna': unknown column" in kb("import", path).output


def test_semicolon_csv_from_indonesian_excel_is_read(kb, admin, tmp_path) -> None:
    path = tmp_path / "excel.csv"
    text = 'id;topic;title;questions;answer;sources\nkipp-titik-koma;kipp;Judul;"satu\ndua";Jawab, ya.;Sumber | https://a.go.id/\n'
    path.write_bytes(text.encode("utf-8-sig"))
    assert kb("import", path).exit_code == 0
    assert admin.require("kipp-titik-koma").questions == ("satu", "dua")


@pytest.mark.parametrize("suffix", FORMATS)
def test_stale_import_is_refused_by_version_check(kb, admin, tmp_path, good_records, suffix) -> None:
    kb("import", write_records(tmp_path / f"a{suffix}", good_records))
    exported = tmp_path / f"export{suffix}"
    assert kb("export", exported).exit_code == 0
    admin.save(
        admin.require("kipp-uji-satu").data.__class__(
            **{**admin.require("kipp-uji-satu").data.__dict__, "title": "Diubah orang lain"}
        ),
        actor="other",
    )
    if suffix == ".yml":
        data = yaml.safe_load(exported.read_text(encoding="utf-8"))
        data["entries"][0]["answer"] = "Edit saya"
        exported.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    elif suffix == ".xlsx":
        wb = load_workbook(exported)
        wb.active.cell(row=2, column=COLUMNS.index("answer") + 1, value="Edit saya")
        wb.save(exported)
    result = kb("import", exported)
    assert result.exit_code == 1
    assert "kipp-uji-satu, field 'version': the file was based on version 1" in result.output
    assert admin.require("kipp-uji-satu").title == "Diubah orang lain"


@pytest.mark.parametrize("suffix", FORMATS)
def test_export_round_trips_through_import(kb, admin, tmp_path, good_records, suffix) -> None:
    kb("import", write_records(tmp_path / f"a{suffix}", good_records))
    admin.retire("replikasi-uji-dua", actor="tester")
    path = tmp_path / f"all{suffix}"
    assert "wrote 2 entries" in kb("export", path, "--all").output
    result = kb("import", path, "--dry-run")
    assert result.exit_code == 0 and "unchanged 2" in result.output and "retired 0" in result.output
    assert kb("validate", path).output.strip() == f"{path.name}: 2 entries are valid"


def test_status_column_retires_and_restores(kb, admin, tmp_path, good_records) -> None:
    kb("import", write_records(tmp_path / "a.csv", good_records))
    rows = [dict(good_records[0], status="retired")]
    result = kb("import", write_records(tmp_path / "b.csv", rows))
    assert "retired 1" in result.output and admin.require("kipp-uji-satu").status == "retired"


def test_export_to_stdout_is_yaml_with_content_keys(kb, tmp_path, good_records) -> None:
    kb("import", write_records(tmp_path / "a.yml", good_records))
    data = yaml.safe_load(kb("export").stdout)
    assert list(data["entries"][0])[:6] == ["id", "topic", "title", "questions", "answer", "sources"]


def test_main_returns_exit_codes(db_url, tmp_path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("entries: [{id: x}]\n", encoding="utf-8")
    assert main(["--database-url", db_url, "validate", str(bad)]) == 1
    assert main(["--database-url", db_url, "show", "tidak-ada"]) == 4
    assert main(["--database-url", db_url, "info"]) == 0


def test_curated_content_still_validates_and_loads(kb) -> None:
    assert "entries are valid" in kb("validate").output
    assert kb("load", "--if-empty").output.strip() == "loaded the curated content"
    assert kb("load", "--if-empty").output.strip() == "knowledge base already has content"


def test_example_files_in_the_repo_are_valid(kb) -> None:
    examples = Path(__file__).resolve().parents[3] / "knowledge" / "examples"
    for name in ("contoh_import.xlsx", "contoh_import.csv"):
        result = kb("validate", examples / name)
        assert result.exit_code == 0, result.output
