"""Find the knowledge-base entries that answer a question.

Two TF-IDF views are combined: stemmed content words (with bigrams) for meaning, and character
n-grams for typos and informal spellings. Each entry is matched through its phrasings (best one wins),
its title and its answer. The caller's hints (the NLU intent's topics, a topic or year entity, the
previous entry for follow-ups) nudge the scores; they never filter, so a misread intent can't hide
the right answer.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import pairwise
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix
from sklearn.feature_extraction.text import TfidfVectorizer

from knowledge.query import GROUP_PHRASE, SUBJECT_PARENTS, SUBJECT_WORDS, is_year_only, years_in
from knowledge.text import PLACES, STOP_WORDS, content_terms, fold, tokens
from knowledge.types import Entry, Hit, SearchResult

logger = logging.getLogger(__name__)

# One relevance score per indexed entry.
Scores = npt.NDArray[np.floating[Any]]

# Weights of the evidence for one entry. Phrasings carry the most: they are written to be asked.
QUESTION_WEIGHT = 0.6
POOLED_WEIGHT = 0.2  # all phrasings of an entry together
ANSWER_WEIGHT = 0.2
WORD_SHARE = 0.65  # word view vs character view

# Calibrated with `make retrieval-report` (held-out phrasings, off-topic examples) and `make eval`.
ANSWER_THRESHOLD = 0.20  # below this the best entry is only offered as a choice
OFFER_THRESHOLD = 0.17  # below this nothing is relevant enough to offer
# An answer that leads the runner-up by less than this is still given, but logged as uncertain so the
# admins see it beside the unanswered questions.
UNCERTAIN_MARGIN = 0.03
TOPIC_BOOST = 1.15
YEAR_BOOST = 1.25
OTHER_YEAR_PENALTY = 0.8
# "aturan mpp yg berlaku?": an entry titled with another subject ("Dasar hukum KIPP") answers something else.
OTHER_SUBJECT_PENALTY = 0.75
NAMED_ELSEWHERE_PENALTY = 0.6  # the question names a subject; the entry's title names only others
# The subjects a title or question can name for that check (with SUBJECT_PARENTS: "hub" is JIPP's).
# "permenpanrb" names a kind of document, not a subject; "kelompok replikasi" is a KIPP group (GROUP_PHRASE).
CORE_SUBJECTS = frozenset({"kipp", "jipp", "mpp", "sinovik", "unpsa", "oaoi", "replikasi", "pelembagaan"})
_CORE_ORDER = tuple(sorted(CORE_SUBJECTS))
_SUBJECT_ALIASES = {"melembagakan": "pelembagaan", "replication": "replikasi"}
FACT_BOOST = 1.3
VERDICT_BOOST = 1.08  # a yes/no question and an entry that opens with a yes/no verdict
# Two answers at least this alike (word cosine) say much the same: the one with a verdict answers a yes/no question.
# Measured: 0.47 for the MPP rules and "Tidak, provinsi bukan penyelenggara MPP"; 0.02 for unrelated answers.
SAME_ANSWER_LIKENESS = 0.3
PREVIOUS_ENTRY_PENALTY = 0.5  # a follow-up asks something new about the same subject
OWN_WORDS_WEIGHT = 1.0  # a follow-up's own words against the previous subject's, in the in-context reading
# A subject-less message read in context is answered in context unless the plain reading is much better...
CONTEXT_PREFERENCE = 0.75
# Share (IDF-weighted) of a follow-up's known words the last answer must hold to be answered from it.
SAID_BEFORE_SHARE = 0.7
# ...and a plain reading about another subject must be this clear to win over offering choices.
STRONG_ANSWER = 0.45
# "yg 2025?": a title naming that year must share this much of the last answer's title to be its twin.
OTHER_YEAR_SHARE = 0.5
SUBJECT_SPREAD = 0.8  # a candidate of another topic this close means the question names no subject
COVERAGE_POWER = 0.5
# "apa itu X" is answered only by an entry whose title or phrasings name X, not one that mentions it.
UNNAMED_DEFINITION_PENALTY = 0.5
_DEFINITION = re.compile(
    r"^\s*(?:apa\s+(?:itu|sih|ya|arti|artinya|maksud|maksudnya|kepanjangan|singkatan)|apaan|arti|what\s+is|what's"
    r"|what\s+are|definisi|pengertian)\b|\b(?:itu\s+apa|tuh\s+apa|itu\s+apaan|apaan\s+tuh|apaan|stands\s+for)\b"
    r"|\b(?:maksudnya|artinya|pengertiannya)\s*\??\s*$"
    # "replikasi inovasi itu gmn?": what it is about, as officers ask it.
    r"|\b(?:itu|tuh)\s+(?:gimana|gmn|gmana|bagaimana|kayak\s+apa|seperti\s+apa)(?:\s+(?:sih|ya|kak|min|pak|bu))*\s*\??\s*$",
    re.IGNORECASE,
)
# ...but "what's the difference between X and Y", "what is the legal basis of X" ask about X, not what X is.
_NOT_A_DEFINITION = re.compile(
    r"\b(?:beda\w*|perbedaan\w*|difference|differ\w*|versus|vs|compared?)\b"
    r"|^\s*what(?:'s|\s+is|\s+are)\s+the\s+\w+(?:\s+\w+)?\s+(?:of|between|for|to|in)\b",
    re.IGNORECASE,
)
# The answer of a yes/no entry opens with its verdict ("Ya, ...", "Tidak, ...", "Tergantung: ...").
_VERDICT = re.compile(r"\s*(?:ya|tidak|belum|bukan|boleh|bisa|tergantung|sudah|wajib)\b", re.IGNORECASE)
_DEPENDS = re.compile(r"\s*tergantung\b", re.IGNORECASE)
_ABBREVIATION = re.compile(r"\(([A-Z][A-Za-z]{1,9})\)")
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_GROUP_WORDS = frozenset({"umum", "khusus", "replikasi"})
# What each topic is called when a follow-up leaves the subject out ("dasar hukumnya?" after an MPP answer).
TOPIC_SUBJECTS: dict[str, str] = {
    "kipp": "kipp kompetisi inovasi",
    "replikasi": "replikasi inovasi",
    "pelembagaan": "pelembagaan inovasi",
    "jipp": "jipp jaringan inovasi",
    "mpp": "mal pelayanan publik mpp",
    "unpsa": "unpsa",
    "sinovik": "sinovik",
    "klinik": "coaching clinic",
    "umum": "inovasi",
}


@dataclass(frozen=True)
class Hints:
    """What the rest of the conversation tells retrieval about a question."""

    topics: frozenset[str] = frozenset()
    year: str | None = None
    previous: Entry | None = None
    # follow_up: the NLU read the message as a follow-up, so read it with the previous subject.
    # may_follow_up: short and subject-less; use the previous subject only if that makes it clear.
    follow_up: bool = False
    may_follow_up: bool = False
    # Facts the question is about, known from its shape (a stated age of an innovation: the minimum-age rule).
    facts: frozenset[str] = frozenset()
    # "kalau jipp?": ask what the previous answer was about (its aspect), for the subject this message names.
    switch_subject: bool = False
    # The NLU already thinks the message is off-topic: an answer must contain the question's key word.
    doubtful: bool = False
    # The user asked to hear the previous answer again ("ulangi"); otherwise it is never the answer to a follow-up.
    repeat: bool = False
    # A yes/no question ("boleh gak ...?"): an entry that opens with the verdict answers it best.
    yes_no: bool = False
    # "kaitannya sama kipp?", "bedanya sama replikasi?": how the last answer's subject relates to another.
    relates: bool = False
    # A follow-up that nothing answers clearly gets the likeliest entry of the subject as an uncertain answer,
    # with the other choices offered, rather than choices alone.
    guess: bool = False


# Analysis results are cached: after an edit only the changed texts are analysed again, so the
# index rebuild that makes the edit live stays fast.
@lru_cache(maxsize=50_000)
def _word_analyzer(text: str) -> tuple[str, ...]:
    terms = content_terms(text)
    # Neighbouring pairs in either order: "mpp dasar hukumnya" and "dasar hukum mpp" share "hukum_mpp".
    return (*terms, *("_".join(sorted(pair)) for pair in pairwise(terms)))


@lru_cache(maxsize=50_000)
def _char_text(text: str) -> str:
    return " ".join(token for token in tokens(text) if token not in STOP_WORDS)


# A sentence ends at ". " before a capital, but not after an initial or a title ("R. Siti Zuhro", "Prof. Eko").
_SENTENCE_END = re.compile(r"(?<!\b[A-Z]\.)(?<!\bProf\.)(?<!\bDr\.)(?<!\bNo\.)(?<=[.!?])\s+(?=[A-Z•])")


def _sentences(text: str) -> list[str]:
    return [sentence.strip() for sentence in _SENTENCE_END.split(text) if sentence.strip()]


def _answer_text(entry: Entry, *, english: bool = False) -> str:
    """Return the entry's answer in English when asked and written, else in Indonesian."""
    return entry.answer_en if english and entry.answer_en else entry.answer


