"""The officer-style evaluation set itself: structure, size per kind, splits, facts, and no copied wording."""

from __future__ import annotations

import re
from collections import Counter

import pytest
import yaml

from knowledge import read_content_dir
from tools.eval import DEV_SET, KINDS, MINIMUM_CASES, OFFICERS_SET, load_set

FACTS = DEV_SET.parent.parent / "domain" / "facts.md"
SET = load_set()  # validates every case and regex; a malformed set fails at collection time


def normalised(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def case_texts() -> list[tuple[str, str]]:
    return [(case.id, turn.q) for case in SET.cases for turn in case.turns]


def test_the_set_is_big_enough_per_kind() -> None:
    counts = Counter(case.kind for case in SET.cases)
    assert set(counts) == set(KINDS)
    for kind, minimum in MINIMUM_CASES.items():
        assert counts[kind] >= minimum, f"{kind}: {counts[kind]} < {minimum}"
    assert len(SET.cases) >= 320


def test_ids_are_unique_and_name_their_kind() -> None:
    ids = [case.id for case in SET.cases]
    assert len(ids) == len(set(ids))
    prefixes = {case.kind: case.id.split("-")[0] for case in SET.cases}
    assert len(set(prefixes.values())) == len(KINDS), prefixes
    for case in SET.cases:
        assert case.id.split("-")[0] == prefixes[case.kind], case.id


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_is_split_about_sixty_forty(kind: str) -> None:
    splits = Counter(case.split for case in SET.cases if case.kind == kind)
    share = splits["heldout"] / (splits["heldout"] + splits["tune"])
    assert 0.3 <= share <= 0.5, f"{kind}: {splits}"


def test_followups_leave_the_subject_out_and_multiparts_have_parts() -> None:
    followups = [case for case in SET.cases if case.kind == "followup"]
    assert all(2 <= len(case.turns) <= 4 for case in followups)
    assert all(all(turn.must for turn in case.turns) for case in followups)
    assert all(len(case.turns[0].parts) >= 2 for case in SET.cases if case.kind == "multipart")
    assert all(case.lang == "en" for case in SET.cases if case.kind == "english")


def test_every_answer_case_cites_facts_that_exist() -> None:
    if not FACTS.is_file():
        pytest.skip(f"{FACTS} is not on this machine")
    facts = FACTS.read_text(encoding="utf-8")
    known = set(re.findall(r"\*\*([A-Z]{1,2}-\d+)\*\*", facts)) | set(re.findall(r"\b(C\d+)\b", facts))
    sections = set(re.findall(r"^#+ (\d+(?:\.\d+)*)\b", facts, re.MULTILINE))
    for case in SET.cases:
        if case.kind == "decline":
            continue
        assert case.facts, f"{case.id} cites no fact"
        for fact in case.facts:
            ok = fact[1:] in sections if fact.startswith("§") else fact in known
            assert ok, f"{case.id}: unknown fact {fact}"


def test_no_case_copies_a_knowledge_base_phrasing() -> None:
    kb = {normalised(q) for entry in read_content_dir() for q in (*entry.questions, entry.title)}
    copied = [(case_id, q) for case_id, q in case_texts() if normalised(q) in kb]
    assert not copied, f"copied from knowledge/content: {copied}"


def test_no_case_repeats_the_shared_dev_set_or_itself() -> None:
    texts = [normalised(q) for _, q in case_texts()]
    repeated = [q for q, n in Counter(texts).items() if n > 1 and len(q.split()) > 3]
    assert not repeated, f"asked twice: {repeated}"
    if not DEV_SET.is_file():
        pytest.skip(f"{DEV_SET} is not on this machine")
    dev = yaml.safe_load(DEV_SET.read_text(encoding="utf-8"))["cases"]
    dev_texts = {normalised(t["q"]) for c in dev for t in c.get("conversation") or [c]}
    assert not [q for q in texts if q in dev_texts]


def test_the_file_is_the_one_make_eval_reads() -> None:
    assert OFFICERS_SET.is_file() and OFFICERS_SET.name == "officers.yml"
