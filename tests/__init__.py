"""The test suite.

Set before anything imports SQLAlchemy (pytest imports this package before `tests/conftest.py`): SQLAlchemy 1.4
reports its 2.0 deprecations (`RemovedIn20Warning`) only when `SQLALCHEMY_WARN_20` is set at its import, and
pyproject's `filterwarnings` turns one raised from our code into a test failure. The code is written in 2.0 style.
"""

import os

os.environ.setdefault("SQLALCHEMY_WARN_20", "1")
