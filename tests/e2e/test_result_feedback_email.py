"""Issue 14 over email: the result arrives as one reply in the citizen's thread (real Postfix +
Dovecot, the email worker), and the citizen's emailed answer 满意 is recorded as the rating."""
from __future__ import annotations

import time

import pytest

from channels.email.threads import sender_id_for, thread_id_for
from tests.e2e.test_email_channel import _why, mail  # noqa: F401 - the worker fixture
from tests.e2e.test_result_feedback import REPLY, completed, model_rates, order, wait_outcome
from tests.support.email_peer import text_of

pytestmark = pytest.mark.slow


def test_result_as_a_reply_in_the_thread_then_rated_by_mail(stack, mail):  # noqa: F811
    citizen = mail.citizen("result")
    first = citizen.send(citizen.new_mail("咨询", "你好，请问公积金怎么提取？"))
    sender = sender_id_for(thread_id_for(first["Message-ID"]))
    citizen.wait_for_mails(1, check=_why(mail))

    order_no = completed(stack, "email", sender)
    mails = citizen.wait_for_mails(2, check=_why(mail))
    result = mails[1]
    body = text_of(result)
    assert order_no in body and REPLY["result"] in body and "“不满意”" in body, body
    assert result["References"].split()[0] == first["Message-ID"]  # in the order's thread
    assert wait_outcome(stack, order_no)["outcome"] == "delivered"
    time.sleep(1.5)
    assert len(citizen.inbox()) == 2  # one reply with the result, never a second

    if not model_rates(stack):
        pytest.skip("the model in use has no rate_order intent (models/ needs retraining with bot/domain/feedback.yml)")
    citizen.send(citizen.new_mail("", "满意", reply_to=result))
    thanks = citizen.wait_for_mails(3, check=_why(mail))[2]
    assert "感谢您的评价" in text_of(thanks), text_of(thanks)
    assert order(stack, order_no)["satisfaction"] == "满意"
