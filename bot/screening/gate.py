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
from bot.screening.contact import find_phone
from bot.screening.districts import find_district, find_other_region
from bot.screening.names import parse_name_answer
from bot.screening.order_type_words import named_order_type
from bot.screening.times import parse_time

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
    # (查一下 one's own 社保/公积金 record is a consultation, not an order: "帮我查一下我自己的社保缴了几年了")
    "order_status": re.compile(r"工单|单子|进度|进展|(?:查询|查一下|查查)(?![^，。！？,.!?]{0,10}(?:社保|医保|公积金|养老|缴费|缴了|记录|余额|违章|快递|成绩|账户))|"
                               r"办得|办理|办了没|结果|回复|回音|答复|怎么样了|咋样了|"
                               r"处理|受理|编号|反映的|投诉的|举报的|报的事|提交的|SL\d", re.I),
    # "文化节取消了，门票在哪退" is no withdrawal: 取消 needs the order beside it, or a short message
    "withdraw_order": re.compile(r"撤|不办了|不用办|不用处理|不需要处理|不用管了|"
                                 r"^.{0,8}(?:取消|作废|收回).{0,4}$|"
                                 r"(?:取消|作废|收回)[^，。！？,.!?]{0,6}(?:工单|单子|诉求|投诉|举报|反映|登记|提交|编号|SL\d)|"
                                 r"(?:工单|单子|诉求|投诉|举报|反映|登记|提交|编号|SL\d)[^，。！？,.!?]{0,8}(?:取消|作废|收回)", re.I),
    # a rating needs a word of rating: "有个车堵在额屋门口两天了" is a new matter (issue 14's intent)
    "rate_order": re.compile(r"满意|评价|打分|评分|好评|差评|一般般?|还行|凑合|[1-5一二三四五]星|/rate"),
    # "武警支队家属院后面那个厂子" is an address, not a cancellation
    # (不想 / 不说了 / 算了 alone are no stop: "额不想说名字", "名字就不说了", "算了还是举报，然后提交")
    "stop": re.compile(r"取消|不办|不弄|算了(?![^，。！？,.!?]{0,2}(?:还是|改|换|写|就写|那就))|不要了|不用了|不需要了|退出|结束|"
                       r"不想(?:登记|办|弄|反映|提交|投诉|举报|说了|聊了|管了|了)|不登记|别登记|不提交|别提交|停止|停下|先停|暂停|别问了|拉倒|"
                       r"先这样|没事了|(?<!名字)(?<!名字就)(?<!名字也)(?<!姓名)(?<!电话)(?<!电话就)(?<!电话也)(?<!名)不说了|不聊了|再见|拜拜|bye|不反映|不投诉|不举报|嫑|甭", re.I),
}

# requests that name only a place outside Shangluo go to the provincial platform
_PLACE_BOUND = ("complaint", "report", "request_help", "suggestion", "praise", INFORM, FALLBACK)


@dataclass(frozen=True)
class Decision:
    intent: str
    reason: str  # why it changed ("" when the model's intent stands)


def _is_turn_away(intent: str) -> bool:
    return intent.startswith(OOS_PREFIX) or intent in (EMERGENCY, CROSS_REGION)


def _best_other(ranking: Sequence[Tuple[str, float]], text: str = "") -> str:
    """The best intent that turns nobody away and whose own evidence the text carries
    (oos_military rejected → stop is no better without a word for stopping)."""
    named = _INTENT_OF_TYPE.get(named_order_type(text) or "")
    if named:
        return named  # "我要投诉" with withdraw_order rejected: the kind the citizen names, not the next guess
    for name, _ in ranking:
        if not name or _is_turn_away(name) or name == FALLBACK:
            continue
        if name in _ORDER_CUES and not _ORDER_CUES[name].search(text):
            continue
        if name == "human_handoff" and not _PERSON.search(text):
            continue  # a person only for a word asking for one
        return name
    return FALLBACK


def _settled(text: str, name: str, reason: str, ranking: Sequence[Tuple[str, float]] = ()) -> "Decision":
    """A replacement intent, weighed like the model's own (praise still needs a word of
    praise); a weak one over a substantive text, or over a short answer with a detail in
    it, is a request."""
    if name in _WEAK and (evidence.is_substantive(text) or _short_answer(text, name)):
        return Decision(INFORM, reason)
    rest = [(n, c) for n, c in ranking if n != name and not _is_turn_away(n)]
    if name != FALLBACK and ranking:
        again = decide(text, name, [(name, 1.0)] + rest, False)
        if again.intent != name:
            return Decision(again.intent, f"{reason}; {again.reason}")
    return Decision(name, reason)


