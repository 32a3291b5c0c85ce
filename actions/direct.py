"""The direct first line of an answer to a yes/no question ("inovasi kami baru 8 bulan, udah bisa ikut?").

Most yes/no entries already open with "Ya," / "Tidak," / "Tergantung": then nothing is added. A few rules
can be checked against what the officer told us about their own case; the one asked most is the minimum
age of an innovation (facts K-17), so its verdict is computed here from the stated duration.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from actions.flows.answers import NAMED_TOP_TIER, read_kipp_history
from knowledge import Entry, Question, content_terms, named_subjects, years_in

_ALREADY_DIRECT = re.compile(
    r"^\s*(?:ya|tidak|belum|bukan|boleh|bisa|tergantung|benar|betul|sudah|wajib|yes|no|not|it depends|depends)\b",
    re.IGNORECASE,
)
_NUMBER_WORDS = {"se": 1, "satu": 1, "dua": 2, "tiga": 3, "empat": 4, "lima": 5, "enam": 6, "a": 1, "one": 1, "two": 2}
_DURATION = re.compile(
    r"\b(?P<n>\d+(?:[.,]5)?|satu|dua|tiga|empat|lima|enam|a|one|two)\s*(?P<unit>bulan|bln|months?|tahun|thn|th|taun|years?)\b"
    r"|\b(?P<word>setahun|sebulan|setengah tahun|half a year)\b",
    re.IGNORECASE,
)
MINIMUM_AGE_FACT = "K-17"


def stated_months(text: str) -> float | None:
    """Return how many months of implementation the officer states ("baru 8 bulan", "udah 2 thn"), if any."""
    match = _DURATION.search(text)
    if match is None:
        return None
    months = _months(match)
    # "1 thn 3 bln", "2 tahun dan 6 bulan": years and then months are one duration.
    more = _MORE_DURATION.match(text, match.end())
    if more is not None and months >= 12 and _months(more) < 12:
        months += _months(more)
    return months


# A duration right after another, joined by a comma or "dan": the months of "1 thn 3 bln".
_MORE_DURATION = re.compile(rf"\s*(?:,|dan|and|lebih|lbh)?\s*(?:{_DURATION.pattern})", re.IGNORECASE)


def _months(match: re.Match[str]) -> float:
    word = (match.group("word") or "").lower()
    if word:
        return {"setahun": 12.0, "sebulan": 1.0}.get(word, 6.0)
    raw = match.group("n").lower().replace(",", ".")
    number = float(_NUMBER_WORDS.get(raw, 0) or raw)
    return number if match.group("unit").lower().startswith(("bulan", "bln", "month")) else number * 12


# The minimum age in months by edition and group (facts K-17); None: every group. Other editions: not recorded.
MINIMUM_MONTHS: dict[str, dict[str | None, int]] = {
    "2017": {None: 12},
    "2018": {None: 12},
    "2020": {None: 12},
    "2021": {"umum": 24, "khusus": 24, "replikasi": 12},
    "2022": {None: 24, "pandemi": 12},
}
_GROUP = re.compile(r"\b(?:kelompok\s+|group\s+)?(umum|khusus|replikasi|general|special|replication)\b", re.I)
_GROUP_NAMES = {"general": "umum", "special": "khusus", "replication": "replikasi"}
_PANDEMIC = re.compile(r"\b(?:covid\w*|pandemi\w*|pandemic)\b", re.I)
_NOT_PANDEMIC = re.compile(
    r"\b(?:bukan|tidak|tdk|gak|ga|nggak|not)\s+(?:\w+\s+){0,2}(?:covid\w*|pandemi\w*|pandemic)", re.I
)


def _case_group(text: str) -> str | None:
    """Return the group of the officer's case: a KIPP group they name, or "pandemi" for a pandemic innovation."""
    if _PANDEMIC.search(text) and not _NOT_PANDEMIC.search(text):
        return "pandemi"
    match = _GROUP.search(text)
    return _GROUP_NAMES.get(match.group(1).lower(), match.group(1).lower()) if match else None


# What a "must we?" gets when the sources only say that one may: no duty is recorded, and what may be done follows.
_DUTY_UNRECORDED = {
    False: "Belum dapat kami pastikan bahwa itu wajib: sumber kami tidak mencatat kewajibannya. Yang tercatat:",
    True: "Not confirmed as a duty: our sources record no such obligation. What they record:",
}


def _unrecorded(months: float, year: str, *, english: bool) -> str:
    """The line for an edition whose minimum age the sources do not record."""
    short = months < min(needed for rules in MINIMUM_MONTHS.values() for needed in rules.values())
    if english:
        tail = ", but every recorded edition asked for at least 1 year" if short else " (1-2 years elsewhere)"
        return f"Not confirmed: the minimum age for KIPP {year} is not recorded in our sources{tail}."
    tail = ", tetapi semua edisi yang tercatat meminta minimal 1 tahun" if short else " (edisi lain: 1–2 tahun)"
    return f"Belum dapat kami pastikan: aturan usia minimal KIPP {year} tidak tercatat dalam sumber kami{tail}."


