"""Command line of the knowledge base: `python -m knowledge load|validate|info`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from knowledge import ContentError, KnowledgeUnavailable, default_kb, ensure_seeded, load_content, read_content_dir
from knowledge.content import CONTENT_DIR
from settings import configure_logging, get_settings


def main(argv: list[str] | None = None) -> int:
    """Run one knowledge-base command and return the exit code."""
    parser = argparse.ArgumentParser(prog="python -m knowledge", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    load = sub.add_parser("load", help="validate the content files and load them into the database")
    load.add_argument("--content", type=Path, default=CONTENT_DIR)
    load.add_argument("--if-empty", action="store_true", help="only load into an empty database")
    check = sub.add_parser("validate", help="validate the content files without loading them")
    check.add_argument("--content", type=Path, default=CONTENT_DIR)
    sub.add_parser("info", help="show the number of entries and the last change")
    args = parser.parse_args(argv)
    settings = get_settings()
    configure_logging("WARNING")
    try:
        if args.command == "validate":
            entries = read_content_dir(args.content)
            sys.stdout.write(f"{len(entries)} entries are valid\n")
        elif args.command == "load" and args.if_empty:
            loaded = ensure_seeded(settings.database_url, directory=args.content)
            sys.stdout.write("loaded the curated content\n" if loaded else "knowledge base already has content\n")
        elif args.command == "load":
            result = load_content(settings.database_url, directory=args.content)
            sys.stdout.write(f"created {result.created}, updated {result.updated}, unchanged {result.unchanged}\n")
        else:
            info = default_kb().info()
            sys.stdout.write(f"{info.entry_count} active entries, revision {info.revision}, updated {info.updated_at}\n")
    except ContentError as exc:
        sys.stderr.write(f"{exc}\nNothing was loaded.\n")
        return 1
    except KnowledgeUnavailable as exc:
        sys.stderr.write(f"{exc}\n")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
