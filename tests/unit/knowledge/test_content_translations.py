"""English answers: every curated entry has one, and `kb validate` names the entries that lack one."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from click.testing import Result

from knowledge import read_content_dir
from knowledge.content import CONTENT_DIR, missing_translations
from tests.factories import record


def write(directory: Path, entries: list[dict]) -> Path:
    path = directory / "content.yml"
    path.write_text(yaml.safe_dump({"entries": entries}, allow_unicode=True), encoding="utf-8")
    return directory


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    """A content directory with one translated entry between two untranslated ones (one blank)."""
    return write(
        tmp_path,
        [
            record("kipp-satu"),
            record("kipp-dua", answer_en="This is the sample answer."),
            record("kipp-tiga", answer_en="   "),
        ],
    )


def test_every_curated_entry_has_an_english_answer() -> None:
    assert missing_translations(read_content_dir(CONTENT_DIR)) == []


def test_untranslated_entries_are_listed_by_id_in_file_order(mixed: Path) -> None:
    assert missing_translations(read_content_dir(mixed)) == ["kipp-satu", "kipp-tiga"]


def test_untranslated_entries_stay_valid_and_are_reported_in_one_warning(
    mixed: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="knowledge.content"):
        entries = read_content_dir(mixed)
    assert [entry.id for entry in entries] == ["kipp-satu", "kipp-dua", "kipp-tiga"]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "answer_en" in warnings[0]
    assert "kipp-satu, kipp-tiga" in warnings[0]
    assert "kipp-dua" not in warnings[0]


def test_fully_translated_content_reads_without_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    write(tmp_path, [record("kipp-satu", answer_en="This is the sample answer.")])
    with caplog.at_level(logging.WARNING, logger="knowledge.content"):
        read_content_dir(tmp_path)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_kb_validate_names_untranslated_entries_and_still_succeeds(
    kb: Callable[..., Result], mixed: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="knowledge.content"):
        result = kb("validate", "--content", mixed)
    assert result.exit_code == 0, result.output
    assert "3 entries are valid" in result.output
    assert "kipp-satu, kipp-tiga" in caplog.text
