"""Handoff records: one open request per chat, first claim wins, relayed messages find their officer, timeouts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from knowledge import FeedbackVote, HandoffStore
from knowledge.models import utcnow
from settings import Settings, SettingsError
from tests.factories import entry_data


@pytest.fixture
def store(db_url: str) -> HandoffStore:
    return HandoffStore(db_url)


def test_one_open_request_per_chat_and_the_first_claim_wins(store) -> None:
    first = store.request(sender_id="tg-5", user_chat_id=5, user_name="Ani", reason="request")
    again = store.request(sender_id="tg-5", user_chat_id=5, user_name="Ani", reason="request")
    assert again.id == first.id and first.status == "requested"
    claimed, won = store.claim(first.id, facilitator_id=9, facilitator_name="Budi")
    assert won and claimed is not None and claimed.status == "claimed"
    late, won = store.claim(first.id, facilitator_id=10, facilitator_name="Citra")
    assert not won and late is not None and late.facilitator_name == "Budi"


def test_replies_find_the_officer_until_the_handoff_ends(store) -> None:
    handoff = store.request(sender_id="tg-5", user_chat_id=5, user_name="Ani", reason="request")
    store.set_group_message(handoff.id, 100)
    store.record_relay(handoff.id, 101, "in")
    assert store.by_group_message(101).id == handoff.id and store.by_group_message(100).id == handoff.id
    assert store.by_group_message(999) is None
    assert store.close(handoff.id, by="user").status == "closed"
    assert store.by_group_message(101) is None and store.open_for_chat(5) is None
    assert store.close(handoff.id, by="user") is None


def test_unclaimed_requests_time_out(store) -> None:
    waiting = store.request(sender_id="tg-5", user_chat_id=5, user_name="Ani", reason="request")
    claimed = store.request(sender_id="tg-6", user_chat_id=6, user_name="Budi", reason="thumbs-down")
    store.claim(claimed.id, facilitator_id=9, facilitator_name="Citra")
    assert store.expire(older_than=timedelta(minutes=15)) == []
    expired = store.expire(older_than=timedelta(minutes=15), now=utcnow() + timedelta(minutes=16))
    assert [h.id for h in expired] == [waiting.id]
    assert store.open_for_chat(5) is None and store.open_for_chat(6) is not None


def test_stats_count_handoffs(store, admin) -> None:
    a = store.request(sender_id="tg-5", user_chat_id=5, user_name="Ani", reason="request")
    store.request(sender_id="tg-6", user_chat_id=6, user_name="Budi", reason="request")
    store.claim(a.id, facilitator_id=9, facilitator_name="Citra")
    store.expire(older_than=timedelta(0), now=utcnow() + timedelta(seconds=1))
    stats = admin.stats(days=1)
    assert dict(stats.handoffs) == {"requested": 2, "claimed": 1, "timeout": 1, "open": 1}


def test_handoff_settings_are_checked() -> None:
    settings = Settings.from_env({"HANDOFF_CHAT_ID": "-100123", "HANDOFF_TIMEOUT_MINUTES": "5"})
    assert (settings.handoff_chat_id, settings.handoff_timeout_minutes) == (-100123, 5.0)
    with pytest.raises(SettingsError, match="HANDOFF_CHAT_ID"):
        Settings.from_env({"HANDOFF_CHAT_ID": "grup kami"})


def test_deleting_a_person_and_the_retention_purge_remove_handoffs_and_votes(store, admin, sessions) -> None:
    from sqlalchemy import func, select

    from knowledge import SenderSelector
    from knowledge.models import Handoff, HandoffMessage, KbFeedbackVote

    mine = store.request(sender_id="tg-5", user_chat_id=5, user_name="Ani", reason="request")
    store.set_group_message(mine.id, 100)
    other = store.request(sender_id="tg-6", user_chat_id=6, user_name="Budi", reason="request")
    admin.create(entry_data("kipp-apa"), actor="seed")
    admin.add_feedback(
        FeedbackVote(sender_id="tg-5", entry_id="kipp-apa", entry_version=1, helpful=True, answer_key="a1")
    )

    def count(model) -> int:
        with sessions() as session:
            return session.execute(select(func.count()).select_from(model)).scalar_one()

    admin.delete_person(SenderSelector(like=("tg-5",), regex="tg-5"))
    assert (count(Handoff), count(HandoffMessage), count(KbFeedbackVote)) == (1, 0, 0)
    assert store.open_for_chat(6).id == other.id
    admin.purge(retention_days=1, now=utcnow() + timedelta(days=2))
    assert count(Handoff) == 0
