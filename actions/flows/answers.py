"""Read the officer's answers inside a flow: choices typed or tapped, yes/no, free text, and control words.

Pure functions only, so every validator is unit-tested without Rasa. A parser returns the canonical value,
or None when the answer does not fit (the validator then re-asks).
"""

from __future__ import annotations

import re

from actions.flows.dates import StartDate

# Intents the flow rules answer in the middle of a flow (nlu/data/rules/flows.yml), then resume.
DIGRESSION_INTENTS = frozenset(
    {
        "ask_kipp",
        "ask_replication",
        "ask_institutionalisation",
        "ask_mpp",
        "ask_followup",
        "nlu_fallback",
        "out_of_scope",
        "help",
        "bot_challenge",
    }
)
# Intents that may just mean "the classifier could not place this": a question only if phrased as one.
# A follow-up guess on a fragment ("belum tahu pastinya") is as unsure as a fallback unless it reads as a question.
UNSURE_INTENTS = frozenset({"nlu_fallback", "out_of_scope", "ask_followup"})
# Intents that only come from buttons or menus; answered mid-flow (then the flow resumes) whatever the slot.
MENU_INTENTS = frozenset({"choose_entry", "choose_topic", "show_menu"})
# Intents that leave the flow; each has a rule with `condition: active_loop`.
LEAVE_INTENTS = frozenset(
    {"cancel", "start_readiness_check", "start_replication_plan", "start_institutionalisation_check", "start_demo"}
)
# "gak jadi" is also a `deny` example in general.yml; inside a flow it still means "cancel".
_CANCEL = re.compile(r"^(batal\w*|(gak|ga|nggak|ngga|enggak|tidak|tak) jadi( deh| aja)?|stop|berhenti|cancel)[.!]*$")
_BACK = re.compile(r"^(kembali|balik|mundur|sebelumnya|back|ke pertanyaan sebelumnya|pertanyaan sebelumnya)[.!]*$")
_QUESTION_START = re.compile(
    r"^(apa|apakah|apa itu|apaan|bagaimana|bagaimanakah|gimana|gmn|bgmn|kenapa|knp|mengapa|siapa|kapan|berapa|brp|"
    r"dimana|di mana|kemana|ke mana|mana|bisakah|bolehkah|haruskah|perlukah|jelaskan|jelasin|tolong jelaskan|"
    r"maksudnya|mau tanya|boleh tanya|numpang tanya|tanya|what|how|why|who|when)\b"
)
_SKIP = re.compile(
    r"^(skip|lewati|lewatin|lewat|lompati|lompat|pass|nanti)( (aja|saja|dulu|deh|ya|yang ini|pertanyaan ini))*[.!]*$"
)
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
# Markers kept in a slot instead of an answer: a skipped optional step, or one left empty after re-asks.
SKIPPED = "__dilewati__"
LEFT_EMPTY = "__kosong__"
MARKER_WORDS = {SKIPPED: "— (dilewati)", LEFT_EMPTY: "— (belum diisi)"}
MAX_FREE_TEXT = 1000


def normalise(text: str) -> str:
    """Return the answer lower-cased with single spaces."""
    return " ".join(text.lower().split())


def is_cancel_phrase(text: str) -> bool:
    """Return whether the whole message says "cancel" ("batal", "gak jadi", "stop")."""
    return bool(_CANCEL.match(normalise(text)))


def is_back_phrase(text: str) -> bool:
    """Return whether the whole message says "go back" ("kembali", "balik", "sebelumnya")."""
    return bool(_BACK.match(normalise(text)))


def is_skip_phrase(text: str) -> bool:
    """Return whether the whole message says "skip this step" ("lewati", "skip", "nanti saja")."""
    return bool(_SKIP.match(normalise(text)))


def shown(value: object) -> str:
    """Return an answer for a summary or document: markers become words, everything else as given."""
    return MARKER_WORDS.get(str(value), str(value)) if value is not None else "belum diisi"


