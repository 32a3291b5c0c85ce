"""The action server's HTTP side as `python -m actions` builds it (no socket is opened here)."""

from __future__ import annotations

import pytest

from actions._server import KEEP_ALIVE_SECONDS, build_app, is_authorised

# aiohttp's TCPConnector keeps an idle connection for 15 s by default; Rasa calls the action server with it.
AIOHTTP_KEEPALIVE_SECONDS = 15.0


@pytest.fixture(scope="module")
def app():  # type: ignore[no-untyped-def]
    return build_app("actions", "t" * 32)


def test_the_server_keeps_idle_connections_longer_than_rasas_client_does(app) -> None:  # type: ignore[no-untyped-def]
    # Otherwise the server may close a connection just as Rasa sends the next action call down it
    # (it cost 1 turn in 10,000 under load).
    assert app.config.KEEP_ALIVE_TIMEOUT == KEEP_ALIVE_SECONDS > AIOHTTP_KEEPALIVE_SECONDS


@pytest.mark.parametrize(
    ("header", "allowed"),
    [
        (f"Bearer {'t' * 32}", True),
        (f"bearer {'t' * 32}", True),
        ("Bearer wrong", False),
        (f"Basic {'t' * 32}", False),
        ("", False),
        ("t" * 32, False),
    ],
)
def test_only_the_shared_token_is_accepted(header: str, allowed: bool) -> None:
    assert is_authorised(header, "t" * 32) is allowed


def test_a_server_without_a_token_cannot_be_built() -> None:
    with pytest.raises(ValueError, match="ACTION_SERVER_TOKEN"):
        build_app("actions", "")
