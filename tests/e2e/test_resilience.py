"""The assistant keeps working when a process dies: the launcher's supervisor brings it back by itself."""

from __future__ import annotations

import signal
import threading
import time

import pytest

from tools.supervise import Supervisor

pytestmark = pytest.mark.e2e


def test_a_killed_action_server_is_back_by_itself_and_answers(rasa_stack) -> None:
    actions = rasa_stack.stack.service("actions")
    told: list[str] = []
    supervisor = Supervisor(rasa_stack.stack, notify=told.append, backoff=(0.5,))
    supervisor.check()
    assert actions.process is not None
    actions.process.send_signal(signal.SIGKILL)
    actions.process.wait()

    deadline = time.monotonic() + 120
    while not actions.healthy():
        supervisor.check()
        assert time.monotonic() < deadline, "the action server did not come back"
        time.sleep(0.2)

    assert supervisor.restarts("actions") == 1 and "actions stopped" in told[0]
    reply = rasa_stack.reply_text(rasa_stack.new_sender(), "apa itu jipp")
    assert "Sumber:" in reply, reply


def test_a_message_sent_while_the_action_server_restarts_gets_the_answer_not_an_apology(rasa_stack) -> None:
    actions = rasa_stack.stack.service("actions")
    actions.stop()

    def bring_back() -> None:
        time.sleep(1.0)
        actions.start(rasa_stack.stack.environment(), rasa_stack.stack.log_dir)

    restarter = threading.Thread(target=bring_back)
    restarter.start()
    try:
        reply = rasa_stack.reply_text(rasa_stack.new_sender(), "apa itu jipp")
    finally:
        restarter.join()
        deadline = time.monotonic() + 120
        while not actions.healthy():
            assert time.monotonic() < deadline, "the action server did not come back"
            time.sleep(0.2)
    assert "Sumber:" in reply and "gangguan" not in reply, reply
