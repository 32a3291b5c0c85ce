"""Which button payloads may reach the assistant: buttons are untrusted input.

May import nothing of the project. Anyone can send a callback query with any data, and the bot relays a
button's payload to Rasa as a message, where `/intent{...}` sets the intent and slots directly. So only the
kinds of payload the assistant's own buttons carry are relayed (choosing a topic or an entry, answering a
flow step, going back, cancelling, starting a flow, and the small-talk replies a flow may offer); anything
else, such as `/restart` or an arbitrary intent, is refused before it reaches Rasa.
"""

from __future__ import annotations

import json
import re

# The intents the assistant's buttons use (nlu/domain, actions). A test checks that every button payload in
# the domain and the actions is one of these, so a new kind of button is added here on purpose.
BUTTON_INTENTS = frozenset(
    {
        "choose_topic",
        "choose_entry",
        "show_more",
        "inform",
        "back",
        "cancel",
        "affirm",
        "deny",
        "show_menu",
        "greet",
        "help",
    }
)
_PAYLOAD = re.compile(r"^/([a-z_]{1,60})(\{.*\})?$", re.DOTALL)


def known_payload(payload: str) -> bool:
    """Return whether `payload` is a kind of button payload the assistant sends (safe to relay)."""
    match = _PAYLOAD.match(payload)
    if match is None:
        return False
    intent, entities = match.groups()
    if intent not in BUTTON_INTENTS and not intent.startswith("start_"):
        return False
    if entities is None:
        return True
    try:
        parsed = json.loads(entities)
    except ValueError:
        return False
    # Slot values are short scalars; anything else is not a button the assistant made.
    return isinstance(parsed, dict) and all(
        isinstance(k, str) and isinstance(v, (str, int, float, bool)) and len(str(v)) <= 200 for k, v in parsed.items()
    )
