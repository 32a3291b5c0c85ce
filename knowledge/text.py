"""Indonesian text normalisation for retrieval: slang, abbreviations, stemming and stop words.

Officers type "gmn caranya", "brp thn", "permenpan 91 thn 2021": everything is folded to one form
before it is indexed or searched. Stemming uses Sastrawi (the standard Indonesian stemmer). The word lists
(slang, stop words, concepts) are data in `lexicon.yml`, beside this module, for content people to extend.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Hashable
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import yaml
from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

LEXICON_FILE = Path(__file__).with_name("lexicon.yml")


class _LexiconLoader(yaml.BaseLoader):
    """Reads every word as a string ("no", "on", "2" stay words) and refuses a word listed twice in one mapping.

    A repeated key would otherwise silently keep only its last meaning.
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        keys = [key.value for key, _ in node.value]
        repeated = sorted({key for key in keys if keys.count(key) > 1})
        if repeated:
            raise ValueError(f"line {node.start_mark.line + 1}: listed more than once: {', '.join(repeated)}")
        return super().construct_mapping(node, deep=deep)


def _load_lexicon(
    path: Path,
) -> tuple[dict[str, str], frozenset[str], dict[str, tuple[str, ...]], frozenset[str]]:
    """Read the word lists content people keep in lexicon.yml; a malformed file stops the start with its name."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LexiconLoader)
    except (yaml.YAMLError, ValueError) as exc:
        raise ValueError(f"{path}: {exc}") from exc
    try:
        slang = {str(k): str(v) for k, v in data["slang"].items()}
        stop_words = frozenset(str(w) for w in data["stop_words"])
        if len(stop_words) != len(data["stop_words"]):
            raise ValueError("stop_words: a word is listed more than once")
        concepts = {str(k): tuple(str(w) for w in v) for k, v in data["concepts"].items()}
        places = frozenset(str(w) for w in data.get("places") or ())
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(
            f"{path}: needs the mappings 'slang' and 'concepts' and the list 'stop_words' ({exc!r})"
        ) from exc
    return slang, stop_words, concepts, places


# Informal spellings -> knowledge-base forms; fillers with no topic; words folded onto one concept; the
# places entries may be about (an entry titled with a place answers for that place only).
SLANG, STOP_WORDS, CONCEPTS, PLACES = _load_lexicon(LEXICON_FILE)

_TOKEN = re.compile(r"[a-z0-9]+")


class _Stemmer(Protocol):
    """What we use of Sastrawi's stemmer (Sastrawi has no type information)."""

    delegatedStemmer: Any

    def stem(self, text: str) -> str: ...


_stemmer: _Stemmer | None = None
_stemmer_lock = threading.Lock()


def _get_stemmer() -> _Stemmer:
    """Return the one Sastrawi stemmer: threads that ask at once wait for it rather than each build one."""
    global _stemmer
    with _stemmer_lock:
        if _stemmer is None:
            _stemmer = StemmerFactory().create_stemmer()
        return _stemmer


# Safe under concurrent calls: lru_cache keeps its own structure consistent (a word may be stemmed twice), and
# the stemmer is stateless per word (Sastrawi's inner cache only ever stores a word's one stem).
@lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    """Return the Sastrawi stem of one lower-case word (numbers and acronyms pass through)."""
    if word.isdigit() or len(word) <= 3:
        return word
    stemmed = _get_stemmer().stem(_formal_verb(word)) or word
    # A pe- noun whose stem is a stop word ("peserta" -> "serta", and; "pengetahuan" -> "tahu") keeps its own
    # shape: a stop word's twin is dropped wherever stop words are, so "pesertanya brp?" would ask nothing.
    if stemmed in STOP_WORDS and word.startswith("pe") and word not in STOP_WORDS:
        return word.removesuffix("nya")
    return stemmed


_VOWELS = frozenset("aeiou")


