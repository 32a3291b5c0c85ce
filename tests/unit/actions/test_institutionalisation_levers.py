"""The levers in actions/flows/institutionalisation_levers.yml: they load, and every question of the form has one."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from actions.flows.institutionalisation_rules import LEVERS, LEVERS_FILE, _load_levers

DOMAIN = Path(__file__).resolve().parents[3] / "nlu" / "domain"


def form_slots(form: str) -> list[str]:
    """Return the slots a form asks, from whichever domain file declares it."""
    for path in sorted(DOMAIN.glob("*.yml")):
        forms = yaml.safe_load(path.read_text(encoding="utf-8")).get("forms") or {}
        if form in forms:
            return list(forms[form]["required_slots"])
    raise AssertionError(f"no domain file declares {form}")


def test_the_shipped_levers_load_once_at_import() -> None:
    assert _load_levers(LEVERS_FILE) == LEVERS


def test_every_question_the_institutionalisation_form_asks_has_one_lever_in_its_order() -> None:
    assert [lever.slot for lever in LEVERS] == form_slots("institutionalisation_form")


def test_every_lever_weighs_something_and_says_what_to_do() -> None:
    for lever in LEVERS:
        assert lever.weight > 0, lever.slot
        assert lever.label.strip() and lever.advice.strip(), lever.slot


def test_the_core_levers_weigh_double() -> None:
    """Policy, budget and perjanjian kinerja: the three levers KemenPANRB named (see the file's sources)."""
    core = {lever.slot for lever in LEVERS if lever.weight == 2}

    assert core == {"inst_regulation", "inst_budget", "inst_performance"}


def test_a_malformed_file_stops_the_start_with_its_name(tmp_path: Path) -> None:
    levers = tmp_path / "levers.yml"
    levers.write_text("levers:\n  - slot: inst_sop\n    label: SOP\n    advice: Tulis SOP.\n")

    with pytest.raises(ValueError, match=r"levers.yml: needs a list 'levers'.*weight"):
        _load_levers(levers)
