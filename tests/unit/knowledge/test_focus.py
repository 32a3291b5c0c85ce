"""The years an answer speaks of, and the line that says the year asked is not among them."""

from __future__ import annotations

import pytest

from knowledge import focused_lines, unrecorded_place, unrecorded_year
from knowledge.focus import years_spoken_of


def test_years_spoken_of_counts_named_years_spans_and_years_since() -> None:
    assert years_spoken_of("TPI 2020 dan 2023") == {2020, 2023}
    assert {2014, 2017, 2023} <= years_spoken_of("Selama 2014–2023 (10 edisi)")
    assert {2020, 2021, 2022} <= years_spoken_of("pada 2020 sampai 2022 secara daring")
    assert {2018, 2019, 2025} <= years_spoken_of("sejak TA 2018, Pemda pemenang mendapat DID")
    assert 2017 not in years_spoken_of("sejak TA 2018, Pemda pemenang mendapat DID")


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("siapa ketua TPI tahun 2018?", "TPI 2023 dan 2025 diketuai R. Siti Zuhro; TPI 2020 diketuai J.B. Kristiadi."),
        ("siapa pemenang kipp tahun 2012?", "Top 45 2023 antara lain PaDi UMKM; Top 45 2019 antara lain SUPERTAJAM."),
        ("unpsa 2027 kategori apa aja?", "UNPSA 2026 memiliki 4 kategori."),
    ],
)
def test_a_year_the_answer_never_speaks_of_is_said_to_be_unrecorded(question: str, answer: str) -> None:
    year = next(word for word in question.replace("?", "").split() if word.isdigit())
    assert unrecorded_year(question, answer) == f"Untuk {year} tidak tercatat dalam sumber kami; yang tercatat:"


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("ketua TPI 2023 siapa?", "TPI 2023 dan 2025 diketuai R. Siti Zuhro."),
        ("top inovasi 2017 ada brp?", "Selama 2014–2023 (10 edisi), KIPP menghasilkan 1.065 Top Inovasi."),
        ("did 2020 masih ada?", "Sejak TA 2018, Pemda pemenang mendapat DID."),
        ("apa itu kipp?", "KIPP dimulai 2014."),  # no year asked
        ("syarat kipp?", "Inovasi harus sudah berjalan minimal satu tahun."),
        ("beda kipp 2019 dan 2018?", "Pada 2023 aspeknya 8."),  # two years asked: not one to say
        ("juri kipp 2021 siapa?", "Tim Evaluasi menilai proposal tertulis."),  # an answer without years
    ],
)
def test_no_line_when_the_year_is_spoken_of_or_none_is_asked(question: str, answer: str) -> None:
    assert unrecorded_year(question, answer) is None


def test_the_line_is_in_english_for_an_english_question() -> None:
    line = unrecorded_year(
        "who chaired the TPI in 2018?", "In 2023 and 2025 it was chaired by R. Siti Zuhro.", english=True
    )
    assert line == "Nothing for 2018 is recorded in our sources; what they record:"


@pytest.mark.parametrize(
    ("question", "place"),
    [
        ("jumlah MPP di provinsi papua brp?", "Provinsi Papua"),
        ("kapan MPP kota bandung diresmikan?", "Kota Bandung"),
        ("inovasi kabupaten sleman yg menang kipp apa aja?", "Kabupaten Sleman"),
        ("berapa nilai indeks inovasi daerah kab. bogor?", "Kabupaten Bogor"),
    ],
)
def test_a_region_the_answer_never_names_is_said_to_be_unrecorded(question: str, place: str) -> None:
    line = unrecorded_place(question, "Per 15 Desember 2025 ada 305 MPP di Indonesia.")
    assert line == f"Untuk {place} tidak tercatat secara khusus dalam sumber kami; yang tercatat:"


@pytest.mark.parametrize(
    "question",
    [
        "contoh replikasi di kabupaten klungkung?",  # the answer names Klungkung
        "syarat mpp di kab/kota kami apa?",  # no region named
        "kota kecil boleh bikin mpp?",
        "sy dari dinkes kab. sleman, syarat kipp apa?",  # the region is who asks, not what is asked
        "target semua kab/kota kpn?",  # "kpn" is "kapan", not a city
        "inovasi kab sebelah gmn?",  # the neighbouring regency, unnamed
    ],
)
def test_no_region_line_when_the_answer_names_it_or_none_is_asked(question: str) -> None:
    assert unrecorded_place(question, "TOSS dari Kabupaten Klungkung direplikasi DLH Buleleng.") is None


def test_a_line_about_the_one_of_several_named_that_is_asked_is_shown() -> None:
    shown = (
        'Beberapa pemda punya "klinik inovasi" sendiri, misalnya KLIK Kota Pontianak dan KDI Kabupaten Empat Lawang.'
    )
    rest = (
        "• Kota Pontianak: Klinik Inovasi Kota (KLIK); Perwali sedang disiapkan.\n"
        "• Kabupaten Empat Lawang: KDI (Klinik Diseminasi Inovasi), berdasarkan Perbup 18/2022."
    )
    lines = focused_lines("empat lawang pakai aturan apa?", shown, rest, 300)
    assert lines == ["• Kabupaten Empat Lawang: KDI (Klinik Diseminasi Inovasi), berdasarkan Perbup 18/2022."]