def _formal_verb(word: str) -> str:
    """Rewrite a colloquial verb in its formal shape, which Sastrawi knows how to stem.

    Officers write "nyusun", "ngajuin", "diserahin", "resmiin", "ngelola", "ngitung", "ditetapinnya": the Jakarta
    nasal prefix, the -in suffix (for -kan or -i) and the possessive after it. Each formal shape the word could be
    ("menyusun", "mengelola", "menghitung", "ditetapkannya") is tried in turn, and the first one that stems to
    a dictionary root is kept. A root word that merely starts like one ("nyaman", "nyata", "ngeri") is left
    alone; so is a word no shape explains.
    """
    dictionary = _get_stemmer().delegatedStemmer.dictionary
    if dictionary.contains(word) or dictionary.contains(word.removesuffix("nya")):
        return word  # a root word, or one with the possessive ("mulainya"): Sastrawi's own
    for candidate in _formal_shapes(word):
        if dictionary.contains(_get_stemmer().stem(candidate)):  # "ngecek" is cek, not "ecek"
            return candidate
    return word


def _formal_shapes(word: str) -> list[str]:
    """Return the formal words a colloquial one may stand for, the likeliest first."""
    stems = [word]
    ending = ""
    if word.endswith("nya") and len(word) > 7:  # "ditetapinnya", "ngitungnya": the verb, then the possessive
        stems, ending = [word[:-3]], "nya"
    if stems[0].endswith("in") and len(stems[0]) > 6:
        base = stems[0][:-2]
        # "ngajuin" is mengajukan, "nanganin" menangani, "resmiin" resmikan, "kirimin" kirimkan
        stems = [base + "kan", base + "i"]
    shapes: list[str] = []
    for verb in stems:
        if verb.startswith("nge") and len(verb) > 5 and verb[3] not in _VOWELS:
            shapes += [verb[3:], "me" + verb]  # "ngecek": cek; "ngelola": mengelola
        elif verb.startswith("ny") and len(verb) > 4 and verb[2] in _VOWELS:
            shapes += ["me" + verb, "menc" + verb[2:]]  # "nyusun": menyusun; "nyoba": mencoba
        elif verb.startswith("ng") and len(verb) > 4 and verb[2] in _VOWELS:
            shapes += ["me" + verb, "mengh" + verb[2:]]  # "ngajuin": mengajukan; "ngitung": menghitung
        elif verb.startswith("m") and len(verb) > 4 and verb[1] in _VOWELS:
            shapes.append("p" + verb[1:])  # the nasal of a p- root: "milih" is pilih, "mikir" pikir
        elif verb.startswith("n") and len(verb) > 4 and verb[1] in _VOWELS:
            shapes.append("t" + verb[1:])  # ...and of a t- root: "nulis" is tulis, "nanganin" tangani
        shapes.append(verb)
    return [shape + ending for shape in shapes if shape != word]


# Abbreviations that are only safe to expand as written: "PD" is perangkat daerah, but "pd" is "pada".
_CASED_ACRONYMS = ((re.compile(r"\bPD\b"), "perangkat daerah"), (re.compile(r"\bTE\b"), "tim evaluasi"))

# An English plural on an acronym: "MPPs", "OPDs", "SOPs" are MPP, OPD, SOP.
_ACRONYM_PLURAL = re.compile(r"\b([A-Z]{2,})s\b")

# Multi-word and punctuated forms, matched on folded text before it is split into tokens.
_PHRASES = (
    (re.compile(r"\bk\s*/\s*l\b"), "kementerian lembaga"),
    (re.compile(r"\bkab\s*/\s*kota\b"), "kabupaten kota"),
    (re.compile(r"\bpemkab\s*/\s*pemkot\b"), "pemda"),
    (re.compile(r"\bo\s*/\s*pd\b"), "perangkat daerah"),
    # English "did" is no DID (Dana Insentif Daerah): "which regulation did it revoke?", "did Indonesia win?".
    (re.compile(r"\b(when|what|which|who|how|where|why|it|they|we|you|regulation|rule|law|one|ones)\s+did\b"), r"\1"),
    (re.compile(r"\bdid\s+(it|they|we|you|he|she|the|this|that|i|indonesia|anyone|any|an|a)\b"), r"\1"),
    # "dasar hukum", "payung hukum", "landasan hukum": one idea, so "aturan resmi" answers "dasar hukumnya?".
    (re.compile(r"\b(?:dasar|payung|landasan|acuan)\s+(?=hukum)"), ""),
)


