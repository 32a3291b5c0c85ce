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
