"""Telegram front end of Klinik Inovasi Bot: relays each chat to the assistant over Rasa's REST channel."""
