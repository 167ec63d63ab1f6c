"""bench/conversation_eval: loading the conversations, the player against a fake bot, the scoring."""
from __future__ import annotations

import hashlib
import textwrap
from typing import Any, Dict, List, Optional

import pytest

from bench.conversation_eval import cases as C
from bench.conversation_eval.player import Player, play
from bench.conversation_eval.scoring import aggregate, correction_fields, first_number, happened, verdict

CASES_YAML = textwrap.dedent("""\
    - id: t-order
      persona: "商州区居民，投诉烧烤噪音"
      tags: [complaint, correction_summary]
      opening: ["我要投诉，北新街烧烤摊天天吵到凌晨两点"]
      answers:
        district: 商州区
        address: 北新街中段工商银行对面
        occurred_at: 最近一个月每天晚上
        anonymous: 实名
        contact_name: 王建军
        contact_phone: 13891400001
        reply_required: 需要回复
      corrections:
        - {at: summary, say: "电话写错了，是13991234567"}
      expect:
        outcome: order
        order:
          order_type: [投诉]
          district: 商州区
          address_contains: [北新街]
          description_contains: [烧烤]
          anonymous: false
          contact_name: 王建军
          contact_phone: "+86 139-9123-4567"
          reply_required: true
    - id: t-emergency
      tags: [emergency]
      opening: 家里着火了，有人受伤
      expect: {outcome: emergency, first_number: "119", also_numbers: ["120"]}
    - id: t-refusal
      tags: [refusal]
      opening: ["法院判决不公，我要你们帮我改判"]
      expect: {outcome: refusal, refusal_class: court}
    - id: t-withdraw
      tags: [withdraw]
      opening: ["洛南县西街路灯坏了"]
      answers: {address: 西街, contact_phone: "13891400002", reply_required: 不用}
      corrections: [{at: "after:address", say: "地址说错了，是东街"}]
      after: ["我想撤单"]
      expect: {outcome: withdraw, order: {district: 洛南县, address_contains: [东街]}}
    """)


@pytest.fixture
def cases_dir(tmp_path):
    (tmp_path / "a.yml").write_text(CASES_YAML, encoding="utf-8")
    return tmp_path


# ------------------------------------------------------------------ cases

def test_loads_and_normalises(cases_dir):
    cases = C.load_cases(cases_dir)
    assert [c.id for c in cases] == ["t-order", "t-emergency", "t-refusal", "t-withdraw"]
    order = cases[0]
    assert order.answers["contact_phone"] == "13891400001"  # an unquoted number read as text
    assert order.expect["order"]["contact_phone"] == "13991234567"  # digits, no +86
    assert order.corrections[0].at == "summary" and order.corrections[0].after_field is None
    assert cases[1].opening == ["家里着火了，有人受伤"]  # one string → a list of one
    assert cases[3].corrections[0].after_field == "address"


@pytest.mark.parametrize("bad, message", [
    ({"opening": ["x"], "expect": {"outcome": "order"}}, "without an id"),
    ({"id": "x", "expect": {"outcome": "order"}}, "opening"),
    ({"id": "x", "opening": ["x"], "expect": {"outcome": "party"}}, "outcome"),
    ({"id": "x", "opening": ["x"], "expect": {"outcome": "order", "order": {"colour": "red"}}}, "unknown keys"),
    ({"id": "x", "opening": ["x"], "expect": {"outcome": "order", "order": {"anonymous": "是"}}}, "true/false"),
    ({"id": "x", "opening": ["x"], "answers": {"mood": "angry"}, "expect": {"outcome": "order"}}, "answers"),
    ({"id": "x", "opening": ["x"], "corrections": [{"at": "after:colour", "say": "y"}],
      "expect": {"outcome": "order"}}, "after:<field>"),
    ({"id": "x", "opening": ["x"], "expect": {"outcome": "emergency", "first_number": "999"}}, "999"),
    ({"id": "x", "opening": ["x"], "answers": {"anonymous": True}, "expect": {"outcome": "order"}}, "quote it"),
])
def test_rejects_bad_cases(bad, message):
    with pytest.raises(C.CaseError, match=message):
        C.validate(bad, "f.yml")


def test_duplicate_ids_are_rejected(cases_dir):
    (cases_dir / "b.yml").write_text("- {id: t-order, opening: [x], expect: {outcome: order}}\n", encoding="utf-8")
    with pytest.raises(C.CaseError, match="duplicate id"):
        C.load_cases(cases_dir)


