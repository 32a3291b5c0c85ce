"""Content files: the curated content is valid, and every kind of bad file loads nothing and says where."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from knowledge import ContentError, read_content_dir
from knowledge.content import CONTENT_DIR, validate_records
from knowledge.types import TOPICS
from tests.factories import record


def write(directory: Path, name: str, entries: object) -> Path:
    path = directory / name
    path.write_text(yaml.safe_dump({"entries": entries}, allow_unicode=True), encoding="utf-8")
    return path


def test_curated_content_is_valid_and_large() -> None:
    entries = read_content_dir(CONTENT_DIR)
    assert len(entries) >= 100
    assert {entry.topic for entry in entries} >= {"kipp", "replikasi", "pelembagaan", "jipp"}
    assert all(entry.topic in TOPICS for entry in entries)


def test_every_curated_answer_cites_a_source() -> None:
    for entry in read_content_dir(CONTENT_DIR):
        assert entry.sources, entry.id
        assert all(source.title for source in entry.sources), entry.id


def test_valid_directory_loads_all_entries(tmp_path: Path) -> None:
    write(tmp_path, "a.yml", [record("kipp-satu"), record("kipp-dua")])
    assert [entry.id for entry in read_content_dir(tmp_path)] == ["kipp-satu", "kipp-dua"]


def test_malformed_yaml_names_the_file_and_line(tmp_path: Path) -> None:
    write(tmp_path, "good.yml", [record("kipp-satu")])
    (tmp_path / "broken.yml").write_text("entries:\n  - id: x\n    title: [unclosed\n", encoding="utf-8")
    with pytest.raises(ContentError) as error:
        read_content_dir(tmp_path)
    assert "broken.yml" in str(error.value)
    assert "line" in str(error.value)


@pytest.mark.parametrize(
    ("override", "field", "message"),
    [
        ({"answer": ""}, "answer", "missing or empty"),
        ({"topic": "cuaca"}, "topic", "unknown topic"),
        ({"id": "Bad Id!"}, "id", "lowercase"),
        ({"questions": "not a list but text"}, None, None),
        ({"questions": [1, 2]}, "questions[0]", "non-empty text"),
        ({"sources": []}, "sources", "missing or empty"),
        ({"sources": [{"url": "https://menpan.go.id"}]}, "sources[0]", "title"),
        ({"sources": [{"title": "X", "url": "ftp://x"}]}, "sources[0].url", "http"),
        ({"answer": "Jawaban.\nSumber: blog"}, "answer", "Sumber"),
        ({"colour": "blue"}, "colour", "unknown field"),
    ],
)
def test_bad_field_is_reported_with_file_entry_and_field(
    tmp_path: Path, override: dict, field: str | None, message: str | None
) -> None:
    write(tmp_path, "bad.yml", [record("kipp-satu", **override)])
    if field is None:
        # A single text is accepted for a list field (spreadsheet cells): one phrasing per line.
        assert read_content_dir(tmp_path)[0].questions == ("not a list but text",)
        return
    with pytest.raises(ContentError) as error:
        read_content_dir(tmp_path)
    problem = error.value.problems[0]
    assert problem.file == "bad.yml"
    assert "kipp-satu" in problem.entry or "#1" in problem.entry
    assert problem.field == field
    assert message in problem.message


def test_duplicate_ids_across_files_are_rejected(tmp_path: Path) -> None:
    write(tmp_path, "a.yml", [record("kipp-satu")])
    write(tmp_path, "b.yml", [record("kipp-satu")])
    with pytest.raises(ContentError) as error:
        read_content_dir(tmp_path)
    assert "duplicate id 'kipp-satu'" in str(error.value)
    assert "a.yml" in str(error.value) and "b.yml" in str(error.value)


def test_every_problem_is_listed_not_just_the_first(tmp_path: Path) -> None:
    write(tmp_path, "a.yml", [record("kipp-satu", topic="x"), record("kipp-dua", answer="")])
    with pytest.raises(ContentError) as error:
        read_content_dir(tmp_path)
    assert {p.field for p in error.value.problems} == {"topic", "answer"}


def test_file_without_entries_list_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text("title: not a list\n", encoding="utf-8")
    with pytest.raises(ContentError, match="list under 'entries:'"):
        read_content_dir(tmp_path)


def test_empty_directory_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ContentError, match=r"no \*\.yml"):
        read_content_dir(tmp_path)


def test_validate_records_returns_entries_with_sources() -> None:
    entries = validate_records([("f.yml", "entry #1", record("kipp-satu"))])
    assert entries[0].sources[0].url == "https://menpan.go.id/"