def _answer_units(entry: Entry, *, english: bool = False) -> list[str]:
    """Return an answer as the pieces an excerpt is made of: the opening paragraph's sentences, then its lines.

    The opening paragraph was shown whole with the answer; quoting it whole again would repeat the answer.
    """
    opening, _, rest = _answer_text(entry, english=english).strip().partition("\n\n")
    return [*_sentences(opening), *(line.strip() for line in rest.splitlines() if line.strip())]


# A line of a year-by-year list: "• 2020: ...", "• 2017 dan 2018: ...", "2014–2019: ...".
_YEAR_LED = re.compile(
    r"^\s*(?:[•\-*]\s*)?(?P<first>(?:19|20)\d\d)(?:\s*(?:[–-]|dan|and|&)\s*(?P<last>(?:19|20)\d\d))?"
    r"(?:\s*\([^)]*\))?\s*:"  # "• 2024 (Incheon, 26 Juni 2024): ..."
)


def led_by_another_year(line: str, years: set[int]) -> bool | None:
    """None for a line not led by a year; else whether its year (or span) misses all of `years`."""
    led = _YEAR_LED.match(line)
    if not led:
        return None
    first = int(led["first"])
    last = int(led["last"] or first)
    return not any(first <= year <= last for year in years)


def answer_excerpt(
    entry: Entry, terms: set[str], max_lines: int = 3, *, english: bool = False, year: str | None = None
) -> str:
    """Return the pieces of an entry's answer that say most about `terms` (content terms), in answer order.

    With the conversation's `year`, pieces that name it come first among equals, and a line of a year-by-year
    list about another year is left out when a piece about that year is chosen: "yg lolos brp?" in a talk
    about KIPP 2022 gets 2022's figures, not 2020's.
    """
    lines = _answer_units(entry, english=english)
    # Most of the asked words first; among equals one naming the year, then the shorter line, which is
    # about less else ("Efektif: ..." rather than the sentence that lists all five criteria).
    ranked = sorted(
        range(len(lines)),
        key=lambda i: (-len(terms & set(content_terms(lines[i]))), year not in years_in(lines[i]), len(lines[i])),
    )
    chosen = sorted(i for i in ranked[:max_lines] if terms & set(content_terms(lines[i])))
    if year and any(year in years_in(lines[i]) for i in chosen):
        chosen = [i for i in chosen if not led_by_another_year(lines[i], {int(year)})]
    return "\n".join(lines[i] for i in chosen)


def excerpt_in_english(entry: Entry, excerpt: str, question: str) -> str:
    """Return the English lines for an excerpt of an entry's Indonesian answer, or "" if none can be told.

    Retrieval picks the lines of the Indonesian answer; an officer asking in English gets the English ones:
    the same pieces, when the two answers are kept in step (as many pieces each), else the English pieces
    that say most about what the follow-up asks.
    """
    if not entry.answer_en:
        return ""
    # The same pieces (sentences of the opening, lines of the rest), or the same whole lines.
    for split in (_answer_units, _answer_lines):
        indonesian, english = split(entry), split(entry, english=True)
        picked = [indonesian.index(line) for line in excerpt.splitlines() if line in indonesian]
        if picked and len(indonesian) == len(english):
            return "\n".join(english[i] for i in picked)
    return answer_excerpt(entry, set(content_terms(question)) - QUESTION_TERMS, english=True)


def _answer_lines(entry: Entry, *, english: bool = False) -> list[str]:
    return [line.strip() for line in _answer_text(entry, english=english).splitlines() if line.strip()]


def sentences_about(entry: Entry, terms: set[str], max_sentences: int = 2) -> str:
    """Return the sentences of an entry's answer that name `terms`, in answer order (not whole paragraphs)."""
    sentences = [sentence for line in entry.answer.splitlines() for sentence in _sentences(line)]
    return "\n".join([sentence for sentence in sentences if terms & set(content_terms(sentence))][:max_sentences])


_MONTHS = "januari|februari|maret|april|mei|juni|juli|agustus|september|oktober|november|desember"
# What kind of value a short follow-up asks for, and how a line of an answer that gives it looks.
_ASKED_VALUE = (
    (
        re.compile(r"\b(?:berapa|brp)\s+lama\b|\bhow\s+long\b", re.I),
        re.compile(r"\d+\s*(?:hari|minggu|bulan|tahun)", re.I),
    ),
    # A day and month ("3 Juni"), or a month and year ("diresmikan pada Oktober 2022").
    (
        re.compile(
            r"(?<!dari\s)(?<!dr\s)(?<!sampai\s)(?<!sampe\s)(?<!smp\s)(?<!hingga\s)\b(?:kapan|kpn|when|tanggal|tgl)\b",
            re.I,
        ),
        re.compile(rf"\b\d{{1,2}}\s+(?:{_MONTHS})\b|\b(?:{_MONTHS})\s+(?:19|20)\d\d\b", re.I),
    ),
    # "dihitung dari kapan?": the point a span runs from or to ("dari tanggal penutupan pendaftaran"), or a date.
    (
        re.compile(r"\b(?:dari|dr|sampai|sampe|smp|hingga)\s+(?:kapan|kpn)\b", re.I),
        re.compile(
            rf"\b(?:dari|sejak|sampai|hingga|ke)\s+(?:tanggal|tgl|awal|akhir|penutupan|pembukaan|batas)\b"
            rf"|\b\d{{1,2}}\s+(?:{_MONTHS})\b|\b(?:{_MONTHS})\s+(?:19|20)\d\d\b",
            re.I,
        ),
    ),
    (re.compile(r"\b(?:tahun|thn)\s+(?:berapa|brp)\b|\bwhat\s+year\b", re.I), re.compile(r"\b(?:19|20)\d\d\b")),
    # "brp kali?", "anggotanya brp org?", "how many?": a count, in figures or words ("lima kriteria").
    (
        re.compile(
            r"\b(?:berapa|brp)\b(?!\s+(?:lama|besar|nilai|nominal|rupiah|rp|miliar|milyar|juta|triliun|duit|uang)\b)"
            r"|\bhow\s+(?:many|often)\b",
            re.I,
        ),
        re.compile(r"\b\d+\b|\b(?:satu|dua|tiga|empat|lima|enam|tujuh|delapan|sembilan|sepuluh|sebelas|belas)\b", re.I),
    ),
    (
        re.compile(
            r"\b(?:besar\w*|nilai\w*|nominal\w*)\s+(?:berapa|brp)\b|\b(?:berapa|brp)\s+(?:besar|nilai|nominal)|\bhow\s+much\b"
            # "DID itu brp rupiah?", "brp miliar?": an amount of money.
            r"|\b(?:berapa|brp)\s+(?:rupiah|rp|miliar|milyar|juta|triliun|duit|uang)\b",
            re.I,
        ),
        re.compile(r"\b(?:rp\.?\s*\d|\d[\d.,]*\s*(?:miliar|milyar|juta|triliun|billion|million)|\d+\s*%)", re.I),
    ),
    (
        re.compile(r"^\W*(?:kenapa|mengapa|knp|why|alasannya|sebabnya)\b", re.I),
        re.compile(r"\b(?:karena|sebab|alasan|agar|supaya|diganti|digantikan|menggantinya|because|replaced)\b", re.I),
    ),
    # "alamat websitenya?", "linknya apa?": a web address ("sinovik.menpan.go.id").
    (
        re.compile(r"\b(?:alamat\s+)?(?:web(?:site|situs)?\w*|situs\w*|laman\w*|link\w*|tautan\w*|url)\b", re.I),
        re.compile(r"\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:go\.id|or\.id|ac\.id|id|org|com|net|int)\b", re.I),
    ),
    # "ada di provinsi mana aja?", "kota mana yg pertama?": places named, or a list of names.
    (
        re.compile(r"\b(?:provinsi|prov|kabupaten|kab|kota|daerah|pemda|negara|wilayah)\s+(?:mana|apa)\b", re.I),
        re.compile(
            r"\b(?:[Pp]rovinsi|[Kk]abupaten|[Kk]ota|[Dd]i|[Kk]e|[Dd]ari)\s+[A-Z][\w.]+"
            r"|\b[A-Z][\w.]+(?:\s+[A-Z][\w.]+)*\s*(?:,|\bdan\b)\s*[A-Z]\w+"
        ),
    ),
    # "penyerahannya dimana?": a named place ("di Semarang", "di Kabupaten Belu"), or online.
    (
        re.compile(r"\b(?:di\s?mana|dmn|where)\b", re.I),
        re.compile(r"\b(?:[Dd]i|[Kk]e|at|in)\s+[A-Z][\w.]+|\b(?:daring|online|virtual|luring)\b"),
    ),
)
QUESTION_TERMS = frozenset(
    {
        "berapa",
        "kapan",
        "siapa",
        "mana",
        "lama",
        "tahun",
        "apa",
        "bagaimana",
        "kali",
        "jumlah",
        "kenapa",
        "alas",
        "sebab",
        "besar",
        "nilai",
        "nominal",
    }
)


