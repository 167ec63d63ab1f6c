"""Human takeover over email (issue 7): the citizen writes to the hotline's mailbox (real
Postfix + Dovecot, the email worker as its own process); the agent's messages and the
hand-back notice arrive as replies in the same thread; nothing is sent while the agent holds it."""
from __future__ import annotations


import pytest

from channels.email.threads import sender_id_for, thread_id_for
from tests.e2e.test_email_channel import _why, mail  # noqa: F401 - the worker fixture
from tests.e2e.test_takeover import AGENT, AGENT_PASSWORD, ConsoleUser, add_agent, tracker_events
from tests.support.email_peer import text_of
from tests.support.waiting import wait_until

pytestmark = pytest.mark.slow


def test_takeover_over_email(stack, mail):  # noqa: F811
    add_agent(stack, AGENT, AGENT_PASSWORD)
    agent = ConsoleUser(stack.gateway.url, AGENT, AGENT_PASSWORD)
    citizen = mail.citizen("takeover")
    first = citizen.send(citizen.new_mail("转人工", "我要转人工，想找话务员说说我家停水的事。"))
    sender = sender_id_for(thread_id_for(first["Message-ID"]))
    [answer] = citizen.wait_for_mails(1, check=_why(mail))
    assert "正在为您转接人工客服" in text_of(answer), text_of(answer)
    waiting = [h for h in agent.get("queue")["waiting"] if h["sender_id"] == sender]
    assert waiting and waiting[0]["channel"] == "email"

    assert agent.post("takeover", sender_id=sender).status_code == 200
    # the citizen writes again while held: the agent sees it, the bot sends nothing
    citizen.send(citizen.new_mail("", "商州区北新街12号，已经停水两天了。", reply_to=answer))
    wait_until(lambda: any("北新街12号" in t["text"] for t in agent.get("conversation", sender_id=sender)["turns"]),
          "the held mail in the console")

    assert agent.post("reply", sender_id=sender, text="您好，我是话务员王芳，已经为您联系供水公司。").status_code == 200
    mails = citizen.wait_for_mails(2, check=_why(mail))
    assert len(mails) == 2, [text_of(m) for m in mails]  # nothing from the bot while held
    reply = mails[1]
    assert "我是话务员王芳" in text_of(reply)
    assert reply["References"].split()[0] == first["Message-ID"]  # in the same thread

    assert agent.post("handback", sender_id=sender).status_code == 200
    notice = citizen.wait_for_mails(3, check=_why(mail))[2]
    assert "智能助手继续为您服务" in text_of(notice)
    assert any(e["event"] == "resume" for e in tracker_events(stack, sender))
    citizen.send(citizen.new_mail("", "请问公积金怎么提取？", reply_to=notice))
    assert len(citizen.wait_for_mails(4, check=_why(mail))) == 4  # the bot answers again
