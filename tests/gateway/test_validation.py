"""Bad input never 500s and never stores anything; odd-but-valid text is stored verbatim."""

from __future__ import annotations

import json

import pytest

ORDERS = "/api/v1/orders"


def _post_raw(client, body: bytes, content_type: str | None = "application/json"):
    headers = {"Content-Type": content_type} if content_type else {}
    return client.post(ORDERS, content=body, headers=headers)


def _assert_422(response, *fragments: str) -> dict:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["detail"].startswith("请求参数有误")
    for fragment in fragments:
        assert fragment in body["detail"], (fragment, body["detail"])
    return body


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"{not json", "不是合法的 JSON"),
        (b'{"type": "\xff\xfe"}', "不是合法的 JSON"),
        (b"[]", "JSON 对象"),
        (b'"text"', "JSON 对象"),
        (b"42", "JSON 对象"),
        (b"null", "请求体"),
        (b"", "缺少请求体"),
        (b"[" * 50_000, "请求体"),
        (b'{"type": ' + b"9" * 5000 + b"}", "请求体"),
        (b'{"type": NaN}', "诉求类型"),
    ],
)
def test_malformed_bodies(client, db_rows, body, fragment):
    _assert_422(_post_raw(client, body), fragment)
    assert db_rows("orders") == []


def test_non_json_content_type_is_rejected(client, order_payload, db_rows):
    body = json.dumps(order_payload()).encode()
    _assert_422(_post_raw(client, body, "text/plain"), "JSON 对象")
    _assert_422(_post_raw(client, body, None), "JSON 对象")
    assert db_rows("orders") == []


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"type": "闲聊"}, "type", "诉求类型"),
        ({"type": None}, "type", "诉求类型"),
        ({"channel": "fax"}, "channel", "渠道"),
        ({"sender_id": ...}, "sender_id", "缺少必填字段"),
        ({"sender_id": ""}, "sender_id", "不能为空"),
        ({"sender_id": "x" * 129}, "sender_id", "最多128个字"),
        ({"sender_id": 12345}, "sender_id", "必须是字符串"),
        ({"description": ...}, "description", "缺少必填字段"),
        ({"description": "太短了"}, "description", "至少需要5个字"),
        ({"description": "   短    "}, "description", "至少需要5个字"),
        ({"description": "长" * 2001}, "description", "最多2000个字"),
        ({"description": ["数组", "不是", "字符串"]}, "description", "必须是字符串"),
        ({"description": {"$ne": None}}, "description", "必须是字符串"),
        ({"district": "西安市雁塔区"}, "district", "区县无法识别"),
        ({"district": 7}, "district", "必须是字符串"),
        ({"address": "地" * 201}, "address", "最多200个字"),
        ({"occurred_at": "时" * 101}, "occurred_at", "最多100个字"),
        ({"contact_name": "名" * 51}, "contact_name", "最多50个字"),
        ({"conversation_id": "c" * 129}, "conversation_id", "最多128个字"),
        ({"anonymous": "yes"}, "anonymous", "布尔值"),
        ({"anonymous": 1}, "anonymous", "布尔值"),
        ({"reply_required": "false"}, "reply_required", "布尔值"),
        ({"anonymous": False, "contact_phone": ...}, "contact_phone", "须提供联系电话"),
        ({"anonymous": False, "contact_phone": "  "}, "contact_phone", "须提供联系电话"),
        ({"unexpected": "x"}, "unexpected", "不支持的字段"),
        ({"status": "withdrawn"}, "status", "不支持的字段"),
        ({"order_no": "SL20260101000001"}, "order_no", "不支持的字段"),
        ({"description": "有空字符\u0000在这里"}, "description", "空字符"),
        ({"contact_name": "\u0000"}, "contact_name", "空字符"),
    ],
)
def test_field_errors(client, order_payload, db_rows, overrides, field, fragment):
    body = _assert_422(client.post(ORDERS, json=order_payload(**overrides)), fragment)
    assert field in {e["field"] for e in body["errors"]}
    assert all(e["message"] for e in body["errors"])
    assert db_rows("orders") == []


def test_several_errors_are_reported_together(client, db_rows):
    body = _assert_422(client.post(ORDERS, json={"type": "x", "anonymous": "no", "foo": 1}))
    fields = {e["field"] for e in body["errors"]}
    assert {"type", "sender_id", "description", "anonymous", "foo"} <= fields


def test_errors_do_not_echo_the_input(client, order_payload):
    response = client.post(ORDERS, json=order_payload(district="<script>alert(1)</script>"))
    _assert_422(response, "区县无法识别")
    assert "<script>" not in response.text


@pytest.mark.parametrize(
    "phone",
    ["12345678901", "1380000000", "138000000000", "02012345", "0914-20305", "abc", "+1 650 555 0100",
     "13800000000; DROP TABLE orders;--", "\u0661\u0663\u0668" + "\u0660" * 8],
)
def test_invalid_phone_numbers(client, order_payload, phone):
    _assert_422(client.post(ORDERS, json=order_payload(contact_phone=phone)), "电话号码格式不正确")


@pytest.mark.parametrize(
    ("phone", "stored"),
    [
        ("13800000000", "13800000000"),
        ("138 0000 0000", "13800000000"),
        ("138-0000-0000", "13800000000"),
        ("+86 139 1234 5678", "13912345678"),
        ("0914-2030566", "0914-2030566"),
        ("09142030566", "09142030566"),
        ("029-88886666", "029-88886666"),
        ("１３８００００００００", "13800000000"),
        ("０９１４－２０３０５６６", "0914-2030566"),
        (" 13800000000\n", "13800000000"),
    ],
)
def test_valid_phone_numbers_are_normalised(client, order_payload, phone, stored):
    response = client.post(ORDERS, json=order_payload(contact_phone=phone))
    assert response.status_code == 201, response.text
    assert response.json()["contact_phone"] == stored


