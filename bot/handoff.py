"""Human handoff: when the assistant is not enough, a facilitator takes over the conversation for a while.

May import: `settings`, `telegram`, the bot's own `context`, `handling`, `store` and `handlers` (conversation
ids), and the public API of `knowledge` (`bot.store.handoffs`, a `HandoffStore`, keeps every step in the
database, so a restart loses nothing and the stats count handoffs). In the spirit of Botpress's HITL:

1. The bot offers a facilitator when an officer asks for one ("saya mau bicara dengan petugas", /petugas) or
   after two 👎 in a row (`offer_after_thumbs_down`).
2. On "Ya", the request goes to the facilitators' group (HANDOFF_CHAT_ID) with a short summary of the
   conversation (the officer's last questions and what the assistant did), and an "Ambil" button.
3. The first facilitator to tap it claims it. From then on the officer's messages are posted in the group as
   replies to the request, and a facilitator's reply to any of them goes back to the officer.
4. Either side ends it with /selesai (the facilitator as a reply in the group); the assistant then answers again.
   A request nobody claims within HANDOFF_TIMEOUT_MINUTES ends with an apology and the office hours.

While a handoff is open nothing the officer sends reaches the assistant. Works in private chats. Everything
here runs in handler group -5, before every other handler, and stops the updates it takes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from datetime import datetime, timedelta, timezone
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update, User
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters

import knowledge
from bot import store
from bot.context import Context
from bot.handlers import sender_id
from bot.handling import answer_tap, consuming, drop_keyboard, stopping

logger = logging.getLogger(__name__)

HANDLER_GROUP = -5
EXPIRY_CHECK_SECONDS = 30.0
THUMBS_DOWN_STREAK_KEY = "handoff_thumbs_down_streak"
# What officers write when they want a person (Indonesian, everyday spelling). Kept narrow on purpose: "cara
# menghubungi admin SINOVIK" is a question for the knowledge base, not a request for a facilitator.
ASK_FOR_PERSON = re.compile(
    r"\b(?:bicara|berbicara|ngobrol|bincang|hubungkan|sambungkan|dihubungkan|disambungkan|hubungi|panggil|"
    r"minta|butuh|perlu)\b[^.?!\n]{0,25}?\b(?:petugas|admin|fasilitator|operator|manusia|cs)\b"
    r"(?!\s+(?:sinovik|kipp|jipp|mpp|unpsa|menpan|panrb|pemda|daerah|dinas|instansi|kementerian))",
    re.IGNORECASE,
)

TEXT_OFFER = "Mau saya hubungkan dengan fasilitator (petugas)? Mereka akan membalas di sini."
TEXT_OFFER_AFTER_THUMBS_DOWN = "Sepertinya jawaban saya belum membantu. " + TEXT_OFFER
TEXT_NOT_AVAILABLE = "Maaf, layanan petugas belum tersedia saat ini. Jam layanan: {hours}."
TEXT_REQUESTED = (
    "Permintaan Anda sudah diteruskan ke fasilitator. Mohon tunggu; pesan Anda berikutnya juga kami teruskan. "
    "Ketik /selesai untuk membatalkan."
)
TEXT_WAITING = "Pesan Anda sudah kami teruskan; fasilitator belum bergabung. Mohon tunggu, atau ketik /selesai."
TEXT_CLAIMED = "Fasilitator {name} sudah bergabung. Silakan tulis pesan Anda. Ketik /selesai untuk mengakhiri."
TEXT_ENDED_USER = "Percakapan dengan fasilitator selesai. Asisten kembali menjawab pertanyaan Anda."
TEXT_CANCELLED = "Permintaan dibatalkan. Asisten kembali menjawab pertanyaan Anda."
TEXT_TIMEOUT = (
    "Maaf, belum ada fasilitator yang dapat melayani saat ini. Silakan coba lagi pada jam layanan ({hours}). "
    "Asisten kembali menjawab pertanyaan Anda."
)
TEXT_DECLINED = "Baik. Silakan lanjutkan pertanyaan Anda kepada asisten."
TEXT_EXPIRED = "Tombol ini sudah kedaluwarsa."
TEXT_BUTTON_DURING_HANDOFF = "Anda sedang terhubung dengan fasilitator; ketik /selesai untuk kembali ke asisten."
OUTCOMES = {"answered": "dijawab", "uncertain": "dijawab (ragu)", "ambiguous": "diberi pilihan", "declined": "ditolak"}


async def _db(context: Context, method: str, *args: Any, **kwargs: Any) -> Any:
    return await store.off_loop(getattr(store.handoffs(context), method), *args, **kwargs)


def _name(user: User | None) -> str:
    if user is None:
        return "Pengguna"
    return user.full_name or (f"@{user.username}" if user.username else str(user.id))


def _keyboard(*buttons: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(text, callback_data=data) for text, data in buttons]])


def offer_keyboard(reason: str = "request") -> InlineKeyboardMarkup:
    """Return the Ya/Tidak buttons of an offer (`reason`: request or thumbs-down, kept for the stats)."""
    return _keyboard(("🙋 Ya, hubungkan", f"ho:yes:{reason}"), ("Tidak", "ho:no"))


async def _send(context: Context, chat_id: int, text: str, **kwargs: Any) -> Message | None:
    try:
        return await context.bot.send_message(chat_id, text, **kwargs)
    except TelegramError as exc:
        logger.warning("Handoff message to chat %s failed: %s", chat_id, exc)
        return None


def utcnow() -> datetime:
    """Return the current time, aware UTC."""
    return datetime.now(timezone.utc)


def _timeout(context: Context) -> timedelta:
    return timedelta(minutes=context.bot_data.settings.handoff_timeout_minutes)


async def expire_requests(context: Context | Any, bot: Any | None = None) -> int:
    """Time out requests nobody claimed; apologise to the officers and mark the group messages. Return how many."""
    settings = context.bot_data.settings
    expired: list[knowledge.HandoffInfo] = await _db(context, "expire", older_than=_timeout(context))
    bot = bot or context.bot
    for handoff in expired:
        logger.info("Handoff %d timed out", handoff.id)
        with contextlib.suppress(TelegramError):
            await bot.send_message(handoff.user_chat_id, TEXT_TIMEOUT.format(hours=settings.handoff_office_hours))
        if settings.handoff_chat_id is not None and handoff.group_message_id is not None:
            with contextlib.suppress(TelegramError):
                await bot.edit_message_reply_markup(
                    settings.handoff_chat_id, handoff.group_message_id, reply_markup=None
                )
                await bot.send_message(
                    settings.handoff_chat_id,
                    f"⌛ Permintaan #{handoff.id} dari {handoff.user_name} kedaluwarsa (tidak diambil).",
                    reply_to_message_id=handoff.group_message_id,
                )
    return len(expired)


def _summary(handoff: knowledge.HandoffInfo, exchanges: list[knowledge.Exchange]) -> str:
    reason = "dua 👎 berturut-turut" if handoff.reason == "thumbs-down" else "permintaan langsung"
    lines = [f"🙋 Permintaan bantuan #{handoff.id} dari {handoff.user_name} ({handoff.sender_id})", f"Alasan: {reason}"]
    if exchanges:
        lines.append("Pertanyaan terakhir:")
        for item in exchanges:
            what = OUTCOMES.get(item.outcome, item.outcome) + (f": {item.entry_id}" if item.entry_id else "")
            lines.append(f"• {knowledge.wib(item.at)[11:]} “{item.question[:200]}” → {what}")
    else:
        lines.append("Belum ada pertanyaan tercatat.")
    lines.append(
        "Ambil dengan tombol di bawah, lalu balas (reply) pesan-pesannya. /selesai (sebagai balasan) mengakhiri."
    )
    return "\n".join(lines)


async def _request(update: Update, context: Context, reason: str) -> None:
    chat, user = update.effective_chat, update.effective_user
    settings = context.bot_data.settings
    if chat is None:
        return
    if settings.handoff_chat_id is None:
        await _send(context, chat.id, TEXT_NOT_AVAILABLE.format(hours=settings.handoff_office_hours))
        return
    sender = sender_id(chat, user)
    handoff: knowledge.HandoffInfo = await _db(
        context, "request", sender_id=sender, user_chat_id=chat.id, user_name=_name(user), reason=reason
    )
    if handoff.group_message_id is None:
        exchanges = await _db(context, "recent_exchanges", sender)
        posted = await _send(
            context,
            settings.handoff_chat_id,
            _summary(handoff, exchanges),
            reply_markup=_keyboard(("✋ Ambil", f"ho:claim:{handoff.id}")),
        )
        if posted is None:
            await _db(context, "close", handoff.id, by="error")
            await _send(context, chat.id, TEXT_NOT_AVAILABLE.format(hours=settings.handoff_office_hours))
            return
        await _db(context, "set_group_message", handoff.id, posted.message_id)
    logger.info("Handoff %d requested by %s (%s)", handoff.id, sender, reason)
    await _send(context, chat.id, TEXT_REQUESTED)


# ----------------------------------------------------------------------------------------------------------------
# The officer's side (private chats)


async def on_private_message(update: Update, context: Context) -> bool:
    """Relay an officer's message during a handoff, or offer one when asked for a person; return if consumed."""
    message, chat = update.message, update.effective_chat
    if message is None or chat is None or message.text is None:
        return False
    handoff: knowledge.HandoffInfo | None = await _db(context, "open_for_chat", chat.id)
    if handoff is not None and handoff.status == "requested" and handoff.requested_at < utcnow() - _timeout(context):
        await expire_requests(context)  # the expiry loop may not have run yet: this request is over
        handoff = None
    text = message.text.strip()
    command = text.split(maxsplit=1)[0].split("@", 1)[0].lower() if text.startswith("/") else ""
    if handoff is None:
        if command == "/petugas" or (not command and ASK_FOR_PERSON.search(text)):
            await _send(context, chat.id, TEXT_OFFER, reply_markup=offer_keyboard("request"))
            return True
        return False
    settings = context.bot_data.settings
    if command == "/selesai" or text.lower() in {"selesai", "batal"}:
        await _db(context, "close", handoff.id, by="user")
        logger.info("Handoff %d ended by the officer", handoff.id)
        await _send(context, chat.id, TEXT_ENDED_USER if handoff.status == "claimed" else TEXT_CANCELLED)
        if settings.handoff_chat_id is not None:
            await _send(
                context,
                settings.handoff_chat_id,
                f"🔚 {handoff.user_name} mengakhiri percakapan #{handoff.id}.",
                reply_to_message_id=handoff.group_message_id,
            )
        return True
    if settings.handoff_chat_id is not None:
        logger.debug("Handoff %d: relaying %r", handoff.id, text)
        posted = await _send(
            context,
            settings.handoff_chat_id,
            f"💬 {handoff.user_name} (#{handoff.id}):\n{text}",
            reply_to_message_id=handoff.group_message_id,
        )
        if posted is not None:
            await _db(context, "record_relay", handoff.id, posted.message_id, "in")
    if handoff.status == "requested":
        await _send(context, chat.id, TEXT_WAITING)
    return True


