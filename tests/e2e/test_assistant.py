"""The assistant end to end: the real Rasa server and action server, conversed with over HTTP."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from knowledge import queries
from tests.factories import entry_data

pytestmark = pytest.mark.e2e

# The decline itself (utter_out_of_scope), never the crash apology, which also starts with "Maaf".
DECLINE = re.compile(r"di luar cakupan saya")
# What the REST channel answers when Rasa could not run the turn (nlu/channels.py; not imported: importing the
# channel patches Rasa in this process).
APOLOGY = "Maaf, asisten sedang mengalami gangguan dan belum bisa menjawab. Silakan coba lagi beberapa saat lagi."


def has_source(reply: str) -> bool:
    return any(line.startswith("Sumber:") for line in reply.splitlines())


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("kak, syarat minimal umur inovasi biar bisa ikut kompetisi tuh brp lama", r"tahun"),
        ("apa kepanjangan ATM dalam replikasi inovasi", r"amati.*tiru.*modifikasi"),
        ("supaya inovasi tetap jalan walau pimpinan ganti, harus ngapain", r"anggaran|kebijakan|perda"),
    ],
)
def test_question_is_answered_with_a_citation(rasa_stack, question: str, expected: str) -> None:
    reply = rasa_stack.reply_text(rasa_stack.new_sender(), question)
    assert re.search(expected, reply, re.IGNORECASE | re.DOTALL), reply
    assert has_source(reply), reply


def test_answer_carries_entry_metadata_for_feedback(rasa_stack) -> None:
    messages = rasa_stack.send(rasa_stack.new_sender(), "apa itu jipp")
    custom = [m["custom"] for m in messages if "custom" in m]
    assert custom and custom[0]["kb_answer"]["entry_id"].startswith("jipp")


def test_follow_up_is_answered_in_context(rasa_stack) -> None:
    sender = rasa_stack.new_sender()
    rasa_stack.reply_text(sender, "jaringan inovasi pelayanan publik itu apa ya")
    reply = rasa_stack.reply_text(sender, "dasar hukumnya apa?")
    assert "89/2020" in reply and has_source(reply)


OUT_OF_SCOPE = ["berapa tunjangan kinerja pppk tahun depan", "skor pertandingan timnas semalam berapa"]


@pytest.mark.parametrize("question", OUT_OF_SCOPE)
def test_out_of_scope_question_is_declined_politely(rasa_stack, question: str) -> None:
    reply = rasa_stack.reply_text(rasa_stack.new_sender(), question)
    assert DECLINE.search(reply) and not has_source(reply), reply


@pytest.mark.parametrize(
    "message",
    [
        "",
        "    ",
        "x" * 5000,
        "kriteria inovasi " * 300,
        "😀🙏🔥",
        "<b>kipp</b> & *apa* _itu_?",
        "¿Qué es KIPP?",
        "这是什么",
    ],
)
def test_bad_input_gets_a_sensible_reply(rasa_stack, message: str) -> None:
    messages = rasa_stack.send(rasa_stack.new_sender(), message)
    assert any(m.get("text") for m in messages), messages


def test_greeting_offers_topic_buttons(rasa_stack) -> None:
    messages = rasa_stack.send(rasa_stack.new_sender(), "/greet")
    titles = [b["title"] for m in messages for b in m.get("buttons", [])]
    assert {"KIPP", "Replikasi", "Pelembagaan"} <= set(titles)


def test_candidate_button_payload_answers_that_entry(rasa_stack) -> None:
    entry = rasa_stack.kb().index().entries[0]
    reply = rasa_stack.reply_text(rasa_stack.new_sender(), f'/choose_entry{{"entry_id":"{entry.id}"}}')
    assert entry.answer.strip()[:30] in reply and has_source(reply)


def test_knowledge_change_reaches_running_assistant_without_restart(rasa_stack) -> None:
    new = entry_data(
        "kipp-uji-e2e",
        topic="kipp",
        title="Kuota proposal kelompok merpati di KIPP",
        questions=("berapa kuota proposal kelompok merpati di kipp",),
        answer="Kuota proposal kelompok merpati adalah tujuh-tujuh.",
    )
    with rasa_stack.sessions().begin() as session:
        queries.save_entry(session, data=new, actor="e2e")
    deadline = time.monotonic() + 5
    reply = ""
    while time.monotonic() < deadline and "tujuh-tujuh" not in reply:
        reply = rasa_stack.reply_text(rasa_stack.new_sender(), "berapa kuota proposal kelompok merpati di kipp")
    assert "tujuh-tujuh" in reply
    with rasa_stack.sessions().begin() as session:
        queries.set_status(session, entry_id=new.id, status="retired", actor="e2e")
    time.sleep(1.5)
    assert "tujuh-tujuh" not in rasa_stack.reply_text(
        rasa_stack.new_sender(), "berapa kuota proposal kelompok merpati di kipp"
    )


def test_conversation_context_survives_a_rasa_restart(rasa_stack) -> None:
    sender = rasa_stack.new_sender()
    rasa_stack.reply_text(sender, "jaringan inovasi pelayanan publik itu apa ya")
    rasa_stack.restart_service("rasa")
    reply = rasa_stack.reply_text(sender, "dasar hukumnya apa?")
    assert "89/2020" in reply


def test_action_server_down_gives_the_apology_never_a_decline_or_an_answer_then_recovers(rasa_stack) -> None:
    # The decline and the answers come from the action server: with it down, the checks the tests above make
    # must fail (so those tests cannot pass on a dead action server), and the user gets the channel's apology.
    actions = rasa_stack.stack.service("actions")
    actions.stop()
    try:
        for question in OUT_OF_SCOPE:
            reply = rasa_stack.reply_text(rasa_stack.new_sender(), question)
            assert reply == APOLOGY and not DECLINE.search(reply), reply
        reply = rasa_stack.reply_text(rasa_stack.new_sender(), "apa itu kipp")
        assert reply == APOLOGY and not has_source(reply), reply
    finally:
        rasa_stack.restart_service("actions")
    assert has_source(rasa_stack.reply_text(rasa_stack.new_sender(), "apa itu kipp"))
    assert DECLINE.search(rasa_stack.reply_text(rasa_stack.new_sender(), OUT_OF_SCOPE[0]))


def test_rasa_server_runs_without_jax(rasa_stack) -> None:
    """The Rasa process maps TensorFlow's libraries but not jaxlib's (nlu/serve.py): a second off every start."""
    rasa = rasa_stack.stack.service("rasa")
    assert rasa.process is not None
    mapped = Path(f"/proc/{rasa.process.pid}/maps").read_text()
    assert "tensorflow" in mapped
    assert "jaxlib" not in mapped
