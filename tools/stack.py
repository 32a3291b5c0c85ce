"""Start and stop the assistant's processes: the action server, the Rasa server and the Telegram bot.

Used by `make run` (tools/run.py), the benchmark and the end-to-end tests, so all three start the
assistant the same way. Each child runs in its own session so that one Ctrl-C reaches only the
launcher, which then stops the children in order.

Every server listens on loopback unless settings say otherwise (RASA_HOST, ACTION_HOST), and the links
between them carry shared tokens: a stack whose settings have none gets fresh random ones for this run
(`Stack.settings` then holds them, for clients that talk to it).
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from settings import PROJECT_ROOT, Settings, bearer

logger = logging.getLogger(__name__)

EMBEDDED_ENDPOINTS = "nlu/endpoints.yml"
SCALED_ENDPOINTS = "nlu/endpoints.scaled.yml"


def _probe_host(host: str) -> str:
    """Return the address a health probe uses for a server listening on `host`."""
    return "127.0.0.1" if host in {"", "0.0.0.0", "::"} else host


def free_port() -> int:
    """Return a TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Service:
    """One child process and how to tell that it is ready."""

    name: str
    command: list[str]
    health_url: str | None
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None
    env: dict[str, str] = field(default_factory=dict)  # this service's own settings, over the stack's

    def start(self, env: Mapping[str, str], log_dir: Path | None = None) -> None:
        """Start the process; its output goes to the console or to `log_dir/<name>.log`."""
        output = None
        if log_dir is not None:
            log_dir.mkdir(parents=True, exist_ok=True)
            self.log_path = log_dir / f"{self.name}.log"
            output = self.log_path.open("ab")
        self.process = subprocess.Popen(
            self.command,
            cwd=PROJECT_ROOT,
            env={**env, **self.env},
            stdout=output,
            stderr=subprocess.STDOUT if output else None,
            start_new_session=True,
        )

    def running(self) -> bool:
        """Return whether the process is alive."""
        return self.process is not None and self.process.poll() is None

    def healthy(self) -> bool:
        """Return whether the service answers its health URL."""
        if self.health_url is None:
            return self.running()
        try:
            return httpx.get(self.health_url, timeout=1.0).status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self, timeout: float = 15.0) -> None:
        """Ask the process to stop (SIGINT, like Ctrl-C), and kill it if it does not."""
        if not self.running():
            return
        assert self.process is not None
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            logger.warning("%s did not stop in %.0f s; killing it", self.name, timeout)
            # The whole process group: a server's worker processes (Sanic workers) must not outlive it.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


