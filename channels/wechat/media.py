"""Images a citizen sends: fetched from WeChat's media API before the media expires
(temporary media live 3 days), uploaded to the order gateway as an attachment.

The WeChat call blocks (wechatpy/requests) and runs in an executor; the gateway
upload is async (httpx). Any failure is logged and the media id stays in the
evidence store: the citizen is never told that something went wrong.
"""
from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from typing import Any, Dict, Optional

import httpx
from wechatpy.exceptions import WeChatClientException

from channels.wechat.api import HotlineWeChatClient
from channels.wechat.masking import mask
from channels.wechat.settings import Settings
from vocabulary.channels import WECHAT

logger = logging.getLogger(__name__)

_FILENAME = re.compile(r"filename\*?=(?:UTF-8'')?\"?([^\";]+)\"?", re.IGNORECASE)
_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "image/webp": "webp", "image/bmp": "bmp"}


class MediaUnavailable(Exception):
    pass


class _MediaError(WeChatClientException):
    """media/get answered JSON instead of the media: `with_token` renews a rejected token."""


@dataclass
class Media:
    data: bytes
    filename: str
    content_type: str


def download_blocking(client: HotlineWeChatClient, media_id: str, max_bytes: int) -> Media:
    """GET {base}media/get (临时素材), streamed up to `max_bytes`; a rejected token is
    renewed once (the client's `with_token`, as for the messages it sends)."""
    if not media_id or len(media_id) > 256:
        raise MediaUnavailable("no usable MediaId")

    def get(token: str) -> Media:
        with client.downloads.get(client.API_BASE_URL + "media/get",
                                  params={"access_token": token, "media_id": media_id},
                                  timeout=client.timeout, stream=True) as response:
            content_type = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            if response.status_code != 200:
                raise MediaUnavailable(f"HTTP {response.status_code}")
            if content_type in ("application/json", "text/plain", "text/json"):
                body = response.json() if response.content else {}
                raise _MediaError(body.get("errcode"), body.get("errmsg"))
            data = b""
            for chunk in response.iter_content(64 * 1024):
                data += chunk
                if len(data) > max_bytes:
                    raise MediaUnavailable(f"larger than {max_bytes} bytes")
            match = _FILENAME.search(response.headers.get("Content-Disposition") or "")
            filename = match.group(1).strip() if match else ""
            if not filename:
                filename = f"微信图片-{media_id[:16]}.{_EXTENSIONS.get(content_type, 'jpg')}"
            return Media(data, filename, content_type or "application/octet-stream")

    try:
        return client.with_token(get)
    except _MediaError as exc:  # a failure to get a token at all goes to the caller as it is
        raise MediaUnavailable(f"errcode {exc.errcode}: {exc.errmsg}") from None


class MediaKeeper:
    """Downloads an image message's media and uploads it to the gateway."""

    def __init__(self, settings: Settings, client: Optional[HotlineWeChatClient]) -> None:
        self.settings = settings
        self.client = client

    @property
    def enabled(self) -> bool:
        return self.client is not None and bool(self.settings.gateway_url and self.settings.gateway_token)

    async def keep(self, sender: str, media_id: str) -> Optional[Dict[str, str]]:
        """The gateway attachment {id, filename, content_type}, or None (logged) when it failed."""
        if not self.enabled:
            logger.info("WeChat image %s of %s kept as media id only (no AppSecret or gateway token)",
                        media_id, mask(sender))
            return None
        loop = asyncio.get_running_loop()
        try:
            media = await loop.run_in_executor(
                None, download_blocking, self.client, media_id, self.settings.media_max_bytes)
        except Exception as exc:  # MediaUnavailable, network errors, token lock timeouts
            logger.warning("WeChat image %s of %s not downloaded: %s", media_id, mask(sender), exc)
            return None
        try:
            return await self._upload(sender, media)
        except Exception as exc:
            logger.warning("WeChat image %s of %s not stored in the gateway: %s", media_id, mask(sender), exc)
            return None

    async def _upload(self, sender: str, media: Media) -> Dict[str, str]:
        async with httpx.AsyncClient(timeout=self.settings.http_timeout_s) as http:
            response = await http.post(
                f"{self.settings.gateway_url}/api/v1/attachments",
                headers={"Authorization": f"Bearer {self.settings.gateway_token}"},
                files={"file": (media.filename, media.data, media.content_type)},
                data={"sender_id": sender, "channel": WECHAT},
            )
        if response.status_code not in (200, 201):
            raise RuntimeError(f"gateway answered {response.status_code}: {response.text[:200]}")
        body: Dict[str, Any] = response.json()
        return {"id": body["id"], "filename": body["filename"], "content_type": body["content_type"]}