def _edition_verdict(months: float, year: str, text: str, *, english: bool) -> str:
    """Compare a stated age with the minimum of the edition (and group) the officer names."""
    rules = MINIMUM_MONTHS.get(year)
    if rules is None:
        return _unrecorded(months, year, english=english)
    group = _case_group(text)
    needed = rules[group] if group in rules else rules.get(None)
    if needed is None:  # 2021, no group named: it depends, unless the age meets or misses every group's minimum
        lowest, highest = min(rules.values()), max(rules.values())
        if lowest <= months < highest:
            if english:
                return f"It depends on the group: in {year} replication needed 1 year, general and special 2 years."
            return f"Tergantung kelompoknya: pada {year} replikasi cukup 1 tahun, umum dan khusus minimal 2 tahun."
        needed = highest if months >= highest else lowest
    years_needed = needed // 12
    rule = group if group in rules else None
    if english:
        whom = {"pandemi": " for pandemic innovations", None: ""}.get(rule, f" for the {rule} group")
        verdict = "Yes, on age" if months >= needed else "No"
        return f"{verdict}: KIPP {year} asked for at least {years_needed} year(s) of implementation{whom}."
    whom = {"pandemi": " untuk inovasi penanganan pandemi", None: ""}.get(rule, f" untuk kelompok {rule}")
    if months >= needed:
        return f"Ya, dari sisi usia penerapan: KIPP {year} meminta minimal {years_needed} tahun{whom}."
    return f"Tidak: KIPP {year} meminta inovasi sudah diterapkan minimal {years_needed} tahun{whom}."


def _age_verdict(months: float, text: str, *, english: bool) -> str:
    """Compare a stated age with the minimums the facts record (1 year; 2 years for umum/khusus in 2021-2022)."""
    asked = years_in(text)
    if asked:
        return _edition_verdict(months, asked[-1], text, english=english)
    if english:
        if months < 12:
            return "Not yet: every KIPP edition with a recorded rule asked for at least 1 year of implementation."
        if months < 24:
            return (
                "It depends on the group and edition: 1 year was enough in 2017, 2018, 2020 and for the replication "
                "group in 2021, but umum and khusus needed 2 years in 2021-2022."
            )
        return "Yes, on age: every recorded minimum (1 or 2 years) is met."
    if months < 12:
        return "Belum: semua edisi KIPP yang aturannya tercatat meminta inovasi sudah diterapkan minimal 1 tahun."
    if months < 24:
        return (
            "Tergantung kelompok dan edisinya: 1 tahun cukup pada 2017, 2018, 2020 dan kelompok replikasi 2021, "
            "tetapi kelompok umum dan khusus 2021–2022 meminta minimal 2 tahun."
        )
    return "Ya, dari sisi usia penerapan: minimal yang pernah berlaku (1 atau 2 tahun) sudah terpenuhi."


_STILL_OPEN = re.compile(
    r"\b(?:masih|msh|belum)\s+(?:buka|dibuka|bisa\s+(?:daftar|ikut|mendaftar)|tutup|ditutup)\b|\bstill\s+open\b", re.I
)
_CLOSED = re.compile(
    r"\bsudah\s+(?:ditutup|selesai|berakhir)\b|\b(?:has|have|is|are)\s+(?:closed|finished|over)\b", re.I
)
_ABSENT_IN = re.compile(
    r"\b(?:tidak\s+ada|tidak\s+diselenggarakan|ditiadakan)\s+(?:pada|di|tahun)\s+((?:19|20)\d\d)(?:\s*[–-]\s*((?:19|20)\d\d))?",
    re.I,
)


def _closed_or_absent(question: Question, body: str) -> str | None:
    """Return "no" lines that follow from the answer: a closed registration, a year the thing did not exist."""
    if _STILL_OPEN.search(question.text) and _CLOSED.search(body):
        return "No, it has closed." if question.english else "Tidak, sudah ditutup."
    asked = years_in(question.text)
    for start, end in _ABSENT_IN.findall(body):
        if any(int(start) <= int(year) <= int(end or start) for year in asked):
            return f"No, not in {asked[0]}." if question.english else f"Tidak ada pada {asked[0]}."
    return None


_SOURCES_DIFFER = re.compile(
    r"\bsumber\s+berbeda\b|\bberbeda\s+antarsumber\b|\bsources\s+differ\b|\bthe\s+sources\s+differ\b", re.I
)
_FIGURE = re.compile(r"(?<![/\d.,])\d+(?:[.,]\d{3})*(?![/\d])")


def _disputed(question: Question, body: str) -> str | None:
    """Return a "depends on the source" line when the question checks a figure the sources disagree on.

    "dulu thn 2017 mpp baru ada 3 doang ya?" against "MPP dimulai pada 2017, tetapi sumber berbeda soal
    jumlah awalnya: ... 3 MPP, ... 4 MPP": neither yes nor no is true to the sources.
    """
    opening = body.strip().split("\n\n", 1)[0]
    if not _SOURCES_DIFFER.search(opening):
        return None
    years = set(years_in(question.text))
    asked = {figure for figure in _FIGURE.findall(question.text) if figure not in years}
    if not asked & set(_FIGURE.findall(opening)):
        return None
    if question.english:
        return "It depends on the source: our sources give different figures."
    return "Tergantung sumbernya: sumber kami menyebut angka yang berbeda."


