"""Rasa's calls to the action server wait out a restart instead of failing at once.

When the action server is being restarted (the launcher's supervisor brings a dead one back in a few
seconds), Rasa's call to it is refused and the user gets the apology, although an answer would be a few
seconds away. Here a call whose connection could not even be opened is tried again every quarter second
for up to `CONNECT_RETRY_SECONDS`. Only connection failures are retried: nothing was sent, so repeating
the request cannot run an action twice. A call that reached the server and failed there is not retried.

Rasa 3.6.21 is the last open-source release, so `EndpointConfig.request` will not change under us.
Switched on by nlu/channels.py, which Rasa always loads.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from typing import Any

from aiohttp import ClientConnectorError
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

CONNECT_RETRY_SECONDS = 15.0
RETRY_INTERVAL_SECONDS = 0.25
_rasa_request = EndpointConfig.request


@functools.wraps(_rasa_request)
async def _request_retrying_connects(self: EndpointConfig, *args: Any, **kwargs: Any) -> Any:
    deadline = time.monotonic() + CONNECT_RETRY_SECONDS
    while True:
        try:
            return await _rasa_request(self, *args, **kwargs)
        except ClientConnectorError:
            if time.monotonic() >= deadline:
                raise
            logger.info("%s refused the connection; trying again", self.url)
            await asyncio.sleep(RETRY_INTERVAL_SECONDS)


def install() -> None:
    """Make Rasa's endpoint calls retry refused connections (idempotent)."""
    EndpointConfig.request = _request_retrying_connects  # type: ignore[method-assign]
