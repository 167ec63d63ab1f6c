"""Decoding Chinese mail: charsets, transfer encodings, HTML-only mails, quoted history, signatures, attachments."""
from __future__ import annotations

import base64
import quopri

from channels.email.decoding import decode_bytes, decode_header_value, html_to_text
from channels.email.parsing import message_ids, parse_mail
from channels.email.quoting import strip_quoted

BODY = "我们小区（商州区北新街）楼下烧烤店每天晚上吵到两点，希望管一管。"


def raw_mail(body: bytes, *, charset: str, cte: str, ctype: str = "text/plain", subject: str = "Subject: test",
             extra: str = "") -> bytes:
    head = (
        f"From: =?utf-8?b?{base64.b64encode('王建军'.encode()).decode()}?= <wang@citizen.test>\r\n"
        "To: hotline@hotline.test\r\n"
        f"{subject}\r\n"
        "Message-ID: <abc123@citizen.test>\r\n"
        f"{extra}"
        "MIME-Version: 1.0\r\n"
        f"Content-Type: {ctype}; charset={charset}\r\n"
        f"Content-Transfer-Encoding: {cte}\r\n\r\n"
    )
    return head.encode("ascii") + body


def test_gbk_base64():
    mail = parse_mail(raw_mail(base64.encodebytes(BODY.encode("gbk")), charset="gbk", cte="base64"))
    assert mail.text == BODY
    assert mail.from_name == "王建军" and mail.from_address == "wang@citizen.test"
    assert mail.message_id == "<abc123@citizen.test>"


def test_gb2312_label_with_gbk_only_characters():
    # "镕" is not in GB2312 but clients send GBK text labelled gb2312
    text = "朱镕基路路灯坏了"
    mail = parse_mail(raw_mail(base64.encodebytes(text.encode("gbk")), charset="gb2312", cte="base64"))
    assert mail.text == text


def test_gb18030_quoted_printable():
    text = "㐀字符和商洛市山阳县"  # 㐀 needs GB18030 four-byte codes
    mail = parse_mail(raw_mail(quopri.encodestring(text.encode("gb18030")), charset="gb18030", cte="quoted-printable"))
    assert mail.text == text


def test_utf8_quoted_printable_and_8bit():
    mail = parse_mail(raw_mail(quopri.encodestring(BODY.encode()), charset="utf-8", cte="quoted-printable"))
    assert mail.text == BODY
    mail = parse_mail(raw_mail(BODY.encode(), charset="utf-8", cte="8bit"))
    assert mail.text == BODY


def test_wrong_label_falls_back():
    mail = parse_mail(raw_mail(base64.encodebytes(BODY.encode("gbk")), charset="utf-8", cte="base64"))
    assert mail.text == BODY
    mail = parse_mail(raw_mail(base64.encodebytes(BODY.encode("utf-8")), charset="x-unknown-charset", cte="base64"))
    assert mail.text == BODY


def test_encoded_subject_in_gb2312():
    subject = "Subject: =?GB2312?B?" + base64.b64encode("投诉噪音".encode("gb2312")).decode() + "?="
    mail = parse_mail(raw_mail(BODY.encode(), charset="utf-8", cte="8bit", subject=subject))
    assert mail.subject == "投诉噪音"


def test_html_only_mail_becomes_text():
    markup = (
        "<html><head><style>p{color:red}</style></head><body><div>您好：</div>"
        "<p>小区&nbsp;停水两天了<br>请帮忙&lt;联系&gt;自来水公司</p>"
        "<script>alert(1)</script>"
        '<div class="gmail_quote">在 2026年11月24日 写道：<blockquote>旧内容</blockquote></div></body></html>'
    )
    mail = parse_mail(raw_mail(base64.encodebytes(markup.encode("gbk")), charset="gbk", cte="base64", ctype="text/html"))
    assert mail.text == "小区 停水两天了\n请帮忙<联系>自来水公司"  # the greeting left out
    assert "alert" not in mail.text and "旧内容" not in mail.text and "color" not in mail.text


def test_qq_mail_html_history_is_dropped():
    markup = ("<div>确认</div><div><br></div><div style='font-size:12px'>------------------&nbsp;原始邮件&nbsp;------------------</div>"
              "<div><b>发件人:</b>&nbsp;商洛12345热线</div><div><b>发送时间:</b>&nbsp;2026年11月25日</div><div>请核对</div>")
    assert strip_quoted(html_to_text(markup)) == "确认"


def test_gmail_chinese_quote_is_cut():
    text = "1. 所在区县：商州区\n2. 联系电话：13891401234\n\n在 2026年11月25日周三 10:00，商洛12345热线 <hotline@hotline.test> 写道：\n> 请在回信中\n> 1. 所在区县："
    assert strip_quoted(text) == "1. 所在区县：商州区\n2. 联系电话：13891401234"


