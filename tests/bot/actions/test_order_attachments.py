"""Files sent during an order (metadata.attachments of user messages) go with the order."""
from __future__ import annotations

import uuid
from typing import Any, Dict, List

import httpx
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions import attachments
from bot.actions.order_form import ActionAskOrderConfirmed
from bot.actions.order_submit import ActionSubmitOrder
from tests.bot.conftest import slot_events, texts

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(40))
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n"


def att(n: int, filename: str = "photo.jpg", **extra: str) -> Dict[str, str]:
    return {"id": f"att_{n:024x}", "filename": filename, **extra}


def user(text: str, files: List[Dict[str, str]] | None = None) -> Dict[str, Any]:
    event: Dict[str, Any] = {"event": "user", "text": text, "parse_data": {"intent": {"name": "inform"}}}
    if files is not None:
        event["metadata"] = {"attachments": files}
    return event


def run_slot(value: Any) -> Dict[str, Any]:
    return {"event": "slot", "name": "form_run_id", "value": value}


# -- collecting --------------------------------------------------------------------
def test_collects_the_run_and_what_came_just_before_it():
    events = [
        user("上一件事", [att(1)]),
        run_slot("old"),
        run_slot(None),  # the previous order was submitted
        user("看这张图", [att(2)]),
        user("我们小区路灯坏了", [att(3, "现场.png", content_type="image/png")]),
        run_slot("run-2"),
        user("商州区", [att(3), att(4, "说明.pdf", content_type="application/pdf")]),  # a repeat is taken once
        user("确认"),
    ]
    found = attachments.collect(events, "run-2")
    assert [a["id"] for a in found] == [att(2)["id"], att(3)["id"], att(4)["id"]]
    assert attachments.describe(found) == "2张图片、1份文件"


def test_session_start_bounds_and_bad_items_are_ignored():
    events = [
        user("旧会话", [att(1)]),
        {"event": "session_started"},
        user("x", [{"id": "../../etc/passwd"}, "nonsense", {"filename": "no id"}, att(5, "a.PNG")]),
        run_slot("r"),
        user("y", {"not": "a list"}),  # type: ignore[arg-type]
    ]
    found = attachments.collect(events, "r")
    assert [a["id"] for a in found] == [att(5)["id"]]
    assert attachments.describe(found) == "1张图片"
    assert attachments.describe([]) == ""


def test_at_most_ten():
    events = [run_slot("r")] + [user(str(i), [att(i)]) for i in range(15)]
    assert len(attachments.collect(events, "r")) == 10


# -- the summary before confirmation ---------------------------------------------------------------
def tracker_with(events: List[Dict[str, Any]], slots: Dict[str, Any], sender: str = "citizen-1") -> Tracker:
    latest = events[-1] if events and events[-1].get("event") == "user" else {}
    return Tracker(sender, slots, latest.get("parse_data", {}), events, False, None, {}, "action_listen")


def slots(run_id: str, **extra: Any) -> Dict[str, Any]:
    base = {"order_type": "投诉", "form_run_id": run_id, "description": "小区路灯坏了一个星期了晚上很黑",
            "district": "商州区", "contact_name": "王先生", "contact_phone": "13891400000",
            "reply_required": True, "anonymous": None, "order_confirmed": True}
    base.update(extra)
    return base


async def test_summary_mentions_the_evidence(domain):
    events = [run_slot("r"), user("图", [att(1), att(2, "b.png")])]
    dispatcher = CollectingDispatcher()
    await ActionAskOrderConfirmed().run(dispatcher, tracker_with(events, slots("r")), domain)
    assert "【附件】2张图片" in texts(dispatcher)
    dispatcher = CollectingDispatcher()
    await ActionAskOrderConfirmed().run(dispatcher, tracker_with([run_slot("r"), user("无")], slots("r")), domain)
    assert "附件" not in texts(dispatcher)


# -- submission against the real gateway -------------------------------------------------------------
def upload(gateway, sender: str, data: bytes, filename: str) -> Dict[str, Any]:
    response = httpx.post(
        f"{gateway.url}/api/v1/attachments",
        headers={"Authorization": f"Bearer {gateway.env['token']}"},
        files={"file": (filename, data, "application/octet-stream")},
        data={"sender_id": sender, "channel": "wechat"},
    )
    assert response.status_code == 201, response.text
    return response.json()


async def test_submitted_order_carries_the_attachments(domain, use_gateway):
    sender = f"s-{uuid.uuid4().hex[:8]}"
    photo = upload(use_gateway, sender, PNG, "路灯.png")
    note = upload(use_gateway, sender, PDF, "情况说明.pdf")
    events = [user("路灯坏了", [{"id": photo["id"], "filename": photo["filename"]}]), run_slot("r1"),
              user("商州区北新街", [{"id": note["id"], "filename": note["filename"]}]), user("确认")]
    dispatcher = CollectingDispatcher()
    result = await ActionSubmitOrder().run(dispatcher, tracker_with(events, slots("r1"), sender), domain)
    order_no = slot_events(result)["last_order_no"]
    assert "您发送的1张图片、1份文件已作为附件一并提交" in texts(dispatcher)
    order = httpx.get(f"{use_gateway.url}/api/v1/orders/{order_no}", params={"sender_id": sender},
                      headers={"Authorization": f"Bearer {use_gateway.env['token']}"}).json()
    assert [a["id"] for a in order["attachment_files"]] == [photo["id"], note["id"]]


async def test_foreign_attachment_does_not_block_the_order(domain, use_gateway):
    sender = f"s-{uuid.uuid4().hex[:8]}"
    foreign = upload(use_gateway, "somebody-else", PNG, "x.png")
    events = [run_slot("r2"), user("图", [{"id": foreign["id"], "filename": "x.png"}]), user("确认")]
    dispatcher = CollectingDispatcher()
    result = await ActionSubmitOrder().run(dispatcher, tracker_with(events, slots("r2"), sender), domain)
    assert slot_events(result)["last_order_no"].startswith("SL")
    assert "工单编号" in texts(dispatcher) and "附件" not in texts(dispatcher)
