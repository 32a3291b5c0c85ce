"""`make run` starts either profile the same way: the settings pick Rasa's endpoints and the shared stores."""

from __future__ import annotations

import subprocess
import sys

from settings import Settings
from tests.unit.test_settings import SCALED
from tools.stack import Stack


def test_the_embedded_default_runs_rasa_on_sqlite_with_one_worker() -> None:
    stack = Stack(Settings.from_env({}), "model.tar.gz")
    rasa = next(service for service in stack.build() if service.name == "rasa")
    assert rasa.command[rasa.command.index("--endpoints") + 1] == "nlu/endpoints.yml"
    assert "SANIC_WORKERS" not in stack.scaled_environment()


def test_the_scaled_profile_runs_rasa_on_postgresql_and_redis_with_several_workers() -> None:
    stack = Stack(Settings.from_env({**SCALED, "SANIC_WORKERS": "3", "REDIS_KEY_PREFIX": "run1"}), "model.tar.gz")
    rasa = next(service for service in stack.build() if service.name == "rasa")
    assert rasa.command[rasa.command.index("--endpoints") + 1] == "nlu/endpoints.scaled.yml"
    env = stack.environment()
    assert env["SANIC_WORKERS"] == "3" and env["REDIS_KEY_PREFIX"] == "run1"
    # A dead worker's conversation lock must expire before the bot's retry times out.
    assert int(env["TICKET_LOCK_LIFETIME"]) < stack.settings.rasa_timeout
    assert env["TRACKER_DATABASE_URL"] == SCALED["TRACKER_DATABASE_URL"] and env["REDIS_URL"] == SCALED["REDIS_URL"]


def test_rasa_runs_through_its_own_command_line_as_a_module() -> None:
    stack = Stack(Settings.from_env({}), "model.tar.gz")
    rasa = next(service for service in stack.build() if service.name == "rasa")
    assert rasa.command[1:4] == ["-m", "nlu.serve", "run"]
    result = subprocess.run(
        [sys.executable, "-m", "nlu.serve", "--version"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "Rasa Version      :         3.6.21" in result.stdout
