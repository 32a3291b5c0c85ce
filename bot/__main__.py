"""Entry point: `python -m bot` runs the Telegram bot until stopped.

May import: `settings`, `telegram` and the bot's own modules. Configuration problems end the process with a
message naming the setting to fix, instead of a traceback.
"""

from __future__ import annotations

import logging
import sys

from telegram.error import InvalidToken

from bot.app import build_application, run
from settings import SettingsError, configure_logging, get_settings

logger = logging.getLogger(__name__)

NO_TOKEN = (
    "TELEGRAM_BOT_TOKEN is not set. Create a bot with @BotFather in Telegram, then put its token in .env "
    "(TELEGRAM_BOT_TOKEN=123456:ABC...) or in the environment, and start the bot again."
)
BAD_TOKEN = (
    "Telegram rejected TELEGRAM_BOT_TOKEN. Check the token @BotFather gave you (or /revoke it and use the new one)."
)


def main() -> None:
    """Read the settings, configure logging and run the bot; exit with a clear message on bad settings."""
    try:
        settings = get_settings()
    except SettingsError as exc:
        sys.exit(str(exc))
    configure_logging(settings.log_level)
    if not settings.telegram_bot_token:
        sys.exit(NO_TOKEN)
    application = build_application(settings)
    try:
        run(application, settings)
    except InvalidToken:
        sys.exit(BAD_TOKEN)


if __name__ == "__main__":
    main()