# The rules on an innovation's KIPP track record: K-18 (2020 guide), K-12 (2021), K-15 (2023).
TRACK_RECORD_FACTS = frozenset({"K-12", "K-15", "K-18"})
_RECORD_RULE_YEARS = ("2020", "2021", "2023")
# Where the officer stops telling and starts asking: "top 99 2018 dan 2019, | boleh ikut umum?".
_ASKING = re.compile(
    r"\b(?:bisa|bs|boleh|blh|masih|msh|apakah|apa\s+kami|can|could|may|are\s+we|is\s+it|still)\b", re.IGNORECASE
)
_RECORDS = frozenset({"entered", "top99_once", "top99_twice", "top_tier"})  # as read; top_tier may be refined


def stated_record(text: str) -> tuple[str, str] | None:
    """Return the KIPP track record an officer states before asking, and the rest of the question.

    "pernah masuk top 99 tahun 2018 dan 2019, boleh ikut umum?" -> ("top99_twice", "boleh ikut umum?"). The
    record is read as the readiness flow reads a typed answer; only the words before the asking part count,
    so the year asked about ("..., boleh daftar kipp 2025?") is not counted as a second Top 99.
    """
    asking = _ASKING.search(text)
    if asking is None or asking.start() == 0:
        return None
    asked = text[asking.start() :]
    if {term for term in content_terms(asked) if not term.isdigit()} - _ASKING_TERMS - _JOIN_TERMS:
        return None
    told = text[: asking.start()]
    # "..., kelompok khusus 2023 boleh gak?": the group and year asked about may come before the asking word.
    group_asked = _GROUP_ASKED.search(told)
    if group_asked is not None and not (_case_group(asked) and _case_group(group_asked.group(1))):
        told, asked = told[: group_asked.start()], f"{group_asked.group(1)} {asked}"
    if _NOT_TOP_99.search(told):  # "udah 2x ikut tp blm pernah masuk top 99": entered, never listed
        return "entered", asked
    # "top 99 sekali, tp gak menang top 45", "blm pernah top terpuji": a tier not won is no part of the record.
    told = _NOT_TOP_TIER.sub(" ", told)
    reading = read_kipp_history(told)
    if reading is None or reading[0] not in _RECORDS:
        return None
    # "pernah menang kipp" may mean Top 99 or the top tier: the rule then depends on which (the entry says so).
    if reading[0] == "top_tier" and not _NAMED_TIER.search(told):
        return None
    # Kelompok khusus 2023 took Top Terpuji of 2014-2021 only, and none of the Outstanding Achievement winners of
    # 2020-2022 (K-15): which top tier, and when, decides that group.
    if reading[0] == "top_tier" and re.search(r"outstanding", told, re.IGNORECASE):
        return "top_tier_oa", asked
    if reading[0] == "top_tier" and reading[1] and min(reading[1]) >= 2022:
        return "top_tier_late", asked
    # Twice is said ("2x", "dua kali") or counted from the years named after "top 99"; "sudah jalan dua tahun"
    # or the year an innovation started is not a second Top 99.
    if reading[0] == "top99_once" and _TWICE_SAID.search(told):  # "twice", which the flow's reader leaves out
        return "top99_twice", asked
    if reading[0] == "top99_twice" and _ONCE_SAID.search(told) and not _TWICE_SAID.search(told):
        return "top99_once", asked  # "top 99 2021 sekali doang": once, whatever other year is named
    if reading[0] == "top99_twice" and not _TWICE_SAID.search(told):
        top_99 = _TOP_99.search(told)
        if top_99 is None or len(set(years_in(told[top_99.end() :]))) < 2:
            return None
    return reading[0], asked


# "2x masuk top 99", "dua kali berturut"; not "2 kali ikut", which counts entries, not listings.
_TWICE_SAID = re.compile(
    r"\b(?:dua|2)\s?(?:kali|x)\b(?!\s+(?:ikut|ikutan|daftar|mendaftar|coba|mencoba|kirim|gagal|kalah))"
    r"|\btwice\b|\bberturut",
    re.IGNORECASE,
)
# "belum pernah masuk", "gak menang", "never made it to": a listing or a tier the record says was not reached.
_NOT_REACHED = (
    r"\b(?:belum|blm|tidak|tdk|ga|gak|nggak|ngga|tak|bukan|never|not|didn't)\s+(?:pernah\s+|prnh\s+|sampai\s+)?"
    r"(?:(?:masuk|lolos|jadi|sampai|sampe|tembus|menang|meraih|raih|dapat|dapet|dpt|juara|made|reached|won|win|make|in)"
    r"\s+(?:ke\s+|it\s+|to\s+|into\s+|the\s+)*)?"
)
_NOT_TOP_99 = re.compile(rf"{_NOT_REACHED}(?:top\s?99|99\s+besar)\b", re.IGNORECASE)
_TOP_99 = re.compile(r"\btop\s?99\b|\b99\s+besar\b", re.IGNORECASE)
_NOT_TOP_TIER = re.compile(rf"{_NOT_REACHED}(?:top\s+)?(?:{NAMED_TOP_TIER})", re.IGNORECASE)
# A group (and year) named at the end of the record, just before the asking word: ", kelompok khusus 2023 boleh?"
# ... or a year alone: "..., blm pernah top terpuji. 2023 bs ikut umum?"
_GROUP_ASKED = re.compile(
    r"(?:[,.;]\s*|\b(?:untuk|utk|buat|ke|di)\s+)("
    r"(?:kelompok|group)\s+(?:umum|khusus|replikasi|general|special)(?:\s+(?:tahun|thn|th)?\s*(?:19|20)\d\d)?"
    r"|(?:(?:tahun|thn|th|kipp)\s*)?(?:19|20)\d\d)\s*[,.]?\s*$",
    re.IGNORECASE,
)
_ONCE_SAID = re.compile(r"\bsekali\b|\bsatu\s+kali\b|\b1\s?(?:kali|x)\b|\bonce\b", re.IGNORECASE)


