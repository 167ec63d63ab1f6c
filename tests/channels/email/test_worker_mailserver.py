"""Worker and reply path against a real Postfix + Dovecot, with a scripted bot in place of
the Rasa server (the real bot is in tests/e2e/test_email_channel.py): IDLE wake-up,
threaded replies, \\Seen only after the reply, idempotency, loop protection, SMTP outage,
an agent's message into the thread."""
from __future__ import annotations

import asyncio
import imaplib
import json
import uuid
from dataclasses import replace
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any, Dict, List

import httpx
import pytest

from channels.email import store as st
from channels.email.handler import MailHandler
from channels.email.settings import Settings
from channels.email.worker import Worker
from tests.support.mailserver import MailServer

HOTLINE = "hotline@hotline.test"


@pytest.fixture(scope="module")
def server():
    import shutil

    if shutil.which("postfix") is None or shutil.which("dovecot") is None:
        pytest.skip("postfix and dovecot are not installed")
    s = MailServer.start_private()
    s.add_user(HOTLINE, "pw")
    yield s
    s.stop(remove=True)


class Bot:
    """Answers "收到：<text>"; records what it saw."""

    def __init__(self) -> None:
        self.seen: List[Dict[str, Any]] = []
        self.fail = False
        self.silent = False

    async def __call__(self, sender: str, text: str, metadata: Dict[str, Any]) -> List[Dict[str, Any]]:
        self.seen.append({"sender": sender, "text": text, "metadata": metadata})
        if self.fail:
            raise RuntimeError("bot down")
        return [] if self.silent else [{"text": f"收到：{text}"}]


def worker_settings(server, store_path, **overrides) -> Settings:
    """The worker on the test mail server's hotline mailbox; the gateway is unreachable."""
    return replace(
        Settings(), imap_host="127.0.0.1", imap_port=server.imap_port, imap_tls="none", imap_user=HOTLINE,
        imap_password="pw", smtp_host="127.0.0.1", smtp_port=server.smtp_port, smtp_tls="none", address=HOTLINE,
        channel_token="t", store_path=str(store_path), retry_s=0.3, gateway_url="http://127.0.0.1:9", **overrides)


def worker_with_scripted_bot(settings: Settings):
    """A worker whose Rasa is the real MailHandler in front of the scripted Bot."""
    store = st.SQLiteStore(settings.store_path)
    handler = MailHandler(settings, store)
    bot = Bot()

    async def rasa(request: httpx.Request) -> httpx.Response:
        outcome = await handler.handle(json.loads(request.content), bot)
        return httpx.Response(outcome.http_status, json=outcome.as_json())

    worker = Worker(settings, store, http=httpx.AsyncClient(transport=httpx.MockTransport(rasa)))
    return worker, handler, bot, store


@pytest.fixture
async def rig(server, tmp_path):
    settings = worker_settings(server, tmp_path / "state.db", idle_timeout_s=10, gateway_token="")
    worker, handler, bot, store = worker_with_scripted_bot(settings)
    # the hotline mailbox starts empty for every test
    _imap_clear(server)
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    yield server, settings, handler, bot, store
    stop.set()
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
    await worker.http.aclose()


def _imap_clear(server):
    imap = imaplib.IMAP4("127.0.0.1", server.imap_port)
    imap.login(HOTLINE, "pw")
    imap.select("INBOX")
    _, data = imap.search(None, "ALL")
    for num in data[0].split():
        imap.store(num, "+FLAGS", r"(\Seen \Deleted)")
    imap.expunge()
    imap.logout()


def citizen(server) -> str:
    address = f"c{uuid.uuid4().hex[:6]}@citizen.test"
    server.add_user(address, "pw")
    return address


def inbox(server, address) -> List[EmailMessage]:
    imap = imaplib.IMAP4("127.0.0.1", server.imap_port)
    imap.login(address, "pw")
    if imap.select("INBOX")[0] != "OK":  # nothing delivered yet: the mailbox is created with the first mail
        imap.logout()
        return []
    _, data = imap.search(None, "ALL")
    out = []
    for num in data[0].split():
        _, parts = imap.fetch(num, "(BODY.PEEK[])")
        out.append(message_from_bytes(parts[0][1], policy=policy.default))
    imap.logout()
    return out


def seen(server, message_id) -> bool:
    imap = imaplib.IMAP4("127.0.0.1", server.imap_port)
    imap.login(HOTLINE, "pw")
    imap.select("INBOX")
    _, data = imap.search(None, "HEADER", "Message-ID", message_id, "SEEN")
    imap.logout()
    return bool(data[0].split())


def mail_from(address, subject="投诉噪音", body="楼下烧烤店太吵了", **headers) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = address
    msg["To"] = HOTLINE
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain="citizen.test")
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg


async def wait_for(predicate, timeout=30.0):
    for _ in range(int(timeout / 0.2)):
        value = await asyncio.to_thread(predicate)
        if value:
            return value
        await asyncio.sleep(0.2)
    raise AssertionError("timed out")