@pytest.mark.parametrize(
    ("alias", "canonical"),
    [
        ("商州", "商州区"), ("洛南", "洛南县"), ("丹凤", "丹凤县"), ("商南", "商南县"),
        ("山阳", "山阳县"), ("镇安", "镇安县"), ("柞水", "柞水县"), ("高新区", "商洛高新区（商丹园区）"),
        ("商丹园区", "商洛高新区（商丹园区）"), ("商洛高新区(商丹园区)", "商洛高新区（商丹园区）"),
        ("商洛市 镇安县", "镇安县"), ("", None),
    ],
)
def test_district_aliases(client, order_payload, alias, canonical):
    response = client.post(ORDERS, json=order_payload(district=alias))
    assert response.status_code == 201, response.text
    assert response.json()["district"] == canonical


INJECTIONS = [
    "'; DROP TABLE orders;--",
    "<script>alert('x')</script> 路灯不亮",
    "1' OR '1'='1",
    "Robert'); DELETE FROM order_events; --",
    "{{7*7}} ${jndi:ldap://x} %s %n",
]


@pytest.mark.parametrize("text", INJECTIONS)
def test_injection_strings_are_stored_verbatim(client, order_payload, db_rows, text):
    payload = order_payload(description=text, address=text[:200], contact_name=text[:50], sender_id=text)
    response = client.post(ORDERS, json=payload)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["description"] == text
    assert body["address"] == text[:200]
    assert body["sender_id"] == text
    stored = db_rows("orders")
    assert len(stored) == 1 and stored[0]["description"] == text
    # The tables are intact and the order can be found by its odd sender id.
    listed = client.get(ORDERS, params={"sender_id": text}).json()
    assert listed["total"] == 1
    assert len(db_rows("order_events")) == 1


def test_control_characters_are_stripped_but_newlines_kept(client, order_payload):
    text = "\x07第一行\x1b[31m\r\n第二行\t制表\x7f\x85结束  "
    response = client.post(ORDERS, json=order_payload(description=text, address="\x0bA栋\x0c"))
    assert response.status_code == 201, response.text
    assert response.json()["description"] == "第一行[31m\n第二行\t制表结束"
    assert response.json()["address"] == "A栋"


def test_unicode_text_is_kept(client, order_payload):
    text = "噪音扰民😡，楼上每晚装修到十二点！ＡＢＣ"
    response = client.post(ORDERS, json=order_payload(description=text))
    assert response.json()["description"] == text


def test_lone_surrogates_are_rejected_not_500(client, order_payload, db_rows):
    body = json.dumps(order_payload(), ensure_ascii=False).replace("小区门口", "\\ud800小区门口").encode()
    assert b"\\ud800" in body
    _assert_422(_post_raw(client, body), "无法识别的字符")
    assert db_rows("orders") == []


def test_body_over_the_limit_is_413(client, order_payload, db_rows):
    payload = order_payload(description="长" * 30_000)  # ~90 KB of UTF-8
    response = client.post(ORDERS, json=payload)
    assert response.status_code == 413
    assert response.json() == {"detail": "请求体过大：最大允许 65536 字节"}
    assert db_rows("orders") == []


def test_chunked_body_over_the_limit_is_413(client, db_rows):
    def chunks():
        yield b'{"description": "'
        for _ in range(100):
            yield b"x" * 1024
        yield b'"}'

    response = client.post(ORDERS, content=chunks(), headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert "请求体过大" in response.json()["detail"]
    assert db_rows("orders") == []


def test_body_limit_is_configurable(db_url, order_payload):
    from fastapi.testclient import TestClient

    from gateway.core.config import Settings
    from gateway.main import create_app

    settings = Settings(database_url=db_url, api_token="tok" * 8, auto_migrate=False, max_body_bytes=2048)
    with TestClient(create_app(settings), headers={"Authorization": "Bearer " + "tok" * 8}) as client:
        assert client.post(ORDERS, json=order_payload(description="长" * 300)).status_code == 201
        response = client.post(ORDERS, json=order_payload(description="长" * 700))
        assert response.status_code == 413
        assert "2048" in response.json()["detail"]


def test_invalid_content_length_is_400(client):
    response = client.post(ORDERS, content=b"{}", headers={"Content-Length": "abc", "Content-Type": "application/json"})
    assert response.status_code == 400
    assert "Content-Length" in response.json()["detail"]


@pytest.mark.parametrize("sender", ["a\x00b", "\x00"])
def test_query_parameters_with_nul_are_422(client, sender):
    response = client.get(ORDERS, params={"sender_id": sender})
    assert response.status_code == 422
    assert "空字符" in response.json()["detail"]
    response = client.get(f"{ORDERS}/SL20260101000001", params={"sender_id": sender})
    assert response.status_code == 422


def test_query_sender_id_is_normalised_like_stored_ids(client, order_payload):
    client.post(ORDERS, json=order_payload(sender_id="  bob\x07 "))
    assert client.get(ORDERS, params={"sender_id": "bob"}).json()["total"] == 1
    assert client.get(ORDERS, params={"sender_id": " bob\x1b"}).json()["total"] == 1