_NAMED_TIER = re.compile(NAMED_TOP_TIER, re.IGNORECASE)


# All an asking part may say for the record to decide it: whether (and in which group) one may enter again.
# "..., boleh pakai judul yg sama?" asks something else, which the record does not answer.
_JOIN_TERMS = frozenset(
    content_terms(
        "kami kita saya aku kah ikut ikutan daftar masuk lomba aju kembali ulang lagi kipp kelompok umum khusus "
        "replikasi lewat jalur tahun can could we still it join enter apply participate compete again group general "
        "special replication"
    )
)


def _record_verdict(record: str, asked: str, *, english: bool) -> str | None:
    """Judge a stated track record against the group rules of 2020, 2021 and 2023 (K-12, K-14, K-15, K-18)."""
    group = _case_group(asked)
    later = [year for year in years_in(asked) if year not in _RECORD_RULE_YEARS]
    if group == "khusus" and record in {"top_tier_oa", "top_tier_late"} and "2023" in years_in(asked):
        if english:
            return (
                "No: the 2023 special group took Top Terpuji winners of KIPP 2014-2021 only, and not the "
                "Outstanding Achievement winners of 2020-2022."
            )
        return (
            "Tidak: kelompok khusus 2023 hanya untuk Top Terpuji KIPP 2014–2021, dan bukan peraih Outstanding "
            "Achievement 2020–2022 (ketentuan 2023)."
        )
    record = _BASE_RECORD.get(record, record)
    if group == "khusus":
        if record != "top_tier":
            return (
                "No: the special group (2020-2023) was only for former Top Terpuji winners."
                if english
                else "Tidak: kelompok khusus (2020–2023) hanya untuk inovasi yang pernah meraih Top Terpuji."
            )
        if any(int(year) >= 2025 for year in later):
            return (
                "No: KIPP 2025 had no special group." if english else "Tidak: KIPP 2025 tidak memakai kelompok khusus."
            )
        if english:
            return "Yes, through the special group (2020-2023), which is for former Top Terpuji winners."
        return "Ya, lewat kelompok khusus (2020–2023), yang memang untuk mantan Top Terpuji."
    if group not in (None, "umum"):
        return None
    if record == "top_tier" and group is None:  # barred from umum, welcome in khusus (2020-2023)
        verdict = _TOP_TIER_ANY_GROUP[english]
    else:
        verdict = _UMUM_VERDICTS[english][record]
    if later:  # the same rule in 2020, 2021 and 2023 is the best guide, but another edition's is not recorded
        year = later[-1]
        if english:
            return f"{verdict} The rules on past results for KIPP {year} are not recorded in our sources."
        return f"{verdict} Ketentuan riwayat untuk KIPP {year} tidak tercatat dalam sumber kami."
    return verdict


_BASE_RECORD = {"top_tier_oa": "top_tier", "top_tier_late": "top_tier"}
_TOP_TIER_ANY_GROUP = {
    False: "Tergantung kelompoknya: pemenang tingkat teratas (Top Terpuji) tidak boleh lagi di kelompok umum, tetapi "
    "pada 2020–2023 bisa lewat kelompok khusus (KIPP 2025 tidak memakai kelompok khusus).",
    True: "It depends on the group: top-tier winners (Top Terpuji) may not enter the general group again, but in "
    "2020-2023 they could enter the special group (KIPP 2025 had none).",
}
_UMUM_VERDICTS = {
    False: {
        "entered": "Ya: pernah ikut tanpa menang tidak menghalangi kelompok umum (ketentuan 2020, 2021, 2023).",
        "top99_once": "Ya: sekali masuk Top 99 masih boleh ikut kelompok umum; batasnya dua kali (ketentuan 2020, "
        "2021, 2023).",
        "top99_twice": "Tidak untuk kelompok umum: inovasi yang sudah dua kali masuk Top 99, berturut-turut atau "
        "tidak, tidak boleh lagi ikut kelompok umum (ketentuan 2020, 2021, 2023).",
        "top_tier": "Tidak untuk kelompok umum: pemenang tingkat teratas (Top Terpuji) tidak boleh lagi ikut "
        "kelompok umum; pada 2020–2023 jalurnya kelompok khusus.",
    },
    True: {
        "entered": "Yes: having entered without winning does not bar the general group (2020, 2021, 2023 rules).",
        "top99_once": "Yes: one Top 99 listing still allows the general group; the limit is two (2020, 2021, 2023 "
        "rules).",
        "top99_twice": "No, not in the general group: an innovation listed twice in the Top 99, in a row or not, "
        "may not enter it again (2020, 2021, 2023 rules).",
        "top_tier": "No, not in the general group: top-tier winners (Top Terpuji) may not enter it again; in "
        "2020-2023 the special group was their route.",
    },
}