def _short_answer(text: str, intent: str) -> bool:
    return intent in _SMALL_TALK and len(text) <= _SHORT_ANSWER_CHARS and _has_detail(text)


# the citizen's own earlier order and a question about how it goes: a status query
_OWN_ORDER = re.compile(r"(我|额|俺)(们)?(刚才|刚刚|之前|上次|前几天|前两天|前天|昨天|上周|上个月|那天|早上|以前)?"
                        r"[^，。！？,.!?]{0,14}(反映|举报|投诉|提交|登记|报|求助|建议|提)的")
# a word that points at an order the citizen already placed
_EARLIER_ORDER = re.compile(r"工单|单子|编号|SL\d|进度|进展|办得怎么样|办得咋样|有结果没|有没有结果|"
                            r"(?:之前|上次|前几天|前两天|刚才|刚刚|昨天|前天|上周|上个月|那天)[^，。！？]{0,8}(?:反映|投诉|举报|提交|报|登记)|"
                            r"(?:反映|投诉|举报|提交|登记)(?:过|了)?的(?:那个|这个)?(?:事|问题|情况)", re.I)
_PROGRESS = re.compile(r"进度|进展|办得怎么样|办得咋样|怎么样了|咋样了|处理了没|处理没|办了没|有结果|有回复|有人管没|查一下|查查|能查|到哪一步")
# an answer that carries a detail the form asks for: "最近一个月", "算投诉吧", "柞水"
_SHORT_ANSWER_CHARS = 12
# a request intent the fallback rejected narrowly is kept for a matter told in words
_REQUEST_INTENTS = ("request_help", "complaint", "report", "suggestion", "praise", "consult")
_FALLBACK_RESCUE = 0.45
# how many characters of its own a message under a weak intent needs to be taken as a matter:
# a greeting or "我想反映…" that goes on, a short crisp matter the model could not place
# ("我们小区停水两天了"), small talk only when it is long
_SUBSTANCE_MIN = {"greet": 6, START_REQUEST: 6, FALLBACK: 8}
_SMALL_TALK = ("chitchat", "greet", START_REQUEST)  # 明天见 and 谢谢 stay what they are
# a message that opens by asking the hotline to look someone up ("你帮我查一下…", "帮额打听一哈…")
_PRIVACY_ASKED = re.compile(r"^\s*(?:你好|您好|喂)?[，,\s]*(?:你|您|你们)?(?:帮|给)?(?:我|额|俺)?(?:查|打听|问问|找找)")
# "随便", "都行", "无所谓": an answer that leaves the choice to the hotline
EITHER_WAY = re.compile(r"^(?:[\s，,。！!～~]*(?:都|咋|怎么)?(?:随便|无所谓|都行|都可以|看着办|看着弄|随你|随你们|你们定|你定|你们看着办|你看着办|你们看着弄|你看着弄)"
                        r"(?:吧|啊|呀|的|哈|嘛)?)+(?:[\s，,]*(?:你|你们|您)(?:看着办|看着弄|定)(?:吧|哈|嘛)?)?[。！!～~，,\s]*$")
# "额也不懂 你看着弄": the choice left to the hotline inside a longer answer
_LEFT_TO_US = re.compile(r"(?:你|你们|您)看着(?:办|弄)|看着(?:办|弄)(?:吧|嘛|哈)?$")
# weak intents under which a named kind of matter (想提个小建议, 我要投诉) starts that request
_TYPE_OPENERS = (FALLBACK, "chitchat", "greet", START_REQUEST)
_INTENT_OF_TYPE = {"投诉": "complaint", "举报": "report", "意见建议": "suggestion", "表扬": "praise",
                   "求助": "request_help", "咨询": "consult"}
# a yes or a no opens the message: "对，就是前天下午的事" stays an answer however long
_YES_NO_OPENING = re.compile(r"\s*(?:是|对|好|嗯|恩|行|可以|没错|确认|确定|同意|要|需要|ok|OK|不|没|别|甭|嫑|算了)")
# Chinese characters (beyond a letter's frame) that make a yes/no reading a matter told
_TOLD_UNDER_YES_NO = 14
# the classifier's next reading is taken for such a matter only from this confidence (else the form asks)
_TOLD_OTHER_MIN = 0.3
# a refusal the classifier ranks close behind and the words show: "帮我查一下楼上那家人叫啥名字"
_RANKED_REFUSAL_TOP = 3
_RANKED_REFUSAL_MIN = 0.1
_PRAISE = re.compile(r"表扬|表彰|感谢|感激|谢谢|多谢|点赞|夸|锦旗|好人|敬业|负责|耐心|热情|认真|细心|贴心|周到|及时|辛苦|称赞|赞|"
                     r"满意|给力|效率(?:很|太|真|特别|挺)?高|帮了|(?<!能不能)(?<!能)(?<!请)(?<!麻烦)(?<!求)帮我(?:们)?(?=[^，。！？]{0,12}(?:了|好))|救了|拾金不昧|暖心|暖|好样的|不错|真好|专业")
