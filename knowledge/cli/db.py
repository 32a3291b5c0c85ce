"""`kb db`: the schema's migration state (current, upgrade) and, for developers, drafting the next revision.

Upgrades run by themselves whenever a process opens the database; these commands are for operators who want
to see or do it explicitly (say, before starting the services after a release), and for the developer who
changed `knowledge/models.py` and needs a revision for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError

from knowledge.cli.common import EXIT_CONTENT, EXIT_UNAVAILABLE, fail, obj
from knowledge.db import make_engine, schema_revision, upgrade_schema
from knowledge.migrations import runner


@contextmanager
def _engine(ctx: click.Context) -> Iterator[Engine]:
    """Yield an engine that does not upgrade by itself (unlike `get_engine`), reporting database errors."""
    url = obj(ctx).admin.database_url
    engine = make_engine(url)
    try:
        yield engine
    except runner.SchemaError as exc:
        raise fail(f"Cannot upgrade: {exc}", EXIT_CONTENT) from exc
    except SQLAlchemyError as exc:
        shown = make_url(url).render_as_string(hide_password=True)
        raise fail(f"database unavailable ({shown}): {exc.__class__.__name__}", EXIT_UNAVAILABLE) from exc
    finally:
        engine.dispose()


@click.group(name="db")
def db() -> None:
    """The database schema: which migration it is at, upgrading it, drafting a new migration."""


@db.command()
@click.pass_context
def current(ctx: click.Context) -> None:
    """Show the revision the database is at and the newest one (changes nothing)."""
    head = runner.head_revision()
    with _engine(ctx) as engine:
        revision = schema_revision(engine)
    if revision == head:
        click.echo(f"{revision} (head)")
    elif revision is None:
        click.echo(f"no migration history (new, or made before migrations); head is {head}: run `kb db upgrade`")
    else:
        click.echo(f"{revision}; head is {head}: run `kb db upgrade`")


@db.command()
@click.pass_context
def upgrade(ctx: click.Context) -> None:
    """Upgrade the database to the newest revision, keeping its data (every service also does this at start).

    Exit code 1 if the schema is not one the migrations know (nothing is changed then).
    """
    with _engine(ctx) as engine:
        before, after = upgrade_schema(engine)
    if before == after:
        click.echo(f"already at {after} (head)")
    else:
        click.echo(f"upgraded from {before or 'an empty database'} to {after} (head)")


@db.command()
@click.option("-m", "--message", required=True, help="What the change does, e.g. 'add entry owner'.")
def revision(message: str) -> None:
    """Draft a migration for what changed in knowledge/models.py (developers; read and tidy it, then commit)."""
    path = runner.new_revision(message)
    if path is None:
        click.echo("no changes: the models match the newest revision")
    else:
        click.echo(f"drafted {path}: review it (renames, defaults, data), then add and commit it")


COMMANDS = [db]