def gives_asked_value(question: str, text: str) -> bool:
    """Return whether `text` gives the kind of value `question` asks for (a date for "kapan?"), if it asks one."""
    return all(looks.search(text) for asked, looks in _ASKED_VALUE if asked.search(question))


# A follow-up that asks for the items of the last answer and nothing else.
_LIST_REQUEST = re.compile(
    r"^\W*(?:(?:coba|tolong|bisa|boleh)\s+)?(?:"
    r"(?P<words>sebut\w*|rinci\w*|list\w*|daftarnya|uraikan|jabarkan|jabarin)"
    r"|(?:apa|mana|di\s?mana|dmn|siapa|yg\s+mana|yang\s+mana)\s+(?:aja|saja|ajah|sj)"
    r"|which\s+(?:ones|are\s+they)|what\s+are\s+they|name\s+them|list\s+them"
    r")\b(?:\s+(?:dong|donk|ya|yah|sih|min|kak|pak|bu|tuh|itu|semua\w*|please|pls))*\W*$",
    re.IGNORECASE,
)
LIST_ITEM = re.compile(r"^\s*(?:[•\-*]|\d{1,2}[.)])\s+")


def listed_items(lines: list[str]) -> str:
    """Return the first run of numbered or bulleted lines, else the first line that names several items."""
    run: list[str] = []
    for line in lines:
        if LIST_ITEM.match(line):
            run.append(line)
        elif run:
            break
    if len(run) >= 2:
        return "\n".join(run)
    return next((line for line in lines if len(re.findall(r"[,;]|\bdan\b|\bserta\b", line)) >= 2), "")


def detail_in(entry: Entry, follow_up: str, max_lines: int = 2) -> str:
    """Return the lines of an answer that give what a short follow-up asks of it, or "" if none does.

    "berapa lama?" is answered by a line with a duration, "kapan?" by one with a date, and "thn 2017 brp?"
    by the line that mentions 2017, provided the follow-up asks nothing else the answer does not say.
    """
    lines = [line.strip() for line in entry.answer.splitlines() if line.strip()]
    specific = {t for t in content_terms(follow_up) if t not in QUESTION_TERMS and t not in STOP_WORDS}
    # "apa aja?", "sebutin dong", "dimana aja?" after "kipp 2022 berapa kategori": the items themselves.
    listing = _LIST_REQUEST.match(follow_up)
    if listing and not specific - set(content_terms(listing.group("words") or "")):
        return listed_items(lines)
    for asked, looks in _ASKED_VALUE:
        # The words that ask for the value ("alamat website") are not something else the follow-up asks.
        rest = specific - set(content_terms(" ".join(asked.findall(follow_up))))
        if asked.search(follow_up) and len(rest) <= 1:
            found = [line for line in lines if looks.search(line) and rest <= set(content_terms(line)) | {""}]
            if found:
                return "\n".join(found[:max_lines])
    # "sejak kapan?" of an answer that dates a start by year only ("... sejak 2022"): the lines that do.
    if _WHEN.search(follow_up) and specific <= _WHEN_WORDS:
        found = [unit for unit in _answer_units(entry) if years_in(unit) and _STARTED.search(unit)]
        if found:
            return "\n".join(found[:max_lines])
    # "trus 2023?" after an answer that goes year by year (or covers that year among others): that year's line.
    title_years = set(years_in(entry.title))
    if is_year_only(follow_up) and (not title_years or set(years_in(follow_up)) < title_years):
        found = [line for line in lines if set(years_in(follow_up)) & set(years_in(line))]
        if found:
            return "\n".join(found[:max_lines])
    # "thn 2017 brp?", "yg menang thn 2024 apa aja?" after an answer that goes year by year: that year's lines.
    # "kalo 2022 kategorinya apa aja?" after "Kategori KIPP 2021" asks another year's entry, not a passing line.
    years = {t for t in specific if _YEAR.fullmatch(t)}
    asks = _HOW_MANY if title_years - years else _ASKS_WHICH
    if years and len(specific) <= 2 and asks.search(follow_up):
        found = [line for line in lines if specific <= set(content_terms(line))]
        if found:
            return "\n".join(found[:max_lines])
    return ""


_ASKS_WHICH = re.compile(r"\b(?:berapa|brp|how\s+many|apa|siapa|what|which|who)\b", re.IGNORECASE)
_THERE = re.compile(r"\b(?:di\s?sana|di\s?situ|sana|situ|there)\b", re.IGNORECASE)
_HOW_MANY = re.compile(r"\b(?:berapa|brp|how\s+many)\b", re.IGNORECASE)
_ASKS_LEGAL_BASIS = re.compile(
    r"\b(?:dasar\s*(?:hukum|aturan|regulasi)\w*|payung\s*hukum\w*|aturannya|regulasinya|legal\s+basis)\b", re.I
)
# A regulation named by its number: "PermenPANRB 91/2021", "Perpres 89/2021", "Nomor 7 Tahun 2021".
_RULE_NUMBER = re.compile(
    r"\b(?:Permen\w*|Perpres|Kepmen\w*|Keputusan\s+Men\w*|PP|UU|Perda|Perkada|Pedoman\s+Men\w*)\s+"
    r"(?:Nomor\s+)?(?P<number>\d{1,3})(?:/|\s+Tahun\s+)(?P<year>(?:19|20)\d\d)\b"
)


_YEAR_SPAN = re.compile(r"\b((?:19|20)\d\d)\s*[–-]\s*((?:19|20)\d\d)\b")


# An answer that opens by saying its subject did not take place in a year ("Tidak diselenggarakan pada 2024").
_NOT_HELD = re.compile(
    r"^\s*(?:tidak\s+diselenggarakan|ditiadakan|tidak\s+digelar)\s+pada\s+(?P<year>(?:19|20)\d\d)\b", re.I
)


def _years_covered(title: str) -> set[str]:
    """Return the years a title names, a span counting every year in it ("Jumlah peserta KIPP 2020–2025")."""
    years = set(years_in(title))
    for first, last in _YEAR_SPAN.findall(title):
        years |= {str(year) for year in range(int(first), int(last) + 1)}
    return years


def _rule_numbers(text: str) -> set[tuple[str, str]]:
    """Return the (number, year) of every regulation `text` names by number."""
    return {(match["number"], match["year"]) for match in _RULE_NUMBER.finditer(text)}


_WHEN = re.compile(r"\b(?:kapan|kpn|when|since\s+when)\b", re.IGNORECASE)
_WHEN_WORDS = frozenset({"sejak", "mulai", "awal", "sampai", "hingga", "ada"})  # "sejak kapan (ada)", "mulai kapan"
_STARTED = re.compile(
    r"\b(?:sejak|mulai|dimulai|pertama|dicanangkan|diluncurkan|dibentuk|didirikan|since|began|started|launched)\b", re.I
)


