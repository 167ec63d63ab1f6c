"""The vocabulary package: the data it reads from hotline.yml, and what its functions answer."""

from __future__ import annotations

import doctest
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import vocabulary
from vocabulary import _data, channels, districts, labels, orders, phones

ROOT = Path(__file__).resolve().parents[2]
HIGH_TECH = "商洛高新区（商丹园区）"


@pytest.mark.parametrize("module", [districts, channels, phones], ids=lambda m: m.__name__)
def test_doctests(module):
    assert doctest.testmod(module).failed == 0


# -- districts ----------------------------------------------------------------------------


def test_districts_in_order():
    assert vocabulary.DISTRICTS == ("商州区", "洛南县", "丹凤县", "商南县", "山阳县", "镇安县", "柞水县", HIGH_TECH)
    assert vocabulary.SHORT_NAMES[-1] == "商洛高新区"
    assert vocabulary.SHORT_NAMES[:-1] == vocabulary.DISTRICTS[:-1]


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("商州", "商州区"),
        ("商州区", "商州区"),
        (" 洛 南 ", "洛南县"),
        ("陕西省商洛市丹凤县", "丹凤县"),
        ("商洛市商南", "商南县"),
        ("陕西省山阳县", "山阳县"),
        ("镇安", "镇安县"),
        ("柞水县", "柞水县"),
        ("高新", HIGH_TECH),
        ("高新区", HIGH_TECH),
        ("商丹", HIGH_TECH),
        ("商洛高新技术产业开发区", HIGH_TECH),
        ("商丹循环工业经济园区", HIGH_TECH),
        ("商洛高新(商丹园区)", HIGH_TECH),
        ("高新区 (商丹园区)", HIGH_TECH),
        (HIGH_TECH, HIGH_TECH),
        ("商洛高新区(商丹园区)", HIGH_TECH),
    ],
)
def test_normalise_district(written, canonical):
    assert vocabulary.normalise_district(written) == canonical


@pytest.mark.parametrize("written", ["商洛市", "陕西省", "安康市", "西安市雁塔区", "商州区北新街", "", "商"])
def test_normalise_district_refuses(written):
    assert vocabulary.normalise_district(written) is None


def test_every_alias_names_one_district():
    assert set(vocabulary.DISTRICT_ALIASES.values()) == set(vocabulary.DISTRICTS)
    for district in vocabulary.SERVED:
        for alias in (district.name, *district.aliases):
            assert vocabulary.normalise_district(alias) == district.name


def test_an_alias_of_two_districts_is_refused():
    raw = [{"name": "商州区", "aliases": ["商州"]}, {"name": "洛南县", "aliases": ["商 州"]}]
    with pytest.raises(_data.VocabularyError, match="商州"):
        districts.parse(raw)


def test_a_district_without_a_name_is_refused():
    with pytest.raises(_data.VocabularyError, match=r"districts\[0\]\.name"):
        districts.parse([{"aliases": ["商州"]}])


# -- order types --------------------------------------------------------------------------


def test_order_types_and_deadlines():
    assert vocabulary.ORDER_TYPE_NAMES == ("咨询", "求助", "投诉", "举报", "意见建议", "表扬")
    assert dict(vocabulary.DEADLINE_WORKDAYS) == {"咨询": 2, "求助": 5, "投诉": 5, "举报": 5, "意见建议": 5, "表扬": 5}
    assert vocabulary.DEFAULT_DEADLINE_WORKDAYS == 5
    assert [t.key for t in vocabulary.ORDER_TYPES] == ["consult", "help", "complaint", "report", "suggestion", "praise"]


def test_ratings():
    assert vocabulary.RATING_NAMES == ("满意", "基本满意", "不满意")
    assert [r.key for r in vocabulary.RATINGS] == ["satisfied", "basically_satisfied", "dissatisfied"]


@pytest.mark.parametrize(
    ("entry", "where"),
    [
        ({"key": "consult", "name": "咨询", "deadline_workdays": 0}, "deadline_workdays"),
        ({"key": "consult", "name": "咨询", "deadline_workdays": "2"}, "deadline_workdays"),
        ({"key": "Consult", "name": "咨询", "deadline_workdays": 2}, "key"),
        ({"key": "consult", "deadline_workdays": 2}, "name"),
    ],
)
def test_a_bad_order_type_is_refused(entry, where):
    with pytest.raises(_data.VocabularyError, match=where):
        orders.parse([entry])


# -- channels -----------------------------------------------------------------------------


def test_channels():
    assert vocabulary.CHANNEL_NAMES == ("rest", "wechat", "webchat", "email", "phone", "agent")
    assert vocabulary.CONVERSATION_CHANNELS == {"rest", "wechat", "webchat", "email"}
    named = (channels.REST, channels.WECHAT, channels.WEBCHAT, channels.EMAIL, channels.PHONE, channels.AGENT)
    assert set(named) == set(vocabulary.CHANNEL_NAMES)


@pytest.mark.parametrize(
    ("input_channel", "channel"),
    [
        ("rest", "rest"),
        ("callback", "rest"),
        ("rasa", "rest"),
        ("cmdline", "rest"),
        ("wechat", "wechat"),
        ("socketio", "webchat"),
        ("webchat", "webchat"),
        ("email", "email"),
        ("EMAIL", "email"),
        (None, "rest"),
        ("", "rest"),
        ("telegram", "rest"),
        ("phone", "rest"),  # not a conversation channel: the bot never files under it
    ],
)
def test_channel_of(input_channel, channel):
    assert vocabulary.channel_of(input_channel) == channel