async def on_private_button(update: Update, context: Context) -> bool:
    """Take the offer's Ya/Tidak; hold back assistant buttons while a handoff is open. Return if consumed."""
    query, chat = update.callback_query, update.effective_chat
    if query is None or query.data is None or chat is None:
        return False
    data = query.data
    if data.startswith("ho:yes:"):
        await answer_tap(update)
        await drop_keyboard(update)
        await _request(update, context, "thumbs-down" if data.endswith("thumbs-down") else "request")
        return True
    if data == "ho:no":
        await answer_tap(update)
        await drop_keyboard(update)
        await _send(context, chat.id, TEXT_DECLINED)
        return True
    if data.startswith("ho:"):
        await answer_tap(update, TEXT_EXPIRED)
        return True
    if data.startswith(("fb:", "adm:")):
        return False  # feedback and admin buttons are not the assistant's
    if await _db(context, "open_for_chat", chat.id) is not None:
        await answer_tap(update, TEXT_BUTTON_DURING_HANDOFF)
        return True
    return False


async def offer_after_thumbs_down(context: Context, chat_id: int) -> None:
    """Count a 👎; on the second in a row, offer a facilitator (call `reset_thumbs_down` on a 👍)."""
    if context.user_data is None or context.bot_data.settings.handoff_chat_id is None:
        return
    streak = int(context.user_data.get(THUMBS_DOWN_STREAK_KEY, 0)) + 1
    context.user_data[THUMBS_DOWN_STREAK_KEY] = streak
    if streak >= 2 and chat_id > 0:
        context.user_data[THUMBS_DOWN_STREAK_KEY] = 0
        await _send(context, chat_id, TEXT_OFFER_AFTER_THUMBS_DOWN, reply_markup=offer_keyboard("thumbs-down"))


