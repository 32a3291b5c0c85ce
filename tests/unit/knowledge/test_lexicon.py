"""The word lists in knowledge/lexicon.yml: they load, they are well formed, and retrieval uses them."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge import text
from knowledge.text import LEXICON_FILE, _load_lexicon, content_terms, tokens


def test_the_shipped_lexicon_loads_with_every_list() -> None:
    slang, stop_words, concepts, _ = _load_lexicon(LEXICON_FILE)

    assert slang["gmn"] == "bagaimana" and slang["kak"] == ""
    assert {"yang", "dong"} <= stop_words
    assert "langkah" in concepts["tahap"]


def test_every_word_is_lower_case_as_it_is_after_folding() -> None:
    """A capitalised word in the file could never match: text is folded to lower case before lookup."""
    slang, stop_words, concepts, places = _load_lexicon(LEXICON_FILE)
    words = [*slang, *stop_words, *concepts, *(w for variants in concepts.values() for w in variants), *places]

    assert [w for w in words if w != text.fold(w).strip() or " " in w] == []


def test_words_that_yaml_would_read_as_booleans_stay_words(tmp_path: Path) -> None:
    lexicon = tmp_path / "lexicon.yml"
    lexicon.write_text("slang:\n  no: nomor\n  on: pada\nstop_words:\n  - yes\nconcepts:\n  tahap: [off, 2]\n")

    slang, stop_words, concepts, _ = _load_lexicon(lexicon)

    assert slang == {"no": "nomor", "on": "pada"}
    assert stop_words == frozenset({"yes"})
    assert concepts == {"tahap": ("off", "2")}


def test_a_word_listed_twice_is_refused_with_the_file_and_line(tmp_path: Path) -> None:
    lexicon = tmp_path / "lexicon.yml"
    lexicon.write_text("slang:\n  gmn: bagaimana\n  gmn: gimana\nstop_words: []\nconcepts: {}\n")

    with pytest.raises(ValueError, match=r"lexicon.yml.*listed more than once: gmn"):
        _load_lexicon(lexicon)


def test_a_file_missing_a_list_is_refused_by_name(tmp_path: Path) -> None:
    lexicon = tmp_path / "lexicon.yml"
    lexicon.write_text("slang: {}\nconcepts: {}\n")

    with pytest.raises(ValueError, match="stop_words"):
        _load_lexicon(lexicon)


def test_retrieval_reads_the_lists_from_the_file() -> None:
    """The slang, stop-word and concept lists reach the tokenizer and the term extractor."""
    assert tokens("gmn caranya kak") == ["bagaimana", "caranya"]
    assert content_terms("langkah replikasi") == content_terms("tahapan replikasi")


def test_a_stop_word_listed_twice_is_refused(tmp_path: Path) -> None:
    lexicon = tmp_path / "lexicon.yml"
    lexicon.write_text("slang: {}\nstop_words: [kira, kira]\nconcepts: {}\n")

    with pytest.raises(ValueError, match="more than once"):
        _load_lexicon(lexicon)


@pytest.mark.parametrize(
    ("colloquial", "formal"),
    [
        ("nyusun", "disusun"),
        ("ngajuin", "mengajukan"),
        ("diserahin", "diserahkan"),
        ("ngecek", "cek"),
        ("ngelola", "dikelola"),
        ("ngitung", "menghitung"),
        ("ditetapinnya", "ditetapkannya"),
        ("nanganin", "menangani"),
        ("nyabut", "mencabut"),
        ("milih", "memilih"),
        ("ngitungnya", "menghitungnya"),
        ("ngerekomendasiin", "merekomendasikan"),
        ("resmiin", "diresmikan"),
        ("kirimin", "dikirimkan"),
        ("tanyain", "ditanyakan"),
        # Spellings found in officers' messages that reached retrieval unknown, or stemmed to another word.
        ("kementrian", "kementerian"),  # stemmed alone, the misspelling was "tri"
        ("dibikin", "dibuat"),  # ... "bik"
        ("menangin", "menang"),  # ... "nang"
        ("sejak kpn bareng kemendagri", "sejak kapan bersama kemendagri"),
        ("who chaired the panel", "siapa ketua panel"),
        ("the prizes", "hadiah"),
        ("procedures", "prosedur"),
    ],
)
def test_colloquial_verbs_stem_like_their_formal_forms(colloquial: str, formal: str) -> None:
    assert content_terms(colloquial) == content_terms(formal)


def test_a_noun_whose_stem_is_a_stop_word_keeps_its_meaning() -> None:
    """Sastrawi stems "peserta" to "serta" (and): dropped as a stop word, "pesertanya brp?" would ask nothing."""
    assert content_terms("pesertanya brp?") == ["peserta", "berapa"]
    assert content_terms("participants") == content_terms("peserta")
    assert content_terms("menjadi") == ["jadi"]  # verbs stem as before


def test_root_words_that_look_colloquial_are_kept() -> None:
    assert content_terms("nyaman") == ["nyaman"] and content_terms("nyata") == ["nyata"]
    assert content_terms("pasien yakin") == ["pasien", "yakin"]  # -in is part of the word


def test_an_abbreviation_with_a_possessive_ending_is_still_the_abbreviation() -> None:
    assert tokens("permennya") == tokens("permen") == ["permenpanrb"]


def test_an_english_plural_on_an_acronym_is_the_acronym() -> None:
    assert tokens("how many MPPs") == ["how", "many", "mpp"]


@pytest.mark.parametrize(
    ("question", "fund"),
    [
        ("which older regulation did it revoke?", False),
        ("when did kipp start", False),
        ("did indonesia ever win unpsa?", False),
        ("hasil kipp 2017 kepake buat DID thn brp?", True),
        ("dana did masih ada?", True),
    ],
)
def test_english_did_is_not_the_regional_incentive_fund(question: str, fund: bool) -> None:
    assert ("did" in content_terms(question)) is fund


def test_a_root_word_with_the_possessive_is_not_read_as_a_colloquial_verb() -> None:
    # "mulainya" is mulai + -nya, not the nasal form of "pulai" (a tree).
    assert content_terms("mulainya") == content_terms("mulai")
    assert content_terms("namanya") == content_terms("nama")


def test_an_aim_is_not_a_target() -> None:
    # "tujuan dibangunnya mpp" asks why MPPs exist, not how many were targeted.
    assert content_terms("tujuan") != content_terms("target")


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("sinovk itu apa", ["sinovik", "itu", "apa"]),
        ("replkasi inovsai", ["replikasi", "inovasi"]),
        ("pelembagan", ["pelembagaan"]),
        ("pelayan restoran", ["pelayan", "restoran"]),  # a dictionary word stays itself
        ("kip", ["kip"]),  # too short to guess: KIP is also a student card
        ("kpan kipp prtama kali diadakn", ["kapan", "kipp", "pertama", "kali", "diadakan"]),  # the asking words too
        ("brp jmlh pesrta", ["berapa", "jumlah", "peserta"]),
    ],
)
def test_the_programmes_own_words_typed_one_letter_off_are_read_as_meant(typed: str, read: list[str]) -> None:
    assert tokens(typed) == read
