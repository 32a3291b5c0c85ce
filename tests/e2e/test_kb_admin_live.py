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
