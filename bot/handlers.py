"""Telegram handlers: relay each conversation to the assistant and answer what the assistant cannot.

May import: `settings`, `telegram`, the bot's own `context`, `delivery`, `feedback_buttons`, `handling`,
`payloads`, `rasa_client`, `render` and `store`, and the public API of `knowledge` (its types and errors; the
database is reached through `bot.store`). Each handler does one job; `bot.app.build_application` registers them.

Conversations: in a private chat the sender id is `tg-<chat_id>`; in a group every member has their own
conversation, `tg-<chat_id>-<user_id>`, so two members never step on each other's dialogue state.
User text is logged at DEBUG only.
"""

from __future__ import annotations

import base64
import html
import importlib.metadata
import logging
import re
import time
import traceback
from collections.abc import Callable, Coroutine
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from telegram import (
    BotCommand,
    Chat,
    Message,
    MessageEntity,
    Update,
    User,
)
from telegram.constants import ParseMode
from telegram.error import NetworkError, TelegramError

import knowledge
from bot import store
from bot.context import Context
from bot.delivery import Target, Typing, deliver, send_plain
from bot.feedback_buttons import button_key, with_feedback_buttons
from bot.handling import answer_tap
from bot.payloads import known_payload
from bot.rasa_client import RasaBusy, RasaUnavailable
from bot.render import OutgoingText, render_reply

logger = logging.getLogger(__name__)

APP_NAME = "Klinik Inovasi Bot"
PACKAGE_NAME = "klinik-inovasi-bot"

# Messages the assistant knows as intents: commands are translated to these, never sent as typed.
GREET_INTENT = "/greet"
HELP_INTENT = "/help"
MENU_INTENT = "/show_menu"
RESTART_INTENT = "/restart"

# Questions to the assistant are short; anything longer than this is trimmed (with a note to the user)
# rather than relayed whole: the intent classifier reads a question best on its own, and Telegram clients
# never send more than 4096 characters in one message anyway.
MAX_USER_TEXT = 1000
OPS_ALERT_MAX_CHARS = 500

# Commands that start a guided clinic flow: each sends the flow's intent to the assistant.
FLOW_COMMANDS = {
    "kesiapan": "/start_readiness_check",
    "replikasi": "/start_replication_plan",
    "pelembagaan": "/start_institutionalisation_check",
    "demo": "/start_demo",
}

BOT_COMMANDS = (
    BotCommand("start", "Mulai percakapan dan tampilkan topik"),
    BotCommand("menu", "Tampilkan menu topik"),
    BotCommand("kesiapan", "Cek kesiapan ikut KIPP"),
    BotCommand("replikasi", "Susun rencana aksi replikasi"),
    BotCommand("pelembagaan", "Cek pelembagaan inovasi"),
    BotCommand("demo", "Mode demo untuk fasilitator"),
    BotCommand("help", "Bantuan dan contoh pertanyaan"),
    BotCommand("reset", "Mulai ulang percakapan"),
    BotCommand("tentang", "Tentang asisten ini"),
    BotCommand("hapus_data", "Hapus data percakapan saya"),
)

TEXT_ASSISTANT_DOWN = "Maaf, asisten sedang tidak dapat dihubungi. Silakan coba lagi beberapa saat lagi."
TEXT_SLOW_DOWN = "Pesan Anda masuk terlalu cepat. Tunggu sebentar, lalu kirim pertanyaan berikutnya."
TEXT_ERROR = "Maaf, terjadi kesalahan saat memproses pesan Anda. Silakan coba lagi."
TEXT_NO_ANSWER = "Maaf, saya belum punya jawaban untuk itu. Ketuk /menu untuk melihat topik yang saya pahami."
TEXT_EMPTY = "Pesan Anda kosong. Silakan ketik pertanyaan Anda, atau ketuk /menu untuk melihat topik."
TEXT_TRIMMED = (
    "Pesan Anda sangat panjang ({length} karakter). Saya hanya membaca {limit} karakter pertamanya; "
    "untuk jawaban terbaik, ajukan satu pertanyaan singkat per pesan."
)
TEXT_RESET_DONE = "Percakapan sudah dimulai ulang. Silakan ketik pertanyaan Anda, atau ketuk /menu."
TEXT_BUTTON_EXPIRED = "Tombol ini sudah tidak berlaku. Ketuk /menu untuk memilih lagi."
TEXT_UNKNOWN_COMMAND = (
    "Perintah itu tidak saya kenal. Perintah yang tersedia: /start, /menu, /kesiapan, /replikasi, /pelembagaan, "
    "/demo, /help, /reset, /tentang, /hapus_data."
)
TEXT_NOT_TEXT = (
    "Maaf, saya belum bisa memahami {kind}. Saya hanya memahami pesan teks: ketik pertanyaan Anda tentang "
    "KIPP, replikasi, pelembagaan inovasi, JIPP, MPP atau UNPSA, atau ketuk /menu untuk melihat topik."
)
TEXT_ABOUT = (
    "<b>{name}</b>\n"
    "Asisten virtual Klinik Inovasi untuk para pegawai: menjawab pertanyaan seputar Kompetisi Inovasi "
    "Pelayanan Publik (KIPP), replikasi dan pelembagaan inovasi, JIPP, Mal Pelayanan Publik (MPP) dan UNPSA, "
    "dari basis pengetahuan Klinik Inovasi.\n\n"
    "Versi: {version}\n"
    "Basis pengetahuan: {kb}"
)

