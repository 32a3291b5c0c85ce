"""Reading a message before searching: chatter, parts, language, yes/no, subject; and the normaliser's traps."""

from __future__ import annotations

import pytest

from knowledge import money_unsaid, read_question
from knowledge.query import (
    asking_core,
    asks_again,
    asks_more,
    asks_open_question,
    asks_source,
    is_english,
    is_indonesian,
    is_year_only,
    is_yes_no,
    names_subject,
    split_parts,
    strip_chatter,
)
from knowledge.retrieval import gives_asked_value
from knowledge.text import content_terms, tokens


@pytest.mark.parametrize(
    ("message", "question"),
    [
        ("selamat pagi min, sy staf baru di bagian organisasi, mau tanya kipp itu apa ya? makasih", "kipp itu apa ya?"),
        ("Assalamualaikum wr wb, maaf mengganggu pak, izin bertanya: JIPP itu apa?", "JIPP itu apa?"),
        ("halo kak, numpang tanya dong, syarat ikut kipp apa aja? terima kasih banyak 🙏", "syarat ikut kipp apa aja?"),
        ("kami dari dinas kesehatan, boleh ikut kipp?", "boleh ikut kipp?"),
        ("Hi, can I ask something? What is KIPP? Thanks!", "What is KIPP?"),
        # An introduction, a lead-in in the middle, "Kab." that does not end the clause, an address with a slash.
        ("siang, perkenalkan saya Dewi dari Bappeda Kab. Bantul. Mau tanya, juknis kipp apa?", "juknis kipp apa?"),
        ("mohon izin bertanya bapak/ibu admin, hub jipp itu apa?", "hub jipp itu apa?"),
        ("mas/mbak, mohon pencerahannya, ATM itu apa?", "ATM itu apa?"),
        ("punten, abdi ti dinas kominfo, hoyong naros: top 99 teh naon?", "top 99 teh naon?"),
        # A reason after the question, and background before a bare "itu apa?", go.
        ("kriteria inovasi apa aja ya? biar sy bs jelasin ke pimpinan", "kriteria inovasi apa aja ya?"),
        ("td ikut bimtek, narasumber nyebut istilah ATM, itu apa?", "ATM, itu apa?"),
        # What was heard, not who said it: "td pimpinan nanya soal X, itu apa?" asks what X is.
        (
            "maaf ganggu min, td pimpinan nanya soal replikasi inovasi, itu sebenernya apa sih?",
            "replikasi inovasi, itu sebenernya apa sih?",
        ),
        # Background that is the point of the question stays.
        ("inovasi kami baru 8 bulan, udah bisa ikut kipp?", "inovasi kami baru 8 bulan, udah bisa ikut kipp?"),
        # What was shared in a chat group, and a "can you help?" tag, are wrapping too.
        (
            "halo min, maaf ganggu malam2, td di grup wa ada yg share soal jipp, itu sebenernya apa ya?",
            "jipp, itu sebenernya apa ya?",
        ),
        ("kak, atasan sy nanya kapan kipp 2025 ditutup, bisa dibantu?", "atasan sy nanya kapan kipp 2025 ditutup"),
        # A question that says next to nothing on its own ("caranya gimana?") is about the context before it.
        (
            "selamat sore, kami di kecamatan pengen inovasinya awet walau camatnya ganti. caranya gimana ya?",
            "kami di kecamatan pengen inovasinya awet walau camatnya ganti. caranya gimana ya?",
        ),
        (
            "kami di bappeda lagi nyusun rencana aksi replikasi. formatnya gimana?",
            "kami di bappeda lagi nyusun rencana aksi replikasi. formatnya gimana?",
        ),
        # An address before "saya/aku", and a clause that only says how the asker feels or how new they are.
        ("min sy newbie nih, ATM itu singkatan apa sih? hehe", "ATM itu singkatan apa sih?"),
        ("kak aku bingung bgt, replikasi itu apa?", "replikasi itu apa?"),
        ("kak aku mau nanya, sinovik itu apa", "sinovik itu apa"),
    ],
)
def test_greetings_thanks_and_personal_context_are_set_aside(message: str, question: str) -> None:
    assert strip_chatter(message) == question


