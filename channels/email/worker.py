"""The mailbox worker: reads unread mail over IMAP (IDLE where the server offers it,
polling otherwise), skips what must not be answered, resolves the thread, uploads the
attachments and hands each mail to the Rasa server's email endpoint. A mail is marked
\\Seen only once the Rasa side reports it handled (reply sent, or nothing to send); until
then it stays unread and is tried again, so a crash of either process loses nothing."""
from __future__ import annotations

import asyncio
import hashlib
import logging
from typing import Any, Dict, Optional

import httpx

from channels.email import store as st
from channels.email.attachments import GatewayUnavailable, store_attachments
from channels.email.authentication import dmarc_passed
from channels.email.loops import why_not_answered
from channels.email.parsing import ParsedMail, parse_headers, parse_mail
from channels.email.settings import Settings
from channels.email.threads import linked_ids, normalise_subject, sender_id_for, subject_key, thread_id_for
from channels.email.transport import Mailbox, MailboxError

logger = logging.getLogger("channels.email.worker")


def oversized_reply(max_bytes: int) -> str:
    mb = max(1, max_bytes // (1024 * 1024))
    return (f"您好，您的来信超过{mb}MB，邮件系统无法接收处理，这封邮件的内容我们没有读取。"
            "请把要反映的事情直接写在邮件正文里重新发送；照片等附件请压缩后分几封邮件发送，"
            "每封不超过10MB。紧急情况请拨打110、119、120、122。")


async def resolve_thread(store: Any, mail: ParsedMail, authserv_id: str = "") -> str:
    """The thread of a mail. It joins an existing thread only
    - through a Message-ID we sent (In-Reply-To/References naming one of our replies), or
    - by From + subject when our receiving server reports dmarc=pass for the From domain;
    otherwise it starts a thread of its own (derived from its own Message-ID). A forged From
    therefore never lands in the victim's conversation."""
    thread = await store.thread_for_ours(linked_ids(mail.in_reply_to, mail.references))
    authenticated = dmarc_passed(mail.auth_results, mail.from_address, authserv_id)
    key = subject_key(mail.from_address, mail.subject) if authenticated and normalise_subject(mail.subject) else None
    if thread is None and key:
        thread = await store.thread_for_subject(key)
    if thread is None:
        thread = thread_id_for(mail.message_id)
    await store.link(mail.message_id, thread)
    if key:
        await store.set_subject(key, thread)
    return thread


def failure_key(raw: bytes) -> str:
    """A mail's identity for counting failed attempts (also when it cannot be parsed at all)."""
    return "sha256-" + hashlib.sha256(raw).hexdigest()[:32]


class Worker:
    def __init__(self, settings: Settings, store: Any = None, http: Optional[httpx.AsyncClient] = None) -> None:
        self.settings = settings
        self.store = store if store is not None else st.make_store(settings)
        self.http = http or httpx.AsyncClient(timeout=httpx.Timeout(settings.handling_timeout_s, connect=10.0))

    async def close(self) -> None:
        await self.http.aclose()
        await self.store.close()

    # ------------------------------------------------------------ one mail
    async def handle_uid(self, mailbox: Mailbox, uid: int) -> bool:
        """True when the mail is finished (marked \\Seen or quarantined), False to try again later."""
        size = await mailbox.size(uid)
        if size is not None and size > self.settings.max_mail_bytes:
            return await self.refuse_oversized(mailbox, uid, size)
        raw = await mailbox.fetch(uid)
        if raw is None:
            return True
        try:
            return await self.handle_raw(mailbox, uid, raw)
        except MailboxError:
            raise
        except Exception as exc:  # unparseable, or a bug: counted, and quarantined after max_attempts
            return await self.failed(mailbox, uid, raw, exc)

    async def handle_raw(self, mailbox: Mailbox, uid: int, raw: bytes) -> bool:
        mail = parse_mail(raw)
        if len(raw) > self.settings.max_mail_bytes and mail.attachments:  # the server's size was off
            mb = self.settings.max_mail_bytes // (1024 * 1024)
            mail.attachments = []
            mail.notices.append(f"这封邮件超过{mb}MB，附件没有保存；需要的话请把附件压缩后分几封邮件发送。")
        return await self.answer(mailbox, uid, mail)

    async def answer(self, mailbox: Mailbox, uid: int, mail: ParsedMail, refusal: Optional[str] = None) -> bool:
        status = await self.store.status(mail.message_id)
        if status in (st.DONE, st.IGNORED):
            await mailbox.mark_seen(uid)  # handled before a crash, or a second copy: never answered twice
            return True
        reason = why_not_answered(mail, self.settings.address)
        if reason:
            logger.info("mail %s not answered: %s", mail.message_id, reason)
            await self.store.set_status(mail.message_id, st.IGNORED, note=reason)
            await mailbox.mark_seen(uid)
            return True
        outcome = await self.deliver(mail, refusal)
        if outcome in ("done", "duplicate"):
            await mailbox.mark_seen(uid)
            return True
        return False

    async def refuse_oversized(self, mailbox: Mailbox, uid: int, size: int) -> bool:
        """A mail over max_mail_bytes is never fetched whole: its header only, and the sender gets a
        polite Chinese reply in the thread (robots get none); the mail is marked \\Seen."""
        logger.warning("mail uid %s has %s bytes (limit %s): refused without fetching it", uid, size,
                       self.settings.max_mail_bytes)
        header = await mailbox.fetch_header(uid)
        if header is None:
            return True
        try:
            mail = parse_headers(header)
        except Exception as exc:
            return await self.failed(mailbox, uid, header, exc)
        mail.notices = [oversized_reply(self.settings.max_mail_bytes)]
        return await self.answer(mailbox, uid, mail, refusal="oversized")

    async def failed(self, mailbox: Mailbox, uid: int, raw: bytes, exc: Exception) -> bool:
        key = failure_key(raw)
        reason = f"{type(exc).__name__}: {str(exc)[:200]}"
        attempts = await self.store.record_failure(key, reason)
        if attempts < self.settings.max_attempts:
            logger.warning("mail uid %s (%s) failed, attempt %s of %s: %s; tried again later", uid, key, attempts,
                           self.settings.max_attempts, reason)
            return False
        where = await mailbox.quarantine(uid, self.settings.quarantine_folder)
        logger.error("mail uid %s (%s) quarantined (%s) after %s failed attempts: %s", uid, key, where, attempts, reason)
        return True

    async def deliver(self, mail: ParsedMail, refusal: Optional[str] = None) -> str:
        thread = await resolve_thread(self.store, mail, self.settings.authserv_id)
        sender_id = sender_id_for(thread)
        try:
            stored = await store_attachments(self.settings, self.store, self.http, mail.message_id, sender_id,
                                             mail.attachments)
        except GatewayUnavailable as exc:
            logger.warning("mail %s: attachments not stored yet (%s); tried again later", mail.message_id, exc)
            return "retry"
        payload: Dict[str, Any] = {
            "message_id": mail.message_id,
            "thread_id": thread,
            "sender_id": sender_id,
            "from_address": mail.from_address,
            "from_name": mail.from_name,
            "reply_to": mail.answer_to,
            "subject": mail.subject,
            "references": mail.references,
            "text": mail.text,
            "attachments": stored.uploaded,
            "kept_attachments": stored.kept,
            "notices": mail.notices + stored.notices,
        }
        if refusal:
            payload["refusal"] = refusal
        try:
            response = await self.http.post(
                f"{self.settings.rasa_url}/webhooks/email/receive", json=payload,
                headers={"Authorization": f"Bearer {self.settings.channel_token}"})
        except httpx.HTTPError as exc:
            logger.warning("mail %s: Rasa server not reached (%s); tried again later", mail.message_id, exc)
            return "retry"
        try:
            body = response.json()
        except ValueError:
            body = {}
        status = body.get("status") if isinstance(body, dict) else None
        if response.status_code == 200 and status in ("done", "duplicate"):
            logger.info("mail %s (%s) handled: %s", mail.message_id, sender_id, status)
            return status
        logger.warning("mail %s: Rasa answered %s %s; tried again later", mail.message_id, response.status_code,
                       body.get("status") if isinstance(body, dict) else "")
        return "retry"

    # ------------------------------------------------------------ the loop
    async def process_unseen(self, mailbox: Mailbox) -> bool:
        """Handles every unread mail, again while new ones come in; True when some are left for a retry.

        Mail that arrives while we work is announced in the answers to our commands, not in
        the next IDLE, so the search is repeated until it finds nothing new."""
        tried: set = set()
        left = False
        while True:
            fresh = [uid for uid in await mailbox.unseen_uids() if uid not in tried]
            if not fresh:
                return left
            tried.update(fresh)
            left = await self._process(mailbox, fresh) or left

    async def _process(self, mailbox: Mailbox, uids) -> bool:
        left = False
        for uid in uids:
            try:
                finished = await self.handle_uid(mailbox, uid)
            except MailboxError:
                raise
            except Exception as exc:  # before the mail was fetched (its size): the connection is suspect
                logger.warning("mail uid %s: unexpected failure (%s); tried again later", uid, type(exc).__name__)
                finished = False
            left = left or not finished
        return left

    async def run(self, stop: Optional[asyncio.Event] = None) -> None:
        stop = stop or asyncio.Event()
        s = self.settings
        while not stop.is_set():
            mailbox = Mailbox(s)
            try:
                await mailbox.connect()
                mode = "IDLE" if (s.use_idle and mailbox.can_idle) else f"polling every {s.poll_interval_s:.0f}s"
                logger.info("email worker reading %s@%s:%s/%s (%s)", s.imap_user, s.imap_host, s.imap_port, s.mailbox, mode)
                while not stop.is_set():
                    left = await self.process_unseen(mailbox)
                    if left:
                        wait = s.retry_s
                    elif s.use_idle and mailbox.can_idle:
                        wait = s.idle_timeout_s
                    else:
                        wait = s.poll_interval_s
                    if left or not (s.use_idle and mailbox.can_idle):
                        await _sleep_or_stop(stop, wait)
                    else:
                        await mailbox.wait_for_news(wait)
            except (MailboxError, OSError, asyncio.TimeoutError) as exc:
                logger.warning("IMAP connection problem (%s); reconnecting in %.0fs", exc or type(exc).__name__, s.retry_s)
            except Exception as exc:  # aioimaplib raises its own errors on a dropped connection
                logger.warning("IMAP failure (%r); reconnecting in %.0fs", exc, s.retry_s)
            finally:
                await mailbox.close()
            await _sleep_or_stop(stop, s.retry_s)


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except asyncio.TimeoutError:
        pass


async def main(settings: Optional[Settings] = None) -> None:
    settings = settings or Settings.from_env()
    missing = settings.missing_for_worker()
    if missing:
        logger.warning("email channel not configured (%s not set): the email worker stays idle", ", ".join(missing))
        await asyncio.Event().wait()  # idle until stopped: honcho stops everything if one process exits
        return
    if not settings.gateway_token:
        logger.warning("GATEWAY_API_TOKEN not set: mail attachments are kept in the channel's store only")
    worker = Worker(settings)
    try:
        await worker.run()
    finally:
        await worker.close()
