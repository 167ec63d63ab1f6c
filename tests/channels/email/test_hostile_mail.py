"""Hostile mail against the real worker, Postfix and Dovecot (the bot is scripted; the real one
is in tests/e2e/test_email_hostile.py): a forged From with the victim's subject, a changed
Reply-To inside a thread, a mail nested 2,000 multiparts deep, a mail too large to fetch."""
from __future__ import annotations

import asyncio
import imaplib
import re
import uuid
from dataclasses import replace
from email.message import EmailMessage

import pytest

from channels.email.worker import failure_key
from tests.channels.email.test_worker_mailserver import (  # noqa: F401 - fixtures
    HOTLINE,
    _imap_clear,
    citizen,
    inbox,
    mail_from,
    rig,
    seen,
    server,
    wait_for,
    worker_settings,
    worker_with_scripted_bot,
)

AUTHSERV = "mx.hotline.test"


def dmarc_pass(domain: str = "citizen.test") -> str:
    """The header our receiving server (authserv-id mx.hotline.test) writes on a mail that passed DMARC."""
    return (f"{AUTHSERV}; spf=pass smtp.mailfrom={domain}; dkim=pass header.d={domain}; "
            f"dmarc=pass (p=reject dis=none) header.from={domain}")


@pytest.fixture
async def guarded(server, tmp_path):  # noqa: F811
    """The worker with EMAIL_AUTHSERV_ID set and 3 attempts before quarantine."""
    settings = worker_settings(server, tmp_path / "state.db", idle_timeout_s=10, gateway_token="",
                               authserv_id=AUTHSERV, max_attempts=3)
    worker, handler, bot, store = worker_with_scripted_bot(settings)
    _imap_clear(server)
    _clear_folder(server, settings.quarantine_folder)
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    yield server, settings, handler, bot, store
    await stopped(stop, task)
    await worker.http.aclose()


async def stopped(stop, task):
    stop.set()
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass


def _clear_folder(server, folder):  # noqa: F811
    imap = imaplib.IMAP4("127.0.0.1", server.imap_port)
    imap.login(HOTLINE, "pw")
    if imap.select(folder)[0] == "OK":
        imap.store("1:*", "+FLAGS", r"(\Deleted)")
        imap.expunge()
    imap.logout()


