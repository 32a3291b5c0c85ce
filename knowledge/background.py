"""Work off the answer path: bookkeeping writes (a queue and one writer thread that retries), and periodic jobs.

Logging a question is bookkeeping; the answer must never wait for it or fail because of it. When the
knowledge base was write-locked for longer than SQLite's busy timeout (a long import), the log write used
to raise inside the action, which then sent "basis pengetahuan sedang tidak dapat diakses" after the
answer and dropped the follow-up slots. Here a write is queued and returns at once; the writer thread
runs each job in its own transaction and, when the database is unavailable, retries the same job with
backoff (so order is kept) for about two minutes before giving up on it, with one ERROR log line.

The queue is bounded: if the database stays unreachable long enough to fill it, new jobs are dropped and
counted rather than growing memory. At interpreter exit the queue gets a few seconds to drain.
"""

from __future__ import annotations

import atexit
import logging
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from knowledge.errors import KnowledgeUnavailable

logger = logging.getLogger(__name__)

RETRY_DELAYS = (0.2, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 60.0)
MAX_QUEUED = 10_000
EXIT_DRAIN_SECONDS = 5.0


# What became of the jobs: written, given up after the last retry or on a bug (failed), or dropped from a full
# queue; `retried` counts the attempts that were repeated.
Outcome = Literal["written", "retried", "failed", "dropped"]


@dataclass(frozen=True)
class _Job:
    what: str
    work: Callable[[], None]


class BackgroundWriter:
    """Run write jobs one at a time on a daemon thread, retrying each while the database is unavailable."""

    def __init__(
        self,
        *,
        name: str = "kb-writer",
        retry_delays: Sequence[float] = RETRY_DELAYS,
        max_queued: int = MAX_QUEUED,
    ) -> None:
        """Create the writer; its thread starts with the first job."""
        self.name = name
        self.retry_delays = tuple(retry_delays)
        # What the writer did since start, by outcome (an outcome that never happened reads 0): for logs and tests.
        self.stats: Counter[Outcome] = Counter()
        self._queue: queue.Queue[_Job] = queue.Queue(maxsize=max_queued)
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def submit(self, what: str, work: Callable[[], None]) -> bool:
        """Queue `work` (one transaction) and return at once; False when the queue is full and it was dropped."""
        try:
            self._queue.put_nowait(_Job(what, work))
        except queue.Full:
            self.stats["dropped"] += 1
            logger.error("%s: queue full, dropped a %s (dropped so far: %d)", self.name, what, self.stats["dropped"])
            return False
        self._ensure_thread()
        return True

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every queued job is done (written or given up); return whether that happened in time."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True

    def pending(self) -> int:
        """Return how many jobs are queued or running."""
        return self._queue.unfinished_tasks

    def _ensure_thread(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, daemon=True, name=self.name)
                self._thread.start()
                atexit.register(self.flush, EXIT_DRAIN_SECONDS)

    def _run(self) -> None:
        while True:
            job = self._queue.get()
            try:
                self._write(job)
            finally:
                self._queue.task_done()

    def _write(self, job: _Job) -> None:
        for attempt, delay in enumerate((*self.retry_delays, None)):
            try:
                job.work()
            except KnowledgeUnavailable as exc:
                if delay is None:
                    self.stats["failed"] += 1
                    logger.error("%s: gave up on a %s after %d attempts: %s", self.name, job.what, attempt + 1, exc)
                    return
                self.stats["retried"] += 1
                logger.warning("%s: %s not written (%s); retrying in %.1f s", self.name, job.what, exc, delay)
                time.sleep(delay)
            except Exception:  # a bug in a job must not stop the writer thread for every later job
                self.stats["failed"] += 1
                logger.exception("%s: a %s failed and was skipped", self.name, job.what)
                return
            else:
                self.stats["written"] += 1
                return


class PeriodicJob:
    """Run `job` at once and then every `interval` seconds on one daemon thread, until stopped.

    Scheduled work has one owner that starts it once (the action server at start-up, see actions/__main__.py),
    never a request or an action call. `start` is idempotent, so a second call cannot start a second thread,
    and a run that raises is logged and the schedule goes on: one bad run never ends it.
    """

    def __init__(self, name: str, job: Callable[[], None], interval: float) -> None:
        """Create the schedule; nothing runs until `start`."""
        self.name = name
        self.interval = interval
        self.runs = 0
        self._job = job
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def start(self) -> bool:
        """Start the thread; return False (and do nothing) if it is already running."""
        with self._lock:
            if self.running():
                return False
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, daemon=True, name=self.name)
            self._thread.start()
            return True

    def stop(self, timeout: float = 5.0) -> None:
        """Stop after the current run, waiting up to `timeout` seconds for the thread to end."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def running(self) -> bool:
        """Return whether the schedule's thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self._job()
            except Exception:  # the schedule outlives a bad run; the next one may well succeed
                logger.exception("%s: a run failed; the next one is in %.0f s", self.name, self.interval)
            self.runs += 1
            self._stop.wait(self.interval)
