"""KIPP editions kept in the database: each year's dates, groups and stated rules, editable without a release.

The readiness check judges an innovation against one KIPP year. Those years change (a new edition is
announced, a deadline passes), so they live in the `kipp_editions` table rather than in code: admins add or
correct a year with `kb edisi import FILE`, and the next check uses it. The table is seeded from
`content/editions/kipp.yml` the first time it is read empty. May import `settings`-free knowledge modules,
`sqlalchemy` and `yaml`; knows nothing about Rasa or Telegram.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import delete, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from knowledge.content import CONTENT_DIR
from knowledge.db import get_session_factory
from knowledge.errors import ContentError, KnowledgeUnavailable, Problem
from knowledge.models import KippEditionRow, utcnow

logger = logging.getLogger(__name__)

EDITIONS_FILE = CONTENT_DIR / "editions" / "kipp.yml"
GROUPS = ("umum", "replikasi", "khusus")
_FIELDS = frozenset(
    {
        "year",
        "registration_opens",
        "registration_closes",
        "groups",
        "min_age_years",
        "pandemic_min_age_years",
        "group_rules",
        "guideline",
        "sources",
        "facts",
        "note",
    }
)


@dataclass(frozen=True)
class KippEdition:
    """One KIPP year as far as the sources tell; a rule they do not state is simply absent."""

    year: int
    groups: tuple[str, ...]
    registration_opens: date | None = None
    registration_closes: date | None = None
    min_age_years: Mapping[str, int] = field(default_factory=dict)
    pandemic_min_age_years: int | None = None
    group_rules: tuple[str, ...] = ()
    guideline: str = ""
    sources: tuple[str, ...] = ()
    facts: tuple[str, ...] = ()
    note: str = ""

    def to_record(self) -> dict[str, Any]:
        """Return the edition as a YAML/JSON-ready mapping (the import format)."""
        record: dict[str, Any] = {"year": self.year, "groups": list(self.groups)}
        for name in ("registration_opens", "registration_closes"):
            if getattr(self, name) is not None:
                record[name] = getattr(self, name).isoformat()
        if self.min_age_years:
            record["min_age_years"] = dict(self.min_age_years)
        if self.pandemic_min_age_years is not None:
            record["pandemic_min_age_years"] = self.pandemic_min_age_years
        for name in ("group_rules", "sources", "facts"):
            if getattr(self, name):
                record[name] = list(getattr(self, name))
        for name in ("guideline", "note"):
            if getattr(self, name):
                record[name] = getattr(self, name)
        return record


def _date(value: Any, where: str, name: str, problems: list[Problem]) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        problems.append(Problem(where, "", name, f"not a date (YYYY-MM-DD): {value!r}"))
        return None


def _names(value: Any, where: str, name: str, problems: list[Problem]) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        problems.append(Problem(where, "", name, "must be a list of texts"))
        return ()
    return tuple(value)


def edition_from_record(record: Any, where: str) -> tuple[KippEdition | None, list[Problem]]:
    """Validate one edition record; return it (or None) and every problem found."""
    problems: list[Problem] = []
    if not isinstance(record, dict):
        return None, [Problem(where, "", "", "an edition must be a mapping")]
    unknown = sorted(set(record) - _FIELDS)
    if unknown:
        problems.append(Problem(where, "", ", ".join(unknown), "unknown field(s)"))
    year = record.get("year")
    if not isinstance(year, int) or not 2014 <= year <= 2100:
        problems.append(Problem(where, "", "year", "must be a year such as 2026"))
        year = 0
    where = f"{where} (KIPP {year})" if year else where
    groups = _names(record.get("groups"), where, "groups", problems)
    if not groups:
        problems.append(Problem(where, "", "groups", "name at least one group"))
    for name in ("groups", "group_rules"):
        bad = [g for g in _names(record.get(name), where, name, []) if g not in GROUPS]
        if bad:
            problems.append(Problem(where, "", name, f"unknown group(s) {bad}; use {', '.join(GROUPS)}"))
    ages = record.get("min_age_years") or {}
    if not isinstance(ages, dict) or not all(g in GROUPS and isinstance(n, int) and n >= 0 for g, n in ages.items()):
        problems.append(Problem(where, "", "min_age_years", "must map groups to whole years, e.g. {umum: 2}"))
        ages = {}
    pandemic = record.get("pandemic_min_age_years")
    if pandemic is not None and (not isinstance(pandemic, int) or pandemic < 0):
        problems.append(Problem(where, "", "pandemic_min_age_years", "must be a whole number of years"))
        pandemic = None
    opens = _date(record.get("registration_opens"), where, "registration_opens", problems)
    closes = _date(record.get("registration_closes"), where, "registration_closes", problems)
    if opens and closes and opens > closes:
        problems.append(Problem(where, "", "registration_opens", "is after registration_closes"))
    sources = _names(record.get("sources"), where, "sources", problems)
    if not sources:
        problems.append(Problem(where, "", "sources", "every edition needs at least one source"))
    if problems:
        return None, problems
    edition = KippEdition(
        year=year,
        groups=groups,
        registration_opens=opens,
        registration_closes=closes,
        min_age_years=dict(ages),
        pandemic_min_age_years=pandemic,
        group_rules=_names(record.get("group_rules"), where, "group_rules", problems),
        guideline=str(record.get("guideline") or ""),
        sources=sources,
        facts=_names(record.get("facts"), where, "facts", problems),
        note=str(record.get("note") or ""),
    )
    return edition, problems


def read_editions_file(path: Path = EDITIONS_FILE) -> list[KippEdition]:
    """Read and validate an editions YAML file; raise ContentError listing every problem."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ContentError([Problem(path.name, "", "", f"cannot be read: {exc.__class__.__name__}")]) from exc
    records = data.get("editions") if isinstance(data, dict) else None
    if not isinstance(records, list) or not records:
        raise ContentError([Problem(path.name, "", "editions", "expected a list under `editions:`")])
    editions, problems = [], []
    for number, record in enumerate(records, start=1):
        edition, found = edition_from_record(record, f"{path.name} #{number}")
        problems += found
        if edition is not None:
            editions.append(edition)
    years = [e.year for e in editions]
    problems += [
        Problem(path.name, "", "year", f"{y} appears twice") for y in sorted({y for y in years if years.count(y) > 1})
    ]
    if problems:
        raise ContentError(problems)
    return sorted(editions, key=lambda e: e.year)