# Checked in this order: an animation (GIF) message also carries `document`.
_NON_TEXT_KINDS = (
    ("sticker", "stiker"),
    ("animation", "GIF"),
    ("photo", "foto"),
    ("voice", "pesan suara"),
    ("video_note", "pesan video"),
    ("video", "video"),
    ("audio", "audio"),
    ("document", "dokumen"),
    ("venue", "lokasi"),
    ("location", "lokasi"),
    ("contact", "kontak"),
    ("poll", "polling"),
    ("dice", "dadu"),
)
_MONTHS = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
# Dates in /tentang are shown in Western Indonesian Time, where the clinic works.
_WIB = timezone(timedelta(hours=7), "WIB")
_GROUP_TYPES = frozenset({Chat.GROUP, Chat.SUPERGROUP})


# --------------------------------------------------------------------------------------------------------------
# Helpers


def is_group(chat: Chat) -> bool:
    """Return True for groups and supergroups, where each member is their own conversation."""
    return chat.type in _GROUP_TYPES


def sender_id(chat: Chat, user: User | None) -> str:
    """Return the assistant's conversation id: per chat, and per member in groups."""
    if is_group(chat) and user is not None:
        return f"tg-{chat.id}-{user.id}"
    return f"tg-{chat.id}"


def conversation_key(update: object) -> str | None:
    """Return the conversation an update belongs to, or None if it belongs to none."""
    if not isinstance(update, Update) or update.effective_chat is None:
        return None
    return sender_id(update.effective_chat, update.effective_user)


def app_version() -> str:
    """Return the installed package's version, or "dev" when running from a source tree."""
    try:
        return importlib.metadata.version(PACKAGE_NAME)
    except importlib.metadata.PackageNotFoundError:
        return "dev"


