"""`rasa` started as a module (`python -m nlu.serve run ...`), a second sooner and lighter than the `rasa` script.

TensorFlow imports jax, when it is installed (tensorflow 2.12 requires it), for one thing: converting models to
TF Lite. Rasa never converts, and the import costs about 0.9 s of every start and tens of MB in each process.
TensorFlow treats jax as optional (`try: from jax import ...; except ImportError`), so marking it absent
before TensorFlow loads is the same as not having it installed. Everything else is Rasa's own command line.
"""

from __future__ import annotations

import sys


def main() -> None:
    """Run Rasa's command line with jax marked absent."""
    sys.modules.setdefault("jax", None)  # type: ignore[arg-type]
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
