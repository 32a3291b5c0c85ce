"""The action server's HTTP side: rasa-sdk's app, bound to loopback, behind the shared token.

rasa-sdk's own `run` listens on every interface (`0.0.0.0`) and answers anyone, so a POST straight to
port 5055 could run any action (and write forged rows into the question log); its error handler also
echoes the whole request, a tracker full of what users wrote, in the 500 body. Here the same app gets:

- a request middleware that refuses `/webhook` and `/actions` without `Authorization: Bearer
  <ACTION_SERVER_TOKEN>` (Rasa sends it from `nlu/endpoints.yml`); `/health` stays open for probes;
- an error handler that logs the error's type and code path at ERROR, the details at DEBUG, and answers
  `{"error": "<type>"}` only;
- a keep-alive longer than Rasa's client pool keeps idle connections (aiohttp: 15 s), so Rasa never
  sends a request down a connection the server is closing at that moment (it cost 1 turn in 10,000).
"""

from __future__ import annotations

import hmac
import logging
import traceback
import types

from rasa_sdk.endpoint import create_app
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)

PROTECTED_PATHS = ("/webhook", "/actions")
KEEP_ALIVE_SECONDS = 75


def _describe(exc: BaseException) -> str:
    # The type and the code path only: an exception's message may quote the tracker it was given.
    frames = traceback.extract_tb(exc.__traceback__)
    where = " <- ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} {f.name}" for f in reversed(frames))
    return f"{type(exc).__name__} at {where}" if where else type(exc).__name__


def is_authorised(header: str, token: str) -> bool:
    """Return whether an `Authorization` header carries `token` (compared in constant time)."""
    scheme, _, presented = header.partition(" ")
    if not token or scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(presented.strip().encode(), token.encode())


def build_app(actions: str | types.ModuleType, token: str, cors_origins: list[str] | None = None) -> Sanic:
    """Return rasa-sdk's action app for `actions`, refusing unauthenticated calls and keeping trackers out of errors."""
    if not token:
        raise ValueError("ACTION_SERVER_TOKEN is not set")
    app = create_app(actions, cors_origins=cors_origins or "")
    app.config.KEEP_ALIVE_TIMEOUT = KEEP_ALIVE_SECONDS

    async def require_token(request: Request) -> HTTPResponse | None:
        if request.path.rstrip("/") in PROTECTED_PATHS and not is_authorised(
            request.headers.get("authorization", ""), token
        ):
            logger.warning("refused an action call without a valid token from %s", request.ip)
            return response.json({"error": "missing or wrong token"}, status=401)
        return None

    async def on_error(request: Request, exception: Exception) -> HTTPResponse:
        status = int(getattr(exception, "status_code", 500) or 500)
        if status >= 500:
            logger.error("action call %s failed: %s", request.path, _describe(exception))
            logger.debug("action call failure details", exc_info=exception)
        return response.json({"error": type(exception).__name__}, status=status)

    app.register_middleware(require_token, "request")
    # Replaces rasa-sdk's handler for Exception, which answers with the whole request body (the tracker).
    app.error_handler.add(Exception, on_error)
    return app
