"""Telegram front end of Klinik Inovasi Bot: relays each chat to the assistant over Rasa's REST channel.

In the order a question travels: `app` wires everything; `handlers` takes a message and asks Rasa through
`rasa_client`; `render` turns the answer into Telegram messages, and `delivery` with `outbox` sends them. Beside
the relay: `feedback` (👍/👎 under answers, with `feedback_buttons`), `privacy` (/hapus_data), `handoff` (a
facilitator takes over), and `admin/` (the knowledge-base admin commands). `store` is the bot's only door to the
database (through the public API of `knowledge`); `handling` answers button taps and stops taken updates.
"""
