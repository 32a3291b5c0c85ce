"""Parsers for typed or tapped answers, and the words that steer a flow."""

from __future__ import annotations

import pytest

from actions.flows.answers import (
    BUDGET_LABELS,
    STUDY_VISIT_LABELS,
    free_text_problem,
    is_back_phrase,
    is_cancel_phrase,
    looks_like_question,
    parse_agency_type,
    parse_budget,
    parse_documents,
    parse_kipp_history,
    parse_lever,
    parse_regulation,
    parse_study_visit,
    parse_yes_no,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("kl", "kl"), ("Kementerian Kesehatan", "kl"), ("K/L", "kl"), ("pemda", "pemda"), ("Pemkab Sleman", "pemda"),
     ("dinas kesehatan kota", "pemda"), ("BUMN", "bumn"), ("PT Persero", "bumn"), ("PDAM", "bumd"), ("bumd", "bumd"),
     ("2", "pemda"), ("sepeda", None), ("5", None)],
)  # fmt: skip
def test_agency_type(text: str, expected: str | None) -> None:
    assert parse_agency_type(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("never", "never"), ("belum pernah ikut", "never"), ("belum", "never"),
     ("pernah ikut tapi tidak menang", "entered"),
     ("tidak lolos", "entered"), ("top 99 sekali", "top99_once"), ("masuk top99", "top99_once"),
     ("top 99 dua kali", "top99_twice"), ("2x top 99", "top99_twice"), ("top 45 tahun 2019", "top_tier"),
     ("Top Terpuji", "top_tier"), ("OPSI 2025", "top_tier"), ("5", "top_tier"), ("hmm", None)],
)  # fmt: skip
def test_kipp_history(text: str, expected: str | None) -> None:
    assert parse_kipp_history(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("ya", True), ("Iya betul", True), ("sudah", True), ("tidak", False), ("bukan", False), ("belum", False),
     ("mungkin", None)],
)  # fmt: skip
def test_yes_no(text: str, expected: bool | None) -> None:
    assert parse_yes_no(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("perda", "perda"), ("Perbup nomor 12 tahun 2022", "perkada"), ("perwali", "perkada"),
     ("SK kepala dinas", "sk"), ("ranperda sedang dibahas", "draft"), ("belum ada", "none"), ("apa ya", None)],
)  # fmt: skip
def test_regulation(text: str, expected: str | None) -> None:
    assert parse_regulation(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("yes", "yes"), ("ya sudah", "yes"), ("sebagian", "partial"), ("masih diusulkan", "partial"),
     ("belum", "no"), ("no", "no"), ("entah", "unknown"), ("qwerty", None)],
)  # fmt: skip
def test_lever(text: str, expected: str | None) -> None:
    assert parse_lever(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("sk_inisiator", ("toggle", ["sk_inisiator"])), ("selesai", ("done", [])), ("tidak_ada", ("none", [])),
     ("belum ada", ("none", [])), ("1,3", ("set", ["sk_inisiator", "data_manfaat"])),
     ("1 dan 6", ("set", ["sk_inisiator", "foto_video"])),
     ("sk inisiator dan surat pernyataan", ("set", ["sk_inisiator", "surat_pernyataan"])), ("9", None), ("hmm", None)],
)  # fmt: skip
def test_documents(text: str, expected: tuple[str, list[str]] | None) -> None:
    assert parse_documents(text) == expected


def test_budget_and_study_visit_keep_tapped_labels_or_own_words() -> None:
    assert parse_budget("apbd") == BUDGET_LABELS["apbd"]
    assert parse_budget("dana CSR bank daerah") == BUDGET_LABELS["mitra"]
    assert parse_budget("Dana BOK Puskesmas") == "Dana BOK Puskesmas"
    assert parse_budget("/") is None
    assert parse_study_visit("daring") == STUDY_VISIT_LABELS["daring"]
    assert parse_study_visit("ke Klungkung bulan Mei") == "ke Klungkung bulan Mei"


@pytest.mark.parametrize(
    ("text", "cancel", "back"),
    [("batal", True, False), ("Batalkan!", True, False), ("gak jadi", True, False), ("tidak jadi deh", True, False),
     ("stop", True, False), ("tidak", False, False), ("kembali", False, True), ("balik", False, True),
     ("sebelumnya", False, True), ("kembali ke menu", False, False)],
)  # fmt: skip
def test_control_phrases(text: str, cancel: bool, back: bool) -> None:
    assert is_cancel_phrase(text) is cancel
    assert is_back_phrase(text) is back


@pytest.mark.parametrize(
    ("text", "question"),
    [("apa itu JIPP?", True), ("JIPP itu apa", True), ("gimana cara daftar sinovik", True),
     ("kipp kapan dibuka?", True),
     ("antrean akta kelahiran dua minggu", False), ("warga sulit mengurus izin usaha", False)],
)  # fmt: skip
def test_question_shape(text: str, question: bool) -> None:
    assert looks_like_question(text) is question


@pytest.mark.parametrize(
    ("text", "problem"),
    [("", "empty"), ("/inform", "empty"), ("12345", "empty"), ("ok", "short"), ("x" * 1001, "long"),
     ("Pemkab Klungkung", None)],
)  # fmt: skip
def test_free_text_checks(text: str, problem: str | None) -> None:
    assert free_text_problem(text) == problem
