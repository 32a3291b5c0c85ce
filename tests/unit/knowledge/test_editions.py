"""KIPP editions in the knowledge base: seeded from the curated file, added by admins with `kb edisi`, and used by
the readiness check without a release."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import yaml
from sqlalchemy import select

from actions.flows.readiness import ActionReadinessSummary
from knowledge import DocumentStore, EditionStore, read_editions_file
from knowledge.models import KippEditionRow
from tests.unit.actions.test_flow_base import flow_tracker, texts

NEXT = {
    "year": 2026,
    "registration_opens": "2027-03-01",
    "registration_closes": "2027-05-31",
    "groups": ["umum", "replikasi"],
    "min_age_years": {"umum": 2},
    "sources": ["Contoh sumber uji (https://example.org/kipp-2026)"],
}


def write_editions(path: Path, *records: dict) -> Path:
    path.write_text(yaml.safe_dump({"editions": list(records)}, allow_unicode=True), encoding="utf-8")
    return path


def test_the_curated_file_holds_only_years_from_the_facts() -> None:
    editions = read_editions_file()
    assert [e.year for e in editions] == [2020, 2021, 2022, 2023, 2025]
    latest = editions[-1]
    assert latest.registration_closes == date(2025, 6, 3) and latest.groups == ("umum", "replikasi")
    assert not latest.min_age_years  # the 2025 minimum age is not in the facts
    assert editions[2].pandemic_min_age_years == 1 and all(e.sources for e in editions)


def test_an_empty_table_is_seeded_on_first_read(db_url: str) -> None:
    assert [e.year for e in EditionStore(db_url).editions()] == [2020, 2021, 2022, 2023, 2025]


def test_kb_edisi_import_adds_the_next_year_and_records_who(kb, db_url, sessions, tmp_path) -> None:
    path = write_editions(tmp_path / "2026.yml", NEXT)
    dry = kb("edisi", "import", path, "--dry-run")
    assert dry.exit_code == 0 and "nothing changed" in dry.output
    assert 2026 not in [e.year for e in EditionStore(db_url).editions()]
    done = kb("edisi", "import", path)
    assert done.exit_code == 0 and "created 1, updated 0 (2026)" in done.output
    assert "KIPP 2026  2027-03-01 .. 2027-05-31" in kb("edisi", "list").output
    shown = yaml.safe_load(kb("edisi", "show", "2026").output)["editions"][0]
    assert shown["registration_closes"] == "2027-05-31" and shown["min_age_years"] == {"umum": 2}
    with sessions() as session:
        assert (
            session.execute(select(KippEditionRow.updated_by).where(KippEditionRow.year == 2026)).scalar() == "tester"
        )
    assert "created 0, updated 0" in kb("edisi", "import", path).output


def test_a_bad_editions_file_changes_nothing_and_lists_every_problem(kb, db_url, tmp_path) -> None:
    bad = {**NEXT, "groups": ["umum", "istimewa"], "registration_closes": "31-05-2027", "sources": []}
    result = kb("edisi", "import", write_editions(tmp_path / "bad.yml", bad))
    assert result.exit_code == 1
    assert "istimewa" in result.output and "registration_closes" in result.output and "sources" in result.output
    assert 2026 not in [e.year for e in EditionStore(db_url).editions()]


def test_kb_edisi_remove(kb, db_url, tmp_path) -> None:
    kb("edisi", "import", write_editions(tmp_path / "2026.yml", NEXT))
    assert kb("edisi", "remove", "2026").exit_code == 0
    assert 2026 not in [e.year for e in EditionStore(db_url).editions()]
    assert kb("edisi", "remove", "2030").exit_code == 4


async def test_the_readiness_check_judges_against_an_edition_an_admin_added(kb, db_url, tmp_path) -> None:
    slots = {"agency_type": "pemda", "innovation_start": "2024-01", "kipp_history": "never", "adapts_top": False,
             "documents": []}  # fmt: skip
    action = ActionReadinessSummary(
        today=lambda: date(2026, 11, 30), editions=EditionStore(db_url).editions, saver=DocumentStore(db_url).save
    )
    before = await _summary(action, slots)
    assert "Acuan: aturan KIPP 2025" in before and "belum terbit" in before
    kb("edisi", "import", write_editions(tmp_path / "2026.yml", NEXT))
    after = await _summary(action, slots)
    assert "Acuan: KIPP 2026, pendaftaran ditutup 31 Mei 2027" in after and "belum terbit" not in after


async def _summary(action: ActionReadinessSummary, slots: dict) -> str:
    from rasa_sdk.executor import CollectingDispatcher

    dispatcher = CollectingDispatcher()
    await action.run(dispatcher, flow_tracker(None, None, "", **slots), {})
    return texts(dispatcher)