def describe_answer(slot: str, value: object) -> str:
    """Return an earlier answer in words, for "kembali" ("Jawaban Anda tadi: «Pemda»")."""
    if isinstance(value, str) and value in MARKER_WORDS:
        return MARKER_WORDS[value]
    labels: dict[str, dict[str, str]] = {
        "agency_type": AGENCY_LABELS,
        "kipp_history": KIPP_HISTORY_LABELS,
        "inst_regulation": REGULATION_LABELS,
    }
    if slot in labels:
        return labels[slot].get(str(value), str(value))
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    if isinstance(value, list):
        return ", ".join(DOCUMENT_LABELS.get(str(v), str(v)) for v in value) or "belum ada"
    if isinstance(value, dict) and "months" in value:
        return f"{value['months']} bulan" + (f", mulai {value['start']}" if value.get("start") else "")
    if slot.startswith("inst_"):
        return {"yes": "ada", "partial": "sebagian", "no": "belum", "unknown": "tidak tahu"}.get(str(value), str(value))
    if slot == "innovation_start" and isinstance(value, str):
        return StartDate.from_slot(value).label()
    return str(value)


def looks_like_question(text: str) -> bool:
    """Return whether the message is phrased as a question (a question mark or a question word first)."""
    cleaned = normalise(text)
    return cleaned.endswith("?") or bool(_QUESTION_START.match(cleaned)) or " itu apa" in f" {cleaned}"


def is_payload(text: str) -> bool:
    """Return whether the message is a button payload such as `/inform{...}` rather than typed words."""
    return text.strip().startswith("/")


def free_text_problem(text: str, *, min_words: int = 1, min_chars: int = 3) -> str | None:
    """Return why a free-text answer is unusable ("empty", "short", "long"), or None if it is fine."""
    cleaned = " ".join(text.split())
    if not cleaned or is_payload(cleaned) or not _LETTER.search(cleaned):
        return "empty"
    if len(cleaned) > MAX_FREE_TEXT:
        return "long"
    if len(cleaned) < min_chars or len(cleaned.split()) < min_words:
        return "short"
    return None


def _first_match(text: str, table: tuple[tuple[str, str], ...]) -> str | None:
    cleaned = normalise(text)
    for pattern, value in table:
        if re.search(pattern, cleaned):
            return value
    return None


def _by_number(text: str, values: tuple[str, ...]) -> str | None:
    cleaned = normalise(text).rstrip(".)")
    if cleaned.isdigit() and 1 <= int(cleaned) <= len(values):
        return values[int(cleaned) - 1]
    return None


AGENCY_TYPES = ("kl", "pemda", "bumn", "bumd")
AGENCY_LABELS = {"kl": "K/L", "pemda": "Pemda", "bumn": "BUMN", "bumd": "BUMD"}
_AGENCY_TABLE = (
    (r"\bbumd\b|\bperumda\b|\bpdam\b|\bperusahaan (umum )?daerah\b|\bbank (pembangunan )?daerah\b|\bbpd\b", "bumd"),
    (r"\bbumn\b|\bpersero\b|\bbadan usaha milik negara\b|\bperusahaan negara\b", "bumn"),
    (r"\bk ?/ ?l\b|\bkl\b|\bkementerian\b|\bkemen\w*|\blembaga\b|\bbadan\b|\bbpom\b|\bbpjs\b|\bpolri\b|\btni\b", "kl"),
    (
        r"\bpemda\b|\bpemerintah (daerah|provinsi|kabupaten|kota)\b|\bpem(kab|kot|prov)\b|\bkabupaten\b|\bkota\b"
        r"|\bprovinsi\b|\bdinas\b|\bopd\b|\bperangkat daerah\b|\bkecamatan\b|\bkelurahan\b|\bpuskesmas\b"
        r"|\brsud\b|\bdisdukcapil\b|\bdesa\b",
        "pemda",
    ),
)


def parse_agency_type(text: str) -> str | None:
    """Return "kl", "pemda", "bumn" or "bumd" from a tap, a number (1-4) or words like "pemkab"."""
    return _by_number(text, AGENCY_TYPES) or _first_match(text, _AGENCY_TABLE)


