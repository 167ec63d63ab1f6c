"""Idempotency-Key: replay, conflict, validation and a 20-thread race."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest


def test_same_key_same_body_replays_the_order(client, order_payload, db_rows):
    headers = {"Idempotency-Key": "abc-123"}
    first = client.post("/api/v1/orders", json=order_payload(), headers=headers)
    second = client.post("/api/v1/orders", json=order_payload(), headers=headers)
    assert first.status_code == 201
    assert second.status_code == 200
    assert second.headers["idempotent-replayed"] == "true"
    assert second.json() == first.json()
    assert len(db_rows("orders")) == 1
    assert len(db_rows("order_events")) == 1
    keys = db_rows("idempotency_keys")
    assert len(keys) == 1 and keys[0]["key"] == "abc-123" and len(keys[0]["request_hash"]) == 64


def test_replay_compares_the_normalised_body(client, order_payload):
    headers = {"Idempotency-Key": "norm-1"}
    first = client.post("/api/v1/orders", json=order_payload(district="商州区"), headers=headers)
    # Same meaning, different spelling and key order: still the same request.
    payload = dict(reversed(list(order_payload(district="商州", contact_phone="138-0000-0000").items())))
    second = client.post("/api/v1/orders", json=payload, headers=headers)
    assert second.status_code == 200
    assert second.json()["order_no"] == first.json()["order_no"]


def test_replay_returns_the_current_state(client, order_payload):
    headers = {"Idempotency-Key": "state-1"}
    order_no = client.post("/api/v1/orders", json=order_payload(), headers=headers).json()["order_no"]
    client.post(f"/api/v1/orders/{order_no}/withdraw", json={"sender_id": "user-001"})
    replay = client.post("/api/v1/orders", json=order_payload(), headers=headers)
    assert replay.status_code == 200
    assert replay.json()["status"] == "withdrawn"


def test_same_key_different_body_is_409(client, order_payload, db_rows):
    headers = {"Idempotency-Key": "abc-123"}
    assert client.post("/api/v1/orders", json=order_payload(), headers=headers).status_code == 201
    response = client.post(
        "/api/v1/orders", json=order_payload(description="完全不同的另一件事情"), headers=headers
    )
    assert response.status_code == 409
    assert "Idempotency-Key" in response.json()["detail"]
    assert len(db_rows("orders")) == 1


def test_changed_resubmission_of_the_same_form_gets_the_stored_order(client, order_payload, db_rows):
    """The first answer was lost; the citizen changed the address and confirmed again:
    409 names the order the key created, so the bot can tell its number."""
    headers = {"Idempotency-Key": "form-run-7"}
    first = client.post("/api/v1/orders", json=order_payload(), headers=headers).json()
    again = client.post("/api/v1/orders", json=order_payload(address="北新街 14 号"), headers=headers)
    assert again.status_code == 409
    body = again.json()
    assert body["order_no"] == first["order_no"] == body["order"]["order_no"]
    assert body["order"]["address"] == "北新街 12 号"  # the stored order, not the changed request
    assert again.headers["location"] == f"/api/v1/orders/{first['order_no']}"
    assert len(db_rows("orders")) == 1


def test_someone_elses_key_reveals_no_order(client, order_payload):
    headers = {"Idempotency-Key": "form-run-8"}
    client.post("/api/v1/orders", json=order_payload(sender_id="alice"), headers=headers)
    stranger = client.post("/api/v1/orders", json=order_payload(sender_id="mallory"), headers=headers)
    assert stranger.status_code == 409
    assert set(stranger.json()) == {"detail"}
    assert "13800000000" not in stranger.text


def test_requests_without_key_are_not_deduplicated(client, order_payload, db_rows):
    for _ in range(2):
        assert client.post("/api/v1/orders", json=order_payload()).status_code == 201
    assert len(db_rows("orders")) == 2
    assert db_rows("idempotency_keys") == []


@pytest.mark.parametrize("key", ["", "has space", "x" * 129, "中文键", "tab\tkey"])
def test_invalid_keys_are_422(client, order_payload, db_rows, key):
    response = client.post("/api/v1/orders", json=order_payload(),
                           headers={"Idempotency-Key": key.encode("utf-8")})
    assert response.status_code == 422
    assert "Idempotency-Key" in response.json()["detail"]
    assert db_rows("orders") == []


def test_longest_valid_key_is_accepted(client, order_payload):
    key = "K" * 127 + "~"
    assert client.post("/api/v1/orders", json=order_payload(), headers={"Idempotency-Key": key}).status_code == 201


def test_twenty_concurrent_posts_with_one_key_create_one_order(client, order_payload, db_rows):
    threads = 20
    barrier = threading.Barrier(threads)
    payload = order_payload()

    def post(_: int):
        barrier.wait()
        return client.post("/api/v1/orders", json=payload, headers={"Idempotency-Key": "race-1"})

    with ThreadPoolExecutor(threads) as pool:
        responses = list(pool.map(post, range(threads)))

    codes = sorted(r.status_code for r in responses)
    assert codes == [200] * (threads - 1) + [201], codes
    assert len({r.json()["order_no"] for r in responses}) == 1
    assert len(db_rows("orders")) == 1
    assert len(db_rows("idempotency_keys")) == 1
    assert len(db_rows("order_events")) == 1
