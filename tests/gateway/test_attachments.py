"""Attachments: upload (type by content, size limit, Chinese errors), content-addressed
storage, linking to an order of the same sender, listing and download by role."""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gateway.core.config import Settings
from gateway.main import create_app
from gateway.services.attachments import clean_filename, sniff_type

from .conftest import TOKEN

AGENT = "agent-token-0123456789"
SUPERVISOR = "supervisor-token-01234"
ADMIN = "admin-token-0123456789"
UNIT = "unit-shangzhou-0123456"
OTHER_UNIT = "unit-luonan-0123456789"
TOKENS = {
    AGENT: {"role": "agent", "name": "话务员01"},
    SUPERVISOR: "supervisor",
    ADMIN: "admin",
    UNIT: {"role": "unit", "unit": "商州区"},
    OTHER_UNIT: {"role": "unit", "unit": "洛南县"},
}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(64))
JPEG = b"\xff\xd8\xff\xe0" + b"JFIF" + bytes(200)
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
MAX = 64 * 1024


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    return tmp_path / "attachments"


@pytest.fixture
def call(db_url, store_dir):
    settings = Settings(
        database_url=db_url, api_token=TOKEN, tokens=json.dumps(TOKENS), auto_migrate=False,
        attachments_dir=store_dir, attachment_max_bytes=MAX,
    )
    with TestClient(create_app(settings)) as client:
        def request(token: str, method: str, url: str, headers: dict | None = None, **kwargs):
            headers = {"Authorization": f"Bearer {token}", **(headers or {})}
            return client.request(method, url, headers=headers, **kwargs)
        yield request


def upload(call, data: bytes, filename: str = "photo.png", sender_id: str = "oWx-citizen", channel: str = "wechat",
           content_type: str = "application/octet-stream", token: str = TOKEN):
    return call(token, "POST", "/api/v1/attachments",
                files={"file": (filename, data, content_type)}, data={"sender_id": sender_id, "channel": channel})


def create_order(call, **overrides):
    payload = {"type": "投诉", "channel": "wechat", "sender_id": "oWx-citizen",
               "description": "小区门口的路灯坏了一个星期，晚上很黑", "district": "商州区",
               "contact_phone": "13800001234", **overrides}
    return call(TOKEN, "POST", "/api/v1/orders", json=payload)


# -- pure helpers ---------------------------------------------------------------
def test_type_is_decided_by_content_not_by_name():
    assert sniff_type(PNG, "x.jpg") == "image/png"
    assert sniff_type(JPEG, "") == "image/jpeg"
    assert sniff_type(PDF, "a.pdf") == "application/pdf"
    assert sniff_type("路灯坏了".encode("gbk"), "说明.txt") == "text/plain; charset=gb18030"
    assert sniff_type("路灯坏了".encode(), "说明.txt") == "text/plain; charset=utf-8"
    assert sniff_type(b"PK\x03\x04rest", "报告.docx").endswith("wordprocessingml.document")
    assert sniff_type(b"PK\x03\x04rest", "a.zip") is None
    assert sniff_type(b"<svg onload=alert(1)>", "x.svg") is None
    assert sniff_type(b"MZ\x90\x00", "setup.exe") is None
    assert sniff_type(b"abc\x00def", "a.txt") is None


def test_filenames_lose_folders_and_control_characters():
    assert clean_filename("../../etc/passwd", "text/plain; charset=utf-8") == "passwd"
    assert clean_filename("C:\\Users\\张三\\现场.jpg", "image/jpeg") == "现场.jpg"
    assert clean_filename("a\x00b\r\n.png", "image/png") == "ab.png"
    assert clean_filename("", "image/jpeg") == "附件.jpg"
    long = clean_filename("图" * 300 + ".png", "image/png")
    assert len(long) == 200 and long.endswith(".png")


# -- upload ------------------------------------------------------------------------
def test_upload_stores_the_bytes_once_by_sha256(call, store_dir):
    first = upload(call, PNG, "现场照片.png")
    assert first.status_code == 201, first.text
    body = first.json()
    digest = hashlib.sha256(PNG).hexdigest()
    assert body["sha256"] == digest and body["size"] == len(PNG)
    assert body["content_type"] == "image/png" and body["filename"] == "现场照片.png"
    assert body["id"].startswith("att_")
    assert (store_dir / digest[:2] / digest).read_bytes() == PNG
    # a retry of the same upload returns the same attachment; another sender gets its own row
    again = upload(call, PNG, "现场照片.png")
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    other = upload(call, PNG, "现场照片.png", sender_id="someone-else")
    assert other.status_code == 201 and other.json()["id"] != body["id"]
    assert len(list(store_dir.rglob("*"))) == 2  # one folder, one file