KIPP_HISTORY = ("never", "entered", "top99_once", "top99_twice", "top_tier", "finalist", "local_win")
KIPP_HISTORY_LABELS = {
    "never": "belum pernah ikut KIPP",
    "entered": "pernah ikut KIPP tanpa penghargaan",
    "top99_once": "sekali masuk Top 99",
    "top99_twice": "dua kali masuk Top 99",
    "top_tier": "pernah meraih tingkat teratas (Top 45/40/35/25/9, Top 5, Top Terpuji atau OPSI)",
    "finalist": "finalis Top 15 kelompok replikasi/khusus (bukan Top 99)",
    "local_win": "penghargaan tingkat daerah, bukan KIPP nasional",
}
# How an answer is echoed back ("Tercatat: Top 99 satu kali (2021).").
KIPP_HISTORY_ECHO = {
    **KIPP_HISTORY_LABELS,
    "top99_once": "Top 99 satu kali",
    "top99_twice": "Top 99 dua kali",
}
# A year is removed before the patterns run, so the "2" of "2021" is never read as "twice".
_YEARS = re.compile(r"\b(?:19|20)\d{2}\b")
# Awards from a province, regency, city or an internal contest are not national KIPP tiers (K-11).
# A contest below the national one ("juara kipp provinsi", "pemenang lomba inovasi kabupaten"); "kab kami pernah
# top 35" names the agency, not the contest.
_LOCAL = re.compile(
    r"\b(provinsi|prov|propinsi|kabupaten|kab|kota|daerah|kecamatan|internal|lokal|regional|opd)\b"
    r"(?!\s+(?:kami|kita|saya|sy|kmi|aku|ini))|"
    r"\bkipp ?(prov|kab|kota|daerah)\w*|lomba inovasi (daerah|kabupaten|kota|provinsi)"
)
_NATIONAL = re.compile(r"nasional|kemenpan|menpan|kementerian panrb")
# A top tier named as such (not just "menang", which may mean Top 99).
NAMED_TOP_TIER = r"\btop ?(?:45|40|35|25|9|5)\b|terpuji|\bopsi\b|outstanding"
_HISTORY_TABLE = (
    (NAMED_TOP_TIER, "top_tier"),
    # 2021: Top 15 Replikasi and Top 15 Khusus were finalists next to Top 99; Top 5 was their top tier (§1.11).
    (r"\btop ?15\b|\b15 besar\b", "finalist"),
    (r"top ?99|\b99 besar\b|finalis", "top99"),
    (r"(tidak|tdk|gak|ga|nggak|belum|blm) (lolos|menang|juara|dapat)|kalah|gugur", "entered"),
    (r"juara|pemenang|\bmenang\b", "top_tier"),
    (
        r"(belum|blm|tidak|tdk|gak|ga|nggak|never) (pernah )?(ikut|daftar|mendaftar)|baru (mau|akan)|"
        r"(belum|blm|tidak|tdk|gak|ga|nggak) pernah$",
        "never",
    ),
    (r"pernah ikut|ikut tapi|^pernah|^ikut", "entered"),
    (r"^(belum|blm|tidak|tdk|gak|ga|nggak|enggak|never)\b", "never"),
)
_TWICE = re.compile(r"\b(dua|2|kedua) ?(kali|x)\b|\b2x\b|\bdua\b|\bkedua\b|berturut|\bdua tahun\b")


def read_kipp_history(text: str) -> tuple[str, tuple[int, ...]] | None:
    """Return the KIPP track record and the years named in it ("top 99 tahun 2021" -> top99_once, (2021,)).

    A win in a provincial or regency contest is not a national top tier, and "Top 15 replikasi" is a
    finalist, not a winner: both used to be read as top-tier wins.
    """
    by_number = _by_number(text, KIPP_HISTORY[:5])
    if by_number:
        return by_number, ()
    cleaned = normalise(text)
    if cleaned in KIPP_HISTORY:
        return cleaned, ()
    years = tuple(sorted({int(y) for y in _YEARS.findall(cleaned)}))
    body = " ".join(_YEARS.sub(" ", cleaned).split())
    kind = _first_match(body, _HISTORY_TABLE)
    if kind in {"top_tier", "top99"} and _LOCAL.search(body) and not _NATIONAL.search(body):
        return "local_win", years
    if kind == "top99":
        twice = _TWICE.search(body) or len(years) >= 2
        return ("top99_twice" if twice else "top99_once"), years
    return (kind, years) if kind else None


def parse_kipp_history(text: str) -> str | None:
    """Return the KIPP track record: one of KIPP_HISTORY, or None if the answer does not say."""
    reading = read_kipp_history(text)
    return reading[0] if reading else None


def kipp_history_echo(kind: str, years: tuple[int, ...]) -> str:
    """Return the line that shows how a typed track record was understood."""
    when = f" ({', '.join(str(y) for y in years)})" if years else ""
    return f"Tercatat: {KIPP_HISTORY_ECHO[kind]}{when}. Bila keliru, ketik «kembali»."


