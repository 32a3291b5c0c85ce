"""Sanic's multi-worker runner, with one change: a worker that dies is replaced.

The scaled profile runs Rasa with several Sanic workers (`SANIC_WORKERS`). Sanic 21.12, which Rasa 3.6 pins,
forks them and then only waits for them: a worker killed (out of memory, a crash in a native library, a stray
`kill`) is never started again, so the server quietly runs on fewer workers until someone restarts all of it.
Here the main process checks its workers twice a second and forks a new one in a dead one's place, from the
same listening socket (so no connection is refused), with a backoff that grows while a slot keeps dying
(1, 2, 4 ... 30 s) and resets once its worker has stayed up for a minute. Each new worker loads the model as
the first ones did (Rasa's start-up listeners run in every worker). SIGINT/SIGTERM stop every worker, as before.

The bot retries a turn whose connection a dying worker dropped (bot/rasa_client.py), so a kill loses no
message; this module brings the capacity back. Switched on by nlu/channels.py, which Rasa imports in the
main process before it starts the workers. Imports only Sanic and the standard library.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import time
from signal import SIGINT, SIGTERM, Signals
from signal import signal as signal_func
from typing import Any

import sanic.app
from sanic.server.events import trigger_events
from sanic.server.runners import serve
from sanic.server.socket import bind_socket, bind_unix_socket, remove_unix_socket

logger = logging.getLogger(__name__)

CHECK_SECONDS = 0.5
BACKOFF_SECONDS = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0)
STABLE_SECONDS = 60.0

_sanic_serve_multiple = sanic.app.serve_multiple


class _Slot:
    """One worker place: its current process and how often it has died lately."""

    def __init__(self, process: Any, now: float) -> None:
        self.process = process
        self.started = now
        self.failures = 0
        self.restart_at: float | None = None


def serve_multiple(server_settings: dict[str, Any], workers: int) -> None:
    """Sanic 21.12's `serve_multiple`, with dead workers replaced until SIGINT or SIGTERM."""
    server_settings["reuse_port"] = True
    server_settings["run_multiple"] = True
    main_start = server_settings.pop("main_start", None)
    main_stop = server_settings.pop("main_stop", None)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    trigger_events(main_start, loop)

    sock = server_settings.get("sock")
    unix = server_settings["unix"]
    backlog = server_settings["backlog"]
    if unix:
        sock = bind_unix_socket(unix, backlog=backlog)
        server_settings["unix"] = unix
    if sock is None:
        sock = bind_socket(server_settings["host"], server_settings["port"], backlog=backlog)
        sock.set_inheritable(True)
        server_settings["sock"] = sock
        server_settings["host"] = None
        server_settings["port"] = None

    context = multiprocessing.get_context("fork")
    stopping = False

    def start_worker() -> Any:
        process = context.Process(target=serve, kwargs=server_settings)
        process.daemon = True
        process.start()
        return process

    slots: list[_Slot] = []

    def stop(signum: int, _frame: Any) -> None:
        nonlocal stopping
        logger.info("Received signal %s. Shutting down.", Signals(signum).name)
        stopping = True
        for slot in slots:
            if slot.process.is_alive():
                os.kill(slot.process.pid, SIGTERM)

    signal_func(SIGINT, stop)
    signal_func(SIGTERM, stop)
    now = time.monotonic()
    slots.extend(_Slot(start_worker(), now) for _ in range(workers))

    while not stopping:
        time.sleep(CHECK_SECONDS)
        now = time.monotonic()
        for slot in slots:
            if stopping:
                break
            if slot.process.is_alive():
                if slot.failures and now - slot.started >= STABLE_SECONDS:
                    slot.failures = 0
                continue
            if slot.restart_at is None:
                delay = BACKOFF_SECONDS[min(slot.failures, len(BACKOFF_SECONDS) - 1)]
                slot.failures += 1
                slot.restart_at = now + delay
                logger.error(
                    "Sanic worker %s exited (code %s); starting another in %.0f s (failure %d)",
                    slot.process.pid,
                    slot.process.exitcode,
                    delay,
                    slot.failures,
                )
            elif now >= slot.restart_at:
                slot.process = start_worker()
                slot.started, slot.restart_at = now, None
                logger.info("started Sanic worker %s in place of a dead one", slot.process.pid)

    for slot in slots:
        slot.process.join()
    for slot in slots:
        slot.process.terminate()
    trigger_events(main_stop, loop)
    sock.close()
    loop.close()
    remove_unix_socket(unix)


def install() -> None:
    """Make Sanic's `app.run(workers=n)` use this runner (idempotent)."""
    if sanic.app.serve_multiple is serve_multiple:
        return
    if _sanic_serve_multiple.__module__ != "sanic.server.runners":
        logger.warning("Sanic's multi-worker runner has changed; dead workers will not be replaced")
        return
    sanic.app.serve_multiple = serve_multiple
