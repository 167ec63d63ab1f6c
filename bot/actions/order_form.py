"""The work-order form: asks for what the order type needs, one thing at a time.

`required_slots` decides per order type (order_fields.required_slots); every
`validate_<slot>` reads the answer, may take further details it finds in the same
message, and explains in Chinese when an answer cannot be used.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

import vocabulary
from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT
from rasa_sdk.types import DomainDict

from bot.actions import attachments
from bot.actions import order_fields as f
from bot.actions.corrections import read_correction
from bot.screening.order_type_words import named_order_type
from bot.actions.email_form import QUESTIONS_SLOT, EmailFormMixin, in_email_mode
from bot.actions.tracker_utils import latest_confidence, latest_intent, latest_text, previous_slot_value
from bot.screening.addresses import names_a_place, opening_address, place_in_matter
from bot.screening.gate import EITHER_WAY, SUSPECTED
from bot.screening.names import find_self_name, is_name_word, parse_name_answer
from bot.screening.times import is_coarse, parse_time, specific_time
from bot.screening.districts import district_mention, find_town
from bot.screening import cross_region_reply, find_district, find_other_region, find_phone, normalize_district, normalize_phone

SERVED = "、".join(vocabulary.DISTRICTS)


def _details_in_passing(tracker: Tracker, text: str, phone: bool = False, address: bool = False) -> Dict[str, Any]:
    """District (and phone, and an address told as a clause of its own) found in a free-text
    answer, for slots still empty."""
    found: Dict[str, Any] = {}
    if not tracker.get_slot("district"):
        district = find_district(text)
        if district:
            found["district"] = district
    if address and not tracker.get_slot("address"):
        place = opening_address(text)
        if place:
            found["address"] = place[:200]
    if phone and not tracker.get_slot("contact_phone"):
        number = find_phone(text)
        if number:
            found["contact_phone"] = number
    return found


# the classifier's confidence from which an answer in the form gets the emergency numbers too
SUSPECTED_IN_FORM_CONFIDENCE = 0.5
# an answer to the type question this long tells the matter (more), not only a type
TOLD_MORE_CHARS = 15
_SUBMIT_NOW = re.compile(r"(?:快|赶紧|赶快|马上|直接|就|请|麻烦)(?:点)?(?:提交|交上去|报上去|发上去|交了|提交吧)|^提交(?:吧|了|哈)?[。！!]*$|"
                         r"^(?:无误|准确无误|信息无误|内容无误|核对无误|都对|全对)")
_NOT_NOW = re.compile(r"不|别|先不|等等|等一下|先等|改")
_ASKS = re.compile(r"[?？]|吗|多久|几天|多长时间|什么时候|啥时候|会不会|能不能|是不是|咋办|怎么办")
_CITY_OR_PROVINCE = re.compile(r"[省市]")
_NOT_SHANGLUO = re.compile(r"不在商洛|不是商洛|不属于商洛|不在咱们?这|外地的|外省的")
_EXPLICIT_CONFIRM = re.compile(r"确认|提交|没问题|没错|对的|对着哩|就这样")
_PUNCT_OR_SPACE = re.compile(r"[\s，。！？、,.!?~～…：:；;]+")
_TOWN_LEVEL = re.compile(r"[镇乡]|街道|街办|办事处|社区|园区|开发区")


def _with_town(tracker: Tracker, address: str) -> str:
    """The answer to the address question, led by the town the citizen named before when
    it names none itself ("贾家村" after "我是丹凤县棣花镇的…" → "棣花镇贾家村"), so the
    unit of that town gets it (属地管理)."""
    if _TOWN_LEVEL.search(address) or find_town(address):
        return address
    district = tracker.get_slot("district")
    told = " ".join(str(tracker.get_slot(s) or "") for s in ("opening_matter", "description"))
    town = find_town(told, district) if district else None
    return f"{town}{address}" if town and town not in address else address


_TIME_TAIL = re.compile(r"^[开始的了起就以后来到现在一直都这样，,。\s]*$")


def _only_a_time(text: str) -> Optional[str]:
    """The time an answer gives when it gives nothing else ("这礼拜天开始的", "昨天"), else None."""
    mention = parse_time(text)
    if mention is None or _PLACE_WORD.search(text[:mention.start] + text[mention.end:]):
        return None
    rest = (text[:mention.start] + text[mention.end:]).strip()
    return mention.words if _TIME_TAIL.match(rest) else None


def _only_a_name(text: str) -> Optional[str]:
    """The name of an answer that only names the citizen ("我叫闫红霞"), else None."""
    name = find_self_name(text) if _SELF_NAMING.search(text) else None
    if name is None or _PLACE_WORD.search(text) or parse_time(text) is not None or len(text) > 12:
        return None
    return name


def _answer_for_another_slot(tracker: Tracker, text: str, slot: str) -> Dict[str, Any]:
    """What an answer to `slot` gives for another empty slot instead ("这礼拜天开始的" at the
    address question is the time, "我叫闫红霞" at the time question the name), so it is stored
    there and `slot` asked again, never stored as `slot`."""
    found: Dict[str, Any] = {}
    if slot != "occurred_at" and not tracker.get_slot("occurred_at"):
        when = _only_a_time(text)
        if when:
            found["occurred_at"] = when
    if slot != "contact_name" and not tracker.get_slot("contact_name"):
        name = _only_a_name(text)
        if name:
            found["contact_name"] = name
    if slot != "anonymous" and tracker.get_slot("anonymous") is None and len(_PUNCT_OR_SPACE.sub("", text)) <= 6:
        anonymous = f.parse_anonymous(text)
        if anonymous is not None and (anonymous is False or tracker.get_slot("order_type") in f.ANONYMITY_ALLOWED):
            found["anonymous"] = anonymous  # "不匿名" at the time question
    if slot not in ("address", "description") and not tracker.get_slot("address"):
        place = opening_address(text)
        if place and len(place) >= len(_PUNCT_OR_SPACE.sub("", text)) - 2:
            found["address"] = place[:200]
            district = find_district(place)
            if district and not tracker.get_slot("district"):
                found["district"] = district
    return found


def _asked(tracker: Tracker, slot: str) -> bool:
    return tracker.get_slot(REQUESTED_SLOT) == slot


_LABEL_OF_SLOT = {"occurred_at": "时间", "contact_name": "联系人", "address": "地址", "district": "区县"}
_ANONYMITY_NOTED = {True: "匿名反映", False: "实名反映"}


def _taken_elsewhere(dispatcher: CollectingDispatcher, found: Dict[str, Any], slot: str) -> Dict[str, Any]:
    """Stores an answer given for other slots and asks `slot` again (its question follows)."""
    parts = [f"{_LABEL_OF_SLOT[k]}“{v}”" for k, v in found.items() if k in _LABEL_OF_SLOT]
    if "anonymous" in found:
        parts.append(_ANONYMITY_NOTED[found["anonymous"]])
    noted = "、".join(parts)
    dispatcher.utter_message(response="utter_noted_for_later", noted=noted)
    return {slot: None, **found}


def _own_rights(tracker: Tracker) -> bool:
    return f.own_rights(tracker.get_slot("order_type"), tracker.slots)


def _filled_this_turn(tracker: Tracker, slot: str) -> List[str]:
    """Other slots the latest message set (from entities): a sign of a correction."""
    return [name for name in tracker.slots_to_validate() if name != slot]


def _answer_is_about_another_field(tracker: Tracker, slot: str) -> bool:
    text = latest_text(tracker)
    if tracker.get_slot("requested_slot") != slot:
        return False
    return f.is_correction(text) and bool(_filled_this_turn(tracker, slot))


_DECLINES_PHONE = re.compile(r"不留|不想留|不用留|不愿意?留|别留|不给|算了|不方便|没有|不要|不用了|保密")
_NO_NUMBER = re.compile(r"电话也?(?:别|不要|不用|不)留|不留电话|电话也?别写|电话也?不写|什么都不留|啥都不留")
_BARE_NAME = re.compile(r"[\u4e00-\u9fff]{2,4}")


def _name_from_answer(value: Any) -> Optional[str]:
    """The name in an answer to 「怎么称呼您」: LAC and the surname list first
    (额姓王，叫王有福 → 王有福; 免贵姓李 → 李先生/女士); a bare two-to-four-character
    answer LAC does not know is taken when it starts with a surname (the citizen was asked
    their name)."""
    text = f.clean(value)
    if not text or f.refuses_name(text):
        return None
    name = parse_name_answer(text)
    if name and len(name) >= 3 and name[0] == name[1] and f"姓{name[0]}{name[0]}" in text.replace(" ", ""):
        name = name[1:]  # "我姓彭彭丽娟" (voice input without punctuation) → 彭丽娟
    if name:
        return name
    bare = f.parse_contact_name(text)
    if bare and _BARE_NAME.fullmatch(bare) and is_name_word(bare) and named_order_type(bare) is None:
        return bare  # 求助, 好的, 新建 are no names: the word must start with a surname
    return None


# "不知道", "就这些", "没有了": nothing to add to what the first message told
_NOTHING_MORE = re.compile(r"^\s*(?:不知道|不清楚|说不清|不晓得|没有了|没了|就这些|就这样|就这么多|就是这个|就这个事|就上面说的|上面说了|刚才说了|说过了)")
_SELF_NAMING = re.compile(r"(?:我|额|俺)(?:叫|姓|是)|本人|免贵")
_PLACE_WORD = re.compile(r"街道|街|路|巷|(?<!知)道|村|镇|乡|社区|小区|花园|家园|苑|号|组|楼|单元|广场|市场|学校|医院|公园|对面|旁边|附近|门口|后面|隔壁")


def _address_beside_district(text: str) -> Optional[str]:
    """The address an answer to the district question gives after the district's name."""
    mention = district_mention(text)
    if mention is None:
        return None
    rest = text[mention.end:].strip(" ，,。的")
    if len(rest) >= 3 and _PLACE_WORD.search(rest) and not find_phone(rest):
        return rest[:200]
    return None


