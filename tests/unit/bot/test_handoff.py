"""The handoff to a facilitator, step by step: offer, request, claim, relay both ways, end.

Real Update objects (PTB's de_json) with an AsyncMock bot, and the real handoff records in a SQLite file.
"""

from __future__ import annotations

import itertools
from types import SimpleNamespace
from typing import Any
from unittest.mock import MagicMock

import pytest
from telegram import Message
from telegram.ext import Application, ApplicationHandlerStop

from bot import handoff, store
from bot.context import BotData
from settings import Settings

from .conftest import make_bot, message, sent_texts, text_message, update

OFFICER = 5
FACILITATOR = 9
GROUP = -100


@pytest.fixture
def ctx(tmp_path) -> SimpleNamespace:
    data = BotData()
    data.settings = Settings.from_env(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'kb.db'}",
            "HANDOFF_CHAT_ID": str(GROUP),
            "HANDOFF_OFFICE_HOURS": "Senin",
        }
    )
    bot = make_bot()
    message_ids = itertools.count(500)
    # The handoff remembers the id of every message it posts in the group, to route the replies.
    bot.send_message.side_effect = lambda chat_id, text, **kw: MagicMock(
        spec=Message, chat_id=chat_id, text=text, message_id=next(message_ids)
    )
    return SimpleNamespace(bot=bot, bot_data=data, user_data={})


def tap(ctx, data: str, *, user_id: int = OFFICER, chat_id: int = OFFICER):
    return update(
        ctx.bot,
        callback_query={
            "id": "cb",
            "from": {"id": user_id, "is_bot": False, "first_name": "Ani" if user_id == OFFICER else "Budi"},
            "chat_instance": "ci",
            "data": data,
            "message": message(chat_id, text="pesan bot"),
        },
    )


def said(ctx, chat_id: int) -> list[str]:
    return [call.args[1] for call in ctx.bot.send_message.call_args_list if call.args[0] == chat_id]


def keyboard_of_last(ctx, chat_id: int) -> list[str]:
    call = [c for c in ctx.bot.send_message.call_args_list if c.args[0] == chat_id][-1]
    return [b.callback_data for row in call.kwargs["reply_markup"].inline_keyboard for b in row]


async def start_request(ctx) -> Any:
    assert await handoff.on_private_message(update(ctx.bot, message=text_message(OFFICER, "/petugas")), ctx)
    assert said(ctx, OFFICER)[-1] == handoff.TEXT_OFFER
    assert keyboard_of_last(ctx, OFFICER) == ["ho:yes:request", "ho:no"]
    assert await handoff.on_private_button(tap(ctx, "ho:yes:request"), ctx)
    request = store.handoffs(ctx).open_for_chat(OFFICER)
    assert request is not None and request.status == "requested"
    return request


async def test_a_request_goes_to_the_facilitators_with_a_claim_button(ctx) -> None:
    request = await start_request(ctx)
    ctx.bot.answer_callback_query.assert_awaited()  # the tap is answered
    ctx.bot.edit_message_reply_markup.assert_awaited()  # and the offer cannot be accepted twice
    assert said(ctx, OFFICER)[-1] == handoff.TEXT_REQUESTED
    assert said(ctx, GROUP)[-1].startswith(f"🙋 Permintaan bantuan #{request.id} dari Ani")
    assert keyboard_of_last(ctx, GROUP) == [f"ho:claim:{request.id}"]


async def test_declining_the_offer_leaves_the_officer_with_the_assistant(ctx) -> None:
    assert await handoff.on_private_button(tap(ctx, "ho:no"), ctx)
    assert said(ctx, OFFICER) == [handoff.TEXT_DECLINED]
    assert store.handoffs(ctx).open_for_chat(OFFICER) is None


