"""A stand-in for the Telegram Bot API on loopback, for end-to-end tests and the benchmark.

May import: `aiohttp` and the standard library; it knows nothing about the bot. It serves
`/bot<TOKEN>/<method>` the way api.telegram.org does, so the real application talks to it over HTTP when
TELEGRAM_API_BASE_URL points here. Tests push updates, then await what the bot sent:

    async with FakeTelegram() as telegram:
        settings = Settings.from_env({"TELEGRAM_BOT_TOKEN": telegram.token,
                                      "TELEGRAM_API_BASE_URL": telegram.base_url, ...})
        telegram.push_text(1001, "/start")
        [reply] = await telegram.wait_for_sent(1001)

What it checks like Telegram does (so a test fails where Telegram would refuse the bot's request): HTML
parse mode (only Telegram's tags, balanced, `<`, `>` and `&` escaped), the 4096-character text and
1024-character caption limits counted after entity parsing, and the 64-byte callback_data limit. A call of a
method it does not implement is answered 404 and fails the test when the stand-in is closed (`async with`), so
every method the bot uses is known here. It can
answer the next N calls of a method with 429 and a retry_after (`fail_next`), answers getUpdates by long
polling, and delivers updates to a webhook (with its secret token) once the bot calls setWebhook.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import html
import itertools
import json
import logging
import re
import socket
import time
from collections.abc import Callable, Mapping
from typing import Any

from aiohttp import ClientError, ClientSession, ClientTimeout, web

logger = logging.getLogger(__name__)

DEFAULT_TOKEN = "123456789:TEST-fake-telegram-token"
DEFAULT_USERNAME = "klinik_inovasi_bot"
MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64

# Parameters that Bot API clients send JSON-encoded inside form fields.
_JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "commands",
        "allowed_updates",
        "reply_parameters",
        "link_preview_options",
        "entities",
        "caption_entities",
        "scope",
    }
)
_INT_FIELDS = frozenset({"chat_id", "message_id", "offset", "limit", "timeout", "message_thread_id", "max_connections"})
_SEND_METHODS = frozenset({"sendMessage", "sendPhoto", "sendDocument"})
_TAGS = frozenset(
    {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a", "tg-emoji", "code", "pre"}
    | {"blockquote"}
)
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+(?:=\"[^\"]*\"|='[^']*')?)*)\s*>")
_HREF = re.compile(r"""href=(?:"([^"]*)"|'([^']*)')""")
_BAD_AMPERSAND = re.compile(r"&(?!(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);)")
_MENTION = re.compile(r"@[A-Za-z0-9_]{3,}")


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class BadRequest(Exception):
    """A request Telegram would refuse with 400; the message is Telegram's description."""


@dataclasses.dataclass(frozen=True)
class UploadedFile:
    """A file the bot uploaded (sendDocument, sendPhoto)."""

    filename: str
    content: bytes


@dataclasses.dataclass
class SentCall:
    """One Bot API call the bot made, as the stand-in understood it."""

    method: str
    params: dict[str, Any]
    at: float
    result: Any = None
    files: dict[str, UploadedFile] = dataclasses.field(default_factory=dict)
    visible_text: str | None = None
    links: list[str] = dataclasses.field(default_factory=list)

    @property
    def chat_id(self) -> int | None:
        """Return the chat the call addressed, if any."""
        value = self.params.get("chat_id")
        return value if isinstance(value, int) else None

    @property
    def text(self) -> str | None:
        """Return the text or caption as the user would read it (tags removed, entities decoded)."""
        return self.visible_text

    @property
    def message(self) -> dict[str, Any] | None:
        """Return the Message object the stand-in answered with (for pushing a reply or a button tap)."""
        return self.result if isinstance(self.result, dict) else None

    @property
    def buttons(self) -> list[dict[str, Any]]:
        """Return the inline keyboard's buttons, row by row flattened."""
        markup = self.params.get("reply_markup")
        if not isinstance(markup, dict):
            return []
        return [button for row in markup.get("inline_keyboard", []) for button in row]

    @property
    def reply_to_message_id(self) -> int | None:
        """Return the id of the message this one quotes, if any."""
        reply = self.params.get("reply_parameters")
        if isinstance(reply, dict) and isinstance(reply.get("message_id"), int):
            return int(reply["message_id"])
        value = self.params.get("reply_to_message_id")
        return value if isinstance(value, int) else None


