"""The live path of the administration: `kb import` and `kb retire` reach the running assistant within 5 s.

The real action server and Rasa server (the `rasa_stack` fixture); the `kb` command runs as its own process
on their database, as an admin's terminal would; questions go over Rasa's REST channel.
"""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
import yaml

from settings import PROJECT_ROOT

pytestmark = pytest.mark.e2e

# Worded so the NLU routes it to a question intent (ask_kipp) and only the imported entry matches it well.
QUESTION = "siapa maskot kompetisi inovasi zebra"
SECRET = "elang-sembilan"
LIVE_SECONDS = 5.0


def kb(rasa_stack, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "knowledge", "--database-url", rasa_stack.database_url, "--actor", "e2e", *args],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def answer_within(rasa_stack, predicate, seconds: float) -> tuple[bool, float, str]:
    """Ask QUESTION as fresh conversations until `predicate(reply)` holds or `seconds` pass."""
    started = time.monotonic()
    reply = ""
    while time.monotonic() - started < seconds:
        reply = rasa_stack.reply_text(rasa_stack.new_sender("kb-live"), QUESTION)
        if predicate(reply):
            return True, time.monotonic() - started, reply
        time.sleep(0.2)
    return False, time.monotonic() - started, reply


def test_imported_entry_is_answered_within_5_seconds_and_retired_entry_no_longer(rasa_stack, tmp_path) -> None:
    assert SECRET not in rasa_stack.reply_text(rasa_stack.new_sender("kb-live"), QUESTION)
    path = tmp_path / "impor.yml"
    entry = {
        "id": "kipp-uji-maskot-e2e",
        "topic": "kipp",
        "title": "Maskot kompetisi inovasi zebra",
        "questions": [QUESTION],
        "answer": f"Maskot kompetisi inovasi zebra adalah {SECRET}.",
        "sources": [{"title": "Uji end-to-end", "url": "https://menpan.go.id/"}],
    }
    path.write_text(yaml.safe_dump({"entries": [entry]}, allow_unicode=True), encoding="utf-8")

    assert "created 1" in kb(rasa_stack, "import", str(path))
    found, took, reply = answer_within(rasa_stack, lambda r: SECRET in r, LIVE_SECONDS)
    assert found, f"the imported entry was not answered within {LIVE_SECONDS} s; last reply: {reply!r}"
    assert "Sumber: Uji end-to-end" in reply

    assert "retired" in kb(rasa_stack, "retire", "kipp-uji-maskot-e2e")
    gone, took, reply = answer_within(rasa_stack, lambda r: SECRET not in r, LIVE_SECONDS)
    assert gone, f"the retired entry was still answered after {took:.1f} s: {reply!r}"
    time.sleep(1.5)  # past another refresh interval: it stays gone
    assert SECRET not in rasa_stack.reply_text(rasa_stack.new_sender("kb-live"), QUESTION)


def test_kb_stats_flow_funnel_counts_real_conversations(rasa_stack) -> None:
    from knowledge import KnowledgeAdmin
    from knowledge.conversation_owner import RasaConversations

    # The funnel is read through the Rasa server's authenticated route, as the bot's /stats does.
    owner = RasaConversations(rasa_stack.settings.rasa_url, rasa_stack.settings.rasa_token)
    admin = KnowledgeAdmin(rasa_stack.database_url, conversations=owner)

    def funnels() -> dict[str, tuple[int, int, int, dict[str, int]]]:
        return {f.name: (f.starts, f.completed, f.cancelled, dict(f.left_at)) for f in admin.stats(days=2).flows}

    before = funnels()
    done = rasa_stack.new_sender("funnel-done")
    rasa_stack.send(done, "/start_readiness_check")
    for answer in ("BUMD", "Oktober 2024", "belum pernah ikut", "tidak", "tidak ada"):
        rasa_stack.send(done, answer)
    cancelled = rasa_stack.send(rasa_stack.new_sender("funnel-cancel"), "/start_institutionalisation_check")
    assert cancelled
    sender = rasa_stack.new_sender("funnel-cancel-2")
    rasa_stack.send(sender, "/start_institutionalisation_check")
    rasa_stack.send(sender, "batal")
    after = funnels()

    def delta(name: str) -> tuple[int, int, int]:
        old = before.get(name, (0, 0, 0, {}))
        new = after[name]
        return new[0] - old[0], new[1] - old[1], new[2] - old[2]

    assert delta("readiness_form") == (1, 1, 0)
    assert delta("institutionalisation_form") == (2, 0, 1)
    # Both unfinished runs stopped at the first question.
    first_step = next(iter(after["institutionalisation_form"][3]))
    assert (
        after["institutionalisation_form"][3][first_step]
        - before.get("institutionalisation_form", (0, 0, 0, {}))[3].get(first_step, 0)
        == 2
    )
