"""Keep the assistant's processes running: a child that dies is started again, with backoff, and reported.

Used by `make run` (tools/run.py). Before, one dead child (the action server killed, Rasa out of memory)
made the launcher stop the whole stack, bot included, until someone restarted it by hand. Now the
supervisor notices within a second, logs the exit code, starts the child again after a backoff that grows
while it keeps dying (1, 2, 4 ... 30 s) and resets once it has stayed up for a minute, and tells the
operators' chat (OPS_CHAT_ID) through the Bot API when a bot token is set. Only Ctrl-C stops the stack.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from settings import Settings
from tools.stack import Service, Stack

logger = logging.getLogger("klinik.supervise")

BACKOFF_SECONDS = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0)
STABLE_SECONDS = 60.0  # a child up this long has recovered: its next death starts the backoff afresh

Notify = Callable[[str], None]


@dataclass
class _Watch:
    failures: int = 0  # deaths since it was last stable
    restart_at: float | None = None  # when a dead child is due to start again
    started_at: float = 0.0
    restarts: int = 0


@dataclass
class Supervisor:
    """Check the stack's children and restart the dead ones; call `check()` about twice a second."""

    stack: Stack
    notify: Notify = lambda _message: None
    clock: Callable[[], float] = time.monotonic
    backoff: tuple[float, ...] = BACKOFF_SECONDS
    watches: dict[str, _Watch] = field(default_factory=dict)

    def check(self) -> None:
        """Restart every dead child whose backoff has passed; note the ones that just died."""
        now = self.clock()
        for service in self.stack.services:
            watch = self.watches.setdefault(service.name, _Watch(started_at=now))
            if service.running():
                if watch.failures and now - watch.started_at >= STABLE_SECONDS:
                    watch.failures = 0
                continue
            if watch.restart_at is None:
                self._died(service, watch, now)
            elif now >= watch.restart_at:
                self._restart(service, watch, now)

    def restarts(self, name: str) -> int:
        """Return how many times the child `name` was started again."""
        watch = self.watches.get(name)
        return watch.restarts if watch else 0

    def _died(self, service: Service, watch: _Watch, now: float) -> None:
        code = service.process.returncode if service.process is not None else None
        delay = self.backoff[min(watch.failures, len(self.backoff) - 1)]
        watch.failures += 1
        watch.restart_at = now + delay
        message = f"{service.name} stopped (exit code {code}); restarting in {delay:.0f} s (failure {watch.failures})"
        logger.error("%s", message)
        self._tell(f"Klinik Inovasi: {message}")

    def _restart(self, service: Service, watch: _Watch, now: float) -> None:
        watch.restart_at = None
        watch.started_at = now
        watch.restarts += 1
        logger.info("starting %s again (restart %d)", service.name, watch.restarts)
        try:
            service.start(self.stack.environment(), self.stack.log_dir)
        except OSError as exc:
            logger.error("could not start %s: %s", service.name, exc)

    def _tell(self, message: str) -> None:
        try:
            self.notify(message)
        except Exception as exc:  # reporting must never stop the supervision itself
            logger.warning("could not report to the operators' chat: %s", type(exc).__name__)


def ops_notifier(settings: Settings) -> Notify:
    """Return a function that sends a text to OPS_CHAT_ID through the Bot API (a no-op without both settings)."""
    if settings.ops_chat_id is None or not settings.telegram_bot_token:
        return lambda _message: None
    url = f"{settings.telegram_api_base_url}{settings.telegram_bot_token}/sendMessage"

    def send(message: str) -> None:
        response = httpx.post(url, json={"chat_id": settings.ops_chat_id, "text": message}, timeout=10)
        response.raise_for_status()

    return send