def reset_thumbs_down(context: Context) -> None:
    """A 👍 breaks the streak of 👎."""
    if context.user_data is not None:
        context.user_data.pop(THUMBS_DOWN_STREAK_KEY, None)


# ----------------------------------------------------------------------------------------------------------------
# The facilitators' side (HANDOFF_CHAT_ID)


async def on_claim(update: Update, context: Context) -> None:
    """Claim a request on its "Ambil" button, in the facilitators' group only."""
    query, user, chat = update.callback_query, update.effective_user, update.effective_chat
    settings = context.bot_data.settings
    if query is None or query.data is None or user is None or chat is None:
        return
    match = re.fullmatch(r"ho:claim:(\d{1,12})", query.data)
    if match is None or chat.id != settings.handoff_chat_id:
        await answer_tap(update, TEXT_EXPIRED)
        return
    handoff, claimed = await _db(
        context, "claim", int(match.group(1)), facilitator_id=user.id, facilitator_name=_name(user)
    )
    if not claimed:
        taken = f"sudah diambil {handoff.facilitator_name}" if handoff and handoff.facilitator_name else "tidak aktif"
        await answer_tap(update, f"Permintaan ini {taken}.")
        return
    await answer_tap(update, "Anda mengambil permintaan ini.")
    await drop_keyboard(update)
    logger.info("Handoff %d claimed by facilitator %s", handoff.id, user.id)
    await _send(
        context,
        chat.id,
        f"✋ {_name(user)} mengambil permintaan #{handoff.id}. Balas (reply) pesan {handoff.user_name} di sini.",
        reply_to_message_id=handoff.group_message_id,
    )
    await _send(context, handoff.user_chat_id, TEXT_CLAIMED.format(name=_name(user)))


