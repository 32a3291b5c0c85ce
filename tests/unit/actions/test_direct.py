"""The direct yes/no line put before an answer, computed from the officer's own case and the answer's text."""

from __future__ import annotations

import pytest

from actions.direct import (
    direct_line,
    stated_months,
    verdict_fits,
    without_verdict,
    written_for_the_case,
    written_for_the_province,
)
from knowledge import Entry, read_question
from tests.factories import active_entry


def entry(answer: str, facts: tuple[str, ...] = ()) -> Entry:
    return active_entry(title="Contoh", questions=("contoh",), answer=answer, facts=facts)


@pytest.mark.parametrize(
    ("text", "months"),
    [
        ("baru 8 bulan", 8),
        ("udh 2 thn", 24),
        ("kurang lebih setahun", 12),
        ("jalan 1,5 tahun", 18),
        ("blm ada", None),
        ("br jalan 1 thn 3 bln", 15),  # years, then months: one duration
        ("baru 8 bulan, minimal 1 tahun kan?", 8),  # a rule quoted after it is not part of it
    ],
)
def test_stated_age_is_read_as_officers_write_it(text: str, months: float | None) -> None:
    assert stated_months(text) == months


@pytest.mark.parametrize(
    ("question", "opening"),
    [
        ("inovasi kami baru 8 bulan, udah bisa ikut kipp?", "Belum"),
        ("inovasi kami udah jalan 18 bulan, bisa ikut?", "Tergantung"),
        ("inovasi kami sudah 3 tahun, boleh daftar kipp?", "Ya"),
        # The edition named decides (facts K-17): 2022 asked for 2 years, 1 for pandemic innovations.
        ("inovasi kami (bukan soal covid) br jalan 1 thn 3 bln, kalo pake syarat kipp 2022 udh memenuhi?", "Tidak"),
        ("inovasi penanganan covid kami 1 thn 3 bln, kipp 2022 bisa?", "Ya"),
        ("inovasi kami 18 bulan, kipp 2021 kelompok replikasi bisa?", "Ya"),
        ("inovasi kami 18 bulan, kipp 2021 kelompok umum bisa?", "Tidak"),
        ("inovasi kami 18 bulan, kipp 2021 bisa?", "Tergantung"),
        ("inovasi kami 14 bulan, kipp 2020 bisa?", "Ya"),
        # An edition whose rule is not recorded is not guessed.
        ("inovasi kami 8 bulan, kipp 2025 bisa?", "Belum dapat kami pastikan"),
    ],
)
def test_minimum_age_verdict_follows_the_recorded_rules(question: str, opening: str) -> None:
    line = direct_line(read_question(question), entry("Minimal usia inovasi ...", facts=("K-17",)))
    assert line is not None and line.startswith(opening)


@pytest.mark.parametrize(
    ("question", "opening"),
    [
        # Facts K-12, K-15, K-18: not Top 99 twice, never a top-tier winner; the years before the question count.
        ("pernah masuk top 99 tahun 2018 dan 2019, boleh ikut umum?", "Tidak untuk kelompok umum"),
        ("udh 2x masuk top 99 min, msh bisa daftar?", "Tidak untuk kelompok umum"),
        ("inovasi kami top 99 2019, bisa ikut kipp lagi?", "Ya"),
        ("inovasi kami top 45 2019, boleh ikut kelompok umum?", "Tidak untuk kelompok umum"),
        ("pernah ikut kipp 2022 tp ga menang, boleh ikut lagi?", "Ya"),
        ("inovasi kami top terpuji 2018, thn 2023 kemarin bisa masuk kelompok khusus?", "Ya, lewat kelompok khusus"),
        ("kami top 99 sekali, bisa ikut kelompok khusus?", "Tidak: kelompok khusus"),
        ("our innovation was top 99 in 2017 and 2019, can we join the general group?", "No, not in the general"),
        # A tier not won is no part of the record; "sekali" is once whatever other year is named.
        ("pernah masuk top 99 sekali thn 2019, tp gak menang top 45. bs ikut kelompok umum 2021?", "Ya"),
        ("inovasi kami top 99 2021 sekali doang, blm pernah top terpuji. 2023 bs ikut umum?", "Ya"),
        # "kab kami" is the agency, not a regency-level contest: Top 35 (2016) is a national top tier.
        ("min kab kami pernah top 35 thn 2016, bs ikut kelompok umum 2023 gak?", "Tidak untuk kelompok umum"),
        # K-15: the 2023 special group took Top Terpuji of 2014-2021, not the Outstanding Achievement winners.
        ("kmrn kami dpt outstanding achievement 2021, bs ikut kelompok khusus 2023?", "Tidak: kelompok khusus 2023"),
        ("inovasi kami top terpuji 2022, kelompok khusus 2023 boleh gak?", "Tidak: kelompok khusus 2023"),
        ("inovasi kami top terpuji 2019, kelompok khusus 2023 boleh gak?", "Ya, lewat kelompok khusus"),
    ],
)
def test_a_stated_track_record_is_judged_by_the_group_rules(question: str, opening: str) -> None:
    line = direct_line(read_question(question), entry("Tergantung tingkatnya: ...", facts=("K-12", "K-15")))
    assert line is not None and line.startswith(opening)


