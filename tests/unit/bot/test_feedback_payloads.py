"""Buttons are untrusted: only the payload kinds the assistant's own buttons carry reach it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot import handlers
from bot.payloads import known_payload
from settings import PROJECT_ROOT

from .conftest import message, sent_texts, update


def domain_payloads() -> list[str]:
    """Every button payload in the domain and the actions (what the assistant really sends)."""
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("payload"), str):
                found.append(node["payload"].replace("{{", "{").replace("}}", "}"))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for path in sorted((PROJECT_ROOT / "nlu" / "domain").glob("*.yml")):
        walk(yaml.safe_load(path.read_text(encoding="utf-8")))
    for path in sorted(Path(PROJECT_ROOT / "actions").glob("*.py")):
        found.extend(f"/{name}{{}}" for name in re.findall(r'"/([a-z_]+)"\s*\+', path.read_text()))
    return found


def test_every_button_the_assistant_sends_is_a_known_kind() -> None:
    payloads = domain_payloads()
    assert len(payloads) > 50 and any(p.startswith("/choose_entry") for p in payloads)
    assert [p for p in payloads if not known_payload(p)] == []


@pytest.mark.parametrize(
    "payload",
    ["/restart", "/session_start", "hello", "/inform{not json}", '/inform{"a": {"b": 1}}', "/out_of_scope"],
)
def test_other_payloads_are_refused(payload: str) -> None:
    assert not known_payload(payload)


async def test_a_forged_restart_button_never_reaches_the_assistant(context, assistant) -> None:
    tap = update(
        context.bot,
        callback_query={
            "id": "cb",
            "from": {"id": 5, "is_bot": False, "first_name": "Ani"},
            "chat_instance": "ci",
            "data": "/restart",
            "message": message(5, text="pesan bot"),
        },
    )
    await handlers.on_button(tap, context)
    assert assistant.requests == []
    assert sent_texts(context.bot) == [handlers.TEXT_BUTTON_EXPIRED]
