"""Read and validate knowledge-base content: the curated YAML files and admin imports.

Validation collects every problem (file, entry, field, message) before anything is stored, so a bad
file loads nothing and its error says exactly where to look.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from knowledge.errors import ContentError, Problem
from knowledge.types import TOPICS, EntryData, Source

ID_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# Button payloads carry the id and Telegram's callback_data holds at most 64 bytes.
MAX_ID_LENGTH = 32
MAX_ANSWER_LENGTH = 3000
REQUIRED_KEYS = ("id", "topic", "title", "questions", "answer", "sources")
OPTIONAL_KEYS = ("answer_en", "facts")
CONTENT_DIR = Path(__file__).resolve().parent / "content"

logger = logging.getLogger(__name__)


def _text(record: Mapping[str, Any], key: str, where: tuple[str, str], problems: list[Problem]) -> str:
    value = record.get(key)
    if not isinstance(value, str) or not value.strip():
        problems.append(Problem(*where, key, "must be non-empty text"))
        return ""
    return value.strip()


def _text_list(value: Any, key: str, where: tuple[str, str], problems: list[Problem]) -> tuple[str, ...]:
    if isinstance(value, str):
        # Spreadsheet cells hold lists as one cell, one item per line.
        value = [line for line in value.splitlines() if line.strip()]
    if not isinstance(value, list) or not value:
        problems.append(Problem(*where, key, "must be a non-empty list"))
        return ()
    items = []
    for index, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            problems.append(Problem(*where, f"{key}[{index}]", "must be non-empty text"))
        else:
            items.append(item.strip())
    return tuple(items)


def _sources(value: Any, where: tuple[str, str], problems: list[Problem]) -> tuple[Source, ...]:
    if isinstance(value, str):
        value = [_parse_source_line(line) for line in value.splitlines() if line.strip()]
    if not isinstance(value, list) or not value:
        problems.append(Problem(*where, "sources", "an answer needs at least one source"))
        return ()
    sources = []
    for index, item in enumerate(value):
        field = f"sources[{index}]"
        if not isinstance(item, Mapping) or not isinstance(item.get("title"), str) or not item["title"].strip():
            problems.append(Problem(*where, field, "must have a non-empty 'title'"))
            continue
        url = item.get("url")
        if url is not None and (not isinstance(url, str) or not re.match(r"https?://\S+$", url.strip())):
            problems.append(Problem(*where, f"{field}.url", "must be an http(s) address"))
            continue
        unknown = set(item) - {"title", "url"}
        if unknown:
            problems.append(Problem(*where, field, f"unknown keys: {', '.join(sorted(unknown))}"))
        sources.append(Source(title=item["title"].strip(), url=url.strip() if url else None))
    return tuple(sources)


def _parse_source_line(line: str) -> dict[str, str]:
    """Parse one spreadsheet source line: `Title | https://address` or just `Title`."""
    title, _, url = line.partition("|")
    return {"title": title.strip(), "url": url.strip()} if url.strip() else {"title": title.strip()}


def validate_record(record: Any, *, file: str, label: str, problems: list[Problem]) -> EntryData | None:
    """Validate one entry given as a mapping; append problems and return the entry if it is valid."""
    if not isinstance(record, Mapping):
        problems.append(Problem(file, label, "", "must be a mapping of keys to values"))
        return None
    entry_label = f"{label} ({record['id']})" if isinstance(record.get("id"), str) else label
    where = (file, entry_label)
    before = len(problems)
    unknown = set(record) - set(REQUIRED_KEYS) - set(OPTIONAL_KEYS)
    for key in sorted(unknown):
        problems.append(Problem(*where, key, "unknown field"))
    for key in REQUIRED_KEYS:
        if key not in record or record[key] in (None, "", []):
            problems.append(Problem(*where, key, "is missing or empty"))
    if len(problems) > before:
        return None
    entry_id = _text(record, "id", where, problems)
    if entry_id and (not ID_PATTERN.fullmatch(entry_id) or len(entry_id) > MAX_ID_LENGTH):
        problems.append(
            Problem(*where, "id", f"must be lowercase words joined by '-', at most {MAX_ID_LENGTH} characters")
        )
    topic = _text(record, "topic", where, problems)
    if topic and topic not in TOPICS:
        problems.append(Problem(*where, "topic", f"unknown topic {topic!r}; use one of {', '.join(TOPICS)}"))
    title = _text(record, "title", where, problems)
    answer = _text(record, "answer", where, problems)
    if answer and len(answer) > MAX_ANSWER_LENGTH:
        problems.append(Problem(*where, "answer", f"is longer than {MAX_ANSWER_LENGTH} characters"))
    if re.search(r"^\s*Sumber:", answer, re.MULTILINE):
        problems.append(Problem(*where, "answer", "must not contain a 'Sumber:' line; list sources instead"))
    answer_en = record.get("answer_en")
    if answer_en is not None and not isinstance(answer_en, str):
        problems.append(Problem(*where, "answer_en", "must be text"))
    facts = record.get("facts") or []
    if isinstance(facts, str):
        facts = [part.strip() for part in re.split(r"[,\s]+", facts) if part.strip()]
    if not isinstance(facts, list) or not all(isinstance(fact, str) for fact in facts):
        problems.append(Problem(*where, "facts", "must be a list of fact ids"))
        facts = []
    questions = _text_list(record.get("questions"), "questions", where, problems)
    sources = _sources(record.get("sources"), where, problems)
    if len(problems) > before:
        return None
    return EntryData(
        id=entry_id,
        topic=topic,
        title=title,
        questions=questions,
        answer=answer,
        sources=sources,
        answer_en=answer_en.strip() if isinstance(answer_en, str) and answer_en.strip() else None,
        facts=tuple(facts),
    )


def validate_records(records: Iterable[tuple[str, str, Any]]) -> list[EntryData]:
    """Validate `(file, label, record)` triples; return the entries or raise one `ContentError`."""
    problems: list[Problem] = []
    entries: list[EntryData] = []
    seen: dict[str, str] = {}
    for file, label, record in records:
        entry = validate_record(record, file=file, label=label, problems=problems)
        if entry is None:
            continue
        if entry.id in seen:
            problems.append(Problem(file, label, "id", f"duplicate id {entry.id!r} (also in {seen[entry.id]})"))
            continue
        seen[entry.id] = f"{file}, {label}"
        entries.append(entry)
    if problems:
        raise ContentError(problems)
    return entries


def parse_yaml_entries(text: str, name: str) -> Any:
    """Return what YAML content holds under `entries:` (or at its top); a syntax error raises ContentError."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise ContentError([Problem(name, "", "", f"is not valid YAML{where}")]) from exc
    return data["entries"] if isinstance(data, Mapping) and "entries" in data else data


