"""RasaClient against httpx.MockTransport: the request it sends and how every failure maps to RasaUnavailable."""

from __future__ import annotations

import json

import httpx
import pytest

from bot.rasa_client import WEBHOOK_PATH, RasaBusy, RasaClient, RasaUnavailable


def client_answering(handler, base_url: str = "http://rasa.test:5005", connect_retry_seconds: float = 0) -> RasaClient:
    return RasaClient(
        base_url, timeout=2.0, connect_retry_seconds=connect_retry_seconds, transport=httpx.MockTransport(handler)
    )


async def test_posts_sender_and_message_to_the_rest_webhook() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=[{"recipient_id": "tg-1", "text": "Halo!"}])

    client = client_answering(handler)
    reply = await client.send_message("tg-1", "halo")
    await client.aclose()

    assert reply == [{"recipient_id": "tg-1", "text": "Halo!"}]
    [request] = seen
    assert request.method == "POST"
    assert str(request.url) == "http://rasa.test:5005/webhooks/rest/webhook"
    assert json.loads(request.content) == {"sender": "tg-1", "message": "halo"}


async def test_keeps_a_path_prefix_of_the_rasa_url() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        return httpx.Response(200, json=[])

    client = client_answering(handler, base_url="http://proxy.test/rasa")
    await client.send_message("tg-1", "halo")
    await client.aclose()
    assert seen == ["/rasa" + WEBHOOK_PATH]


async def test_drops_entries_that_are_not_objects() -> None:
    client = client_answering(lambda _: httpx.Response(200, json=[{"text": "a"}, "junk", 3, None, {"text": "b"}]))
    assert await client.send_message("tg-1", "x") == [{"text": "a"}, {"text": "b"}]
    await client.aclose()


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(500, text="boom"),
        httpx.Response(404, json={"error": "no channel"}),
        httpx.Response(200, text="<html>not json</html>"),
        httpx.Response(200, json={"text": "an object, not a list"}),
        httpx.Response(200, content=b"\xff\xfe\x00garbage"),
    ],
    ids=["500", "404", "html", "object", "undecodable"],
)
async def test_bad_answers_raise_rasa_unavailable(response: httpx.Response) -> None:
    client = client_answering(lambda _: response)
    with pytest.raises(RasaUnavailable):
        await client.send_message("tg-1", "x")
    await client.aclose()


@pytest.mark.parametrize(
    "error",
    [
        httpx.ConnectError("connection refused"),
        httpx.ReadTimeout("too slow"),
        httpx.RemoteProtocolError("server disconnected"),
    ],
    ids=["refused", "timeout", "disconnected"],
)
async def test_transport_errors_raise_rasa_unavailable(error: httpx.HTTPError) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise error

    client = client_answering(handler)
    with pytest.raises(RasaUnavailable) as caught:
        await client.send_message("tg-1", "x")
    assert caught.value.__cause__ is error
    await client.aclose()


async def test_works_again_after_the_assistant_comes_back() -> None:
    up = False

    def handler(request: httpx.Request) -> httpx.Response:
        if not up:
            raise httpx.ConnectError("connection refused")
        return httpx.Response(200, json=[{"text": "kembali"}])

    client = client_answering(handler)
    with pytest.raises(RasaUnavailable):
        await client.send_message("tg-1", "x")
    up = True
    assert await client.send_message("tg-1", "x") == [{"text": "kembali"}]
    await client.aclose()


async def test_the_timeout_is_explicit() -> None:
    client = RasaClient("http://rasa.test", timeout=7.5)
    timeout = client._client.timeout
    await client.aclose()
    assert timeout.read == 7.5
    assert timeout.connect is not None and timeout.connect <= 5.0


async def test_sends_the_shared_token_with_every_message() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=[])

    client = RasaClient("http://rasa.test:5005", timeout=2.0, token="t" * 32, transport=httpx.MockTransport(handler))
    await client.send_message("tg-1", "halo")
    await client.send_message("tg-1", "lagi")
    await client.aclose()

    assert [request.headers["authorization"] for request in seen] == [f"Bearer {'t' * 32}"] * 2


async def test_a_refused_token_is_reported_as_unavailable() -> None:
    client = RasaClient(
        "http://rasa.test:5005",
        timeout=2.0,
        token="wrong" * 5,
        transport=httpx.MockTransport(lambda _: httpx.Response(401, json={"error": "missing or wrong token"})),
    )
    with pytest.raises(RasaUnavailable, match="401"):
        await client.send_message("tg-1", "halo")
    await client.aclose()


async def test_a_refused_connection_is_tried_again_while_the_assistant_restarts() -> None:
    attempts: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        attempts.append(1)
        if len(attempts) < 3:
            raise httpx.ConnectError("Connection refused", request=request)
        return httpx.Response(200, json=[{"recipient_id": "tg-1", "text": "jawaban"}])

    client = client_answering(handler, connect_retry_seconds=30)
    assert await client.send_message("tg-1", "halo") == [{"recipient_id": "tg-1", "text": "jawaban"}]
    await client.aclose()
    assert len(attempts) == 3


async def test_a_request_that_reached_the_assistant_is_not_sent_twice() -> None:
    attempts: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        attempts.append(1)
        raise httpx.ReadTimeout("no answer", request=request)

    client = client_answering(handler, connect_retry_seconds=30)
    with pytest.raises(RasaUnavailable):
        await client.send_message("tg-1", "halo")
    await client.aclose()
    assert len(attempts) == 1


@pytest.mark.parametrize(
    "error", [httpx.RemoteProtocolError, httpx.ReadError], ids=["disconnected-without-answer", "reset"]
)
async def test_a_connection_dropped_before_any_answer_is_tried_again(error: type[httpx.HTTPError]) -> None:
    # A Rasa worker killed mid-turn drops its connections; another worker answers the retry.
    attempts: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        attempts.append(1)
        if len(attempts) == 1:
            raise error("Server disconnected without sending a response.", request=request)
        return httpx.Response(200, json=[{"recipient_id": "tg-1", "text": "jawaban"}])

    client = client_answering(handler, connect_retry_seconds=30)
    assert await client.send_message("tg-1", "halo") == [{"recipient_id": "tg-1", "text": "jawaban"}]
    await client.aclose()
    assert len(attempts) == 2


async def test_a_429_from_the_assistant_is_told_apart_from_an_outage() -> None:
    client = client_answering(lambda request: httpx.Response(429, headers={"Retry-After": "3"}))
    with pytest.raises(RasaBusy):
        await client.send_message("tg-1", "halo")
    await client.aclose()