@dataclasses.dataclass
class _Failure:
    remaining: int
    retry_after: int
    status: int | None = 429  # None: drop the connection without answering


def parse_telegram_html(text: str) -> tuple[str, list[str]]:
    """Return the visible text and link targets of an HTML-mode text, or raise BadRequest as Telegram would."""
    visible: list[str] = []
    links: list[str] = []
    stack: list[str] = []
    position = 0
    for match in _TAG.finditer(text):
        visible.append(_html_data(text[position : match.start()]))
        closing, name, attributes = match.group(1), match.group(2).lower(), match.group(3)
        if name not in _TAGS:
            raise BadRequest(f'Bad Request: can\'t parse entities: Unsupported start tag "{name}"')
        if closing:
            if not stack or stack[-1] != name:
                raise BadRequest(f'Bad Request: can\'t parse entities: Unexpected end tag "{name}"')
            stack.pop()
        else:
            stack.append(name)
            if name == "a":
                href = _HREF.search(attributes)
                if href is None:
                    raise BadRequest("Bad Request: can't parse entities: <a> without href")
                links.append(html.unescape(href.group(1) or href.group(2) or ""))
        position = match.end()
    visible.append(_html_data(text[position:]))
    if stack:
        raise BadRequest(
            f"Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"{stack[-1]}\""
        )
    return "".join(visible), links


def _html_data(segment: str) -> str:
    if "<" in segment or ">" in segment:
        raise BadRequest("Bad Request: can't parse entities: unescaped '<' or '>'")
    if _BAD_AMPERSAND.search(segment):
        raise BadRequest("Bad Request: can't parse entities: unescaped '&'")
    return html.unescape(segment)


