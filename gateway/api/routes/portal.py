"""The chat widget's files (/widget/*) and a demo portal page (/) with the widget embedded.

The widget talks to the Rasa server's webchat channel at GATEWAY_WEBCHAT_SOCKET_URL
(default http://localhost:5005); the page's Content-Security-Policy allows exactly that
origin for connections and only this server for scripts and styles.
"""
from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

WEB_DIR = Path(__file__).resolve().parents[2] / "web"
WIDGET_DIR = WEB_DIR / "widget"
PORTAL_DIR = WEB_DIR / "portal"
# the only files served under /widget/ (no directory listing, no path tricks)
WIDGET_FILES = {
    "widget.js": "text/javascript; charset=utf-8",
    "widget.css": "text/css; charset=utf-8",
    "vendor/socket.io.min.js": "text/javascript; charset=utf-8",
}

router = APIRouter(tags=["portal"])


@lru_cache(maxsize=1)
def _templates() -> Environment:
    return Environment(loader=FileSystemLoader(str(PORTAL_DIR)), autoescape=select_autoescape(["html"]))


def socket_origins(socket_url: str) -> str:
    """CSP connect-src sources for the socket URL: its http(s) and ws(s) origin."""
    parts = urlsplit(socket_url)
    origin = f"{parts.scheme}://{parts.netloc}"
    ws = ("wss" if parts.scheme == "https" else "ws") + f"://{parts.netloc}"
    return f"{origin} {ws}"


def content_security_policy(socket_url: str, nonce: str) -> str:
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        f"style-src 'self' 'nonce-{nonce}'",
        "img-src 'self' data:",
        f"connect-src 'self' {socket_origins(socket_url)}",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "object-src 'none'",
    ])


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def portal_page(request: Request) -> HTMLResponse:
    socket_url = request.app.state.settings.webchat_socket_url
    nonce = secrets.token_urlsafe(16)
    html = _templates().get_template("index.html").render(socket_url=socket_url, nonce=nonce)
    return HTMLResponse(html, headers={
        "Content-Security-Policy": content_security_policy(socket_url, nonce),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "Cache-Control": "no-store",
    })


@router.get("/widget/{path:path}", include_in_schema=False)
def widget_file(path: str) -> FileResponse:
    media_type = WIDGET_FILES.get(path)
    if media_type is None:
        raise HTTPException(status_code=404, detail="文件不存在")
    return FileResponse(WIDGET_DIR / path, media_type=media_type, headers={
        "Cache-Control": "public, max-age=300",
        "X-Content-Type-Options": "nosniff",
        "Access-Control-Allow-Origin": "*",  # any portal page may embed the widget
    })
