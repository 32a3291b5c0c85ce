"""Two hot spots of a Rasa 3.6 turn, replaced by equivalent code that does the work once.

py-spy on the Rasa server under `make bench` showed where a turn's time went:

1. **Action reply check (40% of busy time).** Rasa validates every action server reply with
   `jsonschema.validate(reply, schema)`, which first re-checks the constant schema against the
   JSON-schema metaschema; with jsonschema 4.17 that check dwarfs the rest of the turn. Here the
   schema is checked once and one validator kept. Replies are validated exactly as before, with the
   same error type and message.
2. **Event lookup (11%).** Loading a conversation turns every stored event back into an object, and
   for each one Rasa walks the whole `Event` class tree to find the class for its type name. Here the
   name-to-class table is built once; an unknown name still goes through Rasa's own lookup.

Rasa 3.6.21 is the last open-source release, so the methods replaced here will not change under us;
`install()` leaves Rasa alone (and says so) if they ever do. Switched on by nlu/channels.py, which Rasa
always loads.
"""

from __future__ import annotations

import logging
from functools import cache
from typing import Any

import rasa.shared.utils.common
from jsonschema import ValidationError
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.core.events import Event

logger = logging.getLogger(__name__)

_rasa_resolve_by_type = Event.resolve_by_type


@cache
def _reply_validator() -> Any:
    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    try:
        _reply_validator().validate(result)
    except ValidationError as error:
        error.message += (
            ". Failed to validate Action server response from API, make sure your response from the "
            f"Action endpoint is valid. For more information about the format visit {DOCS_BASE_URL}/custom-actions"
        )
        raise
    return True


@cache
def _event_classes() -> dict[str, type[Event]]:
    # The first class of a name wins, as in Rasa's own scan.
    classes: dict[str, type[Event]] = {}
    for cls in rasa.shared.utils.common.all_subclasses(Event):
        classes.setdefault(cls.type_name, cls)
    return classes


def _resolve_by_type(type_name: str, default: type[Event] | None = None) -> type[Event] | None:
    found = _event_classes().get(type_name)
    return found if found is not None else _rasa_resolve_by_type(type_name, default)


def install() -> None:
    """Switch both replacements on (idempotent)."""
    if RemoteAction._validate_action_result.__qualname__ == "RemoteAction._validate_action_result":
        RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
    elif RemoteAction._validate_action_result is not _validate_action_result:
        logger.warning("Rasa's action reply check has changed; keeping Rasa's own")
    if _rasa_resolve_by_type.__qualname__ == "Event.resolve_by_type":
        Event.resolve_by_type = staticmethod(_resolve_by_type)  # type: ignore[method-assign,assignment]
    elif Event.resolve_by_type is not _resolve_by_type:
        logger.warning("Rasa's event lookup has changed; keeping Rasa's own")