async def test_mail_is_answered_in_its_thread_and_marked_seen(rig):
    server, settings, handler, bot, store = rig
    who = citizen(server)
    first = mail_from(who)
    server.send(first)
    [reply] = await wait_for(lambda: inbox(server, who))
    assert reply["In-Reply-To"] == first["Message-ID"]
    assert reply["Subject"] == "Re: 投诉噪音"
    assert "收到：楼下烧烤店太吵了" in reply.get_body(("plain",)).get_content()
    await wait_for(lambda: seen(server, first["Message-ID"]))
    assert await store.status(first["Message-ID"]) == st.DONE
    # the citizen answers our reply: same conversation (sender_id)
    second = mail_from(who, subject="Re: 投诉噪音", body="还有油烟", In_Reply_To=reply["Message-ID"],
                       References=f"{first['Message-ID']} {reply['Message-ID']}")
    server.send(second)
    replies = await wait_for(lambda: (lambda m: m if len(m) == 2 else None)(inbox(server, who)))
    assert bot.seen[0]["sender"] == bot.seen[1]["sender"]
    assert replies[1]["References"].split()[:2] == [first["Message-ID"], reply["Message-ID"]]
    # an agent's message (human takeover) goes into the same thread
    assert await handler.send_to_thread(bot.seen[0]["sender"], [{"text": "您好，我是值班话务员小李。"}])
    replies = await wait_for(lambda: (lambda m: m if len(m) == 3 else None)(inbox(server, who)))
    assert replies[2]["In-Reply-To"] == second["Message-ID"]


async def test_the_same_mail_twice_is_answered_once(rig):
    server, settings, handler, bot, store = rig
    who = citizen(server)
    msg = mail_from(who)
    server.send(msg)
    server.send(msg)  # the same Message-ID delivered again
    await wait_for(lambda: inbox(server, who))
    await asyncio.sleep(2)
    assert len(inbox(server, who)) == 1
    assert len([s for s in bot.seen if s["text"] == "楼下烧烤店太吵了"]) == 1


async def test_robots_are_marked_seen_without_answer(rig):
    server, settings, handler, bot, store = rig
    who = citizen(server)
    robot = mail_from(who, Auto_Submitted="auto-replied")
    server.send(robot)
    await wait_for(lambda: seen(server, robot["Message-ID"]))
    assert await store.status(robot["Message-ID"]) == st.IGNORED
    assert inbox(server, who) == [] and bot.seen == []


async def test_bot_failure_leaves_the_mail_unread_until_it_works(rig):
    server, settings, handler, bot, store = rig
    who = citizen(server)
    bot.fail = True
    msg = mail_from(who)
    server.send(msg)
    await wait_for(lambda: len(bot.seen) >= 2)  # retried
    assert not seen(server, msg["Message-ID"]) and inbox(server, who) == []
    bot.fail = False
    await wait_for(lambda: inbox(server, who))
    await wait_for(lambda: seen(server, msg["Message-ID"]))


async def test_smtp_outage_keeps_the_reply_and_does_not_ask_the_bot_again(rig, server):
    _, settings, handler, bot, store = rig
    who = citizen(server)
    handler.settings = replace(settings, smtp_port=9)  # nothing listens there
    msg = mail_from(who)
    server.send(msg)
    await wait_for(lambda: asyncio.run(store.status(msg["Message-ID"])) == st.ANSWERED)
    await asyncio.sleep(1)
    handler.settings = settings
    await wait_for(lambda: inbox(server, who))
    await wait_for(lambda: seen(server, msg["Message-ID"]))
    assert len(bot.seen) == 1


async def test_paused_conversation_sends_nothing(rig):
    server, settings, handler, bot, store = rig
    who = citizen(server)
    bot.silent = True
    msg = mail_from(who)
    server.send(msg)
    await wait_for(lambda: seen(server, msg["Message-ID"]))
    assert inbox(server, who) == []
    assert await store.status(msg["Message-ID"]) == st.DONE


async def test_empty_mail_gets_a_chinese_hint_without_the_bot(rig):
    server, settings, handler, bot, store = rig
    who = citizen(server)
    server.send(mail_from(who, body="\n-- \n王建军"))
    [reply] = await wait_for(lambda: inbox(server, who))
    assert "没有正文" in reply.get_body(("plain",)).get_content()
    assert bot.seen == []


async def test_polling_when_idle_is_off(server, tmp_path):
    settings = worker_settings(server, tmp_path / "poll.db", use_idle=False, poll_interval_s=1)
    _imap_clear(server)
    worker, _, _, _ = worker_with_scripted_bot(settings)
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    try:
        await asyncio.sleep(1.5)  # the worker is polling, not idling
        who = citizen(server)
        server.send(mail_from(who))
        [reply] = await wait_for(lambda: inbox(server, who))
        assert "收到" in reply.get_body(("plain",)).get_content()
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=30)
        await worker.http.aclose()


async def test_one_search_on_an_open_connection_sees_a_new_mail(server):
    """Polling finds a mail at the first look after its delivery, not the second."""
    from channels.email.transport import Mailbox

    settings = replace(Settings(), imap_host="127.0.0.1", imap_port=server.imap_port, imap_tls="none",
                       imap_user=HOTLINE, imap_password="pw")
    _imap_clear(server)
    mailbox = Mailbox(settings)
    await mailbox.connect()
    try:
        assert await mailbox.unseen_uids() == []
        server.send(mail_from(citizen(server)))

        def delivered() -> bool:  # seen by another connection: Postfix and Dovecot are done
            imap = imaplib.IMAP4("127.0.0.1", server.imap_port)
            imap.login(HOTLINE, "pw")
            imap.select("INBOX")
            _, data = imap.search(None, "UNSEEN")
            imap.logout()
            return bool(data[0].split())

        await wait_for(delivered)
        assert len(await mailbox.unseen_uids()) == 1
    finally:
        await mailbox.close()