@dataclass
class Stack:
    """The assistant's processes, started in dependency order and stopped in reverse."""

    settings: Settings
    model_path: str
    with_bot: bool = False
    log_dir: Path | None = None
    services: list[Service] = field(default_factory=list)

    def __post_init__(self) -> None:
        """Give each link a fresh token for this run when the settings have none."""
        self.settings = self.settings.with_tokens()

    def auth_headers(self) -> dict[str, str]:
        """Return the header a client needs to talk to this stack's REST channel."""
        return bearer(self.settings.rasa_token)

    def environment(self) -> dict[str, str]:
        """Return the environment every child gets: settings made explicit."""
        env = dict(os.environ)
        env.update(
            {
                "DATABASE_URL": self.settings.database_url,
                "RASA_TRACKER_DB": self.settings.tracker_db,
                "ACTION_SERVER_URL": self.settings.action_server_url,
                "RASA_URL": self.settings.rasa_url,
                "RASA_HOST": self.settings.rasa_host,
                "ACTION_HOST": self.settings.action_host,
                "RASA_TOKEN": self.settings.rasa_token,
                "ACTION_SERVER_TOKEN": self.settings.action_server_token,
                "KB_REFRESH_SECONDS": str(self.settings.kb_refresh_seconds),
                "LOG_LEVEL": self.settings.log_level,
                "TURNS_IN_FLIGHT": str(self.settings.turns_in_flight),
                "PYTHONUNBUFFERED": "1",
                # Rasa's telemetry would try to reach the internet.
                "RASA_TELEMETRY_ENABLED": "false",
                "TF_CPP_MIN_LOG_LEVEL": "2",
            }
        )
        env.update(self.scaled_environment())
        return env

    def scaled_environment(self) -> dict[str, str]:
        """Return what the scaled profile adds: the shared stores and how many workers (nothing when embedded)."""
        s = self.settings
        if s.deploy != "scaled":
            return {"DEPLOY": s.deploy}
        return {
            "DEPLOY": s.deploy,
            "REDIS_URL": s.redis_url,
            "REDIS_KEY_PREFIX": s.redis_key_prefix,
            "TRACKER_DATABASE_URL": s.tracker_database_url,
            # Read by Rasa itself; it starts several workers only with a lock store they share (Redis).
            "SANIC_WORKERS": str(s.sanic_workers),
            "ACTION_WORKERS": str(s.action_workers),
            "TICKET_LOCK_LIFETIME": str(s.lock_lifetime_seconds),
        }

    @property
    def endpoints_file(self) -> str:
        """Return Rasa's endpoints file for the profile: SQLite and in-process locks, or PostgreSQL and Redis."""
        return SCALED_ENDPOINTS if self.settings.deploy == "scaled" else EMBEDDED_ENDPOINTS

    def build(self) -> list[Service]:
        """Return the services to run for these settings."""
        s = self.settings
        services = [
            Service(
                "actions",
                [sys.executable, "-m", "actions", "--actions", "actions", "--port", str(s.action_port)],
                f"http://{_probe_host(s.action_host)}:{s.action_port}/health",
            ),
            Service(
                "rasa",
                [
                    sys.executable,
                    "-m",
                    "nlu.serve",  # Rasa's own command line, without the jax import (see nlu/serve.py)
                    "run",
                    "--model",
                    self.model_path,
                    "--endpoints",
                    self.endpoints_file,
                    "--credentials",
                    "nlu/credentials.yml",
                    "--port",
                    str(s.rasa_port),
                    "--interface",
                    s.rasa_host,
                ],
                f"http://{_probe_host(s.rasa_host)}:{s.rasa_port}/webhooks/rest/",
            ),
        ]
        if self.with_bot:
            services.extend(self.bot_services())
        return services

    def bot_services(self) -> list[Service]:
        """Return the bot: one process, or (webhook mode, BOT_PROCESSES > 1) the router and its bot processes.

        Bot process i listens on loopback at TELEGRAM_WEBHOOK_PORT + i with its own outbox; the router
        (bot/webhook_router.py) takes Telegram's webhook and sends each person's updates to one of them.
        """
        s = self.settings
        if s.telegram_mode != "webhook" or s.bot_processes <= 1:
            return [Service("bot", [sys.executable, "-m", "bot"], None)]
        from bot.webhook_router import worker_ports

        services = [Service("bot-router", [sys.executable, "-m", "bot.webhook_router"], None)]
        outbox = Path(s.outbox_path)
        for index, port in enumerate(worker_ports(s), start=1):
            env = {
                "TELEGRAM_WEBHOOK_LISTEN": "127.0.0.1",
                "TELEGRAM_WEBHOOK_PORT": str(port),
                "OUTBOX_DB": str(outbox.with_name(f"{outbox.stem}-{index}{outbox.suffix}")),
            }
            services.append(Service(f"bot-{index}", [sys.executable, "-m", "bot"], None, env=env))
        return services

    def start(self, timeout: float = 120.0) -> float:
        """Start every service and wait until each is healthy; return the seconds it took."""
        started = time.monotonic()
        env = self.environment()
        self.services = self.build()
        for service in self.services:
            service.start(env, self.log_dir)
        deadline = started + timeout
        for service in self.services:
            while not service.healthy():
                if not service.running():
                    self.stop()
                    raise RuntimeError(f"{service.name} exited during start-up (see {service.log_path or 'output'})")
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"{service.name} was not ready within {timeout:.0f} s")
                time.sleep(0.2)
        return time.monotonic() - started

    def service(self, name: str) -> Service:
        """Return a service by name."""
        return next(service for service in self.services if service.name == name)

    def stop(self) -> None:
        """Stop every service, the last started first."""
        for service in reversed(self.services):
            service.stop()
