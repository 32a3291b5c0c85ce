"""When the bot offers a facilitator: requests for a person, not questions that mention one."""

from __future__ import annotations

import pytest

from bot.handoff import ASK_FOR_PERSON


@pytest.mark.parametrize(
    "text",
    [
        "saya mau bicara dengan petugas",
        "bisa hubungi admin?",
        "tolong sambungkan ke fasilitator",
        "Saya butuh petugas untuk konsultasi",
        "boleh ngobrol sama admin",
        "minta dihubungkan dengan operator",
    ],
)
def test_a_request_for_a_person_is_recognised(text: str) -> None:
    assert ASK_FOR_PERSON.search(text)


@pytest.mark.parametrize(
    "text",
    [
        "bagaimana cara menghubungi admin sinovik?",
        "hubungi admin kipp di mana",
        "apa itu kipp",
        "minta contoh inovasi dari orang lain",
        "siapa petugas yang menilai proposal",
        "perlu dokumen apa saja",
    ],
)
def test_questions_that_mention_people_are_left_to_the_assistant(text: str) -> None:
    assert not ASK_FOR_PERSON.search(text)


async def test_expired_requests_get_an_apology_with_office_hours_and_the_group_is_told(tmp_path) -> None:
    from types import SimpleNamespace

    from bot import handoff
    from bot.context import BotData
    from knowledge import HandoffStore
    from settings import Settings

    from .conftest import make_bot

    url = f"sqlite:///{tmp_path / 'kb.db'}"
    data = BotData()
    data.settings = Settings.from_env(
        {
            "DATABASE_URL": url,
            "HANDOFF_CHAT_ID": "-100",
            "HANDOFF_TIMEOUT_MINUTES": "0",
            "HANDOFF_OFFICE_HOURS": "Senin",
        }
    )
    store = HandoffStore(url)
    waiting = store.request(sender_id="tg-5", user_chat_id=5, user_name="Ani", reason="request")
    store.set_group_message(waiting.id, 77)
    context = SimpleNamespace(bot=make_bot(), bot_data=data)
    assert await handoff.expire_requests(context) == 1
    sent = {call.args[0]: call.args[1] for call in context.bot.send_message.call_args_list}
    assert "Senin" in sent[5] and "kedaluwarsa" in sent[-100]
    context.bot.edit_message_reply_markup.assert_awaited_once_with(-100, 77, reply_markup=None)
    assert store.open_for_chat(5) is None
    assert await handoff.expire_requests(context) == 0
