"""`python -m actions`: the action server on loopback, behind the shared token, with the index built at start-up.

rasa-sdk's own entry point listens on every interface and answers anyone; this one serves the same app
(see `actions._server`) on ACTION_HOST (loopback by default) and refuses to start without
ACTION_SERVER_TOKEN. Nothing in `actions` touches the database when rasa-sdk imports it, so the first
question used to pay for building the retrieval index (about 1.5 s). Built in the background here, it is
ready long before Rasa has loaded its model. If the knowledge base is not reachable yet, that is only
logged: the first question tries again.

The server also owns the scheduled retention purge (`actions._kb.RETENTION`): started here once per server,
in the process itself or, with several forked workers, in exactly one of them.

    python -m actions --actions actions --port 5055
"""

from __future__ import annotations

import logging
import multiprocessing
import sys
import threading

from rasa_sdk import utils
from rasa_sdk.constants import APPLICATION_ROOT_LOGGER_NAME
from rasa_sdk.endpoint import create_argument_parser, create_ssl_context

from actions._kb import RETENTION, warm_up
from actions._server import build_app
from settings import SettingsError, get_settings


def _warm_up_in_background() -> None:
    threading.Thread(target=warm_up, daemon=True, name="kb-warm-up").start()


class OneWorker:
    """Let exactly one of the server's forked workers claim a job (a flag in memory shared before the fork)."""

    def __init__(self) -> None:
        """Create the flag; make this before the workers are forked (Sanic forks them in `app.run`)."""
        self._claimed = multiprocessing.get_context("fork").Value("b", 0)

    def claim(self) -> bool:
        """Return True to the first worker that asks, False to every later one."""
        with self._claimed.get_lock():
            if self._claimed.value:
                return False
            self._claimed.value = 1
            return True


def _start_retention_in_one_worker(owner: OneWorker) -> None:
    if owner.claim():
        RETENTION.start()


def main() -> int:
    """Parse rasa-sdk's arguments and serve the actions until stopped."""
    args = create_argument_parser().parse_args()
    utils.configure_colored_logging(args.loglevel)
    utils.configure_file_logging(
        logging.getLogger(APPLICATION_ROOT_LOGGER_NAME), args.log_file, args.loglevel, args.logging_config_file
    )
    utils.update_sanic_log_level()
    logger = logging.getLogger("actions")
    try:
        settings = get_settings()
    except SettingsError as exc:
        logger.error("%s", exc)
        return 2
    if not settings.action_server_token:
        logger.error(
            "ACTION_SERVER_TOKEN is not set: the action server refuses to run without a shared token "
            "(`make run` generates one; set it in .env or the environment to run the server on its own)"
        )
        return 2
    app = build_app(args.actions, settings.action_server_token, args.cors)
    # The scaled profile runs several Sanic workers (actions keep no state between calls: it is in the tracker).
    # Workers are forked, so each builds its own index once it runs, not a thread of the parent before the fork.
    workers = settings.action_workers if settings.deploy == "scaled" else 1
    # Threads are never started in the parent before the fork: a lock held at that moment stays held in the child.
    if workers > 1:
        owner = OneWorker()
        app.register_listener(lambda _app, _loop: _warm_up_in_background(), "after_server_start")
        app.register_listener(lambda _app, _loop: _start_retention_in_one_worker(owner), "after_server_start")
    else:
        _warm_up_in_background()
        RETENTION.start()
    ssl_context = create_ssl_context(args.ssl_certificate, args.ssl_keyfile, args.ssl_password)
    logger.info("action server listening on %s:%s (%d workers)", settings.action_host, args.port, workers)
    app.run(settings.action_host, args.port, ssl=ssl_context, workers=workers, access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
