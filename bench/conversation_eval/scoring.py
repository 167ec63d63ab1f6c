"""Verdicts on played conversations and the aggregate metrics (pure functions).

`verdict(case, record)` judges one conversation from the player's record (turns with
the executed actions, the gateway's orders for the sender); `aggregate(verdicts)`
sums them up. Nothing here reads the bot's wording except the emergency numbers,
the place named in a cross-region reply and 工单编号.
"""
from __future__ import annotations

import re
import statistics
from collections import defaultdict
from typing import Any, Dict, Iterable, List, Optional, Sequence

from bench.conversation_eval.cases import (EMERGENCY_NUMBERS, SERVED_OUTCOMES, TURN_AWAY_OUTCOMES, Case,
                                           phone_digits)

A_EMERGENCY = "action_emergency_referral"
A_REFUSE = "action_refuse_out_of_scope"
A_CROSS = "action_cross_region"
A_HANDOFF = "action_human_handoff"
A_CONSULT = "action_answer_consult"
A_STATUS = "action_order_status"
A_HANDLE_INFORM = "action_handle_inform"
CONSULT_OFFER = "咨询工单"  # bot/domain/responses.yml: utter_consult_* offer one
A_PREPARE_WITHDRAW = "action_prepare_withdraw"
A_SUBMIT = "action_submit_order"
WITHDRAWN = "withdrawn"           # gateway.domain.OrderStatus.WITHDRAWN
CONSULT_TYPE = "咨询"
ORDER_NO_MARK = "工单编号"
ORDER_OUTCOMES = ("order", "status", "withdraw")
TYPE_ALIASES = {"建议": "意见建议", "意见": "意见建议"}

# expect.order key → the field it judges (the per-field accuracy's name)
FIELD_OF_KEY = {
    "order_type": "order_type", "district": "district", "address_contains": "address",
    "description_contains": "description", "occurred_at_contains": "occurred_at", "anonymous": "anonymous",
    "contact_name": "contact_name", "contact_name_contains": "contact_name", "contact_phone": "contact_phone",
    "reply_required": "reply_required",
}
# judged field → the gateway order's field
STORED_FIELD = {"order_type": "type"}

# words in a correction → the fields it most plausibly touches
CORRECTION_KEYWORDS = (
    (("区县", "县"), "district"),
    (("地址",), "address"),
    (("时间", "前天", "昨天"), "occurred_at"),
    (("电话", "号码"), "contact_phone"),
    (("名字", "叫"), "contact_name"),
    (("实名", "匿名"), "anonymous"),
    (("投诉", "建议", "举报", "求助", "表扬", "咨询"), "order_type"),
)
_NUMBER = re.compile(r"(?<!\d)(%s)(?!\d)" % "|".join(EMERGENCY_NUMBERS))


# ------------------------------------------------------------------ helpers

def _actions(turns: Sequence[Dict[str, Any]]) -> List[str]:
    return [a for t in turns for a in (t.get("actions") or [])]


def _first_turn_with(turns: Sequence[Dict[str, Any]], action: str) -> Optional[int]:
    for i, t in enumerate(turns):
        if action in (t.get("actions") or []):
            return i
    return None


def _order_turn(turns: Sequence[Dict[str, Any]]) -> Optional[int]:
    for i, t in enumerate(turns):
        if A_SUBMIT in (t.get("actions") or []) or any(ORDER_NO_MARK in x for x in t.get("bot") or []):
            return i
    return None


def _norm_type(value: Optional[str]) -> Optional[str]:
    if value is None:
        return None
    value = str(value).strip()
    return TYPE_ALIASES.get(value, value)


def first_number(text: str) -> Optional[str]:
    """The first of 110/119/120/122 named in `text`."""
    m = _NUMBER.search(text or "")
    return m.group(1) if m else None


def correction_fields(at: str, say: str) -> List[str]:
    """The fields a correction most plausibly touches: after:F → F, otherwise from its words."""
    if at.startswith("after:"):
        return [at[len("after:"):]]
    fields: List[str] = []
    for words, name in CORRECTION_KEYWORDS:
        if any(w in say for w in words) and name not in fields:
            fields.append(name)
    return fields


def typed_parts(expected: List[str], typed: str) -> List[str]:
    """The words of a ``description_contains`` the citizen typed somewhere in the conversation.

    The description is the citizen's own words (第十条), so a word the case writer expected but
    the citizen never typed (占道 for "摊子都摆到马路中间了", 停水 for "这水停了三天了") cannot be
    required of it; with none typed, only a stored description is."""
    return [part for part in expected if part in typed]


