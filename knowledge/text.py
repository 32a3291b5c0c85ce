"""Indonesian text normalisation for retrieval: slang, abbreviations, stemming and stop words.

Officers type "gmn caranya", "brp thn", "permenpan 91 thn 2021": everything is folded to one form
before it is indexed or searched. Stemming uses Sastrawi (the standard Indonesian stemmer).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

# Informal spellings and abbreviations -> the form used in the knowledge base.
SLANG: dict[str, str] = {
    "gmn": "bagaimana",
    "gimana": "bagaimana",
    "gmana": "bagaimana",
    "bgmn": "bagaimana",
    "gimn": "bagaimana",
    "yg": "yang",
    "yng": "yang",
    "brp": "berapa",
    "brapa": "berapa",
    "kpn": "kapan",
    "kapn": "kapan",
    "ga": "tidak",
    "gak": "tidak",
    "nggak": "tidak",
    "ngga": "tidak",
    "enggak": "tidak",
    "tdk": "tidak",
    "gk": "tidak",
    "g": "tidak",
    "kagak": "tidak",
    "sm": "sama",
    "dgn": "dengan",
    "dg": "dengan",
    "utk": "untuk",
    "buat": "untuk",
    "dr": "dari",
    "jd": "jadi",
    "udh": "sudah",
    "udah": "sudah",
    "sdh": "sudah",
    "blm": "belum",
    "blum": "belum",
    "bs": "bisa",
    "bsa": "bisa",
    "thn": "tahun",
    "taun": "tahun",
    "th": "tahun",
    "tahunnya": "tahun",
    "apaan": "apa",
    "aja": "saja",
    "aj": "saja",
    "gede": "besar",
    "dapet": "dapat",
    "dpt": "dapat",
    "krn": "karena",
    "karna": "karena",
    "tp": "tapi",
    "sy": "saya",
    "sya": "saya",
    "kmi": "kami",
    "kalo": "kalau",
    "klo": "kalau",
    "kl": "kalau",
    "bgt": "banget",
    "pake": "pakai",
    "pakek": "pakai",
    "trs": "terus",
    "trus": "terus",
    "dlm": "dalam",
    "pd": "pada",
    "sbg": "sebagai",
    "spt": "seperti",
    "tsb": "tersebut",
    "hrs": "harus",
    "msh": "masih",
    "lg": "lagi",
    "gitu": "begitu",
    "gini": "begini",
    "knp": "kenapa",
    "napa": "kenapa",
    "emg": "memang",
    "emang": "memang",
    "sampe": "sampai",
    "ampe": "sampai",
    "ato": "atau",
    "atw": "atau",
    "tau": "tahu",
    "tgl": "tanggal",
    "bln": "bulan",
    "jgn": "jangan",
    "nyetusin": "cetus",
    "nyetus": "cetus",
    "ngajuin": "aju",
    "daftarin": "daftar",
    "bikin": "buat",
    "ngikut": "ikut",
    "niru": "tiru",
    "nyontek": "contek",
    "nyontoh": "contoh",
    "jelasin": "jelas",
    "ngatur": "atur",
    "ngurus": "urus",
    "dikasih": "beri",
    "ngasih": "beri",
    "lembaga2": "lembaga",
    "langkah2": "langkah",
    "syarat2": "syarat",
    "org": "orang",
    "pemkab": "pemda",
    "pemkot": "pemda",
    "pemprov": "pemda",
    "kabupaten": "pemda",
    "permenpan": "permenpanrb",
    "permen": "permenpanrb",
    "permenpanrb": "permenpanrb",
    "kemenpan": "kemenpanrb",
    "kemenpanrb": "kemenpanrb",
    "menpan": "kemenpanrb",
    "menpanrb": "kemenpanrb",
    "panrb": "kemenpanrb",
    "kemen": "kementerian",
    "kepmen": "kepmenpanrb",
    "kepmenpan": "kepmenpanrb",
    "kepmenpanrb": "kepmenpanrb",
    "inovasinya": "inovasi",
    "replikasinya": "replikasi",
    "kippnya": "kipp",
    "jippnya": "jipp",
    "hubnya": "hub",
    "mall": "mal",
    "mal": "mal",
    # Sastrawi stems "percontohan" (pilot) to "contoh" (example): two ideas, kept apart before stemming.
    "percontohan": "pilot",
    # Officers' abbreviations, expanded to the words the knowledge base uses.
    "verlap": "verifikasi lapangan",
    "juknis": "petunjuk teknis",
    "juklak": "petunjuk pelaksanaan",
    "tpi": "tim panel independen",
    "upp": "unit penyelenggara pelayanan",
    "opd": "perangkat daerah",
    "skpd": "perangkat daerah",
    "bimtek": "bimbingan teknis",
    "dmn": "di mana",
    "dimana": "di mana",
    "sapa": "siapa",
    "bnyk": "banyak",
    "byk": "banyak",
    "bbrp": "beberapa",
    "skrg": "sekarang",
    "skrng": "sekarang",
    "skg": "sekarang",
    "kyk": "seperti",
    "kayak": "seperti",
    "mksd": "maksud",
    "maksudnya": "maksud",
    "apkh": "apakah",
    "jg": "juga",
    "lbh": "lebih",
    "tlg": "tolong",
    "mhn": "mohon",
    "nnti": "nanti",
    "ntar": "nanti",
    "klw": "kalau",
    "dpn": "depan",
    "sblm": "sebelum",
    "stlh": "setelah",
    "ttg": "tentang",
    "prov": "provinsi",
    "kab": "pemda",
    "syaratnya": "syarat",
    "kriterianya": "kriteria",
    "hadiahnya": "hadiah",
    "jurinya": "juri",
    "contohnya": "contoh",
    "daftarnya": "daftar",
    "tahapannya": "tahapan",
    "yth": "",
    "min": "",
    "mimin": "",
    "kak": "",
    "pak": "",
    "bu": "",
    "bang": "",
    "gan": "",
    "sob": "",
}

# Fillers that say nothing about the topic. Question words (berapa, kapan, siapa) are kept:
# they separate "when" entries from "how many" entries.
STOP_WORDS = frozenset(
    [
        "yang",
        "dan",
        "di",
        "ke",
        "itu",
        "ini",
        "sih",
        "dong",
        "deh",
        "ya",
        "yah",
        "kah",
        "lah",
        "nih",
        "tuh",
        "kok",
        "loh",
        "lho",
        "kan",
        "pun",
        "saja",
        "juga",
        "nah",
        "adalah",
        "ialah",
        "merupakan",
        "tentang",
        "dari",
        "pada",
        "untuk",
        "dengan",
        "dalam",
        "oleh",
        "atau",
        "serta",
        "the",
        "a",
        "an",
        "of",
        "to",
        "is",
        "are",
        "do",
        "does",
        "in",
        "on",
        "for",
        "and",
        "or",
        "what",
        "how",
        "be",
        "it",
        "its",
        "this",
        "that",
        "sebenarnya",
        "sebenernya",
        "kira",
        "kira2",
        "mohon",
        "tolong",
        "info",
        "informasi",
        "tanya",
        "bertanya",
        "nanya",
        "mau",
        "ingin",
        "pengen",
        "pingin",
        "saya",
        "kami",
        "kita",
        "aku",
        "anda",
        "gue",
        "gw",
        "apa",
        "nya",
        "ada",
        "kalau",
        "jika",
        "kalo",
        "se",
        "pas",
        "sama",
        "udah",
        "sudah",
        "jadi",
        "gitu",
        "begitu",
        "begini",
        "biar",
        "agar",
        "supaya",
        "terus",
        "lalu",
        "trus",
        "kok",
        "emang",
        "memang",
        "dapat",
        "bisa",
        "cara",
        "caranya",
        "bagaimana",
        "gimana",
        "tolong",
        "minta",
        "jelaskan",
        "tahu",
        "mana",
        "sih",
        "yah",
        "ok",
        "oke",
        "halo",
        "hai",
        # Chatter around a question ("kemarin pas rapat ada yg nyebut ..., itu apa ya?").
        "kemarin",
        "kemaren",
        "barusan",
        "rapat",
        "nyebut",
        "denger",
        "dengar",
        "mendengar",
        "bilang",
        "katanya",
        "ngomongin",
        "istilah",
        "penasaran",
        "bingung",
        "nih",
        "dong",
        "please",
        "pls",
        "btw",
        "sebetulnya",
        "sebenernya",
        "kak",
        "min",
        "lewat",
        "via",
        "hmm",
        "eh",
        "oh",
        "wah",
    ]
)

# Words that mean the same thing here, folded onto one term on both sides of the match, so
# "langkah2 replikasi" finds "tahapan replikasi" and "kepala dinas ganti" finds "pimpinan berganti".
CONCEPTS: dict[str, tuple[str, ...]] = {
    "tahap": ("tahapan", "langkah", "alur", "step", "steps", "prosedur", "urutan", "mekanisme", "stage", "stages"),
    "awal": ("pertama", "mula", "permulaan", "first", "start", "mulai"),
    "pilot": ("pionir", "perintis"),
    "pimpinan": ("pemimpin", "kepala", "kadis", "bupati", "walikota", "gubernur", "leader", "atasan", "pejabat"),
    "henti": ("mati", "berhenti", "hilang", "bubar", "tenggelam", "mandek", "stop", "hilangnya"),
    "lanjut": ("berkelanjutan", "keberlanjutan", "sustain", "sustainable", "sustainability", "langgeng", "bertahan"),
    "tiru": ("niru", "contek", "nyontek", "jiplak", "plagiat", "copy", "mencontoh", "copas", "adopsi", "imitate"),
    "menang": ("juara", "pemenang", "winner", "won", "win"),
    "hadiah": ("reward", "insentif", "incentive", "benefit", "keuntungan", "prize"),
    "syarat": ("persyaratan", "ketentuan", "requirement", "requirements", "eligible", "eligibility"),
    "daftar": ("registrasi", "register", "pendaftaran", "submit", "registration"),
    "anggaran": ("dana", "biaya", "duit", "budget", "pendanaan", "funding"),
    "hukum": ("regulasi", "aturan", "peraturan", "legal", "regulation", "law", "landasan"),
    "pilih": ("memilih", "dipilih", "seleksi", "choose", "select", "selection", "tunjuk", "nunjuk", "pemilihan"),
    "kandidat": ("calon", "candidate", "candidates", "nominasi", "nominee"),
    "terkini": ("terbaru", "sekarang", "latest", "current", "kini"),
    "inovasi": ("innovation", "innovations", "inovatif"),
    "kompetisi": ("competition", "lomba", "kontes", "contest", "sayembara"),
    "replikasi": ("replicate", "replication", "replikasi", "mereplikasi", "direplikasi"),
    "lembaga": ("institutionalise", "institutionalize", "institutionalisation", "institutionalization"),
    "jumlah": ("total", "banyaknya", "many", "count"),
    "hubung": ("hubungan", "kait", "kaitan", "kaitannya", "terkait", "relasi", "relation", "relationship"),
    "siapa": ("who",),
    "kapan": ("when",),
    "tujuan": ("goal", "goals", "purpose", "aim"),
    "nilai": ("skor", "score", "poin", "bobot", "weight", "penilaian"),
}

_TOKEN = re.compile(r"[a-z0-9]+")
_stemmer = None


def _get_stemmer():  # type: ignore[no-untyped-def]
    global _stemmer
    if _stemmer is None:
        _stemmer = StemmerFactory().create_stemmer()
    return _stemmer


@lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    """Return the Sastrawi stem of one lower-case word (numbers and acronyms pass through)."""
    if word.isdigit() or len(word) <= 3:
        return word
    return _get_stemmer().stem(word) or word


# Abbreviations that are only safe to expand as written: "PD" is perangkat daerah, but "pd" is "pada".
_CASED_ACRONYMS = ((re.compile(r"\bPD\b"), "perangkat daerah"), (re.compile(r"\bTE\b"), "tim evaluasi"))

# Multi-word and punctuated forms, matched on folded text before it is split into tokens.
_PHRASES = (
    (re.compile(r"\bk\s*/\s*l\b"), "kementerian lembaga"),
    (re.compile(r"\bkab\s*/\s*kota\b"), "kabupaten kota"),
    (re.compile(r"\bpemkab\s*/\s*pemkot\b"), "pemda"),
    (re.compile(r"\bo\s*/\s*pd\b"), "perangkat daerah"),
    # "dasar hukum", "payung hukum", "landasan hukum": one idea, so "aturan resmi" answers "dasar hukumnya?".
    (re.compile(r"\b(?:dasar|payung|landasan|acuan)\s+(?=hukum)"), ""),
)


def fold(text: str) -> str:
    """Lower-case, strip accents and emoji, split reduplication ("langkah-langkah") and glued numbers."""
    for pattern, replacement in _CASED_ACRONYMS:
        text = pattern.sub(replacement, text)
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


def tokens(text: str) -> list[str]:
    """Split into folded tokens with slang expanded; digits and words are separated ("91/2021" -> 91 2021)."""
    out: list[str] = []
    for token in _TOKEN.findall(fold(text)):
        token = SLANG.get(token, token)
        if token:
            out.extend(token.split())
    return out


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
