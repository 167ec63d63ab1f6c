"""The email channel for real: citizens send over SMTP to Postfix, Dovecot stores the mail,
the worker (`python -m channels.email`, its own process) reads it over IMAP with IDLE,
the Rasa server of the shared stack answers through the email channel over SMTP, and the
citizen reads the answers in their own IMAP inbox."""
from __future__ import annotations

import base64
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
import redis

from channels.email.threads import sender_id_for, thread_id_for
from tests.support.email_peer import HOTLINE, MailPeer, text_of
from tests.support.waiting import wait_until

pytestmark = pytest.mark.slow

COMPLAINT = "我要投诉，商州区北新街的烧烤店每天晚上油烟和噪音扰民，一直吵到凌晨两点，希望相关部门管一管。"


@pytest.fixture(scope="module")
def mail(stack):
    if stack.mail is None:
        pytest.skip(MailPeer.start_error or "no mail server")
    peer = stack.mail
    peer.env = peer.worker_env(stack.rasa.url, stack.redis_url, stack.redis_prefix, stack.gateway.url, stack.gateway_token)
    peer.start_worker(peer.env)
    yield peer
    if peer.worker is not None:
        peer.worker.stop()
        peer.worker = None


def _state(stack, message_id: str):
    r = redis.Redis.from_url(stack.redis_url)
    try:
        value = r.hget(f"{stack.redis_prefix}:email:mail:{message_id}", "status")
        return value.decode() if value else None
    finally:
        r.close()


def _why(mail):
    return lambda: (mail.worker.log_tail() if mail.worker else "") + "\n" + mail.server.log_tail()


def test_complaint_by_mail_becomes_an_order_after_one_exchange(stack, mail):
    citizen = mail.citizen("wang")
    first = citizen.send(citizen.new_mail("投诉烧烤店噪音", COMPLAINT))
    sender = sender_id_for(thread_id_for(first["Message-ID"]))

    [ask] = citizen.wait_for_mails(1, check=_why(mail))
    assert ask["In-Reply-To"] == first["Message-ID"]
    assert ask["Subject"] == "Re: 投诉烧烤店噪音"
    assert ask["Auto-Submitted"] == "auto-replied"
    body = text_of(ask)
    # every missing detail in one numbered block
    assert "1. " in body and "2. " in body, body
    for label in ("是否匿名", "您的姓名", "联系电话", "是否需要回复"):
        assert label in body, body
    assert ask.get_body(("html",)) is not None

    answer = ("详细地址：北新街88号楼下\n发生时间：每天晚上十点以后\n是否匿名：实名\n"
              "您的姓名：王建军\n联系电话：13891401234\n是否需要回复办理结果：需要\n\n发自我的iPhone")
    citizen.send(citizen.new_mail("", answer, reply_to=ask))
    summary = citizen.wait_for_mails(2, check=_why(mail))[1]
    text = text_of(summary)
    assert "请核对" in text and "13891401234" in text and "北新街88号楼下" in text and "王建军" in text, text
    assert "确认" in text
    assert summary["References"].split()[0] == first["Message-ID"]

    citizen.send(citizen.new_mail("", "确认", reply_to=summary))
    done = citizen.wait_for_mails(3, check=_why(mail))[2]
    [order] = stack.orders_of(sender)
    assert "工单编号" in text_of(done) and order["order_no"] in text_of(done), text_of(done)
    assert order["channel"] == "email"
    assert order["type"] == "投诉"
    assert order["district"] == "商州区"
    assert order["contact_phone"] == "13891401234"
    assert order["address"] == "北新街88号楼下"


def _gbk_mail(citizen, subject: str, body: str, ctype: str = "plain") -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = citizen.address
    msg["To"] = HOTLINE
    msg["Subject"] = "=?GBK?B?" + base64.b64encode(subject.encode("gbk")).decode() + "?="
    msg["Message-ID"] = make_msgid(domain="citizen.test")
    msg.set_content(body.encode("gbk"), maintype="text", subtype=ctype, cte="base64")
    msg.replace_header("Content-Type", f"text/{ctype}; charset=GBK")
    return msg