class FakeTelegram:
    """The Bot API stand-in: start it, point the bot at `base_url`, push updates, await what was sent."""

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        username: str = DEFAULT_USERNAME,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        """Prepare a stand-in for the bot `token`; port 0 picks a free port when started."""
        self.token = token
        self.username = username
        self.bot_id = int(token.split(":", 1)[0])
        self.host = host
        self.port = port
        self.calls: list[SentCall] = []
        self.rejected: list[SentCall] = []
        self.unknown_methods: list[str] = []
        self.pushed_at: dict[int, float] = {}
        self.pushed: dict[int, dict[str, Any]] = {}
        self.commands: list[dict[str, Any]] = []
        self.webhook_url = ""
        self.webhook_secret = ""
        self.webhook_statuses: list[int] = []
        self._updates: list[dict[str, Any]] = []
        self._allowed_updates: list[str] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._chats: dict[int, dict[str, Any]] = {}
        self._failures: dict[str, _Failure] = {}
        self._changed = asyncio.Condition()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._webhook_queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._webhook_task: asyncio.Task[None] | None = None
        self._session: ClientSession | None = None
        self._background: set[asyncio.Task[None]] = set()

    # ----------------------------------------------------------------------------------------------------------
    # Lifecycle

    @property
    def base_url(self) -> str:
        """Return the value for TELEGRAM_API_BASE_URL."""
        return f"http://{self.host}:{self.port}/bot"

    @property
    def bot_user(self) -> dict[str, Any]:
        """Return the bot's User object."""
        return {"id": self.bot_id, "is_bot": True, "first_name": "Klinik Inovasi", "username": self.username}

    async def start(self) -> None:
        """Start serving on loopback."""
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock, shutdown_timeout=1.0).start()
        self._session = ClientSession(timeout=ClientTimeout(total=30))
        self._webhook_task = asyncio.create_task(self._deliver_webhooks())
        logger.debug("Fake Telegram listening on %s", self.base_url)

    async def stop(self) -> None:
        """Release waiting long polls and stop serving."""
        self._closing = True
        async with self._changed:
            self._changed.notify_all()
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> FakeTelegram:
        """Start the stand-in."""
        await self.start()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, *exc_info: object) -> None:
        """Stop the stand-in; fail if the bot called a method it does not implement (unless already failing)."""
        await self.stop()
        if exc_type is None and self.unknown_methods:
            raise AssertionError(
                f"the bot called Bot API methods the stand-in does not implement: {sorted(set(self.unknown_methods))}"
            )

    # ----------------------------------------------------------------------------------------------------------
    # Test controls

    def fail_next(self, method: str, count: int = 1, *, retry_after: int = 1, status: int | None = 429) -> None:
        """Answer the next `count` calls of `method` with 429 Too Many Requests and this retry_after.

        `status=500` (or any 5xx) answers with that server error instead; `status=None` drops the connection
        without an answer. Neither counts as sent.
        """
        self._failures[method] = _Failure(count, retry_after, status)

    def push_update(self, update: dict[str, Any]) -> int:
        """Make an update available to the bot (getUpdates, or the webhook if one is set); return its id."""
        update = dict(update)
        update.setdefault("update_id", next(self._update_ids))
        update_id = int(update["update_id"])
        self.pushed[update_id] = update
        self.pushed_at[update_id] = time.perf_counter()
        if self.webhook_url:
            self._webhook_queue.put_nowait(update)
        else:
            self._updates.append(update)
            task = asyncio.get_running_loop().create_task(self._notify())
            self._background.add(task)
            task.add_done_callback(self._background.discard)
        return update_id

    def chat(self, chat_id: int, chat_type: str | None = None) -> dict[str, Any]:
        """Return (and remember) the Chat object for `chat_id`: negative ids are supergroups."""
        if chat_id not in self._chats or chat_type is not None:
            kind = chat_type or ("supergroup" if chat_id < 0 else "private")
            chat: dict[str, Any] = {"id": chat_id, "type": kind}
            if kind == "private":
                chat["first_name"] = f"Pengguna {chat_id}"
            else:
                chat["title"] = f"Grup {chat_id}"
            self._chats[chat_id] = chat
        return self._chats[chat_id]

    def user(self, user_id: int) -> dict[str, Any]:
        """Return a User object for a person."""
        return {"id": user_id, "is_bot": False, "first_name": f"Pengguna {user_id}", "language_code": "id"}

    def make_message(self, chat_id: int, *, user_id: int | None = None, **fields: Any) -> dict[str, Any]:
        """Return a Message object from a person in `chat_id` (the sender defaults to the chat itself)."""
        sender = user_id if user_id is not None else abs(chat_id)
        return {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self.chat(chat_id),
            "from": self.user(sender),
            **fields,
        }

    def push_message(self, chat_id: int, *, user_id: int | None = None, **fields: Any) -> int:
        """Push a message with arbitrary fields (sticker=..., photo=..., location=...)."""
        return self.push_update({"message": self.make_message(chat_id, user_id=user_id, **fields)})

    def push_text(
        self,
        chat_id: int,
        text: str,
        *,
        user_id: int | None = None,
        reply_to: Mapping[str, Any] | None = None,
    ) -> int:
        """Push a text message; commands and @mentions get the entities a Telegram client would add."""
        fields: dict[str, Any] = {"text": text}
        entities = _entities(text)
        if entities:
            fields["entities"] = entities
        if reply_to is not None:
            fields["reply_to_message"] = dict(reply_to)
        return self.push_message(chat_id, user_id=user_id, **fields)

    def push_edited_text(self, chat_id: int, message_id: int, text: str, *, user_id: int | None = None) -> int:
        """Push an edit of an earlier text message."""
        message = self.make_message(chat_id, user_id=user_id, text=text, edit_date=int(time.time()))
        message["message_id"] = message_id
        return self.push_update({"edited_message": message})

    def push_callback(
        self,
        chat_id: int,
        data: str,
        *,
        user_id: int | None = None,
        message: Mapping[str, Any] | None = None,
    ) -> int:
        """Push a tap on an inline button with `data`, on `message` (by default a bot message in the chat)."""
        sender = user_id if user_id is not None else abs(chat_id)
        if message is None:
            message = {
                "message_id": next(self._message_ids),
                "date": int(time.time()),
                "chat": self.chat(chat_id),
                "from": self.bot_user,
                "text": "…",
            }
        query = {
            "id": str(next(self._update_ids) * 1000),
            "from": self.user(sender),
            "message": dict(message),
            "chat_instance": str(chat_id),
            "data": data,
        }
        return self.push_update({"callback_query": query})

    def message_of(self, update_id: int) -> dict[str, Any]:
        """Return the Message object of a pushed update (to quote it or to check what the bot quoted)."""
        update = self.pushed[update_id]
        for kind in ("message", "edited_message"):
            if kind in update:
                return update[kind]
        return update["callback_query"]["message"]

    def mark(self) -> int:
        """Return a position in the call log; pass it as `after` to wait only for later calls."""
        return len(self.calls)

    def sent(self, chat_id: int | None = None, method: str = "sendMessage", *, after: int = 0) -> list[SentCall]:
        """Return the calls of `method` (to `chat_id`, if given) made after position `after`."""
        return [
            call
            for call in self.calls[after:]
            if call.method == method and (chat_id is None or call.chat_id == chat_id)
        ]

    async def wait_for(
        self,
        predicate: Callable[[list[SentCall]], bool],
        *,
        timeout: float = 10.0,
    ) -> None:
        """Wait until `predicate(calls)` holds; raise TimeoutError (listing the calls) if it does not."""
        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(lambda: predicate(self.calls)), timeout)
            except asyncio.TimeoutError:
                summary = [(c.method, c.chat_id, (c.visible_text or "")[:60]) for c in self.calls]
                raise TimeoutError(f"condition not met within {timeout}s; calls so far: {summary}") from None

    async def wait_for_sent(
        self,
        chat_id: int,
        *,
        count: int = 1,
        method: str = "sendMessage",
        after: int = 0,
        timeout: float = 10.0,
    ) -> list[SentCall]:
        """Wait until the bot made `count` calls of `method` to `chat_id` after `after`; return the first ones."""
        await self.wait_for(lambda _: len(self.sent(chat_id, method, after=after)) >= count, timeout=timeout)
        return self.sent(chat_id, method, after=after)[:count]

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # ----------------------------------------------------------------------------------------------------------
    # HTTP

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        params, files = await _read_params(request)
        failure = self._failures.get(method)
        if failure is not None and failure.remaining > 0:
            failure.remaining -= 1
            self.rejected.append(SentCall(method, params, time.perf_counter(), files=files))
            if failure.status is None:
                if request.transport is not None:
                    request.transport.abort()
                raise ConnectionResetError("stand-in dropped the connection")
            if failure.status != 429:
                return _error(failure.status, "Internal Server Error")
            return _error(
                429,
                f"Too Many Requests: retry after {failure.retry_after}",
                {"retry_after": failure.retry_after},
            )
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            # A method the stand-in does not implement would go untested: remember it, fail the test on exit.
            self.unknown_methods.append(method)
            logger.error("The bot called %s, which the stand-in Bot API does not implement", method)
            return _error(404, "Not Found: method not found")
        call = SentCall(method, params, time.perf_counter(), files=files)
        try:
            result = await handler(call)
        except BadRequest as exc:
            self.rejected.append(call)
            return _error(400, str(exc))
        except _Conflict as exc:
            return _error(409, str(exc))
        if method != "getUpdates":
            call.result = result
            self.calls.append(call)
            await self._notify()
        return web.json_response({"ok": True, "result": result})

    # Bot API methods: each returns the `result` Telegram would, or raises BadRequest.

    async def _api_getMe(self, call: SentCall) -> dict[str, Any]:
        return {**self.bot_user, "can_join_groups": True, "can_read_all_group_messages": False}

    async def _api_getUpdates(self, call: SentCall) -> list[dict[str, Any]]:
        if self.webhook_url:
            raise _Conflict("Conflict: can't use getUpdates method while webhook is active; use deleteWebhook")
        offset = int(call.params.get("offset") or 0)
        limit = int(call.params.get("limit") or 100)
        timeout = float(call.params.get("timeout") or 0)
        if isinstance(call.params.get("allowed_updates"), list):
            self._allowed_updates = call.params["allowed_updates"]
        if offset:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        deadline = time.monotonic() + timeout
        async with self._changed:
            while not self._closing:
                pending = self._deliverable()
                remaining = deadline - time.monotonic()
                if pending or remaining <= 0:
                    return pending[:limit]
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), remaining)
        return []

    def _deliverable(self) -> list[dict[str, Any]]:
        if self._allowed_updates:
            self._updates = [u for u in self._updates if any(kind in u for kind in self._allowed_updates)]
        return list(self._updates)

    async def _api_setMyCommands(self, call: SentCall) -> bool:
        commands = call.params.get("commands")
        if not isinstance(commands, list):
            raise BadRequest("Bad Request: commands must be a list")
        self.commands = commands
        return True

    async def _api_getMyCommands(self, call: SentCall) -> list[dict[str, Any]]:
        return self.commands

    async def _api_deleteWebhook(self, call: SentCall) -> bool:
        self.webhook_url = ""
        self.webhook_secret = ""
        if call.params.get("drop_pending_updates") in (True, "true", "True"):
            self._updates.clear()
        return True

    async def _api_setWebhook(self, call: SentCall) -> bool:
        self.webhook_url = str(call.params.get("url") or "")
        self.webhook_secret = str(call.params.get("secret_token") or "")
        if isinstance(call.params.get("allowed_updates"), list):
            self._allowed_updates = call.params["allowed_updates"]
        for update in self._deliverable():
            self._webhook_queue.put_nowait(update)
        self._updates.clear()
        return True

    async def _api_getWebhookInfo(self, call: SentCall) -> dict[str, Any]:
        return {"url": self.webhook_url, "has_custom_certificate": False, "pending_update_count": 0}

    async def _api_sendChatAction(self, call: SentCall) -> bool:
        self._require_chat(call)
        return True

    async def _api_answerCallbackQuery(self, call: SentCall) -> bool:
        if not call.params.get("callback_query_id"):
            raise BadRequest("Bad Request: query is too old and response timeout expired or query ID is invalid")
        return True

    async def _api_sendMessage(self, call: SentCall) -> dict[str, Any]:
        chat = self._require_chat(call)
        text = str(call.params.get("text") or "")
        call.visible_text, call.links = self._visible(call, text)
        if not call.visible_text.strip():
            raise BadRequest("Bad Request: message text is empty")
        if _utf16_len(call.visible_text) > MAX_TEXT_LENGTH:
            raise BadRequest("Bad Request: message is too long")
        self._check_markup(call)
        return self._bot_message(chat, call, text=call.visible_text)

    async def _api_sendPhoto(self, call: SentCall) -> dict[str, Any]:
        chat = self._require_chat(call)
        if "photo" not in call.params and "photo" not in call.files:
            raise BadRequest("Bad Request: there is no photo in the request")
        caption = self._caption(call)
        photo = [
            {"file_id": f"photo-{len(self.calls)}", "file_unique_id": f"p{len(self.calls)}", "width": 1, "height": 1}
        ]
        return self._bot_message(chat, call, photo=photo, **caption)

    async def _api_sendDocument(self, call: SentCall) -> dict[str, Any]:
        chat = self._require_chat(call)
        upload = call.files.get("document")
        if upload is None:
            raise BadRequest("Bad Request: there is no document in the request")
        caption = self._caption(call)
        document = {
            "file_id": f"document-{len(self.calls)}",
            "file_unique_id": f"d{len(self.calls)}",
            "file_name": upload.filename,
            "file_size": len(upload.content),
        }
        return self._bot_message(chat, call, document=document, **caption)

    async def _api_editMessageReplyMarkup(self, call: SentCall) -> dict[str, Any] | bool:
        if "inline_message_id" in call.params:
            return True
        chat = self._require_chat(call)
        if not isinstance(call.params.get("message_id"), int):
            raise BadRequest("Bad Request: message identifier is not specified")
        self._check_markup(call)
        message = self._bot_message(chat, call)
        message["message_id"] = call.params["message_id"]
        return message

    async def _api_editMessageText(self, call: SentCall) -> dict[str, Any] | bool:
        text = str(call.params.get("text") or "")
        call.visible_text, call.links = self._visible(call, text)
        if not call.visible_text.strip():
            raise BadRequest("Bad Request: message text is empty")
        if _utf16_len(call.visible_text) > MAX_TEXT_LENGTH:
            raise BadRequest("Bad Request: message is too long")
        self._check_markup(call)
        if "inline_message_id" in call.params:
            return True
        chat = self._require_chat(call)
        if not isinstance(call.params.get("message_id"), int):
            raise BadRequest("Bad Request: message identifier is not specified")
        message = self._bot_message(chat, call, text=call.visible_text, edit_date=int(time.time()))
        message["message_id"] = call.params["message_id"]
        return message

    async def _api_deleteMessage(self, call: SentCall) -> bool:
        self._require_chat(call)
        return True

    async def _api_close(self, call: SentCall) -> bool:
        return True

    async def _api_logOut(self, call: SentCall) -> bool:
        return True

    # Checks and builders

    def _require_chat(self, call: SentCall) -> dict[str, Any]:
        chat_id = call.chat_id
        if chat_id is None:
            raise BadRequest("Bad Request: chat_id is empty")
        return self.chat(chat_id)

    def _visible(self, call: SentCall, text: str) -> tuple[str, list[str]]:
        if str(call.params.get("parse_mode") or "").upper() == "HTML":
            return parse_telegram_html(text)
        if call.params.get("parse_mode"):
            raise BadRequest("Bad Request: this stand-in only knows parse_mode HTML")
        return text, []

    def _caption(self, call: SentCall) -> dict[str, Any]:
        caption = call.params.get("caption")
        if caption is None:
            return {}
        call.visible_text, call.links = self._visible(call, str(caption))
        if _utf16_len(call.visible_text) > MAX_CAPTION_LENGTH:
            raise BadRequest("Bad Request: message caption is too long")
        self._check_markup(call)
        return {"caption": call.visible_text}

    def _check_markup(self, call: SentCall) -> None:
        for button in call.buttons:
            if not button.get("text"):
                raise BadRequest("Bad Request: text buttons are unallowed in the inline keyboard")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES:
                raise BadRequest("Bad Request: BUTTON_DATA_INVALID")

    def _bot_message(self, chat: dict[str, Any], call: SentCall, **fields: Any) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat,
            "from": self.bot_user,
            **fields,
        }
        if isinstance(call.params.get("reply_markup"), dict):
            message["reply_markup"] = call.params["reply_markup"]
        return message

    # Webhook delivery

    async def _deliver_webhooks(self) -> None:
        while True:
            update = await self._webhook_queue.get()
            if not self.webhook_url or self._session is None:
                self._updates.append(update)
                continue
            headers = {"X-Telegram-Bot-Api-Secret-Token": self.webhook_secret} if self.webhook_secret else {}
            try:
                async with self._session.post(self.webhook_url, json=update, headers=headers) as response:
                    self.webhook_statuses.append(response.status)
            except ClientError as exc:
                logger.warning("Webhook delivery failed: %s", exc)
                self.webhook_statuses.append(0)
            await self._notify()


