"""The launcher's supervisor with real child processes: a dead child comes back, with backoff, and is reported."""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator

import pytest

from settings import Settings
from tools.stack import Service, Stack
from tools.supervise import STABLE_SECONDS, Supervisor


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def stack() -> Iterator[Stack]:
    stack = Stack(Settings.from_env({}), "no-model")
    stack.services = [Service("sleeper", [sys.executable, "-c", "import time; time.sleep(120)"], None)]
    stack.services[0].start(stack.environment())
    try:
        yield stack
    finally:
        stack.stop()


def kill(service: Service) -> None:
    assert service.process is not None
    service.process.send_signal(signal.SIGKILL)
    service.process.wait()


def test_a_dead_child_is_restarted_after_a_growing_backoff_and_reported(stack: Stack) -> None:
    clock, told = Clock(), []
    supervisor = Supervisor(stack, notify=told.append, clock=clock, backoff=(1.0, 2.0, 4.0))
    [sleeper] = stack.services
    supervisor.check()

    kill(sleeper)
    supervisor.check()
    assert not sleeper.running() and len(told) == 1 and "sleeper stopped (exit code -9)" in told[0]
    clock.now += 1.0
    supervisor.check()
    assert sleeper.running() and supervisor.restarts("sleeper") == 1

    kill(sleeper)
    supervisor.check()
    clock.now += 1.0
    supervisor.check()
    assert not sleeper.running()  # the second death in a row waits longer
    clock.now += 1.0
    supervisor.check()
    assert sleeper.running() and supervisor.restarts("sleeper") == 2 and "restarting in 2 s" in told[1]


def test_a_child_that_stayed_up_starts_the_backoff_afresh(stack: Stack) -> None:
    clock = Clock()
    supervisor = Supervisor(stack, clock=clock, backoff=(1.0, 30.0))
    [sleeper] = stack.services
    supervisor.check()
    kill(sleeper)
    supervisor.check()
    clock.now += 1.0
    supervisor.check()
    clock.now += STABLE_SECONDS
    supervisor.check()
    kill(sleeper)
    supervisor.check()
    clock.now += 1.0
    supervisor.check()
    assert sleeper.running() and supervisor.restarts("sleeper") == 2


def test_a_failing_report_does_not_stop_the_restart(stack: Stack) -> None:
    clock = Clock()

    def unreachable(_message: str) -> None:
        raise OSError("telegram unreachable")

    supervisor = Supervisor(stack, notify=unreachable, clock=clock, backoff=(0.0,))
    [sleeper] = stack.services
    kill(sleeper)
    supervisor.check()
    supervisor.check()
    assert sleeper.running()