def facts_asked(question: Question) -> frozenset[str]:
    """Return the facts a yes/no question about one's own case is about (a stated age: the minimum-age rule)."""
    if question.yes_no and stated_months(question.text) is not None:
        return frozenset({MINIMUM_AGE_FACT})
    if question.yes_no and stated_record(question.text) is not None:
        return TRACK_RECORD_FACTS
    return frozenset()


def written_for_the_case(question: Question, entries: Sequence[Entry]) -> Entry | None:
    """Return the candidate written for the officer's stated track record, when the best one was not.

    "top 99 tahun 2018 dan 2019, boleh ikut umum?" may find "Ya, ... asalkan belum dua kali masuk Top 99" first;
    the entry that opens "Tidak, inovasi yang sudah dua kali masuk Top 99 ..." answers this officer.
    """
    record = stated_record(question.text) if question.yes_no and entries else None
    if record is None or not TRACK_RECORD_FACTS & set(entries[0].facts):
        return None
    verdict = _record_verdict(*record, english=question.english)
    if verdict is None or _polarity(verdict) == _polarity(_body(entries[0], question)):
        return None
    return next(
        (
            entry
            for entry in entries[1:]
            if TRACK_RECORD_FACTS & set(entry.facts)
            and _polarity(_body(entry, question)) == _polarity(verdict)
            and _RECORD_WORDS[_BASE_RECORD.get(record[0], record[0])].search(_body(entry, question).split(".", 1)[0])
        ),
        None,
    )


# What the opening sentence of an entry written for each track record speaks of.
_RECORD_WORDS = {
    "entered": re.compile(r"tidak menang|tanpa menang|without winning|did not win|won nothing", re.IGNORECASE),
    "top99_once": re.compile(r"\bsekali\b|satu kali|\bonce\b|only once", re.IGNORECASE),
    "top99_twice": re.compile(r"dua kali|\btwice\b", re.IGNORECASE),
    "top_tier": re.compile(r"terpuji|teratas|top tier|top-tier", re.IGNORECASE),
}


def _body(entry: Entry, question: Question) -> str:
    return entry.answer_en if question.english and entry.answer_en else entry.answer


# Indonesia's provinces as officers name them: the short form entries use first, then other ways of saying it.
_PROVINCES: tuple[tuple[str, str], ...] = (
    ("Jatim", r"jatim|jawa\s+timur|east\s+java"),
    ("Jateng", r"jateng|jawa\s+tengah|central\s+java"),
    ("Jabar", r"jabar|jawa\s+barat|west\s+java"),
    ("DIY", r"diy|yogyakarta|jogja\w*|yogya"),
    ("Banten", r"banten"),
    ("DKI", r"dki|jakarta"),
    ("Sumatera Utara", r"sumut|suma?tera\s+utara|north\s+sumatra"),
    ("Sumbar", r"sumbar|suma?tera\s+barat|west\s+sumatra"),
    ("Sumsel", r"sumsel|suma?tera\s+selatan|south\s+sumatra"),
    ("Riau", r"(?<!kepulauan\s)riau(?!\s+islands)"),
    ("Kepri", r"kepri|kepulauan\s+riau|riau\s+islands"),
    ("Jambi", r"jambi"),
    ("Bengkulu", r"bengkulu"),
    ("Lampung", r"lampung"),
    ("Babel", r"babel|bangka\s+belitung"),
    ("Aceh", r"aceh"),
    ("Kalbar", r"kalbar|kalimantan\s+barat|west\s+kalimantan"),
    ("Kalsel", r"kalsel|kalimantan\s+selatan|south\s+kalimantan"),
    ("Kaltim", r"kaltim|kalimantan\s+timur|east\s+kalimantan"),
    ("Kalteng", r"kalteng|kalimantan\s+tengah|central\s+kalimantan"),
    ("Kaltara", r"kaltara|kalimantan\s+utara|north\s+kalimantan"),
    ("Sulsel", r"sulsel|sulawesi\s+selatan|south\s+sulawesi"),
    ("Sulawesi Barat", r"sulbar|sulawesi\s+barat|west\s+sulawesi"),
    ("Sulteng", r"sulteng|sulawesi\s+tengah|central\s+sulawesi"),
    ("Sultra", r"sultra|sulawesi\s+tenggara|southeast\s+sulawesi"),
    ("Sulut", r"sulut|sulawesi\s+utara|north\s+sulawesi"),
    ("Gorontalo", r"gorontalo"),
    ("Bali", r"bali"),
    ("NTB", r"ntb|nusa\s+tenggara\s+barat|west\s+nusa\s+tenggara"),
    ("NTT", r"ntt|nusa\s+tenggara\s+timur|east\s+nusa\s+tenggara"),
    ("Malut", r"malut|maluku\s+utara|north\s+maluku"),
    ("Maluku", r"maluku(?!\s+utara)(?!\s+north)"),
    ("Papua", r"papua\w*"),
)
_BY_PROVINCE = re.compile(r"^\s*(?:tergantung\s+provinsi\w*|it\s+depends\s+on\s+the\s+province)\b", re.I)
_PLANNED = re.compile(r"\b(?:dijadwalkan|direncanakan|rencana|scheduled|planned)\b", re.I)


def _about_another_province(question: Question, entry: Entry) -> bool:
    """Whether an entry's opening sentence names provinces, none of them the one the question names."""
    named = _province_named(question.text)
    opening = re.split(r"[.;:]\s", entry.answer.strip(), maxsplit=1)[0]
    if named is None or re.search(rf"\b(?:{named[1]})\b", opening, re.IGNORECASE):
        return False
    return _province_named(opening) is not None


