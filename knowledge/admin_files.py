"""Import and export files of the administration: YAML, CSV and XLSX, one entry per record or row.

The keys are those of the curated content files (`id`, `topic`, `title`, `questions`, `answer`, `sources`,
optionally `answer_en` and `facts`), plus two administrative ones: `version` (the version an edit started
from; the import is refused if the entry changed since) and `status` (`active` or `retired`).

In spreadsheets each entry is one row; list fields are one cell with one item per line, and each source is
a line `Title | https://address`. Reading collects every problem (file, row or entry, field) before
anything is stored. Imports nothing of the project beyond `knowledge`; openpyxl is imported only when a
workbook is read or written.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from knowledge.admin_types import ImportItem
from knowledge.content import (
    ID_PATTERN,
    MAX_ID_LENGTH,
    OPTIONAL_KEYS,
    REQUIRED_KEYS,
    parse_yaml_entries,
    read_yaml_records,
    validate_records,
)
from knowledge.errors import ContentError, Problem
from knowledge.queries import snapshot
from knowledge.types import ACTIVE, RETIRED, Entry, EntryData

ADMIN_KEYS = ("version", "status")
COLUMNS = (*REQUIRED_KEYS, *OPTIONAL_KEYS, *ADMIN_KEYS)
FORMATS = ("yaml", "csv", "xlsx")
_SUFFIXES = {".yml": "yaml", ".yaml": "yaml", ".csv": "csv", ".xlsx": "xlsx"}
Record = tuple[str, str, Any]


def file_format(path: Path) -> str:
    """Return `yaml`, `csv` or `xlsx` from a file name; raise ContentError for anything else."""
    fmt = _SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise ContentError([Problem(path.name, "", "", "unknown file type; use .yml, .yaml, .csv or .xlsx")])
    return fmt


# ----------------------------------------------------------------------------------------------------------------
# Reading


def _header_problems(name: str, header: list[Any]) -> list[Problem]:
    problems = []
    names = [str(h).strip() if h is not None else "" for h in header]
    for index, column in enumerate(names):
        if not column and any(names[index + 1 :]):
            problems.append(Problem(name, "row 1", f"column {index + 1}", "the header cell is empty"))
        elif column and column not in COLUMNS:
            problems.append(Problem(name, "row 1", column, f"unknown column; use {', '.join(COLUMNS)}"))
    for column in REQUIRED_KEYS:
        if column not in names:
            problems.append(Problem(name, "row 1", column, "required column is missing"))
    duplicated = sorted({c for c in names if c and names.count(c) > 1})
    problems.extend(Problem(name, "row 1", c, "column appears more than once") for c in duplicated)
    return problems


def _row_records(name: str, header: list[Any], rows: Iterable[tuple[int, list[Any]]]) -> list[Record]:
    problems = _header_problems(name, header)
    if problems:
        raise ContentError(problems)
    names = [str(h).strip() if h is not None else "" for h in header]
    records: list[Record] = []
    for number, cells in rows:
        if all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells):
            continue  # blank rows between entries are fine in a spreadsheet
        if len(cells) > len(names) and any(c not in (None, "") for c in cells[len(names) :]):
            problems.append(Problem(name, f"row {number}", "", "has more cells than the header has columns"))
            continue
        record = {
            column: cell.strip() if isinstance(cell, str) else cell
            for column, cell in zip(names, cells, strict=False)
            if column and cell is not None and cell != ""
        }
        records.append((name, f"row {number}", record))
    if problems:
        raise ContentError(problems)
    if not records:
        raise ContentError([Problem(name, "", "", "holds no entries")])
    return records


def read_csv_records(path: Path) -> list[Record]:
    """Read a CSV file (comma or semicolon separated, UTF-8 with or without BOM) into records, one per row."""
    name = path.name
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise ContentError([Problem(name, "", "", f"cannot be read: {exc}")]) from exc
    except UnicodeDecodeError as exc:
        raise ContentError([Problem(name, "", "", "is not UTF-8 text; save the CSV as 'CSV UTF-8'")]) from exc
    if "\x00" in text:
        raise ContentError([Problem(name, "", "", "is not a CSV text file")])
    first_line = text.split("\n", 1)[0]
    # Spreadsheets in Indonesian locales save CSV with ';' because ',' is the decimal separator.
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    except csv.Error as exc:
        raise ContentError([Problem(name, "", "", f"is not valid CSV: {exc}")]) from exc
    if not rows:
        raise ContentError([Problem(name, "", "", "is empty")])
    # csv.reader counts records, not lines; a quoted cell may span lines, so rows are numbered by record
    # (row 1 is the header), which is what a spreadsheet shows.
    return _row_records(name, rows[0], ((index + 2, row) for index, row in enumerate(rows[1:])))


def read_xlsx_records(path: Path) -> list[Record]:
    """Read the first worksheet of an XLSX workbook into records, one per row below the header."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    name = path.name
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ContentError([Problem(name, "", "", "is not a valid XLSX workbook")]) from exc
    try:
        sheet = workbook.worksheets[0]
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()
    if not rows:
        raise ContentError([Problem(name, "", "", "is empty")])
    return _row_records(name, rows[0], ((index + 2, row) for index, row in enumerate(rows[1:])))