def compare_field(key: str, expected: Any, order: Optional[Dict[str, Any]], typed: Optional[str] = None) -> Dict[str, Any]:
    """One expect.order key against the stored order → {field, expected, got, ok}; ``typed`` is all
    the citizen typed (only the description's words are checked against it)."""
    name = FIELD_OF_KEY[key]
    if key == "description_contains" and typed is not None:
        expected = typed_parts(list(expected), typed)
    got = None if order is None else order.get(STORED_FIELD.get(name, name))
    if order is None:
        ok = False
    elif key == "order_type":
        ok = _norm_type(got) in {_norm_type(t) for t in expected}
    elif key.endswith("_contains"):
        ok = got is not None and all(part in str(got) for part in expected)
    elif key in ("anonymous", "reply_required"):
        ok = got is expected or (isinstance(got, bool) and got == expected)
    elif key == "contact_phone":
        ok = got is not None and phone_digits(got) == phone_digits(expected)
    elif key == "contact_name":
        ok = got is not None and str(got).strip() == str(expected).strip()
    else:  # district: the stored name is the canonical one; a writer may use a short name (商洛高新区)
        ok = got is not None and _district(got) == _district(expected)
    return {"key": key, "field": name, "expected": expected, "got": got, "ok": bool(ok)}


def _district(name: Any) -> str:
    from bot.screening.districts import normalize_district  # the bot's own alias table

    text = str(name).strip()
    return normalize_district(text) or text


# ------------------------------------------------------------------ one conversation

def happened(record: Dict[str, Any]) -> List[str]:
    """What the conversation came to, from the executed actions and the gateway's orders."""
    turns = record.get("turns") or []
    orders = record.get("orders") or []
    actions = set(_actions(turns))
    out: List[str] = []
    if A_EMERGENCY in actions:
        out.append("emergency")
    if A_REFUSE in actions:
        out.append("refusal")
    if A_CROSS in actions:
        out.append("cross_region")
    if orders:
        out.append("order")
    if A_HANDOFF in actions:
        out.append("handoff")
    if (A_CONSULT in actions or any(_norm_type(o.get("type")) == CONSULT_TYPE for o in orders)
            or any(CONSULT_OFFER in text for t in turns if A_HANDLE_INFORM in (t.get("actions") or [])
                   for text in (t.get("bot") or []))):
        # (a question told outside a form is answered inside action_handle_inform: the bot's
        # consult responses all offer the 咨询工单)
        out.append("consult")
    if orders:
        start = _order_turn(turns)
        later = turns if start is None else turns[start + 1:]
        if any(A_STATUS in (t.get("actions") or []) for t in later):
            out.append("status")
    elif A_STATUS in actions:
        out.append("status")  # an order placed elsewhere (by phone, earlier): looked up and answered
    if any(o.get("status") == WITHDRAWN for o in orders):
        out.append("withdraw")
    elif not orders and A_PREPARE_WITHDRAW in actions:
        out.append("withdraw")  # an order placed elsewhere: looked up, and the way to withdraw it given
    return out