def folder_message_ids(server, folder):  # noqa: F811
    imap = imaplib.IMAP4("127.0.0.1", server.imap_port)
    imap.login(HOTLINE, "pw")
    try:
        if imap.select(folder, readonly=True)[0] != "OK":
            return []
        _, data = imap.search(None, "ALL")
        ids = []
        for num in data[0].split():
            _, parts = imap.fetch(num, "(BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
            ids += re.findall(rb"<[^>]+>", parts[0][1])
        return [i.decode() for i in ids]
    finally:
        imap.logout()


def texts(mails):
    return [m.get_body(("plain",)).get_content() for m in mails]


async def test_forged_from_with_the_victims_subject_gets_nothing_of_the_thread(guarded):
    server, settings, handler, bot, store = guarded
    victim, attacker = citizen(server), citizen(server)
    first = mail_from(victim, subject="投诉噪音", body="我叫王建军，电话13891401234，北新街88号楼下烧烤店太吵了",
                      Authentication_Results=dmarc_pass())
    server.send(first, mail_from=victim)
    [reply] = await wait_for(lambda: inbox(server, victim))
    victim_sender = bot.seen[0]["sender"]
    # the attacker writes as the victim, same subject, answers to himself, and names the victim's
    # own Message-ID (which a CC or a forwarded mail may have shown him); no DMARC pass from our server,
    # only a forged one of a server of his own
    forged = mail_from(victim, subject="Re: 投诉噪音", body="撤销我的工单", Reply_To=attacker,
                       In_Reply_To=first["Message-ID"], References=first["Message-ID"],
                       Authentication_Results=dmarc_pass().replace(AUTHSERV, "mx.attacker.test"))
    server.send(forged, mail_from=attacker)
    [answer] = await wait_for(lambda: inbox(server, attacker))
    assert bot.seen[-1]["text"] == "撤销我的工单"
    assert bot.seen[-1]["sender"] != victim_sender  # a conversation of its own: the victim's orders are not in it
    assert "13891401234" not in texts([answer])[0] and "王建军" not in texts([answer])[0]
    # the victim's thread still answers the victim, with nothing of the attacker's in between
    follow_up = mail_from(victim, subject="Re: 投诉噪音", body="还有油烟", In_Reply_To=reply["Message-ID"],
                          References=f"{first['Message-ID']} {reply['Message-ID']}")
    server.send(follow_up, mail_from=victim)
    mails = await wait_for(lambda: (lambda m: m if len(m) == 2 else None)(inbox(server, victim)))
    assert bot.seen[-1]["sender"] == victim_sender and "还有油烟" in texts(mails)[1]
    assert len(inbox(server, attacker)) == 1


async def test_authenticated_mail_joins_its_thread_by_subject(guarded):
    server, settings, handler, bot, store = guarded
    who = citizen(server)
    server.send(mail_from(who, subject="路灯坏了", body="河堤路的路灯坏了", Authentication_Results=dmarc_pass()))
    await wait_for(lambda: inbox(server, who))
    # a new mail (no In-Reply-To) with the same subject, DMARC pass at our server: the same conversation
    server.send(mail_from(who, subject="回复：路灯坏了", body="是第三根电线杆", Authentication_Results=dmarc_pass()))
    await wait_for(lambda: (lambda m: m if len(m) == 2 else None)(inbox(server, who)))
    assert bot.seen[0]["sender"] == bot.seen[1]["sender"]
    # the same without the pass (a forged From would look exactly like this): its own conversation
    server.send(mail_from(who, subject="回复：路灯坏了", body="又坏了一根"))
    await wait_for(lambda: (lambda m: m if len(m) == 3 else None)(inbox(server, who)))
    assert bot.seen[2]["sender"] != bot.seen[0]["sender"]


async def test_changed_reply_to_does_not_redirect_the_threads_replies(guarded):
    server, settings, handler, bot, store = guarded
    victim, attacker = citizen(server), citizen(server)
    first = mail_from(victim, body="小区停水两天了，我叫李秀英，电话15191401234")
    server.send(first)
    [reply] = await wait_for(lambda: inbox(server, victim))
    # a mail in the thread (it names our reply) asks for answers to go elsewhere
    moved = mail_from(victim, subject="Re: 投诉噪音", body="以后请回复到我的新邮箱", Reply_To=attacker,
                      In_Reply_To=reply["Message-ID"], References=f"{first['Message-ID']} {reply['Message-ID']}")
    server.send(moved)
    mails = await wait_for(lambda: (lambda m: m if len(m) == 2 else None)(inbox(server, victim)))
    assert mails[1]["In-Reply-To"] == moved["Message-ID"]
    # an agent's message later in the thread goes to the thread's address too
    assert await handler.send_to_thread(bot.seen[0]["sender"], [{"text": "您好，我是话务员小李，已联系供水公司。"}])
    await wait_for(lambda: (lambda m: m if len(m) == 3 else None)(inbox(server, victim)))
    assert inbox(server, attacker) == []


def nested_mime(depth: int, sender: str) -> bytes:
    head = (f"From: {sender}\r\nTo: {HOTLINE}\r\nSubject: =?utf-8?b?5oqV6K+J?=\r\n"
            f"Message-ID: <nested-{uuid.uuid4().hex[:8]}@attacker.test>\r\nMIME-Version: 1.0\r\n").encode()
    opening = b"".join(b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (i, i) for i in range(depth))
    closing = b"".join(b"--b%d--\r\n" % i for i in reversed(range(depth)))
    return head + opening + b"Content-Type: text/plain\r\n\r\nhello\r\n" + closing


async def test_nested_mime_is_quarantined_after_three_attempts_and_the_worker_goes_on(guarded):
    server, settings, handler, bot, store = guarded
    attacker = citizen(server)
    raw = nested_mime(2000, attacker)
    assert 130_000 < len(raw) < 150_000
    server.send_raw(raw, attacker, HOTLINE)
    nested_id = re.search(rb"Message-ID: (<[^>]+>)", raw).group(1).decode()
    # a citizen's mail right after it is still answered
    who = citizen(server)
    normal = mail_from(who, body="路灯坏了一个多月了")
    server.send(normal)
    await wait_for(lambda: inbox(server, who))
    await wait_for(lambda: nested_id in folder_message_ids(server, settings.quarantine_folder))
    assert nested_id not in folder_message_ids(server, "INBOX")
    # counted in the store: exactly the bounded number of attempts, then never again
    delivered = await asyncio.to_thread(_fetch_raw, server, settings.quarantine_folder, nested_id)
    assert await store.failures(failure_key(delivered)) == settings.max_attempts
    await asyncio.sleep(2 * settings.retry_s + 1)
    assert await store.failures(failure_key(delivered)) == settings.max_attempts
    assert inbox(server, attacker) == [] and all(s["text"] != "hello" for s in bot.seen)


def _fetch_raw(server, folder, message_id):  # noqa: F811
    imap = imaplib.IMAP4("127.0.0.1", server.imap_port)
    imap.login(HOTLINE, "pw")
    try:
        imap.select(folder, readonly=True)
        _, data = imap.search(None, "HEADER", "Message-ID", message_id)
        _, parts = imap.fetch(data[0].split()[0], "(BODY.PEEK[])")
        return parts[0][1]
    finally:
        imap.logout()


def _imap_bytes_out(server):  # noqa: F811
    """Bytes Dovecot sent in each finished IMAP session of the hotline mailbox (its own log)."""
    log = (server.root / "dovecot.log").read_text(errors="replace")
    return [int(m) for m in re.findall(rf"imap\({re.escape(HOTLINE)}\).*?(?:Logged out|Disconnected).*? out=(\d+)", log)]


async def test_oversized_mail_is_refused_before_it_is_fetched_whole(server, tmp_path):  # noqa: F811
    settings = worker_settings(server, tmp_path / "big.db", idle_timeout_s=10, gateway_token="",
                               max_mail_bytes=64 * 1024)
    worker, handler, bot, store = worker_with_scripted_bot(settings)
    _imap_clear(server)
    who = citizen(server)
    big = mail_from(who, subject="举报违建", body="我要举报北新街违章建筑，照片见附件。")
    big.add_attachment(bytes(range(256)) * 8192, maintype="image", subtype="jpeg", filename="现场照片.jpg")  # 2 MB
    server.send(big)
    sessions_before = len(_imap_bytes_out(server))
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    try:
        [reply] = await wait_for(lambda: inbox(server, who))
        await wait_for(lambda: seen(server, big["Message-ID"]))
    finally:
        await stopped(stop, task)
        await worker.http.aclose()
    text = texts([reply])[0]
    assert "超过" in text and "重新发送" in text and reply["In-Reply-To"] == big["Message-ID"]
    assert bot.seen == []  # the bot never read it
    # Dovecot's own account of the worker's session (logged out now): far less than the 2 MB were sent
    await wait_for(lambda: len(_imap_bytes_out(server)) > sessions_before)
    assert max(_imap_bytes_out(server)[sessions_before:]) < 256 * 1024


async def test_oversized_mail_limit_applies_to_robots_too(server, tmp_path):  # noqa: F811
    """An oversized auto-reply is refused without an answer (no mail loops)."""
    settings = replace(worker_settings(server, tmp_path / "big2.db", gateway_token=""), max_mail_bytes=16 * 1024)
    worker, handler, bot, store = worker_with_scripted_bot(settings)
    _imap_clear(server)
    robot = citizen(server)
    msg: EmailMessage = mail_from(robot, body="自动回复 " * 4000, Auto_Submitted="auto-replied")
    server.send(msg)
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    try:
        await wait_for(lambda: seen(server, msg["Message-ID"]))
    finally:
        await stopped(stop, task)
        await worker.http.aclose()
    assert inbox(server, robot) == [] and bot.seen == []