def test_a_year_asked_about_is_not_counted_as_a_second_top_99() -> None:
    line = direct_line(
        read_question("inovasi kami top 99 thn 2021, boleh daftar kipp 2025?"), entry("...", facts=("K-12",))
    )
    assert line is not None and line.startswith("Ya")
    assert "KIPP 2025 tidak tercatat" in line  # the 2025 rules on past results are not in the sources


def test_a_track_record_does_not_answer_another_question() -> None:
    judul = entry("Tidak, satu judul tidak boleh dipakai untuk lebih dari satu proposal.", facts=("K-18",))
    assert direct_line(read_question("kami pernah ikut kipp, boleh pakai judul yg sama?"), judul) is None


def test_the_entry_written_for_the_stated_record_answers_it() -> None:
    general = entry("Ya, inovasi yang pernah ikut KIPP tetapi tidak menang boleh ikut lagi.", facts=("K-12",))
    twice = entry("Tidak, inovasi yang sudah dua kali masuk Top 99 tidak boleh lagi ikut kelompok umum.", ("K-12",))
    winner = entry("Tidak, pemenang teratas (Top Terpuji) tidak boleh lagi ikut kelompok umum.", ("K-12",))
    asked = read_question("pernah masuk top 99 tahun 2018 dan 2019, boleh ikut umum?")
    assert written_for_the_case(asked, [general, winner, twice]) is twice  # a "no" for the same reason
    assert written_for_the_case(read_question("kami top 99 2019, bisa ikut lagi?"), [general, twice]) is None


def test_a_closed_registration_is_said_to_be_closed() -> None:
    answer = entry("KIPP 2025 sudah selesai: pendaftaran 8 April–3 Juni 2025 (sudah ditutup).")
    assert direct_line(read_question("pendaftaran kipp 2025 masih buka ga?"), answer) == "Tidak, sudah ditutup."


def test_a_year_the_thing_did_not_exist_gets_a_no() -> None:
    answer = entry("Ya, kelompok replikasi ada pada KIPP 2020, 2021 dan 2025 (tidak ada pada 2022–2023).")
    assert direct_line(read_question("kipp 2022 ada kelompok replikasinya ga?"), answer) == "Tidak ada pada 2022."
    assert direct_line(read_question("kipp 2021 ada kelompok replikasinya ga?"), answer) is None


def test_an_answer_that_already_says_no_gets_no_second_line() -> None:
    answer = entry("Tidak, KIPP tidak diselenggarakan pada 2024.")
    assert direct_line(read_question("kipp 2024 diadakan ga?"), answer) is None


def test_a_figure_the_sources_disagree_on_depends_on_the_source() -> None:
    answer = entry(
        "MPP dimulai pada 2017, tetapi sumber berbeda soal jumlah awalnya: Menteri PANRB menyebut 3 MPP, "
        "sedangkan Okezone menyebut 4 MPP percontohan.\n\n• Rincian per sumber."
    )
    line = direct_line(read_question("dulu thn 2017 mpp baru ada 3 doang ya?"), answer)
    assert line is not None and line.startswith("Tergantung sumbernya")
    # The year the question names is not the figure in dispute, and a figure the opening does not give is not asked.
    assert direct_line(read_question("mpp mulai 2017 ya?"), answer) is None
    assert direct_line(read_question("mpp awalnya ada 7 ya?"), answer) is None


