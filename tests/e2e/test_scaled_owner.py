"""One owner per store, in the embedded default: conversations are deleted through Rasa, which forgets its copy.

The embedded Rasa keeps recently used conversations in memory (nlu/tracker_store.py) and no longer checks
its SQLite file on every turn for deletions made by other processes; `/hapus_data` and the retention purge
now go through Rasa's REST channel, so a deleted conversation must really start afresh.
"""

from __future__ import annotations

import sqlite3

import httpx
import pytest

from bot.privacy import selector_for
from knowledge import KnowledgeAdmin
from knowledge.conversation_owner import RasaConversations
from settings import bearer

pytestmark = pytest.mark.e2e


def _stored(rasa_stack, sender: str) -> int:
    with sqlite3.connect(rasa_stack.settings.tracker_db) as db:
        return int(db.execute("SELECT count(*) FROM events WHERE sender_id = ?", (sender,)).fetchone()[0])


def test_hapus_data_through_rasa_empties_the_conversation_and_its_kept_copy(rasa_stack) -> None:
    user = 880000 + rasa_stack._sender
    sender = f"tg-{user}"
    rasa_stack.send(sender, "/start_readiness_check")
    assert "Tercatat: BUMD" in rasa_stack.reply_text(sender, "BUMD")  # the form is running, and kept in memory
    assert _stored(rasa_stack, sender) > 0

    admin = KnowledgeAdmin(
        rasa_stack.database_url,
        conversations=RasaConversations(rasa_stack.rasa_url, rasa_stack.settings.rasa_token),
    )
    report = admin.delete_person(selector_for(user))

    assert report.conversation_events > 0 and _stored(rasa_stack, sender) == 0
    # The next message starts a new conversation: no form waits for the second answer.
    assert "(3/5)" not in rasa_stack.reply_text(sender, "Oktober 2024")


def test_the_conversation_routes_refuse_requests_without_the_token(rasa_stack) -> None:
    sender = rasa_stack.new_sender("tg-owner")
    rasa_stack.send(sender, "halo")
    base = f"{rasa_stack.rasa_url}/webhooks/rest/conversations"
    wrong = bearer("x" * 32)
    assert httpx.get(base, params={"like": "%"}, timeout=30).status_code == 401
    assert httpx.delete(f"{base}/{sender}", headers=wrong, timeout=30).status_code == 401
    assert httpx.post(f"{base}/purge", json={"before": 4e9}, timeout=30).status_code == 401
    assert _stored(rasa_stack, sender) > 0