def test_gbk_mail_is_understood(stack, mail):
    citizen = mail.citizen("gbk")
    citizen.send(_gbk_mail(citizen, "求助：路灯", "山阳县城关镇河堤路的路灯坏了一个多月了，晚上出行很危险，请帮忙修一下。"))
    [reply] = citizen.wait_for_mails(1, check=_why(mail))
    assert reply["Subject"] == "Re: 求助：路灯"
    body = text_of(reply)
    assert "联系电话" in body and "1. " in body, body  # the matter was read: only the details are asked


def test_html_only_mail_is_understood(stack, mail):
    citizen = mail.citizen("html")
    markup = ("<html><body><div>您好：</div><p>洛南县城关街道&nbsp;幸福小区已经停水两天了，"
              "物业也联系不上，老人孩子生活很不方便。</p><script>alert(1)</script></body></html>")
    citizen.send(_gbk_mail(citizen, "停水", markup, ctype="html"))
    [reply] = citizen.wait_for_mails(1, check=_why(mail))
    body = text_of(reply)
    assert "联系电话" in body and "alert" not in body, body


def test_mail_sent_while_the_worker_is_down_is_answered_when_it_returns(stack, mail):
    mail.worker.stop()
    citizen = mail.citizen("down")
    sent = citizen.send(citizen.new_mail("咨询", "镇安县的公积金怎么提取？需要带什么材料？"))
    wait_until(lambda: _delivered(mail, sent["Message-ID"]), what="delivery to the hotline mailbox")
    assert citizen.inbox() == []
    mail.start_worker(mail.env)
    [reply] = citizen.wait_for_mails(1, check=_why(mail))
    assert reply["In-Reply-To"] == sent["Message-ID"]
    wait_until(lambda: mail.is_seen(sent["Message-ID"]), what="the mail marked seen")


def test_worker_killed_mid_handling_answers_once(stack, mail):
    citizen = mail.citizen("kill")
    sent = citizen.send(citizen.new_mail("投诉", COMPLAINT))
    # the worker has handed the mail over: kill it as a crash would, while Rasa is still answering
    wait_until(lambda: _state(stack, sent["Message-ID"]) in ("handling", "answered", "done"), what="the mail claimed")
    mail.worker.kill()
    mail.start_worker(mail.env)
    citizen.wait_for_mails(1, check=_why(mail))
    wait_until(lambda: mail.is_seen(sent["Message-ID"]), what="the mail marked seen")
    # a later mail in another thread is answered too, so the worker is past the first one
    other = mail.citizen("after")
    other.send(other.new_mail("表扬", "表扬商州区政务大厅的工作人员，服务特别耐心。"))
    other.wait_for_mails(1, check=_why(mail))
    assert len(citizen.inbox()) == 1
    assert _state(stack, sent["Message-ID"]) == "done"
    # and the bot read the mail once
    import httpx

    sender = sender_id_for(thread_id_for(sent["Message-ID"]))
    tracker = httpx.get(f"{stack.rasa.url}/conversations/{sender}/tracker", params={"token": stack.rasa_token},
                        timeout=30).json()
    assert len([e for e in tracker["events"] if e.get("event") == "user"]) == 1


