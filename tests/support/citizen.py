"""A scripted citizen: answers whatever the bot's order form asks, from a profile.

Channel tests (REST, WeChat, web widget, email) drive whole conversations with it
without depending on the exact order of questions.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, List, Optional


@dataclass
class Profile:
    district: str = "商州区"
    address: str = "北新街中段工商银行对面"
    when: str = "最近一个月每天晚上"
    anonymous: str = "实名"
    name: str = "我叫王建军"
    phone: str = "13891400001"
    reply: str = "需要回复"
    description: str = "北新街有个烧烤摊天天晚上吵到凌晨两点，油烟也大，根本睡不着"
    order_type: str = "求助"


# (keyword in the bot's question, attribute of the profile that answers it)
QUESTIONS = [
    ("请核对", None),  # the summary: confirm
    ("求助、投诉、举报", "order_type"),  # which type of matter, when neither words nor intent said it
    ("哪个县区", "district"),
    ("具体地址", "address"),
    ("什么时候发生", "when"),
    ("还记得具体是哪天", "when"),  # the matter was told with a rough time (两天, 上周)
    ("涉及具体地点", "address"),  # a consultation's place
    ("方便的话留个电话", "phone"),  # anonymous, no reply: the optional number
    ("匿名", "anonymous"),
    ("怎么称呼", "name"),
    ("电话号码", "phone"),
    ("回复您吗", "reply"),
    ("具体说说", "description"),
    ("说具体一点", "description"),
    ("说得具体", "description"),
]


def answer(bot_text: str, profile: Profile) -> Optional[str]:
    """The citizen's answer to the bot's last message, or None if it asks nothing we know."""
    for keyword, attribute in QUESTIONS:
        if keyword in bot_text:
            return "确认" if attribute is None else getattr(profile, attribute)
    return None


def run_form(send: Callable[[str], List[str]], first_message: str, profile: Profile, max_turns: int = 15) -> List[str]:
    """Sends `first_message`, then answers every question until the bot confirms an order.

    `send(text)` delivers one message and returns the bot's replies (texts).
    Returns the whole transcript of bot replies."""
    transcript: List[str] = []
    replies = send(first_message)
    for _ in range(max_turns):
        transcript += replies
        last = "\n".join(replies)
        if "工单编号" in last:
            return transcript
        reply = answer(replies[-1] if replies else "", profile) or answer(last, profile)
        if reply is None:
            raise AssertionError("the bot asked something the scripted citizen cannot answer:\n" + "\n---\n".join(transcript))
        replies = send(reply)
    raise AssertionError("no order after %d turns:\n%s" % (max_turns, "\n---\n".join(transcript)))