async def on_group_message(update: Update, context: Context) -> bool:
    """Send a facilitator's reply to the officer; /selesai as a reply ends the handoff. Return if consumed.

    Everything in the facilitators' group is the handoff's and never reaches the assistant, except commands
    (an admin may use /kb_statistik there).
    """
    message, user = update.message, update.effective_user
    if message is None or user is None:
        return True
    text = (message.text or "").strip()
    command = text.split(maxsplit=1)[0].split("@", 1)[0].lower() if text.startswith("/") else ""
    if command and command != "/selesai":
        return False
    if not text or message.reply_to_message is None:
        return True
    handoff: knowledge.HandoffInfo | None = await _db(context, "by_group_message", message.reply_to_message.message_id)
    if handoff is None:
        return True
    if handoff.status != "claimed":
        await _send(context, message.chat_id, "Ambil dulu permintaan ini dengan tombol ✋ Ambil.")
        return True
    if command == "/selesai":
        await _db(context, "close", handoff.id, by="facilitator")
        logger.info("Handoff %d ended by facilitator %s", handoff.id, user.id)
        await _send(context, handoff.user_chat_id, TEXT_ENDED_USER)
        await _send(
            context, message.chat_id, f"🔚 Percakapan #{handoff.id} selesai.", reply_to_message_id=message.message_id
        )
        return True
    sent = await _send(context, handoff.user_chat_id, f"👤 {_name(user)} (fasilitator):\n{text}")
    if sent is not None:
        await _db(context, "record_relay", handoff.id, message.message_id, "out")
    return True


# ----------------------------------------------------------------------------------------------------------------
# Registration and the expiry loop


def register_handoff_handlers(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Register the handoff handlers in group -5, before every other handler."""
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE & filters.TEXT
    application.add_handler(MessageHandler(private, consuming(on_private_message)), HANDLER_GROUP)
    handoff_chat = application.bot_data.settings.handoff_chat_id
    if handoff_chat is not None:
        group = filters.Chat(handoff_chat)
        application.add_handler(CallbackQueryHandler(stopping(on_claim), pattern=r"^ho:claim:"), HANDLER_GROUP)
        # Everything in the facilitators' group is the handoff's: it never reaches the assistant.
        relay = MessageHandler(group & filters.UpdateType.MESSAGE, consuming(on_group_message))
        application.add_handler(relay, HANDLER_GROUP)
    application.add_handler(CallbackQueryHandler(consuming(on_private_button)), HANDLER_GROUP)


_EXPIRY_TASKS: dict[int, asyncio.Task[None]] = {}


async def _expiry_loop(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    class _Context:
        bot_data = application.bot_data

    while True:
        await asyncio.sleep(EXPIRY_CHECK_SECONDS)
        try:
            await expire_requests(_Context(), application.bot)
        except knowledge.KnowledgeUnavailable:
            logger.warning("Could not check handoff timeouts: database unavailable")


def start_expiry(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Time out unclaimed requests every EXPIRY_CHECK_SECONDS while the bot runs (there is no JobQueue).

    A plain asyncio task, not `Application.create_task`, whose tasks `stop()` waits for: this one never ends.
    """
    if application.bot_data.settings.handoff_chat_id is not None and id(application) not in _EXPIRY_TASKS:
        _EXPIRY_TASKS[id(application)] = asyncio.get_running_loop().create_task(_expiry_loop(application))


async def stop_expiry(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Stop the expiry task of `application`, if it runs."""
    task = _EXPIRY_TASKS.pop(id(application), None)
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