_ASK_NEXT = (
    r"(?:(?:terus|trus|lalu|nah)\s+)?(?:(?:berikutnya|selanjutnya|next)\s+)?(?:ada\s+apa(?:\s+lagi)?|apa\s+lagi"
    r"|ngapain|tahap\s+apa|lanjut\s+apa|apa|gimana|gmn|bagaimana|what(?:'s|\s+is)?\s+next|then)"
)
_AFTER = re.compile(
    # "habis presentasi ada apa lagi?", "trus stlh rencana aksinya jadi?"
    r"^\W*(?:(?:terus|trus|lalu|nah)\s+)?(?:habis|abis|sehabis|setelah|stlh|sesudah|after)\s+(?P<step>.+?)"
    r"(?:\s+(?:jadi|selesai|beres|kelar|rampung|done))?"
    rf"\s*(?:,\s*)?{_ASK_NEXT}?(?:\s+(?:ya|sih|min|kak))?\W*$"
    # "udh identifikasi, trus berikutnya ngapain?": the step done, then what comes next.
    rf"|^\W*(?:kalau|kalo|klo)?\s*(?:sudah|udah|udh|sdh)\s+(?P<done>.+?)\s*,?\s*(?:(?:terus|trus|lalu|nah)\s+)?"
    rf"(?:berikutnya|selanjutnya|abis\s+itu|habis\s+itu|next)\s*{_ASK_NEXT}?(?:\s+(?:ya|sih|min|kak))?\W*$",
    re.IGNORECASE,
)
_NUMBERED = re.compile(r"^\s*(\d{1,2})[.)]\s+")


def next_step(entries: Sequence[Entry], follow_up: str, previous: Entry | None) -> tuple[Entry, str] | None:
    """Return the step after the one a follow-up names ("habis presentasi ada apa lagi?"), from a numbered list.

    "habis itu?" names the previous answer's subject. Entries on the previous answer's topic are searched
    first, the list line that best matches the named step wins, and the line numbered after it is returned.
    """
    match = _AFTER.match(follow_up)
    if match is None:
        return None
    step = match.group("step") or match.group("done")
    if previous is not None and set(tokens(step)) <= {"itu", "ini", "tersebut", "that", "this"}:
        if any(_NUMBERED.match(line) for line in previous.answer.splitlines()):
            return None  # "habis itu?" after a list of steps: not a step named in some other list
        step = re.sub(r"\([^)]*\)", " ", previous.title)
    wanted = set(content_terms(step))
    if not wanted:
        return None
    named = set(tokens(step))
    # The previous answer's topic first, then a topic the step names ("setelah daftar kipp ..."), then the rest.
    ordered = sorted(
        entries,
        key=lambda e: (previous is None or e.topic != previous.topic, not named & set(TOPIC_SUBJECTS[e.topic].split())),
    )
    best: tuple[int, Entry, str] | None = None
    for entry in ordered:
        lines = [line.strip() for line in entry.answer.splitlines() if _NUMBERED.match(line)]
        for index, line in enumerate(lines[:-1]):
            overlap = len(wanted & set(content_terms(line)))
            if overlap and (best is None or overlap > best[0]):
                best = (overlap, entry, lines[index + 1])
    return (best[1], best[2]) if best else None


def aspect_terms(entry: Entry) -> str:
    """Return what an entry says about its subject, without the subject ("Dasar hukum MPP" -> "dasar hukum")."""
    subject_words = set(SUBJECT_WORDS) | {w for words in TOPIC_SUBJECTS.values() for w in words.split()}
    question_words = {"apa", "siapa", "bagaimana", "kapan", "berapa", "mengapa", "kenapa", "mana", "itu"}
    title = re.sub(r"\([^)]*\)", " ", entry.title)  # "(Perpres 89/2021)": the old subject's own regulation
    # The group is part of the subject too: "kalau kelompok replikasi?" after the rules of kelompok umum.
    subject_words |= _GROUP_WORDS | {"kelompok"}
    return " ".join(
        t
        for t in tokens(title)
        if t not in subject_words and t not in question_words and t not in STOP_WORDS and not t.isdigit()
    )


def subject_terms(entry: Entry, follow_up: str = "") -> str:
    """Return the words that name what an entry is about, for reading a follow-up in its context.

    That is the entry's title without question words, plus its topic's name. A year or a KIPP group the
    follow-up names itself ("yg 2025?", "kalau kelompok replikasi?") replaces the one in the title.
    """
    question_words = {"apa", "siapa", "bagaimana", "kapan", "berapa", "mengapa", "kenapa", "mana", "itu"}
    asked = set(tokens(follow_up))
    drop_years = bool(_YEAR.search(follow_up))
    drop_groups = bool(asked & _GROUP_WORDS)
    words = [
        t
        for t in tokens(entry.title)
        if t not in question_words
        and t not in STOP_WORDS
        and not (drop_years and _YEAR.fullmatch(t))
        and not (drop_groups and t in _GROUP_WORDS)
    ]
    return " ".join([*words, TOPIC_SUBJECTS.get(entry.topic, "")]).strip()


def _excerpt_of(entry: Entry, score: float, excerpt: str, *, confident: bool = True) -> SearchResult:
    """Return a follow-up's answer as lines of one entry (the last answer, or the next step of a list)."""
    hit = Hit(entry=entry, score=score)
    return SearchResult(hits=(hit,), confident=confident, used_context=True, in_previous=True, excerpt=excerpt)


def named_subjects(text: str) -> frozenset[str]:
    """Return the core subjects a text names, each with the subject it is part of ("hub jipp" -> jipp)."""
    words = set(tokens(GROUP_PHRASE.sub(" ", fold(text))))
    words |= {word.removesuffix("nya") for word in words}
    words |= {SUBJECT_PARENTS.get(word) or _SUBJECT_ALIASES.get(word, word) for word in words}
    return frozenset(words & CORE_SUBJECTS)


def _spans_subjects(result: SearchResult) -> bool:
    """Return whether close candidates are about different topics ("dasar hukumnya?": of KIPP, JIPP or MPP?).

    Such a question names an aspect that many subjects have, so without a subject of its own it cannot be
    answered with the best plain match; "jurinya siapa?" names something only KIPP has, so it can.
    """
    best = result.best
    if best is None:
        return False
    return any(hit.entry.topic != best.entry.topic and hit.score >= SUBJECT_SPREAD * best.score for hit in result.hits)