def fold(text: str) -> str:
    """Lower-case, strip accents and emoji, split reduplication ("langkah-langkah") and glued numbers."""
    for pattern, replacement in _CASED_ACRONYMS:
        text = pattern.sub(replacement, text)
    text = _ACRONYM_PLURAL.sub(r"\1", text)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = re.sub(r"\b(\w+)-\1\b", r"\1", text)
    # "langkah2" -> "langkah" (reduplication written with a 2); only after letters, so "2022" and "12" stay.
    text = re.sub(r"\b([a-z]{2,})2\b", r"\1", text)
    # "kipp2025", "top99", "thn2022": a word glued to a number is two tokens.
    text = re.sub(r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z]{2,})", " ", text)
    for pattern, replacement in _PHRASES:
        text = pattern.sub(replacement, text)
    return text


# The programme's own long words, often typed one letter off ("sinovk", "replkasi", "pelembagan", "mal pelayan
# publik"). A word one edit away from one of them, and no dictionary word itself, is read as it.
_OFTEN_MISTYPED = (
    "sinovik",
    "replikasi",
    "pelembagaan",
    "jippnas",
    "kompetisi",
    "pelayanan",
    "inovasi",
    # The words officers ask with, typed fast on a phone ("prtama kali diadakn").
    "pertama",
    "diadakan",
    "berapa",
    "jumlah",
    "syarat",
    "pendaftaran",
    "penghargaan",
    "pemenang",
    "proposal",
    "peserta",
    "kategori",
    "kelompok",
    "pedoman",
    "finalis",
    "presentasi",
    "penilaian",
)
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _one_edit(word: str) -> set[str]:
    """Return the words one deletion, swap of neighbours, replacement or insertion away from `word`."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deleted = {a + b[1:] for a, b in splits if b}
    swapped = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    replaced = {a + c + b[1:] for a, b in splits if b for c in _LETTERS}
    inserted = {a + c + b for a, b in splits for c in _LETTERS}
    return deleted | swapped | replaced | inserted


@lru_cache(maxsize=1)
def _mistyped() -> dict[str, str]:
    dictionary = _get_stemmer().delegatedStemmer.dictionary
    known = set(SLANG) | STOP_WORDS | set(_OFTEN_MISTYPED)
    return {
        variant: word
        for word in _OFTEN_MISTYPED
        for variant in _one_edit(word)
        if len(variant) >= 5 and variant not in known and not dictionary.contains(variant)
    }


def tokens(text: str) -> list[str]:
    """Split into folded tokens with slang expanded; digits and words are separated ("91/2021" -> 91 2021)."""
    return list(_tokens(text))


# A search reads the same question many times over (each reading, each check): its tokens are worked out once.
@lru_cache(maxsize=4096)
def _tokens(text: str) -> tuple[str, ...]:
    out: list[str] = []
    for token in _TOKEN.findall(fold(text)):
        # "permennya", "juklaknya": an abbreviation with the possessive ending is still the abbreviation.
        if token not in SLANG and token.endswith("nya") and token[:-3] in SLANG:
            token = token[:-3]
        token = SLANG.get(token, _mistyped().get(token, token))
        if token:
            out.extend(token.split())
    return tuple(out)


def normalize(text: str) -> str:
    """Return the folded, slang-expanded text (no stemming, stop words kept): for logs and grouping."""
    return " ".join(tokens(text))


@lru_cache(maxsize=1)
def _concept_of_stem() -> dict[str, str]:
    mapping: dict[str, str] = {}
    for canonical, variants in CONCEPTS.items():
        for word in (canonical, *variants):
            mapping[stem(word)] = stem(canonical)
    return mapping


def content_terms(text: str) -> list[str]:
    """Return the stemmed content words of `text`, stop words removed and synonyms folded."""
    concepts = _concept_of_stem()
    terms = (stem(token) for token in tokens(text) if token not in STOP_WORDS)
    return [concepts.get(term, term) for term in terms]
