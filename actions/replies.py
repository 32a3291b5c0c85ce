"""How knowledge-base entries are turned into messages: answer text, metadata and buttons.

Kept apart from the actions so every action phrases answers, citations and choices the same way.
"""

from __future__ import annotations

import json

from rasa_sdk.executor import CollectingDispatcher

from knowledge import Entry

# Titles show on Telegram buttons; long ones are cut so a phone shows them whole.
MAX_BUTTON_TITLE = 60


def entry_button(entry: Entry) -> dict[str, str]:
    """Return a button that asks for one entry by id (deterministic, no NLU involved)."""
    title = entry.title if len(entry.title) <= MAX_BUTTON_TITLE else entry.title[: MAX_BUTTON_TITLE - 1] + "…"
    payload = "/choose_entry" + json.dumps({"entry_id": entry.id}, separators=(",", ":"))
    return {"title": title, "payload": payload}


def send_answer(dispatcher: CollectingDispatcher, entry: Entry, *, english: bool = False) -> None:
    """Send an entry's answer with its `Sumber:` line, tagged with the entry id and version."""
    dispatcher.utter_message(text=entry.render(english=english))
    # Front ends use this to attach feedback buttons to knowledge-base answers.
    dispatcher.utter_message(json_message={"kb_answer": {"entry_id": entry.id, "version": entry.version}})
