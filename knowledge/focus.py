"""Which lines of a long answer say what the question asked, so they are shown before "Selengkapnya".

A reply opens with the entry's direct answer, sized for a phone; the rest waits behind a button. When the
question names something only the rest says (a year, "mana aja" for a list, a word of its own), the lines
that say it are brought forward: "kipp 2021 ditutup tanggal berapa" shows the 2021 line of the schedule
entry, "12 provinsi hub jipp mana aja" shows the list of provinces.
"""

from __future__ import annotations

import re

from knowledge.query import asking_part, years_in
from knowledge.retrieval import LIST_ITEM, QUESTION_TERMS, gives_asked_value, led_by_another_year
from knowledge.text import STOP_WORDS, content_terms, fold, tokens

# "apa aja", "mana saja", "sebutkan", "what are": the officer wants the whole list, not its heading.
_ASKS_LIST = re.compile(
    r"\b(?:apa|mana|siapa|berapa|brp)\s*(?:aja|saja|sj|aj)\b|\bsebut\w*|\brincian\w*|\bdaftar\s+(?:nya|lengkap)\b"
    r"|\bwhat\s+are\b|\bwhich\b|\blist\b",
    re.IGNORECASE,
)
MAX_FOCUSED_LINES = 2


# "2014–2023", "2020-2022", "2020 sampai 2023": every year between is spoken of.
_YEAR_SPAN = re.compile(r"\b((?:19|20)\d\d)\s*(?:[–—-]|s\.?d\.?|sampai|hingga|to|until)\s*((?:19|20)\d\d)\b", re.I)
# "sejak TA 2018", "since 2014": every year from then on.
_SINCE_YEAR = re.compile(
    r"\b(?:sejak|mulai|since|from)\s+(?:(?:ta|tahun(?:\s+anggaran)?|fiscal\s+year)\s+)?((?:19|20)\d\d)\b", re.I
)


def years_spoken_of(text: str) -> set[int]:
    """Return the years a text speaks of: those it names, those inside a span it names, and after a "sejak"."""
    years = {int(year) for year in years_in(text)}
    for start, end in _YEAR_SPAN.findall(text):
        years |= set(range(int(start), int(end) + 1))
    for start in _SINCE_YEAR.findall(text):
        years |= set(range(int(start), max(years | {int(start)}) + 10))
    return years


def unrecorded_year(question: str, answer: str, *, english: bool = False) -> str | None:
    """Return a line saying the year asked is not recorded, when the answer speaks of other years only.

    "siapa ketua TPI tahun 2018?" finds the chairs of 2020, 2023 and 2025; "siapa pemenang kipp tahun 2012?"
    finds winners of later years. Shown without a word on it, either reads as the answer for the year asked.
    """
    asked = {int(year) for year in years_in(question)}
    spoken = years_spoken_of(answer)
    if len(asked) != 1 or not spoken or asked & spoken:
        return None
    year = asked.pop()
    if english:
        return f"Nothing for {year} is recorded in our sources; what they record:"
    return f"Untuk {year} tidak tercatat dalam sumber kami; yang tercatat:"


# A region named with its kind: "kab sleman", "kota bandung", "provinsi papua barat", "pemkot ambon".
_PLACE = re.compile(
    r"\b(kabupaten|kab|kota|provinsi|prov|pemkab|pemkot|pemprov)\.?\s+([a-z]{3,}"
    r"(?:\s+(?:barat|timur|utara|selatan|tengah|tenggara|daya|raya))?)\b",
    re.IGNORECASE,
)
_PLACE_KINDS = {"kab": "Kabupaten", "pemkab": "Kabupaten", "kota": "Kota", "pemkot": "Kota", "prov": "Provinsi"}
_PLACE_KINDS |= {"kabupaten": "Kabupaten", "provinsi": "Provinsi", "pemprov": "Provinsi"}
# Words after "kota"/"kab" that name no place ("kab/kota kami", "kota kecil", "provinsi lain").
_NOT_PLACES = frozenset(
    [
        "kami",
        "kita",
        "saya",
        "kecil",
        "besar",
        "lain",
        "lainnya",
        "ini",
        "itu",
        "tersebut",
        "tsb",
        "yang",
        "dan",
        "atau",
        "kota",
        "kabupaten",
        "mana",
        "apa",
        "setempat",
        "asal",
        "penerima",
        "percontohan",
        "pilot",
        "sendiri",
        "masing",
        "semua",
        "seluruh",
        "baru",
        "tetangga",
        "sebelah",
        "sana",
        "sini",
        "situ",
    ]
)


def _names_a_place(word: str) -> bool:
    """Whether the word after "kota"/"kab" can be a place: not "kami", "kecil", "sebelah", nor slang ("kpn")."""
    word = word.lower()
    return len(word) >= 4 and word not in _NOT_PLACES and tokens(word) == [word] and word not in STOP_WORDS


