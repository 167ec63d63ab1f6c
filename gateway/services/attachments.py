"""Attachments: type check by content, content-addressed storage, linking to orders.

The bytes are stored once per SHA-256 under ``GATEWAY_ATTACHMENTS_DIR``
(``<dir>/<sha[:2]>/<sha>``, written to a temporary file and renamed, so a reader
never sees half a file and two uploads of the same bytes store one file). The
``attachments`` table keeps the metadata, the sender and the order the file was
linked to. Several gateway replicas must share that folder (a network volume);
see docs/gateway.md.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import secrets
import tempfile
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from gateway.models import Order, StoredAttachment
from gateway.schemas import AttachmentOut

MAX_FILENAME = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")

# Allowed types: the label is what the citizen and the staff read.
IMAGE_TYPES = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "image/webp": "webp", "image/bmp": "bmp"}
_OOXML = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
_OLE = {"doc": "application/msword", "xls": "application/vnd.ms-excel", "ppt": "application/vnd.ms-powerpoint"}
ALLOWED_DESCRIPTION = "图片（JPG、PNG、GIF、WEBP、BMP）、PDF、Word/Excel/PowerPoint 文档或 TXT 文本"


class AttachmentError(Exception):
    """Base class; ``message`` is Chinese and safe to show."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnsupportedType(AttachmentError):
    pass


class AttachmentTooLarge(AttachmentError):
    pass


class EmptyAttachment(AttachmentError):
    pass


class AttachmentNotLinkable(AttachmentError):
    pass


def sniff_type(data: bytes, filename: str) -> str | None:
    """The content type the bytes really are (never the client's claim), or None if not allowed."""
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data.startswith(b"BM") and len(data) > 26 and ext == "bmp":
        return "image/bmp"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"PK\x03\x04") and ext in _OOXML:
        return _OOXML[ext]
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1") and ext in _OLE:
        return _OLE[ext]
    if ext in ("txt", "") or ext == "log":
        return _text_type(data)
    return None


def _text_type(data: bytes) -> str | None:
    if b"\x00" in data:
        return None
    for encoding, label in (("utf-8", "utf-8"), ("gb18030", "gb18030")):
        try:
            data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return f"text/plain; charset={label}"
    return None


def kind_label(content_type: str) -> str:
    """图片 / 文档 / 文本, for summaries."""
    if content_type.startswith("image/"):
        return "图片"
    if content_type.startswith("text/"):
        return "文本"
    return "文档"


def clean_filename(name: str | None, content_type: str) -> str:
    """The base name without folders or control characters, at most 200 characters."""
    name = unicodedata.normalize("NFC", name or "")
    name = PureWindowsPath(PurePosixPath(name).name).name
    name = _CONTROL.sub("", name).strip().lstrip(".")
    if not name:
        ext = IMAGE_TYPES.get(content_type) or ("pdf" if content_type == "application/pdf" else "bin")
        if content_type.startswith("text/"):
            ext = "txt"
        name = f"附件.{ext}"
    if len(name) > MAX_FILENAME:
        stem, dot, ext = name.rpartition(".")
        if dot and len(ext) <= 10:
            name = stem[: MAX_FILENAME - len(ext) - 1] + "." + ext
        else:
            name = name[:MAX_FILENAME]
    return name


