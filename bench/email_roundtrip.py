"""Email-channel benchmark: time from a citizen's SMTP send to the bot's reply landing in
the citizen's mailbox, and mails handled per minute, with the worker on IMAP IDLE and
with the worker polling.

Starts a real Postfix + Dovecot on loopback (tests/support/mailserver.py), the gateway
(SQLite), the action server, the Rasa server with the email channel (in-memory tracker
store) and the mailbox worker (`python -m channels.email`) as a process; the worker and
Rasa share the channel's SQLite state store. Per mode: a warm-up mail, a few mails one at
a time (latency without queueing), then N citizens who each send one complaint at the
same moment (a burst). "Landed" is the delivery time of the reply's file in the citizen's
Maildir (written by Dovecot's LMTP), so no IMAP polling adds load or delay; at the end
every citizen's inbox is read over IMAP to check that exactly one reply, threaded to the
complaint, arrived.

    PYTHONPATH=. .venv/rasa/bin/python bench/email_roundtrip.py [--citizens 20] [--sequential 3]
        [--modes idle,polling] [--poll-interval 5] [--out bench/results/email_roundtrip.json]
"""
from __future__ import annotations

import argparse
import os
import secrets
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, List, Optional

from bench.common import machine, load_average, percentile, write_report
from tests.support import processes
from tests.support.email_peer import Citizen, MailPeer

COMPLAINT = "我要投诉，商州区北新街的烧烤店每天晚上油烟和噪音扰民，一直吵到凌晨两点，希望相关部门管一管。"
REPLY_TIMEOUT_S = 300.0


def landed_at(peer: MailPeer, citizen: Citizen) -> Optional[float]:
    """Delivery time (epoch seconds) of the first mail in the citizen's Maildir, or None."""
    maildir = peer.server.root / "mail" / citizen.address / "Maildir"
    times = []
    for sub in ("new", "cur"):
        try:
            with os.scandir(maildir / sub) as entries:
                times += [e.stat().st_mtime for e in entries if e.is_file()]
        except FileNotFoundError:
            pass
    return min(times) if times else None


def roundtrips(peer: MailPeer, citizens: List[Citizen], parallel: bool) -> Dict[str, object]:
    """Each citizen sends one complaint; waits for every reply; returns the timings."""
    sent: Dict[str, float] = {}
    mails = {}

    def send(c: Citizen) -> None:
        msg = c.new_mail("投诉烧烤店噪音", COMPLAINT)
        mails[c.address] = msg
        sent[c.address] = time.time()
        c.send(msg)

    landed: Dict[str, float] = {}
    errors: List[str] = []
    if parallel:
        with ThreadPoolExecutor(max_workers=min(16, len(citizens))) as pool:
            list(pool.map(send, citizens))
        wait_all(peer, citizens, landed)
    else:
        for c in citizens:
            send(c)
            wait_all(peer, [c], landed)
    for c in citizens:
        if c.address not in landed:
            errors.append(f"{c.address}: no reply within {REPLY_TIMEOUT_S:.0f}s")
            continue
        inbox = c.inbox()
        if len(inbox) != 1:
            errors.append(f"{c.address}: {len(inbox)} replies")
        elif inbox[0]["In-Reply-To"] != mails[c.address]["Message-ID"]:
            errors.append(f"{c.address}: reply not threaded ({inbox[0]['In-Reply-To']})")
    lat = [(landed[a] - sent[a]) * 1000 for a in landed]
    span = (max(landed.values()) - min(sent.values())) if landed else 0.0
    return {
        "mails": len(citizens),
        "replied": len(lat),
        "p50_ms": round(percentile(lat, 0.5), 0) if lat else None,
        "p95_ms": round(percentile(lat, 0.95), 0) if lat else None,
        "max_ms": round(max(lat), 0) if lat else None,
        "mails_per_min": round(len(lat) / span * 60, 1) if span else None,
        "errors": len(errors),
        "error_samples": errors[:5],
    }


def wait_all(peer: MailPeer, citizens: List[Citizen], landed: Dict[str, float]) -> None:
    deadline = time.monotonic() + REPLY_TIMEOUT_S
    waiting = [c for c in citizens if c.address not in landed]
    while waiting and time.monotonic() < deadline:
        for c in list(waiting):
            t = landed_at(peer, c)
            if t is not None:
                landed[c.address] = t
                waiting.remove(c)
        time.sleep(0.05)


def run_mode(peer: MailPeer, worker_env: Dict[str, str], mode: str, args) -> dict:
    env = dict(worker_env)
    env["EMAIL_USE_IDLE"] = "true" if mode == "idle" else "false"
    env["EMAIL_POLL_INTERVAL_S"] = str(args.poll_interval)
    worker = peer.start_worker(env)
    try:
        roundtrips(peer, [peer.citizen("warmup")], parallel=False)  # worker connected, bot warm
        one_at_a_time = roundtrips(peer, [peer.citizen("seq") for _ in range(args.sequential)], parallel=False)
        burst = roundtrips(peer, [peer.citizen("burst") for _ in range(args.citizens)], parallel=True)
    finally:
        worker.stop()
        peer.worker = None
    return {"mode": mode, "poll_interval_s": args.poll_interval if mode == "polling" else None,
            "one_at_a_time": one_at_a_time, "burst": burst}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--citizens", type=int, default=20, help="mails sent at once per mode")
    parser.add_argument("--sequential", type=int, default=3, help="mails sent one at a time per mode")
    parser.add_argument("--modes", default="idle,polling")
    parser.add_argument("--poll-interval", type=float, default=5.0)
    parser.add_argument("--out", default="bench/results/email_roundtrip.json")
    args = parser.parse_args()

    token, rasa_token = secrets.token_hex(8), secrets.token_hex(8)
    tmp = tempfile.mkdtemp()
    store = {"EMAIL_STORE_PATH": f"{tmp}/email_state.sqlite3"}  # shared by the worker and Rasa
    peer = MailPeer.start()
    gateway = actions = rasa = None
    try:
        gateway = processes.start_gateway(f"sqlite:///{tmp}/bench.db", token)
        actions = processes.start_action_server(gateway.url, token)
        rasa = processes.start_rasa(actions.url, rasa_token, extra_env={**peer.rasa_env, **store})
        worker_env = peer.worker_env(rasa.url, "", "", gateway.url, token)
        worker_env.pop("REDIS_URL")
        worker_env.pop("REDIS_KEY_PREFIX")
        worker_env.update(store)
        load_before = load_average()
        results = [run_mode(peer, worker_env, mode, args) for mode in args.modes.split(",")]
        report = {
            "machine": machine(),
            "load_average_before": load_before,
            "load_average_after": load_average(),
            "mail_server": "Postfix + Dovecot (LMTP, IMAP) on loopback",
            "modes": results,
        }
    finally:
        for proc in (rasa, actions, gateway):
            if proc is not None:
                proc.stop()
        peer.stop()
    write_report(args.out, report)


if __name__ == "__main__":
    main()
