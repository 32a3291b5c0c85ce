"""What every `kb` command shares: the context object, error reporting and exit codes, small formatters.

Exit codes: 0 done, 1 invalid content (every problem listed; nothing was changed), 2 the database could
not be reached (or a usage error, as click reports it), 3 the entry changed since the edit started
(version conflict), 4 no such entry, version or group.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import ParamSpec, TypeVar

import click

from knowledge.admin import KnowledgeAdmin
from knowledge.admin_types import wib
from knowledge.errors import ContentError, KnowledgeUnavailable, VersionConflict
from knowledge.types import Entry
from settings import Settings

EXIT_CONTENT = 1
EXIT_UNAVAILABLE = 2
EXIT_CONFLICT = 3
EXIT_NOT_FOUND = 4
P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True)
class CliContext:
    """The configured administration and the actor recorded for changes."""

    admin: KnowledgeAdmin
    actor: str
    settings: Settings


def fail(message: str, code: int) -> click.exceptions.Exit:
    """Print `message` on stderr and return the exit to raise."""
    click.echo(message, err=True)
    return click.exceptions.Exit(code)


def reports_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turn the knowledge base's errors into a readable message and the documented exit code."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except ContentError as exc:
            lines = "\n".join(f"  - {problem}" for problem in exc.problems)
            raise fail(f"{len(exc.problems)} problem(s) found; nothing was changed:\n{lines}", EXIT_CONTENT) from exc
        except VersionConflict as exc:
            raise fail(
                f"Version conflict: {exc}. Nothing was changed; reload the entry and redo the edit.", EXIT_CONFLICT
            ) from exc
        except LookupError as exc:
            raise fail(f"Not found: {exc.args[0] if exc.args else exc}", EXIT_NOT_FOUND) from exc
        except KnowledgeUnavailable as exc:
            raise fail(str(exc), EXIT_UNAVAILABLE) from exc

    return wrapper


def when(moment: datetime | None) -> str:
    """Format a timestamp for people: `2025-03-05 14:02 WIB` (the same format the Telegram admin shows)."""
    return wib(moment)


def entry_line(entry: Entry) -> str:
    """Return one listing line: id, topic, version, status and title."""
    status = "" if entry.status == "active" else f" [{entry.status}]"
    return f"{entry.id:<32} {entry.topic:<12} v{entry.version:<3} {entry.title}{status}"


def obj(ctx: click.Context) -> CliContext:
    """Return the command's shared context."""
    found = ctx.find_object(CliContext)
    if found is None:  # every command runs under the `kb` group, which sets it
        raise RuntimeError("kb command run outside the kb group")
    return found
