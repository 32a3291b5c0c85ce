"""Parse the officer's "when did it start" and "how long" answers into dates, with no extra dependencies.

Accepted start forms: "Maret 2023", "mar 23", "03/2023", "2023-03", "15/03/2023", "15 Maret 2023", "2023",
"awal 2023", "sejak awal 2023", "dari thn 2022", "2 tahun lalu", "8 bulan yang lalu", "tahun lalu",
"setahun lalu", and how long it has run: "udh 8 bln", "udh jalan 3 tahun", "kurang lebih setahun".
Relative forms count back from `today`. A start keeps its precision as a range of possible days, so a month
or a plain year is never treated as more exact than the officer said.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

MONTHS: dict[str, int] = {
    "januari": 1, "jan": 1, "january": 1,
    "februari": 2, "pebruari": 2, "feb": 2, "peb": 2, "february": 2,
    "maret": 3, "mar": 3, "march": 3,
    "april": 4, "apr": 4,
    "mei": 5, "may": 5,
    "juni": 6, "jun": 6, "june": 6,
    "juli": 7, "jul": 7, "july": 7,
    "agustus": 8, "agu": 8, "agt": 8, "ags": 8, "agust": 8, "aug": 8, "august": 8,
    "september": 9, "sep": 9, "sept": 9,
    "oktober": 10, "okt": 10, "oct": 10, "october": 10,
    "november": 11, "nov": 11, "nop": 11,
    "desember": 12, "des": 12, "dec": 12, "december": 12,
}  # fmt: skip
MONTH_NAMES = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)  # fmt: skip
NUMBER_WORDS: dict[str, float] = {
    "se": 1, "satu": 1, "dua": 2, "tiga": 3, "empat": 4, "lima": 5, "enam": 6, "tujuh": 7,
    "delapan": 8, "sembilan": 9, "sepuluh": 10, "sebelas": 11, "dua belas": 12, "setengah": 0.5,
}  # fmt: skip
# The earliest start worth believing: older answers are almost certainly typos.
MIN_YEAR = 1945
# A replication schedule longer than three years is a programme, not an action plan.
MAX_PLAN_MONTHS = 36

_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_NUMBER = r"\d+(?:[.,]\d+)?|" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))
_UNIT = r"tahun|thn|th|bulan|bln|bl|minggu|mgg|pekan|hari"
_AGO = r"\s*(?:yang\s+|yg\s+)?(?:lalu|silam|kebelakang|ke belakang)"
_RELATIVE = re.compile(rf"(?P<n>{_NUMBER})\s*(?P<unit>{_UNIT}){_AGO}")
_FUSED_RELATIVE = re.compile(r"\b(?P<n>se)(?P<unit>tahun|bulan|minggu|pekan)\s*(?:yang\s+|yg\s+)?(?:lalu|silam)")
_LAST = re.compile(r"\b(?P<unit>tahun|bulan)\s+(?:lalu|kemarin)\b")
_THIS = re.compile(r"\b(?P<unit>tahun|bulan)\s+ini\b")
_DAY_MONTH_YEAR = re.compile(rf"\b(?P<d>\d{{1,2}})\s+(?P<m>{_MONTH})\.?\s*,?\s*'?(?P<y>\d{{4}}|\d{{2}})\b")
_MONTH_YEAR = re.compile(rf"\b(?P<m>{_MONTH})\.?\s*[-/,]?\s*'?(?P<y>\d{{4}}|\d{{2}})\b")
_NUMERIC_DMY = re.compile(r"\b(?P<d>\d{1,2})[/.-](?P<m>\d{1,2})[/.-](?P<y>\d{4})\b")
_NUMERIC_YMD = re.compile(r"\b(?P<y>\d{4})[/.-](?P<m>\d{1,2})(?:[/.-](?P<d>\d{1,2}))?\b")
_NUMERIC_MY = re.compile(r"\b(?P<m>\d{1,2})[/.-](?P<y>\d{4}|\d{2})\b")
_PART_OF_YEAR = re.compile(r"\b(?P<part>awal|pertengahan|tengah|akhir)\s+(?:tahun\s+)?(?P<y>\d{4})\b")
_YEAR = re.compile(r"\b(?P<y>(?:19|20)\d{2})\b")


class DateError(ValueError):
    """An answer that is not a usable date: `reason` is "unparsed", "future" or "too_old"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class StartDate:
    """When an innovation started, as the range of days the officer's answer allows."""

    earliest: date
    latest: date
    precision: str  # "day", "month", "year" or "range"

    def to_slot(self) -> str:
        """Return the compact form kept in the slot: "2023-03-15", "2023-03", "2023" or "2023-01-01/2023-03-31"."""
        if self.precision == "range":
            return f"{self.earliest.isoformat()}/{self.latest.isoformat()}"
        if self.precision == "day":
            return self.earliest.isoformat()
        if self.precision == "month":
            return f"{self.earliest.year:04d}-{self.earliest.month:02d}"
        return f"{self.earliest.year:04d}"

    @classmethod
    def from_slot(cls, value: str) -> StartDate:
        """Rebuild a start from its slot form."""
        if "/" in value:
            first, last = value.split("/")
            return cls(date.fromisoformat(first), date.fromisoformat(last), "range")
        parts = [int(p) for p in value.split("-")]
        if len(parts) == 3:
            day = date(*parts)
            return cls(day, day, "day")
        if len(parts) == 2:
            return month_range(parts[0], parts[1])
        return cls(date(parts[0], 1, 1), date(parts[0], 12, 31), "year")

    def label(self) -> str:
        """Return the start in words: "15 Maret 2023", "Maret 2023", "tahun 2023" or "Januari–Maret 2023"."""
        if self.precision == "range":
            first, last = self.earliest, self.latest
            if (first.year, first.month) == (last.year, last.month):
                return f"{MONTH_NAMES[first.month - 1]} {first.year}"
            head = MONTH_NAMES[first.month - 1] + ("" if first.year == last.year else f" {first.year}")
            return f"{head}–{MONTH_NAMES[last.month - 1]} {last.year}"
        if self.precision == "day":
            return format_day(self.earliest)
        if self.precision == "month":
            return f"{MONTH_NAMES[self.earliest.month - 1]} {self.earliest.year}"
        return f"tahun {self.earliest.year}"