@pytest.mark.parametrize("message", ["terima kasih", "halo min", "makasih ya kak"])
def test_pure_small_talk_is_kept_whole(message: str) -> None:
    assert strip_chatter(message) == message


@pytest.mark.parametrize(
    ("message", "parts"),
    [
        ("syarat kipp apa aja, trus daftarnya lewat mana?", ["syarat kipp apa aja", "daftarnya lewat mana"]),
        ("kipp itu apa? kapan pertama kali diadakan?", ["kipp itu apa", "kapan pertama kali diadakan"]),
        ("apa itu JIPP dan dasar hukumnya apa", ["apa itu JIPP", "dasar hukumnya apa"]),
        ("What is KIPP and who can join?", ["What is KIPP", "who can join"]),
        ("syarat dan ketentuan kipp apa", ["syarat dan ketentuan kipp apa"]),
        ("amati, tiru, modifikasi itu apa?", ["amati, tiru, modifikasi itu apa"]),
        # A numbered list of questions; a full stop after a number is not a list ("pasal 3. isinya apa?").
        ("1) kategori kipp 2021 brp 2) presentasi brp menit?", ["kategori kipp 2021 brp", "presentasi brp menit"]),
        ("1. apa itu sinovik 2. siapa admin lokal", ["apa itu sinovik", "siapa admin lokal"]),
        ("top 9. itu apa", ["top 9. itu apa"]),  # a number with a full stop is a list only from "1." on
        ("permenpan 91/2021 pasal 3. isinya apa?", ["permenpan 91/2021 pasal 3. isinya apa"]),
        # A first piece that asks nothing is the context of the question after it.
        ("udh identifikasi, trus berikutnya ngapain?", ["udh identifikasi berikutnya ngapain"]),
    ],
)
def test_a_message_is_split_on_its_question_boundaries_only(message: str, parts: list[str]) -> None:
    assert split_parts(message) == parts


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("inovasi kami baru 8 bulan, udah bisa ikut?", True),
        ("boleh gak BUMD ikut KIPP?", True),
        ("apakah permenpan 30/2014 masih berlaku", True),
        ("Can a state-owned enterprise join KIPP?", True),
        ("syarat ikut kipp apa aja", False),
        ("kapan pendaftaran kipp dibuka", False),
        # Requests that start like a yes/no question want an explanation, not a verdict.
        ("can you summarise the PermenPANRB 91/2021 rules for me?", False),
        ("bisa tolong jelasin tahapan replikasi?", False),
    ],
)
def test_yes_no_questions_are_recognised(message: str, expected: bool) -> None:
    assert is_yes_no(message) is expected


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("What is the minimum age of an innovation for KIPP?", True),
        ("who can join the competition", True),
        ("kipp itu apa", False),
        ("how to replikasi inovasi yg bagus gmn caranya", False),
        ("KIPP", False),
        ("when did KIPP 2025 registration close?", True),
        ("who judges KIPP?", True),
        ("kipp 2025 udah close belum?", False),
    ],
)
def test_english_is_told_from_indonesian(message: str, expected: bool) -> None:
    assert is_english(message) is expected


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("MPP itu apa", True),
        ("trus dasar hukumnya?", False),
        ("kalau kelompok replikasi?", False),  # a KIPP group, not the replication topic
        ("replikasi itu boleh?", True),
        ("yg 2025?", False),
        ("pelembagaannya gmn caranya?", True),  # the subject with a possessive ending
    ],
)
def test_a_message_that_names_its_subject_is_not_a_follow_up(message: str, expected: bool) -> None:
    assert names_subject(message) is expected


