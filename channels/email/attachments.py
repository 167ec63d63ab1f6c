"""Mail attachments into the gateway (POST /api/v1/attachments), so the order can name them.

Refused files (type, size) become a notice in the reply; when the gateway has no such
endpoint (404/405), the file is kept in the channel's store instead; when the gateway is
unreachable the mail is tried again later, so no attachment is lost."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Dict, List

import httpx

from channels.email.parsing import Attachment
from channels.email.settings import Settings
from vocabulary.channels import EMAIL

logger = logging.getLogger(__name__)


class GatewayUnavailable(Exception):
    pass


@dataclass
class Stored:
    uploaded: List[Dict[str, Any]] = field(default_factory=list)  # [{id, filename}] known to the gateway
    kept: List[Dict[str, Any]] = field(default_factory=list)  # [{id, filename}] in the channel's store only
    notices: List[str] = field(default_factory=list)  # Chinese lines for the citizen


async def store_attachments(settings: Settings, store: Any, client: httpx.AsyncClient, message_id: str,
                            sender_id: str, attachments: List[Attachment]) -> Stored:
    result = Stored()
    for index, att in enumerate(attachments):
        if index >= settings.max_attachments:
            result.notices.append(f"一封邮件最多接收{settings.max_attachments}个附件，其余附件没有保存，需要的话请另发邮件。")
            break
        if att.size == 0:
            continue
        if att.size > settings.max_attachment_bytes:
            mb = settings.max_attachment_bytes // (1024 * 1024)
            result.notices.append(f"附件《{att.filename}》超过{mb}MB，没有保存，请压缩后重新发送。")
            continue
        try:
            response = await client.post(
                f"{settings.gateway_url}/api/v1/attachments",
                headers={"Authorization": f"Bearer {settings.gateway_token}"},
                data={"sender_id": sender_id, "channel": EMAIL},
                files={"file": (att.filename, att.data, att.content_type)},
            )
        except httpx.HTTPError as exc:
            raise GatewayUnavailable(str(exc)) from exc
        if response.status_code in (200, 201):
            body = response.json()
            result.uploaded.append({"id": body["id"], "filename": body.get("filename") or att.filename,
                                    "content_type": body.get("content_type") or att.content_type})
        elif response.status_code in (401, 403, 404, 405):
            if response.status_code in (401, 403):
                logger.error("gateway refused the attachment upload (%s): check GATEWAY_API_TOKEN; kept locally",
                             response.status_code)
            kept_id = await store.keep_attachment(message_id, sender_id, att.filename, att.content_type, att.sha256, att.data)
            result.kept.append({"id": kept_id, "filename": att.filename})
        elif response.status_code in (413, 415, 422):
            try:
                detail = response.json().get("detail")
            except ValueError:
                detail = None
            reason = detail if isinstance(detail, str) else "文件类型或大小不符合要求"
            result.notices.append(f"附件《{att.filename}》未能接收：{reason}")
        else:
            raise GatewayUnavailable(f"gateway answered {response.status_code} to an attachment upload")
    return result