@dataclass(frozen=True)
class Timeline:
    """A replication schedule: its length in months and, if given, its first month ("2027-01")."""

    months: int
    start: str | None = None

    def to_slot(self) -> dict[str, int | str | None]:
        """Return the form kept in the slot."""
        return {"months": self.months, "start": self.start}

    @classmethod
    def from_slot(cls, value: dict[str, object]) -> Timeline:
        """Rebuild a timeline from its slot form."""
        start = value.get("start")
        return cls(int(str(value["months"])), str(start) if start else None)


def format_day(day: date) -> str:
    """Return a date in Indonesian words, e.g. "3 Juni 2025"."""
    return f"{day.day} {MONTH_NAMES[day.month - 1]} {day.year}"


def month_range(year: int, month: int) -> StartDate:
    """Return the whole of one month as a start."""
    if not 1 <= month <= 12:
        raise DateError("unparsed")
    last = calendar.monthrange(year, month)[1]
    return StartDate(date(year, month, 1), date(year, month, last), "month")


def add_months(day: date, months: int) -> date:
    """Return `day` moved by whole months, clamped to the end of shorter months."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _year(text: str) -> int:
    value = int(text)
    if len(text) == 2:  # "mar 23": 2000s unless that would be in the future
        return 2000 + value
    return value


def _number(text: str) -> float:
    return NUMBER_WORDS[text] if text in NUMBER_WORDS else float(text.replace(",", "."))


def _relative(text: str, today: date) -> StartDate | None:
    match = _RELATIVE.search(text) or _FUSED_RELATIVE.search(text)
    if match:
        amount, unit = _number(match["n"]), match["unit"]
        if unit in {"minggu", "mgg", "pekan", "hari"}:
            days = int(amount * (7 if unit != "hari" else 1))
            day = date.fromordinal(today.toordinal() - days)
            return StartDate(day, day, "day")
        months = round(amount * (12 if unit in {"tahun", "thn", "th"} else 1))
        return _months_ago(today, months)
    match = _LAST.search(text)
    if match:
        if match["unit"] == "tahun":
            return StartDate(date(today.year - 1, 1, 1), date(today.year - 1, 12, 31), "year")
        return _months_ago(today, 1)
    match = _THIS.search(text)
    if match:
        if match["unit"] == "tahun":
            return StartDate(date(today.year, 1, 1), date(today.year, 12, 31), "year")
        return _months_ago(today, 0)
    return None


def _months_ago(today: date, months: int) -> StartDate:
    back = add_months(today, -months)
    return month_range(back.year, back.month)


def _absolute(text: str) -> StartDate | None:
    if match := _DAY_MONTH_YEAR.search(text):
        return StartDate.from_slot(f"{_year(match['y'])}-{MONTHS[match['m']]}-{int(match['d'])}")
    if match := _NUMERIC_DMY.search(text):
        return StartDate.from_slot(f"{match['y']}-{int(match['m'])}-{int(match['d'])}")
    if match := _NUMERIC_YMD.search(text):
        day = f"-{int(match['d'])}" if match["d"] else ""
        return StartDate.from_slot(f"{match['y']}-{int(match['m'])}{day}")
    if match := _MONTH_YEAR.search(text):
        return month_range(_year(match["y"]), MONTHS[match["m"]])
    if match := _NUMERIC_MY.search(text):
        return month_range(_year(match["y"]), int(match["m"]))
    if match := _PART_OF_YEAR.search(text):
        year = int(match["y"])
        first, last = {"awal": (1, 3), "akhir": (10, 12)}.get(match["part"], (5, 8))
        return StartDate(month_range(year, first).earliest, month_range(year, last).latest, "range")
    if match := _YEAR.search(text):
        return StartDate.from_slot(match["y"])
    return None


def _running_for(text: str, today: date) -> StartDate | None:
    """Read "udh 8 bln", "udh jalan 3 tahun", "kurang lebih setahun": how long it has run, so it began that long ago."""
    match = _DURATION.search(text) or _FUSED_DURATION.search(text)
    if match is None:
        return None
    amount = _number(match["n"]) if "n" in match.groupdict() else 1.0
    months = round(amount * (12 if match["unit"] in {"tahun", "thn", "th"} else 1))
    return _months_ago(today, months) if months > 0 else None


def parse_start(text: str, today: date) -> StartDate:
    """Return when an innovation started, from the officer's words.

    Args:
        text: The answer, e.g. "Maret 2023", "03/2023", "2 tahun lalu" or "2023".
        today: The date relative answers count back from.

    Returns:
        The start as a range of possible days; a range reaching past today is cut at today.

    Raises:
        DateError: With reason "unparsed", "future" (it starts after today) or "too_old".
    """
    cleaned = " ".join(text.lower().replace("’", "'").split())
    try:
        start = _relative(cleaned, today) or _absolute(cleaned) or _running_for(cleaned, today)
    except (ValueError, KeyError) as exc:  # 31/02/2023, month 13
        raise DateError("unparsed") from exc
    if start is None:
        raise DateError("unparsed")
    if start.earliest > today:
        raise DateError("future")
    if start.earliest.year < MIN_YEAR:
        raise DateError("too_old")
    if start.latest > today:
        start = StartDate(start.earliest, today, "day" if start.earliest == today else "range")
    return start


_DURATION = re.compile(rf"(?P<n>{_NUMBER})\s*(?P<unit>tahun|thn|th|bulan|bln|bl)\b")
_FUSED_DURATION = re.compile(r"\bse(?P<unit>tahun|bulan)\b")
_MONTH_MENTION = re.compile(rf"\b(?P<m>{_MONTH})\.?(?:\s*'?(?P<y>\d{{4}}|\d{{2}}))?\b")


def parse_timeline(text: str, today: date) -> Timeline:
    """Return a replication schedule from "6 bulan", "setahun", "Juli–Desember 2027" or "6 bulan mulai Januari 2027".

    A bare number from a button ("6") is a number of months. Months without a year are taken in the
    coming twelve months.

    Raises:
        DateError: With reason "unparsed", or "too_long" beyond MAX_PLAN_MONTHS.
    """
    cleaned = " ".join(text.lower().split())
    if cleaned.isdigit():
        count = int(cleaned)
        if not 1 <= count <= MAX_PLAN_MONTHS:
            raise DateError("too_long" if count else "unparsed")
        return Timeline(count)
    mentions = []
    for match in _MONTH_MENTION.finditer(cleaned):
        year = _year(match["y"]) if match["y"] else None
        mentions.append((MONTHS[match["m"]], year))
    # "Juli–Desember 2027": the first month takes the year of the last one.
    if len(mentions) >= 2 and mentions[0][1] is None and mentions[-1][1] is not None:
        first_year = mentions[-1][1] - (1 if mentions[0][0] > mentions[-1][0] else 0)
        mentions[0] = (mentions[0][0], first_year)
    resolved = [(m, y if y is not None else _next_year_of(m, today)) for m, y in mentions]
    months: int | None = None
    if duration := (_DURATION.search(cleaned) or _FUSED_DURATION.search(cleaned)):
        amount = _number(duration["n"]) if "n" in duration.groupdict() else 1.0
        months = round(amount * (12 if duration["unit"] in {"tahun", "thn", "th"} else 1))
    start = f"{resolved[0][1]:04d}-{resolved[0][0]:02d}" if resolved else None
    if months is None and len(resolved) >= 2:
        (m1, y1), (m2, y2) = resolved[0], resolved[-1]
        if y2 * 12 + m2 < y1 * 12 + m1 and mentions[-1][1] is None:
            y2 += 1  # "Oktober - Maret": March of the following year
        months = (y2 * 12 + m2) - (y1 * 12 + m1) + 1
    if months is None:
        raise DateError("unparsed")
    if not 1 <= months <= MAX_PLAN_MONTHS:
        raise DateError("too_long" if months > 0 else "unparsed")
    return Timeline(months, start)


def _next_year_of(month: int, today: date) -> int:
    return today.year if month >= today.month else today.year + 1
