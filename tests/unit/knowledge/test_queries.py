"""Stored entries: create, update with versions and audit, retire and restore, the revision counter."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from knowledge import VersionConflict
from knowledge import queries as q
from knowledge.models import KbAudit, KbEntryVersion
from tests.factories import entry_data, memory_sessions


@pytest.fixture
def sessions():
    return memory_sessions()


def test_new_entry_starts_at_version_one_and_bumps_revision(sessions) -> None:
    with sessions.begin() as session:
        entry, changed = q.save_entry(session, data=entry_data(), actor="tester")
    assert changed and entry.version == 1 and entry.status == "active"
    with sessions() as session:
        assert q.current_revision(session) == 1
        assert q.get_entry(session, entry_id="kipp-contoh") == entry


def test_saving_identical_content_changes_nothing(sessions) -> None:
    with sessions.begin() as session:
        q.save_entry(session, data=entry_data(), actor="tester")
    with sessions.begin() as session:
        entry, changed = q.save_entry(session, data=entry_data(), actor="tester")
    assert not changed and entry.version == 1
    with sessions() as session:
        assert q.current_revision(session) == 1


def test_update_records_version_snapshot_and_audit_before_after(sessions) -> None:
    with sessions.begin() as session:
        q.save_entry(session, data=entry_data(), actor="seed")
    with sessions.begin() as session:
        entry, _ = q.save_entry(session, data=entry_data(answer="Jawaban baru."), actor="admin-1")
    assert entry.version == 2 and entry.answer == "Jawaban baru."
    with sessions() as session:
        versions = session.execute(select(KbEntryVersion).order_by(KbEntryVersion.version)).scalars().all()
        audits = session.execute(select(KbAudit).order_by(KbAudit.id)).scalars().all()
    assert [v.version for v in versions] == [1, 2]
    assert audits[-1].actor == "admin-1"
    assert audits[-1].before["answer"] == "Ini jawaban contoh."
    assert audits[-1].after["answer"] == "Jawaban baru."


def test_stale_edit_is_refused_with_version_conflict(sessions) -> None:
    with sessions.begin() as session:
        q.save_entry(session, data=entry_data(), actor="seed")
    with sessions.begin() as session:
        q.save_entry(session, data=entry_data(answer="Edit pertama."), actor="a", expected_version=1)
    with pytest.raises(VersionConflict), sessions.begin() as session:
        q.save_entry(session, data=entry_data(answer="Edit kedua."), actor="b", expected_version=1)
    with sessions() as session:
        assert q.get_entry(session, entry_id="kipp-contoh").answer == "Edit pertama."


def test_retired_entry_is_not_active_and_can_be_restored(sessions) -> None:
    with sessions.begin() as session:
        q.save_entry(session, data=entry_data(), actor="seed")
    with sessions.begin() as session:
        retired = q.set_status(session, entry_id="kipp-contoh", status="retired", actor="admin")
    assert retired.status == "retired" and retired.version == 2
    with sessions() as session:
        assert q.active_entries(session) == []
        assert q.kb_info(session).entry_count == 0
    with sessions.begin() as session:
        restored = q.set_status(session, entry_id="kipp-contoh", status="active", actor="admin")
    assert restored.version == 3
    with sessions() as session:
        assert [e.id for e in q.active_entries(session)] == ["kipp-contoh"]


def test_upsert_counts_created_updated_unchanged(sessions) -> None:
    with sessions.begin() as session:
        q.upsert_entries(session, entries=[entry_data("kipp-a"), entry_data("kipp-b")], actor="seed", action="seed")
    with sessions.begin() as session:
        result = q.upsert_entries(
            session,
            entries=[entry_data("kipp-a"), entry_data("kipp-b", title="Baru"), entry_data("kipp-c")],
            actor="seed",
            action="seed",
        )
    assert (result.created, result.updated, result.unchanged) == (1, 1, 1)


def test_rendered_answer_ends_with_sumber_line(sessions) -> None:
    with sessions.begin() as session:
        entry, _ = q.save_entry(session, data=entry_data(), actor="seed")
    lines = entry.render().splitlines()
    assert lines[-1] == "Sumber: Kementerian PANRB (https://menpan.go.id/)"