def format_date(moment: datetime) -> str:
    """Format a date the Indonesian way, e.g. "5 Maret 2025" (aware times are shown in WIB)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(_WIB)
    return f"{moment.day} {_MONTHS[moment.month - 1]} {moment.year}"


def _thousands(number: int) -> str:
    """Format a count with Indonesian thousands separators ("5.000")."""
    return f"{number:,}".replace(",", ".")


def _target(update: Update) -> Target | None:
    """Return where replies to `update` go, or None if it has no chat."""
    chat = update.effective_chat
    if chat is None:
        return None
    message = update.effective_message
    thread_id = message.message_thread_id if isinstance(message, Message) and message.is_topic_message else None
    # In a group the answer quotes the question, so everyone sees whom the bot is answering.
    reply_to = update.message.message_id if update.message is not None and is_group(chat) else None
    return Target(chat.id, thread_id, reply_to)


def _mentions_bot(message: Message, username: str, bot_id: int) -> bool:
    """Return True if the text or caption mentions the bot by @username or as a text mention."""
    wanted = f"@{username}".lower()
    kinds = [MessageEntity.MENTION, MessageEntity.TEXT_MENTION]
    found = {**message.parse_entities(kinds), **message.parse_caption_entities(kinds)}
    for entity, value in found.items():
        if entity.type == MessageEntity.MENTION and value.lower() == wanted:
            return True
        if entity.type == MessageEntity.TEXT_MENTION and entity.user is not None and entity.user.id == bot_id:
            return True
    return False


def is_addressed(message: Message, context: Context) -> bool:
    """Return True if the bot should answer: always in private chats, in groups only when addressed.

    In a group the bot answers a message that mentions it or replies to one of its messages (commands have
    their own handlers); everything else is members talking among themselves.
    """
    if not is_group(message.chat):
        return True
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == context.bot.id:
        return True
    return _mentions_bot(message, context.bot.username, context.bot.id)


def _strip_mention(text: str, username: str) -> str:
    """Remove @username mentions of the bot from a group message."""
    return re.sub(rf"@{re.escape(username)}\b", " ", text, flags=re.IGNORECASE).strip()


def _trim(text: str) -> tuple[str, bool]:
    """Cut `text` to MAX_USER_TEXT characters at a word boundary; return it and whether it was cut."""
    if len(text) <= MAX_USER_TEXT:
        return text, False
    cut = text[:MAX_USER_TEXT]
    space = cut.rfind(" ")
    if space > MAX_USER_TEXT * 0.8:
        cut = cut[:space]
    return cut.rstrip(), True


TEXT_DOCUMENT_GONE = "Dokumen ini tidak bisa diambil sekarang. Ulangi alurnya untuk membuatnya kembali."


def attach_documents(
    messages: list[dict[str, Any]], load: Callable[[str], knowledge.StoredDocument | None]
) -> list[dict[str, Any]]:
    """Fetch the documents the assistant sent by reference (`document.ref`) with `load`.

    The flows store their .docx files in the knowledge base so the conversation keeps only a short id; the
    bytes are read here, just before sending. A document that cannot be found becomes a short apology.
    """
    out = []
    for message in messages:
        custom = message.get("custom")
        spec = custom.get("document") if isinstance(custom, dict) else None
        if not isinstance(custom, dict) or not isinstance(spec, dict) or not spec.get("ref") or spec.get("content_b64"):
            out.append(message)
            continue
        try:
            stored = load(str(spec["ref"]))
        except knowledge.KnowledgeUnavailable:
            stored = None
        if stored is None:
            logger.warning("Document %s could not be loaded", spec["ref"])
            out.append({"text": TEXT_DOCUMENT_GONE})
            continue
        content = base64.b64encode(stored.content).decode("ascii")
        document = {**spec, "filename": spec.get("filename") or stored.filename, "content_b64": content}
        out.append({**message, "custom": {**custom, "document": document}})
    return out


def _same_question(old: str, new_html: str) -> bool:
    """Return whether a new reply re-asks the question of an earlier message (same first line)."""
    first_old = old.strip().splitlines()[0] if old.strip() else ""
    first_new = html.unescape(re.sub(r"<[^>]+>", "", new_html)).strip().splitlines()
    return bool(first_old) and bool(first_new) and first_new[0] == first_old


async def _edit_in_place(context: Context, tapped: Message, item: OutgoingText) -> bool:
    """Replace the tapped message with `item` (a multi-select checklist re-drawn); False if Telegram refuses."""
    try:
        await context.bot.edit_message_text(
            item.html,
            chat_id=tapped.chat_id,
            message_id=tapped.message_id,
            parse_mode=ParseMode.HTML,
            reply_markup=item.keyboard,
        )
    except TelegramError as exc:
        logger.debug("Could not edit message %s in place: %s", tapped.message_id, exc)
        return False
    return True


async def relay(
    update: Update,
    context: Context,
    text: str,
    *,
    fallback: str | None = TEXT_NO_ANSWER,
    tapped: Message | None = None,
) -> None:
    """Send `text` to the assistant as this conversation and deliver its reply.

    While the assistant works (past TYPING_DELAY_SECONDS) the chat shows "typing…". If the assistant cannot be
    reached the user gets a fixed apology; nothing is kept in a broken state, so the next message simply tries
    again. When the assistant returns no message at all, `fallback` (if any) is sent so the user is not left
    waiting.
    """
    target = _target(update)
    chat = update.effective_chat
    if target is None or chat is None:
        return
    sender = sender_id(chat, update.effective_user)
    started = time.perf_counter()
    logger.debug("Relaying for %s: %r", sender, text)
    try:
        async with Typing(context.bot, target, context.bot_data.settings.typing_delay_seconds):
            messages = await context.bot_data.rasa.send_message(sender, text)
    except RasaBusy:
        logger.info("Assistant asked %s to slow down", sender)
        await send_plain(context, target, TEXT_SLOW_DOWN)
        return
    except RasaUnavailable as exc:
        logger.warning("Assistant unavailable for %s: %s", sender, exc)
        await send_plain(context, target, TEXT_ASSISTANT_DOWN)
        return
    if any(isinstance(m.get("custom"), dict) and "document" in m["custom"] for m in messages):
        messages = await store.off_loop(attach_documents, messages, store.documents(context).load)
    key = button_key(context.bot_data.settings)
    items = with_feedback_buttons(render_reply(messages, context.bot_data.payloads), sender=sender, key=key)
    # A tap that only re-draws the question it was on (the documents checklist ticking a box) edits that
    # message instead of stacking a new copy of it under every tap.
    single = items[0] if len(items) == 1 and isinstance(items[0], OutgoingText) else None
    edited = (
        tapped is not None
        and single is not None
        and single.keyboard is not None
        and _same_question(tapped.text or "", single.html)
        and await _edit_in_place(context, tapped, single)
    )
    if items and not edited:
        await deliver(context, target, items)
    elif not items and fallback is not None:
        logger.info("The assistant sent no message for %s", sender)
        await send_plain(context, target, fallback)
    logger.info(
        "Answered %s: %d messages from the assistant, %d sent, %.0f ms",
        sender,
        len(messages),
        len(items),
        (time.perf_counter() - started) * 1000,
    )


# --------------------------------------------------------------------------------------------------------------
# Commands


async def start_command(update: Update, context: Context) -> None:
    """Greet the user on /start, or open a flow from a deep link (t.me/<bot>?start=kesiapan, e.g. a QR code)."""
    args = getattr(context, "args", None) or []
    payload = str(args[0]).lower() if args else ""
    await relay(update, context, FLOW_COMMANDS.get(payload, GREET_INTENT))


def flow_command(intent: str) -> Callable[[Update, Context], Coroutine[Any, Any, None]]:
    """Return a command handler that starts the guided flow behind `intent` (see FLOW_COMMANDS)."""

    async def start_flow(update: Update, context: Context) -> None:
        await relay(update, context, intent)

    start_flow.__doc__ = f"Start the guided flow {intent} on its command."
    return start_flow


async def help_command(update: Update, context: Context) -> None:
    """Show the assistant's help on /help."""
    await relay(update, context, HELP_INTENT)


