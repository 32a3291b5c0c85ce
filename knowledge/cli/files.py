"""`kb load`, `kb validate`, `kb info`, `kb import` and `kb export`: content in and out of the database."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import click

from knowledge.admin_files import FORMATS, read_import
from knowledge.cli.common import obj, reports_errors, when
from knowledge.content import CONTENT_DIR, read_content_dir
from knowledge.service import ensure_seeded, load_content


@click.command()
@click.option("--content", type=click.Path(file_okay=False, path_type=Path), default=CONTENT_DIR, show_default=True)
@click.option("--if-empty", is_flag=True, help="Only load into an empty database.")
@click.pass_context
@reports_errors
def load(ctx: click.Context, content: Path, if_empty: bool) -> None:
    """Validate the curated content files and load them into the database."""
    url = obj(ctx).admin.database_url
    if if_empty:
        loaded = ensure_seeded(url, directory=content)
        click.echo("loaded the curated content" if loaded else "knowledge base already has content")
        return
    result = load_content(url, directory=content)
    click.echo(f"created {result.created}, updated {result.updated}, unchanged {result.unchanged}")


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


@click.command()
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(FORMATS), help="Default: from FILE's suffix; YAML on stdout.")
@click.option("--all", "include_retired", is_flag=True, help="Include retired entries (with a status column).")
@click.pass_context
@reports_errors
def export(ctx: click.Context, file: Path | None, fmt: str | None, include_retired: bool) -> None:
    """Write the entries to FILE (YAML, CSV or XLSX; one row per entry), or YAML to stdout.

    Each entry carries its `version`, so re-importing an edited export refuses entries that someone else
    changed meanwhile.
    """
    admin = obj(ctx).admin
    if file is None:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"export.{'yml' if fmt in (None, 'yaml') else fmt}"
            admin.export_file(path, fmt=fmt or "yaml", include_retired=include_retired)
            sys.stdout.buffer.write(path.read_bytes())
            sys.stdout.flush()
        return
    count = admin.export_file(file, fmt=fmt, include_retired=include_retired)
    click.echo(f"wrote {count} entries to {file}")


COMMANDS = (load, validate, info, import_, export)
