"""REST-channel benchmark: latency p50/p95 and throughput at 1, 10 and 50 concurrent
conversations, Rasa server start time and memory. Starts the real processes
(gateway on SQLite, action server, Rasa server with the in-memory tracker store).

    PYTHONPATH=. .venv/rasa/bin/python bench/rest_channel.py [--turns 6] [--out bench/results/rest_channel.json]
"""
from __future__ import annotations

import argparse
import asyncio
import secrets
import tempfile
import time
from pathlib import Path

import httpx

from bench.common import machine, percentile, run_conversations, write_report
from tests.support import processes

# one conversation: a help request that runs the whole order form and submits
SCRIPT = [
    "我们商州区北新街的小区停水两天了一直没人管",
    "北新街中段工商银行家属院",
    "我叫王建军",
    "13891400001",
    "需要回复",
    "确认",
]


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, in MB."""
    total = 0
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


async def conversation(client: httpx.AsyncClient, url: str, turns: int, latencies: list) -> None:
    sender = processes.rest_sender("bench")
    for text in SCRIPT[:turns]:
        start = time.perf_counter()
        response = await client.post(url, json={"sender": sender, "message": text}, headers=processes.rest_headers())
        response.raise_for_status()
        latencies.append((time.perf_counter() - start) * 1000)


async def load(url: str, concurrency: int, conversations: int, turns: int) -> dict:
    latencies: list = []
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:
        elapsed = await run_conversations(concurrency, conversations,
                                          lambda: conversation(client, url, turns, latencies))
    return {
        "concurrency": concurrency,
        "messages": len(latencies),
        "p50_ms": round(percentile(latencies, 0.5), 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
        "throughput_msg_s": round(len(latencies) / elapsed, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=len(SCRIPT))
    parser.add_argument("--out", default="bench/results/rest_channel.json")
    args = parser.parse_args()

    token, rasa_token = secrets.token_hex(8), secrets.token_hex(8)
    tmp = tempfile.mkdtemp()
    gateway = processes.start_gateway(f"sqlite:///{tmp}/bench.db", token)
    actions = processes.start_action_server(gateway.url, token)
    t0 = time.perf_counter()
    rasa = processes.start_rasa(actions.url, rasa_token)
    start_s = time.perf_counter() - t0
    try:
        url = f"{rasa.url}/webhooks/rest/webhook"
        asyncio.run(load(url, 1, 3, args.turns))  # warm-up
        results = [asyncio.run(load(url, c, max(5, c * 2), args.turns)) for c in (1, 10, 50)]
        report = {
            "machine": machine(),
            "rasa_start_s": round(start_s, 1),
            "rasa_rss_mb": round(rss_mb(rasa.popen.pid), 0),
            "action_server_rss_mb": round(rss_mb(actions.popen.pid), 0),
            "gateway_rss_mb": round(rss_mb(gateway.popen.pid), 0),
            "load": results,
        }
    finally:
        for proc in (rasa, actions, gateway):
            proc.stop()
    write_report(args.out, report)


if __name__ == "__main__":
    main()
