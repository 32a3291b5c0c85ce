"""One place for configuration: every setting, its default, and where it comes from.

This module is a leaf (stdlib plus python-dotenv) so that `bot`, `actions`, `knowledge` and the tools may all import
it. It is the only code that reads `os.environ`. Values come from the real environment first and then
from a git-ignored `.env` file (real variables win). Tests build `Settings.from_env({...})` directly.
"""

from __future__ import annotations

import logging.config
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from dotenv import dotenv_values

PROJECT_ROOT = Path(__file__).resolve().parent
VAR_DIR = PROJECT_ROOT / "var"
DEFAULT_TELEGRAM_API_BASE_URL = "https://api.telegram.org/bot"
# Where `make run` leaves the tokens it generated for this run, so `make chat`, `make eval` and a bot started
# by hand in another terminal reach the running assistant without anyone copying a secret (mode 0600,
# removed when the launcher stops). A token set in the environment or in `.env` always wins.
RUN_TOKENS_FILE = VAR_DIR / "run" / "tokens.env"
# The longest user message the assistant reads. The bot trims to it (telling the user); Rasa's REST channel
# trims anything longer before NLU runs, so no client can make one message cost more than a normal question.
MAX_MESSAGE_CHARS = 1000
MIN_TOKEN_CHARS = 16


class SettingsError(ValueError):
    """Raised once at start-up with every problem found in the configuration."""


def _int(env: Mapping[str, str], name: str, default: int, problems: list[str]) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        problems.append(f"{name} must be a whole number, got {raw!r}")
        return default


def _float(env: Mapping[str, str], name: str, default: float, problems: list[str]) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError:
        problems.append(f"{name} must be a number, got {raw!r}")
        return default


def _id_list(env: Mapping[str, str], name: str, problems: list[str]) -> frozenset[int]:
    ids: set[int] = set()
    for part in env.get(name, "").replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            ids.add(int(part))
        except ValueError:
            problems.append(f"{name} must be a comma-separated list of numeric Telegram ids, got {part!r}")
    return frozenset(ids)


DEPLOY_PROFILES = ("embedded", "scaled")
# The stores the scaled profile shares between processes and hosts: each must be a server, not a file.
_SCALED_URLS = {
    "REDIS_URL": ("redis://", "rediss://"),
    "TRACKER_DATABASE_URL": ("postgresql://", "postgresql+psycopg2://"),
    "DATABASE_URL": ("postgresql://", "postgresql+psycopg2://"),
}


def _scaled_problems(env: Mapping[str, str]) -> list[str]:
    """Return what keeps DEPLOY=scaled from running: every shared store must be named, and be a server."""
    problems = []
    for name, schemes in _SCALED_URLS.items():
        value = env.get(name, "").strip()
        if not value.startswith(schemes):
            problems.append(f"DEPLOY=scaled needs {name} starting with {' or '.join(schemes)}")
    return problems