def read_yaml_records(path: Path) -> list[tuple[str, str, Any]]:
    """Read one YAML content file into `(file, label, record)` triples; syntax errors raise ContentError."""
    name = path.name
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ContentError([Problem(name, "", "", f"cannot be read: {exc}")]) from exc
    data = parse_yaml_entries(text, name)
    if not isinstance(data, list):
        raise ContentError([Problem(name, "", "entries", "the file must hold a list under 'entries:'")])
    return [(name, f"entry #{index + 1}", record) for index, record in enumerate(data)]


def missing_translations(entries: Iterable[EntryData]) -> list[str]:
    """Return the ids of entries without an English answer, in file order.

    English questions get English answers, so every curated entry should carry an `answer_en` kept in
    step with the Indonesian one. A missing translation is a warning, not an error: the entry still
    answers Indonesian questions, and an admin import must not be refused for it.
    """
    return [entry.id for entry in entries if not entry.answer_en]


def read_content_dir(directory: Path = CONTENT_DIR) -> list[EntryData]:
    """Read and validate every `*.yml` file in `directory`; raise ContentError listing every problem.

    Entries without `answer_en` are valid but reported as one warning naming their ids.
    """
    files = sorted(directory.glob("*.yml"))
    if not files:
        raise ContentError([Problem(str(directory), "", "", "holds no *.yml content files")])
    records: list[tuple[str, str, Any]] = []
    problems: list[Problem] = []
    for path in files:
        try:
            records.extend(read_yaml_records(path))
        except ContentError as exc:
            problems.extend(exc.problems)
    try:
        entries = validate_records(records)
    except ContentError as exc:
        problems.extend(exc.problems)
    if problems:
        raise ContentError(problems)
    untranslated = missing_translations(entries)
    if untranslated:
        logger.warning("%d entries have no answer_en (English answer): %s", len(untranslated), ", ".join(untranslated))
    return entries
