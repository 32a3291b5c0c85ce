"""`python -m actions` builds the search index at start-up; a missing database only postpones it."""

from __future__ import annotations

import logging

import pytest

from actions import _kb
from knowledge import KnowledgeBase, KnowledgeUnavailable


def test_warm_up_builds_the_index_before_any_question(
    seeded_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    kb = KnowledgeBase(seeded_database_url)
    monkeypatch.setattr(_kb, "default_kb", lambda: kb)

    _kb.warm_up()

    assert kb._index is not None and len(kb._index.entries) > 100


def test_warm_up_without_a_database_only_logs(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def unreachable() -> KnowledgeBase:
        raise KnowledgeUnavailable("database is down")

    monkeypatch.setattr(_kb, "default_kb", unreachable)
    with caplog.at_level(logging.WARNING):
        _kb.warm_up()

    assert "first question will try again" in caplog.text