class KnowledgeIndex:
    """An immutable search index over a set of entries (rebuild it when the knowledge base changes)."""

    def __init__(self, entries: Sequence[Entry], revision: int = 0) -> None:
        self.entries = list(entries)
        self.revision = revision
        self._by_id = {entry.id: entry for entry in self.entries}
        self._position = {entry.id: index for index, entry in enumerate(self.entries)}
        self._question_owner: list[int] = []
        questions: list[str] = []
        for index, entry in enumerate(self.entries):
            for question in (*entry.questions, entry.title):
                questions.append(question)
                self._question_owner.append(index)
        # All phrasings of an entry pooled: evidence spread over several phrasings still counts.
        titles = [" ".join((entry.title, *entry.questions)) for entry in self.entries]
        # The English answer is indexed too, so a question in English meets the words of its answer.
        answers = [f"{entry.title}. {entry.answer} {entry.answer_en or ''}" for entry in self.entries]
        corpus = questions + answers
        self._words = TfidfVectorizer(analyzer=_word_analyzer, sublinear_tf=True, norm="l2")
        self._chars = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(3, 5), preprocessor=_char_text, sublinear_tf=True, norm="l2"
        )
        if not self.entries:
            return
        self._words.fit(corpus)
        self._chars.fit(corpus)
        # One matrix per view holding every document (phrasings, pooled phrasings, answers), so a
        # question is scored with two sparse-matrix-times-dense-vector products.
        words, chars = self._embed([*questions, *titles, *answers])
        self._doc_words, self._doc_chars = words.tocsr(), chars.tocsr()
        self._spans = np.cumsum([0, len(questions), len(titles), len(answers)])
        self._owner = np.asarray(self._question_owner)
        self._year_text = [fold(" ".join((*e.questions, e.title, e.answer, e.answer_en or ""))) for e in self.entries]
        self._vocab = [set(content_terms(text)) for text in self._year_text]
        # Which entries know each term, so a question's coverage adds a few weights instead of testing every entry.
        knowing: dict[str, list[int]] = {}
        for row, vocab in enumerate(self._vocab):
            for term in vocab:
                knowing.setdefault(term, []).append(row)
        self._knowing = {term: np.array(rows) for term, rows in knowing.items()}
        self._title_years = [_years_covered(e.title) for e in self.entries]
        self._years_seen: dict[str, tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]] = {}
        self._topics = np.array([e.topic for e in self.entries])
        self._facts = [set(e.facts) for e in self.entries]
        self._title_terms = [set(content_terms(e.title)) for e in self.entries]
        # Per entry, the places and the KIPP groups its title names (each search weighs them).
        self._title_places = [title & PLACES for title in self._title_terms]
        self._titled_with_group = np.array([bool(title & _GROUP_WORDS) for title in self._title_terms])
        # Which core subjects each title names (a row per entry, a column per subject in CORE_SUBJECTS order).
        title_subjects = [named_subjects(e.title) for e in self.entries]
        self._title_subjects = np.array([[s in named for s in _CORE_ORDER] for named in title_subjects], dtype=bool)
        # What each entry was written to answer: the words of its title and phrasings.
        self._asked_terms = [set(content_terms(" ".join((e.title, *e.questions)))) for e in self.entries]
        self._opens_with_verdict = np.array([bool(_VERDICT.match(e.answer)) for e in self.entries])
        # The years in which a subject did not take place, and the entry that says so ("Tidak diselenggarakan pada
        # 2024, ..."): a question about that subject in that year is told first.
        held_not = [(row, _NOT_HELD.match(entry.answer)) for row, entry in enumerate(self.entries)]
        self._absent_in = {
            found["year"]: row for row, found in held_not if found and named_subjects(self.entries[row].title)
        }
        # What each entry defines: the head word of its title ("Formulir SPBE ..." defines a form, not SPBE),
        # a title that is itself "Apa itu X", and its "apa itu X" phrasings.
        self._defined = [
            set(content_terms(" ".join(d for d in (*e.questions, e.title) if _DEFINITION.search(d))))
            | set(content_terms(e.title)[:1])
            | set(content_terms(" ".join(_ABBREVIATION.findall(e.title))))  # "Dana Insentif Daerah (DID) ..."
            for e in self.entries
        ]
        self._idf = dict(zip(self._words.get_feature_names_out(), self._words.idf_, strict=True))
        self._unknown_idf = float(self._words.idf_.max()) + 1.0

    def _embed(self, texts: Iterable[str]) -> tuple[csr_matrix, csr_matrix]:
        texts = list(texts)
        return self._words.transform(texts), self._chars.transform(texts)

    def get(self, entry_id: str) -> Entry | None:
        """Return an indexed (active) entry by id."""
        return self._by_id.get(entry_id)

    def scores(self, text: str) -> Scores:
        """Return the raw relevance of every entry to `text` (0..1)."""
        if not self.entries or not content_terms(text):
            return np.zeros(len(self.entries))
        words, chars = self._embed([text])
        # A sparse matrix times a dense vector is a dense vector (scipy itself is untyped).
        similarity_to_docs: Scores = WORD_SHARE * (self._doc_words @ words.toarray().ravel()) + (1 - WORD_SHARE) * (
            self._doc_chars @ chars.toarray().ravel()
        )
        questions, pooled, answers = np.split(similarity_to_docs, self._spans[1:3])
        best_question = np.zeros(len(self.entries))
        np.maximum.at(best_question, self._owner, questions)
        similarity: Scores = QUESTION_WEIGHT * best_question + POOLED_WEIGHT * pooled + ANSWER_WEIGHT * answers
        return similarity * self._coverage(text) ** COVERAGE_POWER

    def _coverage(self, text: str) -> Scores:
        """Return, per entry, the IDF-weighted share of the question's words that the entry knows.

        Cosine similarity alone rewards one rare shared word ("uji" in "kode uji zebra"); a question
        is only well answered by an entry that accounts for most of what was asked.
        """
        terms = set(content_terms(text))
        weights = {term: self._idf.get(term, self._unknown_idf) for term in terms}
        total = sum(weights.values())
        if not total:
            return np.ones(len(self.entries))
        covered: Scores = np.zeros(len(self.entries))
        for term, weight in weights.items():
            if term in self._knowing:
                covered[self._knowing[term]] += weight
        share: Scores = covered / total
        return share

    def _apply_hints(
        self, scores: Scores, topics: frozenset[str], year: str | None, facts: frozenset[str] = frozenset()
    ) -> Scores:
        weights: Scores = np.where(np.isin(self._topics, list(topics)), TOPIC_BOOST, 1.0)
        if facts:
            weights *= np.array([FACT_BOOST if facts & entry_facts else 1.0 for entry_facts in self._facts])
        if year:
            mentions, other_title_year = self._year_marks(year)
            weights *= np.where(mentions, YEAR_BOOST, 1.0)
            weights *= np.where(other_title_year, OTHER_YEAR_PENALTY, 1.0)  # "Kategori KIPP 2021" when 2025 is asked
        return scores * weights

    def _year_marks(self, year: str) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
        """Return which entries mention `year`, and which are titled with other years only (kept per year)."""
        if year not in self._years_seen:
            mentions = np.array([year in text for text in self._year_text])
            other = np.array([bool(years) and year not in years for years in self._title_years])
            self._years_seen[year] = (mentions, other)
        return self._years_seen[year]

    def _penalise_unnamed_definition(self, text: str, scores: Scores) -> Scores:
        """Lower entries that only mention what an "apa itu X" question asks to have defined."""
        if not _DEFINITION.search(text) or _NOT_A_DEFINITION.search(text):
            return scores
        # Only words the knowledge base knows can be defined by it; unknown words ("network") say nothing.
        terms = {term for term in content_terms(_DEFINITION.sub(" ", text)) if term in self._idf}
        if not terms:
            return scores
        defined_share = np.array([len(terms & vocab) / len(terms) for vocab in self._defined])
        named = defined_share > 0
        if not named.any():
            # "apa itu SPBE": answers mention it, none defines it: decline rather than pass off a mention.
            return np.zeros(len(self.entries))
        # "hub jipp itu apa": an entry that defines both words beats one that defines only "hub".
        return scores * (UNNAMED_DEFINITION_PENALTY + (1 - UNNAMED_DEFINITION_PENALTY) * defined_share)

    def _require_focus(self, text: str, result: SearchResult) -> SearchResult:
        """Withhold an answer that does not contain the rarest known word of the question.

        "siapa presiden indonesia pertama?" shares "pertama" and "indonesia" with the entry on the first
        MPP, but not "presiden", the word the question turns on: that entry is offered, never asserted.
        Words the knowledge base does not know at all, a third of what is asked or more, are such words too:
        "kapan pendaftaran cpns 2026?" (one word in "ada riset soal inovasi awet di kota bandung?" is not).
        """
        best = result.best
        if best is None or not result.confident:
            return result
        asked = {t for t in content_terms(_DEFINITION.sub(" ", text)) if not t.isdigit()} - QUESTION_TERMS
        unknown = [term for term in asked if term not in self._idf]
        if asked and len(unknown) * 3 >= len(asked):
            return SearchResult(hits=result.hits, confident=False, used_context=result.used_context)
        terms = [t for t in asked if t in self._idf]
        if len(terms) < 2:
            return result
        focus = max(terms, key=lambda term: self._idf[term])
        if focus in self._vocab[self.entries.index(best.entry)]:
            return result
        return SearchResult(hits=result.hits, confident=False, used_context=result.used_context)

    def search(self, text: str, hints: Hints | None = None, limit: int = 3) -> SearchResult:
        """Rank entries for `text`; say whether the best one is safe to answer with.

        With a previous answer and a message that may be a follow-up, the message is also read with that
        answer's subject. The reading that finds a clear answer other than the previous one wins; the
        previous answer itself is never the answer to a follow-up unless `hints.repeat` asks for it.
        """
        if not self.entries:
            return SearchResult()
        hints = hints or Hints()
        found = self._search(text, hints, limit)
        if hints.yes_no:
            found = self._direct_verdict(found)
        return self._in_year(found, hints, text) if hints.previous is not None else found

    def _direct_verdict(self, result: SearchResult) -> SearchResult:
        """Between two answers too close to tell apart, answer a yes/no question with the more direct one.

        An answer that opens with a verdict beats one that says much the same without one ("provinsi boleh
        nyelenggarain mpp?": "Tidak, pemerintah provinsi bukan penyelenggara MPP ..." over the rules of MPP,
        which say it without a "no"); never one that says something else.

        Between two verdicts, the one that says it depends: "inovasi kami juara top 45 thn 2019, bisa
        didaftarkan lagi?" matches "Ya, an entry that did not win may enter again" about as well as "Tergantung
        tingkatnya: ..." on past winners; a flat yes or no picked by a hair could be the wrong verdict, while
        "it depends" names the conditions of both.
        """
        if not result.uncertain or result.in_previous or len(result.hits) < 2:
            return result
        best, runner_up = result.hits[0], result.hits[1]
        if not _VERDICT.match(runner_up.entry.answer):
            return result
        if _VERDICT.match(best.entry.answer):
            flat = not _DEPENDS.match(best.entry.answer)
            if not (flat and _DEPENDS.match(runner_up.entry.answer)):
                return result
        elif self._answer_likeness(best.entry, runner_up.entry) < SAME_ANSWER_LIKENESS:
            return result
        return replace(result, hits=(runner_up, best, *result.hits[2:]))

    def _answer_likeness(self, one: Entry, other: Entry) -> float:
        """Return the cosine of two entries' answers in the word view: 1 for the same words, 0 for none shared."""
        first = self._spans[2]
        rows = self._doc_words[[first + self._position[one.id], first + self._position[other.id]]]
        return float(rows[0].multiply(rows[1]).sum())

    def _in_year(self, result: SearchResult, hints: Hints, text: str) -> SearchResult:
        """Answer with the entry that asks the same question for the conversation's year, when there is one.

        "presentasinya kapan?" in a conversation about KIPP 2020 is "Jadwal KIPP 2020", even when the words
        match "Jadwal KIPP 2022" a little better: the year boost only weighs, this decides. Only inside a
        conversation: a single question's own year already weighs as much as it should (measured). When that
        entry is the answer just given, which did not say it, neither answers: choices, not a repeat.
        """
        year, best = hints.year, result.best
        if year is None or best is None or result.in_previous or not result.confident:
            return result
        index = self._index_of(result)
        # "beda pedoman 2023 dan 2025?" names the title's year too: that entry was chosen for it.
        if not self._title_years[index] or self._title_years[index] & {year, *years_in(text)}:
            return result
        other = self._other_year_of(index, year)
        if other is None:
            return result
        hit = Hit(entry=self.entries[other], score=best.score)
        if hints.previous is not None and hit.entry.id == hints.previous.id and not hints.repeat:
            others = tuple(h for h in result.hits if h.entry.id != hit.entry.id)
            return SearchResult(hits=others, confident=False, used_context=True)
        return replace(result, hits=(hit, *(h for h in result.hits if h.entry.id != hit.entry.id)), uncertain=False)

    def _not_held(self, text: str, found: SearchResult) -> SearchResult | None:
        """Return the entry saying the subject asked about did not take place in the year asked, if it did not.

        "siapa pemenang kipp 2024?" is answered that KIPP was not held in 2024, not with the winners of 2023.
        """
        for year in years_in(text):
            row = self._absent_in.get(year)
            if row is None or found.best is None or found.best.entry.id == self.entries[row].id:
                continue
            if named_subjects(self.entries[row].title) <= named_subjects(text) and year not in found.best.entry.answer:
                return SearchResult(
                    hits=(Hit(entry=self.entries[row], score=max(found.best.score, ANSWER_THRESHOLD)),), confident=True
                )
        return None

    def _search(self, text: str, hints: Hints, limit: int) -> SearchResult:
        scores = self._penalise_unnamed_definition(text, self.scores(text))
        if hints.yes_no:
            scores = scores * np.where(self._opens_with_verdict, VERDICT_BOOST, 1.0)
        scores = scores * self._named_elsewhere(text) * self._one_group_unasked(text)
        if hints.previous is None:  # in a conversation the place may be the last answer's ("disana")
            scores = scores * self._placed_elsewhere(text)
        plain = self._rank(self._apply_hints(scores, hints.topics, hints.year, hints.facts), limit)
        if hints.doubtful:
            plain = self._require_focus(text, plain)
        absent = self._not_held(text, plain) if plain.confident else None
        if absent is not None:
            return absent
        previous = hints.previous
        following = next_step(self.entries, text, previous)
        if following is not None:
            entry, line = following
            return _excerpt_of(entry, 1.0, line)
        # "kalo kementerian bisa jadi hub?" after an answer on hubs names the same subject: not a switch.
        said_subjects = set(content_terms(text)) & SUBJECT_WORDS
        same_named = (
            previous is not None and bool(said_subjects) and said_subjects <= set(content_terms(previous.title))
        )
        if previous is not None and hints.switch_subject and not same_named:
            switched = self._rank(
                # ...about the subject this message names: an entry whose title names it, not one that mentions it.
                self._apply_hints(
                    self.scores(f"{text} {aspect_terms(previous)}")
                    * self._titled(text)
                    * self._undated(previous, text),
                    hints.topics,
                    hints.year,
                ),
                limit,
                used_context=True,
                exclude=previous.id,
            )
            aspect = set(content_terms(aspect_terms(previous)))
            if switched.confident and switched.best and aspect & set(content_terms(switched.best.entry.title)):
                return switched  # "Dasar hukum JIPP" after "Dasar hukum KIPP"
            # No entry asks that aspect of the other subject, but the last answer may say it ("... 10 proposal
            # kelompok umum dan 5 proposal kelompok replikasi" -> "kalau kelompok replikasi?").
            named = set(content_terms(text)) - QUESTION_TERMS - set(content_terms(previous.title)) - {"kelompok"}
            excerpt = sentences_about(previous, named) if named and aspect else ""
            # ...when the last answer was about an aspect ("batas jumlah proposal"), and that sentence gives it.
            if excerpt and aspect & set(content_terms(excerpt)):
                return _excerpt_of(previous, 1.0, excerpt)
            return switched if switched.confident else plain
        if previous is None or previous.id not in self._by_id:
            return plain
        # A longer question that names no subject is about the last answer when nothing matches it better
        # ("visinya dulu brp inovasi utama setahun?" after the OAOI answer).
        previous_index = self._position[previous.id]
        about_previous = int(np.argmax(scores)) == previous_index and scores.max() > 0
        if not (hints.follow_up or hints.may_follow_up or about_previous):
            return plain
        if hints.relates:
            # An entry titled with both subjects ("Hubungan OAOI dengan KIPP") answers it...
            named = set(content_terms(text)) - QUESTION_TERMS - set(content_terms(previous.title))
            # The other side is the last answer's subject, not its details: "bedanya sama adopsi?" after the
            # Bali replication example compares replication, not Bali, with adoption.
            subject = " ".join(sorted(set(content_terms(previous.title)) & SUBJECT_WORDS))
            both = self._rank(
                self.scores(f"{text} {subject or TOPIC_SUBJECTS[previous.topic]}") * self._speaks_of(previous, named),
                limit,
                used_context=True,
                exclude=previous.id,
            )
            if both.confident and both.best and self._speaks_of(previous, named, titles=True)[self._index_of(both)]:
                return both
            # ...else what the last answer says about the other subject ("Wujud nyatanya adalah KIPP")...
            excerpt = sentences_about(previous, named) if named else ""
            if excerpt:
                return _excerpt_of(previous, 1.0, excerpt)
            # ...else an entry that speaks of both.
            if both.confident:
                return both
        # Read with the previous subject, but an entry must still answer what the follow-up itself asks:
        # "siapa yang menilai?" after an MPP answer is not answered by "what is an MPP".
        contextual = self.scores(f"{text} {subject_terms(previous, text)}") * self._coverage(text)
        # An entry titled with another subject than the last answer's, that never speaks of it, is another
        # question: "tujuannya apa?" after OAOI is not "Tujuan KIPP"; the mentors of the JIPP hubs speak of them.
        speaks_of_previous = self._speaks_of(previous, set()) == 1.0
        elsewhere = self._titled_elsewhere(named_subjects(previous.title)) & ~speaks_of_previous
        contextual = contextual * np.where(elsewhere, OTHER_SUBJECT_PENALTY, 1.0)
        # ...and what the follow-up says counts as much as the subject: "contohnya?" after "apa itu replikasi"
        # is the entry of replication examples, not the longest entry that mentions replication.
        own_words = " ".join(t for t in tokens(text) if not t.isdigit())  # a bare year is read with the subject
        if content_terms(own_words):
            contextual = (contextual + OWN_WORDS_WEIGHT * self.scores(own_words)) / (1 + OWN_WORDS_WEIGHT)
        # Read in context, the follow-up is best answered by what was just said ("syaratnya apa?" after "BUMD
        # boleh ikut?", whose answer gives the condition): those lines, if the answer holds the asked words.
        previous_fits_best = int(np.argmax(contextual)) == previous_index
        if not hints.repeat:
            contextual[previous_index] *= PREVIOUS_ENTRY_PENALTY
        # The NLU's topic for a message that names no subject ("yg menang thn 2024 apa aja?" -> KIPP, for "menang")
        # is a guess from its words; read in context, the subject is the last answer's.
        context_topics = hints.topics | {previous.topic} if named_subjects(text) else frozenset({previous.topic})
        contextual = self._apply_hints(contextual, context_topics, hints.year, hints.facts)
        exclude = None if hints.repeat else previous.id
        in_context = self._rank(contextual, limit, used_context=True, exclude=exclude)
        if in_context.best and in_context.best.entry.topic != previous.topic and not hints.relates:
            # Read "in context" yet about another subject ("contohnya?" after JIPP -> a replication example);
            # "kaitannya sama kipp?" asks for one that spans both subjects, so there it may. So may an entry
            # filed under a neighbouring topic that both readings find and that speaks of the last subject:
            # "pendampingnya dr mana?" after the JIPP hubs is the (replication) entry on the hubs' mentors.
            agreed = plain.best is not None and plain.best.entry.id == in_context.best.entry.id
            if not (agreed and speaks_of_previous[self._index_of(in_context)]):
                in_context = SearchResult(hits=in_context.hits, used_context=True)
        plain_score = plain.best.score if plain.best else 0.0
        # "berapa lama?", "kapan?", "thn 2017 brp?" about the last answer: the lines of it that say so.
        previous_score = float(contextual[previous_index])
        detail = detail_in(previous, text)
        if detail and not hints.repeat:
            return _excerpt_of(previous, previous_score, detail)
        # "yg 2025?" after "Pedoman KIPP 2023": the same question for that year, if an entry asks it.
        other_year = self._other_year_of(previous_index, text) if is_year_only(text) else None
        if other_year is not None:
            hit = Hit(entry=self.entries[other_year], score=max(float(contextual[other_year]), ANSWER_THRESHOLD))
            return SearchResult(hits=(hit,), confident=True, used_context=True)
        own_terms = set(content_terms(text)) - QUESTION_TERMS
        # Words no entry uses ("nyusul", "pakai") cannot point anywhere: what the known words say decides.
        said_before = self._said_in(own_terms, previous_index)
        excerpt = answer_excerpt(previous, own_terms, year=hints.year) if said_before else ""
        if excerpt and not gives_asked_value(text, excerpt):
            excerpt = ""  # "presentasinya kapan?": a line that names the presentations but gives no date
        # A passing mention in the last answer loses to an entry of the subject titled with what is asked:
        # "biayanya dr mana?" after the Bali example is "Anggaran dan komitmen untuk replikasi", not the Bali
        # step that checks the budget. "syaratnya apa?" after "BUMD boleh ikut?" stays with the last answer,
        # which was written to answer it (its phrasings ask the condition).
        written_for_it = own_terms <= self._asked_terms[previous_index]
        aspect_titled = in_context.confident and own_terms <= self._title_terms[self._index_of(in_context)]
        if excerpt and own_terms and not written_for_it and aspect_titled:
            excerpt = ""

        # "dasar hukumnya?" after the five criteria: the regulation that answer names (PermenPANRB 91/2021), not
        # the legal basis of the subject an aspect entry is titled with (KIPP's), unless that is its subject too.
        legal_basis = self._named_rule(previous) if _ASKS_LEGAL_BASIS.search(text) else ""
        if (
            legal_basis
            and in_context.best
            and _rule_numbers(legal_basis).isdisjoint(_rule_numbers(self._named_rule(in_context.best.entry)))
            and self._titled_apart(previous, in_context)
            and not hints.repeat
        ):
            return _excerpt_of(previous, previous_score, legal_basis)

        # ...unless it asks again what that answer was about ("langkahnya apa aja?" after the steps).
        asks_anew = own_terms <= set(content_terms(previous.title))
        if previous_fits_best and excerpt and not asks_anew and not hints.repeat:
            return _excerpt_of(previous, previous_score, excerpt)
        # "maksimal brp proposal?" after the replication group, whose line says "maksimal 5 proposal per
        # instansi": a line of the last answer holds every word the follow-up asks, and the figure it asks.
        covering = [
            line
            for line in excerpt.splitlines()
            if own_terms <= set(content_terms(line)) and _HOW_MANY.search(text) and re.search(r"\d", line)
        ]
        if covering and len(own_terms) >= 2 and not asks_anew and not hints.repeat:
            return _excerpt_of(previous, previous_score, "\n".join(covering))
        # A follow-up that says almost nothing on its own ("yg 2025?", "contohnya?") is read in context.
        says_little = len([t for t in content_terms(text) if not t.isdigit()]) < 2
        if in_context.confident and hints.follow_up and says_little:
            return in_context
        plain_is_new = plain.best is not None and (plain.best.entry.id != previous.id or hints.repeat)
        # Of the same topic, and not titled with another subject ("Sejak kapan KIPP" after OAOI's answer).
        same_subject = (
            plain.best is not None and plain.best.entry.topic == previous.topic and not self._elsewhere(previous, plain)
        )
        # "kalau bumn?" after "bumd boleh ikut?": nothing clear on its own, and the last answer says it.
        if excerpt and plain_score < STRONG_ANSWER:
            return _excerpt_of(previous, previous_score, excerpt)
        # "kalau kelompok replikasi?" after kelompok umum: clear on its own, and on the same subject.
        if (
            plain.confident
            and plain_is_new
            and same_subject
            and (not in_context.best or plain_score >= in_context.best.score)
        ):
            return plain
        if in_context.confident and in_context.best and in_context.best.score >= CONTEXT_PREFERENCE * plain_score:
            return in_context
        # "sejak kapan?" after OAOI's answer: "Sejak kapan KIPP" matches the words better, but is another subject.
        if in_context.confident and plain.best is not None and self._elsewhere(previous, plain):
            return in_context
        spans = _spans_subjects(plain)
        clear = (plain_score >= STRONG_ANSWER or in_context.confident) and not spans
        if plain.confident and plain_is_new and (same_subject or clear):
            return plain
        # "ditetapkan kapan?" after the answer on PermenPANRB 91/2021: the rest of that answer says it.
        # "tugasnya?" after "Apa itu Hub JIPP", whose phrasings ask the hubs' tasks: its opening says them.
        if said_before:
            if not excerpt and own_terms and written_for_it and not hints.repeat:
                excerpt = _answer_text(previous).strip().split("\n\n")[0]
            return _excerpt_of(previous, previous_score, excerpt, confident=False)
        # A question that the last answer matches best, and whose lines share most of its words: those lines.
        if about_previous and not hints.repeat:
            lines = answer_excerpt(previous, own_terms, max_lines=2)
            shared = own_terms & set(content_terms(lines))
            if len(shared) >= 2 and len(shared) * 2 >= len(own_terms) and gives_asked_value(text, lines):
                return _excerpt_of(previous, previous_score, lines, confident=False)
        # Nothing clear either way: choices about the subject of the conversation, the likeliest answered first.
        guess = hints.guess and not hints.doubtful
        return self._subject_choices(contextual, previous, limit, guess_for=text if guess else None)

    def _other_year_of(self, index: int, text: str) -> int | None:
        """Return the entry whose title asks what entry `index`'s title asks, for the year `text` names.

        "Pedoman KIPP 2023" and "yg 2025?" -> "Nomor pedoman KIPP 2025": a title naming that year that shares
        at least half of the other title's words; the closest such title wins.
        """
        asked = set(years_in(text))
        own = {term for term in self._title_terms[index] if not _YEAR.fullmatch(term)}
        if not asked or not own or asked & self._title_years[index]:
            return None
        best: tuple[float, int, int] | None = None
        for other, terms in enumerate(self._title_terms):
            if other == index or not asked & self._title_years[other]:
                continue
            share = len(own & terms) / len(own)
            # Among equals, the title that adds the fewest words of its own asks the same question most closely.
            key = (share, -len(terms - own - asked), other)
            if share >= OTHER_YEAR_SHARE and (best is None or key[:2] > best[:2]):
                best = key
        return best[2] if best else None

    def _speaks_of(self, previous: Entry, named: set[str], *, titles: bool = False) -> Scores:
        """Return 1 for entries that name both the last answer's subject and the subjects `named`, else 0.5.

        With `titles`, 1 only for entries whose title names both, else 0.
        """
        own = set(content_terms(previous.title)) & SUBJECT_WORDS or set(TOPIC_SUBJECTS[previous.topic].split()[:1])
        wanted = own | (named & SUBJECT_WORDS)
        if titles:
            return np.array([1.0 if wanted <= terms else 0.0 for terms in self._title_terms])
        return np.array([1.0 if wanted <= vocab else 0.5 for vocab in self._vocab])

    @staticmethod
    def _named_rule(entry: Entry) -> str:
        """Return the first sentence or line of an answer that names a regulation by number, or ""."""
        return next((unit for unit in _answer_units(entry) if _RULE_NUMBER.search(unit)), "")

    def _titled_apart(self, previous: Entry, result: SearchResult) -> bool:
        """Whether the best hit's title names a subject and none that the last answer's title names."""
        own = set(content_terms(previous.title)) & SUBJECT_WORDS
        own |= {SUBJECT_PARENTS[subject] for subject in own if subject in SUBJECT_PARENTS}
        named = self._title_terms[self._index_of(result)] & SUBJECT_WORDS
        return bool(named) and not named & own

    def _index_of(self, result: SearchResult) -> int:
        assert result.best is not None
        return self._position[result.best.entry.id]

    def _elsewhere(self, previous: Entry, result: SearchResult) -> bool:
        """Return whether the best hit's title names a subject the last answer's title does not: another subject.

        "tujuannya apa?" after "Apa itu One Agency One Innovation (OAOI)" is OAOI's aim, not "Tujuan KIPP";
        after "Apa itu OPSI", an entry on KIPP is the same subject (OPSI is part of KIPP).
        """
        return bool(set(content_terms(previous.title)) & SUBJECT_WORDS) and self._titled_apart(previous, result)

    def _titled_elsewhere(self, subjects: frozenset[str]) -> npt.NDArray[np.bool_]:
        """Return which entries' titles name a subject, none of them among `subjects` (none when it is empty)."""
        if not subjects:
            return np.zeros(len(self.entries), dtype=bool)
        wanted = np.array([subject in subjects for subject in _CORE_ORDER])
        titled: npt.NDArray[np.bool_] = self._title_subjects.any(axis=1)
        named_wanted: npt.NDArray[np.bool_] = self._title_subjects[:, wanted].any(axis=1)
        return titled & ~named_wanted

    def _named_elsewhere(self, text: str) -> Scores:
        """Lower entries whose title names only subjects other than the ones the question names."""
        return np.where(self._titled_elsewhere(named_subjects(text)), NAMED_ELSEWHERE_PENALTY, 1.0)

    def _placed_elsewhere(self, text: str) -> Scores:
        """Lower entries titled with a place the question does not name.

        "jumlah top inovasi kipp 2019" does not ask about NTT's Top Inovasi; "coaching clinic disana" points
        at a place, just not by name.
        """
        if _THERE.search(text):
            return np.ones(len(self.entries))
        asked = set(content_terms(text))
        return np.array([OTHER_YEAR_PENALTY if named and not named & asked else 1.0 for named in self._title_places])

    def _one_group_unasked(self, text: str) -> Scores:
        """Lower entries titled with one KIPP group when the question asks about groups without naming one.

        "kipp 2025 kelompoknya apa" asks for the groups, not about the replication group alone.
        """
        asked = set(content_terms(text))
        if "kelompok" not in asked or asked & _GROUP_WORDS:
            return np.ones(len(self.entries))
        return np.where(self._titled_with_group, OTHER_YEAR_PENALTY, 1.0)

    def _undated(self, previous: Entry, text: str) -> Scores:
        """Lower entries titled with a year neither the message nor the last answer's title names: narrower."""
        years = set(years_in(previous.title)) | set(years_in(text))
        return np.array([OTHER_YEAR_PENALTY if title - years else 1.0 for title in self._title_years])

    def _titled(self, text: str) -> Scores:
        """Return, per entry, a weight from 0.5 to 1 by the share of the message's words its title holds.

        Of "kalau kelompok replikasi?" only the subject counts: "kelompok" is in every group's title.
        """
        terms = set(content_terms(text)) - QUESTION_TERMS
        terms = terms & (SUBJECT_WORDS | _GROUP_WORDS) or terms
        if not terms:
            return np.ones(len(self.entries))
        shares = np.array([len(terms & title) / len(terms) for title in self._title_terms])
        return 0.5 + 0.5 * shares

    def _said_in(self, terms: set[str], index: int) -> bool:
        """Whether an entry's answer says what `terms` ask: its rarest known word and most of their weight.

        Only words the knowledge base knows count; a follow-up made only of unknown words says nothing.
        """
        known = {term: self._idf[term] for term in terms if term in self._idf}
        if not known:
            return False
        vocab = self._vocab[index]
        rarest = max(known, key=lambda term: known[term])
        share = sum(weight for term, weight in known.items() if term in vocab) / sum(known.values())
        return rarest in vocab and share >= SAID_BEFORE_SHARE

    def _subject_choices(
        self, scores: Scores, previous: Entry, limit: int, *, guess_for: str | None = None
    ) -> SearchResult:
        """Return the best entries on the previous answer's topic (other than it) as choices.

        With `guess_for` (the follow-up), the first is answered if it speaks of what the follow-up asks, marked
        uncertain: the others stay offered, and admins see it. On the officer set, the first choice answered
        the follow-up four times in five.
        """
        order = [
            i
            for i in np.argsort(-scores)
            if self.entries[i].topic == previous.topic and self.entries[i].id != previous.id
        ][:limit]
        hits = tuple(Hit(entry=self.entries[i], score=float(scores[i])) for i in order)
        guessed = bool(order) and guess_for is not None and self._worth_guessing(guess_for, order[0])
        return SearchResult(hits=hits, confident=guessed, used_context=True, uncertain=guessed)

    def _worth_guessing(self, text: str, index: int) -> bool:
        """Whether entry `index` may answer a follow-up that nothing answers clearly.

        Only when the follow-up asks about what the knowledge base knows (at most one word it has never
        seen: "harga cabai rawit hari ini?" is not a question about JIPP) and the entry says one of its words.
        """
        own = set(content_terms(text)) - QUESTION_TERMS
        known = {term for term in own if term in self._idf}
        # "brp lama biasanya?" asks a duration: an entry that gives none is no answer, however close its subject.
        gives = gives_asked_value(text, _answer_text(self.entries[index]))
        return gives and len(own - known) <= 1 and (not known or bool(known & self._vocab[index]))

    def _rank(
        self, scores: Scores, limit: int, *, used_context: bool = False, exclude: str | None = None
    ) -> SearchResult:
        order = [i for i in np.argsort(-scores) if self.entries[i].id != exclude][:limit]
        hits = tuple(Hit(entry=self.entries[i], score=float(scores[i])) for i in order if scores[i] >= OFFER_THRESHOLD)
        confident = bool(hits) and hits[0].score >= ANSWER_THRESHOLD
        uncertain = False
        if confident and len(hits) > 1:
            lead = hits[0].score - hits[1].score
            uncertain = lead < UNCERTAIN_MARGIN
        return SearchResult(hits=hits, confident=confident, used_context=used_context, uncertain=uncertain)
