"""Test peers of the WeChat channel: a fake WeChat API on loopback and a WeChat-server
simulator that signs and encrypts requests with wechatpy's own crypto."""
from __future__ import annotations

import hashlib
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Dict, List, Optional, Set
from urllib.parse import parse_qs, urlparse

import httpx
import xmltodict
from wechatpy.crypto import WeChatCrypto

TOKEN = "hotlineTestToken"
APP_ID = "wx1234567890abcdef"
RESULT_TEMPLATE_ID = "tmpl-order-result-0001"  # the city account's result template (issue 14)
APP_SECRET = "test-app-secret"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # 43 characters
ACCOUNT = "gh_hotline12345"


class FakeWeChatApi:
    """GET /cgi-bin/token and POST /cgi-bin/message/custom/send, like api.weixin.qq.com."""

    def __init__(self, app_id: str = APP_ID, secret: str = APP_SECRET) -> None:
        self.app_id, self.secret = app_id, secret
        self.sent: List[Dict] = []
        self.token_fetches = 0
        self.out_of_window: Set[str] = set()  # OpenIDs that get 45015
        self.templates: List[Dict] = []  # template messages (message/template/send)
        self.flaky = 0  # the next N customer-service sends answer -1 (system busy)
        self.current_token: Optional[str] = None
        self.media: Dict[str, bytes] = {}  # MediaId → bytes that GET media/get returns
        self.media_fetches = 0
        self.lock = threading.Lock()
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _json(self, payload: Dict) -> None:
                body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
                self.send_response(200)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                url = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path == "/cgi-bin/media/get":
                    return self._media(query)
                if url.path != "/cgi-bin/token":
                    return self._json({"errcode": 404, "errmsg": "not found"})
                if query.get("appid") != api.app_id or query.get("secret") != api.secret:
                    return self._json({"errcode": 40125, "errmsg": "invalid appsecret"})
                with api.lock:
                    api.token_fetches += 1
                    api.current_token = f"ACCESS-{api.token_fetches}-{uuid.uuid4().hex[:6]}"
                    return self._json({"access_token": api.current_token, "expires_in": 7200})

            def _media(self, query: Dict[str, str]) -> None:
                with api.lock:
                    api.media_fetches += 1
                    if query.get("access_token") != api.current_token:
                        return self._json({"errcode": 40001, "errmsg": "invalid credential"})
                    data = api.media.get(query.get("media_id", ""))
                if data is None:
                    return self._json({"errcode": 40007, "errmsg": "invalid media_id"})
                self.send_response(200)
                self.send_header("Content-Type", "image/jpeg")
                self.send_header("Content-Disposition", f'attachment; filename="{query["media_id"]}.jpg"')
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                url = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                length = int(self.headers.get("Content-Length") or 0)
                data = json.loads(self.rfile.read(length).decode("utf-8"))
                if url.path == "/cgi-bin/message/template/send":
                    with api.lock:
                        if query.get("access_token") != api.current_token:
                            return self._json({"errcode": 40001, "errmsg": "invalid credential"})
                        api.templates.append(data)
                    return self._json({"errcode": 0, "errmsg": "ok", "msgid": len(api.templates)})
                if url.path != "/cgi-bin/message/custom/send":
                    return self._json({"errcode": 404, "errmsg": "not found"})
                with api.lock:
                    if query.get("access_token") != api.current_token:
                        return self._json({"errcode": 40001, "errmsg": "invalid credential"})
                    if api.flaky > 0:
                        api.flaky -= 1
                        return self._json({"errcode": -1, "errmsg": "system error"})
                    if data.get("touser") in api.out_of_window:
                        return self._json({"errcode": 45015, "errmsg": "response out of time limit or subscription is canceled"})
                    api.sent.append(data)
                return self._json({"errcode": 0, "errmsg": "ok"})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/cgi-bin/"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def texts_to(self, openid: str) -> List[str]:
        with self.lock:
            return [m["text"]["content"] for m in self.sent if m.get("touser") == openid]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _sign(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


class WeChatServer:
    """Plays the WeChat server: builds message XML and posts it signed (and encrypted)."""

    def __init__(self, webhook_url: str, token: str = TOKEN, aes_key: str = AES_KEY, app_id: str = APP_ID,
                 account: str = ACCOUNT) -> None:
        self.url = webhook_url
        self.token, self.app_id, self.account = token, app_id, account
        self.crypto = WeChatCrypto(token, aes_key, app_id)
        self._msg_id = int(time.time() * 1000) % 10**12 * 1000

    # -- messages
    def next_msg_id(self) -> str:
        self._msg_id += 1
        return str(self._msg_id)

    def xml(self, openid: str, msg_type: str, msg_id: Optional[str] = None, create_time: Optional[int] = None,
            **fields: str) -> str:
        body = {"ToUserName": self.account, "FromUserName": openid,
                "CreateTime": str(create_time or int(time.time())), "MsgType": msg_type, **fields}
        if msg_type != "event":
            body["MsgId"] = msg_id or self.next_msg_id()
        return xmltodict.unparse({"xml": body}, full_document=False)

    def text(self, openid: str, content: str, msg_id: Optional[str] = None) -> str:
        return self.xml(openid, "text", msg_id=msg_id, Content=content)

    # -- transport
    def query(self, timestamp: Optional[str] = None, nonce: Optional[str] = None) -> Dict[str, str]:
        timestamp = timestamp or str(int(time.time()))
        nonce = nonce or uuid.uuid4().hex[:10]
        return {"signature": _sign(self.token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce}

    def verify_url(self, echostr: str = "echo-123", tamper: bool = False) -> httpx.Response:
        query = dict(self.query(), echostr=echostr)
        if tamper:
            query["signature"] = "0" * 40
        return httpx.get(self.url, params=query, timeout=30)

    def post_plain(self, xml: str, tamper: bool = False, timeout: float = 30) -> httpx.Response:
        query = self.query()
        if tamper:
            query["signature"] = query["signature"][::-1]
        return httpx.post(self.url, params=query, content=xml.encode("utf-8"), timeout=timeout)

    def signed_aes(self, xml: str, openid: str = "", tamper: bool = False, compatible: bool = False,
                   timestamp: Optional[str] = None, nonce: Optional[str] = None):
        """(query, body) of a safe-mode request as WeChat sends it."""
        query = self.query(timestamp=timestamp, nonce=nonce)
        encrypted = xmltodict.parse(self.crypto.encrypt_message(xml, query["nonce"], query["timestamp"]))["xml"]
        if compatible:  # 兼容模式: plaintext fields and <Encrypt> in one body
            body_dict = dict(xmltodict.parse(xml)["xml"], Encrypt=encrypted["Encrypt"])
        else:
            body_dict = {"ToUserName": self.account, "Encrypt": encrypted["Encrypt"]}
        body = xmltodict.unparse({"xml": body_dict}, full_document=False)
        signature = encrypted["MsgSignature"]
        if tamper:
            signature = signature[:-4] + "abcd"
        query.update(openid=openid, encrypt_type="aes", msg_signature=signature)
        return query, body.encode("utf-8")

    def post_signed(self, query: Dict[str, str], body: bytes, timeout: float = 30) -> httpx.Response:
        """Posts a request exactly as given (a replay posts the same one again)."""
        return httpx.post(self.url, params=query, content=body, timeout=timeout)

    def post_aes(self, xml: str, openid: str = "", tamper: bool = False, compatible: bool = False,
                 timeout: float = 30, timestamp: Optional[str] = None) -> httpx.Response:
        query, body = self.signed_aes(xml, openid, tamper, compatible, timestamp=timestamp)
        return self.post_signed(query, body, timeout)

    def open_reply(self, response: httpx.Response) -> str:
        """The text content of a passive reply ("" for `success`), decrypting safe-mode replies."""
        body = response.text
        if body in ("", "success"):
            return ""
        doc = xmltodict.parse(body)["xml"]
        if "Encrypt" in doc:
            plain = self.crypto.decrypt_message(body, doc["MsgSignature"], doc["TimeStamp"], doc["Nonce"])
            doc = xmltodict.parse(plain)["xml"]
        return doc.get("Content") or ""
