"""WeChat-channel benchmark: sustained inbound messages (safe mode, signed and encrypted
like WeChat's) at 1, 10 and 50 concurrent citizens; p50/p95 time to the HTTP answer and
the share answered passively vs. `success` + customer-service message.

Starts the real processes (gateway on SQLite, action server, Rasa server with the WeChat
channel, in-memory stores) and a fake WeChat API on loopback.

    PYTHONPATH=. .venv/rasa/bin/python bench/wechat_inbound.py [--turns 6] [--out bench/results/wechat_inbound.json]
"""
from __future__ import annotations

import argparse
import asyncio
import secrets
import tempfile
import time
import uuid

import httpx
import xmltodict

from bench.rest_channel import SCRIPT
from tests.channels.wechat.wechat_peers import AES_KEY, APP_ID, APP_SECRET, TOKEN, FakeWeChatApi, WeChatServer
from bench.common import machine, percentile, run_conversations, write_report
from tests.support import processes


async def conversation(client: httpx.AsyncClient, wechat: WeChatServer, turns: int, stats: dict) -> None:
    openid = "o" + uuid.uuid4().hex[:27]
    for text in SCRIPT[:turns]:
        query = wechat.query()
        enc = xmltodict.parse(wechat.crypto.encrypt_message(wechat.text(openid, text), query["nonce"], query["timestamp"]))["xml"]
        body = f"<xml><ToUserName>{wechat.account}</ToUserName><Encrypt>{enc['Encrypt']}</Encrypt></xml>"
        query.update(openid=openid, encrypt_type="aes", msg_signature=enc["MsgSignature"])
        start = time.perf_counter()
        response = await client.post(wechat.url, params=query, content=body.encode())
        stats["latencies"].append((time.perf_counter() - start) * 1000)
        response.raise_for_status()
        stats["async" if response.text == "success" else "passive"] += 1


async def load(wechat: WeChatServer, concurrency: int, conversations: int, turns: int) -> dict:
    stats = {"latencies": [], "passive": 0, "async": 0}
    async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=concurrency)) as client:
        elapsed = await run_conversations(concurrency, conversations,
                                          lambda: conversation(client, wechat, turns, stats))
    n = len(stats["latencies"])
    return {
        "concurrency": concurrency,
        "messages": n,
        "p50_ms": round(percentile(stats["latencies"], 0.5), 1),
        "p95_ms": round(percentile(stats["latencies"], 0.95), 1),
        "throughput_msg_s": round(n / elapsed, 1),
        "passive_share": round(stats["passive"] / n, 3),
        "async_share": round(stats["async"] / n, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=len(SCRIPT))
    parser.add_argument("--levels", default="1,10,50")
    parser.add_argument("--out", default="bench/results/wechat_inbound.json")
    args = parser.parse_args()

    api = FakeWeChatApi()
    token, rasa_token = secrets.token_hex(8), secrets.token_hex(8)
    tmp = tempfile.mkdtemp()
    gateway = processes.start_gateway(f"sqlite:///{tmp}/bench.db", token)
    actions = processes.start_action_server(gateway.url, token)
    rasa = processes.start_rasa(actions.url, rasa_token, extra_env={
        "WECHAT_TOKEN": TOKEN, "WECHAT_APP_ID": APP_ID, "WECHAT_APP_SECRET": APP_SECRET,
        "WECHAT_ENCODING_AES_KEY": AES_KEY, "WECHAT_API_BASE_URL": api.url})
    try:
        wechat = WeChatServer(f"{rasa.url}/webhooks/wechat/webhook")
        asyncio.run(load(wechat, 1, 3, args.turns))  # warm-up
        results = [asyncio.run(load(wechat, c, max(5, c * 2), args.turns))
                   for c in (int(x) for x in args.levels.split(","))]
        report = {
            "machine": machine(),
            "reply_budget_s": 4.0,
            "customer_service_messages_sent": len(api.sent),
            "load": results,
        }
    finally:
        for proc in (rasa, actions, gateway):
            proc.stop()
        api.close()
    write_report(args.out, report)


if __name__ == "__main__":
    main()
