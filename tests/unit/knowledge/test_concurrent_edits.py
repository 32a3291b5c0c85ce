"""Two admins edit the same version of an entry at the same time: one wins, the other gets VersionConflict.

Real threads on a file-based SQLite database (no SELECT ... FOR UPDATE there: the versioned UPDATE decides)
and on PostgreSQL at 127.0.0.1:5432 (row locks), in a schema of its own (the `postgres_url` fixture).
"""

from __future__ import annotations

import threading

from sqlalchemy import select

from knowledge import VersionConflict
from knowledge import queries as q
from knowledge.db import get_session_factory
from knowledge.models import KbEntryVersion
from tests.factories import entry_data


def race(url: str) -> dict[str, str]:
    """Let two threads read version 1, then both save; return each one's outcome."""
    factory = get_session_factory(url)
    with factory.begin() as session:
        q.save_entry(session, data=entry_data(), actor="seed")
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def edit(name: str) -> None:
        try:
            with factory.begin() as session:
                started_from = q.get_entry(session, entry_id="kipp-contoh")
                assert started_from is not None
                barrier.wait(timeout=10)  # both edits are now based on version 1
                q.save_entry(
                    session,
                    data=entry_data(answer=f"Jawaban dari {name}."),
                    actor=name,
                    expected_version=started_from.version,
                )
            outcomes[name] = "saved"
        except VersionConflict:
            outcomes[name] = "conflict"
        except Exception as exc:  # reported below, so a thread failure is not silently lost
            outcomes[name] = f"error: {exc!r}"

    threads = [threading.Thread(target=edit, args=(name,)) for name in ("ani", "budi")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def check(url: str, outcomes: dict[str, str]) -> None:
    assert sorted(outcomes.values()) == ["conflict", "saved"], outcomes
    winner = next(name for name, outcome in outcomes.items() if outcome == "saved")
    with get_session_factory(url)() as session:
        entry = q.get_entry(session, entry_id="kipp-contoh")
        versions = session.execute(select(KbEntryVersion.changed_by).order_by(KbEntryVersion.version)).scalars().all()
    assert entry is not None and entry.version == 2 and entry.answer == f"Jawaban dari {winner}."
    assert versions == ["seed", winner]


def test_concurrent_edits_on_sqlite_file(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'kb.db'}"
    check(url, race(url))


def test_concurrent_edits_on_postgresql(postgres_url) -> None:
    outcomes = race(postgres_url)
    check(postgres_url, outcomes)
    from knowledge.db import get_engine

    get_engine(postgres_url).dispose()  # release the connections before the schema is dropped
