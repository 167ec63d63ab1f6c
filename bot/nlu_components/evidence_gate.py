"""Rasa 3.6 NLU component: the intent stands only with evidence in the citizen's words.

Runs last in the pipeline, after ``ScreeningOverride`` (whose ``emergency_kind``
entities mark an emergency the lexicon found). The decision itself is pure Python in
``bot/screening/gate.py``; this component applies it to each message: the new intent
goes first in ``intent_ranking`` with the model's confidence, the model's own guess
stays in the ranking, and the reason is logged.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_TYPE,
    EXTRACTOR,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from bot.nlu_components.screening_override import EXTRACTOR_NAME as LEXICON_EXTRACTOR
from bot.screening.gate import decide, reranked

logger = logging.getLogger(__name__)

GATE_KEY = "evidence_gate"  # in the parse result: {"intent": the classifiers' intent, "reason": …}


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class EvidenceGate(GraphComponent, IntentClassifier):
    """Demotes refusals, other-region and model-only emergencies that the words do not bear out."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"enabled": True}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.component_config = {**self.get_default_config(), **(config or {})}
        self.enabled = bool(self.component_config["enabled"])

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "EvidenceGate":
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        if not self.enabled:
            return messages
        for message in messages:
            text = message.get(TEXT)
            intent = message.get(INTENT) or {}
            name = intent.get(INTENT_NAME_KEY)
            if not isinstance(text, str) or not name or text.startswith("/"):
                continue  # payloads from buttons and channels are taken as they are
            try:
                self._apply(message, text, intent)
            except Exception:  # pragma: no cover - screening must never break NLU
                logger.exception("EvidenceGate failed; leaving the NLU result unchanged.")
        return messages

    def _apply(self, message: Message, text: str, intent: Dict[Text, Any]) -> None:
        ranking = list(message.get(INTENT_RANKING_KEY) or [])
        lexicon = any(
            e.get(EXTRACTOR) == LEXICON_EXTRACTOR and e.get(ENTITY_ATTRIBUTE_TYPE) == "emergency_kind"
            for e in message.get(ENTITIES) or []
        )
        pairs = [(r.get(INTENT_NAME_KEY), r.get(PREDICTED_CONFIDENCE_KEY) or 0.0) for r in ranking]
        decision = decide(text, intent[INTENT_NAME_KEY], pairs, lexicon)
        if decision.intent == intent[INTENT_NAME_KEY]:
            return
        # the chosen intent's own confidence when the classifier ranked it (what downstream
        # thresholds read: how sure the model is of *this* intent), else the original's
        confidence = next((c for n, c in pairs if n == decision.intent), intent.get(PREDICTED_CONFIDENCE_KEY))
        # what the classifiers said and why it changed: for logs, the console and the NLU quality test
        message.set(GATE_KEY, {"intent": intent[INTENT_NAME_KEY], "reason": decision.reason}, add_to_output=True)
        message.set(INTENT, {INTENT_NAME_KEY: decision.intent, PREDICTED_CONFIDENCE_KEY: confidence}, add_to_output=True)
        message.set(INTENT_RANKING_KEY, reranked(ranking, decision.intent, confidence), add_to_output=True)
        logger.debug("EvidenceGate: %s → %s (%s)", intent[INTENT_NAME_KEY], decision.intent, decision.reason)
