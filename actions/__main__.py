"""`python -m actions`: rasa-sdk's action server, with the knowledge-base index built during start-up.

Nothing in `actions` touches the database when rasa-sdk imports it, so the first question used to pay for
building the retrieval index (about 1.5 s). Built in the background here, it is ready long before Rasa has
loaded its model, and the first answer after `make run` comes as fast as the rest. If the knowledge base
is not reachable yet, that is only logged: the first question tries again, as before.

    python -m actions --actions actions --port 5055
"""

from __future__ import annotations

import threading

from rasa_sdk.__main__ import main

from actions._kb import warm_up

if __name__ == "__main__":
    threading.Thread(target=warm_up, daemon=True, name="kb-warm-up").start()
    main()
