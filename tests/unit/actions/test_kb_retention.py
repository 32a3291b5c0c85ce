"""The retention purge is a scheduled job with one owner, the action server; no action call starts anything."""

from __future__ import annotations

import multiprocessing
import sys
import threading

import pytest

from actions import __main__ as server
from actions import _kb
from knowledge import KnowledgeBase
from knowledge.background import PeriodicJob
from settings import Settings


def test_using_the_shared_knowledge_base_starts_no_thread(
    seeded_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    kb = KnowledgeBase(seeded_database_url)
    monkeypatch.setattr(_kb, "default_kb", lambda: kb)
    before = set(threading.enumerate())
    for _ in range(3):
        assert _kb.resolve_kb(None) is kb
    assert set(threading.enumerate()) == before
    assert not _kb.RETENTION.running()


def test_the_schedule_purges_through_run_retention(monkeypatch: pytest.MonkeyPatch) -> None:
    ran = threading.Event()
    monkeypatch.setattr(_kb, "run_retention", lambda: ran.set())
    job = PeriodicJob("test-retention", _kb.purge_old_logs, _kb.PURGE_CHECK_SECONDS)
    job.start()
    try:
        assert ran.wait(10)
    finally:
        job.stop()
    assert job.runs == 1 and not job.running()


def _claim_in_child(owner: server.OneWorker, results: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    results.put(owner.claim())


def test_exactly_one_forked_worker_owns_the_schedule() -> None:
    fork = multiprocessing.get_context("fork")
    owner = server.OneWorker()
    results = fork.Queue()
    workers = [fork.Process(target=_claim_in_child, args=(owner, results)) for _ in range(4)]
    for worker in workers:
        worker.start()
    claims = [results.get(timeout=30) for _ in workers]
    for worker in workers:
        worker.join(30)
    assert sorted(claims) == [False, False, False, True]


class _App:
    """Stands in for the Sanic app `main` builds: records listeners, serves nothing."""

    def __init__(self) -> None:
        self.listeners: list[tuple[object, str]] = []

    def register_listener(self, listener: object, event: str) -> None:
        self.listeners.append((listener, event))

    def run(self, *args: object, **kwargs: object) -> None:
        return None


SCALED = {
    "DEPLOY": "scaled",
    "ACTION_WORKERS": "3",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "TRACKER_DATABASE_URL": "postgresql://test@127.0.0.1/test",
    "DATABASE_URL": "postgresql://test@127.0.0.1/test",
}


@pytest.mark.parametrize(("env", "in_workers"), [({}, False), (SCALED, True)])
def test_the_action_server_starts_the_schedule_once_at_start_up(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], in_workers: bool
) -> None:
    started: list[str] = []
    app = _App()
    monkeypatch.setattr(server.RETENTION, "start", lambda: started.append("retention") or True)
    monkeypatch.setattr(server, "_warm_up_in_background", lambda: None)
    monkeypatch.setattr(server, "build_app", lambda *args: app)
    monkeypatch.setattr(server, "get_settings", lambda: Settings.from_env({"ACTION_SERVER_TOKEN": "t" * 32, **env}))
    monkeypatch.setattr(sys, "argv", ["actions"])
    assert server.main() == 0
    assert started == ([] if in_workers else ["retention"])  # forked workers: none started before the fork
    for listener, event in app.listeners:
        assert event == "after_server_start"
        for _worker in range(3):
            listener(app, None)  # type: ignore[operator]
    assert started == ["retention"]
