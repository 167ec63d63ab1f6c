"""A loopback HTTP/1.1 relay that can lose the answer: it forwards each request to the
upstream, reads the whole response (so the upstream has done its work and committed),
and then, while ``drop_answers`` is set, closes the client's connection without a byte.
That is the awkward case of exactly-once delivery: the work is done, the caller never
hears of it.

    relay = LostAnswerProxy.start("http://127.0.0.1:8000")
    relay.drop_answers = True     # httpx then raises RemoteProtocolError
    relay.stop()

Standard library only (both venvs). One request per connection.
"""
from __future__ import annotations

import socket
import socketserver
import threading
from dataclasses import dataclass, field
from typing import List, Optional, Tuple
from urllib.parse import urlsplit


def _read_message(sock: socket.socket) -> bytes:
    """One HTTP message with a Content-Length body (or none), as bytes."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def _close_connection(message: bytes) -> bytes:
    """Ask both sides to close after this message (one request per connection)."""
    head, _, body = message.partition(b"\r\n\r\n")
    lines = [line for line in head.split(b"\r\n") if not line.lower().startswith(b"connection:")]
    return b"\r\n".join(lines + [b"Connection: close"]) + b"\r\n\r\n" + body


@dataclass
class LostAnswerProxy:
    upstream: Tuple[str, int]
    drop_answers: bool = False
    answers_lost: int = 0
    requests: List[bytes] = field(default_factory=list)
    _server: Optional[socketserver.ThreadingTCPServer] = None

    @classmethod
    def start(cls, upstream_url: str) -> "LostAnswerProxy":
        parts = urlsplit(upstream_url)
        relay = cls(upstream=(parts.hostname or "127.0.0.1", parts.port or 80))

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                relay._relay(self.request)

        server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        relay._server = server
        threading.Thread(target=server.serve_forever, name="lost-answer-proxy", daemon=True).start()
        return relay

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def _relay(self, client: socket.socket) -> None:
        request = _read_message(client)
        if not request:
            return
        self.requests.append(request)
        with socket.create_connection(self.upstream, timeout=30) as upstream:
            upstream.sendall(_close_connection(request))
            answer = _read_message(upstream)
        if self.drop_answers:
            self.answers_lost += 1
            client.close()  # the upstream answered; the caller gets nothing
            return
        client.sendall(_close_connection(answer))

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
