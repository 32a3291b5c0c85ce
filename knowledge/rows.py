"""Turning an ORM row into one of the public frozen dataclasses (style guide 2.3: callers never see rows).

Imports nothing of the project: the rows are read by attribute name, so this serves every table.
"""

from __future__ import annotations

from dataclasses import fields
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

Record = TypeVar("Record", bound="DataclassInstance")


def from_row(record: type[Record], row: Any, **derived: Any) -> Record:
    """Return a `record` whose fields are the row's same-named columns, except those given in `derived`."""
    copied = {f.name: getattr(row, f.name) for f in fields(record) if f.name not in derived}
    return record(**copied, **derived)