def _row_edition(row: KippEditionRow) -> KippEdition:
    edition, _ = edition_from_record({**row.data, "year": row.year}, "database")
    if edition is None:  # only valid records are ever written
        raise KnowledgeUnavailable(f"KIPP {row.year} edition in the database is invalid")
    return replace(edition, registration_opens=row.registration_opens, registration_closes=row.registration_closes)


def _upsert(session: Session, editions: list[KippEdition], actor: str) -> tuple[int, int]:
    created = updated = 0
    for edition in editions:
        record = edition.to_record()
        data = {k: v for k, v in record.items() if k not in {"year", "registration_opens", "registration_closes"}}
        row = session.get(KippEditionRow, edition.year)
        if row is None:
            session.add(
                KippEditionRow(
                    year=edition.year,
                    registration_opens=edition.registration_opens,
                    registration_closes=edition.registration_closes,
                    data=data,
                    updated_by=actor,
                    updated_at=utcnow(),
                )
            )
            created += 1
        elif (row.data, row.registration_opens, row.registration_closes) != (
            data,
            edition.registration_opens,
            edition.registration_closes,
        ):
            row.data, row.registration_opens, row.registration_closes = (
                data,
                edition.registration_opens,
                edition.registration_closes,
            )
            row.updated_by, row.updated_at = actor, utcnow()
            updated += 1
    return created, updated


class EditionStore:
    """Read and change the KIPP editions of one database."""

    def __init__(self, database_url: str, *, seed_file: Path = EDITIONS_FILE) -> None:
        self.database_url = database_url
        self.seed_file = seed_file

    def _run(self, work: Any, *, write: bool = False) -> Any:
        try:
            factory = get_session_factory(self.database_url)
            with factory.begin() if write else factory() as session:
                return work(session)
        except SQLAlchemyError as exc:
            raise KnowledgeUnavailable(f"knowledge base unavailable: {exc.__class__.__name__}") from exc

    def editions(self) -> list[KippEdition]:
        """Return every edition, oldest first; an empty table is first seeded from the curated file.

        Seeding on first read (rather than in `kb load`) means a database created before this table existed
        gets the editions without anyone running a command.
        """
        if self._run(lambda s: s.execute(select(func.count()).select_from(KippEditionRow)).scalar_one()) == 0:
            self.import_editions(read_editions_file(self.seed_file), actor="content")
            logger.info("KIPP editions seeded from %s", self.seed_file.name)
        rows = self._run(lambda s: list(s.execute(select(KippEditionRow).order_by(KippEditionRow.year)).scalars()))
        return [_row_edition(row) for row in rows]

    def import_editions(self, editions: list[KippEdition], *, actor: str) -> tuple[int, int]:
        """Create or update editions (matched by year) in one transaction; return (created, updated)."""
        result: tuple[int, int] = self._run(lambda s: _upsert(s, editions, actor), write=True)
        return result

    def remove(self, year: int) -> None:
        """Delete one edition; raise LookupError if there is none for `year`."""

        def work(session: Session) -> int:
            return session.execute(delete(KippEditionRow).where(KippEditionRow.year == year)).rowcount or 0

        if not self._run(work, write=True):
            raise LookupError(f"KIPP {year}")
