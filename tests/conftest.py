"""Shared fixtures: one trained Rasa model per session, the real servers, and knowledge-base factories."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from knowledge import KnowledgeBase, ensure_seeded
from knowledge.db import get_session_factory
from settings import PROJECT_ROOT, Settings, get_settings
from tests.tokens import E2E_ACTION_SERVER_TOKEN, E2E_RASA_TOKEN
from tools.stack import Stack, free_port


@pytest.fixture(scope="session")
def rasa_model(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Return a trained model: RASA_MODEL when `make` trained it, else train once for this session."""
    configured = Path(get_settings().rasa_model)
    if "RASA_MODEL" in os.environ and configured.is_file():
        return str(configured)
    from rasa.api import train  # imported here: TensorFlow loads only for sessions that need a model

    out = tmp_path_factory.mktemp("models")
    result = train(
        domain=str(PROJECT_ROOT / "nlu" / "domain"),
        config=str(PROJECT_ROOT / "config.yml"),
        training_files=[str(PROJECT_ROOT / "nlu" / "data")],
        output=str(out),
        fixed_model_name="test",
    )
    assert result.code == 0 and result.model, "training the Rasa model failed"
    return str(result.model)


@pytest.fixture(scope="session")
def seeded_database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Return the URL of a SQLite knowledge base loaded with the curated content."""
    url = f"sqlite:///{tmp_path_factory.mktemp('kb') / 'knowledge.db'}"
    ensure_seeded(url)
    return url


class RunningAssistant:
    """The real action server and Rasa server on free ports, as a test sees them."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.settings = stack.settings
        self.rasa_url = stack.settings.rasa_url
        self.database_url = stack.settings.database_url
        self._sender = 0

    def new_sender(self, prefix: str = "test") -> str:
        """Return a sender id no other test uses (a fresh conversation)."""
        self._sender += 1
        return f"{prefix}-{self._sender}-{time.monotonic_ns()}"

    def send(self, sender: str, message: str, timeout: float = 30.0) -> list[dict]:
        """Send one message over the REST channel and return Rasa's reply messages."""
        response = httpx.post(
            f"{self.rasa_url}/webhooks/rest/webhook",
            json={"sender": sender, "message": message},
            headers=self.stack.auth_headers(),
            timeout=timeout,
        )
        response.raise_for_status()
        return response.json()

    def reply_text(self, sender: str, message: str) -> str:
        """Send one message and return the texts of the reply joined by newlines (the eval protocol)."""
        return "\n".join(m["text"] for m in self.send(sender, message) if m.get("text"))

    def kb(self) -> KnowledgeBase:
        """Return a knowledge-base handle on the database the action server uses."""
        return KnowledgeBase(self.database_url, refresh_seconds=0)

    def sessions(self) -> sessionmaker[Session]:
        """Return a session factory on the action server's database (for direct edits in tests)."""
        return get_session_factory(self.database_url)

    def restart_service(self, name: str) -> None:
        """Stop one service and start it again, waiting until it is healthy."""
        service = self.stack.service(name)
        service.stop()
        service.start(self.stack.environment(), self.stack.log_dir)
        deadline = time.monotonic() + 120
        while not service.healthy():
            assert service.running(), f"{name} died on restart; see {service.log_path}"
            assert time.monotonic() < deadline, f"{name} not healthy after restart"
            time.sleep(0.2)


@pytest.fixture(scope="session")
def rasa_stack(rasa_model: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningAssistant]:
    """Start the real action server and Rasa server once per session, on free ports, with fresh databases."""
    workdir = tmp_path_factory.mktemp("stack")
    rasa_port, action_port = free_port(), free_port()
    database_url = f"sqlite:///{workdir / 'knowledge.db'}"
    ensure_seeded(database_url)
    settings = Settings.from_env(
        {
            "DATABASE_URL": database_url,
            "RASA_TRACKER_DB": str(workdir / "tracker.db"),
            "RASA_PORT": str(rasa_port),
            "ACTION_PORT": str(action_port),
            "KB_REFRESH_SECONDS": "1",
            "RASA_MODEL": rasa_model,
            "RASA_TOKEN": E2E_RASA_TOKEN,
            "ACTION_SERVER_TOKEN": E2E_ACTION_SERVER_TOKEN,
        }
    )
    stack = Stack(settings, rasa_model, log_dir=workdir / "logs")
    stack.start(timeout=240)
    try:
        yield RunningAssistant(stack)
    finally:
        stack.stop()