def unrecorded_place(question: str, answer: str, *, english: bool = False) -> str | None:
    """Return a line saying the region asked about is not recorded, when the answer never names it.

    "jumlah MPP di provinsi papua brp?" finds the national count; "inovasi kabupaten sleman yg menang kipp apa
    aja?" finds what winners receive. Shown without a word on it, either reads as an answer about that region.
    Only the asking part counts: "sy dari kab. sleman, syarat kipp apa?" asks nothing about Sleman.
    """
    asked = asking_part(question)
    found = next((m for m in _PLACE.finditer(asked) if _names_a_place(m.group(2).split()[0])), None)
    if found is None or found.group(2).split()[0].lower() in fold(answer):
        return None
    place = f"{_PLACE_KINDS[found.group(1).lower()]} {found.group(2).title()}"
    if english:
        return f"Nothing specific to {place} is recorded in our sources; what they record:"
    return f"Untuk {place} tidak tercatat secara khusus dalam sumber kami; yang tercatat:"


def not_about_other_years(question: str, lines: list[str]) -> list[str]:
    """Return `lines` without the lines of a year-by-year list about years other than `question` names."""
    years = {int(year) for year in years_in(question)}
    return [line for line in lines if not (years and led_by_another_year(line, years))]


def for_the_asked_year(question: str, shown: str, rest: str) -> tuple[str, list[str]]:
    """Return `shown` without its lines about other years than `question` names, and `rest`'s lines about them.

    "peserta kipp 2022 brp" shows the 2022 line of a year-by-year list instead of the 2020 and 2021 lines
    that happen to come first. A question that names no year changes nothing.
    """
    years = {int(year) for year in years_in(question)}
    if not years:
        return shown, []
    kept = not_about_other_years(question, shown.split("\n"))
    asked = [line.strip() for line in rest.splitlines() if led_by_another_year(line, years) is False]
    return "\n".join(kept).strip(), asked[:MAX_FOCUSED_LINES]


def asked_year_first(question: str, text: str) -> str:
    """Return `text` opening with its lines about the year asked, when its opening paragraph is about another.

    "kipp 2020 pendaftaran tutup kpn" of the schedule entry that opens "Jadwal KIPP berikutnya belum tercatat
    ...; KIPP 2025 sudah ditutup ...": "2020: ditutup 10 Mei 2020." answers, so it comes first.
    """
    years = {int(year) for year in years_in(question)}
    opening, _, body = text.partition("\n\n")
    if not years or not body or {int(year) for year in years_in(opening)} & years:
        return text
    lines = body.split("\n")
    asked = [line for line in lines if led_by_another_year(line.strip(), years) is False]
    if not asked:
        return text
    first = "\n".join(LIST_ITEM.sub("", line.strip()) for line in asked)
    others = "\n".join(line for line in lines if line not in asked).strip("\n")
    return "\n\n".join(part for part in (first, opening, others) if part.strip())


def focused_lines(question: str, shown: str, rest: str, budget: int) -> list[str]:
    """Return lines of `rest` that answer what `question` asks and `shown` does not say, within `budget` chars.

    Lines keep their order in the answer. Nothing is returned when the shown part already answers.
    """
    lines = [line.strip() for line in rest.splitlines() if line.strip()]
    if not lines or budget <= 0:
        return []
    # Numbers and years the question names that the shown part does not ("2021", "44/2020"), or all of them
    # when the shown part names the year but not the date asked ("Pada 2025 ..." for "tgl brp?" about 2025).
    numbers = {token for token in tokens(question) if token.isdigit()}
    if gives_asked_value(question, shown) or not any(gives_asked_value(question, line) for line in lines):
        numbers -= set(re.findall(r"\d+", shown))
    else:
        lines = [line for line in lines if gives_asked_value(question, line)]
    # Words of its own the question asks about, beyond its question words ("tanggal", "pameran").
    asked = {
        term
        for term in content_terms(question)
        if term not in QUESTION_TERMS and term not in STOP_WORDS and not term.isdigit()
    }
    specific = asked - set(content_terms(shown))
    wanted = [
        index
        for index, line in enumerate(lines)
        if numbers & set(re.findall(r"\d+", line)) or specific & set(content_terms(line))
    ]
    # "empat lawang pakai aturan apa?" of an answer whose opening names Pontianak and Empat Lawang: the line
    # about the one asked, which shares two of the question's words, says what the opening only names.
    if not wanted and not _ASKS_LIST.search(question):
        wanted = [index for index, line in enumerate(lines) if len(asked & set(content_terms(line))) >= 2]
    # A list is asked for and the shown part announces it: the list itself is the answer.
    if _ASKS_LIST.search(question) and not wanted:
        wanted = [index for index, line in enumerate(lines) if LIST_ITEM.match(line)]
    else:
        wanted = wanted[:MAX_FOCUSED_LINES]
    chosen: list[str] = []
    used = 0
    for index in wanted:
        if used + len(lines[index]) + 1 > budget:
            break
        chosen.append(lines[index])
        used += len(lines[index]) + 1
    return chosen
