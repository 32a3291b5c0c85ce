"""Settings: defaults, parsing, and one error that lists every problem."""

from __future__ import annotations

import pytest

from settings import DEFAULT_TELEGRAM_API_BASE_URL, Settings, SettingsError


def test_defaults_need_no_environment() -> None:
    settings = Settings.from_env({})
    assert settings.database_url.startswith("sqlite:///") and settings.database_url.endswith("var/knowledge.db")
    assert settings.rasa_url == "http://127.0.0.1:5005"
    assert settings.action_server_url == "http://127.0.0.1:5055/webhook"
    assert settings.telegram_api_base_url == DEFAULT_TELEGRAM_API_BASE_URL
    assert settings.telegram_mode == "polling" and settings.admin_telegram_ids == frozenset()


def test_ports_derive_the_urls() -> None:
    settings = Settings.from_env({"RASA_PORT": "6000", "ACTION_PORT": "6001"})
    assert settings.rasa_url == "http://127.0.0.1:6000"
    assert settings.action_server_url == "http://127.0.0.1:6001/webhook"


def test_admin_ids_are_parsed() -> None:
    assert Settings.from_env({"ADMIN_TELEGRAM_IDS": "12, 34;56"}).admin_telegram_ids == frozenset({12, 34, 56})


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(SettingsError) as error:
        Settings.from_env({"RASA_PORT": "abc", "ADMIN_TELEGRAM_IDS": "x", "TELEGRAM_MODE": "carrier-pigeon"})
    message = str(error.value)
    assert "RASA_PORT" in message and "ADMIN_TELEGRAM_IDS" in message and "TELEGRAM_MODE" in message


def test_webhook_mode_needs_url_and_secret() -> None:
    with pytest.raises(SettingsError, match="TELEGRAM_WEBHOOK_URL and TELEGRAM_WEBHOOK_SECRET"):
        Settings.from_env({"TELEGRAM_MODE": "webhook"})


def test_secrets_stay_out_of_repr() -> None:
    settings = Settings.from_env({"TELEGRAM_BOT_TOKEN": "123:secret-token"})
    assert "secret-token" not in repr(settings)


def test_servers_listen_on_loopback_by_default() -> None:
    settings = Settings.from_env({})
    assert settings.rasa_host == "127.0.0.1" and settings.action_host == "127.0.0.1"
    assert Settings.from_env({"RASA_HOST": "0.0.0.0"}).rasa_host == "0.0.0.0"


def test_tokens_are_read_and_kept_out_of_repr() -> None:
    settings = Settings.from_env({"RASA_TOKEN": "r" * 32, "ACTION_SERVER_TOKEN": "a" * 32})
    assert settings.rasa_token == "r" * 32 and settings.action_server_token == "a" * 32
    assert "r" * 32 not in repr(settings) and "a" * 32 not in repr(settings)


def test_a_short_token_is_refused() -> None:
    with pytest.raises(SettingsError, match="RASA_TOKEN must be at least 16"):
        Settings.from_env({"RASA_TOKEN": "secret"})


def test_missing_tokens_get_fresh_random_ones_for_a_run() -> None:
    first, second = Settings.from_env({}).with_tokens(), Settings.from_env({}).with_tokens()
    assert len(first.rasa_token) >= 32 and len(first.action_server_token) >= 32
    assert first.rasa_token != first.action_server_token and first.rasa_token != second.rasa_token
    configured = Settings.from_env({"RASA_TOKEN": "r" * 32}).with_tokens()
    assert configured.rasa_token == "r" * 32


SCALED = {
    "DEPLOY": "scaled",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "TRACKER_DATABASE_URL": "postgresql://rasa@db.internal/conversations",
    "DATABASE_URL": "postgresql://kb@db.internal/knowledge",
}


def test_the_embedded_default_needs_no_server_and_the_scaled_profile_is_one_setting() -> None:
    assert Settings.from_env({}).deploy == "embedded"
    settings = Settings.from_env(SCALED)
    assert (settings.deploy, settings.sanic_workers, settings.action_workers) == ("scaled", 2, 2)
    assert "conversations" not in repr(settings) and "redis://" not in repr(settings)  # may carry passwords


@pytest.mark.parametrize("missing", ["REDIS_URL", "TRACKER_DATABASE_URL", "DATABASE_URL"])
def test_the_scaled_profile_refuses_a_missing_or_file_store(missing: str) -> None:
    for value in ("", "sqlite:///var/tracker.db"):
        with pytest.raises(SettingsError, match=f"DEPLOY=scaled needs {missing}"):
            Settings.from_env({**SCALED, missing: value})


def test_an_unknown_profile_is_refused() -> None:
    with pytest.raises(SettingsError, match="DEPLOY must be one of embedded, scaled"):
        Settings.from_env({"DEPLOY": "cluster"})


def test_a_dead_workers_lock_must_expire_before_the_bots_retry_gives_up() -> None:
    with pytest.raises(SettingsError, match="TICKET_LOCK_LIFETIME must be below RASA_TIMEOUT"):
        Settings.from_env({**SCALED, "TICKET_LOCK_LIFETIME": "20", "RASA_TIMEOUT": "15"})