def test_gmail_wrapped_quote_header_is_cut():
    text = "确认\n\n在 2026年11月25日周三 上午10:00，\n商洛12345热线 <hotline@hotline.test> 写道：\n\n> 请核对"
    assert strip_quoted(text) == "确认"


def test_outlook_and_foxmail_headers_are_cut():
    outlook = "好的，确认\n\n________________________________\n发件人: 商洛12345热线 <hotline@hotline.test>\n发送时间: 2026年11月25日 10:00\n收件人: 王\n主题: Re: 投诉"
    assert strip_quoted(outlook) == "好的，确认"
    foxmail = "确认提交\n\n发件人：商洛12345热线\n发送时间：2026-11-25 10:00\n收件人：wang\n主题：Re: 投诉"
    assert strip_quoted(foxmail) == "确认提交"
    original = "确认\n-----原始邮件-----\nFrom: x\n请核对"
    assert strip_quoted(original) == "确认"
    english = "ok\n\nOn Wed, 25 Nov 2026 at 10:00, Hotline <hotline@hotline.test> wrote:\n> old"
    assert strip_quoted(english) == "ok"


def test_quoted_lines_are_removed_but_text_after_them_kept():
    assert strip_quoted("> 请问您的电话？\n13891401234\n> 地址？\n北新街8号") == "13891401234\n北新街8号"


def test_signatures_are_cut():
    assert strip_quoted("停水两天了\n-- \n王建军\n某某公司") == "停水两天了"
    assert strip_quoted("停水两天了\n\n发自我的iPhone") == "停水两天了"
    assert strip_quoted("停水两天了\n发自网易邮箱大师") == "停水两天了"
    assert strip_quoted("停水两天了\nSent from my iPhone") == "停水两天了"


def test_sentences_that_look_like_signatures_are_kept():
    text = "发自内心地感谢王医生\n从昨天开始用手机也打不通"
    assert strip_quoted(text) == text


def test_attachments_are_kept_with_chinese_names():
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["From"] = "wang@citizen.test"
    msg["To"] = "hotline@hotline.test"
    msg["Subject"] = "照片"
    msg["Message-ID"] = "<att@citizen.test>"
    msg.set_content("路面塌陷的照片见附件")
    msg.add_attachment(b"\x89PNG\r\n\x1a\nxxxx", maintype="image", subtype="png", filename="现场照片.png")
    mail = parse_mail(msg.as_bytes())
    assert mail.text == "路面塌陷的照片见附件"
    assert [(a.filename, a.content_type, a.data[:4]) for a in mail.attachments] == [("现场照片.png", "image/png", b"\x89PNG")]


def test_missing_message_id_gets_a_stable_one():
    raw = raw_mail(BODY.encode(), charset="utf-8", cte="8bit").replace(b"Message-ID: <abc123@citizen.test>\r\n", b"")
    assert parse_mail(raw).message_id == parse_mail(raw).message_id
    assert parse_mail(raw).message_id.startswith("<sha256-")


def test_garbage_never_raises():
    mail = parse_mail(b"\xff\xfe\x00garbage without headers")
    assert isinstance(mail.text, str)
    assert decode_bytes(b"\xff\xfe\xfd", "gbk")  # replaced, not raised
    assert decode_header_value("=?bogus?Q?=ZZ?=") is not None


def test_message_ids():
    assert message_ids("<a@x> <b@y>\r\n <c@z>") == ["<a@x>", "<b@y>", "<c@z>"]
    assert message_ids(None) == []


def test_greeting_and_closing_are_left_out():
    from channels.email.quoting import strip_greeting

    assert strip_greeting("您好：\n\n洛南县停水两天了。\n谢谢！") == "洛南县停水两天了。"
    assert strip_greeting("尊敬的12345热线：\n洛南县停水两天了。") == "洛南县停水两天了。"
    assert strip_greeting("领导您好，洛南县停水两天了。") == "洛南县停水两天了。"
    assert strip_greeting("您好，确认") == "确认"
    assert strip_greeting("您好") == "您好"  # nothing else: kept
    assert strip_greeting("好的，确认") == "好的，确认"
    assert strip_greeting("尊敬的领导，我家停水了\n两天了") == "我家停水了\n两天了"
    assert strip_greeting("各位邻居都受影响\n停水两天") == "各位邻居都受影响\n停水两天"
    assert strip_greeting("小区路灯一直没修好\n已经一个月了") == "小区路灯一直没修好\n已经一个月了"
    assert strip_quoted("洛南县停水两天了。\n此致\n敬礼！\n王建军\n2026年11月25日") == "洛南县停水两天了。"


def test_html_mail_with_greeting_reads_the_matter():
    markup = "<div>您好：</div><p>洛南县城关街道&nbsp;幸福小区停水两天了。</p><p>谢谢！</p>"
    mail = parse_mail(raw_mail(markup.encode(), charset="utf-8", cte="8bit", ctype="text/html"))
    assert mail.text == "洛南县城关街道 幸福小区停水两天了。"
