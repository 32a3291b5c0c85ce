"""The start-date and schedule parsers behind the readiness and replication flows."""

from __future__ import annotations

from datetime import date

import pytest

from actions.flows.dates import DateError, StartDate, Timeline, parse_start, parse_timeline

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    ("text", "slot", "label"),
    [
        ("Maret 2023", "2023-03", "Maret 2023"),
        ("maret, 2023", "2023-03", "Maret 2023"),
        ("mar 23", "2023-03", "Maret 2023"),
        ("Mar-2023", "2023-03", "Maret 2023"),
        ("sejak agustus 2021", "2021-08", "Agustus 2021"),
        ("03/2023", "2023-03", "Maret 2023"),
        ("3/2023", "2023-03", "Maret 2023"),
        ("03-23", "2023-03", "Maret 2023"),
        ("2023-03", "2023-03", "Maret 2023"),
        ("15/03/2023", "2023-03-15", "15 Maret 2023"),
        ("15 Maret 2023", "2023-03-15", "15 Maret 2023"),
        ("2023-03-15", "2023-03-15", "15 Maret 2023"),
        ("2023", "2023", "tahun 2023"),
        ("tahun 2021", "2021", "tahun 2021"),
        ("awal 2023", "2023-01-01/2023-03-31", "Januari–Maret 2023"),
    ],
)
def test_absolute_start_forms(text: str, slot: str, label: str) -> None:
    start = parse_start(text, TODAY)
    assert start.to_slot() == slot
    assert start.label() == label
    assert StartDate.from_slot(slot) == start


@pytest.mark.parametrize(
    ("text", "slot"),
    [
        ("2 tahun lalu", "2024-11"),
        ("dua tahun yang lalu", "2024-11"),
        ("2 thn lalu", "2024-11"),
        ("setahun lalu", "2025-11"),
        ("8 bulan lalu", "2026-03"),
        ("sekitar 8 bln yang lalu", "2026-03"),
        ("1,5 tahun lalu", "2025-05"),
        ("tahun lalu", "2025"),
        ("bulan lalu", "2026-10"),
        ("3 minggu lalu", "2026-11-02"),
    ],
)
def test_relative_start_forms_count_back_from_today(text: str, slot: str) -> None:
    assert parse_start(text, TODAY).to_slot() == slot


def test_a_range_reaching_past_today_is_cut_at_today() -> None:
    start = parse_start("tahun ini", TODAY)
    assert (start.earliest, start.latest) == (date(2026, 1, 1), TODAY)


@pytest.mark.parametrize(
    ("text", "reason"),
    [("kapan ya", "unparsed"), ("13/2023", "unparsed"), ("31/02/2023", "unparsed"), ("Mei 2027", "future"),
     ("1930", "too_old"), ("", "unparsed")],
)  # fmt: skip
def test_unusable_start_answers_say_why(text: str, reason: str) -> None:
    with pytest.raises(DateError) as error:
        parse_start(text, TODAY)
    assert error.value.reason == reason


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("6", Timeline(6)),
        ("6 bulan", Timeline(6)),
        ("enam bulan", Timeline(6)),
        ("setahun", Timeline(12)),
        ("1 tahun", Timeline(12)),
        ("6 bulan mulai Januari 2027", Timeline(6, "2027-01")),
        ("Juli–Desember 2027", Timeline(6, "2027-07")),
        ("oktober 2027 sampai maret 2028", Timeline(6, "2027-10")),
        ("juli - desember", Timeline(6, "2027-07")),
    ],
)
def test_schedule_forms(text: str, expected: Timeline) -> None:
    assert parse_timeline(text, TODAY) == expected
    assert Timeline.from_slot(expected.to_slot()) == expected


@pytest.mark.parametrize(("text", "reason"), [("besok", "unparsed"), ("48 bulan", "too_long"), ("0", "unparsed")])
def test_unusable_schedules_say_why(text: str, reason: str) -> None:
    with pytest.raises(DateError) as error:
        parse_timeline(text, TODAY)
    assert error.value.reason == reason
