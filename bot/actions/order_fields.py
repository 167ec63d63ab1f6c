"""Pure rules of the work-order form: which details each order type needs, how
free-text answers are read, and how the summary reads. No Rasa imports here, so
all of it is unit-tested directly.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Mapping, Optional

import vocabulary
from bot.screening.contact import display_phone, find_phones
from bot.screening.evidence import han_count
from bot.screening.gate import EITHER_WAY
from bot.screening.names import self_name_mention

ORDER_TYPES = vocabulary.ORDER_TYPE_NAMES

INTENT_TO_ORDER_TYPE = {
    "consult": "咨询",
    "request_help": "求助",
    "complaint": "投诉",
    "report": "举报",
    "suggestion": "意见建议",
    "praise": "表扬",
}

# 第十二条: 咨询 2 working days, the others 5.
DEADLINE_WORKING_DAYS = vocabulary.DEADLINE_WORKDAYS
DEFAULT_DEADLINE_WORKING_DAYS = vocabulary.DEFAULT_DEADLINE_WORKDAYS

# Every slot the order form can ask for, in the order it asks.
FORM_SLOTS = (
    "description",
    "district",
    "address",
    "occurred_at",
    "anonymous",
    "contact_name",
    "contact_phone",
    "reply_required",
    "order_confirmed",
)
# Slots reset when a new order starts or an order is finished.
ORDER_STATE_SLOTS = FORM_SLOTS + ("order_type", "form_run_id", "own_rights", "order_pending", "opening_matter")

CITYWIDE = "全市"
DISTRICT_UNKNOWN = "待确定"  # the citizen could not say; the gateway's manual dispatch queue decides
NO_PLACE = "未说明具体地点"
_NO_PLACE_WORDS = re.compile(r"没有具体|没具体|不涉及|没有地址|没地址|不是具体|全市|全县|到处都|哪儿都|好多地方|说不清|不好说|不知道|不清楚|^(?:没有|没|无|没得|木有|么有)[。！!.]?$")


def says_no_place(text: Any) -> bool:
    """"没有具体地点", "全县都这样": the matter has no single place."""
    return bool(_NO_PLACE_WORDS.search(clean(text)))
UNKNOWN_TIME = "不详"
NAME_NOT_GIVEN = "未留姓名"  # asked twice, not given: the phone is how the unit reaches the citizen
PHONE_NOT_GIVEN = "未留电话"  # an anonymous citizen who wants no reply declined the optional number
MAX_DESCRIPTION_CHARS = 2000
MIN_DESCRIPTION_CHARS = 5

# Orders that happen somewhere need the place; types that may concern the whole city accept 全市.
NEEDS_ADDRESS = {"咨询", "求助", "投诉", "举报", "意见建议", "表扬"}  # 属地管理: where it is decides who handles it (第十条: 具体地址)
DEFAULT_ORDER_TYPE = "求助"  # a matter whose kind was never settled reaches a unit as a help request
NEEDS_TIME = {"求助", "投诉", "举报"}  # since when the water is off, when the pipe broke
NO_TIME_TYPES = {"咨询", "意见建议", "表扬"}  # the time is never asked: a rough one from the opening is kept
ANONYMITY_ALLOWED = {"投诉", "举报", "意见建议", "表扬"}
CITYWIDE_ALLOWED = {"咨询", "意见建议", "表扬"}
ASKS_REPLY = {"求助", "投诉", "举报", "意见建议"}


def required_slots(order_type: Optional[str], slots: Mapping[str, Any]) -> List[str]:
    """The slots this order needs, given what is already known."""
    order_type = order_type if order_type in ORDER_TYPES else "求助"
    needed = ["description", "district"]
    if order_type in NEEDS_ADDRESS and not (order_type in CITYWIDE_ALLOWED and slots.get("district") == CITYWIDE):
        needed.append("address")
    if order_type in NEEDS_TIME:
        needed.append("occurred_at")
    if order_type in ANONYMITY_ALLOWED and not own_rights(order_type, slots):
        needed.append("anonymous")
    if slots.get("anonymous") is not True:
        needed += ["contact_name", "contact_phone"]
        if order_type in ASKS_REPLY:
            needed.append("reply_required")
    elif order_type in ASKS_REPLY:
        # 第十三条: hiding one's identity and wanting no reply are two things; an anonymous
        # citizen may still hear the result, through the hotline, on a number the unit never sees
        needed.append("reply_required")
        if slots.get("reply_required") is not None:
            # with no reply wanted the number is still asked, as optional: the hotline may need
            # to check a detail; it never reaches the unit ("不留" is fine)
            needed.append("contact_phone")
    needed.append("order_confirmed")
    return needed


def deadline_days(order_type: str) -> int:
    return DEADLINE_WORKING_DAYS.get(order_type, DEFAULT_DEADLINE_WORKING_DAYS)


# ---------------------------------------------------------------- reading answers

_PUNCT = re.compile(r"[\s，。！？、,.!?~～…：:；;“”\"'‘’（）()【】\[\]]+")

_TRIGGER_PHRASES = re.compile(
    r"(你好|您好|喂|在吗|我要|我想|想要|帮我|麻烦|请问|一下|下|个|问题|事情|情况|反映|反应|"
    r"投诉|投宿|举报|求助|建议|意见|表扬|咨询|登记|工单|热线|12345|额要|额想)"
)


# the note a 咨询 order's description carries of the knowledge-base entries shown (bot/actions/consult.py)
_KB_NOTE = re.compile(r"\n（已向市民(?:提供|提示)的知识库.*$", re.S)


def citizens_words(text: Any) -> str:
    """The description without the knowledge-base note: what the citizen typed, to read places
    and times from (the note's department names are no address, its titles no time)."""
    return _KB_NOTE.sub("", clean(text))


def clean(text: Any) -> str:
    """Text without surrounding white space and control characters."""
    if text is None:
        return ""
    text = str(text).replace("\x00", "")
    text = "".join(ch for ch in text if ch in "\n\t" or ch.isprintable())
    return text.strip()


_OPENER = re.compile(
    r"^(?:(?:你好|您好|喂|哎|唉|嗯|在吗|在不在|领导好|请问|同志|师傅|领导|工作人员|是12345吗|是不是12345|12345吗|尊敬的[^，。！？,.!?：:\s]{0,12})[，,。！!？?：:\s~]*)+"
)
_REQUEST_OPENER = re.compile(
    r"^(?:我|额|俺)?(?:要|想|想要|来)?(?:投诉|举报|反映|反应|求助|提个?建议|咨询|表扬)(?:一下|一个|个|下)?"
    r"(?:事情?|问题|情况)?[，,。！!：:\s]+"
)
_CLOSING = re.compile(r"[，,。！!\s]*(?:此致[，,\s]*敬礼|谢谢(?:你们|您|领导)?|麻烦(?:你们|您)?了|辛苦了)[。！!\s]*$")


_ANONYMITY_WISH = re.compile(r"不想让[^，。！？,.!?]{0,4}知道是我|别让[^，。！？,.!?]{0,4}知道是我|别(说|告诉)[^，。！？,.!?]{0,4}是我|"
                             r"不要(透露|暴露|泄露)我|给我保密|替我保密|要保密|我要匿名|想匿名|匿名(反映|举报|投诉)")


def anonymity_wish(text: Any) -> bool:
    """"不想让人知道是我说的", "我要匿名举报": the citizen asks to stay anonymous."""
    return bool(_ANONYMITY_WISH.search(clean(text)))


def without_anonymity_wish(text: str) -> str:
    """The text without the clauses that only ask for anonymity (they are not the matter)."""
    clauses = re.split(r"(?<=[，,。！!？?；;])", text)
    kept = [c for c in clauses if not _ANONYMITY_WISH.search(c)]
    return "".join(kept).strip("，,；; ")


def matter_text(text: Any) -> str:
    """The matter itself: without the greeting, "我要投诉，" and the letter's closing."""
    text = clean(text)
    core = without_anonymity_wish(_OPENER.sub("", text))
    core = _REQUEST_OPENER.sub("", core)
    core = _CLOSING.sub("", core)
    return core if has_substance(core) else text


# the first message names the matter but does not tell it: "想反映一下县城公园晚上的路灯问题",
# "我要夸一下我们社区的小刘", "我想举报个事"
_GENERIC_END = re.compile(r"(的)?(问题|事情?|情况|这个事|那个事|个事)[吧啊呀呢。！!？?～~\s]*$")
_SPEAKS_OPENERS = re.compile(r"^(?:我|额|俺)?(?:要|想|想要|来)?(?:夸一下|夸夸|表扬一下|表扬|感谢一下|感谢|谢谢|提个?建议|建议|反映一下|反映)")
_SUGGESTS = re.compile(r"希望|建议|应该|能不能|能否|可不可以|可否|最好|加装|增设|多修|多建|多设|多安|多派|改成|改进|加强|完善|设置|安装|规划|调整|延长|增加|开通")
_ANNOUNCES = re.compile(r"^(?:我|额|俺)?(?:要|想|想要|来)?(?:投诉|举报|反映|求助|咨询)(?:一下|一个|个|下)?(?:事情?|问题|情况)?")
_ASKS_IF_OK = re.compile(r"[，,\s]*(?:能行不|行不行|行不|可以吗|可以不|能不能|好不好|中不中)[？?吗]*$")
MIN_TOLD_CHARS = 8
MIN_PRAISE_CHARS = 14


def _told_part(text: str) -> str:
    """`text` without "我要夸一下", "我想举报个事" before it and "能行不" after it."""
    return _ASKS_IF_OK.sub("", _ANNOUNCES.sub("", _SPEAKS_OPENERS.sub("", text)))


# "提个小建议", "点个赞": the announcement of a suggestion or a praise, not its content
_SUGGESTION_ANNOUNCED = re.compile(r"(?:提|给|想提|有|说)(?:个|一个|点|一点|条|几条)?(?:小)?(?:意见建议|意见|建议)")
_PRAISE_ANNOUNCED = re.compile(r"点(?:个|一个)?赞|表扬(?:一下|下)?|夸(?:一下|一夸|夸)?|感谢(?:一下)?|送(?:个|面)?锦旗")
# what the praised person did or how: a praise without it says nobody what to thank them for
_PRAISE_DEED = re.compile(r"帮|办|替|把|送|救|找|修|教|解答|讲解|讲|解释|加班|跑|上门|耐心|热情|负责|细心|认真|及时|主动|"
                          r"很快|马上|一次|不厌其烦|服务|照顾|处理|解决|捡|还给|垫|扶|背|陪|态度|周到|贴心|专业|效率")


def thin_matter(matter: Any, order_type: Optional[str]) -> bool:
    """Whether the first message only names the matter, so the form still asks what happened
    (the answer is added to it): too short, "…的问题", a praise that does not say what was
    done, a suggestion that suggests nothing."""
    text = without_anonymity_wish(clean(matter))
    han = han_count(_TRIGGER_PHRASES.sub("", _told_part(text)))
    if han < MIN_TOLD_CHARS or not has_substance(text):
        return True
    if _GENERIC_END.search(text) and han < 20:
        return True
    if order_type == "表扬" and (han < MIN_PRAISE_CHARS or not _PRAISE_DEED.search(_PRAISE_ANNOUNCED.sub("", text))):
        return True
    if order_type == "意见建议" and not _SUGGESTS.search(_SUGGESTION_ANNOUNCED.sub("", text)):
        return True
    return False


def opening_core(matter: Any) -> str:
    """What a thin first message does say about the matter ("县城公园晚上的路灯问题"), without
    "我想举报个事", the wish to stay anonymous or "能行不"; empty when it says nothing."""
    core = _told_part(without_anonymity_wish(clean(matter))).strip(" ，,。～~！!")
    return core if han_count(_TRIGGER_PHRASES.sub("", core)) >= 3 else ""


def told_with_opening(opening: Any, answer: Any) -> str:
    """The description when the first message only named the matter: both, unless the
    answer already says what the opening did."""
    opening, answer = clean(opening), clean(answer)
    if not opening or opening in answer:
        return answer
    return f"{opening}；{answer}"


def has_substance(text: str, minimum: int = 6) -> bool:
    """Whether a message says more than "我要投诉" and could serve as the matter itself."""
    core = _TRIGGER_PHRASES.sub("", _PUNCT.sub("", clean(text)))
    return len(core) >= minimum


_YES = re.compile(r"(^|[^不没別别])(需要|要的|要|是的|是|对|好的|好|可以|行|嗯|ok|OK|确认|确定|没问题|没麻达|成|中)")
_NO = re.compile(r"(不用|不需要|不要|不必|没必要|算了|否|不是|没有|不了|别|免了)")
_NOT_CLAUSE = re.compile(r"(不是|不在)[^，,。；;!！?？\s]*?(?=(是|在|，|,|。|\s|$))")


_REPLY_NO = re.compile(r"(不用|不需要|不必|无需|别|不要|没必要)[^，。！？,.!?]{0,3}(回复|回电|回电话|联系|答复)|"
                       r"(回复|回电|答复)[^，。！？,.!?]{0,3}(就)?(不用|不需要|不必|免|算)了?")
_REPLY_YES = re.compile(r"回复|回电|回个电话|答复|联系我|给我个?说法|告诉我结果|通知我|回我|告诉我一声|说一声|给我说|"
                        r"必须回|要回|得回|回一下|回个话|给(?:我|额|俺)打(?:个)?电话|打电话给(?:我|额|俺)")


_EITHER_WAY = EITHER_WAY  # "随便", "都行" (bot/screening/gate.py)


def parse_reply_wish(text: Any) -> Optional[bool]:
    """"希望有个回复", "必须回复" → True; "不用回复了" → False; None when it says neither."""
    text = clean(text)
    if _REPLY_NO.search(text):
        return False
    if _REPLY_YES.search(text) or _EITHER_WAY.match(text):
        return True  # "随便": the unit replies, as it does by default (第十九条)
    return None


def drop_negated(text: str) -> str:
    """'不是商南 是丹凤县' → ' 是丹凤县': what the citizen says it is NOT is left out."""
    return _NOT_CLAUSE.sub("", clean(text))


def parse_yes_no(text: Any) -> Optional[bool]:
    """Read a free-text yes/no answer; None when it says neither."""
    if isinstance(text, bool):
        return text
    text = fold_pinyin(clean(text))
    if not text:
        return None
    if _NO.search(text):
        return False
    if _YES.search(text):
        return True
    return None


_ANON_REFUSED = re.compile(r"(?:不用|不|不需要|不要|别|不必|没必要|无需|不须|甭|嫑|用不着)(?:搞|弄)?匿名")
_ANON_YES = re.compile(r"(匿名|不留名|不想留|不愿意留|不愿留|不留|保密|不想透露|不愿透露|不要.*名字|别.*名字)")
_ANON_NO = re.compile(r"(实名|署名|留名|可以留|愿意留|能留)")


_PINYIN = (("buyong", "不用"), ("buyao", "不要"), ("xuyao", "需要"), ("niming", "匿名"), ("shiming", "实名"),
           ("bu", "不"), ("yao", "要"), ("shi", "是"), ("dui", "对"), ("hao", "好"), ("xing", "行"), ("keyi", "可以"))


def fold_pinyin(text: str) -> str:
    """Pinyin typed for a yes/no word ("bu用", "yao") as the characters it stands for."""
    lowered = text.lower()
    if not re.search(r"[a-z]", lowered):
        return text
    for latin, han in _PINYIN:
        lowered = re.sub(rf"(?<![a-z]){latin}(?![a-z])", han, lowered)
    return lowered


def parse_anonymous(text: Any) -> Optional[bool]:
    """True for 匿名, False for 实名, None when unclear."""
    if isinstance(text, bool):
        return text
    text = fold_pinyin(clean(text))
    if _ANON_REFUSED.search(text):
        return False
    if _ANON_YES.search(text):
        return True
    if _ANON_NO.search(text):
        return False
    return None


_UNKNOWN_TIME = re.compile(r"(不清楚|不记得|记不清|忘了|不知道|说不准|不确定|记不得)")


def parse_occurred_at(text: Any) -> Optional[str]:
    text = clean(text)
    if not text:
        return None
    if _UNKNOWN_TIME.search(text):
        # "记不清了 上个礼拜的哪一天 上午": not the day, but the week and the time of day are told
        from bot.screening.times import parse_time  # times imports nothing of this module

        mention = parse_time(text)
        if mention is None:
            return UNKNOWN_TIME
        unknown = _UNKNOWN_TIME.search(text)
        # "记不清了 …": what follows the opening 记不清; a 记不清 later in the answer stays in it
        rest = re.sub(r"^(?:了|啦|咧|哩)?[\s，,。.、]*", "", text[unknown.end():]) if unknown.start() <= 2 else text
        return rest.strip()[:100] or mention.words
    return text[:100]


_NAME_PREFIX = re.compile(r"^(我叫|我是|我姓|额叫|额姓|额是|叫我|叫|姓名是|姓名|名字是|名字叫|名字|称呼我|本人|免贵姓|免贵|姓)[:：\s]*")
_NAME_REFUSAL = re.compile(r"(不想|不愿|不方便|不告诉|保密|不说|不写|不留|别写|不要写|不用写|不填|没必要)")
_HAS_DIGIT = re.compile(r"\d")


def parse_contact_name(text: Any) -> Optional[str]:
    """A person's name or form of address (王建军, 李, 王先生); None if it is not one."""
    text = _PUNCT.sub("", clean(text))
    text = _NAME_PREFIX.sub("", text)
    text = re.sub(r"(就行|就可以|吧|呢|啊|哈)$", "", text)
    if not text or _NAME_REFUSAL.search(text) or _HAS_DIGIT.search(text):
        return None
    if len(text) > 20:
        return None
    if len(text) == 1:  # a surname alone
        return text + "先生/女士"
    return text


def refuses_name(text: Any) -> bool:
    return bool(_NAME_REFUSAL.search(clean(text)))


_OWN = r"(我|额|俺|我们家|我家|我屋|本人|我父亲|我母亲|我爸|我妈|我老婆|我丈夫|我娃|我孩子)"
_RIGHTS = (
    r"(工资|欠薪|薪水|工钱|押金|退款|退费|退钱|赔偿|理赔|维权|权益|拖欠|克扣|合同|违约|"
    r"物业费|房子|房产证|不动产|交房|社保|医保|养老金|公积金|补贴|补偿|征收|拆迁|罚款|扣分|买的|消费|被骗|骗了)"
)
_OWN_RIGHTS = re.compile(_OWN + r".{0,30}" + _RIGHTS + "|" + _RIGHTS + r".{0,30}" + _OWN)


def looks_like_own_rights(text: Any) -> bool:
    """Whether a complaint defends the citizen's own rights (第七条(九): needs real name)."""
    return bool(_OWN_RIGHTS.search(clean(text)))


def own_rights(order_type: Optional[str], slots: Mapping[str, Any]) -> bool:
    """Whether this order is a complaint about the citizen's own rights (real name, 第七条(九)),
    however the type and the description came in (first message, type question, correction)."""
    if slots.get("own_rights"):
        return True
    return order_type == "投诉" and looks_like_own_rights(slots.get("description") or "")


_NOT_SOLVED = re.compile(r"(没解决|没有解决|不解决|没能解决|不对|没用|不管用|不是我问的|不是这个|答非所问|没说清|还是不知道|还是不懂|不明白)")
_SOLVED = re.compile(r"(^|[^没不])(解决了|明白了|知道了|清楚了|懂了|有用)")


def says_not_solved(text: Any) -> bool:
    """"没解决" / "不对" after a knowledge-base answer: the citizen still needs help."""
    return bool(_NOT_SOLVED.search(clean(text)))


# "你看着弄", "你们帮额查查嘛", "登记一下吧": the citizen leaves it to the hotline or asks it to act
_LEFT_TO_US = re.compile(r"看着(?:办|弄)|随便|都行|(?:你们?|您)(?:帮|给)?(?:我|额|俺)?(?:查查|查一下|问问|办|弄|登记|处理|管)|"
                         r"帮(?:我|额|俺)(?:们)?(?:查|问|办|弄|登记|反映)|登记(?:一下|下|吧|个)|登个记|给(?:我|额|俺)?登记|要登记|记下来")


def leaves_it_to_the_hotline(text: Any) -> bool:
    """Whether an answer to "需要登记吗？" accepts in other words than yes (你看着弄, 你们帮额查查嘛)."""
    text = clean(text)
    return bool(text) and len(text) <= 24 and bool(_LEFT_TO_US.search(text)) and not _NO.search(text)


# after an order is placed: "大概多久能有结果？" asks about it; "路灯今天下午已经有人来修好了" ends it
_WHEN_RESULT = re.compile(r"(?:多久|多长时间|几天|啥时候|什么时候|多会儿|哪天)[^，。！？,.!?]{0,6}(?:结果|答复|回复|回音|办好|办完|处理|解决|有人|来人|来修|弄好)|"
                          r"(?:结果|答复|回复)[^，。！？,.!?]{0,4}(?:多久|几天|啥时候|什么时候)")
_SOLVED_SINCE = re.compile(r"(?:已经|都|刚)[^，。！？,.!?]{0,8}(?:修好|弄好|解决|处理好|处理了|修了|通了|来了)|不用(?:再)?(?:管|修|处理|麻烦)了|没事了")
_AGAIN = re.compile(r"又|还是|还没|没有|没修|不行|坏了")


def asks_when_the_result_comes(text: Any) -> bool:
    return bool(_WHEN_RESULT.search(clean(text)))


def says_solved_since(text: Any) -> bool:
    """"刚邻居说路灯今天下午已经有人来修好了": the matter of the order just placed is solved."""
    text = clean(text)
    return bool(_SOLVED_SINCE.search(text)) and not _AGAIN.search(_SOLVED_SINCE.sub("", text))


def says_solved(text: Any) -> bool:
    text = clean(text)
    return bool(_SOLVED.search(text)) and not _NOT_SOLVED.search(text)


_CORRECTION = re.compile(r"(写错|错了|改成|改为|改一下|不对|应该是|更正|更改|重新填|搞错|弄错|说错)")


def is_correction(text: Any) -> bool:
    return bool(_CORRECTION.search(clean(text)))


FIELD_WORDS = {
    "description": ("内容", "情况", "诉求", "描述", "事情"),
    "district": ("区县", "县区", "哪个区", "哪个县", "区域"),
    "address": ("地址", "位置", "地点", "住址", "在哪"),
    "occurred_at": ("时间", "日期", "什么时候", "几点"),
    "anonymous": ("匿名", "实名"),
    "contact_name": ("名字", "姓名", "称呼", "名称", "联系人"),
    "contact_phone": ("电话", "手机", "号码", "联系方式"),
    "reply_required": ("回复", "回电"),
}


def fields_named(text: Any) -> List[str]:
    """Form fields a correction names ("电话不对" → contact_phone)."""
    text = clean(text)
    kept = _UNCHANGED.sub("", text)  # "电话不变": that field stays as it is
    return [field for field, words in FIELD_WORDS.items() if any(w in kept for w in words)]


_UNCHANGED = re.compile(r"(电话|号码|手机|地址|名字|姓名|时间|区县)(号码)?(不变|没变|不用改|不改|照旧|还是那个|一样)")


# ---------------------------------------------------------------- summary

def _yes_no(value: Any) -> str:
    return "是" if value else "否"


def given_phone(slots: Mapping[str, Any]) -> Optional[str]:
    """The contact phone the citizen gave, None when none (or declined)."""
    phone = clean(slots.get("contact_phone"))
    return None if not phone or phone == PHONE_NOT_GIVEN else phone


def summary_lines(order_type: str, slots: Mapping[str, Any]) -> List[str]:
    lines = [f"【类型】{order_type}", f"【内容】{description_for_unit(slots.get('description'), slots.get('anonymous') is True)}"]
    if slots.get("district"):
        lines.append(f"【区县】{slots['district']}")
    if slots.get("address"):
        lines.append(f"【地址】{clean(slots['address'])}")
    if slots.get("occurred_at"):
        lines.append(f"【时间】{clean(slots['occurred_at'])}")
    if slots.get("anonymous") is True:
        lines.append("【匿名】是（不向承办单位提供您的姓名和电话）")
        if given_phone(slots):
            use = "仅用于热线回复您" if slots.get("reply_required") is True else "仅热线可见，不提供给承办单位"
            lines.append(f"【电话】{display_phone(given_phone(slots))}（{use}）")
        if order_type in ASKS_REPLY:
            lines.append(f"【需要回复】{_yes_no(slots.get('reply_required') is True)}")
    else:
        lines.append(f"【联系人】{clean(slots.get('contact_name'))}")
        lines.append(f"【电话】{display_phone(clean(slots.get('contact_phone')))}")
        if order_type in ASKS_REPLY:
            lines.append(f"【需要回复】{_yes_no(slots.get('reply_required'))}")
    return lines


def summary_text(order_type: str, slots: Mapping[str, Any], attachments: str = "") -> str:
    """`attachments` describes the files sent with the order ("2张图片"), empty for none."""
    lines = summary_lines(order_type, slots)
    if attachments:
        lines.append(f"【附件】{attachments}")
    return (
        "请核对一下要提交的工单：\n"
        + "\n".join(lines)
        + "\n没问题请回复“确认”；要修改的话直接告诉我，比如“电话改成139…”；不想提交了回复“取消”。"
    )


HIDDEN = "（已隐去）"


def description_for_unit(description: Any, anonymous: bool) -> str:
    """The description as the unit reads it: for an anonymous citizen without the phone
    numbers and the own name written into it ("…此致 敬礼！ 张秀兰 13571420098"), which
    the unit must not see (第十三条, 第二十四条)."""
    text = clean(description)
    if not anonymous or not text:
        return text
    spans = [(p.start, p.end) for p in find_phones(text)]
    name = self_name_mention(text)
    if name:
        spans.append((name.start, name.end))
    for start, end in sorted(set(spans), reverse=True):
        text = text[:start] + HIDDEN + text[end:]
    return text


def order_payload(
    order_type: str,
    slots: Mapping[str, Any],
    *,
    sender_id: str,
    channel: str,
    conversation_id: str,
) -> Dict[str, Any]:
    """The body of POST /api/v1/orders for the collected slots."""
    anonymous = slots.get("anonymous") is True
    district = slots.get("district")
    if order_type == "咨询":
        reply_required = True
    elif order_type == "表扬":
        reply_required = False
    elif anonymous:
        reply_required = slots.get("reply_required") is True and bool(given_phone(slots))
    else:
        reply_required = slots.get("reply_required") is not False
    return {
        "type": order_type,
        "channel": channel,
        "sender_id": sender_id,
        "description": description_for_unit(slots.get("description"), anonymous)[:MAX_DESCRIPTION_CHARS],
        "district": None if district in (None, CITYWIDE, DISTRICT_UNKNOWN) else district,
        "address": clean(slots.get("address"))[:200] or None,
        "occurred_at": clean(slots.get("occurred_at"))[:100] or None,
        "contact_name": None if anonymous or slots.get("contact_name") == NAME_NOT_GIVEN
        else (clean(slots.get("contact_name"))[:50] or None),
        # an anonymous citizen's number (asked for the hotline's reply, or volunteered:
        # "请为我保密。电话134…") is kept for the hotline; units never see it
        # (gateway/services/privacy.py)
        "contact_phone": given_phone(slots),
        "anonymous": anonymous,
        "reply_required": reply_required,
        "conversation_id": conversation_id,
    }


def channel_of(input_channel: Optional[str]) -> str:
    """The order's channel for a Rasa input channel name (socketio → webchat, callback → rest)."""
    return vocabulary.channel_of(input_channel)
