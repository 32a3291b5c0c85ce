"""Builders for test data: knowledge-base entries and in-memory databases."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from knowledge import Entry, EntryData, Source
from knowledge.db import make_engine, session_factory
from knowledge.models import Base


def entry_data(entry_id: str = "kipp-contoh", **overrides: Any) -> EntryData:
    """Return a valid entry; override any field."""
    values: dict[str, Any] = {
        "id": entry_id,
        "topic": "kipp",
        "title": "Contoh entri",
        "questions": ("apa contoh entri ini",),
        "answer": "Ini jawaban contoh.",
        "sources": (Source(title="Kementerian PANRB", url="https://menpan.go.id/"),),
    }
    values.update(overrides)
    return EntryData(**values)


def active_entry(entry_id: str = "kipp-contoh", **overrides: Any) -> Entry:
    """Return an active entry as the knowledge base serves it (version 1, created now); override any field."""
    now = datetime.now(timezone.utc)
    return Entry(**vars(entry_data(entry_id, **overrides)), status="active", version=1, created_at=now, updated_at=now)


def record(entry_id: str = "kipp-contoh", **overrides: Any) -> dict[str, Any]:
    """Return a valid content-file record (a plain dict, as YAML gives it); override any key."""
    values: dict[str, Any] = {
        "id": entry_id,
        "topic": "kipp",
        "title": "Contoh entri",
        "questions": ["apa contoh entri ini"],
        "answer": "Ini jawaban contoh.",
        "sources": [{"title": "Kementerian PANRB", "url": "https://menpan.go.id/"}],
    }
    values.update(overrides)
    return values


def memory_sessions() -> sessionmaker[Session]:
    """Return a session factory on a fresh in-memory SQLite database shared by all threads."""
    engine = make_engine("sqlite://")
    Base.metadata.create_all(engine)
    return session_factory(engine)
