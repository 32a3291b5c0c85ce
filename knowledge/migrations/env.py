"""Alembic's environment: runs migrations on the connection `knowledge.migrations.runner` hands over.

Alembic executes this file for every command; it is never imported. The runner always passes an open
connection inside a transaction (and holding the upgrade lock), so there is no URL or engine to set up here.
"""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy.types import TypeDecorator

from knowledge.models import Base

config = context.config
connection = config.attributes["connection"]


def _skip_empty(_context: Any, _revision: Any, directives: list[Any]) -> None:
    # `kb db revision` with models that match the schema would otherwise write a revision that does nothing.
    if config.attributes.get("skip_empty") and directives and directives[0].upgrade_ops.is_empty():
        directives[:] = []


def _render_item(type_: str, obj: Any, _autogen_context: AutogenContext) -> str | Literal[False]:
    # A revision must not import the models (they move on; the revision must not), so a column type that
    # wraps another, like `UtcDateTime`, is written as the type it stores: the DDL is the same.
    if type_ == "type" and isinstance(obj, TypeDecorator):
        return f"sa.{obj.impl!r}"
    return False


context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    # SQLite cannot ALTER most of a table; batch mode rebuilds the table (copy, drop, rename) instead.
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    render_item=_render_item,
    process_revision_directives=_skip_empty,
)
with context.begin_transaction():
    context.run_migrations()
