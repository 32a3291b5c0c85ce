"""Errors raised by the knowledge base. Imports nothing but the standard library."""

from __future__ import annotations

from dataclasses import dataclass


class KnowledgeUnavailable(RuntimeError):
    """The knowledge-base database could not be reached or queried."""


@dataclass(frozen=True)
class Problem:
    """One problem found in a content file: where it is and what is wrong."""

    file: str
    entry: str
    field: str
    message: str

    def __str__(self) -> str:
        location = self.file
        if self.entry:
            location += f", {self.entry}"
        if self.field:
            location += f", field '{self.field}'"
        return f"{location}: {self.message}"


class ContentError(ValueError):
    """Content failed validation; nothing was loaded. `problems` lists every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        lines = "\n".join(f"- {p}" for p in problems)
        super().__init__(f"{len(problems)} problem(s) in the knowledge-base content:\n{lines}")


class VersionConflict(RuntimeError):
    """An edit was based on an older version of an entry than the one stored."""
