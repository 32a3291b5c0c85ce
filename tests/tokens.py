"""The shared tokens of the end-to-end session's assistant, so every client of it (the bot included) can send them."""

from __future__ import annotations

import secrets

# One per test session: the stack in tests/conftest.py is started with these, and clients send RASA_TOKEN.
E2E_RASA_TOKEN = secrets.token_urlsafe(32)
E2E_ACTION_SERVER_TOKEN = secrets.token_urlsafe(32)