async def menu_command(update: Update, context: Context) -> None:
    """Show the topic menu on /menu."""
    await relay(update, context, MENU_INTENT)


async def reset_command(update: Update, context: Context) -> None:
    """Start the conversation afresh on /reset: the assistant forgets it, and the user gets a confirmation."""
    target = _target(update)
    chat = update.effective_chat
    if target is None or chat is None:
        return
    sender = sender_id(chat, update.effective_user)
    try:
        messages = await context.bot_data.rasa.send_message(sender, RESTART_INTENT)
    except RasaUnavailable as exc:
        logger.warning("Assistant unavailable for /reset of %s: %s", sender, exc)
        await send_plain(context, target, TEXT_ASSISTANT_DOWN)
        return
    # The assistant may confirm the restart itself; the bot's own confirmation is only for when it does not,
    # so the user never reads two confirmations.
    items = render_reply(messages, context.bot_data.payloads)
    if items:
        await deliver(context, target, items)
    else:
        await send_plain(context, target, TEXT_RESET_DONE)
    logger.info("Conversation %s restarted", sender)


async def tentang_command(update: Update, context: Context) -> None:
    """Say what the assistant is, its version and the date of its knowledge base on /tentang."""
    target = _target(update)
    if target is None:
        return
    try:
        # kb_info reads the database: keep that blocking call off the event loop.
        info = await store.off_loop(store.kb_info)
    except knowledge.KnowledgeUnavailable:
        logger.warning("Knowledge base unavailable for /tentang", exc_info=True)
        kb = "sedang tidak dapat dibaca"
    else:
        updated = format_date(info.updated_at) if info.updated_at is not None else "belum pernah dimuat"
        kb = f"{_thousands(info.entry_count)} entri, diperbarui {updated}"
    text = TEXT_ABOUT.format(name=html.escape(APP_NAME), version=html.escape(app_version()), kb=html.escape(kb))
    await context.bot.send_message(
        target.chat_id,
        text,
        parse_mode=ParseMode.HTML,
        message_thread_id=target.thread_id,
        reply_parameters=target.reply_parameters(),
    )


async def unknown_command(update: Update, context: Context) -> None:
    """List the commands when given one the bot does not know (in groups, only if addressed to it)."""
    message = update.message
    target = _target(update)
    if message is None or message.text is None or target is None:
        return
    command = message.text.split(maxsplit=1)[0]
    _, _, addressee = command.partition("@")
    if addressee and addressee.lower() != context.bot.username.lower():
        return  # meant for another bot in the group
    if is_group(message.chat) and not addressee:
        return  # a bare /command in a group may be meant for another bot
    await send_plain(context, target, TEXT_UNKNOWN_COMMAND)


# --------------------------------------------------------------------------------------------------------------
# Messages