@dataclass(frozen=True)
class Settings:
    """Every setting of the assistant. The README's settings table mirrors this class."""

    database_url: str = f"sqlite:///{VAR_DIR / 'knowledge.db'}"
    tracker_db: str = str(VAR_DIR / "tracker.db")
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_port: int = 5005
    # Interfaces the servers listen on: loopback unless an operator deliberately exposes them.
    rasa_host: str = "127.0.0.1"
    action_port: int = 5055
    action_host: str = "127.0.0.1"
    action_server_url: str = "http://127.0.0.1:5055/webhook"
    # Shared secrets: the bot (and the tools) -> Rasa's REST channel, and Rasa -> the action server. Without
    # them anyone who reaches a port could post as any officer. Empty means "not set": `make run` then
    # generates one per run; a server started on its own refuses to start without its token.
    rasa_token: str = field(default="", repr=False)
    action_server_token: str = field(default="", repr=False)
    rasa_model: str = str(PROJECT_ROOT / "models" / "current.tar.gz")
    rasa_timeout: float = 15.0
    # How long the bot keeps trying to connect while Rasa restarts, before it apologises.
    rasa_connect_retry_seconds: float = 30.0
    # Messages one bot process has at the assistant at once (RASA_MAX_IN_FLIGHT); the rest wait in arrival
    # order (bot/rasa_client.py). Above what the assistant runs at once (workers x TURNS_IN_FLIGHT).
    rasa_max_in_flight: int = 8
    # Per-conversation limits at the REST channel (nlu/rate_limit.py): far above a person's pace, so only a
    # script flooding one conversation is refused (HTTP 429), and never at the other chats' expense.
    sender_rate_per_minute: float = 60.0
    sender_burst: int = 20
    sender_max_in_flight: int = 3
    # "typing…" shows only when an answer takes longer than this: a quick answer needs none, and on a busy
    # machine each action is a Bot API call that delays the answers (TYPING_DELAY_SECONDS; 0 shows it at once).
    typing_delay_seconds: float = 1.0
    kb_refresh_seconds: float = 2.0
    telegram_bot_token: str = field(default="", repr=False)
    telegram_api_base_url: str = DEFAULT_TELEGRAM_API_BASE_URL
    telegram_mode: str = "polling"
    telegram_webhook_url: str = ""
    telegram_webhook_secret: str = field(default="", repr=False)
    telegram_webhook_port: int = 8443
    telegram_webhook_listen: str = "127.0.0.1"
    # Webhook mode: bot processes behind the webhook router (bot/webhook_router.py); 1 means no router.
    bot_processes: int = 1
    # The bot's persistent outbox of answers not yet accepted by Telegram (bot/outbox.py). Empty means
    # var/outbox-<bot id>.db, one per bot token, so two bots never send each other's answers.
    outbox_db: str = ""
    outbox_give_up_seconds: float = 3600.0
    admin_telegram_ids: frozenset[int] = frozenset()
    ops_chat_id: int | None = None
    # Human handoff: the facilitators' group, how long a request waits for a claim, and the hours told to
    # officers whose request timed out.
    handoff_chat_id: int | None = None
    handoff_timeout_minutes: float = 15.0
    handoff_office_hours: str = "Senin–Jumat, 08.00–16.00 WIB"
    retention_days: int = 180
    log_level: str = "INFO"
    # Who the `kb` command records as the author of a change (KB_ADMIN_ACTOR, else the login name).
    admin_actor: str = "admin"
    # Deployment profile (README "Deployment"): "embedded" is one process per service on SQLite and needs no
    # server; "scaled" runs Rasa with several Sanic workers, Redis locks and conversations in PostgreSQL.
    deploy: str = "embedded"
    redis_url: str = field(default="", repr=False)  # may carry a password
    redis_key_prefix: str = ""
    tracker_database_url: str = field(default="", repr=False)  # may carry a password
    sanic_workers: int = 2
    action_workers: int = 2
    # Rasa's per-conversation lock expires after this (TICKET_LOCK_LIFETIME): a lock left by a worker that
    # died mid-turn holds that chat's next turn at most this long. Below RASA_TIMEOUT, so the bot's retry
    # is answered; a turn lasting longer has already been apologised for.
    lock_lifetime_seconds: int = 5
    # Turns one Rasa worker runs at once (TURNS_IN_FLIGHT); the others wait first-come first-served
    # (nlu/turn_queue.py), so a burst is answered in arrival order.
    turns_in_flight: int = 2

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        """Build settings from a mapping of environment variables; raise one error listing every problem."""
        problems: list[str] = []
        rasa_port = _int(env, "RASA_PORT", cls.rasa_port, problems)
        action_port = _int(env, "ACTION_PORT", cls.action_port, problems)
        mode = env.get("TELEGRAM_MODE", cls.telegram_mode).strip().lower() or cls.telegram_mode
        if mode not in {"polling", "webhook"}:
            problems.append(f"TELEGRAM_MODE must be 'polling' or 'webhook', got {mode!r}")
        secret = env.get("TELEGRAM_WEBHOOK_SECRET", "")
        webhook_url = env.get("TELEGRAM_WEBHOOK_URL", "")
        if mode == "webhook" and not (webhook_url and secret):
            problems.append("TELEGRAM_MODE=webhook needs TELEGRAM_WEBHOOK_URL and TELEGRAM_WEBHOOK_SECRET")
        tokens = {name: env.get(name, "").strip() for name in ("RASA_TOKEN", "ACTION_SERVER_TOKEN")}
        for name, token in tokens.items():
            if token and (len(token) < MIN_TOKEN_CHARS or not token.isprintable() or " " in token):
                problems.append(f"{name} must be at least {MIN_TOKEN_CHARS} printable characters without spaces")
        ops_raw = env.get("OPS_CHAT_ID", "").strip()
        ops_chat_id = None
        if ops_raw:
            try:
                ops_chat_id = int(ops_raw)
            except ValueError:
                problems.append(f"OPS_CHAT_ID must be a numeric chat id, got {ops_raw!r}")
        handoff_raw = env.get("HANDOFF_CHAT_ID", "").strip()
        handoff_chat_id = None
        if handoff_raw:
            try:
                handoff_chat_id = int(handoff_raw)
            except ValueError:
                problems.append(f"HANDOFF_CHAT_ID must be a numeric chat id, got {handoff_raw!r}")
        deploy = (env.get("DEPLOY", "") or cls.deploy).strip().lower()
        if deploy not in DEPLOY_PROFILES:
            problems.append(f"DEPLOY must be one of {', '.join(DEPLOY_PROFILES)}, got {deploy!r}")
        if deploy == "scaled":
            problems.extend(_scaled_problems(env))
        settings = cls(
            database_url=env.get("DATABASE_URL", "") or cls.database_url,
            tracker_db=env.get("RASA_TRACKER_DB", "") or cls.tracker_db,
            rasa_url=(env.get("RASA_URL", "") or f"http://127.0.0.1:{rasa_port}").rstrip("/"),
            rasa_port=rasa_port,
            rasa_host=env.get("RASA_HOST", "").strip() or cls.rasa_host,
            action_port=action_port,
            action_host=env.get("ACTION_HOST", "").strip() or cls.action_host,
            action_server_url=env.get("ACTION_SERVER_URL", "") or f"http://127.0.0.1:{action_port}/webhook",
            rasa_token=tokens["RASA_TOKEN"],
            action_server_token=tokens["ACTION_SERVER_TOKEN"],
            rasa_model=env.get("RASA_MODEL", "") or cls.rasa_model,
            rasa_timeout=_float(env, "RASA_TIMEOUT", cls.rasa_timeout, problems),
            rasa_max_in_flight=_int(env, "RASA_MAX_IN_FLIGHT", cls.rasa_max_in_flight, problems),
            rasa_connect_retry_seconds=_float(
                env, "RASA_CONNECT_RETRY_SECONDS", cls.rasa_connect_retry_seconds, problems
            ),
            sender_rate_per_minute=_float(env, "SENDER_RATE_PER_MINUTE", cls.sender_rate_per_minute, problems),
            sender_burst=_int(env, "SENDER_BURST", cls.sender_burst, problems),
            typing_delay_seconds=_float(env, "TYPING_DELAY_SECONDS", cls.typing_delay_seconds, problems),
            sender_max_in_flight=_int(env, "SENDER_MAX_IN_FLIGHT", cls.sender_max_in_flight, problems),
            kb_refresh_seconds=_float(env, "KB_REFRESH_SECONDS", cls.kb_refresh_seconds, problems),
            telegram_bot_token=env.get("TELEGRAM_BOT_TOKEN", "").strip(),
            telegram_api_base_url=env.get("TELEGRAM_API_BASE_URL", "") or cls.telegram_api_base_url,
            telegram_mode=mode,
            telegram_webhook_url=webhook_url,
            telegram_webhook_secret=secret,
            telegram_webhook_port=_int(env, "TELEGRAM_WEBHOOK_PORT", cls.telegram_webhook_port, problems),
            telegram_webhook_listen=env.get("TELEGRAM_WEBHOOK_LISTEN", "").strip() or cls.telegram_webhook_listen,
            bot_processes=_int(env, "BOT_PROCESSES", cls.bot_processes, problems),
            outbox_db=env.get("OUTBOX_DB", "").strip(),
            outbox_give_up_seconds=_float(env, "OUTBOX_GIVE_UP_SECONDS", cls.outbox_give_up_seconds, problems),
            admin_telegram_ids=_id_list(env, "ADMIN_TELEGRAM_IDS", problems),
            ops_chat_id=ops_chat_id,
            handoff_chat_id=handoff_chat_id,
            handoff_timeout_minutes=_float(env, "HANDOFF_TIMEOUT_MINUTES", cls.handoff_timeout_minutes, problems),
            handoff_office_hours=env.get("HANDOFF_OFFICE_HOURS", "").strip() or cls.handoff_office_hours,
            retention_days=_int(env, "RETENTION_DAYS", cls.retention_days, problems),
            log_level=(env.get("LOG_LEVEL", "") or cls.log_level).upper(),
            admin_actor=(env.get("KB_ADMIN_ACTOR", "") or env.get("USER", "") or cls.admin_actor).strip(),
            deploy=deploy,
            redis_url=env.get("REDIS_URL", "").strip(),
            redis_key_prefix=env.get("REDIS_KEY_PREFIX", "").strip(),
            tracker_database_url=env.get("TRACKER_DATABASE_URL", "").strip(),
            sanic_workers=_int(env, "SANIC_WORKERS", cls.sanic_workers, problems),
            action_workers=_int(env, "ACTION_WORKERS", cls.action_workers, problems),
            lock_lifetime_seconds=_int(env, "TICKET_LOCK_LIFETIME", cls.lock_lifetime_seconds, problems),
            turns_in_flight=_int(env, "TURNS_IN_FLIGHT", cls.turns_in_flight, problems),
        )
        if settings.deploy == "scaled" and settings.lock_lifetime_seconds >= settings.rasa_timeout:
            problems.append("TICKET_LOCK_LIFETIME must be below RASA_TIMEOUT (a dead worker's lock outlasts retries)")
        if problems:
            raise SettingsError("Invalid configuration:\n- " + "\n- ".join(problems))
        return settings

    @property
    def outbox_path(self) -> str:
        """Return the outbox database of this bot: OUTBOX_DB, else one file per bot (its token's id part)."""
        if self.outbox_db:
            return self.outbox_db
        bot_id = "".join(ch for ch in self.telegram_bot_token.split(":", 1)[0] if ch.isalnum()) or "bot"
        return str(VAR_DIR / f"outbox-{bot_id}.db")

    def with_tokens(self) -> Settings:
        """Return these settings with a fresh random token for each link that has none (one run's secrets)."""
        return replace(
            self,
            rasa_token=self.rasa_token or secrets.token_urlsafe(32),
            action_server_token=self.action_server_token or secrets.token_urlsafe(32),
        )


