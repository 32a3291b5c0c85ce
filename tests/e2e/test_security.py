"""The trust boundary, end to end: the real Rasa and action servers refuse strangers and bad requests.

Each test is one finding of the hostile probe (issue 12): servers reachable from outside, unauthenticated
links, requests that crashed or stalled a turn, conversations shared by requests without a sender.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

import httpx
import pytest

from settings import MAX_MESSAGE_CHARS, bearer

pytestmark = pytest.mark.e2e


def webhook(rasa_stack) -> str:
    return f"{rasa_stack.rasa_url}/webhooks/rest/webhook"


def post_raw(rasa_stack, content: bytes, *, headers: dict[str, str] | None = None, params: str = "") -> httpx.Response:
    headers = rasa_stack.stack.auth_headers() if headers is None else headers
    return httpx.post(
        webhook(rasa_stack) + params,
        content=content,
        headers={"Content-Type": "application/json", **headers},
        timeout=60,
    )


def listening_addresses(port: int) -> set[str]:
    """Return the local IPv4/IPv6 addresses a TCP socket listens on for `port` (from /proc/net)."""
    addresses: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        path = Path(table)
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            local, state = fields[1], fields[3]
            address, port_hex = local.split(":")
            if state == "0A" and int(port_hex, 16) == port:  # 0A = LISTEN
                addresses.add(address)
    return addresses


def stored_user_texts(rasa_stack, sender: str) -> list[str]:
    with sqlite3.connect(rasa_stack.settings.tracker_db) as db:
        rows = db.execute("SELECT data FROM events WHERE sender_id = ? AND type_name = 'user'", (sender,)).fetchall()
    return [json.loads(data)["text"] for (data,) in rows]


def test_servers_listen_on_loopback_only(rasa_stack) -> None:
    loopback = {"0100007F", "00000000000000000000000001000000"}
    for port in (rasa_stack.settings.rasa_port, rasa_stack.settings.action_port):
        addresses = listening_addresses(port)
        assert addresses and addresses <= loopback, (port, addresses)


@pytest.mark.parametrize("headers", [{}, bearer("wrong-token-wrong-token"), {"Authorization": "Basic abc"}])
def test_rasa_refuses_a_turn_without_the_token(rasa_stack, headers: dict[str, str]) -> None:
    sender = rasa_stack.new_sender("intruder")
    response = post_raw(rasa_stack, json.dumps({"sender": sender, "message": "/restart"}).encode(), headers=headers)
    assert response.status_code == 401
    assert stored_user_texts(rasa_stack, sender) == []


def test_action_server_refuses_a_call_without_the_token(rasa_stack) -> None:
    url = f"http://127.0.0.1:{rasa_stack.settings.action_port}/webhook"
    call = {
        "next_action": "action_answer_question",
        "sender_id": "tg-forged",
        "tracker": {"sender_id": "tg-forged", "slots": {}, "latest_message": {"text": "forged"}, "events": []},
        "domain": {},
        "version": "3.6.2",
    }
    for headers in ({}, bearer("wrong-token-wrong-token")):
        assert httpx.post(url, json=call, headers=headers, timeout=30).status_code == 401
    assert httpx.get(f"http://127.0.0.1:{rasa_stack.settings.action_port}/actions", timeout=30).status_code == 401
    with sqlite3.connect(rasa_stack.database_url.removeprefix("sqlite:///")) as db:
        forged = db.execute("SELECT count(*) FROM question_log WHERE sender_id = 'tg-forged'").fetchone()[0]
    assert forged == 0


@pytest.mark.parametrize(
    ("content", "status"),
    [
        (b"[1, 2, 3]", 400),
        (b'"apa itu kipp"', 400),
        (b"{broken", 400),
        (b'{"message": "apa itu kipp"}', 400),
        (b'{"sender": "a b c", "message": "apa itu kipp"}', 400),
        (b'{"sender": "tg-1", "message": 42}', 400),
        (b'{"sender": "tg-1", "message": "x", "metadata": []}', 400),
    ],
)
def test_a_malformed_request_gets_a_clear_4xx(rasa_stack, content: bytes, status: int) -> None:
    response = post_raw(rasa_stack, content)
    assert response.status_code == status, response.text
    assert response.json()["error"]


def test_a_request_without_sender_does_not_join_a_shared_conversation(rasa_stack) -> None:
    response = post_raw(rasa_stack, b'{"message": "jaringan inovasi pelayanan publik itu apa ya"}')
    assert response.status_code == 400
    assert stored_user_texts(rasa_stack, "default") == []


def test_lone_surrogates_are_cleaned_and_the_question_answered(rasa_stack) -> None:
    sender = rasa_stack.new_sender()
    raw = b'{"sender": "' + sender.encode() + rb'", "message": "apa itu jipp \udfff\ud800?"}'
    response = post_raw(rasa_stack, raw)
    assert response.status_code == 200
    reply = "\n".join(m.get("text") or "" for m in response.json())
    assert "Sumber:" in reply, reply
    assert stored_user_texts(rasa_stack, sender) == ["apa itu jipp \ufffd\ufffd?"]


def test_a_huge_message_is_trimmed_before_nlu_and_answered(rasa_stack) -> None:
    sender = rasa_stack.new_sender()
    message = "kriteria inovasi kipp " * 4700  # about 100 KB
    response = post_raw(rasa_stack, json.dumps({"sender": sender, "message": message}).encode())
    assert response.status_code == 200 and any(m.get("text") for m in response.json())
    [stored] = stored_user_texts(rasa_stack, sender)
    assert len(stored) <= MAX_MESSAGE_CHARS and stored.startswith("kriteria inovasi kipp")


def test_stream_mode_answers_in_rasas_line_format(rasa_stack) -> None:
    sender = rasa_stack.new_sender()
    response = post_raw(
        rasa_stack, json.dumps({"sender": sender, "message": "apa itu jipp"}).encode(), params="?stream=true"
    )
    assert response.status_code == 200
    messages = [json.loads(line) for line in response.text.splitlines() if line.strip()]
    assert any("Sumber:" in (m.get("text") or "") for m in messages), messages


async def test_a_flooding_sender_is_refused_while_another_chat_is_answered(rasa_stack) -> None:
    flood, calm = rasa_stack.new_sender("flood"), rasa_stack.new_sender("calm")
    async with httpx.AsyncClient(headers=rasa_stack.stack.auth_headers(), timeout=120) as client:

        async def ask(sender: str, text: str) -> httpx.Response:
            return await client.post(webhook(rasa_stack), json={"sender": sender, "message": text})

        flood_requests = [ask(flood, "apa itu kipp") for _ in range(12)]
        *flooded, answered = await asyncio.gather(*flood_requests, ask(calm, "apa itu jipp"))
    statuses = sorted(response.status_code for response in flooded)
    assert 200 in statuses and 429 in statuses, statuses
    refused = next(response for response in flooded if response.status_code == 429)
    assert int(refused.headers["Retry-After"]) >= 1 and refused.json()["error"]
    assert answered.status_code == 200
    assert "Sumber:" in "\n".join(m.get("text") or "" for m in answered.json())


def log_text(rasa_stack, name: str) -> str:
    path = rasa_stack.stack.service(name).log_path
    assert path is not None
    return path.read_text(errors="replace")


def test_a_failing_action_call_answers_without_the_tracker_and_logs_no_user_text(rasa_stack) -> None:
    marker = f"rahasia-{rasa_stack.new_sender('marker')}"
    url = f"http://127.0.0.1:{rasa_stack.settings.action_port}/webhook"
    call = {
        "next_action": "action_answer_question",
        "sender_id": "tg-1",
        # A latest message that is not an object makes the action fail inside rasa-sdk.
        "tracker": {"sender_id": "tg-1", "slots": {}, "latest_message": marker, "events": []},
        "domain": {},
        "version": "3.6.2",
    }
    response = httpx.post(url, json=call, headers=bearer(rasa_stack.settings.action_server_token), timeout=30)
    assert response.status_code == 500
    assert marker not in response.text
    assert marker not in log_text(rasa_stack, "actions")


def test_user_text_stays_out_of_the_logs_when_a_turn_fails(rasa_stack) -> None:
    marker = f"rahasia-{rasa_stack.new_sender('marker')}"
    actions = rasa_stack.stack.service("actions")
    actions.stop()
    try:
        reply = rasa_stack.reply_text(rasa_stack.new_sender(), f"apa itu kipp {marker}")
        assert "Maaf" in reply
    finally:
        rasa_stack.restart_service("actions")
    assert marker not in log_text(rasa_stack, "rasa")
