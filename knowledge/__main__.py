"""Entry point of `python -m knowledge` and of the `kb` console script (see `knowledge.cli`)."""

from __future__ import annotations

import sys

from knowledge.cli import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