_YES = re.compile(r"^(ya|iya|iyaa+|yap|yup|yes|y|betul|benar|bener|sudah|udah|sdh|ada|tentu|pasti|ok|oke|true)\b")
_NO = re.compile(r"^(tidak|tdk|gak|ga|nggak|ngga|enggak|engga|ndak|no|n|bukan|belum|blm|false)\b")


def parse_yes_no(text: str) -> bool | None:
    """Return True for "ya"/"sudah" (or "1", the first button), False for "tidak"/"belum" (or "2"), else None."""
    cleaned = normalise(text).rstrip(".)")
    if cleaned in {"1", "2"}:
        return cleaned == "1"
    if _NO.match(cleaned):
        return False
    if _YES.match(cleaned):
        return True
    return None


# "tidak tahu" is not "tidak": an officer who does not know is reported as unknown, not as a gap.
_UNKNOWN = (
    r"(tidak|tdk|gak|ga|nggak|ngga|enggak|belum|blm|kurang) (tahu|tau)\b|\b(gatau|gatahu|entah\w*|unknown)\b|"
    r"(tidak|gak|ga|kurang) yakin|\bragu\b|^\?+$"
)
LEVER_STATES = ("yes", "partial", "no", "unknown")
_LEVER_TABLE = (
    (_UNKNOWN, "unknown"),
    (r"sebagian|separuh|sedang|proses|diusulkan|draf|draft|rancangan|dijajaki|rencana|parsial", "partial"),
    (r"^(belum|tidak|tdk|gak|ga|nggak|enggak|no|blm)\b|belum ada|tidak ada", "no"),
    (r"^(ya|iya|sudah|udah|ada|yes|betul|benar|sdh)\b", "yes"),
)


def parse_lever(text: str) -> str | None:
    """Return "yes", "partial" or "no" for one institutionalisation lever."""
    return _by_number(text, LEVER_STATES) or _first_match(text, _LEVER_TABLE)


REGULATION_STATES = ("perda", "perkada", "sk", "draft", "none", "unknown")
REGULATION_LABELS = {
    "perda": "Perda",
    "perkada": "Perkada (Perbup/Perwali/Pergub)",
    "sk": "SK pimpinan",
    "draft": "dasar hukum sedang disusun",
    "none": "belum ada dasar hukum",
    "unknown": "belum diketahui",
}
_REGULATION_TABLE = (
    (_UNKNOWN, "unknown"),
    (r"sedang|proses|draf|draft|rancangan|disusun|dibahas|ranperda|ranperbup", "draft"),
    (r"^(belum|tidak|gak|ga|nggak|no)\b|belum ada|tidak ada", "none"),
    (r"\bperda\b|peraturan daerah", "perda"),
    (r"perkada|perbup|perwali|pergub|peraturan (bupati|wali ?kota|gubernur|kepala daerah)", "perkada"),
    (r"\bsk\b|surat keputusan|keputusan (kepala|bupati|wali|gubernur|menteri|direksi|direktur)|kepmen|permen", "sk"),
    (r"^(ya|iya|sudah|ada)\b", "sk"),
)


def parse_regulation(text: str) -> str | None:
    """Return perda, perkada, sk, draft or none for the legal basis of an innovation."""
    return _by_number(text, REGULATION_STATES) or _first_match(text, _REGULATION_TABLE)


BUDGET_LABELS = {
    "apbd": "APBD (anggaran pemerintah daerah)",
    "apbn": "APBN / DIPA K/L",
    "korporasi": "Anggaran perusahaan (BUMN/BUMD)",
    "mitra": "Mitra, CSR atau hibah",
    "rutin": "Tanpa anggaran khusus (memakai anggaran rutin unit)",
}
_BUDGET_TABLE = (
    (r"\bapbd\b|\bdpa\b|\brka ?skpd\b|anggaran daerah", "apbd"),
    (r"\bapbn\b|\bdipa\b|anggaran (negara|pusat|kementerian)", "apbn"),
    (r"\brkap\b|anggaran (perusahaan|korporasi|bumn|bumd)", "korporasi"),
    (r"\bcsr\b|hibah|mitra|sponsor|donor|swasta|kemitraan", "mitra"),
    (r"tanpa anggaran|anggaran rutin|tidak ada anggaran|belum ada anggaran|swadaya", "rutin"),
)