def read_records(path: Path) -> list[Record]:
    """Read an import file of any supported format into `(file, label, record)` triples."""
    fmt = file_format(path)
    if not path.is_file():
        raise ContentError([Problem(path.name, "", "", "does not exist")])
    if fmt == "csv":
        return read_csv_records(path)
    if fmt == "xlsx":
        return read_xlsx_records(path)
    return read_yaml_records(path)


def _whole_number(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)  # spreadsheets store every number as a float
    if isinstance(value, str) and re.fullmatch(r"\s*\d+\s*", value):
        return int(value)
    return None


def _explain(problem: Problem) -> Problem:
    """Say why an empty `sources` matters: every answer must cite where it comes from."""
    if problem.field == "sources" and problem.message == "is missing or empty":
        return Problem(problem.file, problem.entry, problem.field, "is missing: an answer needs at least one source")
    return problem


def validate_import(records: list[Record]) -> list[ImportItem]:
    """Validate import records: content as the curated files, plus `version` and `status`.

    Raises one `ContentError` listing every problem of every record (missing or empty fields, wrong types,
    unknown topics, answers without sources, duplicate ids, bad versions and statuses).
    """
    problems: list[Problem] = []
    content: list[Record] = []
    admin: dict[tuple[str, str], tuple[int | None, str | None]] = {}
    for file, label, record in records:
        if not isinstance(record, Mapping):
            content.append((file, label, record))
            continue
        record = dict(record)
        entry_label = f"{label} ({record['id']})" if isinstance(record.get("id"), str) else label
        version: int | None = None
        if record.get("version") not in (None, ""):
            version = _whole_number(record["version"])
            if version is None or version < 0:
                problems.append(Problem(file, entry_label, "version", "must be a whole number"))
        status = record.get("status")
        if status in (None, ""):
            status = None
        elif status not in (ACTIVE, RETIRED):
            problems.append(Problem(file, entry_label, "status", f"must be '{ACTIVE}' or '{RETIRED}'"))
            status = None
        for key in ADMIN_KEYS:
            record.pop(key, None)
        content.append((file, label, record))
        admin[(file, label)] = (version, status)
    try:
        entries = validate_records(content)
    except ContentError as exc:
        problems = [_explain(problem) for problem in exc.problems] + problems
        entries = []
    if problems:
        raise ContentError(problems)
    labels = [(file, label) for file, label, _ in content]
    # validate_records keeps the order of the records, so entries and labels line up.
    items = []
    for entry, where in zip(entries, labels, strict=True):
        version, status = admin.get(where, (None, None))
        items.append(ImportItem(data=entry, expected_version=version, status=status))
    return items


def read_import(path: Path) -> list[ImportItem]:
    """Read and validate an import file; raise one `ContentError` listing every problem."""
    return validate_import(read_records(path))


def entry_from_record(record: Mapping[str, Any], *, name: str = "entry") -> EntryData:
    """Validate one entry given as a mapping (e.g. collected step by step); raise ContentError."""
    return validate_import([(name, "entry", dict(record))])[0].data


def valid_entry_id(entry_id: str) -> bool:
    """Return whether `entry_id` is a well-formed entry id (lowercase words joined by '-', short)."""
    return bool(ID_PATTERN.fullmatch(entry_id)) and len(entry_id) <= MAX_ID_LENGTH


