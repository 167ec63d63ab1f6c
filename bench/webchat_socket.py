"""Web-chat benchmark: concurrent citizens on the real socket.io channel at 1, 10 and 50
concurrent conversations; p50/p95/max time from emitting `user_uttered` to the bot's first
`bot_uttered`, messages/s and errors (`webchat_error`, timeouts, connection failures).

Starts the real processes (gateway on SQLite, action server, Rasa server with the web chat
channel, in-memory stores). Each citizen is a python-socketio AsyncClient on the polling
transport (what works from Python against Rasa's aiohttp, see tests/channels/webchat),
asks for a session, then sends the REST benchmark's scripted help request one turn at a
time, waiting for the bot to finish (`bot_typing` false) before the next turn, as the
widget does.

    PYTHONPATH=. .venv/rasa/bin/python bench/webchat_socket.py [--turns 6] [--levels 1,10,50] [--out bench/results/webchat_socket.json]
"""
from __future__ import annotations

import argparse
import asyncio
import secrets
import tempfile
import time
from typing import Any, Dict, List

import socketio

from bench.rest_channel import SCRIPT
from bench.common import load_average, machine, percentile, run_conversations, write_report
from tests.support import processes

ORIGIN = "http://127.0.0.1:8000"
TURN_TIMEOUT_S = 60.0
# python-engineio's client gives up a polling POST after 5 s by default and then drops the
# connection; a browser's socket.io-client has no such limit, so the benchmark waits longer
REQUEST_TIMEOUT_S = 30.0


class Citizen:
    """One browser: a socket, its session, and the time of the last emit."""

    def __init__(self) -> None:
        self.sio = socketio.AsyncClient(reconnection=False, request_timeout=REQUEST_TIMEOUT_S)
        self.closing = False
        self.dropped = False
        self.confirmed: asyncio.Queue = asyncio.Queue()
        self.first_reply = asyncio.Event()
        self.done = asyncio.Event()
        self.errors: List[Any] = []
        self.sio.on("session_confirm", self._on_confirm)
        self.sio.on("bot_uttered", self._on_bot)
        self.sio.on("bot_typing", self._on_typing)
        self.sio.on("webchat_error", self._on_error)
        self.sio.on("disconnect", self._on_disconnect)

    async def _on_disconnect(self, *args: Any) -> None:
        if not self.closing:
            self.dropped = True  # the connection broke while the conversation went on

    async def _on_confirm(self, data: Any = None) -> None:
        await self.confirmed.put(data)

    async def _on_bot(self, data: Any = None) -> None:
        self.first_reply.set()

    async def _on_typing(self, data: Any = None) -> None:
        if isinstance(data, dict) and data.get("typing") is False:
            self.done.set()

    async def _on_error(self, data: Any = None) -> None:
        self.errors.append(data)
        self.done.set()
        self.first_reply.set()

    async def connect(self, url: str) -> str:
        await self.sio.connect(url, headers={"Origin": ORIGIN}, transports=["polling"], wait_timeout=30)
        await self.sio.emit("session_request", {"session_id": None})
        confirm = await asyncio.wait_for(self.confirmed.get(), TURN_TIMEOUT_S)
        return confirm["session_id"]

    async def close(self) -> None:
        self.closing = True
        if self.sio.connected:
            await self.sio._send_packet(self.sio.packet_class(socketio.packet.DISCONNECT))
        await self.sio.eio.disconnect(abort=True)


async def conversation(url: str, turns: int, stats: Dict[str, Any]) -> None:
    citizen = Citizen()
    try:
        try:
            session_id = await citizen.connect(url)
        except Exception as exc:  # counted, not fatal: the other citizens go on
            stats["errors"].append(f"connect: {type(exc).__name__}: {exc}")
            return
        for text in SCRIPT[:turns]:
            citizen.first_reply.clear()
            citizen.done.clear()
            seen_errors = len(citizen.errors)
            start = time.perf_counter()
            await citizen.sio.emit("user_uttered", {"session_id": session_id, "message": text})
            try:
                await asyncio.wait_for(citizen.first_reply.wait(), TURN_TIMEOUT_S)
                stats["latencies"].append((time.perf_counter() - start) * 1000)
                await asyncio.wait_for(citizen.done.wait(), TURN_TIMEOUT_S)
            except asyncio.TimeoutError:
                stats["errors"].append("timeout waiting for the bot")
                return
            if len(citizen.errors) > seen_errors:
                stats["errors"].extend(f"webchat_error: {e}" for e in citizen.errors[seen_errors:])
                return
    finally:
        if citizen.dropped:
            stats["dropped"] += 1
        await citizen.close()


async def load(url: str, concurrency: int, conversations: int, turns: int) -> dict:
    stats: Dict[str, Any] = {"latencies": [], "errors": [], "dropped": 0}
    elapsed = await run_conversations(concurrency, conversations, lambda: conversation(url, turns, stats))
    lat = stats["latencies"]
    return {
        "concurrency": concurrency,
        "conversations": conversations,
        "messages": len(lat),
        "p50_ms": round(percentile(lat, 0.5), 1) if lat else None,
        "p95_ms": round(percentile(lat, 0.95), 1) if lat else None,
        "max_ms": round(max(lat), 1) if lat else None,
        "throughput_msg_s": round(len(lat) / elapsed, 1),
        "errors": len(stats["errors"]),
        "error_samples": sorted(set(stats["errors"]))[:5],
        "connections_dropped": stats["dropped"],
        "over_10s": sum(1 for x in lat if x > 10000),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=len(SCRIPT))
    parser.add_argument("--levels", default="1,10,50")
    parser.add_argument("--out", default="bench/results/webchat_socket.json")
    args = parser.parse_args()

    token, rasa_token = secrets.token_hex(8), secrets.token_hex(8)
    tmp = tempfile.mkdtemp()
    gateway = processes.start_gateway(f"sqlite:///{tmp}/bench.db", token)
    actions = processes.start_action_server(gateway.url, token)
    rasa = processes.start_rasa(actions.url, rasa_token, extra_env={"WEBCHAT_ALLOWED_ORIGINS": ORIGIN})
    try:
        load_before = load_average()
        asyncio.run(load(rasa.url, 1, 3, args.turns))  # warm-up
        results = [asyncio.run(load(rasa.url, c, max(5, c * 2), args.turns))
                   for c in (int(x) for x in args.levels.split(","))]
        report = {
            "machine": machine(),
            "load_average_before": load_before,
            "load_average_after": load_average(),
            "transport": "polling (python-socketio AsyncClient)",
            "client_request_timeout_s": REQUEST_TIMEOUT_S,
            "load": results,
        }
    finally:
        for proc in (rasa, actions, gateway):
            proc.stop()
    write_report(args.out, report)


if __name__ == "__main__":
    main()