def _latest(orders: Sequence[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    if not orders:
        return None
    return sorted(orders, key=lambda o: str(o.get("created_at") or ""))[-1]


# the evaluation's authors name some 第七条 classes in short (the bot's intents: oos_<class>)
_REFUSAL_CLASS_ALIASES = {"disclosure": "info_disclosure", "review": "admin_review", "administrative_review": "admin_review",
                          "information_disclosure": "info_disclosure",
                          # the classes as case writers name them in Chinese (第七条's wording)
                          "法院": "court", "审判": "court", "检察院": "procuratorate", "检察": "procuratorate",
                          "军队": "military", "部队": "military", "武警": "military", "诉讼": "litigation",
                          "仲裁": "arbitration", "纪检": "discipline", "纪检监察": "discipline", "纪委": "discipline",
                          "行政复议": "admin_review", "复议": "admin_review", "信息公开": "info_disclosure",
                          "政府信息公开": "info_disclosure", "信访": "petition", "他人隐私": "privacy", "隐私": "privacy",
                          "个人信息": "privacy", "辱骂": "abuse", "谩骂": "abuse"}


def verdict(case: Case, record: Dict[str, Any]) -> Dict[str, Any]:
    expect = case.expect
    expected = expect["outcome"]
    turns = record.get("turns") or []
    orders = record.get("orders") or []
    got = happened(record)
    problems: List[str] = []
    outcome_ok = expected in got
    if not outcome_ok:
        problems.append(f"expected {expected}, got {got or ['nothing']}")

    # a status query about an order placed elsewhere (no answers to play an order with) stores none
    # (only a name and phone to prove who asks are no answers to place an order with)
    order_answers = set(case.answers) - {"contact_name", "contact_phone", "confirm"}
    order_expected = (expected in ORDER_OUTCOMES and (expected == "order" or bool(order_answers))) or bool(expect.get("order"))
    v: Dict[str, Any] = {
        "id": case.id, "split": case.split, "tags": list(case.tags), "expected": expected, "happened": got,
        "order_expected": order_expected, "orders_stored": len(orders), "duplicate_orders": len(orders) > 1,
        "citizen_turns": record.get("citizen_turns", len(turns)),
        "unknown_answers": list(record.get("unknown_answers") or []),
        "stop_reason": record.get("stop_reason", ""), "error": record.get("error"),
    }
    if len(orders) > 1:
        problems.append(f"{len(orders)} orders stored (duplicates)")

    # -- emergency: the right number first, the others named, nothing registered
    if expected == "emergency":
        i = _first_turn_with(turns, A_EMERGENCY)
        if i is None:  # no referral: judge the first replies the citizen got
            i = next((k for k, t in enumerate(turns) if t.get("bot")), None)
        text = "\n".join(turns[i].get("bot") or []) if i is not None else ""
        v["first_number"] = first_number(text)
        if expect.get("first_number"):
            v["first_number_ok"] = v["first_number"] == expect["first_number"]
            if not v["first_number_ok"]:
                outcome_ok = False
                problems.append(f"first number {v['first_number']}, expected {expect['first_number']}")
        missing = [n for n in expect.get("also_numbers") or [] if not re.search(r"(?<!\d)%s(?!\d)" % n, text)]
        v["also_numbers_ok"] = not missing
        if missing:
            outcome_ok = False
            problems.append(f"numbers not named: {missing}")
        if orders:
            outcome_ok = False
            problems.append("an emergency was registered as an order")

    # -- refusal: the right class (the intent that was refused), nothing registered
    if expected == "refusal":
        i = _first_turn_with(turns, A_REFUSE)
        intent = (turns[i].get("intent") or "") if i is not None else ""
        v["refusal_class"] = (intent[len("oos_"):] if intent.startswith("oos_") else "other") if i is not None else None
        if expect.get("refusal_class"):
            wanted = expect["refusal_class"].removeprefix("oos_")
            v["refusal_class_ok"] = v["refusal_class"] == _REFUSAL_CLASS_ALIASES.get(wanted, wanted)
            if not v["refusal_class_ok"]:
                outcome_ok = False
                problems.append(f"refusal class {v['refusal_class']}, expected {expect['refusal_class']}")
        if orders:
            outcome_ok = False
            problems.append("a refused request was registered as an order")

    # -- cross-region: the place named, nothing registered
    if expected == "cross_region":
        i = _first_turn_with(turns, A_CROSS)
        text = "\n".join(turns[i].get("bot") or []) if i is not None else ""
        if expect.get("place"):
            v["place_ok"] = expect["place"] in text
            if not v["place_ok"]:
                outcome_ok = False
                problems.append(f"place {expect['place']} not named in the cross-region reply")
        if orders:
            outcome_ok = False
            problems.append("a cross-region matter was registered as an order")

    # -- orders: exactly one, every expected field right
    fields: List[Dict[str, Any]] = []
    fields_right: Optional[bool] = None
    if order_expected:
        if len(orders) != 1:
            outcome_ok = False
            if not orders:
                problems.append("no order stored")
        order = _latest(orders)
        typed = "\n".join(str(t.get("citizen") or "") for t in turns)
        fields = [compare_field(k, val, order, typed) for k, val in (expect.get("order") or {}).items()]
        fields_right = len(orders) == 1 and all(f["ok"] for f in fields)
        for f in fields:
            if not f["ok"] and order is not None:
                problems.append(f"{f['key']}: expected {f['expected']!r}, got {f['got']!r}")
    v["fields"] = fields
    v["fields_right"] = fields_right

    # -- corrections: the fields they touch ended right (judged only when an order exists)
    by_field = {f["field"]: f["ok"] for f in fields}
    sent = set(record.get("corrections_sent") or [])
    corrections = []
    for i, c in enumerate(case.corrections):
        touched = correction_fields(c.at, c.say)
        judged = [name for name in touched if name in by_field]
        applied: Optional[bool] = all(by_field[n] for n in judged) if (orders and judged) else None
        corrections.append({"at": c.at, "say": c.say, "fields": touched, "sent": i in sent, "applied": applied})
        if applied is False:
            problems.append(f"correction not applied: {c.say}")
    v["corrections"] = corrections

    # -- turned away though the citizen should have been served
    turned_away = "refusal" in got or "cross_region" in got or ("emergency" in got and expected not in got)
    v["false_refusal"] = expected in SERVED_OUTCOMES and turned_away and expected not in TURN_AWAY_OUTCOMES

    stop = v["stop_reason"]
    dead = stop.startswith("repeated_slot") or stop in ("no_reply", "error") or (stop == "max_turns" and not outcome_ok)
    v["dead_end"] = stop if dead else None
    if dead:
        problems.append(f"dead end: {stop}" + (f" ({v['error']})" if v["error"] else ""))
    v["outcome_ok"] = outcome_ok
    v["passed"] = bool(outcome_ok and fields_right is not False and len(orders) <= 1 and not dead)
    v["problems"] = problems
    return v


# ------------------------------------------------------------------ all conversations

def _rate(hits: int, total: int) -> Optional[float]:
    return round(hits / total, 4) if total else None


def aggregate(verdicts: Iterable[Dict[str, Any]]) -> Dict[str, Any]:
    vs = list(verdicts)
    ordered = [v for v in vs if v["order_expected"]]
    field_hits: Dict[str, List[bool]] = defaultdict(list)
    for v in ordered:
        seen: Dict[str, bool] = {}
        for f in v["fields"]:
            seen[f["field"]] = seen.get(f["field"], True) and f["ok"]
        for name, ok in seen.items():
            field_hits[name].append(ok)
    judged_corrections = [c["applied"] for v in vs for c in v["corrections"] if c["applied"] is not None]
    served = [v for v in vs if v["expected"] in SERVED_OUTCOMES]
    emergencies = [v for v in vs if v["expected"] == "emergency"]
    numbered = [v for v in emergencies if "first_number_ok" in v]
    refusals = [v for v in vs if v["expected"] == "refusal"]
    cross = [v for v in vs if v["expected"] == "cross_region"]
    completed = [v["citizen_turns"] for v in ordered if v["orders_stored"] >= 1]
    by_tag: Dict[str, Dict[str, Any]] = {}
    for v in vs:
        for tag in v["tags"] or ["(none)"]:
            t = by_tag.setdefault(tag, {"n": 0, "passed": 0})
            t["n"] += 1
            t["passed"] += int(v["passed"])
    for t in by_tag.values():
        t["pass_rate"] = _rate(t["passed"], t["n"])
    by_outcome: Dict[str, Dict[str, Any]] = {}
    for v in vs:
        o = by_outcome.setdefault(v["expected"], {"n": 0, "outcome_ok": 0, "passed": 0})
        o["n"] += 1
        o["outcome_ok"] += int(v["outcome_ok"])
        o["passed"] += int(v["passed"])
    return {
        "n": len(vs),
        "passed": sum(v["passed"] for v in vs),
        "pass_rate": _rate(sum(v["passed"] for v in vs), len(vs)),
        "orders_expected": len(ordered),
        "orders_all_fields_right": _rate(sum(bool(v["fields_right"]) for v in ordered), len(ordered)),
        "per_field_accuracy": {name: _rate(sum(hits), len(hits)) for name, hits in sorted(field_hits.items())},
        "corrections_judged": len(judged_corrections),
        "corrections_applied": _rate(sum(judged_corrections), len(judged_corrections)),
        "false_refusal_rate": _rate(sum(v["false_refusal"] for v in served), len(served)),
        "emergencies_expected": len(emergencies),
        "emergency_recall": _rate(sum("emergency" in v["happened"] for v in emergencies), len(emergencies)),
        "right_first_number_rate": _rate(sum(bool(v["first_number_ok"]) for v in numbered), len(numbered)),
        "refusal_correct_rate": _rate(sum(v["outcome_ok"] for v in refusals), len(refusals)),
        "cross_region_correct_rate": _rate(sum(v["outcome_ok"] for v in cross), len(cross)),
        "turns_per_completed_order": round(statistics.mean(completed), 2) if completed else None,
        "dead_ends": sum(v["dead_end"] is not None for v in vs),
        "duplicate_orders": sum(v["duplicate_orders"] for v in vs),
        "unknown_answers": sum(len(v["unknown_answers"]) for v in vs),
        "by_outcome": by_outcome,
        "by_tag": dict(sorted(by_tag.items())),
    }


def summary_line(metrics: Dict[str, Any]) -> str:
    def pct(x: Optional[float]) -> str:
        return "—" if x is None else f"{x:.0%}"
    m = metrics
    return (f"n={m['n']} passed={m['passed']} | all fields right {pct(m['orders_all_fields_right'])} "
            f"(of {m['orders_expected']}) | corrections {pct(m['corrections_applied'])} | "
            f"false refusals {pct(m['false_refusal_rate'])} | emergency recall {pct(m['emergency_recall'])} | "
            f"first number {pct(m['right_first_number_rate'])} | refusal {pct(m['refusal_correct_rate'])} | "
            f"cross-region {pct(m['cross_region_correct_rate'])} | turns/order {m['turns_per_completed_order']} | "
            f"dead ends {m['dead_ends']}")