# Answers that name no source of money ("secepatnya" answers "when", "ya" answers nothing).
_BUDGET_JUNK = re.compile(
    r"^(ya|iya|ada|sudah|udah|belum|blm|secepatnya|segera|nanti|besok|tahun depan|tidak tahu|belum tahu|gak tahu|"
    r"entah|ok|oke|tbd|banyak|sedikit|cukup|kurang|terserah)[.!]*$"
)


def parse_budget(text: str) -> str | None:
    """Return the budget source as a label; a source typed in other words is kept as typed."""
    key = _by_number(text, tuple(BUDGET_LABELS)) or _first_match(text, _BUDGET_TABLE)
    if key is None and normalise(text) in BUDGET_LABELS:
        key = normalise(text)
    if key is not None:
        return BUDGET_LABELS[key]
    if _BUDGET_JUNK.match(normalise(text)):
        return None
    return None if free_text_problem(text) else " ".join(text.split())


STUDY_VISIT_LABELS = {
    "langsung": "Kunjungan langsung (studi tiru) ke instansi asal",
    "daring": "Studi tiru daring (virtual) dengan instansi asal",
    "mandiri": "Belajar mandiri dari buku dokumentasi, situs dan pameran inovasi",
    "belum": "Belum direncanakan",
}


def parse_study_visit(text: str) -> str | None:
    """Return the studi tiru plan as a label for a tapped option, or the officer's own words."""
    key = _by_number(text, tuple(STUDY_VISIT_LABELS)) or normalise(text)
    if key in STUDY_VISIT_LABELS:
        return STUDY_VISIT_LABELS[key]
    return None if free_text_problem(text, min_chars=4) else " ".join(text.split())


# Each supporting document: its key, how it is listed, and the words that name it in a typed answer.
_DOCUMENT_TABLE = (
    ("sk_inisiator", "SK inisiator/tim inovasi", r"\bsk (inisiator|inovator|tim|penggagas)|inisiator|penggagas"),
    ("surat_pernyataan", "Surat pernyataan", r"pernyataan"),
    ("data_manfaat", "Data bukti manfaat (sebelum–sesudah)", r"data|bukti manfaat|manfaat|survei|survey|testimoni"),
    (
        "dasar_hukum",
        "Dasar hukum/SK penetapan inovasi",
        r"dasar hukum|perda|perbup|perwali|perkada|sk penetapan|regulasi",
    ),
    ("anggaran", "Dokumen anggaran", r"anggaran|dpa|rka|budget"),
    ("foto_video", "Foto/video pelaksanaan", r"foto|video|dokumentasi"),
)
DOCUMENT_LABELS = {key: label for key, label, _ in _DOCUMENT_TABLE}
DOCUMENTS = tuple(DOCUMENT_LABELS)
DOCUMENTS_DONE = "selesai"
DOCUMENTS_NONE = "tidak_ada"


def parse_documents(text: str) -> tuple[str, list[str]] | None:
    """Read a documents answer.

    Returns:
        ("toggle", [key]) for one tapped option, ("done", []) for "Selesai", ("none", []) for "tidak ada",
        ("set", keys) for a typed list such as "1,3" or "sk inisiator dan foto", or None if nothing fits.
    """
    cleaned = normalise(text)
    if cleaned in DOCUMENT_LABELS:
        return "toggle", [cleaned]
    if cleaned in {DOCUMENTS_DONE, "sudah", "cukup", "itu saja", "itu aja", "done", "lanjut"}:
        return "done", []
    if cleaned == DOCUMENTS_NONE or re.match(r"^(tidak|belum|gak|ga|nggak|blm) (ada|punya)\b|^(tidak|belum)$", cleaned):
        return "none", []
    numbers = re.findall(r"\d+", cleaned)
    if numbers and re.fullmatch(r"[\d\s,;.&dan+]+", cleaned):
        picked = [DOCUMENTS[int(n) - 1] for n in numbers if 1 <= int(n) <= len(DOCUMENTS)]
        return ("set", sorted(set(picked), key=DOCUMENTS.index)) if picked else None
    picked = [key for key, _, words in _DOCUMENT_TABLE if re.search(words, cleaned)]
    return ("set", picked) if picked else None
