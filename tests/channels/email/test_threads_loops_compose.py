"""Threading, loop protection and our replies."""
from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest

from channels.email.compose import compose_reply, render_messages, reply_subject
from channels.email.loops import why_not_answered
from channels.email.parsing import parse_mail
from channels.email.store import SQLiteStore
from channels.email.threads import linked_ids, normalise_subject, sender_id_for, thread_id_for
from channels.email.worker import resolve_thread

HOTLINE = "hotline@hotline.test"


def mail(**headers) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = headers.pop("From", "wang@citizen.test")
    msg["To"] = HOTLINE
    msg["Subject"] = headers.pop("Subject", "投诉噪音")
    msg["Message-ID"] = headers.pop("Message_ID", "<m1@citizen.test>")
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content("楼下烧烤店太吵了")
    return msg


def parsed(**headers):
    return parse_mail(mail(**headers).as_bytes())


# ---------------------------------------------------------------- threads

@pytest.mark.parametrize("subject", ["Re: 投诉噪音", "回复：投诉噪音", "答复: 投诉噪音", "Fwd: 投诉噪音", "RE: Re:回复：投诉噪音",
                                     "Re[2]: 投诉噪音", "转发：投诉噪音", "  投诉噪音 "])
def test_normalise_subject(subject):
    assert normalise_subject(subject) == "投诉噪音"


def test_linked_ids_nearest_first():
    assert linked_ids(["<c>"], ["<a>", "<b>", "<c>"]) == ["<c>", "<b>", "<a>"]


AUTHSERV = "mx.hotline.test"
DMARC_PASS = f"{AUTHSERV}; spf=pass smtp.mailfrom=citizen.test; dkim=pass header.d=citizen.test; " \
             "dmarc=pass (p=reject dis=none) header.from=citizen.test"


async def test_thread_by_our_message_ids_and_by_authenticated_subject(tmp_path):
    store = SQLiteStore(str(tmp_path / "s.db"))
    first = parsed(Authentication_Results=DMARC_PASS)
    thread = await resolve_thread(store, first, AUTHSERV)
    assert thread == thread_id_for("<m1@citizen.test>")
    assert sender_id_for(thread).startswith("email-t")
    await store.link_ours("<our-reply@hotline.test>", thread)
    # the citizen answers our reply: In-Reply-To names it (no authentication needed: it knows our id)
    answer = parsed(Message_ID="<m2@citizen.test>", Subject="Re: 投诉噪音", In_Reply_To="<our-reply@hotline.test>",
                    References="<m1@citizen.test> <our-reply@hotline.test>")
    assert await resolve_thread(store, answer, AUTHSERV) == thread
    # naming only the citizen's own Message-ID (which others may know) joins nothing
    guess = parsed(Message_ID="<m6@citizen.test>", Subject="Re: 投诉噪音", In_Reply_To="<m1@citizen.test>",
                   References="<m1@citizen.test>")
    assert await resolve_thread(store, guess, AUTHSERV) == thread_id_for("<m6@citizen.test>")
    # a client that drops the headers: same sender, same subject, and our server saw DMARC pass
    bare = parsed(Message_ID="<m3@citizen.test>", Subject="回复：投诉噪音", Authentication_Results=DMARC_PASS)
    assert await resolve_thread(store, bare, AUTHSERV) == thread
    # the same without DMARC pass (a forged From), or with a pass claimed by another server: a thread of its own
    forged = parsed(Message_ID="<m7@evil.test>", Subject="回复：投诉噪音")
    assert await resolve_thread(store, forged, AUTHSERV) == thread_id_for("<m7@evil.test>")
    claimed = parsed(Message_ID="<m8@evil.test>", Subject="回复：投诉噪音",
                     Authentication_Results=DMARC_PASS.replace(AUTHSERV, "mx.evil.test"))
    assert await resolve_thread(store, claimed, AUTHSERV) != thread
    # the forged mail's thread never became the subject's thread
    assert await resolve_thread(store, parsed(Message_ID="<m9@citizen.test>", Subject="投诉噪音",
                                              Authentication_Results=DMARC_PASS), AUTHSERV) == thread
    # without EMAIL_AUTHSERV_ID nothing joins by subject
    assert await resolve_thread(store, parsed(Message_ID="<m10@citizen.test>", Authentication_Results=DMARC_PASS)) \
        == thread_id_for("<m10@citizen.test>")
    # another sender with the same subject is another conversation
    other = parsed(Message_ID="<m4@x.test>", From="li@citizen.test", Subject="Re: 投诉噪音",
                   Authentication_Results=DMARC_PASS)
    assert await resolve_thread(store, other, AUTHSERV) != thread
    # a new subject is a new thread
    new = parsed(Message_ID="<m5@citizen.test>", Subject="路灯坏了", Authentication_Results=DMARC_PASS)
    assert await resolve_thread(store, new, AUTHSERV) != thread


