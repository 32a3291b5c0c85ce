"""`kb load`, `kb validate`, `kb info`, `kb import` and `kb export`: content in and out of the database."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import click

from knowledge.admin_files import FORMATS, read_import
from knowledge.cli.common import EXIT_CONFLICT, obj, reports_errors, when
from knowledge.content import CONTENT_DIR, read_content_dir
from knowledge.service import ensure_seeded, load_content

LIST_AT_MOST = 20  # ids listed per line; a first load creates every entry


@click.command()
@click.option("--content", type=click.Path(file_okay=False, path_type=Path), default=CONTENT_DIR, show_default=True)
@click.option("--if-empty", is_flag=True, help="Only load into an empty database (first-run seeding).")
@click.option("--dry-run", is_flag=True, help="Show what would change; change nothing.")
@click.option("--force", is_flag=True, help="Also overwrite entries edited in the database (recorded in the audit).")
@click.pass_context
@reports_errors
def load(ctx: click.Context, content: Path, if_empty: bool, dry_run: bool, force: bool) -> None:
    """Load the curated content files into the database, never silently losing an edit made there.

    The database is the source of truth once loaded; the files seed it. An entry edited in the database since
    it was last loaded (with `kb edit`, an import, Telegram or a promoted question) is kept and listed; if its
    file changed too (a conflict) the command exits with 3. Bring the edit into the files with
    `kb export --for-content --ids ...`, or overwrite it with `--force`.
    """
    c = obj(ctx)
    url = c.admin.database_url
    if if_empty:
        loaded = ensure_seeded(url, directory=content)
        click.echo("loaded the curated content" if loaded else "knowledge base already has content")
        return
    report = load_content(url, directory=content, actor=c.actor, force=force, dry_run=dry_run)
    click.echo(("dry run, would have: " if dry_run else "") + report.summary())
    for label, ids in (("created", report.created), ("updated", report.updated), ("overwritten", report.forced)):
        if ids:
            shown = ", ".join(ids[:LIST_AT_MOST]) + (f", ... ({len(ids)} in all)" if len(ids) > LIST_AT_MOST else "")
            click.echo(f"  {label}: {shown}")
    behind = (*report.kept, *report.newer_in_db)
    if behind:
        if report.newer_in_db:
            click.echo(
                "  newer in the database (edited there; the files still hold the old text): "
                + ", ".join(report.newer_in_db),
                err=True,
            )
        if report.kept:
            click.echo(
                "  conflicts (changed in the files and in the database; neither was overwritten): "
                + ", ".join(report.kept),
                err=True,
            )
        click.echo(
            "To bring the database's version into knowledge/content/ (then the next load finds them in step):\n"
            f"  kb export --for-content --ids {','.join(behind)}\n"
            "To replace it with the files' version: kb load --force",
            err=True,
        )
    if report.kept:
        raise click.exceptions.Exit(EXIT_CONFLICT)


@click.command()
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--content", type=click.Path(file_okay=False, path_type=Path), default=CONTENT_DIR, show_default=True)
@reports_errors
def validate(file: Path | None, content: Path) -> None:
    """Check an import FILE (YAML, CSV, XLSX), or the curated content files; change nothing."""
    if file is not None:
        items = read_import(file)
        click.echo(f"{file.name}: {len(items)} entries are valid")
    else:
        click.echo(f"{len(read_content_dir(content))} entries are valid")


@click.command()
@click.pass_context
@reports_errors
def info(ctx: click.Context) -> None:
    """Show the number of active entries, the revision and the last change."""
    data = obj(ctx).admin.info()
    click.echo(f"{data.entry_count} active entries, revision {data.revision}, updated {when(data.updated_at)}")


@click.command(name="import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Validate and show what would change; change nothing.")
@click.pass_context
@reports_errors
def import_(ctx: click.Context, file: Path, dry_run: bool) -> None:
    """Create or update entries from a YAML, CSV or XLSX FILE, all in one transaction.

    An entry whose id exists is updated. A `version` column/key makes the import refuse entries changed
    since that version; a `status` column (active/retired) retires or restores. Nothing is changed if any
    entry has a problem: every problem is listed with its file, row or entry, and field.
    """
    c = obj(ctx)
    result = c.admin.import_file(file, actor=c.actor, dry_run=dry_run)
    prefix = "dry run, would have " if dry_run else ""
    click.echo(f"{file.name}: {prefix}{result.summary()}")
    for label, ids in (
        ("created", result.created),
        ("updated", result.updated),
        ("retired", result.retired),
        ("restored", result.restored),
    ):
        if ids:
            click.echo(f"  {label}: {', '.join(ids)}")


def _ids(value: tuple[str, ...]) -> list[str]:
    return [part.strip() for item in value for part in item.split(",") if part.strip()]


@click.command()
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(FORMATS), help="Default: from FILE's suffix; YAML on stdout.")
@click.option("--all", "include_retired", is_flag=True, help="Include retired entries (with a status column).")
@click.option("--ids", "ids", multiple=True, metavar="ID,ID...", help="Only these entries (comma-separated).")
@click.option("--for-content", is_flag=True, help="YAML in the form of knowledge/content/*.yml (no version or status).")
@click.pass_context
@reports_errors
def export(
    ctx: click.Context,
    file: Path | None,
    fmt: str | None,
    include_retired: bool,
    ids: tuple[str, ...],
    for_content: bool,
) -> None:
    """Write the entries to FILE (YAML, CSV or XLSX; one row per entry), or YAML to stdout.

    Each entry carries its `version`, so re-importing an edited export refuses entries that someone else
    changed meanwhile. With `--for-content` the YAML can replace entries in knowledge/content/*.yml.
    """
    admin = obj(ctx).admin
    chosen = _ids(ids) or None
    if for_content and fmt not in (None, "yaml"):
        raise click.UsageError("--for-content writes YAML only")
    if file is None:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"export.{'yml' if fmt in (None, 'yaml') else fmt}"
            admin.export_file(
                path, fmt=fmt or "yaml", include_retired=include_retired, ids=chosen, for_content=for_content
            )
            sys.stdout.buffer.write(path.read_bytes())
            sys.stdout.flush()
        return
    count = admin.export_file(file, fmt=fmt, include_retired=include_retired, ids=chosen, for_content=for_content)
    click.echo(f"wrote {count} entries to {file}")


COMMANDS = (load, validate, info, import_, export)
