"""`kb edisi`: list, show, import and remove the KIPP editions the readiness check judges against.

Adding next year's edition is data, not code: write it in the format of knowledge/content/editions/kipp.yml,
check it with `kb edisi import FILE --dry-run`, then import it; the running assistant uses it on the next check.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click
import yaml

from knowledge.cli.common import obj, reports_errors
from knowledge.editions import EditionStore, read_editions_file


def _store(ctx: click.Context) -> EditionStore:
    return EditionStore(obj(ctx).admin.database_url)


@click.group(name="edisi")
def edisi() -> None:
    """KIPP editions (years): dates, groups and the rules stated for each year."""


def _year_command(command: Callable[[click.Context, int], None]) -> click.Command:
    """Register `command(ctx, year)` as an `edisi` subcommand taking one YEAR, with the usual error report."""
    return edisi.command()(click.argument("year", type=int)(click.pass_context(reports_errors(command))))


@edisi.command(name="list")
@click.pass_context
@reports_errors
def list_(ctx: click.Context) -> None:
    """List the editions: year, registration dates, groups and stated minimum ages."""
    for e in _store(ctx).editions():
        opens = e.registration_opens.isoformat() if e.registration_opens else "?"
        closes = e.registration_closes.isoformat() if e.registration_closes else "?"
        ages = ", ".join(f"{g} {n} th" for g, n in e.min_age_years.items()) or "usia minimal tidak tercatat"
        click.echo(f"KIPP {e.year}  {opens} .. {closes}  kelompok: {', '.join(e.groups)}  ({ages})")


@_year_command
def show(ctx: click.Context, year: int) -> None:
    """Show one edition as YAML (the import format)."""
    found = [e for e in _store(ctx).editions() if e.year == year]
    if not found:
        raise LookupError(f"KIPP {year}")
    click.echo(yaml.safe_dump({"editions": [found[0].to_record()]}, allow_unicode=True, sort_keys=False), nl=False)


@edisi.command(name="import")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Validate only; change nothing.")
@click.pass_context
@reports_errors
def import_(ctx: click.Context, file: Path, dry_run: bool) -> None:
    """Create or update editions from a YAML FILE (matched by year), all in one transaction."""
    editions = read_editions_file(file)
    years = ", ".join(str(e.year) for e in editions)
    if dry_run:
        click.echo(f"{file.name}: {len(editions)} edition(s) valid ({years}); nothing changed")
        return
    created, updated = _store(ctx).import_editions(editions, actor=obj(ctx).actor)
    click.echo(f"{file.name}: created {created}, updated {updated} ({years})")


@_year_command
def remove(ctx: click.Context, year: int) -> None:
    """Remove one edition (e.g. one added by mistake)."""
    _store(ctx).remove(year)
    click.echo(f"KIPP {year} removed")


COMMANDS = (edisi,)
