"""The Telegram webhook in front of several bot processes: each person's updates always go to the same one.

May import: `aiohttp`, `settings` and the standard library. A bot process keeps some state in memory between
updates (an admin's draft, a dialogue step, a pending 👎 comment: PTB's user data, written to the database only
every few seconds), and orders each conversation's updates itself. So several processes behind a plain load
balancer would each see half of a person's messages. This router takes Telegram's webhook (checking its
secret token, as PTB does), reads who sent each update, and forwards it to process `user id % N` on loopback,
one update of a person at a time and in the order Telegram sent them; it answers Telegram only once that
process accepted the update, so an update a process could not take is re-sent by Telegram.

    TELEGRAM_MODE=webhook BOT_PROCESSES=2 make run DEPLOY=scaled   # router on TELEGRAM_WEBHOOK_PORT,
                                                                    # bots on the next ports (tools/stack.py)

A process that does not answer (restarting) is retried for `FORWARD_RETRY_SECONDS`; then Telegram gets a 503
and delivers the update again later. The router keeps nothing but the per-person ordering in memory.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import time
from typing import Any
from urllib.parse import urlsplit

from aiohttp import ClientError, ClientSession, ClientTimeout, web

from settings import Settings, configure_logging, get_settings

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
FORWARD_RETRY_SECONDS = 20.0
RETRY_INTERVAL_SECONDS = 0.25


def route_key(update: dict[str, Any]) -> int:
    """Return the id that decides an update's process: its sender's user id, else its chat's id, else 0."""
    for kind in ("message", "edited_message", "callback_query", "channel_post", "edited_channel_post"):
        item = update.get(kind)
        if isinstance(item, dict):
            sender = item.get("from")
            if isinstance(sender, dict) and isinstance(sender.get("id"), int):
                return int(sender["id"])
            chat = item.get("chat") or (item.get("message") or {}).get("chat")
            if isinstance(chat, dict) and isinstance(chat.get("id"), int):
                return int(chat["id"])
    return 0


def worker_ports(settings: Settings) -> list[int]:
    """Return the loopback ports of the bot processes behind the router (the ports after the webhook's)."""
    return [settings.telegram_webhook_port + 1 + index for index in range(settings.bot_processes)]


class WebhookRouter:
    """Forward each update to the process of its sender, in order per sender."""

    def __init__(self, settings: Settings, ports: list[int] | None = None) -> None:
        """Route to `ports` (default `worker_ports(settings)`) on loopback, at the webhook URL's path."""
        self.settings = settings
        self.ports = ports or worker_ports(settings)
        self.path = "/" + urlsplit(settings.telegram_webhook_url).path.lstrip("/")
        self._locks: dict[int, asyncio.Lock] = {}
        self._users: dict[int, int] = {}
        self._session: ClientSession | None = None

    def app(self) -> web.Application:
        """Return the aiohttp application serving the webhook path."""
        application = web.Application()
        application.router.add_post(self.path, self.receive)
        # aiohttp 3.9 declares its signals as Signal[<callback type>], but aiosignal 1.4 made Signal generic over
        # the callback's argument types, so mypy expects a callback taking a callback. The calls are right.
        application.on_startup.append(self._open)  # type: ignore[arg-type]
        application.on_cleanup.append(self._close)  # type: ignore[arg-type]
        return application

    async def _open(self, _app: web.Application) -> None:
        self._session = ClientSession(timeout=ClientTimeout(total=30))

    async def _close(self, _app: web.Application) -> None:
        if self._session is not None:
            await self._session.close()

    async def receive(self, request: web.Request) -> web.Response:
        """Check the secret, then forward the update to its sender's process and answer as that process did."""
        presented = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(presented.encode(), self.settings.telegram_webhook_secret.encode()):
            logger.warning("refused a webhook call without the secret token from %s", request.remote)
            return web.Response(status=403)
        body = await request.read()
        try:
            update = json.loads(body)
        except ValueError:
            return web.Response(status=400)
        if not isinstance(update, dict):
            return web.Response(status=400)
        key = route_key(update)
        port = self.ports[key % len(self.ports)]
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with lock:
                status = await self._forward(port, body)
        finally:
            self._users[key] -= 1
            if not self._users[key]:
                del self._users[key]
                del self._locks[key]
        return web.Response(status=status)

    async def _forward(self, port: int, body: bytes) -> int:
        assert self._session is not None
        url = f"http://127.0.0.1:{port}{self.path}"
        headers = {SECRET_HEADER: self.settings.telegram_webhook_secret, "Content-Type": "application/json"}
        deadline = time.monotonic() + FORWARD_RETRY_SECONDS
        while True:
            try:
                async with self._session.post(url, data=body, headers=headers) as response:
                    return response.status
            except (ClientError, asyncio.TimeoutError) as exc:
                if time.monotonic() >= deadline:
                    logger.error("bot process on port %d unreachable (%s); Telegram will resend", port, exc)
                    return 503
                await asyncio.sleep(RETRY_INTERVAL_SECONDS)


def main() -> None:
    """Run the router until stopped (`python -m bot.webhook_router`)."""
    settings = get_settings()
    configure_logging(settings.log_level)
    router = WebhookRouter(settings)
    logger.info(
        "webhook router on %s:%d -> bot processes on ports %s",
        settings.telegram_webhook_listen,
        settings.telegram_webhook_port,
        router.ports,
    )
    web.run_app(
        router.app(),
        host=settings.telegram_webhook_listen,
        port=settings.telegram_webhook_port,
        print=None,
        handle_signals=True,
    )


if __name__ == "__main__":
    main()
