"""Rasa 3.6 NLU component: a lexicon-detected emergency overrides the predicted intent.

Runs last in the pipeline (after ``FallbackClassifier``).  For every message:

* ``detect_emergency(text)`` finds an emergency → the intent becomes ``emergency``
  with confidence 1.0; ``intent_ranking`` becomes ``[emergency, previous top intent,
  the rest of the previous ranking]`` (no duplicates, ``emergency`` only once); one
  entity ``emergency_kind`` per kind is added (``extractor = "ScreeningOverride"``,
  ``start``/``end`` of the evidence in the text), which is how the kinds reach the
  tracker and the action server.
* no emergency found → the message is left exactly as NLU produced it, including an
  ``emergency`` intent predicted by the model (the model is the second net).

Config (all optional)::

    - name: bot.nlu_components.screening_override.ScreeningOverride
      enabled: true
      intent_name: emergency
      entity_name: emergency_kind
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    EXTRACTOR,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from bot.screening.emergency import EmergencyResult, detect_emergency

logger = logging.getLogger(__name__)

EXTRACTOR_NAME = "ScreeningOverride"
ENABLED_KEY = "enabled"
INTENT_NAME_CONFIG_KEY = "intent_name"
ENTITY_NAME_CONFIG_KEY = "entity_name"


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False
)
class ScreeningOverride(GraphComponent, IntentClassifier):
    """Overrides the intent with ``emergency`` when the screening lexicon finds one."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """The component's default config."""
        return {
            ENABLED_KEY: True,
            INTENT_NAME_CONFIG_KEY: "emergency",
            ENTITY_NAME_CONFIG_KEY: "emergency_kind",
        }

    def __init__(self, config: Dict[Text, Any]) -> None:
        """Creates the component from its (already merged) config."""
        merged = {**self.get_default_config(), **(config or {})}
        self.component_config = merged
        self.enabled = bool(merged[ENABLED_KEY])
        self.intent_name = str(merged[INTENT_NAME_CONFIG_KEY])
        self.entity_name = str(merged[ENTITY_NAME_CONFIG_KEY])

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> ScreeningOverride:
        """Creates a new component (see parent class for full docstring)."""
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        """Applies the emergency override to each message (in place) and returns them."""
        if not self.enabled:
            return messages
        for message in messages:
            text = message.get(TEXT)
            if not text or not isinstance(text, str):
                continue
            try:
                result = detect_emergency(text)
            except Exception:  # pragma: no cover - screening must never break NLU
                logger.exception("Emergency screening failed; leaving NLU result unchanged.")
                continue
            if result.is_emergency:
                self._override(message, result, text)
        return messages

    # ------------------------------------------------------------------ helpers
    def _override(self, message: Message, result: EmergencyResult, text: Text) -> None:
        previous: Optional[Dict[Text, Any]] = message.get(INTENT)
        ranking: List[Dict[Text, Any]] = list(message.get(INTENT_RANKING_KEY) or [])

        new_intent = {INTENT_NAME_KEY: self.intent_name, PREDICTED_CONFIDENCE_KEY: 1.0}
        new_ranking: List[Dict[Text, Any]] = [dict(new_intent)]
        seen = {self.intent_name}
        for entry in ([previous] if previous else []) + ranking:
            name = (entry or {}).get(INTENT_NAME_KEY)
            if not name or name in seen:
                continue
            seen.add(name)
            new_ranking.append(entry)

        message.set(INTENT, new_intent, add_to_output=True)
        message.set(INTENT_RANKING_KEY, new_ranking, add_to_output=True)

        entities = [
            e for e in (message.get(ENTITIES) or [])
            if not (e.get(EXTRACTOR) == EXTRACTOR_NAME and e.get(ENTITY_ATTRIBUTE_TYPE) == self.entity_name)
        ]
        spans = {kind: (start, end) for kind, start, end in result.spans}
        for kind in result.kinds:
            start, end = spans.get(kind, (0, len(text)))
            entities.append(
                {
                    ENTITY_ATTRIBUTE_TYPE: self.entity_name,
                    ENTITY_ATTRIBUTE_VALUE: kind,
                    ENTITY_ATTRIBUTE_START: start,
                    ENTITY_ATTRIBUTE_END: end,
                    EXTRACTOR: EXTRACTOR_NAME,
                }
            )
        message.set(ENTITIES, entities, add_to_output=True)
        logger.debug(
            "ScreeningOverride: emergency %s (evidence %s) replaces intent %s.",
            result.kinds, result.evidence, (previous or {}).get(INTENT_NAME_KEY),
        )
