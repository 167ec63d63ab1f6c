"""Talking to the mail servers without blocking the event loop: IMAP with aioimaplib
(IDLE where offered), SMTP with aiosmtplib."""
from __future__ import annotations

import asyncio
import logging
import re
import ssl
from email.message import EmailMessage
from typing import List, Optional

import aioimaplib
import aiosmtplib

from channels.email.settings import Settings

logger = logging.getLogger(__name__)

_FETCH_UID = re.compile(rb"UID (\d+)")
_SIZE = re.compile(rb"RFC822\.SIZE (\d+)")
MAX_HEADER_BYTES = 64 * 1024  # the header of a mail too large to fetch whole


class MailboxError(Exception):
    pass


def _ssl_context(verify: bool) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


class Mailbox:
    """One IMAP connection to the hotline's mailbox (selected folder)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.client: Optional[aioimaplib.IMAP4] = None

    async def connect(self) -> None:
        s = self.settings
        if s.imap_tls == "ssl":
            client = aioimaplib.IMAP4_SSL(host=s.imap_host, port=s.imap_port, timeout=s.timeout_s,
                                          ssl_context=_ssl_context(s.tls_verify))
        elif s.imap_tls == "starttls":
            raise MailboxError("EMAIL_IMAP_TLS=starttls is not supported by aioimaplib; use ssl (port 993)")
        else:
            client = aioimaplib.IMAP4(host=s.imap_host, port=s.imap_port, timeout=s.timeout_s)
        await client.wait_hello_from_server()
        response = await client.login(s.imap_user, s.imap_password)
        if response.result != "OK":
            raise MailboxError(f"IMAP login as {s.imap_user} refused: {_text(response.lines)}")
        response = await client.select(s.mailbox)
        if response.result != "OK":
            raise MailboxError(f"IMAP mailbox {s.mailbox} cannot be selected: {_text(response.lines)}")
        self.client = client

    @property
    def can_idle(self) -> bool:
        return bool(self.client and self.client.has_capability("IDLE"))

    async def unseen_uids(self) -> List[int]:
        # A NOOP first makes the server look at the mailbox again: without it Dovecot's
        # first SEARCH after a delivery may not list the new mail yet (seen when polling).
        await self.client.noop()
        response = await self.client.uid_search("UNSEEN")
        if response.result != "OK":
            raise MailboxError(f"IMAP search failed: {_text(response.lines)}")
        uids: List[int] = []
        for line in response.lines:
            if isinstance(line, (bytes, bytearray)) and not line.startswith(b"SEARCH") and b"completed" not in line.lower():
                uids += [int(x) for x in line.split() if x.isdigit()]
        return sorted(set(uids))

    async def size(self, uid: int) -> Optional[int]:
        """The mail's size as the server counts it (RFC822.SIZE), before anything is fetched."""
        response = await self.client.uid("fetch", str(uid), "(RFC822.SIZE)")
        if response.result != "OK":
            raise MailboxError(f"IMAP fetch size {uid} failed: {_text(response.lines)}")
        for line in response.lines:
            match = _SIZE.search(bytes(line)) if isinstance(line, (bytes, bytearray)) else None
            if match:
                return int(match.group(1))
        return None

    async def fetch(self, uid: int) -> Optional[bytes]:
        """The raw mail, without setting \\Seen (BODY.PEEK)."""
        return await self._fetch_literal(uid, "(BODY.PEEK[])")

    async def fetch_header(self, uid: int) -> Optional[bytes]:
        """At most MAX_HEADER_BYTES of the mail's header, without setting \\Seen."""
        return await self._fetch_literal(uid, f"(BODY.PEEK[HEADER]<0.{MAX_HEADER_BYTES}>)")

    async def _fetch_literal(self, uid: int, items: str) -> Optional[bytes]:
        response = await self.client.uid("fetch", str(uid), items)
        if response.result != "OK":
            raise MailboxError(f"IMAP fetch {uid} failed: {_text(response.lines)}")
        for i, line in enumerate(response.lines):
            if isinstance(line, bytearray) and i > 0:
                return bytes(line)
        return None

    async def quarantine(self, uid: int, folder: str) -> str:
        """Takes a mail out of the inbox: moved to `folder` (created when missing) where the
        server can, else marked \\Seen and flagged $Quarantined. Returns what was done."""
        try:
            await self.client.create(folder)  # NO when it exists: fine
            if self.client.has_capability("MOVE"):
                response = await self.client.uid("move", str(uid), folder)
                if response.result == "OK":
                    return f"moved to {folder}"
            elif self.client.has_capability("UIDPLUS"):
                copied = await self.client.uid("copy", str(uid), folder)
                if copied.result == "OK":
                    await self.client.uid("store", str(uid), "+FLAGS.SILENT", r"(\Deleted)")
                    await self.client.uid("expunge", str(uid))
                    return f"moved to {folder}"
        except (aioimaplib.Abort, aioimaplib.Error, asyncio.TimeoutError) as exc:
            logger.warning("mail uid %s: not moved to %s (%s); flagged instead", uid, folder, exc)
        response = await self.client.uid("store", str(uid), "+FLAGS.SILENT", r"(\Seen \Flagged $Quarantined)")
        if response.result != "OK":
            raise MailboxError(f"IMAP store on {uid} failed: {_text(response.lines)}")
        return "flagged $Quarantined"

    async def mark_seen(self, uid: int) -> None:
        response = await self.client.uid("store", str(uid), "+FLAGS.SILENT", r"(\Seen)")
        if response.result != "OK":
            raise MailboxError(f"IMAP store \\Seen on {uid} failed: {_text(response.lines)}")

    async def wait_for_news(self, timeout: float) -> None:
        """Returns when the server announces new mail (IDLE) or after `timeout` seconds."""
        if not self.can_idle:
            await asyncio.sleep(timeout)
            return
        idle = await self.client.idle_start(timeout=timeout + 30)
        try:
            while True:
                push = await self.client.wait_server_push(timeout=timeout)
                if isinstance(push, list) and any(b"EXISTS" in p or b"RECENT" in p for p in push if isinstance(p, bytes)):
                    return
                if push == aioimaplib.STOP_WAIT_SERVER_PUSH or not isinstance(push, list):
                    return
        except asyncio.TimeoutError:
            return
        finally:
            if self.client.has_pending_idle():
                self.client.idle_done()
                try:
                    await asyncio.wait_for(idle, timeout=self.settings.timeout_s)
                except asyncio.TimeoutError:
                    raise MailboxError("IMAP server did not end IDLE") from None

    async def close(self) -> None:
        if self.client is None:
            return
        try:
            await asyncio.wait_for(self.client.logout(), timeout=5)
        except Exception:  # closing a broken connection
            pass
        self.client = None


def _text(lines) -> str:
    return " ".join(l.decode("utf-8", "replace") if isinstance(l, (bytes, bytearray)) else str(l) for l in lines)[:300]


async def send_mail(settings: Settings, message: EmailMessage) -> None:
    """Hands one mail to the SMTP server (raises aiosmtplib.SMTPException / OSError on failure)."""
    s = settings
    kwargs = dict(hostname=s.smtp_host, port=s.smtp_port, timeout=s.timeout_s)
    if s.smtp_tls == "ssl":
        kwargs.update(use_tls=True, tls_context=_ssl_context(s.tls_verify))
    elif s.smtp_tls == "starttls":
        kwargs.update(start_tls=True, tls_context=_ssl_context(s.tls_verify))
    else:
        kwargs.update(use_tls=False, start_tls=False)
    if s.smtp_user:
        kwargs.update(username=s.smtp_user, password=s.smtp_password)
    await aiosmtplib.send(message, sender=s.address, **kwargs)
