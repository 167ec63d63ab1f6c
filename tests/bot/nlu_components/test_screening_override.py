"""ScreeningOverride on hand-built Rasa messages (no model is trained)."""
import copy
from pathlib import Path

import pytest

pytest.importorskip("rasa")

from rasa.engine.graph import ExecutionContext, GraphSchema  # noqa: E402
from rasa.engine.recipes.default_recipe import DefaultV1Recipe  # noqa: E402
from rasa.engine.storage.resource import Resource  # noqa: E402
from rasa.shared.nlu.training_data.message import Message  # noqa: E402

from bot.nlu_components.screening_override import EXTRACTOR_NAME, ScreeningOverride  # noqa: E402

COMPONENT_PATH = "bot.nlu_components.screening_override.ScreeningOverride"


def diet_message(text, ranking, entities=None, top=None):
    """A message as DIET (+ FallbackClassifier when ``top`` is given) would leave it."""
    ranking = [{"name": n, "confidence": c} for n, c in ranking]
    message = Message(data={"text": text})
    message.set("intent", dict(top) if top else dict(ranking[0]), add_to_output=True)
    message.set("intent_ranking", ranking, add_to_output=True)
    message.set("entities", list(entities or []), add_to_output=True)
    return message


def make_component(**config):
    return ScreeningOverride.create(
        {**ScreeningOverride.get_default_config(), **config},
        model_storage=None,
        resource=Resource("screening"),
        execution_context=ExecutionContext(GraphSchema({}), "test"),
    )


def ranking_is_valid(ranking):
    names = [r["name"] for r in ranking]
    return (
        len(names) == len(set(names))
        and all(isinstance(r["confidence"], float) and 0.0 <= r["confidence"] <= 1.0 for r in ranking)
    )


def test_emergency_replaces_intent_and_keeps_previous_top_second():
    message = diet_message("家里着火了，快来人", [("complaint", 0.62), ("request_help", 0.21), ("consult", 0.1)])
    make_component().process([message])

    assert message.get("intent") == {"name": "emergency", "confidence": 1.0}
    ranking = message.get("intent_ranking")
    assert [r["name"] for r in ranking] == ["emergency", "complaint", "request_help", "consult"]
    assert ranking[1]["confidence"] == 0.62
    assert ranking_is_valid(ranking)


def test_entity_added_with_evidence_span():
    text = "家里着火了，快来人"
    message = diet_message(text, [("complaint", 0.62)])
    make_component().process([message])

    entities = message.get("entities")
    assert len(entities) == 1
    entity = entities[0]
    assert entity["entity"] == "emergency_kind"
    assert entity["value"] == "fire"
    assert entity["extractor"] == EXTRACTOR_NAME
    assert text[entity["start"]:entity["end"]] == "着火"


def test_several_kinds_give_several_entities_in_order():
    text = "高速上追尾了，有人受伤"
    message = diet_message(text, [("request_help", 0.5)])
    make_component().process([message])
    values = [e["value"] for e in message.get("entities") if e["extractor"] == EXTRACTOR_NAME]
    assert values == ["traffic", "medical"]  # someone hurt in a crash: 122 first, 120 beside it
    for entity in message.get("entities"):
        assert 0 <= entity["start"] < entity["end"] <= len(text)


def test_non_emergency_untouched():
    message = diet_message("投诉120收费太贵", [("complaint", 0.9), ("consult", 0.05)])
    before = copy.deepcopy(message.data)
    make_component().process([message])
    assert message.data == before


def test_nlu_emergency_is_kept_when_lexicon_finds_nothing():
    # the model is the second net: an emergency it predicts is never removed
    message = diet_message("我们这边出大事了", [("emergency", 0.8), ("request_help", 0.15)])
    before = copy.deepcopy(message.data)
    make_component().process([message])
    assert message.data == before
    assert message.get("intent")["name"] == "emergency"


def test_emergency_already_predicted_appears_once():
    message = diet_message("有人晕倒了", [("emergency", 0.7), ("request_help", 0.2)])
    make_component().process([message])
    ranking = message.get("intent_ranking")
    assert [r["name"] for r in ranking] == ["emergency", "request_help"]
    assert ranking[0]["confidence"] == 1.0
    assert ranking_is_valid(ranking)


def test_after_fallback_classifier():
    # FallbackClassifier put nlu_fallback on top; the override goes above it
    ranking = [("nlu_fallback", 0.45), ("complaint", 0.40), ("request_help", 0.38)]
    message = diet_message("楼下有人拿着刀在追人", ranking)
    make_component().process([message])
    assert message.get("intent")["name"] == "emergency"
    assert [r["name"] for r in message.get("intent_ranking")] == ["emergency", "nlu_fallback", "complaint", "request_help"]


