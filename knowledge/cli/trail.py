"""`kb feedback` and `kb audit`: what people said about the answers, and who changed what. Times in WIB."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import click

from knowledge.admin_types import WIB
from knowledge.cli.common import obj, reports_errors, when

_DATE_FORMATS = ["%Y-%m-%d", "%Y-%m-%d %H:%M"]


@click.command()
@click.option("--days", type=int, default=30, show_default=True, help="Only feedback of the last DAYS days.")
@click.option("--entry", "entry_id", metavar="ID", help="Only feedback on this entry.")
@click.option("--all", "include_helpful", is_flag=True, help="Include 👍 too (default: only 👎).")
@click.option("--limit", default=50, show_default=True)
@click.pass_context
@reports_errors
def feedback(ctx: click.Context, days: int, entry_id: str | None, include_helpful: bool, limit: int) -> None:
    """List 👎 (and with --all 👍) on answers, newest first: when, the entry and version, question, comment."""
    since = datetime.now(timezone.utc) - timedelta(days=days)
    rows = obj(ctx).admin.feedback(since=since, entry_id=entry_id, unhelpful_only=not include_helpful, limit=limit)
    if not rows:
        click.echo("no feedback in this period")
    for row in rows:
        mark = "👍" if row.helpful else "👎"
        click.echo(f"{when(row.at)}  {mark}  {row.entry_id} v{row.entry_version}")
        click.echo(f"    question: {row.question or '-'}")
        if not row.helpful:
            click.echo(f"    comment:  {row.comment or '-'}")


@click.command()
@click.option("--since", type=click.DateTime(_DATE_FORMATS), help="From this date (WIB), e.g. 2025-03-01.")
@click.option("--actor", metavar="NAME", help="Only changes by NAME (case-insensitive).")
@click.option("--entry", "entry_id", metavar="ID", help="Only changes of this entry.")
@click.option("--limit", default=50, show_default=True)
@click.pass_context
@reports_errors
def audit(ctx: click.Context, since: datetime | None, actor: str | None, entry_id: str | None, limit: int) -> None:
    """List every change by anyone (kb, imports, loads, Telegram), newest first, times in WIB."""
    start = since.replace(tzinfo=WIB) if since is not None else None
    rows = obj(ctx).admin.audit(since=start, actor=actor, entry_id=entry_id, limit=limit)
    if not rows:
        click.echo("no changes found")
    for row in rows:
        target = f"{row.entry_id} v{row.version}" if row.entry_id and row.version else (row.entry_id or "")
        detail = row.note or (f"changed: {', '.join(row.changed)}" if row.changed else "")
        click.echo(f"{when(row.at)}  {row.actor:<16} {row.action:<13} {target:<36} {detail}".rstrip())


COMMANDS = (feedback, audit)
