"""`make run`: the assistant on this machine, in the embedded default or (DEPLOY=scaled) the scaled profile.

Seeds the SQLite knowledge base on first use, starts the action server and Rasa (REST channel), and
the Telegram bot when TELEGRAM_BOT_TOKEN is set. A child that dies is started again with backoff, logged
and reported to OPS_CHAT_ID (tools/supervise.py); only Ctrl-C (or SIGTERM) stops everything, cleanly.
"""

from __future__ import annotations

import logging
import signal
import sys
import time
from pathlib import Path
from types import FrameType

from knowledge import ContentError, ensure_seeded
from settings import configure_logging, get_settings, remove_run_tokens, write_run_tokens
from tools.stack import Stack
from tools.supervise import Supervisor, ops_notifier

logger = logging.getLogger("klinik.run")


def main() -> int:
    """Start the stack and supervise it until Ctrl-C."""
    settings = get_settings()
    configure_logging(settings.log_level)
    if not Path(settings.rasa_model).is_file():
        logger.error("no trained model at %s: run 'make train' first", settings.rasa_model)
        return 1
    if settings.deploy == "embedded":
        Path(settings.tracker_db).parent.mkdir(parents=True, exist_ok=True)
    try:
        if ensure_seeded(settings.database_url):
            logger.info("knowledge base created from knowledge/content")
    except ContentError as exc:
        logger.error("%s", exc)
        return 1
    with_bot = bool(settings.telegram_bot_token)
    stack = Stack(settings, settings.rasa_model, with_bot=with_bot)
    stopping = False

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    # `make chat`, `make eval` and a bot started by hand find this run's token there (when none is configured).
    write_run_tokens(stack.settings)
    try:
        seconds = stack.start()
    except RuntimeError as exc:
        logger.error("%s", exc)
        remove_run_tokens()
        return 1
    url = f"{settings.rasa_url}/webhooks/rest/webhook"
    logger.info("assistant ready in %.1f s (%s profile): POST %s", seconds, settings.deploy, url)
    if not with_bot:
        logger.info("TELEGRAM_BOT_TOKEN is not set: local-only mode (try 'make chat')")
    supervisor = Supervisor(stack, notify=ops_notifier(settings))
    while not stopping:
        supervisor.check()
        time.sleep(0.5)
    logger.info("stopping...")
    stack.stop()
    remove_run_tokens()
    logger.info("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
