"""`kb list|search|show|add|edit|retire|restore|history|diff|revert`: one entry at a time, with its history."""

from __future__ import annotations

from pathlib import Path

import click

from knowledge.admin_files import dump_entry_yaml, file_format, parse_entry_text, read_import
from knowledge.admin_types import ImportItem
from knowledge.cli.common import EXIT_CONTENT, entry_line, fail, obj, reports_errors, when
from knowledge.errors import ContentError, Problem, VersionConflict
from knowledge.types import ACTIVE, RETIRED, TOPICS, Entry

TEMPLATE = """\
# A new knowledge-base entry. Lines starting with '#' are ignored; save and close the editor to create it.
# id: lowercase words joined by '-'; topic: one of {topics}.
id:
topic:
title:
questions:
  - ""
answer: ""
sources:
  - title: ""
    url: https://
"""


@click.command(name="list")
@click.option("--topic", type=click.Choice(sorted(TOPICS)))
@click.option("--all", "include_retired", is_flag=True, help="Include retired entries.")
@click.pass_context
@reports_errors
def list_(ctx: click.Context, topic: str | None, include_retired: bool) -> None:
    """List the entries: id, topic, version, title."""
    entries = obj(ctx).admin.entries(include_retired=include_retired, topic=topic)
    for entry in entries:
        click.echo(entry_line(entry))
    click.echo(f"{len(entries)} entries", err=True)


@click.command()
@click.argument("words", nargs=-1, required=True)
@click.option("--limit", default=20, show_default=True)
@click.pass_context
@reports_errors
def search(ctx: click.Context, words: tuple[str, ...], limit: int) -> None:
    """Find entries whose id, title, questions or answer contain all WORDS."""
    found = obj(ctx).admin.search(" ".join(words), limit=limit)
    for entry in found:
        click.echo(entry_line(entry))
    if not found:
        click.echo("no entry matches", err=True)


def _show_text(entry: Entry) -> str:
    header = (
        f"# {entry.id}: version {entry.version}, {entry.status}, created {when(entry.created_at)}, "
        f"updated {when(entry.updated_at)}\n"
    )
    return header + dump_entry_yaml(entry.data, version=entry.version)


@click.command()
@click.argument("entry_id")
@click.pass_context
@reports_errors
def show(ctx: click.Context, entry_id: str) -> None:
    """Show one entry as YAML (the form `edit` and `import` accept)."""
    click.echo(_show_text(obj(ctx).admin.require(entry_id)), nl=False)


def _edit_until_valid(text: str, *, name: str) -> ImportItem:
    """Open $EDITOR on `text` until it holds one valid entry; abort if the editor is closed without saving."""
    while True:
        edited = click.edit(text, extension=".yml", require_save=True)
        if edited is None:
            raise click.ClickException("nothing saved; nothing was changed")
        try:
            return parse_entry_text(edited, name=name)
        except ContentError as exc:
            click.echo("\n".join(f"  - {p}" for p in exc.problems), err=True)
            if not click.confirm("Edit again?", default=True, err=True):
                raise
            text = edited


def _single_item(path: Path) -> ImportItem:
    """Read a file holding one entry: `kb show` output (a bare mapping), an `entries:` list, CSV or XLSX."""
    if file_format(path) == "yaml":
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ContentError([Problem(path.name, "", "", f"cannot be read: {exc}")]) from exc
        return parse_entry_text(text, name=path.name)
    items = read_import(path)
    if len(items) != 1:
        raise fail(f"{path.name} holds {len(items)} entries; use `kb import` for several", EXIT_CONTENT)
    return items[0]


@click.command()
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
@reports_errors
def add(ctx: click.Context, file: Path | None) -> None:
    """Create entries from FILE (YAML, CSV or XLSX), or one entry in $EDITOR; never overwrites an entry."""
    c = obj(ctx)
    if file is None:
        item = _edit_until_valid(TEMPLATE.format(topics=", ".join(TOPICS)), name="new entry")
        items = [ImportItem(data=item.data, expected_version=0)]
        name = "editor"
    else:
        items = [ImportItem(data=i.data, expected_version=0, status=i.status) for i in read_import(file)]
        name = file.name
    result = c.admin.import_items(items, actor=c.actor, file=name)
    click.echo(f"created {', '.join(result.created)}")