def written_for_the_province(question: Question, entries: Sequence[Entry]) -> Entry | None:
    """Return the candidate that lists provinces, when the question names one the best candidate does not speak of.

    "papua hub jipp bukan?" finds "Ya, pemda kabupaten/kota ikut JIPP ..."; the entry that opens "Tergantung
    provinsinya: ..." is looked up for Papua instead.
    """
    named = _province_named(question.text) if question.yes_no else None
    if named is None or not entries or _BY_PROVINCE.match(_body(entries[0], question)):
        return None
    opening = re.split(r"[.;:]\s", entries[0].answer.strip(), maxsplit=1)[0]
    if re.search(rf"\b(?:{named[1]})\b", opening, re.IGNORECASE):
        return None
    return next((entry for entry in entries[1:] if _BY_PROVINCE.match(_body(entry, question))), None)


def names_province(text: str) -> bool:
    """Whether a text names an Indonesian province."""
    return _province_named(text) is not None


def _province_named(text: str) -> tuple[str, str] | None:
    """Return the province a text names: its short name and the pattern of all the ways it is written."""
    return next(((short, said) for short, said in _PROVINCES if re.search(rf"\b(?:{said})\b", text, re.I)), None)


def _province_verdict(question: Question, body: str) -> str | None:
    """Answer "is our province X?" from an answer that lists the provinces ("Tergantung provinsinya: ...").

    "provinsi sy NTB, udh jd hub jipp blm?" is answered for NTB: the piece of the list that names it (with its
    year), or, when the list does not name it, that the sources do not record it.
    """
    if not _BY_PROVINCE.match(body):
        return None
    named = _province_named(question.text)
    if named is None:
        return None
    province, said = named
    # "jabar" in the question, "Jawa Barat" in the list: any way of writing it counts.
    listed = re.search(rf"\b(?:{said})\b", body, re.IGNORECASE)
    if listed is None:
        if question.english:
            return f"Not confirmed: {province} is not on the list in our sources, which is incomplete for 2024."
        return f"Belum dapat kami pastikan: {province} tidak ada dalam daftar yang tercatat di sumber kami."
    start = max(body.rfind(mark, 0, listed.start()) for mark in (";", "\n", "•")) + 1
    ends = [i for mark in (";", "\n", ",", ".") if (i := body.find(mark, listed.end())) != -1]
    piece = body[start : min(ends, default=len(body))].strip(" ,.")
    # The year of that piece, also the year of a decree that added it ("KepmenPANRB 305/2024, antara lain ...").
    before = re.findall(r"(?<!\d)(?:19|20)\d\d(?!\d)", body[start : listed.start()])
    after = re.findall(r"(?<!\d)(?:19|20)\d\d(?!\d)", body[listed.end() : min(ends, default=len(body))])
    years = before[-1:] or after[:1]
    when = f" ({years[-1] if years else ''})" if years else ""
    # "kaltim hub jipp sejak 2021?": on the list, but only from a later year than the one asked.
    asked = [int(year) for year in years_in(question.text)]
    if years and asked and int(years[-1]) > max(asked):
        if question.english:
            return f"No, not in {max(asked)}: {province} joined the list in {years[-1]}."
        return f"Tidak pada {max(asked)}: {province} baru masuk daftar pada {years[-1]}."
    if _PLANNED.search(piece):
        return f"It depends: {piece}." if question.english else f"Tergantung: {piece}."
    if question.english:
        return f"Yes, {province} is on the list{when}."
    return f"Ya, {province} ada dalam daftar{when}."


_BY_YEAR = re.compile(r"^\s*(?:tergantung\s+tahun\w*|it\s+depends\s+on\s+the\s+year)\b", re.IGNORECASE)
# Where one claim of an answer ends and the next begins ("... KIPP 2023 dan 2025, sedangkan TPI 2020 ...").
# Not at the stop of an initial: "J.B. Kristiadi", "R. Siti Zuhro".
_CLAIM_END = re.compile(
    r"(?<=[a-z0-9)\]]{2})[.;:]\s+|\n+|,\s+|\s+(?:sedangkan|tetapi|namun|while|whereas|but)\s+", re.IGNORECASE
)


def _year_verdict(question: Question, body: str) -> str | None:
    """Answer "yes" for the year asked when one claim of a year-by-year answer says all the question asks.

    "apakah tpi 2023 diketuai siti zuhro?" of "Tergantung tahunnya: R. Siti Zuhro (BRIN) mengetuai Tim Panel
    Independen (TPI) KIPP 2023 dan 2025, sedangkan TPI 2020 diketuai J.B. Kristiadi": yes, for 2023. A "no"
    cannot be told this way (the answer may simply not say), so then the answer's own "depends" stays.
    """
    years = years_in(question.text)
    if not _BY_YEAR.match(body) or len(years) != 1:
        return None
    asked = {term for term in content_terms(question.text) if not term.isdigit()} - _ASKING_TERMS - _LIGHT_VERBS
    if not asked:
        return None
    claims = _CLAIM_END.split(body)
    if any(years[0] in years_in(claim) and asked <= set(content_terms(claim)) for claim in claims):
        return f"Yes, for {years[0]}." if question.english else f"Ya, untuk {years[0]}."
    return None