async def test_a_claimed_handoff_relays_both_ways_and_the_officer_ends_it(ctx) -> None:
    request = await start_request(ctx)
    # Before the claim the officer's words are posted in the group and the officer is asked to wait.
    assert await handoff.on_private_message(update(ctx.bot, message=text_message(OFFICER, "halo?")), ctx)
    assert said(ctx, GROUP)[-1] == f"💬 Ani (#{request.id}):\nhalo?"
    assert said(ctx, OFFICER)[-1] == handoff.TEXT_WAITING

    await handoff.on_claim(tap(ctx, f"ho:claim:{request.id}", user_id=FACILITATOR, chat_id=GROUP), ctx)
    assert store.handoffs(ctx).open_for_chat(OFFICER).status == "claimed"
    assert said(ctx, OFFICER)[-1] == handoff.TEXT_CLAIMED.format(name="Budi")

    # A facilitator's reply to the request reaches the officer.
    posted = store.handoffs(ctx).open_for_chat(OFFICER).group_message_id
    original = message(GROUP, FACILITATOR, text="permintaan", message_id=posted)
    facilitator = {"id": FACILITATOR, "is_bot": False, "first_name": "Budi"}
    reply = update(
        ctx.bot,
        message=text_message(GROUP, "Baik, saya bantu.", reply_to_message=original, **{"from": facilitator}),
    )
    assert await handoff.on_group_message(reply, ctx)
    assert said(ctx, OFFICER)[-1] == "👤 Budi (fasilitator):\nBaik, saya bantu."

    # While it is open, the assistant's own buttons are held back.
    assert await handoff.on_private_button(tap(ctx, "/choose_topic"), ctx)
    assert ctx.bot.answer_callback_query.call_args.kwargs["text"] == handoff.TEXT_BUTTON_DURING_HANDOFF

    assert await handoff.on_private_message(update(ctx.bot, message=text_message(OFFICER, "/selesai")), ctx)
    assert said(ctx, OFFICER)[-1] == handoff.TEXT_ENDED_USER
    assert store.handoffs(ctx).open_for_chat(OFFICER) is None
    # Afterwards the officer's messages go to the assistant again.
    assert not await handoff.on_private_message(update(ctx.bot, message=text_message(OFFICER, "apa itu kipp")), ctx)


async def test_a_claim_outside_the_facilitators_group_or_a_second_claim_is_refused(ctx) -> None:
    request = await start_request(ctx)
    await handoff.on_claim(tap(ctx, f"ho:claim:{request.id}", user_id=FACILITATOR, chat_id=FACILITATOR), ctx)
    assert ctx.bot.answer_callback_query.call_args.kwargs["text"] == handoff.TEXT_EXPIRED
    assert store.handoffs(ctx).open_for_chat(OFFICER).status == "requested"
    await handoff.on_claim(tap(ctx, f"ho:claim:{request.id}", user_id=FACILITATOR, chat_id=GROUP), ctx)
    await handoff.on_claim(tap(ctx, f"ho:claim:{request.id}", user_id=77, chat_id=GROUP), ctx)
    assert ctx.bot.answer_callback_query.call_args.kwargs["text"] == "Permintaan ini sudah diambil Budi."


async def test_questions_that_are_not_a_request_go_to_the_assistant(ctx) -> None:
    assert not await handoff.on_private_message(update(ctx.bot, message=text_message(OFFICER, "apa itu kipp")), ctx)
    assert not await handoff.on_private_button(tap(ctx, "/choose_topic"), ctx)
    assert sent_texts(ctx.bot) == []


async def test_registered_handlers_stop_only_the_updates_they_took(ctx) -> None:
    application = Application.builder().token("1:abc").build()
    application.bot_data = ctx.bot_data
    handoff.register_handoff_handlers(application)
    private = application.handlers[handoff.HANDLER_GROUP][0]
    # A question is left to the later groups (the assistant); a request for a person is taken and stopped.
    await private.callback(update(ctx.bot, message=text_message(OFFICER, "apa itu kipp")), ctx)
    with pytest.raises(ApplicationHandlerStop):
        await private.callback(update(ctx.bot, message=text_message(OFFICER, "/petugas")), ctx)