def test_previous_top_not_in_ranking_is_inserted_second():
    message = diet_message("我爸心脏病犯了", [("consult", 0.3), ("praise", 0.2)], top={"name": "request_help", "confidence": 0.5})
    make_component().process([message])
    assert [r["name"] for r in message.get("intent_ranking")] == ["emergency", "request_help", "consult", "praise"]


def test_existing_entities_are_kept():
    district = {"entity": "district", "value": "商州区", "start": 0, "end": 2, "extractor": "DIETClassifier"}
    message = diet_message("商州北新街出车祸了", [("request_help", 0.5)], entities=[district])
    make_component().process([message])
    entities = message.get("entities")
    assert entities[0] == district
    assert {"emergency_kind"} == {e["entity"] for e in entities[1:]}


def test_idempotent():
    message = diet_message("着火了有人被困", [("request_help", 0.5)])
    component = make_component()
    component.process([message])
    once = copy.deepcopy(message.data)
    component.process([message])
    assert message.data == once


def test_message_without_intent():
    message = Message(data={"text": "快叫120，我妈晕倒了"})
    make_component().process([message])
    assert message.get("intent") == {"name": "emergency", "confidence": 1.0}
    assert [r["name"] for r in message.get("intent_ranking")] == ["emergency"]
    assert message.get("entities")[0]["value"] == "medical"


@pytest.mark.parametrize("text", ["", None, "   "])
def test_empty_text(text):
    message = Message(data={"text": text} if text is not None else {})
    before = copy.deepcopy(message.data)
    make_component().process([message])
    assert message.data == before


def test_disabled():
    message = diet_message("着火了", [("request_help", 0.5)])
    before = copy.deepcopy(message.data)
    make_component(enabled=False).process([message])
    assert message.data == before


def test_batch_and_output():
    messages = [
        diet_message("着火了", [("request_help", 0.5)]),
        diet_message("路灯坏了", [("request_help", 0.9)]),
    ]
    out = make_component().process(messages)
    assert out is messages
    assert [m.get("intent")["name"] for m in out] == ["emergency", "request_help"]
    parsed = out[0].as_dict_nlu()
    assert parsed["intent"]["name"] == "emergency"
    assert parsed["entities"][0]["entity"] == "emergency_kind"


def test_registered_as_intent_classifier():
    registered = DefaultV1Recipe._from_registry(COMPONENT_PATH)
    assert registered.clazz is ScreeningOverride
    assert DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER in registered.types
    assert registered.is_trainable is False


def test_graph_schema_validates_without_training():
    from rasa.engine import validation
    from rasa.engine.recipes.recipe import Recipe
    from rasa.shared.data import TrainingType

    config = {
        "recipe": "default.v1",
        "language": "zh",
        "pipeline": [
            {"name": "JiebaTokenizer"},
            {"name": "CountVectorsFeaturizer", "analyzer": "char", "min_ngram": 1, "max_ngram": 2},
            {"name": "LogisticRegressionClassifier"},
            {"name": "FallbackClassifier", "threshold": 0.45},
            {"name": COMPONENT_PATH},
        ],
    }
    model_config = Recipe.recipe_for_name("default.v1").graph_config_for_recipe(
        config, {}, training_type=TrainingType.NLU
    )
    validation.validate(model_config)
    nodes = model_config.predict_schema.nodes
    ours = [name for name, node in nodes.items() if node.uses is ScreeningOverride]
    assert len(ours) == 1
    assert nodes[ours[0]].needs["messages"].startswith("run_FallbackClassifier")
    assert ours[0] not in {n for n, node in model_config.train_schema.nodes.items() if node.uses is ScreeningOverride}


def test_project_config_runs_us_after_the_classifiers_and_before_the_evidence_gate():
    config_path = Path(__file__).resolve().parents[3] / "config.yml"
    if not config_path.exists():
        pytest.skip("config.yml not present")
    from rasa.shared.utils.io import read_yaml_file

    pipeline = read_yaml_file(str(config_path)).get("pipeline") or []
    names = [entry.get("name") for entry in pipeline]
    # the lexicon overrides every classifier; the evidence gate then weighs what is left
    assert names[-2:] == [COMPONENT_PATH, "bot.nlu_components.evidence_gate.EvidenceGate"]
    assert "FallbackClassifier" in names and names.index("FallbackClassifier") < names.index(COMPONENT_PATH)