@pytest.mark.parametrize(
    ("answer", "shown"),
    [
        (
            "Ya, pada dasarnya: replikasi adalah transfer pengetahuan.",
            "Pada dasarnya: replikasi adalah transfer pengetahuan.",
        ),
        ("Tidak, KIPP 2025 tidak punya kelompok khusus.", "KIPP 2025 tidak punya kelompok khusus."),
        ("Ya. Semangat OAOI adalah satu inovasi setahun.", "Semangat OAOI adalah satu inovasi setahun."),
        ("Tergantung tingkatnya: Top 99 sekali masih boleh.", "Tergantung tingkatnya: Top 99 sekali masih boleh."),
        ("Yayasan boleh ikut.", "Yayasan boleh ikut."),
        (
            "Tidak harus satu lokasi: menurut Perpres 89/2021 layanan MPP boleh tersebar.",
            "Menurut Perpres 89/2021 layanan MPP boleh tersebar.",
        ),
        ("Not required: a regulation is not a requirement.", "A regulation is not a requirement."),
        # "stealing with pride itu maksudnya apa?": a first sentence that is only a verdict goes.
        (
            "Ya, boleh, bahkan didorong. Bila masalahnya sama, mereplikasi lebih cepat.",
            "Bila masalahnya sama, mereplikasi lebih cepat.",
        ),
        ("Bisa dibaca di SINOVIK. Caranya: masuk.", "Bisa dibaca di SINOVIK. Caranya: masuk."),  # not a verdict
        (
            "Belum dapat kami pastikan: sumber kami tidak mencatatnya.",
            "Belum dapat kami pastikan: sumber kami tidak mencatatnya.",
        ),
    ],
)
def test_an_answer_to_an_open_question_drops_only_a_verdict(answer: str, shown: str) -> None:
    assert without_verdict(answer) == shown


def test_a_no_must_be_about_what_the_question_asks_to_do() -> None:
    target = active_entry(
        "mpp-target-2024",
        title="Apakah target MPP di semua kabupaten/kota tercapai?",
        questions=("target mpp 2024 tercapai?", "semua kabupaten udah punya mpp?"),
        answer="Tidak, target MPP di seluruh kabupaten/kota pada 2024 belum tercapai.",
    )
    proposing = active_entry(
        "mpp-usul",
        title="Cara mengusulkan MPP",
        questions=("cara ngusulin mpp",),
        answer="Tidak, usulan MPP tidak diajukan provinsi: pemerintah kabupaten/kota yang mengajukan.",
    )
    assert not verdict_fits(read_question("kabupaten kami blm punya, bisa ngajuin?"), target)  # not about proposing
    assert verdict_fits(read_question("provinsi bisa ngajuin mpp?"), proposing)
    assert verdict_fits(read_question("semua kabupaten bisa punya mpp?"), target)  # "punya" says little alone


def test_a_verdict_about_another_regulation_or_programme_does_not_fit() -> None:
    revoked = active_entry(
        "pelembagaan-permen-30-2014",
        title="Apakah PermenPANRB 30/2014 masih berlaku?",
        questions=("permen 30 2014 masih berlaku",),
        answer="Tidak berlaku lagi: PermenPANRB 30/2014 sudah dicabut oleh PermenPANRB 91/2021.",
    )
    english = active_entry(
        "unpsa-bantu-proposal-inggris",
        title="Bantuan proposal UNPSA berbahasa Inggris",
        questions=("proposal unpsa bahasa inggris",),
        answer="Ya, Kementerian PANRB membantu proposal UNPSA berbahasa Inggris.",
    )
    assert verdict_fits(read_question("permen 30/2014 masih dipakai ga?"), revoked)
    assert verdict_fits(read_question("permenpanrb no 30 th 2014 masih berlaku?"), revoked)
    assert not verdict_fits(read_question("permen 91 masih berlaku?"), revoked)  # its "no" is about 30/2014
    assert verdict_fits(read_question("proposal unpsa dibantu bahasa inggrisnya?"), english)
    assert not verdict_fits(read_question("proposal kipp boleh pakai bahasa inggris?"), english)  # about UNPSA


def test_a_yes_to_is_it_required_must_be_about_what_is_asked() -> None:
    oaoi = entry("Ya. Setiap instansi wajib menciptakan minimal satu inovasi pelayanan publik setiap tahun.")
    # The duty to create an innovation says nothing of a renstra or an OPD.
    assert not verdict_fits(read_question("apakah inovasi wajib masuk renstra opd?"), oaoi)
    assert verdict_fits(read_question("apakah instansi wajib menciptakan inovasi tiap tahun?"), oaoi)