def parse_entry_text(text: str, *, name: str = "entry.yml") -> ImportItem:
    """Validate one entry written as YAML (what `kb add`/`kb edit` open in the editor)."""
    record = parse_yaml_entries(text, name)
    if isinstance(record, list):
        if len(record) != 1:
            raise ContentError([Problem(name, "", "", "must hold exactly one entry")])
        record = record[0]
    return validate_import([(name, "entry", record)])[0]


# ----------------------------------------------------------------------------------------------------------------
# Writing


def entry_record(data: EntryData, *, version: int | None = None, status: str | None = None) -> dict[str, Any]:
    """Return an entry as a content-file record (YAML form: lists stay lists)."""
    record = snapshot(data)
    del record["status"]
    if version is not None:
        record["version"] = version
    if status is not None:
        record["status"] = status
    return record


def entry_row(data: EntryData, *, version: int | None = None, status: str | None = None) -> dict[str, Any]:
    """Return an entry as a spreadsheet row: list fields in one cell, one item per line."""
    return {
        "id": data.id,
        "topic": data.topic,
        "title": data.title,
        "questions": "\n".join(data.questions),
        "answer": data.answer,
        "sources": "\n".join(f"{s.title} | {s.url}" if s.url else s.title for s in data.sources),
        "answer_en": data.answer_en or "",
        "facts": "\n".join(data.facts),
        "version": version if version is not None else "",
        "status": status or "",
    }


class _BlockDumper(yaml.SafeDumper):
    """Write multi-line text as `|` blocks, which people can edit."""


def _str_presenter(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BlockDumper.add_representer(str, _str_presenter)


def dump_yaml(records: list[dict[str, Any]]) -> str:
    """Return records as a YAML content file (`entries:` list)."""
    return yaml.dump({"entries": records}, Dumper=_BlockDumper, allow_unicode=True, sort_keys=False, width=110)


def dump_entry_yaml(data: EntryData, *, version: int | None = None) -> str:
    """Return one entry as YAML for the editor (no `entries:` wrapper)."""
    return yaml.dump(
        entry_record(data, version=version), Dumper=_BlockDumper, allow_unicode=True, sort_keys=False, width=110
    )


def export_entries(entries: Iterable[Entry], path: Path, *, fmt: str | None = None, for_content: bool = False) -> int:
    """Write entries to `path` as YAML, CSV or XLSX (by suffix unless `fmt` is given); return how many.

    `for_content` writes YAML in the form of `knowledge/content/*.yml` (no `version` or `status`), to bring
    database edits back into the curated files.
    """
    entries = list(entries)
    fmt = fmt or file_format(path)
    with_status = any(e.status != ACTIVE for e in entries)
    if fmt == "yaml" and for_content:
        path.write_text(dump_yaml([entry_record(e.data) for e in entries]), encoding="utf-8")
    elif fmt == "yaml":
        records = [entry_record(e.data, version=e.version, status=e.status if with_status else None) for e in entries]
        path.write_text(dump_yaml(records), encoding="utf-8")
    elif fmt == "csv":
        path.write_bytes(csv_bytes([entry_row(e.data, version=e.version, status=e.status) for e in entries]))
    elif fmt == "xlsx":
        write_xlsx([entry_row(e.data, version=e.version, status=e.status) for e in entries], path)
    else:
        raise ValueError(f"unknown format {fmt!r}")
    return len(entries)


def csv_bytes(rows: list[dict[str, Any]]) -> bytes:
    """Return rows as CSV in UTF-8 with a BOM, so Excel shows Indonesian text and line breaks correctly."""
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=list(COLUMNS), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


_WIDTHS = {"id": 26, "topic": 12, "title": 36, "questions": 48, "answer": 70, "sources": 48, "answer_en": 40}


def write_xlsx(rows: list[dict[str, Any]], path: Path) -> None:
    """Write rows to a one-sheet workbook: bold frozen header, wrapped cells, readable column widths."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.worksheet import Worksheet

    workbook = Workbook()
    sheet = workbook.active
    # A new workbook opens on one empty worksheet, never a chart sheet; the stubs allow for both (and None).
    assert isinstance(sheet, Worksheet)
    sheet.title = "entries"
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([row.get(column, "") for column in COLUMNS])
    wrap = Alignment(wrap_text=True, vertical="top")
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            cell.alignment = wrap
    for index, column in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = _WIDTHS.get(column, 12)
    sheet.freeze_panes = "A2"
    workbook.save(path)