@pytest.mark.parametrize("kind", ["auto_reply", "bounce", "list", "precedence_bulk"])
def test_robots_are_not_answered(stack, mail, kind):
    robot = mail.citizen(kind)
    msg = EmailMessage()
    msg["From"] = robot.address
    msg["To"] = HOTLINE
    msg["Message-ID"] = make_msgid(domain="robot.test")
    msg["Subject"] = "自动回复：您的来信已收到"
    if kind == "auto_reply":
        msg["Auto-Submitted"] = "auto-replied"
    elif kind == "list":
        msg["List-Id"] = "<news.list.test>"
        msg.replace_header("Subject", "本周新闻")
    elif kind == "precedence_bulk":
        msg["Precedence"] = "bulk"
    msg.set_content("我要投诉，小区停水两天了，商州区北新街。")
    if kind == "bounce":
        msg.replace_header("Subject", "Undelivered Mail Returned to Sender")
        msg.make_mixed()
        msg.set_type("multipart/report")
        msg.set_param("report-type", "delivery-status")
    robot.send(msg)
    wait_until(lambda: _state(stack, msg["Message-ID"]) == "ignored", what=f"{kind} ignored")
    wait_until(lambda: mail.is_seen(msg["Message-ID"]), what=f"{kind} marked seen")
    # a citizen mail sent after it is answered, so the robot's would have been by now
    citizen = mail.citizen("after-" + kind)
    citizen.send(citizen.new_mail("咨询", "请问商洛市社保卡在哪里办理？"))
    citizen.wait_for_mails(1, check=_why(mail))
    assert robot.inbox() == []


def _delivered(mail, message_id: str) -> bool:
    imap = mail.hotline_inbox()
    try:
        _, data = imap.search(None, "HEADER", "Message-ID", message_id)
        return bool(data[0].split())
    finally:
        imap.logout()


def test_agent_message_reaches_the_citizen_as_a_threaded_reply(stack, mail):
    """Takeover contract: the gateway sends an agent's message through Rasa's tracker events API."""
    import httpx

    citizen = mail.citizen("agent")
    first = citizen.send(citizen.new_mail("咨询", "请问商洛市社保卡在哪里办理？"))
    [reply] = citizen.wait_for_mails(1, check=_why(mail))
    sender = sender_id_for(thread_id_for(first["Message-ID"]))
    response = httpx.post(
        f"{stack.rasa.url}/conversations/{sender}/tracker/events",
        params={"execute_side_effects": "true", "output_channel": "latest", "token": stack.rasa_token},
        json={"event": "bot", "text": "您好，我是值班话务员小李，社保卡可以在各县区政务服务中心办理。", "metadata": {"agent": "小李"}},
        timeout=30)
    response.raise_for_status()
    agent = citizen.wait_for_mails(2, check=_why(mail))[1]
    assert agent["In-Reply-To"] == first["Message-ID"]
    assert "值班话务员小李" in text_of(agent)


# a 1×1 PNG
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==")


def test_mail_attachment_goes_with_the_order(stack, mail):
    import httpx

    citizen = mail.citizen("photo")
    first = citizen.new_mail("求助：路灯坏了", "丹凤县龙驹寨街道江滨路的路灯坏了一个多月，晚上出门很不方便，照片见附件。")
    first.add_attachment(PNG, maintype="image", subtype="png", filename="现场照片.png")
    citizen.send(first)
    sender = sender_id_for(thread_id_for(first["Message-ID"]))
    [ask] = citizen.wait_for_mails(1, check=_why(mail))
    answer = ("详细地址：江滨路中段\n您的姓名：刘芳\n联系电话：15191401234\n是否需要回复办理结果：需要")
    citizen.send(citizen.new_mail("", answer, reply_to=ask))
    summary = citizen.wait_for_mails(2, check=_why(mail))[1]
    assert "1张图片" in text_of(summary), text_of(summary)
    citizen.send(citizen.new_mail("", "确认", reply_to=summary))
    done = citizen.wait_for_mails(3, check=_why(mail))[2]
    orders = stack.orders_of(sender)
    assert len(orders) == 1, text_of(summary) + "\n=====\n" + text_of(done)
    [order] = orders
    files = httpx.get(f"{stack.gateway.url}/api/v1/orders/{order['order_no']}/attachments",
                      params={"sender_id": order["sender_id"]},
                      headers={"Authorization": f"Bearer {stack.gateway_token}"}, timeout=10).json()
    assert [f["content_type"] for f in files] == ["image/png"], files