async def on_text(update: Update, context: Context) -> None:
    """Relay a text message to the assistant (in groups only when the bot is addressed)."""
    message = update.message
    target = _target(update)
    if message is None or message.text is None or target is None:
        return
    if not is_addressed(message, context):
        logger.debug("Ignoring group message %s: not addressed to the bot", message.message_id)
        return
    text = message.text
    if is_group(message.chat):
        text = _strip_mention(text, context.bot.username)
    # A leading "/" would make Rasa read the text as an intent with entities: typed text is never an intent.
    text = text.strip().lstrip("/").strip()
    if not text:
        await send_plain(context, target, TEXT_EMPTY)
        return
    text, trimmed = _trim(text)
    if trimmed:
        length = len(message.text)
        logger.info("Trimmed a %d-character message in chat %s", length, target.chat_id)
        await send_plain(
            context,
            target,
            TEXT_TRIMMED.format(length=_thousands(length), limit=_thousands(MAX_USER_TEXT)),
        )
    await relay(update, context, text)


async def on_button(update: Update, context: Context) -> None:
    """Relay the payload of a tapped inline button to the assistant."""
    query = update.callback_query
    if query is None:
        return
    await answer_tap(update)
    target = _target(update)
    if target is None or not query.data:
        return  # a button on an inline-mode message has no chat to answer in
    payload = context.bot_data.payloads.resolve(query.data)
    if payload is None or not known_payload(payload):
        if payload is not None:
            user = update.effective_user
            logger.warning("Refused a button of unknown kind from user %s", user.id if user else None)
        await send_plain(context, target, TEXT_BUTTON_EXPIRED)
        return
    tapped = query.message if isinstance(query.message, Message) else None
    await relay(update, context, payload, tapped=tapped)


async def on_other_message(update: Update, context: Context) -> None:
    """Say what the assistant understands when sent a sticker, photo, voice note, file, location..."""
    message = update.message
    target = _target(update)
    if message is None or target is None or not is_addressed(message, context):
        return
    if message.text is not None:  # an empty text: nothing to relay
        await send_plain(context, target, TEXT_EMPTY)
        return
    kind = next((name for attribute, name in _NON_TEXT_KINDS if getattr(message, attribute, None)), "pesan ini")
    logger.debug("Non-text message (%s) in chat %s", kind, target.chat_id)
    await send_plain(context, target, TEXT_NOT_TEXT.format(kind=kind))


async def on_edited_message(update: Update, context: Context) -> None:
    """Ignore an edited message: the assistant already answered the original, and re-answering confuses."""
    message = update.edited_message
    logger.debug("Ignoring edit of message %s", message.message_id if message else None)


# --------------------------------------------------------------------------------------------------------------
# Errors


def _raised_at(error: BaseException | None) -> str:
    """Return "file:line in function" of the innermost frame of an error: where, never what it said."""
    frames = traceback.extract_tb(error.__traceback__) if error is not None else []
    if not frames:
        return "?"
    last = frames[-1]
    return f"{Path(last.filename).name}:{last.lineno} in {last.name}"


async def on_error(update: object, context: Context) -> None:
    """Log an error raised while handling an update, apologise to the user and alert the ops chat."""
    error = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    if update is None and isinstance(error, NetworkError):
        # Polling hiccups: PTB retries by itself, a traceback per attempt would only be noise.
        logger.warning("Network error while talking to Telegram: %s", error)
        return
    # An exception's message may quote the user's text: ERROR names the error and where it was raised;
    # the full traceback is kept for DEBUG.
    where = _raised_at(error)
    logger.error("Error while handling update %s: %s at %s", update_id, type(error).__name__, where)
    logger.debug("Traceback of the error in update %s", update_id, exc_info=error)

    if isinstance(update, Update):
        target = _target(update)
        if target is not None:
            try:
                await send_plain(context, target, TEXT_ERROR)
            except TelegramError as exc:
                logger.warning("Could not send the apology to chat %s: %s", target.chat_id, exc)

    ops_chat_id = context.bot_data.settings.ops_chat_id
    if ops_chat_id is not None and error is not None:
        alert = (
            f"⚠️ <b>{html.escape(APP_NAME)}</b>: {html.escape(type(error).__name__)} "
            f"saat menangani update {update_id}\n<code>{html.escape(where[:OPS_ALERT_MAX_CHARS])}</code>"
        )
        try:
            await context.bot.send_message(ops_chat_id, alert, parse_mode=ParseMode.HTML)
        except TelegramError as exc:
            logger.warning("Could not alert the ops chat: %s", exc)