@click.command()
@click.argument("entry_id")
@click.option("--file", type=click.Path(dir_okay=False, path_type=Path), help="Take the new content from FILE.")
@click.option("--expected-version", type=int, help="Refuse if the entry is no longer at this version.")
@click.pass_context
@reports_errors
def edit(ctx: click.Context, entry_id: str, file: Path | None, expected_version: int | None) -> None:
    """Change an entry: from FILE, or in $EDITOR (refused if someone else changed it meanwhile)."""
    c = obj(ctx)
    if file is not None:
        item = _single_item(file)
        expected = expected_version if expected_version is not None else item.expected_version
    else:
        current = c.admin.require(entry_id)
        item = _edit_until_valid(_show_text(current), name=entry_id)
        # The version the editor was opened on, whatever the text says: that is what the edit is based on.
        expected = expected_version if expected_version is not None else current.version
    if item.data.id != entry_id:
        raise fail(f"the content is for entry {item.data.id!r}, not {entry_id!r}", EXIT_CONTENT)
    if c.admin.get(entry_id) is None:
        raise LookupError(f"no entry {entry_id!r} (use `kb add` to create it)")
    try:
        entry, changed = c.admin.save(item.data, actor=c.actor, expected_version=expected)
    except VersionConflict:
        if file is None:
            backup = Path(click.get_app_dir("kb")) / f"{entry_id}.unsaved.yml"
            backup.parent.mkdir(parents=True, exist_ok=True)
            backup.write_text(dump_entry_yaml(item.data), encoding="utf-8")
            click.echo(f"your edit is kept in {backup}", err=True)
        raise
    click.echo(f"{entry.id}: {'saved as version ' + str(entry.version) if changed else 'unchanged'}")


def _status_command(name: str, status: str, shown: str, doc: str) -> click.Command:
    """Return `kb retire` or `kb restore`: set an entry's status (refused if it is no longer at --expected-version)."""

    @click.command(name=name, help=doc)
    @click.argument("entry_id")
    @click.option("--expected-version", type=int)
    @click.pass_context
    @reports_errors
    def command(ctx: click.Context, entry_id: str, expected_version: int | None) -> None:
        c = obj(ctx)
        entry = c.admin.set_status(entry_id, status, actor=c.actor, expected_version=expected_version)
        click.echo(f"{entry.id}: {shown} (version {entry.version})")

    return command


retire = _status_command(
    "retire",
    RETIRED,
    "retired",
    "Stop using an entry: the assistant no longer answers with it (history is kept; `restore` undoes it).",
)
restore = _status_command("restore", ACTIVE, "active", "Use a retired entry again.")


@click.command()
@click.argument("entry_id")
@click.pass_context
@reports_errors
def history(ctx: click.Context, entry_id: str) -> None:
    """List every version of an entry: when, who, what."""
    for v in obj(ctx).admin.history(entry_id):
        click.echo(
            f"v{v.version:<3} {when(v.changed_at)}  {v.changed_by:<20} {v.action:<13} {v.status:<8} {v.data.title}"
        )


@click.command()
@click.argument("entry_id")
@click.argument("old", required=False, type=int)
@click.argument("new", required=False, type=int)
@click.pass_context
@reports_errors
def diff(ctx: click.Context, entry_id: str, old: int | None, new: int | None) -> None:
    """Show what changed between versions OLD and NEW (default: the last change)."""
    text = obj(ctx).admin.diff(entry_id, old, new)
    click.echo(text if text else "no difference", nl=not text.endswith("\n") if text else True)


@click.command()
@click.argument("entry_id")
@click.argument("version", type=int)
@click.option("--expected-version", type=int)
@click.pass_context
@reports_errors
def revert(ctx: click.Context, entry_id: str, version: int, expected_version: int | None) -> None:
    """Bring back the content of VERSION as a new version (retired entries stay retired)."""
    c = obj(ctx)
    entry, changed = c.admin.revert(entry_id, version, actor=c.actor, expected_version=expected_version)
    if not changed:
        click.echo(f"{entry.id}: already has the content of version {version}; unchanged")
        return
    note = "; it is retired: `kb restore` to use it again" if entry.status != "active" else ""
    click.echo(f"{entry.id}: content of version {version} saved as version {entry.version}{note}")


COMMANDS = (list_, search, show, add, edit, retire, restore, history, diff, revert)