def _type_typed_instead(dispatcher: CollectingDispatcher, tracker: Tracker, text: str, slot: str) -> Optional[Dict[Text, Any]]:
    """A short answer that names the kind of matter ("投诉") typed at the question for `slot`:
    the type is taken (the one first guessed from the words may be another) and `slot` is
    asked again; None when the answer names no type."""
    named = named_order_type(text) if len(_PUNCT_OR_SPACE.sub("", text)) <= 6 else None
    if not named:
        return None
    result: Dict[Text, Any] = {slot: None}
    if named != tracker.get_slot("order_type"):
        dispatcher.utter_message(response="utter_type_taken", order_type=named)
        result["order_type"] = named
        result["own_rights"] = named == "投诉" and f.looks_like_own_rights(tracker.get_slot("description") or "")
    return result


def _times_asked(tracker: Tracker, slot: str) -> int:
    """How many answers the citizen has given to the question for `slot`, this one included
    (the citizen's messages since the form started asking it)."""
    answers = counted = 0
    for event in reversed(list(tracker.events)):
        kind = event.get("event")
        if kind == "user":
            answers += 1
        elif kind == "active_loop":
            break
        elif kind == "slot" and event.get("name") == REQUESTED_SLOT:
            if event.get("value") != slot:
                break
            counted = answers  # messages after this ask of the same question
    return counted


