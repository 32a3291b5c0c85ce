"""The readiness verdicts, one test per case in issue 10: answers read right, verdicts that agree with their reasons,
kelompok khusus, borrowed-year rules, the 2022 pandemic exception, the edition judged, and "tidak tahu"."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from actions.flows.answers import kipp_history_echo, parse_lever, parse_regulation, read_kipp_history
from actions.flows.dates import StartDate
from actions.flows.institutionalisation import ValidateInstitutionalisationForm
from actions.flows.institutionalisation_rules import assess, render_checklist
from actions.flows.kipp_rules import Answers, Reference, assess_groups, choose_reference, render_summary
from actions.flows.readiness import ValidateReadinessForm
from knowledge import KippEdition, read_editions_file
from tests.unit.actions.test_flow_base import check, flow_tracker

TODAY = date(2026, 11, 30)
EDITIONS = read_editions_file()
BY_YEAR = {e.year: e for e in EDITIONS}


def answers(start: str, history: str = "never", adapts: bool = False) -> Answers:
    return Answers("pemda", StartDate.from_slot(start), history, adapts, ())


def at_close(year: int) -> Reference:
    """Judge as if on the day registration for `year` closed (an open edition)."""
    edition = BY_YEAR[year]
    assert edition.registration_closes is not None
    return choose_reference(EDITIONS, edition.registration_closes)


def verdicts(ans: Answers, ref: Reference) -> dict[str, bool | None]:
    return {v.group: v.fits for v in assess_groups(ans, ref, EDITIONS)}


# --- answers read as the officer meant them --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "years"),
    [
        ("top 99 tahun 2021", "top99_once", (2021,)),
        ("top 99 sekali (2020)", "top99_once", (2020,)),
        ("finalis top 99 2023", "top99_once", (2023,)),
        ("top 99 dua kali", "top99_twice", ()),
        ("top 99 tahun 2020 dan 2022", "top99_twice", (2020, 2022)),
    ],
)
def test_a_year_is_never_read_as_twice_top_99(text: str, kind: str, years: tuple[int, ...]) -> None:
    assert read_kipp_history(text) == (kind, years)


def test_the_agency_named_before_a_national_tier_is_no_local_contest() -> None:
    assert read_kipp_history("kab kami pernah top 35 thn 2016") == ("top_tier", (2016,))


@pytest.mark.parametrize("text", ["juara 1 kipp provinsi", "pemenang lomba inovasi kabupaten", "juara kipp kota 2022"])
def test_a_provincial_or_regency_win_is_not_a_national_top_tier(text: str) -> None:
    assert read_kipp_history(text)[0] == "local_win"  # type: ignore[index]
    ref = at_close(2021)
    assert verdicts(answers("2018-01", read_kipp_history(text)[0]), ref)["umum"] is True  # type: ignore[index]


def test_top_15_replikasi_is_a_finalist_not_a_winner() -> None:
    assert read_kipp_history("top 15 replikasi")[0] == "finalist"  # type: ignore[index]
    assert verdicts(answers("2018-01", "finalist"), at_close(2021))["umum"] is None


def test_national_top_tier_is_still_read_as_such() -> None:
    assert read_kipp_history("top 45 tahun 2019")[0] == "top_tier"  # type: ignore[index]
    assert read_kipp_history("pernah ikut, tidak menang")[0] == "entered"  # type: ignore[index]
    assert read_kipp_history("blm pernah")[0] == "never"  # type: ignore[index]


def test_the_typed_history_is_echoed_as_understood() -> None:
    validator = ValidateReadinessForm(today=lambda: TODAY)
    text = "top 99 tahun 2021"
    outcome = check(validator, "kipp_history", text, flow_tracker("readiness_form", "kipp_history", text))
    assert outcome.slots == {"kipp_history": "top99_once"}
    assert outcome.note and outcome.note.startswith("Tercatat: Top 99 satu kali (2021).")
    tapped = check(validator, "kipp_history", "never", flow_tracker("readiness_form", "kipp_history", "/inform"))
    assert tapped.note is None
    assert kipp_history_echo("local_win", ()).startswith("Tercatat: penghargaan tingkat daerah")


# --- verdicts --------------------------------------------------------------------------------------------------


def test_a_verdict_shows_the_reasons_that_agree_with_it() -> None:
    ref = at_close(2021)
    summary = render_summary(answers("2020-01"), ref.as_of, EDITIONS)  # 16 months: too young for umum (2 years)
    umum = next(line for line in summary.splitlines() if "Kelompok umum:" in line)
    replikasi = next(line for line in summary.splitlines() if "Kelompok replikasi:" in line)
    assert umum.startswith("⛔") and "kurang dari minimal 2 tahun" in umum and "tidak menghalangi" not in umum
    assert replikasi.startswith("⛔") and "mengadaptasi" in replikasi and "memenuhi" not in replikasi


def test_kelompok_khusus_is_for_past_top_terpuji_winners() -> None:
    ref = at_close(2021)
    assert verdicts(answers("2017-01", "top_tier"), ref)["khusus"] is True
    assert verdicts(answers("2017-01", "top_tier"), ref)["umum"] is False
    assert verdicts(answers("2017-01", "never"), ref)["khusus"] is False
    assert verdicts(answers("2017-01", "never"), ref)["umum"] is True


def test_rules_borrowed_from_an_earlier_year_warn_but_never_rule_out() -> None:
    ref = choose_reference(EDITIONS, TODAY)
    assert ref.edition.year == 2025
    young = {v.group: v for v in assess_groups(answers("2026-03"), ref, EDITIONS)}
    assert young["umum"].fits is None and any("aturan KIPP 2022" in r for r in young["umum"].reasons)
    twice = verdicts(answers("2018-01", "top99_twice", adapts=False), ref)
    assert twice == {"umum": None, "replikasi": None}
    summary = render_summary(answers("2026-03", "top99_twice"), TODAY, EDITIONS)
    assert "⛔" not in summary and "⚠️ Kelompok umum: belum pasti (" in summary


def test_the_2022_pandemic_exception_applies_only_where_the_facts_state_it() -> None:
    ref = at_close(2022)  # closed 16 April 2022
    verdict = {v.group: v for v in assess_groups(answers("2020-10"), ref, EDITIONS)}["umum"]
    assert verdict.fits is None and any("pandemi" in r for r in verdict.reasons)
    too_young = {v.group: v for v in assess_groups(answers("2021-10"), ref, EDITIONS)}["umum"]
    assert too_young.fits is False
    later = choose_reference(EDITIONS, TODAY)  # 2025 borrows the 2 years, not the 2022 exception
    assert not any("pandemi" in r for v in assess_groups(answers("2025-06"), later, EDITIONS) for r in v.reasons)


# --- the edition judged against --------------------------------------------------------------------------------


def test_a_closed_edition_is_named_and_its_deadline_is_in_the_past() -> None:
    summary = render_summary(answers("2022-01"), TODAY, EDITIONS)
    assert "Acuan: aturan KIPP 2025" in summary and "sudah ditutup 3 Juni 2025" in summary
    assert "Aturan edisi berikutnya belum terbit" in summary
    assert "ditutup 3 Juni 2025; usia dihitung mundur" not in summary


def test_an_edition_added_to_the_knowledge_base_becomes_the_reference() -> None:
    nxt = KippEdition(
        2026, ("umum",), registration_closes=date(2027, 5, 1), min_age_years={"umum": 2}, sources=("uji",)
    )
    summary = render_summary(answers("2024-01"), TODAY, [*EDITIONS, nxt])
    assert "Acuan: KIPP 2026, pendaftaran ditutup 1 Mei 2027" in summary and "belum terbit" not in summary
    announced = replace(nxt, registration_closes=None)
    assert "KIPP 2026 sudah tercatat" in render_summary(answers("2024-01"), TODAY, [*EDITIONS, announced])


# --- institutionalisation: "tidak tahu" is not "tidak" ---------------------------------------------------------


@pytest.mark.parametrize("text", ["tidak tahu", "gak tau", "belum tahu", "kurang yakin"])
def test_not_knowing_is_unknown_not_no(text: str) -> None:
    assert parse_lever(text) == "unknown"
    assert parse_regulation(text) == "unknown"
    assert parse_lever("tidak") == "no"


def test_unknown_answers_are_reported_apart_from_the_gaps() -> None:
    states = {"inst_regulation": "perda", "inst_budget": "unknown", "inst_performance": "no", "inst_sop": "yes",
              "inst_team_sk": "yes", "inst_community": "yes", "inst_replicated": "yes"}  # fmt: skip
    checklist = assess(states)
    assert [lever.slot for lever in checklist.unknown] == ["inst_budget"]
    assert [lever.slot for lever in checklist.gaps] == ["inst_performance"]
    text = render_checklist(checklist)
    assert "1 pengungkit belum diketahui" in text and "Belum diketahui" in text
    celah = text.split("Celah:")[1].split("Belum diketahui")[0]
    assert "Dukungan anggaran" not in celah
    validator = ValidateInstitutionalisationForm()
    outcome = check(
        validator, "inst_budget", "tidak tahu", flow_tracker("institutionalisation_form", "inst_budget", "")
    )
    assert outcome.slots == {"inst_budget": "unknown"} and outcome.note == "Tercatat: belum diketahui."


async def test_no_usable_edition_gets_the_knowledge_base_apology_not_a_crash() -> None:
    from rasa_sdk.executor import CollectingDispatcher

    from actions.flows.readiness import ActionReadinessSummary

    undated = [KippEdition(2026, ("umum",), sources=("uji",))]
    slots = {"agency_type": "pemda", "innovation_start": "2023-03", "kipp_history": "never", "adapts_top": False,
             "documents": []}  # fmt: skip
    dispatcher = CollectingDispatcher()
    action = ActionReadinessSummary(today=lambda: TODAY, editions=lambda: undated, saver=lambda *a, **k: "ref")
    assert await action.run(dispatcher, flow_tracker(None, None, "", **slots), {}) == []
    assert dispatcher.messages[0]["response"] == "utter_kb_unavailable"
