"""Which intent a message keeps once the evidence in its words is weighed.

The classifier proposes; this decides. A request is turned away (refusal, other region)
or treated as an emergency only with evidence in the citizen's words:

* ``emergency`` from the model alone (the lexicon found nothing) → ``emergency_suspected``:
  the citizen gets the numbers *and* the request goes on (bot/actions/screening_actions.py);
  inside the order form the answer fills the asked detail.
* ``oos_<class>`` without that class's cue (起诉, 仲裁, 信访 …; landmarks and negations
  do not count) → the best intent that is no refusal; with another class's cue → that class.
* ``cross_region`` without a place outside Shangluo named → the best other intent; a
  request that names only a place outside Shangluo → ``cross_region``.
* nothing but punctuation or emoji → ``start_request`` (the bot asks what the matter is).
* ``order_status`` / ``withdraw_order`` without a word about an order, its progress or
  withdrawing it (社保咋交嘛 is no status query) → the best other intent.
* a matter told in words no intent fits (a letter, rambling, dialect) classified as
  fallback, chitchat, greeting or thanks → ``inform``: the order starts with the text as
  its description (bot/actions/order_start.py ActionHandleInform).

Pure Python; bot/nlu_components/evidence_gate.py applies it inside the NLU pipeline.
"""
from __future__ import annotations

from dataclasses import dataclass
import re
from typing import List, Optional, Sequence, Tuple

from bot.screening import evidence
from bot.screening.districts import find_district, find_other_region

EMERGENCY = "emergency"
SUSPECTED = "emergency_suspected"
CROSS_REGION = "cross_region"
START_REQUEST = "start_request"
FALLBACK = "nlu_fallback"
INFORM = "inform"
# intents that carry no matter of their own: a substantive text under them is a request
_WEAK = (FALLBACK, "chitchat", "greet", "goodbye", "thank", START_REQUEST)
OOS_PREFIX = "oos_"

# intents about the citizen's own orders: they need a word about an order
_ORDER_CUES = {
    "order_status": re.compile(r"工单|单子|进度|进展|查询|查一下|查查|办得|办理|办了没|结果|回复|回音|答复|怎么样了|咋样了|"
                               r"处理|受理|编号|反映的|投诉的|举报的|报的事|提交的|SL\d", re.I),
    "withdraw_order": re.compile(r"撤|取消|不办了|不用办|不用处理|不需要处理|不用管了|作废|收回"),
    # "武警支队家属院后面那个厂子" is an address, not a cancellation
    "stop": re.compile(r"取消|不办|不弄|算了|不要了|不用了|不需要了|退出|结束|不想|不登记|别登记|不提交|别提交|停|拉倒|"
                       r"先这样|没事了|不说了|不聊了|再见|拜拜|bye|不反映|不投诉|不举报|嫑|甭", re.I),
}

# requests that name only a place outside Shangluo go to the provincial platform
_PLACE_BOUND = ("complaint", "report", "request_help", "suggestion", "praise", INFORM, FALLBACK)


@dataclass(frozen=True)
class Decision:
    intent: str
    reason: str  # why it changed ("" when the model's intent stands)


def _is_turn_away(intent: str) -> bool:
    return intent.startswith(OOS_PREFIX) or intent in (EMERGENCY, CROSS_REGION)


def _best_other(ranking: Sequence[Tuple[str, float]]) -> str:
    for name, _ in ranking:
        if name and not _is_turn_away(name) and name != FALLBACK:
            return name
    return FALLBACK


def decide(
    text: str,
    intent: str,
    ranking: Sequence[Tuple[str, float]],
    lexicon_emergency: bool,
) -> Decision:
    """The intent to keep for `text` (model `intent`, `ranking` best first)."""
    text = text or ""
    if lexicon_emergency:
        return Decision(EMERGENCY, "")
    if not evidence.has_content(text):
        return Decision(START_REQUEST, "no words")
    if intent == EMERGENCY:
        return Decision(SUSPECTED, "emergency from the model only")
    if intent.startswith(OOS_PREFIX):
        oos_class = intent[len(OOS_PREFIX):]
        if oos_class == "abuse":
            if evidence.is_pure_abuse(text):
                return Decision(intent, "")
            return Decision(_best_other(ranking), "abuse with a matter, or no insult")
        if evidence.has_cue(text, oos_class):
            return Decision(intent, "")
        cued = [name for name in evidence.cued_classes(text) if name != "abuse"]
        ranked = [name[len(OOS_PREFIX):] for name, _ in ranking if name.startswith(OOS_PREFIX)]
        for name in ranked[:3]:
            if name in cued:
                return Decision(OOS_PREFIX + name, f"cue of {name}, not of {oos_class}")
        return Decision(_best_other(ranking), f"no cue of {oos_class}")
    if intent == CROSS_REGION:
        if find_other_region(text):
            return Decision(intent, "")
        return Decision(_best_other(ranking), "no place outside Shangluo named")
    if intent in _PLACE_BOUND and not find_district(text) and find_other_region(text):
        return Decision(CROSS_REGION, "names only a place outside Shangluo")
    if intent in _ORDER_CUES and not _ORDER_CUES[intent].search(text):
        other = _best_other([(n, c) for n, c in ranking if n not in _ORDER_CUES])
        return Decision(INFORM if other == FALLBACK and evidence.is_substantive(text) else other,
                        "no word about an order")
    if intent in _WEAK and evidence.is_substantive(text, minimum=6 if intent == "greet" else 12):
        # "您好，想反映一下县城公园晚上的路灯问题": a greeting that goes on to the matter
        return Decision(INFORM, "a matter in words no intent fits")
    return Decision(intent, "")


def reranked(ranking: List[dict], new_intent: str, confidence: Optional[float]) -> List[dict]:
    """`ranking` with `new_intent` first (no duplicates)."""
    first = {"name": new_intent, "confidence": float(confidence if confidence is not None else 1.0)}
    return [first] + [r for r in ranking if r.get("name") != new_intent]