@pytest.mark.parametrize(
    ("data", "filename", "status", "needle"),
    [
        (b"MZ\x90\x00" + bytes(100), "病毒.exe", 415, "不支持该文件类型"),
        (b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", "x.svg", 415, "不支持该文件类型"),
        (b"", "空.png", 422, "文件为空"),
        (PNG + bytes(MAX), "大图.png", 413, "附件过大"),
    ],
)
def test_bad_uploads_are_refused_in_chinese(call, store_dir, data, filename, status, needle):
    response = upload(call, data, filename)
    assert response.status_code == status, response.text
    assert needle in response.json()["detail"]
    assert not store_dir.exists() or not any(p.is_file() for p in store_dir.rglob("*"))


def test_far_too_large_body_is_refused_before_reading(call):
    response = upload(call, PNG + bytes(MAX + 128 * 1024), "巨大.png")
    assert response.status_code == 413
    assert "附件过大" in response.json()["detail"]


def test_upload_needs_sender_channel_and_an_intake_role(call):
    missing = call(TOKEN, "POST", "/api/v1/attachments", files={"file": ("a.png", PNG, "image/png")},
                   data={"channel": "wechat"})
    assert missing.status_code == 422 and "sender_id" in missing.text
    bad_channel = upload(call, PNG, channel="fax")
    assert bad_channel.status_code == 422 and "渠道" in bad_channel.json()["detail"]
    assert upload(call, PNG, token=UNIT).status_code == 403
    assert upload(call, PNG, token=SUPERVISOR).status_code == 403
    assert upload(call, PNG, token=AGENT).status_code == 201
    no_token = call("", "POST", "/api/v1/attachments", files={"file": ("a.png", PNG, "image/png")},
                    data={"sender_id": "x", "channel": "wechat"})
    assert no_token.status_code == 401


# -- linking to orders ------------------------------------------------------------------
def test_order_links_only_attachments_of_the_same_sender(call):
    mine = [upload(call, PNG, "1.png").json()["id"], upload(call, PDF, "情况说明.pdf").json()["id"]]
    theirs = upload(call, JPEG, "x.jpg", sender_id="another").json()["id"]

    refused = create_order(call, attachment_ids=[mine[0], theirs])
    assert refused.status_code == 422
    assert "不属于该提交人" in refused.json()["detail"]
    unknown = create_order(call, attachment_ids=["att_" + "0" * 24])
    assert unknown.status_code == 422
    malformed = create_order(call, attachment_ids=["../../etc"])
    assert malformed.status_code == 422 and "附件标识格式不正确" in malformed.text

    created = create_order(call, attachment_ids=mine)
    assert created.status_code == 201, created.text
    files = created.json()["attachment_files"]
    assert [f["id"] for f in files] == mine
    assert [f["filename"] for f in files] == ["1.png", "情况说明.pdf"]
    assert files[0]["download_url"] is None  # the bot may not download

    # nothing was linked by the refused request, and a file belongs to one order only
    again = create_order(call, attachment_ids=[mine[0]], description="另一件事：楼道灯也坏了很久了")
    assert again.status_code == 422 and "已关联到其他工单" in again.json()["detail"]


def test_idempotent_replay_keeps_the_links(call):
    att = upload(call, PNG).json()["id"]
    headers = {"Idempotency-Key": "wechat-msg-123"}
    payload = {"type": "求助", "channel": "wechat", "sender_id": "oWx-citizen", "description": "家里停水两天了没人管",
               "anonymous": True, "attachment_ids": [att]}
    first = call(TOKEN, "POST", "/api/v1/orders", json=payload, headers=headers)
    second = call(TOKEN, "POST", "/api/v1/orders", json=payload, headers=headers)
    assert first.status_code == 201 and second.status_code == 200
    assert second.json()["order_no"] == first.json()["order_no"]
    assert [f["id"] for f in second.json()["attachment_files"]] == [att]


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)  # SQLite serialises writers: no race
def test_concurrent_orders_cannot_share_an_attachment(call):
    att = upload(call, PNG).json()["id"]
    results: list[int] = []

    def go(i: int) -> None:
        results.append(create_order(call, attachment_ids=[att], description=f"第{i}件事情况说明很长一些").status_code)

    threads = [threading.Thread(target=go, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results).count(201) == 1 and all(code in (201, 422) for code in results)


# -- listing and download by role -----------------------------------------------------------
def _dispatched_order_with_photo(call) -> tuple[str, str]:
    att = upload(call, PNG, "路灯.png").json()["id"]
    order_no = create_order(call, attachment_ids=[att]).json()["order_no"]
    assert call(AGENT, "POST", f"/api/v1/orders/{order_no}/events",
                json={"kind": "dispatch", "lead_unit": "商州区"}).status_code == 200
    return order_no, att


def test_roles_list_and_download(call):
    order_no, att = _dispatched_order_with_photo(call)
    for token in (AGENT, SUPERVISOR, ADMIN, UNIT):
        listed = call(token, "GET", f"/api/v1/orders/{order_no}/attachments")
        assert listed.status_code == 200, (token, listed.text)
        assert listed.json()[0]["download_url"] == f"/api/v1/attachments/{att}/content"
        got = call(token, "GET", f"/api/v1/attachments/{att}/content")
        assert got.status_code == 200 and got.content == PNG
        assert got.headers["content-type"] == "image/png"
        assert got.headers["x-content-type-options"] == "nosniff"
        assert got.headers["content-disposition"].startswith("attachment; filename*=UTF-8''")
    order = call(UNIT, "GET", f"/api/v1/orders/{order_no}").json()
    assert order["attachment_files"][0]["id"] == att
    # the bot sees metadata only for the citizen it names, downloads nothing; another unit sees nothing at all
    assert call(TOKEN, "GET", f"/api/v1/orders/{order_no}/attachments").status_code == 403
    assert call(TOKEN, "GET", f"/api/v1/attachments/{att}").status_code == 403
    assert call(TOKEN, "GET", f"/api/v1/orders/{order_no}/attachments",
                params={"sender_id": "oWx-citizen"}).status_code == 200
    assert call(TOKEN, "GET", f"/api/v1/attachments/{att}", params={"sender_id": "oWx-citizen"}).status_code == 200
    assert call(TOKEN, "GET", f"/api/v1/orders/{order_no}/attachments",
                params={"sender_id": "someone-else"}).status_code == 404
    assert call(TOKEN, "GET", f"/api/v1/attachments/{att}", params={"sender_id": "someone-else"}).status_code == 404
    assert call(TOKEN, "GET", f"/api/v1/attachments/{att}/content").status_code == 403
    assert call(OTHER_UNIT, "GET", f"/api/v1/orders/{order_no}/attachments").status_code == 404
    assert call(OTHER_UNIT, "GET", f"/api/v1/attachments/{att}/content").status_code == 404
    assert call(OTHER_UNIT, "GET", f"/api/v1/attachments/{att}").status_code == 404
    # every download of evidence is in the audit log
    audit = call(ADMIN, "GET", "/api/v1/audit/personal-data", params={"order_no": order_no}).json()["items"]
    assert sum(1 for row in audit if row["action"] == f"attachment:{att}") == 4


def test_unlinked_attachment_is_hidden_from_units(call):
    att = upload(call, PNG).json()["id"]
    assert call(UNIT, "GET", f"/api/v1/attachments/{att}").status_code == 404
    assert call(AGENT, "GET", f"/api/v1/attachments/{att}").json()["id"] == att
    assert call(AGENT, "GET", "/api/v1/attachments/att_nope").status_code == 404


def test_lost_file_is_reported_not_crashed(call, store_dir):
    order_no, att = _dispatched_order_with_photo(call)
    for path in store_dir.rglob("*"):
        if path.is_file():
            path.unlink()
    response = call(AGENT, "GET", f"/api/v1/attachments/{att}/content")
    assert response.status_code == 404 and "丢失" in response.json()["detail"]


def test_prune_deletes_old_unlinked_uploads_and_unused_files(call, db_url, store_dir):
    import datetime as dt

    from gateway.core.db import Database
    from gateway.services.attachments import AttachmentStore, prune_unlinked

    kept = upload(call, PNG, "linked.png").json()
    create_order(call, attachment_ids=[kept["id"]])
    same_bytes = upload(call, PNG, "copy.png", sender_id="another").json()  # unlinked, shares the file
    orphan = upload(call, PDF, "orphan.pdf").json()
    database = Database(db_url)
    try:
        with database.sessionmaker() as session:
            store = AttachmentStore(store_dir)
            now = dt.datetime.now(dt.timezone.utc)
            young = prune_unlinked(session, store, older_than=dt.timedelta(days=30), now=now)
            assert (young.rows, young.files) == (0, 0)
            report = prune_unlinked(session, store, older_than=dt.timedelta(days=30), now=now + dt.timedelta(days=31))
    finally:
        database.dispose()
    assert (report.rows, report.files) == (2, 1)
    assert call(AGENT, "GET", f"/api/v1/attachments/{kept['id']}/content").content == PNG
    assert call(AGENT, "GET", f"/api/v1/attachments/{same_bytes['id']}").status_code == 404
    assert call(AGENT, "GET", f"/api/v1/attachments/{orphan['id']}").status_code == 404
    assert not (store_dir / orphan["sha256"][:2] / orphan["sha256"]).exists()