def direct_line(question: Question, entry: Entry) -> str | None:
    """Return a direct yes/no/depends line for a yes/no question, or None when the answer opens with one."""
    if MINIMUM_AGE_FACT in entry.facts:
        months = stated_months(question.text)
        if months is not None:
            return _age_verdict(months, question.text, english=question.english)
    record = stated_record(question.text) if TRACK_RECORD_FACTS & set(entry.facts) else None
    body = _body(entry, question)
    if record is not None:
        verdict = _record_verdict(*record, english=question.english)
        # An entry written for this very case ("Tidak, inovasi yang sudah dua kali masuk Top 99 ...") says it best;
        # none is written for the 2023 special group's own limits, so its reason is given whatever the entry says.
        specific = record[0] in _BASE_RECORD and verdict is not None and "2023" in verdict
        if verdict is not None and (specific or _polarity(verdict) != _polarity(body)):
            return verdict
    by_place_or_year = _province_verdict(question, body) or _year_verdict(question, body)
    if by_place_or_year is not None:
        return by_place_or_year
    if _modal_mismatch(question, entry) == "duty":
        return _DUTY_UNRECORDED[question.english]
    derived = _closed_or_absent(question, body)
    if derived is not None and not re.match(r"\s*(?:tidak|no)\b", body, re.I):
        return derived
    if not opens_directly(body):
        return _disputed(question, body)
    # Otherwise the entry's own first line answers (yes/no entries open with "Ya," / "Tidak," / "Tergantung");
    # a guessed "yes" in front of a rule that says otherwise would be worse than none.
    return None


# A flat verdict at the start of an answer: "Ya, ...", "Tidak, ...", "Ya. ...", "Yes, ...", "No, ...", and the
# one that reads right for both polarities of a question about a revoked rule ("Tidak berlaku lagi: ...").
_FLAT_VERDICT = re.compile(
    r"^\s*(?:(?:ya|tidak|yes|no)\s*[,.:]|tidak\s+berlaku\s+lagi\s*:|no\s+longer\s+in\s+force\s*:)\s*", re.IGNORECASE
)
# A short head that answers both "harus satu lokasi?" and "boleh beberapa lokasi?" before the rule that says so:
# "Tidak harus satu lokasi: ...", "Tidak lewat email atau cetak; hanya lewat SINOVIK: ...", "Not required: ...".
_VERDICT_HEAD = re.compile(r"^\s*(?:tidak|bukan|boleh|bisa|wajib|not|no)\b[^:.\n]{0,60}:\s+(?=\S)", re.IGNORECASE)
# A first sentence that is only a verdict: "Boleh, bahkan didorong. Bila masalah Anda ..." ("maksudnya apa?").
_VERDICT_SENTENCE = re.compile(r"^\s*(?:boleh|bisa|yes|no)(?:\s*,[^.:\n]{0,25})?\.\s+(?=\S)", re.IGNORECASE)
# A regulation a question names ("permen 91", "perpres 89", "30/2014") and the first one an answer's verdict is about.
_REGULATION_NAMED = re.compile(
    r"\b(?:permen\w*|perpres|kepmen\w*|pedoman|peraturan)\s*(?:panrb\s*|menpan\w*\s*|rb\s*)?(?:no\.?\s*|nomor\s*)?(\d{1,3})\b"
    r"|\b(\d{1,3})\s*/\s*(?:19|20)\d\d\b",
    re.IGNORECASE,
)
_REGULATION_NUMBER = re.compile(r"\b(\d{1,3})\s*/\s*(?:19|20)\d\d\b|\b[Nn]omor\s+(\d{1,3})\s+[Tt]ahun\b")


# The verb after a modal: what the question asks whether one may or must do ("bisa ngajuin?", "boleh ikut?").
_MODAL_VERB = re.compile(
    r"\b(?:bisa|bs|boleh|blh|harus|hrs|wajib|perlu|dapat|can|may|must|should)\s+([a-z]{4,})\b", re.I
)

# Verbs that say little on their own ("harus dibikinin perbup", "bs diikutin"): the words after them decide.
_LIGHT_VERBS = frozenset({"bikin", "buat", "ikut", "pakai", "punya", "ada", "jadi", "masuk", "dapat", "kasih"})
_FLAT_NO = re.compile(r"^\s*(?:tidak|no)\s*[,.:]", re.IGNORECASE)
_FLAT_YES = re.compile(r"^\s*(?:ya|yes)\s*[,.:]", re.IGNORECASE)
# A question whether something is required ("wajib masuk renstra?", "is a perda required?").
_OBLIGATION = re.compile(r"\b(?:wajib|harus|hrs|perlu|mesti|must|required?|requires|mandatory|obligatory)\b", re.I)
# An entry written to say whether one may ("Bisakah pemda kabupaten/kota ikut JIPP?", "Bolehkah ...?").
_PERMISSION = re.compile(r"\b(?:bisa|boleh|dapat)(?:kah)?\b|\b(?:can|may)\b", re.I)


