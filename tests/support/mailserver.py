"""A real Postfix (SMTP) + Dovecot (IMAP with IDLE, LMTP) on loopback, in a private folder.

Recipe and pitfalls: ../shared/notes/test-peers.md. Postfix delivers mail for every
domain to Dovecot's LMTP listener, so nothing leaves the machine; every user gets a
passwd file of its own (Dovecot re-reads a shared one at most once a second). Needs
root (both daemons drop privileges) and the Debian packages postfix, dovecot-imapd,
dovecot-lmtpd.

    server = MailServer.start(tmp_dir)
    server.add_user("hotline@hotline.test", "secret")
    ... SMTP on server.smtp_port, IMAP on server.imap_port (no TLS, loopback only) ...
    server.stop()
"""
from __future__ import annotations

import os
import shutil
import smtplib
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Optional

from tests.support.processes import free_port

MAIL_UID = "mail"  # Dovecot delivers as this system user (uid 8), never as root

_MASTER_CF = """\
{smtp_listen} inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""

_MAIN_CF = """\
compatibility_level = 3.6
queue_directory = {queue}
data_directory = {data}
mail_owner = postfix
myhostname = mail.hotline.test
mydomain = hotline.test
myorigin = hotline.test
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mydestination =
mynetworks = 127.0.0.0/8
relay_domains =
local_recipient_maps =
alias_maps =
alias_database =
default_transport = lmtp:inet:127.0.0.1:{lmtp}
relay_transport = lmtp:inet:127.0.0.1:{lmtp}
local_transport = lmtp:inet:127.0.0.1:{lmtp}
smtp_dns_support_level = disabled
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_recipient_restrictions = permit_mynetworks, reject
smtpd_banner = $myhostname ESMTP
message_size_limit = 52428800
maillog_file = {maillog}
maillog_file_prefixes = {root}
biff = no
append_dot_mydomain = no
readme_directory = no
shlib_directory = /usr/lib/postfix
daemon_directory = /usr/lib/postfix/sbin
meta_directory = /etc/postfix
"""

_DOVECOT_CONF = """\
base_dir = {root}/dovecot-run
state_dir = {root}/dovecot-state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
listen = 127.0.0.1
protocols = imap lmtp
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:~/Maildir
first_valid_uid = 1
mail_uid = {uid}
mail_gid = {gid}
default_internal_user = dovecot
default_login_user = dovenull
lmtp_save_to_detail_mailbox = no
recipient_delimiter =
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users/%u.passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/mail/%u allow_all_users=yes
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {lmtp}
  }}
}}
service auth {{
  unix_listener auth-userdb {{
    mode = 0666
  }}
}}
protocol imap {{
  mail_max_userip_connections = 50
}}
"""


def _wait_port(port: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout:.0f}s")


@dataclass
class MailServer:
    root: Path
    smtp_port: int
    imap_port: int
    lmtp_port: int

    @classmethod
    def start_private(cls) -> "MailServer":
        """In a fresh folder under var/test-mail/. Not under pytest's tmp_path: every pytest
        session (also another one running in parallel) resets /tmp/pytest-of-<user> to 0700,
        and then the daemons' users (postfix, dovecot, mail) can no longer reach their files."""
        from tests.support.processes import ROOT

        return cls.start(ROOT / "var" / "test-mail" / uuid.uuid4().hex[:8])

    @classmethod
    def start(cls, root: Path) -> "MailServer":
        if shutil.which("postfix") is None or shutil.which("dovecot") is None:
            raise RuntimeError("postfix and dovecot are not installed (see ../shared/notes/test-peers.md)")
        root = Path(root).resolve()
        server = cls(root, free_port(), free_port(), free_port())
        server._write_config()
        try:
            server._start_dovecot()
            server._start_postfix()
        except BaseException:
            server.stop()
            raise
        return server

    # -- configuration
    def _write_config(self) -> None:
        import grp
        import pwd

        uid, gid = pwd.getpwnam(MAIL_UID).pw_uid, grp.getgrnam(MAIL_UID).gr_gid
        pf = self.root / "postfix"
        for folder in (pf / "conf", pf / "queue", pf / "data", self.root / "users", self.root / "mail",
                       self.root / "dovecot-run", self.root / "dovecot-state"):
            folder.mkdir(parents=True, exist_ok=True)
        # the daemons' users must reach their folders
        for folder in [self.root, *self.root.parents]:
            if folder == Path("/"):
                break
            mode = folder.stat().st_mode
            if not mode & 0o001:
                os.chmod(folder, mode | 0o711)
        os.chown(pf / "data", pwd.getpwnam("postfix").pw_uid, grp.getgrnam("postfix").gr_gid)
        os.chown(self.root / "mail", uid, gid)
        (pf / "conf" / "main.cf").write_text(_MAIN_CF.format(
            queue=pf / "queue", data=pf / "data", lmtp=self.lmtp_port, maillog=pf / "maillog", root=self.root))
        (pf / "conf" / "master.cf").write_text(_MASTER_CF.format(smtp_listen=f"127.0.0.1:{self.smtp_port}"))
        (self.root / "dovecot.conf").write_text(_DOVECOT_CONF.format(
            root=self.root, uid=uid, gid=gid, imap=self.imap_port, lmtp=self.lmtp_port))

    def add_user(self, address: str, password: str) -> None:
        """One passwd file per user, so the login works at once."""
        path = self.root / "users" / f"{address}.passwd"
        path.write_text(f"{address}:{{PLAIN}}{password}\n")
        os.chmod(path, 0o644)

    # -- processes (stdin/stdout/stderr redirected: Dovecot keeps the caller's stderr open)
    def _run(self, args, log_name: str, timeout: float = 60) -> None:
        with open(self.root / log_name, "ab") as log:
            result = subprocess.run(args, stdin=subprocess.DEVNULL, stdout=log, stderr=log, timeout=timeout)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(map(str, args))} failed ({result.returncode}):\n{self.log_tail(log_name)}")

    def _start_dovecot(self) -> None:
        self._run(["dovecot", "-c", str(self.root / "dovecot.conf")], "dovecot-start.log")
        _wait_port(self.imap_port)
        _wait_port(self.lmtp_port)

    def _start_postfix(self) -> None:
        conf = str(self.root / "postfix" / "conf")
        self._run(["postfix", "-c", conf, "set-permissions"], "postfix-start.log", timeout=120)
        self._run(["postfix", "-c", conf, "start"], "postfix-start.log")
        _wait_port(self.smtp_port)

    def stop(self, remove: bool = False) -> None:
        """Stops both daemons; `remove` also deletes the folder (mailboxes, queue, logs)."""
        self._stop()
        if remove:
            shutil.rmtree(self.root, ignore_errors=True)

    def _stop(self) -> None:
        conf = self.root / "postfix" / "conf"
        if (conf / "main.cf").exists():
            subprocess.run(["postfix", "-c", str(conf), "stop"], stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
        pid_file = self.root / "dovecot-run" / "master.pid"
        if pid_file.exists():
            subprocess.run(["doveadm", "-c", str(self.root / "dovecot.conf"), "stop"], stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)

    def log_tail(self, name: str = "postfix/maillog", lines: int = 40) -> str:
        try:
            return "\n".join((self.root / name).read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    # -- helpers for tests
    def send(self, message: EmailMessage, *, mail_from: Optional[str] = None) -> None:
        """Hands a mail to Postfix over SMTP, as a citizen's mail program would."""
        with smtplib.SMTP("127.0.0.1", self.smtp_port, timeout=30) as smtp:
            smtp.send_message(message, from_addr=mail_from)

    def send_raw(self, raw: bytes, mail_from: str, to: str) -> None:
        with smtplib.SMTP("127.0.0.1", self.smtp_port, timeout=30) as smtp:
            smtp.sendmail(mail_from, [to], raw)
