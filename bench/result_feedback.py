"""Issue 14: time from the unit's accepted result to the citizen's message, per channel, and
delivery success under a flaky WeChat API. The whole stack for real (tests/e2e/conftest.Stack:
gateway on PostgreSQL with its notification worker, action server, Rasa with the Redis tracker
store, the fake WeChat API on loopback, a socket.io client as the open web chat page).

    PYTHONPATH=. .venv/rasa/bin/python bench/result_feedback.py --orders 100

The clock starts when ``review_approve`` has answered (the notification row is committed) and
stops when the fake WeChat API records the customer-service message / the open page gets the
``bot_uttered`` event. Email is not measured here (bench/email_roundtrip.py measures the mail path).
"""
from __future__ import annotations

import argparse
import asyncio
import threading
import time
import uuid
from typing import Dict, List

import httpx
import socketio

from bench.common import load_average, machine, percentile, write_report
from channels.webchat.session import sender_for
from tests.e2e.conftest import Stack
from tests.e2e.test_result_feedback import completed
from tests.support import processes


def summary(latencies: List[float], expected: int) -> Dict[str, float]:
    ms = [x * 1000 for x in latencies]
    return {"delivered": len(ms), "of": expected, "p50_ms": round(percentile(ms, 0.5), 1) if ms else None,
            "p95_ms": round(percentile(ms, 0.95), 1) if ms else None, "max_ms": round(max(ms), 1) if ms else None}


def wait_wechat(stack: Stack, started: Dict[str, float], timeout: float) -> Dict[str, float]:
    seen: Dict[str, float] = {}
    deadline = time.monotonic() + timeout
    while len(seen) < len(started) and time.monotonic() < deadline:
        with stack.wechat_api.lock:
            texts = [m["text"]["content"] for m in stack.wechat_api.sent]
        now = time.monotonic()
        for order_no in started:
            if order_no not in seen and any(order_no in t for t in texts):
                seen[order_no] = now - started[order_no]
        time.sleep(0.01)
    return seen


def wechat(stack: Stack, orders: int) -> Dict[str, float]:
    started: Dict[str, float] = {}
    for _ in range(orders):
        order_no = completed(stack, "wechat", "o" + uuid.uuid4().hex[:27])
        started[order_no] = time.monotonic()
    return summary(list(wait_wechat(stack, started, 120).values()), orders)


def outcomes(stack: Stack, numbers: List[str]) -> Dict[str, int]:
    counts: Dict[str, int] = {}
    with httpx.Client(base_url=f"{stack.gateway.url}/api/v1", timeout=10,
                      headers={"Authorization": f"Bearer {stack.agent_token}"}) as agent:
        for order_no in numbers:
            items = agent.get(f"/orders/{order_no}/notifications").json()["items"]
            key = (items[0]["outcome"] or "pending") if items else "none"
            counts[key] = counts.get(key, 0) + 1
    return counts


def flaky_wechat(stack: Stack, orders: int, failures: int) -> Dict[str, object]:
    stack.wechat_api.flaky = failures  # the next N customer-service sends answer -1 (system busy)
    started: Dict[str, float] = {}
    for _ in range(orders):
        started[completed(stack, "wechat", "o" + uuid.uuid4().hex[:27])] = time.monotonic()
    seen = wait_wechat(stack, started, 120)
    time.sleep(2)  # the last outcomes reach the gateway
    return {"failures_injected": failures, **summary(list(seen.values()), orders),
            "outcomes": outcomes(stack, list(started))}


async def webchat(stack: Stack, orders: int) -> Dict[str, float]:
    sio = socketio.AsyncClient(reconnection=False)
    arrived: Dict[str, float] = {}
    confirmed: asyncio.Future = asyncio.get_running_loop().create_future()
    started: Dict[str, float] = {}

    def on_bot(data) -> None:
        now = time.monotonic()
        for order_no in started:
            if order_no in (data.get("text") or "") and order_no not in arrived:
                arrived[order_no] = now - started[order_no]

    sio.on("bot_uttered", on_bot)
    sio.on("session_confirm", lambda data: confirmed.done() or confirmed.set_result(data["session_id"]))
    await sio.connect(stack.rasa.url, headers={"Origin": stack.gateway_origin}, transports=["polling"],
                      wait_timeout=10)
    await sio.emit("session_request", {"session_id": None})
    sender = sender_for(processes.WEBCHAT_SENDER_SECRET, await asyncio.wait_for(confirmed, 10))
    for i in range(orders):
        order_no = await asyncio.to_thread(completed, stack, "webchat", sender,
                                           description=f"北新街第{i}处路灯坏了一个星期，晚上很黑。")
        started[order_no] = time.monotonic()
    deadline = time.monotonic() + 120
    while len(arrived) < orders and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    await sio.eio.disconnect(abort=True)
    return summary(list(arrived.values()), orders)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=100)
    parser.add_argument("--flaky", type=int, default=60, help="customer-service sends that fail (-1) in the flaky run")
    parser.add_argument("--out", default="bench/results/result_feedback.json")
    args = parser.parse_args()
    stack = Stack()
    try:
        report = {"machine": machine(), "load_before": load_average(), "orders_per_channel": args.orders,
                  "notify_poll_s": 1.0}
        report["wechat"] = wechat(stack, args.orders)
        report["webchat_open_page"] = asyncio.run(webchat(stack, args.orders))
        report["wechat_flaky"] = flaky_wechat(stack, args.orders, args.flaky)
        report["load_after"] = load_average()
        write_report(args.out, report)
    finally:
        stack.close()


if __name__ == "__main__":
    threading.excepthook = lambda args: None  # socket.io's polling threads at exit
    main()