def _modal_mismatch(question: Question, entry: Entry) -> str | None:
    """Return "duty" or "leave" when the question asks the other modal than the entry's verdict answers.

    "pemda kab wajib ikut jipp?" finds "Bisakah pemda kabupaten/kota ikut JIPP?": "Ya" (they may) is no "yes,
    they must". "boleh bikin SOP sendiri?" finding a "must we?" entry's "Tidak" (not required) is no "not allowed".
    """
    asks_duty = bool(_OBLIGATION.search(question.text))
    asks_leave = bool(_PERMISSION.search(question.text)) and not asks_duty
    says_duty = bool(_OBLIGATION.search(entry.title))
    says_leave = bool(_PERMISSION.search(entry.title)) and not says_duty
    if asks_duty and says_leave and _FLAT_YES.match(entry.answer):
        return "duty"
    if asks_leave and says_duty and _FLAT_NO.match(entry.answer):
        return "leave"
    return None


def verdict_fits(question: Question, entry: Entry) -> bool:
    """Return whether an entry's opening yes or no is about what the question asks, as far as can be told.

    A verdict is written for one question. "permen 91 masih berlaku?" finds "Tidak berlaku lagi: PermenPANRB
    30/2014 ... dicabut oleh PermenPANRB 91/2021", whose "no" is about another regulation; "proposal kipp boleh
    pakai bahasa inggris?" finds "Ya, Kementerian PANRB membantu proposal UNPSA berbahasa Inggris", whose "yes"
    is about another programme. Shown with its verdict, either answer says the opposite of the facts.
    """
    asked = {number for pair in _REGULATION_NAMED.findall(question.text) for number in pair if number}
    opening = entry.answer.strip().split("\n", 1)[0]
    first = _REGULATION_NUMBER.search(opening)
    if asked and first is not None and (first.group(1) or first.group(2)) not in asked:
        return False
    about, entry_about = named_subjects(question.text), named_subjects(entry.title)
    if about and entry_about and not about & entry_about:
        return False
    # "kabupaten kami blm punya, bisa ngajuin?" asks whether it may propose (aju); a "Tidak" from an entry that
    # never speaks of proposing was written for another yes/no ("target MPP 2024 tercapai?"). Wrongly shown, a
    # "no" turns an officer away, so a "no" must be about the asked verb.
    said = set(content_terms(" ".join((entry.title, *entry.questions, entry.answer))))
    # "apakah inovasi wajib masuk renstra opd?" finds "Ya. ... setiap instansi wajib menciptakan minimal satu
    # inovasi" (One Agency One Innovation), which never speaks of a renstra: its yes is about another duty.
    if _OBLIGATION.search(question.text) and _FLAT_YES.match(entry.answer) and _unsaid(question, said):
        return False
    if _modal_mismatch(question, entry) is not None:
        return False
    # "jatim hub jipp sejak 2020?" finds "Tidak, DIY tidak termasuk percontohan ...": a verdict about another province.
    if _about_another_province(question, entry):
        return False
    if not _FLAT_NO.match(entry.answer):
        return True
    done = {term for word in _MODAL_VERB.findall(question.text) for term in content_terms(word)} - _LIGHT_VERBS
    return done <= said


# Words of a yes/no question that say how it is asked, not what about.
_ASKING_TERMS = frozenset(
    content_terms(
        "apakah apa tidak ya bisa boleh harus wajib perlu dapat ada masih sudah belum bener benar betul kah"
        " can may must does is are true right"
    )
)


def _unsaid(question: Question, said: set[str]) -> set[str]:
    """Return the words a question asks about that an entry never uses (years and asking words aside)."""
    asked = {term for term in content_terms(question.text) if not term.isdigit()} - _ASKING_TERMS - _LIGHT_VERBS
    return asked - said


_POLARITIES = (
    ("depends", re.compile(r"^\s*(?:tergantung|belum\s+dapat|it\s+depends|not\s+confirmed)\b", re.IGNORECASE)),
    ("no", re.compile(r"^\s*(?:tidak|belum|bukan|no|not)\b", re.IGNORECASE)),
    ("yes", re.compile(r"^\s*(?:ya|boleh|bisa|yes)\b", re.IGNORECASE)),
)


def _polarity(text: str) -> str | None:
    """Return whether a text opens with a yes, a no or a "depends", or None when it opens with none."""
    return next((name for name, pattern in _POLARITIES if pattern.match(text)), None)


def without_verdict(body: str) -> str:
    """Return an answer without its opening "Ya," / "Tidak,", for a question that did not ask yes or no.

    "bedanya replikasi sama adopsi?" answered "Ya, pada dasarnya: replikasi adalah ..." reads as a yes to a
    question nobody asked; "Pada dasarnya: replikasi adalah ..." answers it. "Tergantung ..." and "Belum dapat
    kami pastikan ..." stay: they say something about the answer itself. So does a short verdict head written to
    read right for either polarity ("Tidak harus satu lokasi: menurut Perpres 89/2021 ..."): what follows says it.
    """
    match = _FLAT_VERDICT.match(body) or _VERDICT_HEAD.match(body) or _VERDICT_SENTENCE.match(body)
    if match is None or match.end() >= len(body):
        return body
    rest = body[match.end() :]
    rest = rest[0].upper() + rest[1:]
    # "Ya, boleh, bahkan didorong. Bila ...": what is left may open with a verdict sentence of its own.
    more = _VERDICT_SENTENCE.match(rest)
    return rest[more.end() :] if more else rest


def opens_directly(text: str) -> bool:
    """Return whether an answer already opens with a yes, a no or a "depends"."""
    return bool(_ALREADY_DIRECT.match(text))