def bearer(token: str) -> dict[str, str]:
    """Return the HTTP header that carries a shared token between our own services."""
    return {"Authorization": f"Bearer {token}"}


def _run_tokens() -> dict[str, str]:
    """Return the tokens a running `make run` left for local clients (empty when none is running)."""
    if not RUN_TOKENS_FILE.is_file():
        return {}
    return {k: v for k, v in dotenv_values(RUN_TOKENS_FILE).items() if v}


def write_run_tokens(settings: Settings) -> None:
    """Leave this run's tokens where local clients find them, readable by this user only."""
    RUN_TOKENS_FILE.parent.mkdir(parents=True, exist_ok=True)
    RUN_TOKENS_FILE.unlink(missing_ok=True)
    fd = os.open(RUN_TOKENS_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(f"RASA_TOKEN={settings.rasa_token}\n")


def remove_run_tokens() -> None:
    """Forget this run's tokens when the launcher stops."""
    RUN_TOKENS_FILE.unlink(missing_ok=True)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings: the running launcher's tokens, `.env`, then the real environment."""
    env = _run_tokens()
    env.update({k: v for k, v in dotenv_values(PROJECT_ROOT / ".env").items() if v is not None})
    env.update(os.environ)
    return Settings.from_env(env)


def configure_logging(level: str = "INFO") -> None:
    """Configure logging once per entry point; library modules only call `logging.getLogger`."""
    logging.config.dictConfig(
        {
            "version": 1,
            "incremental": False,
            "disable_existing_loggers": False,
            "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
            "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
            "root": {"level": level, "handlers": ["console"]},
            # httpx logs every request URL at INFO, and Bot API URLs contain the token.
            "loggers": {
                "httpx": {"level": "WARNING"},
                "httpcore": {"level": "WARNING"},
                # Alembic narrates every start ("Context impl ...", each step); knowledge.migrations logs the
                # upgrades that change something.
                "alembic": {"level": "WARNING"},
            },
        }
    )
