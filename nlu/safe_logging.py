"""Describe an error for an ERROR log without what the user wrote.

An exception's message often quotes its input (a `UnicodeEncodeError` shows the string, a JSON error the
document), and the input of a turn is a user's message or a whole tracker. At ERROR we log the exception's
type and the code path (file, line and function of each frame); the message itself goes to DEBUG only.
"""

from __future__ import annotations

import traceback


def describe_error(exc: BaseException) -> str:
    """Return the type and the traceback frames of `exc`, without its message (which may quote user text)."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = " <- ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} {f.name}" for f in reversed(frames))
    return f"{type(exc).__name__} at {where}" if where else type(exc).__name__
