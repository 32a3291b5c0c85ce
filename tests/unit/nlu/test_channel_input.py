"""What the REST channel lets through to NLU: a well-formed sender and a short, clean, encodable text."""

from __future__ import annotations

import json

import pytest

from nlu.channel_input import MAX_BODY_BYTES, TRIM_MARKER, BadRequest, parse_turn
from settings import MAX_MESSAGE_CHARS


def body(**fields: object) -> bytes:
    return json.dumps(fields).encode()


def test_a_well_formed_request_passes_unchanged() -> None:
    turn = parse_turn(body(sender="tg-123", message="apa itu kipp?", metadata={"k": 1}))
    assert (turn.sender, turn.text, turn.metadata, turn.trimmed) == ("tg-123", "apa itu kipp?", {"k": 1}, False)


@pytest.mark.parametrize("raw", [b"[1, 2]", b'"hello"', b"42", b"null", b"{not json", b""])
def test_a_body_that_is_not_a_json_object_is_a_400(raw: bytes) -> None:
    with pytest.raises(BadRequest) as error:
        parse_turn(raw)
    assert error.value.status == 400


@pytest.mark.parametrize(
    "fields",
    [
        {"message": "halo"},
        {"sender": "", "message": "halo"},
        {"sender": 123, "message": "halo"},
        {"sender": "a b", "message": "halo"},
        {"sender": "x" * 200, "message": "halo"},
        {"sender": "../../etc", "message": "halo"},
    ],
)
def test_sender_is_required_and_well_formed(fields: dict) -> None:
    with pytest.raises(BadRequest, match="sender"):
        parse_turn(body(**fields))


@pytest.mark.parametrize("message", [None, 5, ["halo"], {"text": "halo"}])
def test_message_must_be_a_string(message: object) -> None:
    with pytest.raises(BadRequest, match="message"):
        parse_turn(body(sender="tg-1", message=message))


def test_metadata_must_be_an_object() -> None:
    with pytest.raises(BadRequest, match="metadata"):
        parse_turn(body(sender="tg-1", message="halo", metadata="x"))


def test_lone_surrogates_and_control_characters_are_cleaned() -> None:
    raw = b'{"sender": "tg-1", "message": "apa itu kipp \\ud800 \\udfff\\u0000\\u0007 \\ud83d\\ude00"}'
    turn = parse_turn(raw)
    assert turn.text == "apa itu kipp \ufffd \ufffd 😀"
    turn.text.encode("utf-8")  # would raise on a lone surrogate


def test_undecodable_bytes_are_replaced_not_refused() -> None:
    turn = parse_turn(b'{"sender": "tg-1", "message": "kipp \xff\xfe"}')
    assert turn.text == "kipp \ufffd\ufffd"


def test_a_long_message_is_trimmed_to_the_bots_limit_with_a_marker() -> None:
    turn = parse_turn(body(sender="tg-1", message="kriteria inovasi " * 6000))
    assert len(turn.text) <= MAX_MESSAGE_CHARS and turn.text.endswith(TRIM_MARKER)
    assert turn.trimmed and turn.original_length == len("kriteria inovasi " * 6000)


def test_a_body_over_the_cap_is_refused_before_parsing() -> None:
    with pytest.raises(BadRequest) as error:
        parse_turn(b" " * (MAX_BODY_BYTES + 1))
    assert error.value.status == 413
