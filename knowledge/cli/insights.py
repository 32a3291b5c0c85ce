"""`kb stats`, `kb review` (alias `kb unanswered`: promote, dismiss, dismissed) and `kb purge`.

How the assistant is used, and what it could not answer well.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import click

from knowledge.cli.common import obj, reports_errors, when
from knowledge.cli.entries import _single_item
from knowledge.stats import stats_chart_png, stats_csv, stats_text


@click.command()
@click.option("--days", default=30, show_default=True, help="Period: the last DAYS days, today included.")
@click.option("--top", default=5, show_default=True, help="How many top topics, entries and unanswered groups.")
@click.option("--csv", "csv_file", type=click.Path(dir_okay=False, path_type=Path), help="Write per-day numbers.")
@click.option("--chart", type=click.Path(dir_okay=False, path_type=Path), help="Write a PNG chart.")
@click.pass_context
@reports_errors
def stats(ctx: click.Context, days: int, top: int, csv_file: Path | None, chart: Path | None) -> None:
    """Show questions per day, answer rate, top topics and entries, feedback and top unanswered questions."""
    result = obj(ctx).admin.stats(days=days, top=top)
    click.echo(stats_text(result))
    if csv_file is not None:
        csv_file.write_text(stats_csv(result), encoding="utf-8", newline="")
        click.echo(f"wrote {csv_file}")
    if chart is not None:
        chart.write_bytes(stats_chart_png(result))
        click.echo(f"wrote {chart}")


@click.group(invoke_without_command=True)
@click.option("--days", type=int, help="Only evidence of the last DAYS days.")
@click.option("--limit", default=20, show_default=True)
@click.pass_context
@reports_errors
def review(ctx: click.Context, days: int | None, limit: int) -> None:
    """The review queue: declined, unclear, uncertain and 👎 questions grouped by meaning, most frequent first.

    Near-duplicate groups are merged. Answer a group from now on with `promote GROUP --new-entry FILE` or
    `promote GROUP --add-phrasing ENTRY_ID`, or drop it for good with `dismiss GROUP --reason TEXT`.
    (`kb unanswered` is the same command.)
    """
    if ctx.invoked_subcommand is not None:
        return
    since = datetime.now(timezone.utc) - timedelta(days=days) if days else None
    groups = obj(ctx).admin.review(since=since, limit=limit)
    if not groups:
        click.echo("no questions to review")
    for g in groups:
        click.echo(f"{g.group_id}  {g.count:>4}x  last {when(g.last_at)}  {g.example}")
        click.echo(f"{'':>16}{g.kinds()}" + (f"  (entries: {', '.join(g.entry_ids[:3])})" if g.entry_ids else ""))
        for other in g.texts[1:4]:
            click.echo(f"{'':>16}also: {other}")
        for comment in g.comments[:3]:
            click.echo(f"{'':>16}👎 says: {comment}")


@review.command()
@click.argument("group")
@click.option("--new-entry", type=click.Path(dir_okay=False, path_type=Path), help="Create this entry (one).")
@click.option("--add-phrasing", metavar="ENTRY_ID", help="Add the question to this entry as a new phrasing.")
@click.pass_context
@reports_errors
def promote(ctx: click.Context, group: str, new_entry: Path | None, add_phrasing: str | None) -> None:
    """Answer GROUP from now on: as a new entry, or as a new phrasing of an existing entry."""
    if (new_entry is None) == (add_phrasing is None):
        raise click.UsageError("give exactly one of --new-entry FILE and --add-phrasing ENTRY_ID")
    c = obj(ctx)
    if new_entry is not None:
        entry = c.admin.promote_to_entry(group, _single_item(new_entry).data, actor=c.actor)
        click.echo(f"created {entry.id} (version {entry.version}); the group is resolved")
        return
    assert add_phrasing is not None
    entry, changed = c.admin.promote_to_phrasing(group, add_phrasing, actor=c.actor)
    state = f"saved as version {entry.version}" if changed else "already had this phrasing"
    click.echo(f"{entry.id}: {state}; the group is resolved")


@review.command()
@click.argument("group")
@click.option("--reason", required=True, help="Why it needs no answer (kept with the dismissal and audited).")
@click.pass_context
@reports_errors
def dismiss(ctx: click.Context, group: str, reason: str) -> None:
    """Drop GROUP from the queue for good (it stays dismissed when asked again)."""
    c = obj(ctx)
    if not reason.strip():
        raise click.UsageError("--reason must not be empty")
    found = c.admin.dismiss(group, reason, actor=c.actor)
    click.echo(f"{found.group_id}: dismissed ({found.count} questions): {reason.strip()}")


@review.command()
@click.option("--limit", default=20, show_default=True)
@click.pass_context
@reports_errors
def dismissed(ctx: click.Context, limit: int) -> None:
    """List dismissed groups, newest first, with who dismissed them and why."""
    rows = obj(ctx).admin.dismissals(limit=limit)
    if not rows:
        click.echo("nothing dismissed")
    for d in rows:
        click.echo(f"{when(d.at)}  {d.actor:<16} {d.key.split(':', 1)[-1]}: {d.reason}")


@click.command()
@click.option("--days", type=int, help="Retention in days (default: RETENTION_DAYS).")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_context
@reports_errors
def purge(ctx: click.Context, days: int | None, yes: bool) -> None:
    """Delete logged questions, feedback and conversations older than the retention period."""
    c = obj(ctx)
    retention = days or c.settings.retention_days
    if not yes:
        click.confirm(f"Delete questions, feedback and conversations older than {retention} days?", abort=True)
    report = c.admin.purge(retention_days=retention)
    click.echo(
        f"removed {report.questions} questions, {report.feedback} feedback, "
        f"{report.conversation_events} conversation events"
    )


COMMANDS = (stats, review, purge)