def test_canonical_channel_and_labels():
    assert [vocabulary.canonical_channel(n) for n in ("webchat", "socketio", "agent", "cmdline", None)] == [
        "webchat",
        "webchat",
        "agent",
        None,
        None,
    ]
    assert {n: vocabulary.channel_label(n) for n in (*vocabulary.CHANNEL_NAMES, "socketio", "cmdline")} == {
        "rest": "接口",
        "webchat": "网页",
        "socketio": "网页",
        "wechat": "微信",
        "email": "邮件",
        "phone": "电话",
        "agent": "坐席",
        "cmdline": "cmdline",
    }
    assert [vocabulary.report_label(n) for n in (*vocabulary.CHANNEL_NAMES, "socketio")] == [
        "接口",
        "微信",
        "网页",
        "邮件",
        "电话",
        "话务员录入",
        "socketio",
    ]


def test_a_name_of_two_channels_is_refused():
    with pytest.raises(_data.VocabularyError, match="socketio"):
        channels.parse(
            {
                "webchat": {"label": "网页", "aliases": ["socketio"]},
                "rest": {"label": "接口", "also_from": ["socketio"]},
            }
        )


# -- labels -------------------------------------------------------------------------------


def test_labels():
    assert vocabulary.FIELD_LABELS["description"] == "诉求内容"
    assert vocabulary.FIELD_LABELS["contact_name"] == "联系人姓名"
    assert len(vocabulary.FIELD_LABELS) == 53
    assert list(vocabulary.SLOT_LABELS)[:3] == ["order_type", "description", "district"]
    assert vocabulary.SLOT_LABELS["contact_name"] == "联系人"
    assert vocabulary.WITHDRAWAL_REASON_LABEL == "撤单原因"
    with pytest.raises(TypeError):
        vocabulary.FIELD_LABELS["description"] = "x"  # type: ignore[index]


def test_the_file_is_read_as_written():
    data = yaml.safe_load((ROOT / "vocabulary" / "hotline.yml").read_text(encoding="utf-8"))
    assert dict(labels.FIELD_LABELS) == data["labels"]["fields"]
    assert [d["name"] for d in data["districts"]] == list(vocabulary.DISTRICTS)
    assert list(data["channels"]) == list(vocabulary.CHANNEL_NAMES)


# -- phones -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "kept"),
    [
        ("13800001234", "13800001234"),
        ("138 0000 1234", "13800001234"),
        ("138-0000-1234", "13800001234"),
        ("+8613800001234", "13800001234"),
        ("86 138 0000 1234", "13800001234"),
        ("（138）00001234", "13800001234"),
        ("１３８００００１２３４", "13800001234"),
        ("0914-2030566", "0914-2030566"),
        ("09142030566", "09142030566"),
        ("0914 2030566", "09142030566"),
        ("0914—2030566", "0914-2030566"),
        ("029-88889999", "029-88889999"),
        ("12800001234", None),
        ("1380000123", None),
        ("2030566", None),
        ("0914--2030566", None),
        ("12345", None),
        ("电话13800001234", None),
    ],
)
def test_normalise_phone(written, kept):
    assert vocabulary.normalise_phone(written) == kept


def test_mask_phone():
    assert [vocabulary.mask_phone(p) for p in ("13800001234", "0914-2030566", "09142030566", "02988889999x")] == [
        "138****1234",
        "0914-***0566",
        "091****0566",
        "********999x",
    ]
    assert vocabulary.mask_phone("") == ""
    assert vocabulary.mask_phone(None) is None


def test_mask_phones_in_text():
    assert vocabulary.mask_phones_in_text("我的电话是13800001234，另一个是139123456780") == (
        "我的电话是138****1234，另一个是139123456780"
    )


def test_phone_patterns_in_text():
    import re

    found = re.compile(f"{phones.MOBILE_IN_TEXT}|{phones.LANDLINE_IN_TEXT}", re.ASCII).findall(
        "手机+86 138-0000-1234，座机0914 2030566，工单SL20261125000001，金额12345元"
    )
    assert found == ["+86 138-0000-1234", "0914 2030566"]


# -- the package's dependencies -------------------------------------------------------------

_ONLY_STDLIB = """
import sys
before = set(sys.modules)
import vocabulary
new = {m.split('.')[0] for m in set(sys.modules) - before}
# PyYAML's C loader (_yaml) brings Cython's runtime modules
print(sorted(m for m in new - set(sys.stdlib_module_names) - {'vocabulary', 'yaml', '_yaml', 'cython_runtime'}
             if not m.startswith('_cython_')))
"""


def _pythons():
    found = {sys.executable}
    for venv in ("rasa", "svc"):
        python = ROOT / ".venv" / venv / "bin" / "python"
        if python.exists():
            found.add(str(python))
    return sorted(found)


@pytest.mark.parametrize("python", _pythons())
def test_imports_only_the_standard_library_and_yaml(python):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([python, "-c", _ONLY_STDLIB], capture_output=True, text=True, env=env, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"