def test_read_question_combines_the_readings() -> None:
    question = read_question("pagi min, mau tanya, ulangi jawaban tadi dong")
    assert question.asks_repeat and not question.english and question.parts == (question.text,)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("top 99 tahun 2022", ["top", "99", "tahun", "2022"]),
        ("12 bulan", ["12", "bulan"]),
        ("langkah2 replikasi", ["langkah", "replikasi"]),
        ("kipp2025", ["kipp", "2025"]),
        ("thn2022", ["tahun", "2022"]),
        ("K/L dan kab/kota", ["kementerian", "lembaga", "dan", "pemda", "kota"]),
        (
            "verlap juknis juklak bimtek",
            ["verifikasi", "lapangan", "petunjuk", "teknis", "petunjuk", "pelaksanaan", "bimbingan", "teknis"],
        ),
        ("TPI dan TE", ["tim", "panel", "independen", "dan", "tim", "evaluasi"]),
        ("OPD, SKPD, PD", ["perangkat", "daerah", "perangkat", "daerah", "perangkat", "daerah"]),
        ("dikirim pd hari senin", ["dikirim", "pada", "hari", "senin"]),
    ],
)
def test_normaliser_keeps_numbers_and_expands_officers_abbreviations(text: str, expected: list[str]) -> None:
    assert tokens(text) == expected


def test_dasar_hukum_and_aturan_are_one_idea() -> None:
    assert content_terms("dasar hukumnya apa") == content_terms("hukumnya apa")
    assert set(content_terms("payung hukum")) == set(content_terms("aturan"))


@pytest.mark.parametrize(
    ("message", "expected"),
    [("yg nyusul 2021?", True), ("kalau 2025?", True), ("yg thn 2023", True), ("pemenang kipp terbanyak 2021?", False)],
)
def test_a_year_with_a_word_or_two_asks_the_last_question_again(message: str, expected: bool) -> None:
    assert is_year_only(message) is expected


@pytest.mark.parametrize(
    ("message", "referred"),
    [
        ("tujuan permennya apa?", {"permenpanrb"}),  # "-nya": the regulation just spoken of
        ("kippnya kapan?", {"kipp"}),
        ("tujuan permenpan 91 apa?", set()),  # named outright: a new question
        ("permennya kipp apa?", set()),  # one subject named outright is enough
    ],
)
def test_a_subject_named_only_with_nya_points_back(message: str, referred: set[str]) -> None:
    assert read_question(message).referred == referred


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("rinciannya dong", True),
        ("rinciannya gmn?", True),
        ("detailnya kayak apa?", True),
        ("jelasin lebih detail", True),
        ("detailnya yang tadi", True),
        ("tell me more", True),
        # One detail asked, not the rest of the answer: a follow-up question.
        ("rinciannya per jenis instansi?", False),
        ("detailnya kriteria?", False),
    ],
)
def test_asking_for_more_is_told_from_asking_one_detail(message: str, expected: bool) -> None:
    assert asks_more(message) is expected


@pytest.mark.parametrize(
    ("message", "expected"),
    [("legal basis?", False), ("and in 2023?", False), ("dasar hukumnya?", True), ("kalau jipp?", True)],
)
def test_a_sign_of_indonesian_is_told_from_none(message: str, expected: bool) -> None:
    assert is_indonesian(message) is expected


@pytest.mark.parametrize(
    ("text", "open_question"),
    [
        ("kelompok replikasi di kipp 2025 syaratnya apa", True),
        ("bedanya replikasi sama adopsi", True),
        ("kipp 2024 kenapa ga ada?", True),
        ("alasan kipp 2024 ditiadakan", True),
        ("apa penyebab mpp kami sepi", True),
        ("replikasi sama dengan adopsi ya?", False),
        ("inovasi kami apa harus dibikinin perbup biar dianggap melembaga?", False),
        ("apa bener di kipp 2025 masyarakat ikut menilai inovasi?", False),
        ("kelompok khusus dulu bisa didaftarin sama siapa aja?", False),
        ("replikasi inovasi", False),  # asks nothing in particular
        ("kelompoknya?", True),
        ("dasar hukumnya?", True),
        ("what is the difference between replication and adoption?", True),
        ("is replication the same as adoption?", False),
    ],
)
def test_an_open_question_asks_what_and_not_whether(text: str, open_question: bool) -> None:
    assert asks_open_question(text) is open_question