_QUESTION = re.compile(r"[?？]|吗|么|嘛$|呢|咋|怎么|怎样|如何|哪|什么|啥|几|多少|能不能|可不可以|可以不|能否|是否|有没有|"
                       r"行不行|行不|中不|请问|问一下|问下|咨询|想知道|想了解|了解一下|告诉我")


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
            if evidence.abuse_count(text) >= 2 and _best_other(ranking, text) in _WEAK + (INFORM,):
                return Decision(intent, "")  # insults, and the classifier reads no request beside them
            return _settled(text, _best_other(ranking, text), "abuse with a matter, or no insult", ranking)
        if oos_class == "petition" and _OFFICE_ASKED.search(text):
            # "信访局在哪上班": where or when the office is, a consultation, not a matter in petition
            return Decision("consult", "asks where or when the petition office works")
        if evidence.has_cue(text, oos_class):
            return Decision(intent, "")
        cued = [name for name in evidence.cued_classes(text) if name != "abuse"]
        ranked = [name[len(OOS_PREFIX):] for name, _ in ranking if name.startswith(OOS_PREFIX)]
        for name in ranked[:3]:
            if name in cued:
                return Decision(OOS_PREFIX + name, f"cue of {name}, not of {oos_class}")
        return _settled(text, _best_other(ranking, text), f"no cue of {oos_class}", ranking)
    if intent == CROSS_REGION:
        if find_other_region(text):
            return Decision(intent, "")
        return _settled(text, _best_other(ranking, text), "no place outside Shangluo named", ranking)
    for name, confidence in list(ranking)[1:_RANKED_REFUSAL_TOP]:
        if (name.startswith(OOS_PREFIX) and name != OOS_PREFIX + "abuse" and confidence >= _RANKED_REFUSAL_MIN
                and evidence.cue(text, name)):
            return Decision(name, f"ranked {name} and its cue in the words")
    if (intent in _REQUEST_INTENTS + (INFORM,) and intent != "consult" and _PRIVACY_ASKED.match(text)
            and evidence.cue(text, "privacy")):
        # "你帮额查一哈 额前头那个女婿现在住哪搭 电话号码多少 他欠…": what is asked for is someone's data
        return Decision(OOS_PREFIX + "privacy", "opens by asking for another person's data")
    if intent in _WEAK + ("affirm", "deny") and len(text) > _SHORT_ANSWER_CHARS and evidence.cue(text, "privacy"):
        # "帮我查一下车主叫啥，电话多少" read as a yes: the words ask for someone else's data
        return Decision(OOS_PREFIX + "privacy", "asks for another person's data; the classifier read no request")
    if intent == "human_handoff" and not _PERSON.search(text) and _INTENT_OF_TYPE.get(named_order_type(text) or ""):
        # "我要投诉" read as asking for a person: the kind of matter it names, no word for a person
        return Decision(_INTENT_OF_TYPE[named_order_type(text)], "names the kind of matter, no word for a person")
    if intent == "human_handoff" and not _PERSON.search(text) and evidence.is_pure_abuse(text):
        # "…一群吃干饭的废物…滚" read as asking for a person: insults, and no word for one
        return Decision(OOS_PREFIX + "abuse", "insults and no word for a person")
    if intent in _WEAK + (INFORM,) and evidence.abuse_count(text) >= 2:
        # "一群吃干饭的废物……骗子，滚": insults and nothing the classifier reads as a request
        return Decision(OOS_PREFIX + "abuse", "insults and no matter")
    if intent != "order_status" and _OWN_ORDER.search(text) and _PROGRESS.search(text):
        return Decision("order_status", "asks how the citizen's own order goes")
    if intent in _PLACE_BOUND and find_other_region(text):  # a served place the matter is at → None
        return Decision(CROSS_REGION, "names only a place outside Shangluo")
    if intent in _ORDER_CUES and not _ORDER_CUES[intent].search(text):
        other = _best_other([(n, c) for n, c in ranking if n not in _ORDER_CUES], text)
        if other == FALLBACK and evidence.is_substantive(text):
            other = INFORM
        return _settled(text, other, "no word about an order", [(n, c) for n, c in ranking if n not in _ORDER_CUES])
    if intent == "order_status" and not _EARLIER_ORDER.search(text) and evidence.is_substantive(text, minimum=25):
        # "…司机故意绕路，打表二十八…麻烦查一下给我回复": a new matter, no earlier order named
        others = [(n, c) for n, c in ranking if n not in _ORDER_CUES]
        other = _best_other(others, text)
        return _settled(text, INFORM if other == FALLBACK else other, "a new matter, no earlier order named", others)
    if intent == "praise" and not _PRAISE.search(text):
        # "交房三年了房产证还办不下来": nothing in it praises anyone
        others = [(n, c) for n, c in ranking if n != "praise"]
        return _settled(text, _best_other(others, text), "no word of praise", others)
    if intent == "consult" and not _QUESTION.search(text) and evidence.is_substantive(text, minimum=16):
        # "发现村口的河堤被人倒满了建筑垃圾": a matter told, nothing asked
        return Decision(INFORM, "a matter told, no question asked")
    if intent == FALLBACK and evidence.is_substantive(text, minimum=_SUBSTANCE_MIN[FALLBACK]):
        for name, confidence in ranking:
            if name in _REQUEST_INTENTS and confidence >= _FALLBACK_RESCUE:
                # "我们小区停水两天了": request_help at 0.50, just under the fallback threshold
                return _settled(text, name, f"{name} close behind the fallback", ranking)
    if (intent in ("affirm", "deny") and not _YES_NO_OPENING.match(text)
            and evidence.is_substantive(text, minimum=_TOLD_UNDER_YES_NO)):
        # "我这个月的养老金到现在还没打到卡上…" read as a yes: a matter told, no yes or no in it
        others = [(n, c) for n, c in ranking if n not in ("affirm", "deny")]
        other = _best_other(others, text)
        if other in _WEAK + (FALLBACK,) or dict(others).get(other, 0.0) < _TOLD_OTHER_MIN:
            return Decision(INFORM, "a matter told, no yes or no")  # the form asks which kind
        return _settled(text, other, "a matter told, no yes or no", others)
    if intent in _WEAK and evidence.is_substantive(text, minimum=_SUBSTANCE_MIN.get(intent, 12)):
        # "您好，想反映一下县城公园晚上的路灯问题": a greeting that goes on to the matter
        return Decision(INFORM, "a matter in words no intent fits")
    if intent in _WEAK and (EITHER_WAY.match(text) or _LEFT_TO_US.search(text)):
        # "随便" to "需要回复吗？": an answer (either way), not small talk
        return Decision(INFORM, "an either-way answer")
    if _short_answer(text, intent):
        # "最近一个月", "算投诉吧" taken for small talk: an answer to the form's question
        return Decision(INFORM, "a short answer that carries a detail")
    if intent in _TYPE_OPENERS and named_order_type(text) in _INTENT_OF_TYPE:
        # "您好，打扰了，想提个小建议": the citizen names the kind of matter, the form starts with it
        return Decision(_INTENT_OF_TYPE[named_order_type(text)], "names the kind of matter")
    return Decision(intent, "")