@pytest.mark.parametrize("results, passed", [
    ([DMARC_PASS], True),
    ([DMARC_PASS.replace(AUTHSERV, "MX.Hotline.Test")], True),
    ([DMARC_PASS.replace("dmarc=pass", "dmarc=fail")], False),
    ([f"{AUTHSERV}; dmarc=none header.from=citizen.test"], False),
    ([DMARC_PASS.replace("header.from=citizen.test", "header.from=evil.test")], False),
    ([f"{AUTHSERV}; dmarc=fail header.from=citizen.test", DMARC_PASS], False),  # a forged pass below ours
    ([DMARC_PASS.replace(AUTHSERV, "mx.evil.test")], False),
    ([f"{AUTHSERV}; spf=pass smtp.mailfrom=citizen.test"], False),  # no DMARC verdict
    ([], False),
])
def test_dmarc_pass_of_our_own_server_only(results, passed):
    from channels.email.authentication import dmarc_passed

    assert dmarc_passed(results, "wang@citizen.test", AUTHSERV) is passed


def test_nested_mime_is_refused_without_recursion_error():
    from channels.email.parsing import UnparseableMail

    def nested(depth: int) -> bytes:
        head = b"From: a@citizen.test\r\nTo: hotline@hotline.test\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
        opening = b"".join(b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (i, i)
                           for i in range(depth))
        closing = b"".join(b"--b%d--\r\n" % i for i in reversed(range(depth)))
        return head + opening + b"Content-Type: text/plain\r\n\r\nhello\r\n" + closing

    assert parse_mail(nested(5)).text == "hello"
    for depth in (31, 2000):
        with pytest.raises(UnparseableMail):
            parse_mail(nested(depth))


# ---------------------------------------------------------------- loop protection

@pytest.mark.parametrize("headers", [
    {"Auto_Submitted": "auto-replied"},
    {"Auto_Submitted": "auto-generated"},
    {"Precedence": "bulk"},
    {"Precedence": "junk"},
    {"Precedence": "list"},
    {"List_Id": "<news.example.test>"},
    {"List_Unsubscribe": "<mailto:u@example.test>"},
    {"X_Autoreply": "yes"},
    {"From": "MAILER-DAEMON@mail.example.test"},
    {"From": "postmaster@example.test"},
    {"From": "noreply@example.test"},
    {"From": "bounces+123@example.test"},
    {"From": HOTLINE},
    {"Return_Path": "<>"},
])
def test_robots_are_not_answered(headers):
    assert why_not_answered(parsed(**headers), HOTLINE)


def test_bounce_report_is_not_answered():
    raw = (b"From: someone@example.test\r\nTo: hotline@hotline.test\r\nSubject: Undelivered\r\nMessage-ID: <b@x>\r\n"
           b"MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=XX\r\n\r\n"
           b"--XX\r\nContent-Type: text/plain\r\n\r\nfailed\r\n--XX--\r\n")
    assert why_not_answered(parse_mail(raw), HOTLINE)


def test_unusable_sender_is_not_answered():
    assert why_not_answered(parsed(From="not an address"), HOTLINE)
    unusable_reply_to = parsed(Reply_To="bad@@x")  # an unusable Reply-To: the reply goes to From
    assert unusable_reply_to.answer_to == "wang@citizen.test" and why_not_answered(unusable_reply_to, HOTLINE) is None


def test_citizen_mail_is_answered():
    assert why_not_answered(parsed(), HOTLINE) is None
    assert why_not_answered(parsed(Auto_Submitted="no"), HOTLINE) is None


# ---------------------------------------------------------------- composing

def test_reply_subject():
    assert reply_subject("投诉噪音") == "Re: 投诉噪音"
    assert reply_subject("Re: 投诉噪音") == "Re: 投诉噪音"
    assert reply_subject("回复：投诉噪音") == "回复：投诉噪音"
    assert reply_subject("") == "Re: 您给12345热线的来信"
    assert "\n" not in reply_subject("a\r\nBcc: x@y")


def test_render_buttons_as_reply_hints():
    body = render_messages([{"text": "请核对"}, {"text": "", "buttons": [{"title": "确认提交", "payload": "/affirm"}]}])
    assert body == "请核对\n\n（可直接回复：“确认提交”）"


def test_threaded_reply_headers_and_body():
    reply = compose_reply(text="您好，已收到。", from_address=HOTLINE, display_name="商洛12345热线",
                          to_address="wang@citizen.test", to_name="王建军", subject="投诉噪音",
                          in_reply_to="<m2@citizen.test>", references=["<m1@citizen.test>"])
    back = message_from_bytes(reply.as_bytes(), policy=policy.default)
    assert back["In-Reply-To"] == "<m2@citizen.test>"
    assert back["References"].split() == ["<m1@citizen.test>", "<m2@citizen.test>"]
    assert back["Subject"] == "Re: 投诉噪音"
    assert back["Auto-Submitted"] == "auto-replied"
    assert back["Message-ID"].endswith("@hotline.test>")
    assert back["From"].addresses[0].display_name == "商洛12345热线"
    plain = back.get_body(("plain",)).get_content()
    html = back.get_body(("html",)).get_content()
    assert "您好，已收到。" in plain and "12345" in plain
    assert "您好，已收到。" in html


def test_reply_html_escapes_text():
    reply = compose_reply(text="<script>alert(1)</script>", from_address=HOTLINE, display_name="商洛12345热线",
                          to_address="wang@citizen.test", subject="x", in_reply_to=None)
    html = message_from_bytes(reply.as_bytes(), policy=policy.default).get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_our_reply_is_not_answered_by_ourselves():
    reply = compose_reply(text="x", from_address=HOTLINE, display_name="商洛12345热线",
                          to_address="wang@citizen.test", subject="x", in_reply_to=None)
    assert why_not_answered(parse_mail(reply.as_bytes()), HOTLINE)
