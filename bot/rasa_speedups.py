"""Waste inside Rasa 3.6 cut without changing what it does (issue 15's turn profile).

`bench/turn_profile.py` found the largest single cost of a turn in Rasa itself: every answer of
the action server is checked with ``jsonschema.validate(result, schema)``, which checks the
*schema* against its meta-schema and builds a new validator on every call — about 25 ms per
action call on the 2-core machine, two calls per turn. Here the validator is built (and the
schema checked) once; each answer is still validated completely, and an invalid one raises the
same ``ValidationError`` with the same message (jsonschema's best match, Rasa's hint appended).

:func:`apply` is called when the bot's NLU components are imported, which every Rasa server of
this project does when it loads the model. It patches only the Rasa version it was written for.
"""
from __future__ import annotations

import functools
import logging
import os
from typing import Any, Dict, Text

logger = logging.getLogger(__name__)

PATCHED_RASA = "3.6."
_applied = False


@functools.lru_cache(maxsize=1)
def _action_result_validator() -> Any:
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _validate_action_result(self: Any, result: Dict[Text, Any]) -> bool:
    """RemoteAction._validate_action_result with a validator built once."""
    from jsonschema import exceptions
    from rasa.shared.constants import DOCS_BASE_URL

    error = exceptions.best_match(_action_result_validator().iter_errors(result))
    if error is None:
        return True
    error.message += (
        f". Failed to validate Action server response from API, "
        f"make sure your response from the Action endpoint is valid. "
        f"For more information about the format visit "
        f"{DOCS_BASE_URL}/custom-actions"
    )
    raise error


def apply() -> bool:
    """Installs the cuts once; False (and a log line) on a Rasa version they were not written for."""
    global _applied
    if _applied:
        return True
    if os.environ.get("BOT_RASA_SPEEDUPS", "on").lower() == "off":  # for side-by-side measurements
        return False
    import rasa
    from rasa.core.actions.action import RemoteAction

    if not rasa.__version__.startswith(PATCHED_RASA) or not hasattr(RemoteAction, "_validate_action_result"):
        logger.info("rasa_speedups: Rasa %s is not %sx, nothing patched", rasa.__version__, PATCHED_RASA)
        return False
    RemoteAction._validate_action_result = _validate_action_result
    _applied = True
    return True
