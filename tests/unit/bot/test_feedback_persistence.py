"""The bot's persistence in the database: a pending 👎 comment, drafts, dialogue states and long payloads."""

from __future__ import annotations

from bot.persistence import DatabasePersistence


async def test_user_data_conversations_and_payloads_survive_a_new_persistence(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'kb.db'}"
    first = DatabasePersistence(url)
    assert await first.get_user_data() == {}
    pending = {"kb_feedback_comment": {"id": 7, "chat": 42, "at": 1.0, "entry": "kipp-apa", "version": 1}}
    await first.update_user_data(42, pending)
    await first.update_conversation("kb_tambah", (42, 42), 3)
    key = first.payloads.callback_data('/choose_topic{"topic": "' + "x" * 80 + '"}')
    await first.flush()

    second = DatabasePersistence(url)
    assert await second.get_user_data() == {42: pending}
    assert await second.get_conversations("kb_tambah") == {(42, 42): 3}
    assert second.payloads.resolve(key) == '/choose_topic{"topic": "' + "x" * 80 + '"}'

    await second.update_conversation("kb_tambah", (42, 42), None)
    await second.drop_user_data(42)
    third = DatabasePersistence(url)
    assert await third.get_user_data() == {} and await third.get_conversations("kb_tambah") == {}