@pytest.mark.parametrize(
    ("text", "again"),
    [
        ("ulangi dong", True),
        ("sekali lagi min", True),
        ("say it again", True),
        ("ulangi jawaban soal dasar hukumnya", False),  # names what: a question, read with the repeat allowed
        ("kipp itu apa", False),
    ],
)
def test_asking_only_to_hear_the_last_answer_again(text: str, again: bool) -> None:
    assert asks_again(text) is again


@pytest.mark.parametrize(
    ("message", "core"),
    [
        (
            "di kantor kami lagi rame soal kipp, sebenernya kipp itu tujuannya apa ya?",
            "sebenernya kipp itu tujuannya apa ya?",
        ),
        ("kipp itu tujuannya apa ya?", ""),  # nothing before the question
        ("direktur pengen inovasinya awet. gimana caranya?", ""),  # the asking part says nothing on its own
    ],
)
def test_the_asking_core_leaves_out_background_before_the_question(message: str, core: str) -> None:
    assert asking_core(message) == core


@pytest.mark.parametrize(
    ("question", "answer", "unsaid"),
    [
        ("gaji juri TPI brp?", "Tim Evaluasi menilai proposal tertulis.", True),
        ("harga beras brp?", "KIPP memberi penghargaan kepada inovasi.", True),  # an award is no price
        ("pemenang kipp dapet DID brp milyar?", "sekitar Rp7–13 miliar per Pemda", False),  # another amount word
        ("anggarannya dari mana?", "replikasi perlu dukungan anggaran", False),
        ("sy dulu di keuangan, admin lokal itu tugasnya apa?", "Admin Lokal mengajukan proposal.", False),
        ("kipp itu apa?", "KIPP adalah kompetisi.", False),
    ],
)
def test_money_a_question_asks_about_must_be_spoken_of(question: str, answer: str, unsaid: bool) -> None:
    assert money_unsaid(question, answer) is unsaid


@pytest.mark.parametrize(
    ("question", "text", "gives"),
    [
        ("DID itu brp rupiah?", "sekitar Rp7–13 miliar per Pemda pada 2019", True),
        ("DID itu brp rupiah?", "Sejak tahun anggaran 2018 Pemda pemenang mendapat DID", False),  # a year is no amount
        ("brp miliar?", "sekitar 7 miliar", True),
        ("kapan ditutup?", "ditutup 10 Mei 2020", True),
        ("kapan ditutup?", "pendaftaran dibuka tiap tahun", False),
        # A count, in figures or in words; a place asked by its kind, named.
        ("anggotanya brp org?", "Timnya minimal 1 anggota TPI dan 1 anggota TE.", True),
        ("ada brp kriteria?", "Ada lima kriteria inovasi.", True),
        ("berapa orang?", "TE disebut sebagai guru besar yang berpengalaman.", False),
        ("ada di provinsi mana aja?", "2023: 7 provinsi baru (Jambi, Lampung, Jawa Barat).", True),
        ("ada di provinsi mana aja?", "Pada hub provinsi, pendampingan menjangkau kabupaten/kota.", False),
    ],
)
def test_a_line_must_give_the_kind_of_value_asked(question: str, text: str, gives: bool) -> None:
    assert gives_asked_value(question, text) is gives


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("sumbernya?", True),
        ("sumbernya apa?", True),
        ("sumber infonya dari mana?", True),
        ("referensinya mana min", True),
        ("what is the source?", True),
        ("sumber inovasi untuk direplikasi dari mana?", False),  # names what it asks about: a question
        ("infonya dari mana?", False),
        # Who says so is where it comes from; a question about who does something is a question.
        ("siapa yg bilang?", True),
        ("kata siapa tuh?", True),
        ("menurut siapa?", True),
        ("tau dari mana min?", True),
        ("says who?", True),
        ("menurut siapa inovasi harus berkelanjutan?", False),
        ("siapa yang menilai?", False),
    ],
)
def test_a_message_that_only_asks_for_the_source_is_told_apart(text: str, asks: bool) -> None:
    assert asks_source(text) is asks
