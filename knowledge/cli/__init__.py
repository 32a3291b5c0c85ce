"""The `kb` command: administer the knowledge base from a terminal.

`kb` (the console script) and `python -m knowledge` both run `main`. Each verb group lives in its own module:
`files` (load, validate, info, import, export), `entries` (list, search, show, add, edit, retire, restore,
history, diff, revert), `insights` (stats, review/unanswered, purge), `trail` (feedback, audit) and `db`
(schema migrations). Every change is one transaction, recorded with its author (`--actor`, else KB_ADMIN_ACTOR
or the login name) in the entry's history and the audit log.
"""

from __future__ import annotations

import logging

import click

from knowledge.admin import KnowledgeAdmin
from knowledge.cli import db, editions, entries, files, insights, trail
from knowledge.cli.common import CliContext
from settings import SettingsError, configure_logging, get_settings


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.option("--database-url", metavar="URL", help="Knowledge-base database (default: DATABASE_URL).")
@click.option("--actor", metavar="NAME", help="Who is making the change (default: KB_ADMIN_ACTOR or $USER).")
@click.option("-v", "--verbose", is_flag=True, help="Log what happens (INFO).")
@click.pass_context
def cli(ctx: click.Context, database_url: str | None, actor: str | None, verbose: bool) -> None:
    """Administer the Klinik Inovasi knowledge base: entries, imports, history, questions and statistics."""
    if verbose:
        logging.getLogger().setLevel(logging.INFO)
    try:
        settings = get_settings()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc
    url = database_url or settings.database_url
    ctx.obj = CliContext(
        admin=KnowledgeAdmin(url, tracker_db=settings.tracker_db),
        actor=(actor or settings.admin_actor).strip() or "admin",
        settings=settings,
    )


for module in (files, entries, insights, trail, editions, db):
    for command in module.COMMANDS:
        cli.add_command(command)
# The review queue was first only the unanswered questions; the old name keeps working.
cli.add_command(insights.review, name="unanswered")


def main(argv: list[str] | None = None) -> int:
    """Run one `kb` command and return its exit code (the console-script entry point)."""
    # Logging is set up here, at the entry point, not in `cli`: tests run `cli` in-process, where
    # replacing the root handlers would close pytest's own.
    configure_logging("WARNING")
    try:
        cli.main(args=argv, prog_name="kb", standalone_mode=True)  # in standalone mode click always exits
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
