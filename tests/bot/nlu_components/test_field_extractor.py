"""FieldExtractor on hand-built Rasa messages (no model is trained)."""
import copy
from datetime import datetime

import pytest

pytest.importorskip("rasa")

from rasa.engine.graph import ExecutionContext, GraphSchema  # noqa: E402
from rasa.engine.recipes.default_recipe import DefaultV1Recipe  # noqa: E402
from rasa.engine.storage.resource import Resource  # noqa: E402
from rasa.shared.nlu.training_data.message import Message  # noqa: E402

from bot.nlu_components import field_extractor as fe  # noqa: E402
from bot.nlu_components.field_extractor import EXTRACTOR_NAME, FieldExtractor  # noqa: E402

COMPONENT_PATH = "bot.nlu_components.field_extractor.FieldExtractor"


def make_component(**config):
    return FieldExtractor.create(
        {**FieldExtractor.get_default_config(), **config},
        model_storage=None,
        resource=Resource("fields"),
        execution_context=ExecutionContext(GraphSchema({}), "test"),
    )


@pytest.fixture(scope="module")
def component():
    return make_component()


def message(text, entities=None):
    m = Message(data={"text": text})
    m.set("intent", {"name": "complaint", "confidence": 0.9}, add_to_output=True)
    m.set("entities", list(entities or []), add_to_output=True)
    return m


def ours(m):
    return [e for e in m.get("entities") if e["extractor"] == EXTRACTOR_NAME]


def by_type(m):
    return {e["entity"]: e["value"] for e in ours(m)}


def test_all_fields_from_one_message(component):
    text = "额姓王，叫王有福，住在商州区城关街道幸福路12号，昨天晚上八点多停的电，电话139-9140-5566"
    m = message(text)
    component.process([m])
    assert by_type(m) == {
        "phone": "13991405566",
        "person_name": "王有福",
        "time": "昨天晚上八点多",
        "district": "商州区",
    }
    for entity in ours(m):
        assert 0 <= entity["start"] < entity["end"] <= len(text)
    spans = {e["entity"]: text[e["start"]:e["end"]] for e in ours(m)}
    assert spans == {"phone": "139-9140-5566", "person_name": "王有福", "time": "昨天晚上八点多", "district": "商州区"}
    phone = [e for e in ours(m) if e["entity"] == "phone"][0]
    assert phone["additional_info"] == {"kind": "mobile"}


@pytest.mark.parametrize(
    "text,absent",
    [
        ("商州区城关街道幸福路12号", "phone"),  # 12号 is a house number
        ("喂？是12345吗？", "phone"),
        ("富水路南段的路灯坏了", "district"),  # never 南段
        ("商丹园区那个新建的小区停水了", "person_name"),  # never 新建
        ("今天十几度，暖气还不热", "time_value_十几"),
        ("我邻居叫张三，他家狗天天叫", "person_name"),
        ("我们小区停水两天了", "other_region"),
    ],
)
def test_what_the_classifier_got_wrong_is_not_extracted(component, text, absent):
    m = message(text)
    component.process([m])
    found = by_type(m)
    if absent.startswith("time_value_"):
        assert found.get("time") != absent[len("time_value_"):]
    else:
        assert absent not in found, found


def test_other_region_with_info(component):
    text = "我在郑州市惠济区打工，老板拖欠工资三个月了"
    m = message(text)
    component.process([m])
    (region,) = [e for e in ours(m) if e["entity"] == "other_region"]
    assert region["value"] == "郑州市惠济区" and text[region["start"]:region["end"]] == "郑州市惠济区"
    assert region["additional_info"] == {"province": "河南省", "city": "郑州市", "display": "河南省郑州市惠济区"}
    assert "district" not in by_type(m)


def test_served_district_beats_other_region(component):
    m = message("我刚从西安回来，商州区北新街的路灯坏了")
    component.process([m])
    assert by_type(m) == {"district": "商州区"}


