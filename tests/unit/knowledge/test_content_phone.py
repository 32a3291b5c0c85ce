"""Curated answers are phone-sized: a short direct first paragraph that stands alone, details after it.

The bot shows the first paragraph(s) and puts the rest behind "Selengkapnya", so the opening paragraph
must answer the question by itself and stay short; yes/no-type entries open with the verdict.
"""

from __future__ import annotations

import re

import pytest

from knowledge import read_content_dir
from knowledge.content import CONTENT_DIR

# About 300 characters, with a little room for English, which runs longer than Indonesian.
MAX_FIRST_PARAGRAPH = 320
ENTRIES = read_content_dir(CONTENT_DIR)


def first_paragraph(text: str) -> str:
    return re.split(r"\n\s*\n", text.strip(), maxsplit=1)[0]


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda entry: entry.id)
def test_first_paragraph_is_short_and_stands_alone(entry) -> None:
    for text in (entry.answer, entry.answer_en or ""):
        opening = first_paragraph(text)
        assert len(opening) <= MAX_FIRST_PARAGRAPH, (entry.id, len(opening))
        # An opening that ends in a colon only introduces a list shown behind the button.
        assert not opening.rstrip().endswith(":"), entry.id
        assert not opening.lstrip().startswith(("•", "1.")), entry.id


@pytest.mark.parametrize(
    ("entry_id", "verdict"),
    [
        ("kipp-bumn-bumd", "Ya,"),
        ("kipp-wajib-ikut", "Ya,"),
        ("replikasi-boleh-meniru", "Ya,"),
        ("kipp-2024-ditiadakan", "Tidak diselenggarakan pada 2024, diganti"),  # "ada?" and "diganti?" alike
        ("pelembagaan-permen-30-2014", "Tidak berlaku lagi:"),  # "masih berlaku?" and "sudah dicabut?" alike
        ("umum-bukan-aplikasi", "Tidak."),
        ("kipp-usia-inovasi", "Tergantung"),
        ("kipp-pernah-menang", "Tergantung"),
    ],
)
def test_yes_no_entries_open_with_the_verdict(entry_id: str, verdict: str) -> None:
    entry = next(entry for entry in ENTRIES if entry.id == entry_id)
    assert entry.answer.startswith(verdict)


def test_no_answer_presents_kipp_2025_registration_as_open() -> None:
    # Today is after KIPP 2025 closed; its registration must only ever be described as closed.
    for entry in ENTRIES:
        for text in (entry.answer, entry.answer_en or ""):
            assert not re.search(r"(masih|sedang) dibuka|still open", text, re.IGNORECASE), entry.id
