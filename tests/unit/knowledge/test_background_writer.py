"""The background writer: jobs run in order, retried while the database is unavailable, never raised to callers."""

from __future__ import annotations

import threading

from knowledge import KnowledgeUnavailable
from knowledge.background import BackgroundWriter


def test_jobs_run_in_order_off_the_callers_thread() -> None:
    writer = BackgroundWriter(retry_delays=())
    done: list[int] = []
    for number in range(20):
        assert writer.submit("job", lambda number=number: done.append(number))
    assert writer.flush(timeout=10)
    assert done == list(range(20)) and writer.stats == {"written": 20}


def test_an_unavailable_database_is_retried_until_it_comes_back() -> None:
    writer = BackgroundWriter(retry_delays=(0.0,) * 5)
    attempts: list[int] = []

    def flaky() -> None:
        attempts.append(1)
        if len(attempts) < 3:
            raise KnowledgeUnavailable("database is locked")

    writer.submit("question log entry", flaky)
    assert writer.flush(timeout=10)
    assert len(attempts) == 3 and writer.stats == {"written": 1, "retried": 2}


def test_a_job_that_keeps_failing_is_given_up_and_later_jobs_still_run() -> None:
    writer = BackgroundWriter(retry_delays=(0.0, 0.0))
    done: list[str] = []

    def down() -> None:
        raise KnowledgeUnavailable("database down")

    writer.submit("question log entry", down)
    writer.submit("question log entry", lambda: done.append("next"))
    assert writer.flush(timeout=10)
    assert writer.stats == {"retried": 2, "failed": 1, "written": 1} and done == ["next"]


def test_a_full_queue_drops_and_counts_instead_of_growing() -> None:
    writer = BackgroundWriter(retry_delays=(), max_queued=1)
    started, release = threading.Event(), threading.Event()

    def busy() -> None:
        started.set()
        release.wait(10)

    assert writer.submit("job", busy)
    assert started.wait(10)  # the writer holds the first job; the queue is empty again
    assert writer.submit("job", lambda: None)
    assert writer.submit("job", lambda: None) is False
    release.set()
    assert writer.flush(timeout=10)
    assert writer.stats == {"dropped": 1, "written": 2}