class AttachmentStore:
    """Content-addressed files under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        if not re.fullmatch(r"[0-9a-f]{64}", sha256):
            raise ValueError("not a sha256 hex digest")
        return self.root / sha256[:2] / sha256

    def put(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        target = self.path(digest)
        if target.exists() and target.stat().st_size == len(data):
            os.utime(target)  # in use again: `prune` keeps files touched recently
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return digest

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def files(self) -> Iterable[Path]:
        if not self.root.is_dir():
            return []
        return (p for p in self.root.glob("??/*") if p.is_file() and re.fullmatch(r"[0-9a-f]{64}", p.name))


@dataclass(frozen=True)
class Upload:
    attachment: StoredAttachment
    created: bool


def save_upload(
    session: Session,
    store: AttachmentStore,
    *,
    data: bytes,
    filename: str | None,
    sender_id: str,
    channel: str,
    uploaded_by: str,
    max_bytes: int,
    now: dt.datetime,
) -> Upload:
    """Check and store one file; a repeated upload of the same file by the same
    sender that is not linked yet returns the earlier row (retries create nothing)."""
    if not data:
        raise EmptyAttachment("上传的文件为空，请重新选择文件")
    if len(data) > max_bytes:
        raise AttachmentTooLarge(f"附件过大：单个文件不能超过 {megabytes(max_bytes)}")
    content_type = sniff_type(data, filename or "")
    if content_type is None:
        raise UnsupportedType(f"不支持该文件类型，仅支持{ALLOWED_DESCRIPTION}")
    name = clean_filename(filename, content_type)
    digest = hashlib.sha256(data).hexdigest()
    earlier = session.scalar(
        select(StoredAttachment)
        .where(
            StoredAttachment.sender_id == sender_id,
            StoredAttachment.sha256 == digest,
            StoredAttachment.filename == name,
            StoredAttachment.order_id.is_(None),
        )
        .order_by(StoredAttachment.created_at)
        .limit(1)
    )
    store.put(data)  # also when the row exists: the file may have been lost from the folder
    if earlier is not None:
        session.commit()
        return Upload(earlier, created=False)
    row = StoredAttachment(
        id="att_" + secrets.token_hex(12),
        sha256=digest,
        filename=name,
        content_type=content_type,
        size=len(data),
        sender_id=sender_id,
        channel=channel,
        created_at=now,
        uploaded_by=uploaded_by[:200],
        order_id=None,
    )
    session.add(row)
    session.commit()
    return Upload(row, created=True)


def megabytes(size: int) -> str:
    if size % (1024 * 1024) == 0:
        return f"{size // (1024 * 1024)} MB"
    return f"{size} 字节"


def link_to_order(session: Session, order: Order, attachment_ids: Iterable[str], sender_id: str) -> None:
    """Link the attachments (already checked by ``check_linkable``) to ``order`` inside the
    caller's transaction. A concurrent order that linked one of them first makes this
    raise ``AttachmentNotLinkable``; the caller's transaction is then rolled back."""
    ids = list(dict.fromkeys(attachment_ids))
    if not ids:
        return
    result = session.execute(
        update(StoredAttachment)
        .where(
            StoredAttachment.id.in_(ids),
            StoredAttachment.sender_id == sender_id,
            StoredAttachment.order_id.is_(None),
        )
        .values(order_id=order.id)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != len(ids):
        session.rollback()
        raise AttachmentNotLinkable("附件已关联到其他工单，请重新上传")


def check_linkable(session: Session, attachment_ids: Iterable[str], sender_id: str) -> None:
    """Raise ``AttachmentNotLinkable`` before anything is written (same rules as ``link_to_order``,
    except that a file already linked to any order is refused)."""
    ids = list(dict.fromkeys(attachment_ids))
    if not ids:
        return
    rows = session.scalars(select(StoredAttachment).where(StoredAttachment.id.in_(ids))).all()
    found = {row.id: row for row in rows}
    for attachment_id in ids:
        row = found.get(attachment_id)
        if row is None or row.sender_id != sender_id:
            raise AttachmentNotLinkable(f"附件 {attachment_id} 不存在或不属于该提交人")
        if row.order_id is not None:
            raise AttachmentNotLinkable(f"附件 {attachment_id} 已关联到其他工单")


def for_orders(session: Session, order_ids: list[int]) -> dict[int, list[StoredAttachment]]:
    """Attachments of these orders in upload order, in one query."""
    result: dict[int, list[StoredAttachment]] = {order_id: [] for order_id in order_ids}
    if not order_ids:
        return result
    rows = session.scalars(
        select(StoredAttachment)
        .where(StoredAttachment.order_id.in_(order_ids))
        .order_by(StoredAttachment.created_at, StoredAttachment.id)
    ).all()
    for row in rows:
        result.setdefault(row.order_id or 0, []).append(row)
    return result


def to_schema(row: StoredAttachment, tz: dt.tzinfo, *, download_url: str | None) -> AttachmentOut:
    return AttachmentOut(
        id=row.id,
        filename=row.filename,
        content_type=row.content_type,
        size=row.size,
        sha256=row.sha256,
        created_at=row.created_at.astimezone(tz).replace(microsecond=0),
        download_url=download_url,
    )


@dataclass(frozen=True)
class PruneReport:
    rows: int
    files: int


def prune_unlinked(session: Session, store: AttachmentStore, *, older_than: dt.timedelta, now: dt.datetime) -> PruneReport:
    """Deletes uploads never linked to an order and older than ``older_than``, then the
    files no row refers to any more (only files not written or reused within that time,
    so an upload in progress keeps its file)."""
    from sqlalchemy import delete

    cutoff = now - older_than
    result = session.execute(
        delete(StoredAttachment).where(StoredAttachment.order_id.is_(None), StoredAttachment.created_at < cutoff)
    )
    session.commit()
    referenced = set(session.scalars(select(StoredAttachment.sha256).distinct()).all())
    removed = 0
    for path in store.files():
        if path.name in referenced:
            continue
        if dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc) >= cutoff:
            continue
        path.unlink(missing_ok=True)
        removed += 1
    return PruneReport(rows=result.rowcount or 0, files=removed)
