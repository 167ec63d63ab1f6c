"""The email side of the e2e stack: a real Postfix + Dovecot on loopback, the hotline's
mailbox, the settings the Rasa server needs to answer by mail, the mailbox worker as a
real process, and a citizen who sends over SMTP and reads the inbox over IMAP."""
from __future__ import annotations

import imaplib
import logging
import os
import secrets
import shutil
import signal
import subprocess
import time
import uuid
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Callable, Dict, List, Optional

from tests.support.mailserver import MailServer
from tests.support.processes import LOG_DIR, RASA_VENV, ROOT, _base_env

logger = logging.getLogger(__name__)

HOTLINE = "hotline@hotline.test"


class Worker:
    """`python -m channels.email` as its own process group (killable like a crash)."""

    def __init__(self, env: Dict[str, str]) -> None:
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        self.log_path = LOG_DIR / f"email-worker-{uuid.uuid4().hex[:6]}.log"
        self._log = open(self.log_path, "ab")
        self.popen = subprocess.Popen([str(RASA_VENV / "python"), "-m", "channels.email"], cwd=ROOT,
                                      env=_base_env(env), stdin=subprocess.DEVNULL, stdout=self._log,
                                      stderr=subprocess.STDOUT, start_new_session=True)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.popen.poll() is None:
            try:
                os.killpg(self.popen.pid, sig)
            except ProcessLookupError:
                pass
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout=10)
        self._log.close()

    def kill(self) -> None:
        self.stop(signal.SIGKILL)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


class MailPeer:
    def __init__(self, server: MailServer) -> None:
        self.server = server
        self.password = secrets.token_hex(8)
        self.channel_token = secrets.token_hex(16)
        server.add_user(HOTLINE, self.password)
        self.worker: Optional[Worker] = None

    @classmethod
    def start(cls) -> "MailPeer":
        return cls(MailServer.start_private())

    start_error: Optional[str] = None

    @classmethod
    def start_or_none(cls) -> Optional["MailPeer"]:
        """None when Postfix/Dovecot are missing or fail to start (the email tests then skip
        with the reason in `MailPeer.start_error`; the rest of the e2e stack is unaffected)."""
        if shutil.which("postfix") is None or shutil.which("dovecot") is None:
            MailPeer.start_error = "postfix and dovecot are not installed"
            return None
        try:
            return cls.start()
        except Exception as exc:  # a broken mail server must not take the other e2e tests down
            MailPeer.start_error = f"mail server did not start: {exc}"
            logger.warning(MailPeer.start_error)
            return None

    @property
    def rasa_env(self) -> Dict[str, str]:
        """What the Rasa server needs to answer by mail."""
        return {
            "EMAIL_CHANNEL_TOKEN": self.channel_token,
            "EMAIL_SMTP_HOST": "127.0.0.1", "EMAIL_SMTP_PORT": str(self.server.smtp_port), "EMAIL_SMTP_TLS": "none",
            "EMAIL_ADDRESS": HOTLINE, "EMAIL_LEASE_S": "120",
        }

    def worker_env(self, rasa_url: str, redis_url: str, redis_prefix: str, gateway_url: str, gateway_token: str) -> Dict[str, str]:
        return {
            **self.rasa_env,
            "EMAIL_IMAP_HOST": "127.0.0.1", "EMAIL_IMAP_PORT": str(self.server.imap_port), "EMAIL_IMAP_TLS": "none",
            "EMAIL_IMAP_USER": HOTLINE, "EMAIL_IMAP_PASSWORD": self.password,
            "EMAIL_RASA_URL": rasa_url, "REDIS_URL": redis_url, "REDIS_KEY_PREFIX": redis_prefix,
            "GATEWAY_URL": gateway_url, "GATEWAY_API_TOKEN": gateway_token,
            "EMAIL_RETRY_S": "1", "EMAIL_IDLE_TIMEOUT_S": "20", "EMAIL_POLL_INTERVAL_S": "2",
            # the test mail server checks no DMARC: only headers of this authserv-id would count
            "EMAIL_AUTHSERV_ID": "mx.hotline.test",
        }

    def start_worker(self, env: Dict[str, str]) -> Worker:
        self.worker = Worker(env)
        return self.worker

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.stop()
        self.server.stop(remove=True)  # mailboxes and queue of this run

    # ------------------------------------------------------------ the citizen
    def citizen(self, name: str = "citizen") -> "Citizen":
        address = f"{name}-{uuid.uuid4().hex[:6]}@citizen.test"
        password = secrets.token_hex(6)
        self.server.add_user(address, password)
        return Citizen(self, address, password)

    def hotline_inbox(self) -> imaplib.IMAP4:
        imap = imaplib.IMAP4("127.0.0.1", self.server.imap_port)
        imap.login(HOTLINE, self.password)
        imap.select("INBOX")
        return imap

    def is_seen(self, message_id: str) -> bool:
        imap = self.hotline_inbox()
        try:
            _, data = imap.search(None, "HEADER", "Message-ID", message_id, "SEEN")
            return bool(data[0].split())
        finally:
            imap.logout()


class Citizen:
    def __init__(self, peer: MailPeer, address: str, password: str) -> None:
        self.peer = peer
        self.address = address
        self.password = password

    def new_mail(self, subject: str, body: str, *, reply_to: Optional[EmailMessage] = None, quote: bool = True) -> EmailMessage:
        msg = EmailMessage()
        msg["From"] = f"王建军 <{self.address}>"
        msg["To"] = f"商洛12345热线 <{HOTLINE}>"
        msg["Message-ID"] = make_msgid(domain="citizen.test")
        if reply_to is not None:
            msg["Subject"] = f"回复：{subject}" if subject else f"Re: {reply_to['Subject']}"
            msg["In-Reply-To"] = reply_to["Message-ID"]
            refs = (reply_to.get("References") or "").split() + [reply_to["Message-ID"]]
            msg["References"] = " ".join(refs)
            if quote:
                old = reply_to.get_body(("plain",)).get_content()
                body = (f"{body}\n\n在 2026年11月25日 10:00，商洛12345热线 <{HOTLINE}> 写道：\n"
                        + "\n".join("> " + line for line in old.splitlines()))
        else:
            msg["Subject"] = subject
        msg.set_content(body)
        return msg

    def send(self, msg: EmailMessage) -> EmailMessage:
        self.peer.server.send(msg, mail_from=self.address)
        return msg

    def inbox(self) -> List[EmailMessage]:
        imap = imaplib.IMAP4("127.0.0.1", self.peer.server.imap_port)
        try:
            imap.login(self.address, self.password)
            if imap.select("INBOX")[0] != "OK":  # nothing delivered yet: created with the first mail
                return []
            _, data = imap.search(None, "ALL")
            mails = []
            for num in data[0].split():
                _, parts = imap.fetch(num, "(BODY.PEEK[])")
                mails.append(message_from_bytes(parts[0][1], policy=policy.default))
            return mails
        finally:
            imap.logout()

    def wait_for_mails(self, count: int, timeout: float = 120, check: Optional[Callable[[], str]] = None) -> List[EmailMessage]:
        deadline = time.monotonic() + timeout
        mails: List[EmailMessage] = []
        while time.monotonic() < deadline:
            mails = self.inbox()
            if len(mails) >= count:
                return mails
            time.sleep(0.5)
        raise AssertionError(f"{self.address}: {len(mails)} mails, expected {count}\n{check() if check else ''}")


def text_of(mail: EmailMessage) -> str:
    return mail.get_body(("plain",)).get_content()