class _Conflict(Exception):
    """A request Telegram would refuse with 409."""


def _entities(text: str) -> list[dict[str, Any]]:
    """Return the bot_command and mention entities a Telegram client would attach to `text`."""
    entities: list[dict[str, Any]] = []
    if text.startswith("/"):
        command = text.split(maxsplit=1)[0] if text.strip() else text
        if len(command) > 1:
            entities.append({"type": "bot_command", "offset": 0, "length": _utf16_len(command)})
    for match in _MENTION.finditer(text):
        offset = _utf16_len(text[: match.start()])
        entities.append({"type": "mention", "offset": offset, "length": _utf16_len(match.group())})
    return entities


async def _read_params(request: web.Request) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
    """Read a Bot API request's parameters from the query, a form, a multipart body or JSON."""
    raw: dict[str, Any] = dict(request.query)
    files: dict[str, UploadedFile] = {}
    if request.content_type == "application/json":
        body = await request.json()
        if isinstance(body, dict):
            raw.update(body)
    elif request.method == "POST":
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                with value.file:
                    files[key] = UploadedFile(value.filename, value.file.read())
            else:
                raw[key] = value
    params: dict[str, Any] = {}
    for key, value in raw.items():
        params[key] = value
        if isinstance(value, str) and key in _JSON_FIELDS:
            with contextlib.suppress(ValueError):
                params[key] = json.loads(value)
        elif isinstance(value, str) and key in _INT_FIELDS:
            with contextlib.suppress(ValueError):
                params[key] = int(value)
        elif isinstance(value, str) and value.startswith("attach://") and value[9:] in files:
            files[key] = files[value[9:]]
    return params, files


def _error(status: int, description: str, parameters: dict[str, Any] | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=status)