class ValidateOrderForm(EmailFormMixin, FormValidationAction):
    def name(self) -> Text:
        return "validate_order_form"

    async def required_slots(
        self,
        domain_slots: List[Text],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[Text]:
        wanted = f.required_slots(tracker.get_slot("order_type"), tracker.slots)
        if in_email_mode(tracker) and tracker.get_slot("anonymous") is True and tracker.get_slot("reply_required") is False:
            wanted = [slot for slot in wanted if slot != "contact_phone"]  # the mail's phone line was left empty
        if tracker.get_slot("order_type") not in f.ORDER_TYPES and not in_email_mode(tracker):
            wanted.insert(wanted.index("description") + 1, "order_type")  # neither words nor intent said it
        return [slot for slot in wanted if slot in domain_slots]

    async def get_validation_events(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        """A correction in the citizen's words ("区县说错了，是洛南县") replaces what Rasa's
        mappings made of the message; otherwise each slot is validated as usual."""
        if (latest_intent(tracker) == SUSPECTED and tracker.get_slot(REQUESTED_SLOT)
                and latest_confidence(tracker) >= SUSPECTED_IN_FORM_CONFIDENCE):
            # an answer inside the form that the classifier took for an emergency with some
            # confidence (not an address like "河滩，在桥下头" it only half suspects)
            dispatcher.utter_message(response="utter_emergency_suspected_in_form")
        events = self._correction_events(dispatcher, tracker)
        if events is not None:
            return events
        return await super().get_validation_events(dispatcher, tracker, domain)

    def _correction_events(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> Optional[List[Dict[Text, Any]]]:
        text = latest_text(tracker)
        requested = tracker.get_slot(REQUESTED_SLOT)
        if not requested or requested == "order_type" or text.startswith("/") or in_email_mode(tracker):
            return None  # naming the type when asked for it is the answer, not a correction
        if requested == "description" and len(text) > 40:
            return None  # a long answer to "what happened" is the matter, not a correction
        candidates = [slot for slot in tracker.slots_to_validate() if slot != REQUESTED_SLOT]
        if requested not in candidates and requested != "order_confirmed":
            candidates.append(requested)  # the asked slot's from-text value is this turn's guess too
        before = {**tracker.slots, **{slot: previous_slot_value(tracker, slot) for slot in candidates}}
        correction = read_correction(text, before, requested)
        if not correction:
            return None
        result: Dict[str, Any] = {slot: before.get(slot) for slot in candidates}  # this turn's guesses undone
        result.update(correction.values)
        if correction.order_type:
            result["order_type"] = correction.order_type
            if correction.order_type != "投诉":
                result["own_rights"] = False
        if correction.values.get("anonymous") is True:
            # "还是匿名吧，别写我名字了，电话留着可以": the name goes; the number stays for the
            # hotline's reply unless the citizen takes it back too
            result["contact_name"] = None
            if _NO_NUMBER.search(text) or not before.get("contact_phone"):
                result.update({"contact_phone": None, "reply_required": None if not _NO_NUMBER.search(text) else False})
        if before.get("order_confirmed") is not None or requested == "order_confirmed":
            result["order_confirmed"] = None  # the summary is shown again with the new values
        dispatcher.utter_message(text=correction.acknowledgement())
        tracker.slots.update(result)
        return [SlotSet(slot, value) for slot, value in result.items()]

    async def next_requested_slot(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Optional[Dict[Text, Any]]:
        """Always decide the next question here, also when every domain slot is required."""
        required = await self.required_slots(self.domain_slots(domain), dispatcher, tracker, domain)
        return SlotSet(REQUESTED_SLOT, next((s for s in required if tracker.slots.get(s) is None), None))

    # ------------------------------------------------------------ description
    def validate_description(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        text = f.clean(value)
        if len(text) > f.MAX_DESCRIPTION_CHARS:
            dispatcher.utter_message(response="utter_description_too_long", length=len(text), limit=f.MAX_DESCRIPTION_CHARS)
            return {"description": None}
        opening = f.clean(tracker.get_slot("opening_matter"))
        nothing_more = bool(_NOTHING_MORE.search(text)) and len(text) <= 12
        too_little = len(text) < f.MIN_DESCRIPTION_CHARS or not f.has_substance(text, minimum=3)
        if opening and f.han_count(opening) >= f.MIN_TOLD_CHARS and (
                nothing_more or (too_little and _times_asked(tracker, "description") >= 2)):
            # "不知道", "就这些": what the first message told is the matter (no dead end)
            return {"description": opening[: f.MAX_DESCRIPTION_CHARS]}
        if too_little or nothing_more:
            dispatcher.utter_message(response="utter_description_more_please")
            return {"description": None}
        told = f.told_with_opening(tracker.get_slot("opening_matter"), text)[: f.MAX_DESCRIPTION_CHARS]
        result: Dict[Text, Any] = {"description": told, **_details_in_passing(tracker, text, phone=True, address=True)}
        when = specific_time(text) if not tracker.get_slot("occurred_at") else None
        if (when is not None and tracker.get_slot("order_type") not in f.NO_TIME_TYPES and is_coarse(text, when)
                and not in_email_mode(tracker)):  # a mail asks everything at once: the rough time stands
            when = None  # "三天了": the form asks the day, the rough time is the fallback
        if when is not None:
            result["occurred_at"] = when.words  # "前天晚上十点多村里变压器跳闸…": not asked again
        if tracker.get_slot("order_type") == "投诉":
            result["own_rights"] = f.looks_like_own_rights(text)
        return result

    # ------------------------------------------------------------ order type
    def validate_order_type(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if value in f.ORDER_TYPES:
            return {"order_type": value}
        named = named_order_type(f.clean(value))
        if named:
            return {"order_type": named}
        if tracker.get_slot(REQUESTED_SLOT) != "order_type":
            return {"order_type": previous_slot_value(tracker, "order_type")}
        said = f.clean(latest_text(tracker))
        if f.han_count(said) >= TOLD_MORE_CHARS and f.has_substance(said):
            # "现在没事了…消防通道还被物业堆满了…" asked for the type: the matter, told more fully;
            # it joins the description (nothing the citizen said is lost) and its intent gives the type
            result: Dict[Text, Any] = {"description": f.told_with_opening(tracker.get_slot("description"), said)[: f.MAX_DESCRIPTION_CHARS]}
            by_intent = f.INTENT_TO_ORDER_TYPE.get(latest_intent(tracker))
            if by_intent and by_intent != "咨询":
                result["order_type"] = by_intent
                return result
            if _times_asked(tracker, "order_type") >= 2:
                result["order_type"] = "求助"
                return result
            result["order_type"] = None
            dispatcher.utter_message(response="utter_order_type_unclear")
            return result
        elsewhere = _answer_for_another_slot(tracker, said, "order_type")
        if _times_asked(tracker, "order_type") >= 2 or EITHER_WAY.match(said):
            # no dead end ("随便 你看着弄" too): a help request reaches a unit all the same
            return {"order_type": "求助", **elsewhere}
        if elsewhere:
            return _taken_elsewhere(dispatcher, elsewhere, "order_type")
        dispatcher.utter_message(response="utter_order_type_unclear")
        return {"order_type": None}

    # ------------------------------------------------------------ district
    def validate_district(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if _answer_is_about_another_field(tracker, "district"):
            return {"district": None}
        if tracker.get_slot(REQUESTED_SLOT) == "district":
            # "投诉" typed at the district question: the kind of matter, the district asked again
            typed = _type_typed_instead(dispatcher, tracker, f.clean(latest_text(tracker)), "district")
            if typed is not None:
                return typed
        text = f.drop_negated(value)
        district = normalize_district(text) or find_district(text)
        earlier = previous_slot_value(tracker, "district") if tracker.get_slot(REQUESTED_SLOT) != "district" else None
        if district and earlier:
            said = f.drop_negated(latest_text(tracker))
            if find_district(said) != district and normalize_district(said) != district:
                # "不是山阳县，米粮镇是镇安县的": the district picked up in passing is the one denied
                return {"district": earlier}
        if district:
            result: Dict[Text, Any] = {"district": district}
            address = _address_beside_district(f.clean(latest_text(tracker)))  # the value may be the entity alone
            if address and tracker.get_slot(REQUESTED_SLOT) == "district" and not tracker.get_slot("address"):
                result["address"] = address  # "商州区城关街道幸福路12号" answers the next question too
            return result
        order_type = tracker.get_slot("order_type")
        if order_type in f.CITYWIDE_ALLOWED and any(w in text for w in ("全市", "市级", "整个商洛", "不限", "都有", "全商洛")):
            return {"district": f.CITYWIDE}
        if tracker.get_slot("requested_slot") != "district":
            # an entity picked up in passing that is no district: keep what we had
            return {"district": previous_slot_value(tracker, "district")}
        other = find_other_region(text)
        if other:
            dispatcher.utter_message(text=cross_region_reply(other))
            dispatcher.utter_message(response="utter_district_if_in_shangluo")
            return {"district": None}
        if _times_asked(tracker, "district") >= 2:
            # no dead end: the hotline's staff find the district from the address (manual dispatch)
            dispatcher.utter_message(response="utter_district_left_open")
            return {"district": f.CITYWIDE if order_type in f.CITYWIDE_ALLOWED else f.DISTRICT_UNKNOWN}
        dispatcher.utter_message(response="utter_district_unclear", served=SERVED)
        return {"district": None}

    # ------------------------------------------------------------ address
    def validate_address(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if _answer_is_about_another_field(tracker, "address"):
            return {"address": None}
        text = f.clean(value)
        typed = _type_typed_instead(dispatcher, tracker, text, "address")  # "投诉" is no place
        if typed is not None:
            return typed
        elsewhere = _answer_for_another_slot(tracker, text, "address") if _asked(tracker, "address") else {}
        if elsewhere:
            return _taken_elsewhere(dispatcher, elsewhere, "address")
        if f.says_no_place(text) and not _PLACE_WORD.search(text):
            if tracker.get_slot("order_type") in f.CITYWIDE_ALLOWED or _times_asked(tracker, "address") >= 2:
                told = place_in_matter(f.citizens_words(tracker.get_slot("description")))
                # "不知道" but the matter names where (从加油站到中学那段, 柞水县政务服务中心): that place
                return {"address": told or f.NO_PLACE}
            dispatcher.utter_message(response="utter_address_roughly")
            return {"address": None}
        if len(text) < 2:
            dispatcher.utter_message(response="utter_address_too_short")
            return {"address": None}
        bare = _PUNCT_OR_SPACE.sub("", text)
        if len(bare) <= 6 and not _PLACE_WORD.search(bare) and _times_asked(tracker, "address") < 2 and (
                "回复" in bare or f.parse_anonymous(bare) is not None or f.parse_yes_no(bare) is not None):
            # "要回复", "匿名", "好的" at the address question answer something else, not where
            dispatcher.utter_message(response="utter_address_where_first")
            return {"address": None}
        if len(text) > 200:
            dispatcher.utter_message(response="utter_address_too_long")
            return {"address": None}
        other = find_other_region(text)
        if other and district_mention(text) is None and (_CITY_OR_PROVINCE.search(other) or _NOT_SHANGLUO.search(text)):
            # (a bare county-level name inside an address is no such evidence: 金水湾小区 is not 郑州市金水区)
            # "其实是在西安市长安区那个分店，不在商洛": the matter is outside the city after all (第二十三条)
            dispatcher.utter_message(text=cross_region_reply(other))
            dispatcher.utter_message(response="utter_district_if_in_shangluo")
            return {"address": None, "district": None}
        if _times_asked(tracker, "address") < 2 and not names_a_place(text):
            # "别说是我举报的", "这些司机太瞎咧": more of the matter, not where it is; kept, and asked again
            kept: Dict[str, Any] = {"address": None}
            told = f.clean(tracker.get_slot("description"))
            if (told and len(bare) >= 6 and bare not in _PUNCT_OR_SPACE.sub("", told)
                    and len(told) + len(text) < f.MAX_DESCRIPTION_CHARS):
                kept["description"] = f"{told}，{text}"
            if f.anonymity_wish(text) and tracker.get_slot("order_type") in f.ANONYMITY_ALLOWED:
                kept["anonymous"] = True
            dispatcher.utter_message(response="utter_address_again_kept" if "description" in kept else "utter_address_again")
            return kept
        return {"address": _with_town(tracker, text), **_details_in_passing(tracker, text)}

    # ------------------------------------------------------------ time
    def validate_occurred_at(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if _answer_is_about_another_field(tracker, "occurred_at"):
            return {"occurred_at": None}
        text = f.clean(value)
        elsewhere = _answer_for_another_slot(tracker, text, "occurred_at") if _asked(tracker, "occurred_at") else {}
        if elsewhere and parse_time(text) is None:
            return _taken_elsewhere(dispatcher, elsewhere, "occurred_at")
        answer = f.parse_occurred_at(text) or f.UNKNOWN_TIME
        if answer == f.UNKNOWN_TIME and tracker.get_slot(REQUESTED_SLOT) == "occurred_at":
            rough = specific_time(f.citizens_words(tracker.get_slot("description")))
            if rough is not None:
                return {"occurred_at": rough.words}  # "记不清了": the rough time the matter was told with
        if answer == f.UNKNOWN_TIME or tracker.get_slot(REQUESTED_SLOT) != "occurred_at":
            return {"occurred_at": answer}
        mention = parse_time(text)
        first_answer = _times_asked(tracker, "occurred_at") < 2
        if mention is None and [s for s in _filled_this_turn(tracker, "occurred_at") if s != REQUESTED_SLOT]:
            return {"occurred_at": None}  # "我叫闫红霞": the name is taken, the time question follows again
        if mention is None and first_answer:
            dispatcher.utter_message(response="utter_time_not_understood")
            return {"occurred_at": None}
        if mention is None and not first_answer and (f.parse_yes_no(text) is not None or len(_PUNCT_OR_SPACE.sub("", text)) <= 2):
            # "要", "嗯" a second time: no time to store; the rough one told before, or 不详
            rough = specific_time(f.citizens_words(tracker.get_slot("description")))
            return {"occurred_at": rough.words if rough is not None else f.UNKNOWN_TIME}
        if mention is not None and mention.in_future and first_answer:
            dispatcher.utter_message(response="utter_time_in_future", words=mention.words)
            return {"occurred_at": None}
        return {"occurred_at": answer}

    # ------------------------------------------------------------ anonymity
    def validate_anonymous(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        explicit = f.parse_anonymous(latest_text(tracker))
        if explicit is not None:  # "实名" may be read as affirm; the words themselves win
            anonymous: Optional[bool] = explicit
        elif isinstance(value, bool):
            anonymous = value
        else:
            anonymous = f.parse_anonymous(value)
            if anonymous is None and (find_phone(f.clean(value)) or f.parse_yes_no(value) is False):
                anonymous = False
        if anonymous is None and _times_asked(tracker, "anonymous") >= 2:
            anonymous = False  # no dead end: real name, and the citizen may still decline to give a name
        if anonymous is None:
            dispatcher.utter_message(response="utter_anonymous_choose")
            return {"anonymous": None}
        result: Dict[Text, Any] = {"anonymous": anonymous}
        if anonymous:
            result["contact_name"] = None  # the reply question comes next; a number given now is kept
            phone = find_phone(f.clean(latest_text(tracker)))
            if phone:
                result.update({"contact_phone": phone, "reply_required": True})
            elif in_email_mode(tracker):
                result["reply_required"] = False  # the mail's phone line was left empty: no reply wanted
        elif not isinstance(value, bool):
            phone = find_phone(f.clean(value))
            if phone:
                result["contact_phone"] = phone
        return result

    # ------------------------------------------------------------ contact
    def validate_contact_name(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if _answer_is_about_another_field(tracker, "contact_name"):
            return {"contact_name": None}
        name = _name_from_answer(value)
        if name:
            # "我叫刘芳芳，手机15991401234，不用回复了": the number and the reply wish are answers too
            told = f.clean(value)
            extra: Dict[str, Any] = _details_in_passing(tracker, told, phone=True)
            extra.pop("district", None)
            wish = f.parse_reply_wish(told) if len(told) > len(name) + 6 else None
            if wish is not None and tracker.get_slot("reply_required") is None:
                extra["reply_required"] = wish
            return {"contact_name": name, **extra}
        text = f.clean(value)
        phone = normalize_phone(text) or find_phone(text)
        if phone and not tracker.get_slot("contact_phone"):
            return {"contact_name": None, "contact_phone": phone}
        if _times_asked(tracker, "contact_name") >= 2:
            # no dead end: the order goes on without a name; the phone reaches the citizen
            dispatcher.utter_message(response="utter_name_optional")
            return {"contact_name": f.NAME_NOT_GIVEN}
        if f.refuses_name(text):
            order_type = tracker.get_slot("order_type")
            if order_type in f.ASKS_REPLY and order_type not in f.ANONYMITY_ALLOWED and not _own_rights(tracker):
                # a help request about a road, a lamp, a neighbourhood is not 维护自身权益
                # (第七条(九)): it goes in without a name, the reply question comes next
                dispatcher.utter_message(response="utter_name_not_needed")
                return {"contact_name": None, "anonymous": True}
            if order_type in f.ANONYMITY_ALLOWED and not _own_rights(tracker):
                dispatcher.utter_message(response="utter_name_or_anonymous")
            else:
                dispatcher.utter_message(response="utter_name_needed_own_rights")
            return {"contact_name": None}
        if f.parse_anonymous(text) is False:
            dispatcher.utter_message(response="utter_real_name_noted")  # "实名", "不匿名": the name question follows
            return {"contact_name": None, "anonymous": False}
        dispatcher.utter_message(response="utter_name_example")
        return {"contact_name": None}

    def validate_contact_phone(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        text = f.clean(value)
        phone = normalize_phone(text) or find_phone(text)
        if (not phone and tracker.get_slot("anonymous") is True and tracker.get_slot(REQUESTED_SLOT) == "contact_phone"
                and (_DECLINES_PHONE.search(text) or f.parse_yes_no(text) is False)):
            return self._no_phone(dispatcher, tracker)  # the number is optional when anonymous
        if not phone:
            if tracker.get_slot("requested_slot") != "contact_phone":
                return {"contact_phone": previous_slot_value(tracker, "contact_phone")}
            if _times_asked(tracker, "contact_phone") >= 2:
                return self._no_phone(dispatcher, tracker)
            dispatcher.utter_message(response="utter_phone_invalid")
            return {"contact_phone": None}
        previous = tracker.get_slot("requested_slot")
        if previous != "contact_phone" and f.is_correction(latest_text(tracker)):
            dispatcher.utter_message(response="utter_phone_changed", phone=phone)
        return {"contact_phone": phone}

    def _no_phone(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> Dict[Text, Any]:
        """No dead end when no number comes: the order goes in without one, as an
        anonymous one the unit cannot call back; a rights complaint needs a real name
        (第七条(九)), so a person is offered instead."""
        if tracker.get_slot("anonymous") is True:
            if tracker.get_slot("reply_required") is False:
                dispatcher.utter_message(response="utter_phone_not_given")
            else:
                dispatcher.utter_message(response="utter_phone_not_given_no_reply")
            return {"contact_phone": f.PHONE_NOT_GIVEN, "reply_required": False}
        if _own_rights(tracker):
            dispatcher.utter_message(response="utter_phone_needed_own_rights")
            return {"contact_phone": None}
        dispatcher.utter_message(response="utter_phone_none_anonymous")
        # no number and no reply: the optional number is not asked again (it was just declined)
        return {"contact_phone": f.PHONE_NOT_GIVEN, "anonymous": True, "contact_name": None, "reply_required": False}

    # ------------------------------------------------------------ reply wanted
    def validate_reply_required(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        text = latest_text(tracker)
        explicit = f.parse_reply_wish(text)
        if explicit is None:
            explicit = f.parse_yes_no(text)
        answer = explicit if explicit is not None else (value if isinstance(value, bool) else None)
        if answer is None and _times_asked(tracker, "reply_required") >= 2:
            answer = True  # no dead end: the unit replies, as it does by default (第十九条)
        if answer is None:
            dispatcher.utter_message(response="utter_reply_choose")
        return {"reply_required": answer}

    # ------------------------------------------------------------ confirmation
    def validate_order_confirmed(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if value is True:
            return {"order_confirmed": True}
        text = f.clean(value)
        corrected = _filled_this_turn(tracker, "order_confirmed")
        if corrected:
            return {"order_confirmed": None}  # the summary is shown again with the new value
        named = fields_to_ask_again(text)
        wish = f.parse_reply_wish(text) if named == ["reply_required"] else None
        if wish is not None:
            # "结果就不用专门回复我了": the field and its new value in one sentence
            dispatcher.utter_message(response="utter_reply_changed_yes" if wish else "utter_reply_changed_no")
            return {"order_confirmed": None, "reply_required": wish}
        if named:
            dispatcher.utter_message(response="utter_field_again")
            return {"order_confirmed": None, **{slot: None for slot in named}}
        if _ASKS.search(text) and not _EXPLICIT_CONFIRM.search(text):
            # "这个一般几天能处理好？" at the summary is a question, not a yes (处理好 holds a 好)
            order_type = tracker.get_slot("order_type") or f.DEFAULT_ORDER_TYPE
            if f.asks_when_the_result_comes(text):
                dispatcher.utter_message(response="utter_deadline_before_confirm", order_type=order_type,
                                         days=f.deadline_days(order_type))
            else:
                dispatcher.utter_message(response="utter_question_before_confirm")
            return {"order_confirmed": None}
        if f.parse_yes_no(text) is True and (latest_intent(tracker) != "deny" or _EXPLICIT_CONFIRM.search(text)):
            return {"order_confirmed": True}  # "queren，确认": the word wins over a classifier's deny
        if _SUBMIT_NOW.search(text) and not _NOT_NOW.search(text):
            return {"order_confirmed": True}  # "快提交", "赶紧交上去": no yes-word, but the wish is plain
        dispatcher.utter_message(response="utter_which_field")
        return {"order_confirmed": None}


def fields_to_ask_again(text: str) -> List[str]:
    """Fields the citizen names for a change without giving the new value."""
    named = f.fields_named(text)
    if "contact_phone" in named and find_phone(text):
        named.remove("contact_phone")
    return named


class ActionAskAnonymous(Action):
    def name(self) -> Text:
        return "action_ask_anonymous"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        if in_email_mode(tracker) and tracker.get_slot(QUESTIONS_SLOT):
            dispatcher.utter_message(text=tracker.get_slot(QUESTIONS_SLOT))  # every missing detail in one mail
            return []
        order_type = tracker.get_slot("order_type")
        if order_type == "表扬":
            text = "您想署名表扬还是匿名表扬？署名的话请接着告诉我您的称呼和电话。"
        else:
            text = (
                "您需要匿名反映吗？实名并留下电话，承办单位可以联系您核实情况、回复办理结果；"
                "匿名的话，承办单位看不到您的姓名和电话，想知道结果也可以留个电话，由热线回复您。"
            )
        dispatcher.utter_message(
            text=text,
            buttons=[{"title": "匿名", "payload": "/affirm"}, {"title": "实名", "payload": "/deny"}],
        )
        return []


class ActionAskOccurredAt(Action):
    """The time question; when the matter was told with a rough time (三天了, 上周) it asks
    for the day and says the rough time is kept otherwise."""

    def name(self) -> Text:
        return "action_ask_occurred_at"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        description = f.citizens_words(tracker.get_slot("description"))
        rough = specific_time(description) if description and not in_email_mode(tracker) else None
        if rough is not None and is_coarse(description, rough):
            dispatcher.utter_message(response="utter_ask_occurred_at_rough", rough_time=rough.words)
        else:
            dispatcher.utter_message(response="utter_ask_occurred_at")
        return []


class ActionAskOrderConfirmed(Action):
    def name(self) -> Text:
        return "action_ask_order_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        order_type = tracker.get_slot("order_type") or f.DEFAULT_ORDER_TYPE
        dispatcher.utter_message(
            text=f.summary_text(order_type, tracker.slots, attachments=attachments.describe(
                attachments.collect(tracker.events, tracker.get_slot("form_run_id")))),
            buttons=[
                {"title": "确认提交", "payload": "/affirm"},
                {"title": "取消", "payload": "/stop"},
            ],
        )
        return []