def test_split_is_the_sha1_rule_and_select_filters(cases_dir):
    for case_id in ("cv001", "cv002", "t-order", "x" * 40):
        expected = "heldout" if int(hashlib.sha1(case_id.encode()).hexdigest(), 16) % 5 in (0, 1) else "dev"
        assert C.split(case_id) == expected
    ids = [f"cv{i:03d}" for i in range(500)]
    share = sum(C.split(i) == "heldout" for i in ids) / len(ids)
    assert 0.3 < share < 0.5
    cases = C.load_cases(cases_dir)
    assert len(C.select(cases, "dev")) + len(C.select(cases, "heldout")) == len(cases)
    assert [c.id for c in C.select(cases, "all", only=["t-refusal"])] == ["t-refusal"]


def test_phone_digits():
    assert C.phone_digits("+86 139-9123-4567") == "13991234567"
    assert C.phone_digits("８６13991234567") == "13991234567"
    assert C.phone_digits("0914-2030566") == "09142030566"


# ------------------------------------------------------------------ a fake bot for the player

class FakeBot:
    """A tiny order form: asks the slots in order, shows a summary, applies one kind of
    correction ("电话…是N" / "地址…是X"), stores one order, withdraws on 撤单 + 确认撤销."""

    SLOTS = ["district", "address", "occurred_at", "anonymous", "contact_name", "contact_phone", "reply_required"]

    def __init__(self, stubborn: Optional[str] = None) -> None:
        self.stubborn = stubborn   # a slot the bot never accepts (dead end)
        self.state: Dict[str, Dict[str, Any]] = {}

    def _s(self, sender):
        return self.state.setdefault(sender, {"events": [], "slots": {}, "loop": None, "orders": [], "values": {}})

    def _act(self, s, *names):
        s["events"] += [{"event": "action", "name": n} for n in names]

    def _ask(self, s) -> List[Dict[str, Any]]:
        for slot in self.SLOTS:
            if slot not in s["values"]:
                s["slots"]["requested_slot"] = slot
                return [{"text": f"请问{slot}？"}]
        s["slots"]["requested_slot"] = "order_confirmed"
        return [{"text": "请核对：" + str(s["values"]), "buttons": [{"title": "确认"}]}]

    def send(self, sender: str, text: str) -> List[Dict[str, Any]]:
        s = self._s(sender)
        intent = "oos_court" if "法院" in text else "emergency" if "着火" in text else "inform"
        s["events"].append({"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}})
        if intent == "emergency":
            self._act(s, "action_emergency_referral")
            return [{"text": "请立即拨打119火警，如有人受伤请拨打120。"}]
        if intent == "oos_court":
            self._act(s, "action_refuse_out_of_scope")
            return [{"text": "法院的事请找法院。"}]
        if s["loop"] is None:
            if "撤单" in text:
                self._act(s, "action_prepare_withdraw")
                s["slots"]["pending_offer"] = "withdraw"
                return [{"text": "确定要撤销吗？", "buttons": [{"title": "确定撤销"}, {"title": "不撤了"}]}]
            if text == "确认撤销" and s["slots"].get("pending_offer") == "withdraw":
                self._act(s, "action_withdraw_order")
                s["orders"][0]["status"] = "withdrawn"
                s["slots"]["pending_offer"] = None
                return [{"text": "已撤销。"}]
            if s["orders"]:
                return [{"text": "还有别的事吗？"}]
            s["loop"] = "order_form"
            s["values"] = {"description": text, "district": "洛南县"} if "洛南" in text else {"description": text}
            self._act(s, "action_start_order", "order_form")
            return self._ask(s)
        slot = s["slots"]["requested_slot"]
        self._act(s, "order_form")
        if "错" in text and "是" in text:
            new = text.rsplit("是", 1)[1]
            s["values"]["contact_phone" if "电话" in text else "address"] = new
            return self._ask(s)
        if slot == "order_confirmed":
            v = s["values"]
            s["orders"].append({"order_no": "SL1", "type": "投诉", "status": "received", "district": v.get("district"),
                                "address": v.get("address"), "description": v["description"],
                                "occurred_at": v.get("occurred_at"), "anonymous": v.get("anonymous") == "匿名",
                                "contact_name": v.get("contact_name"), "contact_phone": v.get("contact_phone"),
                                "reply_required": v.get("reply_required") == "需要回复", "created_at": "t"})
            s["loop"], s["slots"]["requested_slot"] = None, None
            self._act(s, "action_submit_order")
            return [{"text": "已登记，工单编号SL1。"}]
        if slot != self.stubborn:
            s["values"][slot] = text
        return self._ask(s)

    def tracker(self, sender: str) -> Dict[str, Any]:
        s = self._s(sender)
        return {"events": list(s["events"]), "slots": dict(s["slots"]),
                "active_loop": {"name": s["loop"]} if s["loop"] else {}}

    def orders_of(self, sender: str) -> List[Dict[str, Any]]:
        return [dict(o) for o in self._s(sender)["orders"]]


def _play(cases_dir, case_id, bot=None):
    case = next(c for c in C.load_cases(cases_dir) if c.id == case_id)
    record = play(case, bot or FakeBot(), sender="s-" + case_id)
    return case, record, verdict(case, record)


def test_player_fills_the_form_corrects_at_the_summary_and_confirms(cases_dir):
    case, record, v = _play(cases_dir, "t-order")
    phases = [t["phase"] for t in record["turns"]]
    assert phases[0] == "opening" and phases[-2:] == ["correction", "confirm"]
    assert "answer:contact_phone" in phases and record["unknown_answers"] == []
    assert record["orders"][0]["contact_phone"] == "13991234567"
    assert v["passed"], v["problems"]
    assert v["corrections"][0]["fields"] == ["contact_phone"] and v["corrections"][0]["applied"] is True
    assert "action_submit_order" in record["turns"][-1]["actions"]


def test_player_corrects_after_a_field_then_withdraws(cases_dir):
    case, record, v = _play(cases_dir, "t-withdraw")
    phases = [t["phase"] for t in record["turns"]]
    assert phases[phases.index("answer:address") + 1] == "correction"
    assert phases[-2:] == ["after", "withdraw_confirm"]
    assert set(record["unknown_answers"]) == {"occurred_at", "anonymous", "contact_name"}  # "不知道"
    assert v["happened"] == ["order", "withdraw"] and v["passed"], v["problems"]
    assert v["corrections"][0]["applied"] is True


def test_player_stops_at_a_slot_asked_three_times(cases_dir):
    case, record, v = _play(cases_dir, "t-order", FakeBot(stubborn="address"))
    assert record["stop_reason"] == "repeated_slot:address"
    assert [t["phase"] for t in record["turns"]].count("answer:address") == 2
    assert v["dead_end"] == "repeated_slot:address" and not v["passed"]
    assert "no order stored" in v["problems"]


def test_player_emergency_and_refusal(cases_dir):
    _, record, v = _play(cases_dir, "t-emergency")
    assert record["stop_reason"] == "ended" and record["citizen_turns"] == 1
    assert v["outcome_ok"] and v["first_number"] == "119" and v["also_numbers_ok"]
    _, _, v = _play(cases_dir, "t-refusal")
    assert v["outcome_ok"] and v["refusal_class"] == "court"


def test_player_gives_up_after_max_turns(cases_dir):
    case = next(c for c in C.load_cases(cases_dir) if c.id == "t-order")

    class Chatty(FakeBot):
        def send(self, sender, text):  # asks a new question each turn, never a form slot twice
            s = self._s(sender)
            s["loop"] = "order_form"
            s["slots"]["requested_slot"] = f"q{len(s['events'])}"
            s["events"].append({"event": "user", "text": text})
            return [{"text": "还有呢？"}]

    record = Player(case, Chatty(), sender="s", max_turns=5).play()
    assert record["stop_reason"] == "max_turns" and record["citizen_turns"] == 6
    assert verdict(case, record)["dead_end"] == "max_turns"


# ------------------------------------------------------------------ scoring on hand-made records

def _turn(citizen, bot=(), actions=(), intent=None, phase="opening"):
    return {"phase": phase, "citizen": citizen, "bot": list(bot), "buttons": [], "actions": list(actions),
            "intent": intent, "requested_slot": None, "active_loop": None}


def _record(turns, orders=(), stop="ended", **extra):
    return {"turns": turns, "orders": list(orders), "stop_reason": stop, "citizen_turns": len(turns), **extra}


ORDER = {"order_no": "SL1", "type": "投诉", "status": "received", "district": "商州区",
         "address": "北新街中段工商银行对面", "description": "北新街烧烤摊天天吵到凌晨两点", "occurred_at": "最近一个月",
         "anonymous": False, "contact_name": "王建军", "contact_phone": "13991234567", "reply_required": True,
         "created_at": "2026-01-01T10:00:00+08:00"}


def test_fields_compared_one_by_one(cases_dir):
    case = C.load_cases(cases_dir)[0]
    v = verdict(case, _record([_turn("x", ["工单编号SL1"], ["action_submit_order"])], [ORDER]))
    assert v["outcome_ok"] and v["fields_right"] and v["passed"]
    wrong = dict(ORDER, district="洛南县", contact_phone="8613891400001", type="意见建议")
    v = verdict(case, _record([_turn("x")], [wrong]))
    bad = {f["key"] for f in v["fields"] if not f["ok"]}
    assert bad == {"district", "contact_phone", "order_type"}
    assert v["outcome_ok"] and v["fields_right"] is False and not v["passed"]
    assert v["corrections"][0]["applied"] is False  # the phone it corrected ended wrong


def test_duplicates_and_missing_orders(cases_dir):
    case = C.load_cases(cases_dir)[0]
    v = verdict(case, _record([_turn("x")], [ORDER, dict(ORDER, order_no="SL2")]))
    assert v["duplicate_orders"] and not v["outcome_ok"] and v["fields_right"] is False
    v = verdict(case, _record([_turn("x", ["好的"])]))
    assert not v["outcome_ok"] and v["fields_right"] is False
    assert v["corrections"][0]["applied"] is None  # no order: the correction is not judged


def test_emergency_number_order_and_no_order(cases_dir):
    case = C.load_cases(cases_dir)[1]
    ok = _record([_turn("着火", ["请马上拨打119，有人受伤请打120"], ["action_emergency_referral"])])
    assert verdict(case, ok)["outcome_ok"]
    wrong_first = _record([_turn("着火", ["请拨打110或119，受伤打120"], ["action_emergency_referral"])])
    v = verdict(case, wrong_first)
    assert v["first_number"] == "110" and not v["outcome_ok"]
    missing = _record([_turn("着火", ["请拨打119"], ["action_emergency_referral"])])
    assert verdict(case, missing)["also_numbers_ok"] is False
    registered = _record(ok["turns"], [ORDER])
    assert not verdict(case, registered)["outcome_ok"]
    assert first_number("热线12345，电话1100号，请拨120") == "120"


def test_false_refusal_and_refusal_class(cases_dir):
    order_case, _, refusal_case, _ = C.load_cases(cases_dir)
    refused = _record([_turn("x", ["这个不归我们管"], ["action_refuse_out_of_scope"], intent="oos_petition")])
    v = verdict(order_case, refused)
    assert v["false_refusal"] and not v["outcome_ok"]
    v = verdict(refusal_case, refused)
    assert v["refusal_class"] == "petition" and not v["outcome_ok"] and not v["false_refusal"]
    # a suspected emergency that gives the numbers and then registers the order is no turn-away
    served = _record([_turn("x", ["如有危险请拨打110"], ["action_emergency_referral", "action_start_order"]),
                      _turn("确认", ["工单编号SL1"], ["action_submit_order"])], [ORDER])
    assert not verdict(order_case, served)["false_refusal"]


def test_status_counts_only_after_the_order():
    orders = [dict(ORDER)]
    before = _record([_turn("查一下", [], ["action_order_status"]), _turn("确认", ["工单编号SL1"], ["action_submit_order"])],
                     orders)
    after = _record([_turn("确认", ["工单编号SL1"], ["action_submit_order"]), _turn("查一下", [], ["action_order_status"])],
                    orders)
    assert "status" not in happened(before) and "status" in happened(after)
    # an order placed elsewhere: looked up and answered
    assert "status" in happened(_record([_turn("编号20261125-0137办到哪了", [], ["action_order_status"])]))
    assert "consult" in happened(_record([_turn("x")], [dict(ORDER, type="咨询")]))
    assert "withdraw" in happened(_record([_turn("x")], [dict(ORDER, status="withdrawn")]))


def test_correction_fields():
    assert correction_fields("after:address", "不对") == ["address"]
    assert correction_fields("summary", "区县说错了，是洛南县") == ["district"]
    assert correction_fields("summary", "算了我还是实名吧，我叫何志强，电话18691400000") == [
        "contact_phone", "contact_name", "anonymous"]
    assert correction_fields("summary", "哦不对，我不是投诉，就是想提个建议") == ["order_type"]
    assert correction_fields("summary", "时间说错了，是前天下午") == ["occurred_at"]


def test_aggregate(cases_dir):
    order_case, emergency_case, refusal_case, withdraw_case = C.load_cases(cases_dir)
    good = verdict(order_case, _record([_turn("x", ["工单编号SL1"], ["action_submit_order"])] * 8, [ORDER]))
    wrong = verdict(order_case, _record([_turn("x")] * 10, [dict(ORDER, district="洛南县")]))
    refused = verdict(order_case, _record([_turn("x", ["不归我们管"], ["action_refuse_out_of_scope"])]))
    emergency = verdict(emergency_case, _record([_turn("着火", ["请拨打119，受伤拨120"], ["action_emergency_referral"])]))
    missed = verdict(emergency_case, _record([_turn("着火", ["请说说具体情况"])]))
    refusal = verdict(refusal_case, _record([_turn("x", ["请找法院"], ["action_refuse_out_of_scope"], intent="oos_court")]))
    dead = verdict(withdraw_case, _record([_turn("x")], stop="repeated_slot:address"))
    m = aggregate([good, wrong, refused, emergency, missed, refusal, dead])
    assert m["n"] == 7 and m["passed"] == 3
    assert m["orders_expected"] == 4  # three order cases and the withdrawal
    assert m["orders_all_fields_right"] == 0.25
    assert m["per_field_accuracy"]["district"] == 0.25 and m["per_field_accuracy"]["contact_phone"] == pytest.approx(2 / 3, abs=1e-4)
    assert m["corrections_applied"] == 1.0 and m["corrections_judged"] == 2
    assert m["false_refusal_rate"] == 0.25
    assert m["emergency_recall"] == 0.5 and m["right_first_number_rate"] == 0.5
    assert m["refusal_correct_rate"] == 1.0 and m["cross_region_correct_rate"] is None
    assert m["turns_per_completed_order"] == 9.0
    assert m["dead_ends"] == 1
    assert m["by_tag"]["complaint"] == {"n": 3, "passed": 1, "pass_rate": pytest.approx(1 / 3, abs=1e-4)}
    assert m["by_outcome"]["emergency"] == {"n": 2, "outcome_ok": 1, "passed": 1}


def test_refusal_classes_named_in_chinese():
    from bench.conversation_eval.scoring import _REFUSAL_CLASS_ALIASES

    assert _REFUSAL_CLASS_ALIASES["信访"] == "petition" and _REFUSAL_CLASS_ALIASES["诉讼"] == "litigation"
    assert _REFUSAL_CLASS_ALIASES["他人隐私"] == "privacy" and _REFUSAL_CLASS_ALIASES["辱骂"] == "abuse"


def test_description_words_the_citizen_never_typed_are_not_required():
    from bench.conversation_eval.scoring import compare_field, typed_parts

    typed = "菜市场门口的摊子都摆到马路中间了\n洛南县"
    assert typed_parts(["占道", "摊子"], typed) == ["摊子"]
    order = {"description": "菜市场门口的摊子都摆到马路中间了"}
    assert compare_field("description_contains", ["占道", "摊子"], order, typed)["ok"]
    assert not compare_field("description_contains", ["占道", "摊子"], order)["ok"]  # without the transcript: as written
    # a typed word the description lost still fails
    assert not compare_field("description_contains", ["摊子"], {"description": "洛南县"}, typed)["ok"]
    # none typed: a stored description is enough, a missing one is not
    assert compare_field("description_contains", ["停水"], {"description": "这水停了三天了"}, "这水停了三天了")["ok"]
    assert not compare_field("description_contains", ["停水"], {"description": None}, "这水停了三天了")["ok"]


def test_the_shipped_conversations_load_with_unique_ids():
    """Every file in bench/conversations follows the schema and no id repeats across files
    (a repeated id breaks `load_cases()`, which a development run of all files uses)."""
    cases = C.load_cases()
    assert len({case.id for case in cases}) == len(cases) > 0
    for name in C.UNREAD_FILES:
        assert (C.CASES_DIR / name).is_file(), name


def test_a_question_answered_inside_the_inform_action_counts_as_a_consultation():
    record = {"turns": [{"citizen": "你们这个12345晚上有没有人", "actions": ["action_session_start", "action_handle_inform"],
                         "bot": ["这个问题我暂时没法给您准确的答复。可以为您登记一个咨询工单，需要登记吗？"]}], "orders": []}
    assert happened(record) == ["consult"]