def test_time_info_uses_the_configured_clock(monkeypatch):
    component = make_component(preload=False)
    monkeypatch.setattr(component, "_now", lambda: datetime(2026, 12, 2, 10, 0))
    m = message("上个月15号交的钱到现在没退")
    component.process([m])
    (time,) = [e for e in ours(m) if e["entity"] == "time"]
    assert time["value"] == "上个月15号"
    assert time["additional_info"] == {"normalized": "2026-11-15", "kind": "point", "in_future": False}


def test_vague_times_only_when_configured():
    m = message("一直没人管")
    make_component(preload=False).process([m])
    assert "time" not in by_type(m)
    m = message("一直没人管")
    make_component(preload=False, vague_times=True).process([m])
    assert by_type(m)["time"] == "一直"


def test_several_phones(component):
    m = message("手机139 9140 5566，座机0914-2312345")
    component.process([m])
    assert [(e["value"], e["additional_info"]["kind"]) for e in ours(m)] == [
        ("13991405566", "mobile"),
        ("09142312345", "landline"),
    ]


def test_other_extractors_are_kept_by_default(component):
    diet = {"entity": "phone", "value": "12", "start": 10, "end": 12, "extractor": "DIETClassifier"}
    m = message("商州区城关街道幸福路12号", entities=[diet])
    component.process([m])
    assert m.get("entities")[0] == diet
    assert by_type(m) == {"district": "商州区"}


def test_replace_other_extractors():
    diet = {"entity": "phone", "value": "12", "start": 10, "end": 12, "extractor": "DIETClassifier"}
    kept = {"entity": "address", "value": "幸福路12号", "start": 7, "end": 13, "extractor": "DIETClassifier"}
    m = message("商州区城关街道幸福路12号", entities=[diet, kept])
    make_component(preload=False, replace_other_extractors=True).process([m])
    assert diet not in m.get("entities") and kept in m.get("entities")


def test_entities_subset():
    m = message("我叫王有福，电话13991405566，在商州区")
    make_component(preload=False, entities=["phone"]).process([m])
    assert by_type(m) == {"phone": "13991405566"}
    with pytest.raises(ValueError):
        make_component(preload=False, entities=["phone", "address"])


def test_idempotent(component):
    m = message("我叫王有福，电话13991405566，在商州区")
    component.process([m])
    once = copy.deepcopy(m.data)
    component.process([m])
    assert m.data == once


@pytest.mark.parametrize("text", ["", None, "   "])
def test_empty_text(component, text):
    m = Message(data={"text": text} if text is not None else {})
    before = copy.deepcopy(m.data)
    component.process([m])
    assert m.data == before


def test_disabled():
    m = message("电话13991405566")
    before = copy.deepcopy(m.data)
    make_component(enabled=False).process([m])
    assert m.data == before


def test_a_failing_tool_leaves_only_its_entity_out(monkeypatch, component):
    def broken(text):
        raise RuntimeError("boom")

    monkeypatch.setattr(fe.contact, "find_phones", broken)
    m = message("我叫王有福，电话13991405566，在商州区")
    component.process([m])
    assert by_type(m) == {"person_name": "王有福", "district": "商州区"}


def test_unknown_timezone_falls_back_to_local_time():
    component = make_component(preload=False, timezone="Mars/Olympus")
    assert isinstance(component._now(), datetime) and component.timezone is None


def test_batch_and_output(component):
    messages = [message("电话13991405566"), message("路灯坏了")]
    out = component.process(messages)
    assert out is messages
    parsed = out[0].as_dict_nlu()
    assert parsed["entities"][0]["entity"] == "phone" and parsed["entities"][0]["value"] == "13991405566"
    assert ours(out[1]) == []


def test_registered_as_entity_extractor():
    registered = DefaultV1Recipe._from_registry(COMPONENT_PATH)
    assert registered.clazz is FieldExtractor
    assert DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR in registered.types
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
            {"name": COMPONENT_PATH, "preload": False},
        ],
    }
    model_config = Recipe.recipe_for_name("default.v1").graph_config_for_recipe(
        config, {}, training_type=TrainingType.NLU
    )
    validation.validate(model_config)
    nodes = model_config.predict_schema.nodes
    assert len([name for name, node in nodes.items() if node.uses is FieldExtractor]) == 1
