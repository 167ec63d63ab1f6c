"""bot.rasa_speedups: the action server's answers are validated exactly as Rasa does, only faster."""
from __future__ import annotations

import pytest

pytest.importorskip("rasa")

from jsonschema import ValidationError, validate  # noqa: E402
from rasa.core.actions.action import RemoteAction  # noqa: E402

from bot import rasa_speedups  # noqa: E402

VALID = [
    {"events": [{"event": "slot", "name": "address", "value": "北新街"}], "responses": [{"text": "好的"}]},
    {"events": [], "responses": []},
    {},
]
INVALID = [
    {"events": "not a list"},
    {"events": [{"event": "no_such_event"}]},
    {"responses": ["not an object"]},
]


def test_the_patch_is_installed_by_the_nlu_components():
    import bot.nlu_components  # noqa: F401

    assert RemoteAction._validate_action_result is rasa_speedups._validate_action_result


@pytest.mark.parametrize("result", VALID)
def test_valid_answers_pass(result):
    assert rasa_speedups._validate_action_result(None, result) is True


@pytest.mark.parametrize("result", INVALID)
def test_invalid_answers_raise_the_error_jsonschema_validate_raises(result):
    with pytest.raises(ValidationError) as expected:
        validate(result, RemoteAction.action_response_format_spec())
    with pytest.raises(ValidationError) as got:
        rasa_speedups._validate_action_result(None, result)
    assert got.value.message.startswith(expected.value.message)
    assert "Failed to validate Action server response" in got.value.message