def test_a_may_is_no_must_and_a_need_not_is_no_may_not() -> None:
    may = active_entry(
        title="Bisakah pemda kabupaten/kota ikut JIPP?",
        questions=("pemkab bisa ikut jipp?",),
        answer="Ya, pemda kabupaten/kota ikut JIPP melalui Hub JIPP provinsinya.",
    )
    must = active_entry(
        title="Apakah replikasi wajib didahului studi tiru?",
        questions=("replikasi harus studi tiru dulu?",),
        answer="Tidak, studi tiru tidak diwajibkan sebelum replikasi.",
    )
    assert verdict_fits(read_question("pemkab bisa ikut jipp?"), may)
    assert not verdict_fits(read_question("pemda kab wajib ikut jipp?"), may)
    line = direct_line(read_question("pemda kab wajib ikut jipp?"), may)
    assert line is not None and line.startswith("Belum dapat kami pastikan bahwa itu wajib")
    assert verdict_fits(read_question("replikasi harus studi tiru dulu?"), must)
    assert not verdict_fits(read_question("boleh replikasi tanpa studi tiru?"), must)


@pytest.mark.parametrize(
    ("question", "line"),
    [
        ("provinsi sy NTB, udh jd hub jipp blm?", "Ya, NTB ada dalam daftar (2023)."),
        ("hub jipp sulawesi barat udah?", "Ya, Sulawesi Barat ada dalam daftar (2024)."),  # the decree's year
        ("NTT jadi hub jipp gak?", "Tergantung: NTT dijadwalkan bergabung 2022."),
        ("apakah papua sudah jadi hub JIPP?", "Belum dapat kami pastikan: Papua tidak ada dalam daftar"),
        # On the list, but from a later year than the one asked; and the year of a list item names it.
        ("kaltim hub jipp sejak 2021?", "Tidak pada 2021: Kaltim baru masuk daftar pada 2023."),
        ("kalimantan timur udh jd hub jipp?", "Ya, Kaltim ada dalam daftar (2023)."),
        # Written in full in the question, short in the list (and the other way round) is the same province.
        ("jawa barat udah jadi hub?", "Ya, Jabar ada dalam daftar (2023)."),
    ],
)
def test_a_province_asked_of_an_answer_that_depends_on_the_province_is_looked_up(question: str, line: str) -> None:
    hubs = entry(
        "Tergantung provinsinya: yang tercatat adalah Sumatera Utara (2022) dan 14 provinsi tambahan "
        "(KepmenPANRB 305/2024, antara lain Sulawesi Barat); NTT dijadwalkan bergabung 2022.\n\n"
        "• 2023: Jambi, Lampung, Jabar, DIY, NTB, Malut, Kaltim."
    )
    answer = direct_line(read_question(question), hubs)
    assert answer is not None and answer.startswith(line)


@pytest.mark.parametrize(
    ("question", "line"),
    [
        ("apakah tpi 2023 diketuai siti zuhro?", "Ya, untuk 2023."),
        ("tpi 2020 diketuai kristiadi ya?", "Ya, untuk 2020."),  # "J.B." is an initial, not the end of a claim
        ("bener gak TPI 2025 diketuai Siti Zuhro?", "Ya, untuk 2025."),  # "bener gak" only asks whether
        ("apakah tpi 2020 diketuai siti zuhro?", None),  # no claim says so for 2020: the answer's "depends" stays
    ],
)
def test_a_year_asked_of_an_answer_that_depends_on_the_year_gets_a_yes_when_one_claim_says_it(
    question: str, line: str | None
) -> None:
    chairs = entry(
        "Tergantung tahunnya: R. Siti Zuhro (BRIN) mengetuai Tim Panel Independen (TPI) KIPP 2023 dan 2025, "
        "sedangkan TPI 2020 diketuai J.B. Kristiadi."
    )
    assert direct_line(read_question(question), chairs) == line


def test_a_verdict_about_another_province_does_not_fit() -> None:
    diy = entry("Tidak, DIY tidak termasuk percontohan Hub JIPP 2020; percontohan 2020 antara lain Jawa Timur.")
    assert not verdict_fits(read_question("jatim hub jipp sejak 2020?"), diy)
    assert verdict_fits(read_question("diy hub percontohan 2020?"), diy)


def test_the_province_list_answers_a_province_the_best_candidate_does_not_speak_of() -> None:
    kabkota = entry("Ya, pemda kabupaten/kota ikut JIPP melalui Hub JIPP provinsinya.")
    hubs = entry("Tergantung provinsinya: yang tercatat adalah Jatim (2020) dan Sulawesi Barat (2024).")
    assert written_for_the_province(read_question("papua hub jipp bukan?"), [kabkota, hubs]) is hubs
    assert written_for_the_province(read_question("pemda kab ikut jipp?"), [kabkota, hubs]) is None