_OFFICE_ASKED = re.compile(r"信访(?:局|办|部门|接待(?:中心|室)?|大厅)[^，。！？,.!?]{0,6}(?:在哪|在哪里|在哪儿|地址|电话|几点|上班|办公时间|怎么走|咋走)")
# "北新街检察院门口公交站": an address answer (street, gate, stop …), however the classifier reads it
_PLACE_ANSWER = re.compile(r"[街路巷村镇]|小区|门口|对面|旁边|隔壁|车站|公交站|[0-9一二三四五六七八九十]+(?:号|组|栋|单元)")
_ANONYMITY_WORDS = re.compile(r"实名|匿名|不匿名")  # "实名啊 名字都给你了": the anonymity answer
_REPLY_WORDS = re.compile(r"回复|回一下|回个话|回个信|回我|答复|不用回|要回|别回|必须回|打电话|回电话|通知我|告诉我")
# a word for a person to talk to: asking for one stands even among insults
_PERSON = re.compile(r"人工|真人|客服|话务员|接线员|转接|工作人员|领导|负责人|活人")


def _has_detail(text: str) -> bool:
    """An order type, a time, a district, a phone number, a name ("办公室主任 雷娜") or the
    wish for a reply ("回一下嘛") in the words."""
    return bool(named_order_type(text) or find_district(text) or find_phone(text) or parse_time(text)
                or parse_name_answer(text) or _REPLY_WORDS.search(text) or _ANONYMITY_WORDS.search(text)
                or _PLACE_ANSWER.search(text))


def reranked(ranking: List[dict], new_intent: str, confidence: Optional[float]) -> List[dict]:
    """`ranking` with `new_intent` first (no duplicates)."""
    first = {"name": new_intent, "confidence": float(confidence if confidence is not None else 1.0)}
    return [first] + [r for r in ranking if r.get("name") != new_intent]
