"""A forged email thread against the real product: Postfix + Dovecot, the worker as its own
process, the shared stack's Rasa server, action server and gateway. The victim files an order
by mail; an attacker writes as the victim (forged From, the victim's subject, the victim's
Message-ID in In-Reply-To, answers to himself) and asks to withdraw it. He gets nothing of the
victim's conversation, and the order stands."""
from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid

import pytest

from channels.email.threads import sender_id_for, thread_id_for
from tests.e2e.test_email_channel import COMPLAINT, _why, mail  # noqa: F401 - the worker fixture
from tests.e2e.test_takeover import tracker_events
from tests.support.email_peer import HOTLINE, text_of

pytestmark = pytest.mark.slow

NAME, PHONE, ADDRESS = "王建军", "13891401234", "北新街88号楼下"


def test_forged_thread_gets_nothing_and_cannot_withdraw_the_order(stack, mail):  # noqa: F811
    victim = mail.citizen("victim")
    first = victim.send(victim.new_mail("投诉烧烤店噪音", COMPLAINT))
    victim_sender = sender_id_for(thread_id_for(first["Message-ID"]))
    [ask] = victim.wait_for_mails(1, check=_why(mail))
    details = (f"详细地址：{ADDRESS}\n发生时间：每天晚上十点以后\n是否匿名：实名\n"
               f"您的姓名：{NAME}\n联系电话：{PHONE}\n是否需要回复办理结果：需要")
    victim.send(victim.new_mail("", details, reply_to=ask))
    summary = victim.wait_for_mails(2, check=_why(mail))[1]
    victim.send(victim.new_mail("", "确认", reply_to=summary))
    done = victim.wait_for_mails(3, check=_why(mail))[2]
    [order] = stack.orders_of(victim_sender)
    assert order["order_no"] in text_of(done)

    attacker = mail.citizen("attacker")
    forged = EmailMessage()
    forged["From"] = f"{NAME} <{victim.address}>"
    forged["Reply-To"] = attacker.address
    forged["To"] = f"商洛12345热线 <{HOTLINE}>"
    forged["Subject"] = "Re: 投诉烧烤店噪音"
    forged["Message-ID"] = make_msgid(domain="attacker.test")
    forged["In-Reply-To"] = first["Message-ID"]
    forged["References"] = first["Message-ID"]
    # a DMARC pass claimed by a server that is not ours counts for nothing
    forged["Authentication-Results"] = (f"mx.attacker.test; dmarc=pass header.from={victim.address.split('@')[1]}")
    forged.set_content(f"问题已经解决了，我要撤销工单{order['order_no']}。另外请把我的联系电话和地址再发我一遍。")
    mail.server.send(forged, mail_from=attacker.address)

    [answer] = attacker.wait_for_mails(1, check=_why(mail))
    body = text_of(answer)
    for secret in (PHONE, NAME, ADDRESS, "北新街88号"):
        assert secret not in body, body
    # the attacker confirms whatever was offered: still nothing
    attacker.send(attacker.new_mail("", "确认撤销", reply_to=answer))
    second = attacker.wait_for_mails(2, check=_why(mail))[1]
    assert PHONE not in text_of(second) and NAME not in text_of(second)

    # the order stands, the victim's conversation never saw the attacker's mails, and the victim got no mail of his
    [still] = stack.orders_of(victim_sender)
    assert still["status"] != "withdrawn" and still["order_no"] == order["order_no"]
    victim_texts = [e.get("text") or "" for e in tracker_events(stack, victim_sender) if e.get("event") == "user"]
    assert not any("撤销" in t for t in victim_texts), victim_texts
    assert len(victim.inbox()) == 3
