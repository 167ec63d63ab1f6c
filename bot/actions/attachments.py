"""Files the citizen sent with the order (photos, documents), as channels pass them.

A channel that uploaded a file to the gateway (POST /api/v1/attachments) puts
``metadata.attachments = [{"id": "att_…", "filename": "…", "content_type": "…"}]``
on the user message. The order takes every attachment of the user messages since
the previous order run ended (so a photo sent just before the citizen describes
the matter counts too), at most the gateway's 10, each once.
"""
from __future__ import annotations

import re
from typing import Any, Dict, Iterable, List, Mapping, Optional

MAX_ATTACHMENTS = 10
_ID = re.compile(r"att_[0-9a-f]{24}")
_IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp", ".heic")


def _valid(item: Any) -> Optional[Dict[str, str]]:
    if not isinstance(item, Mapping):
        return None
    attachment_id = item.get("id")
    if not isinstance(attachment_id, str) or not _ID.fullmatch(attachment_id):
        return None
    out = {"id": attachment_id, "filename": str(item.get("filename") or "")[:200]}
    if item.get("content_type"):
        out["content_type"] = str(item["content_type"])[:100]
    return out


def from_metadata(metadata: Any) -> List[Dict[str, str]]:
    if not isinstance(metadata, Mapping):
        return []
    items = metadata.get("attachments")
    if not isinstance(items, list):
        return []
    return [a for a in (_valid(i) for i in items) if a is not None]


def collect(events: Iterable[Mapping[str, Any]], form_run_id: Optional[str]) -> List[Dict[str, str]]:
    """Attachments of the user messages of this order run (and those just before it started)."""
    events = list(events)
    start = 0
    seen_current = False
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        kind = event.get("event")
        if kind in ("restart", "session_started"):
            start = index + 1
            break
        if kind == "slot" and event.get("name") == "form_run_id":
            if form_run_id is not None and event.get("value") == form_run_id and not seen_current:
                seen_current = True
                continue
            if seen_current or form_run_id is None:
                start = index + 1  # where the previous run ended (reset) or began
                break
    result: List[Dict[str, str]] = []
    ids = set()
    for event in events[start:]:
        if event.get("event") != "user":
            continue
        for item in from_metadata(event.get("metadata")):
            if item["id"] not in ids and len(result) < MAX_ATTACHMENTS:
                ids.add(item["id"])
                result.append(item)
    return result


def is_image(item: Mapping[str, str]) -> bool:
    content_type = item.get("content_type") or ""
    if content_type:
        return content_type.startswith("image/")
    return (item.get("filename") or "").lower().endswith(_IMAGE_EXTENSIONS)


def describe(items: List[Mapping[str, str]]) -> str:
    """"2张图片", "1张图片、1份文件" …; empty string for none."""
    images = sum(1 for i in items if is_image(i))
    files = len(items) - images
    parts = []
    if images:
        parts.append(f"{images}张图片")
    if files:
        parts.append(f"{files}份文件")
    return "、".join(parts)
