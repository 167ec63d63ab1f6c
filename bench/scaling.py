"""One vs two Rasa servers behind nginx, side by side in one run, and the failover time (issue 15).

    PYTHONPATH=. .venv/rasa/bin/python bench/scaling.py [--rounds 1,2,1,2] [--out bench/results/scaling.json]

The processes of tests/support/cluster.py (ScaledStack): one gateway (PostgreSQL), two action
servers behind nginx's actions listener, two Rasa servers on one Redis tracker store and
bot.lock_store.ConcurrentRedisLockStore, and two nginx front ends started from
deploy/nginx.conf.template: one with only the first Rasa server in its upstream, one with both.
The load of bench/rest_channel.py (the same six-message order form per conversation, at 1, 10
and 50 concurrent conversations) goes through nginx's internal listener to one or the other,
alternating 1, 2, 1, 2 in one run: the shared machine's speed varies, so only rounds side by side
compare. The event broker is off unless --events (as in the README's single-process figures).

Failover, on the two-server front end:
  between turns   server 2 killed while idle; the next message of a conversation it was serving
  in a turn       server 2 killed while it holds a conversation's lock (its ticket in Redis);
                  the citizen's client sends again and waits for the ticket to expire
                  (TICKET_LOCK_LIFETIME, --lock-lifetime)
  under load      server 2 killed during 10 concurrent conversations: failed requests, and the
                  slowest answer of a request sent after the kill
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import threading
import time
from typing import Dict, List

import httpx
import redis

from bench.common import load_average, machine, percentile, write_report
from bench.rest_channel import SCRIPT, load, rss_mb
from tests.support import processes
from tests.support.cluster import ScaledStack
from tests.support.proxy import Proxy

REST = "/webhooks/rest/webhook"


def post(url: str, sender: str, text: str, timeout: float = 90) -> httpx.Response:
    return httpx.post(url + REST, json={"sender": sender, "message": text}, headers=processes.rest_headers(),
                      timeout=timeout)


def failover_between_turns(stack: ScaledStack, url: str, victim: int) -> Dict:
    sender = processes.rest_sender("fo-idle")
    for text in SCRIPT[:2]:
        post(url, sender, text).raise_for_status()
    stack.kill_rasa_server(victim)
    killed = time.perf_counter()
    response = post(url, sender, SCRIPT[2])
    return {"status": response.status_code, "answered": bool(response.json()),
            "first_good_answer_s": round(time.perf_counter() - killed, 3)}


def failover_in_a_turn(stack: ScaledStack, url: str, victim: int) -> Dict:
    sender = processes.rest_sender("fo-turn")
    post(url, sender, SCRIPT[0]).raise_for_status()
    store = redis.Redis.from_url(stack.redis_url)
    key = f"{stack.redis_prefix}:lock:{sender}:tickets"
    outcome: Dict = {}

    def in_flight() -> None:
        try:
            outcome["status"] = post(stack.rasa_url(victim), sender, SCRIPT[1], timeout=60).status_code
        except httpx.HTTPError as error:
            outcome["error"] = type(error).__name__

    worker = threading.Thread(target=in_flight)
    worker.start()
    deadline = time.monotonic() + 30
    while not store.exists(key) and time.monotonic() < deadline:
        time.sleep(0.002)
    held = bool(store.exists(key))
    stack.kill_rasa_server(victim)
    killed = time.perf_counter()
    worker.join(timeout=60)
    attempts, response = 0, None
    while time.perf_counter() - killed < 180:  # the citizen's client sends again until answered
        attempts += 1
        try:
            response = post(url, sender, SCRIPT[1])
            if response.status_code == 200 and response.json():
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    return {"lock_held_at_kill": held, "killed_request": outcome, "attempts": attempts,
            "status": response.status_code if response is not None else None,
            "first_good_answer_s": round(time.perf_counter() - killed, 2)}


async def _under_load(url: str, stack: ScaledStack, victim: int, concurrency: int, kill_after_s: float) -> Dict:
    records: List[tuple] = []  # (sent, took, ok)
    killed_at: List[float] = []

    async def conversation(client: httpx.AsyncClient) -> None:
        sender = processes.rest_sender("fo-load")
        for text in SCRIPT:
            sent = time.perf_counter()
            try:
                response = await client.post(url + REST, json={"sender": sender, "message": text},
                                             headers=processes.rest_headers())
                ok = response.status_code == 200 and bool(response.json())
            except httpx.HTTPError:
                ok = False
            records.append((sent, time.perf_counter() - sent, ok))

    async def killer() -> None:
        await asyncio.sleep(kill_after_s)
        await asyncio.to_thread(stack.kill_rasa_server, victim)
        killed_at.append(time.perf_counter())

    async with httpx.AsyncClient(timeout=120, limits=httpx.Limits(max_connections=concurrency)) as client:
        sem = asyncio.Semaphore(concurrency)

        async def one() -> None:
            async with sem:
                await conversation(client)

        await asyncio.gather(killer(), *(one() for _ in range(concurrency * 4)))
    kill = killed_at[0]
    after = [r for r in records if r[0] >= kill]
    return {"concurrency": concurrency, "messages": len(records), "failed": sum(1 for r in records if not r[2]),
            "failed_in_flight_at_kill": sum(1 for r in records if not r[2] and r[0] < kill),
            "slowest_after_kill_s": round(max((r[1] for r in after), default=0), 2),
            "p95_after_kill_ms": round(percentile([r[1] * 1000 for r in after], 0.95), 1) if after else None}


def summary(rounds: List[Dict]) -> Dict:
    out: Dict = {}
    for servers in sorted({r["servers"] for r in rounds}):
        for concurrency in sorted({r["concurrency"] for r in rounds}):
            same = [r for r in rounds if r["servers"] == servers and r["concurrency"] == concurrency]
            out[f"{servers}_servers_c{concurrency}"] = {
                "throughput_msg_s": [r["throughput_msg_s"] for r in same],
                "p50_ms": [r["p50_ms"] for r in same], "p95_ms": [r["p95_ms"] for r in same],
                "throughput_median": statistics.median(r["throughput_msg_s"] for r in same)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", default="1,2,1,2")
    parser.add_argument("--concurrency", default="1,10,50")
    parser.add_argument("--turns", type=int, default=len(SCRIPT))
    parser.add_argument("--lock-lifetime", type=int, default=20, help="TICKET_LOCK_LIFETIME of the servers (s)")
    parser.add_argument("--events", action="store_true", help="the SQL event broker on PostgreSQL")
    parser.add_argument("--out", default="bench/results/scaling.json")
    args = parser.parse_args()

    started = time.perf_counter()
    stack = ScaledStack(2, 2, events=args.events, extra_rasa_env={"TICKET_LOCK_LIFETIME": str(args.lock_lifetime)})
    one_port = processes.free_port()
    one = None
    try:
        one = Proxy.start(stack.rasa_url(0), stack.gateway.url,
                          env={"PROXY_RASA_UPSTREAM": stack.rasa_address(0),
                               "PROXY_INTERNAL_RASA_LISTEN": f"127.0.0.1:{one_port}"})
        front = {1: f"http://127.0.0.1:{one_port}", 2: stack.internal_url}
        start_s = round(time.perf_counter() - started, 1)
        asyncio.run(load(front[2] + REST, 2, 4, args.turns))  # warm-up: both servers, both action servers
        rounds = []
        for servers in (int(n) for n in args.rounds.split(",")):
            for concurrency in (int(c) for c in args.concurrency.split(",")):
                result = asyncio.run(load(front[servers] + REST, concurrency, max(5, concurrency * 2), args.turns))
                rounds.append({"servers": servers, **result, "load_average": load_average()})
                print(rounds[-1], flush=True)
        memory = {"rasa_rss_mb": [round(rss_mb(p.popen.pid)) for p in stack.rasas],
                  "action_server_rss_mb": [round(rss_mb(p.popen.pid)) for p in stack.action_servers]}
        failover = {"lock_lifetime_s": args.lock_lifetime}
        failover["between_turns"] = failover_between_turns(stack, front[2], 1)
        stack.start_rasa_server(1)
        time.sleep(11)  # nginx tries a failed server again after fail_timeout (10 s)
        failover["in_a_turn"] = failover_in_a_turn(stack, front[2], 1)
        stack.start_rasa_server(1)
        time.sleep(11)
        asyncio.run(load(front[2] + REST, 2, 4, args.turns))
        failover["under_load"] = asyncio.run(_under_load(front[2], stack, 1, 10, 5.0))
        report = {"machine": machine(), "load_average_end": load_average(), "events": args.events,
                  "stack_start_s": start_s, "turns_per_conversation": args.turns, **memory,
                  "rounds": rounds, "summary": summary(rounds), "failover": failover}
    finally:
        if one is not None:
            one.stop()
        stack.close()
    write_report(args.out, report)


if __name__ == "__main__":
    main()
