"""knowledge.background.PeriodicJob: one thread per schedule, runs again after each interval, survives a bad run."""

from __future__ import annotations

import threading

from knowledge.background import PeriodicJob


def test_start_twice_runs_one_thread() -> None:
    started = threading.Event()
    job = PeriodicJob("test-once", started.set, interval=3600)
    assert job.start() is True
    try:
        assert started.wait(10)
        assert job.start() is False
        assert [t.name for t in threading.enumerate()].count("test-once") == 1
    finally:
        job.stop()
    assert not job.running()


def test_the_job_runs_again_after_each_interval_and_a_failure_does_not_end_it() -> None:
    calls: list[int] = []
    third = threading.Event()

    def flaky() -> None:
        calls.append(len(calls))
        if len(calls) == 1:
            raise RuntimeError("first run fails")
        if len(calls) == 3:
            third.set()

    job = PeriodicJob("test-flaky", flaky, interval=0.01)
    job.start()
    try:
        assert third.wait(10)
    finally:
        job.stop()
    assert calls[:3] == [0, 1, 2]


def test_stop_ends_the_wait_at_once() -> None:
    job = PeriodicJob("test-stop", lambda: None, interval=3600)
    job.start()
    job.stop(timeout=10)
    assert not job.running() and job.runs == 1
