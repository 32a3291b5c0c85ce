"""`make chat`: talk to the running assistant from the terminal, over the same REST channel as Telegram."""

from __future__ import annotations

import sys
import uuid

import httpx

from settings import bearer, get_settings


def render(messages: list[dict]) -> str:
    """Return the assistant's messages as terminal text, numbering any buttons."""
    lines = []
    for message in messages:
        if message.get("text"):
            lines.append(message["text"])
        for number, button in enumerate(message.get("buttons") or [], start=1):
            lines.append(f"  [{number}] {button['title']}")
    return "\n".join(lines)


def main() -> int:
    """Read lines from stdin and print the assistant's replies; a number picks a button."""
    settings = get_settings()
    url = f"{settings.rasa_url}/webhooks/rest/webhook"
    sender = f"terminal-{uuid.uuid4().hex[:8]}"
    buttons: list[dict] = []
    print("Klinik Inovasi Bot — ketik pertanyaan, angka untuk memilih tombol, Ctrl-D untuk keluar.")
    # The running `make run` leaves its token where get_settings() finds it; RASA_TOKEN in .env wins.
    with httpx.Client(timeout=30, headers=bearer(settings.rasa_token)) as client:
        while True:
            try:
                text = input("> ").strip()
            except (EOFError, KeyboardInterrupt):
                print()
                return 0
            if text.isdigit() and 0 < int(text) <= len(buttons):
                text = buttons[int(text) - 1]["payload"]
            try:
                response = client.post(url, json={"sender": sender, "message": text})
                response.raise_for_status()
            except httpx.HTTPError as exc:
                print(f"(assistant unreachable at {url}: {exc}; is 'make run' running?)")
                continue
            messages = response.json()
            buttons = [button for message in messages for button in message.get("buttons") or []]
            print(render(messages))


if __name__ == "__main__":
    sys.exit(main())
