"""Consultations answered from the knowledge base, against the real kb_index service
(built from tests/kb_index/data/mini_kb.yml and started as a subprocess)."""
from __future__ import annotations

import socket

import pytest

from bot.actions import settings
from bot.actions.consult import ActionAnswerConsult
from tests.bot.conftest import ROOT, make_tracker, rendered, slot_events, texts
from tests.support import processes

MINI_KB = ROOT / "tests" / "kb_index" / "data" / "mini_kb.yml"
TOKEN = "kb-bot-test"


@pytest.fixture(scope="module")
def kb_index_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("kb") / "index"
    processes.build_kb_index(MINI_KB, out)
    return out


@pytest.fixture(scope="module")
def kb_service(kb_index_dir):
    proc = processes.start_kb_service(kb_index_dir, token=TOKEN)
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def kb_service_suggesting(kb_index_dir):
    """The same index with thresholds that turn every decent match into a suggestion."""
    proc = processes.start_kb_service(kb_index_dir, token=TOKEN,
                                      extra_env={"KB_ANSWER_THRESHOLD": "1.01", "KB_SUGGEST_THRESHOLD": "0.5"})
    yield proc
    proc.stop()


def point_at(monkeypatch, url, token=TOKEN):
    monkeypatch.setenv("KB_URL", url)
    monkeypatch.setenv("KB_API_TOKEN", token)
    monkeypatch.setenv("KB_TIMEOUT_S", "5")
    settings.get_settings.cache_clear()


@pytest.fixture(autouse=True)
def reset_settings():
    yield
    settings.get_settings.cache_clear()


async def consult(domain, dispatcher, text):
    return slot_events(await ActionAnswerConsult().run(dispatcher, make_tracker(text, "consult"), domain))


def assert_honest_decline(dispatcher, events, text):
    assert "暂时没法给您准确的答复" in texts(dispatcher) and "2个工作日" in texts(dispatcher)
    assert events == {"pending_offer": "consult_order", "consult_question": text}


async def test_a_confident_entry_is_answered_with_its_department_and_an_order_offer(domain, dispatcher, kb_service,
                                                                                    monkeypatch):
    point_at(monkeypatch, kb_service.url)
    events = await consult(domain, dispatcher, "身份证丢了怎么补办")
    answer, offer = dispatcher.messages
    assert "派出所申请补领" in rendered(answer) and "市公安局户政支队" in rendered(answer)
    assert rendered(offer) == ("这个答复解决您的问题了吗？没解决的话可以为您登记咨询工单（2个工作日内答复），需要登记吗？")
    assert [(b["title"], b["payload"]) for b in offer["buttons"]] == [("需要登记", "/affirm"), ("解决了", "/deny")]
    assert events["pending_offer"] == "consult_order"
    assert events["consult_question"].startswith("身份证丢了怎么补办")
    # the entry offered is named by its question and department, never by its internal id
    assert "“身份证丢了怎么补办”（市公安局户政支队）" in events["consult_question"]
    assert "T-SFZ" not in events["consult_question"]


async def test_close_candidates_are_offered_as_buttons_with_their_question(domain, dispatcher, kb_service_suggesting,
                                                                          monkeypatch):
    point_at(monkeypatch, kb_service_suggesting.url)
    events = await consult(domain, dispatcher, "过户怎么办")
    suggestion, offer = dispatcher.messages
    assert rendered(suggestion) == "您是不是想问："
    assert 2 <= len(suggestion["buttons"]) <= 3
    assert all(b["title"] == b["payload"] and not b["payload"].startswith("/") for b in suggestion["buttons"])
    assert {"二手车过户怎么办理", "二手房过户怎么办理"} <= {b["payload"] for b in suggestion["buttons"]}
    assert "2个工作日" in rendered(offer) and offer["buttons"][0]["payload"] == "/affirm"
    assert events["pending_offer"] == "consult_order" and "“二手车过户怎么办理”" in events["consult_question"]
    assert "T-CAR" not in events["consult_question"]


async def test_no_good_entry_gets_the_honest_reply(domain, dispatcher, kb_service, monkeypatch):
    point_at(monkeypatch, kb_service.url)
    events = await consult(domain, dispatcher, "帮我写一首关于月亮的诗")
    assert_honest_decline(dispatcher, events, "帮我写一首关于月亮的诗")


async def test_a_wrong_token_gets_the_honest_reply(domain, dispatcher, kb_service, monkeypatch):
    point_at(monkeypatch, kb_service.url, token="wrong")
    events = await consult(domain, dispatcher, "身份证丢了怎么补办")
    assert_honest_decline(dispatcher, events, "身份证丢了怎么补办")


async def test_a_dead_service_gets_the_honest_reply(domain, dispatcher, monkeypatch):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    point_at(monkeypatch, f"http://127.0.0.1:{port}")
    events = await consult(domain, dispatcher, "公积金怎么提取")
    assert_honest_decline(dispatcher, events, "公积金怎么提取")


async def test_a_hung_service_times_out_into_the_honest_reply(domain, dispatcher, monkeypatch):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    try:
        point_at(monkeypatch, f"http://127.0.0.1:{server.getsockname()[1]}")
        monkeypatch.setenv("KB_TIMEOUT_S", "0.3")
        events = await consult(domain, dispatcher, "公积金怎么提取")
        assert_honest_decline(dispatcher, events, "公积金怎么提取")
    finally:
        server.close()


async def test_order_type_typed_in_reply_to_the_offer_accepts_it(domain, dispatcher):
    """"需要登记吗？" → "咨询": the offer is accepted, the question becomes the order."""
    from bot.actions.order_start import ActionStartOrder
    tracker = make_tracker(text="咨询", intent="consult",
                           slots={"pending_offer": "consult_order", "consult_question": "农村户口迁到丈夫家要带啥"})
    events = await ActionStartOrder().run(dispatcher, tracker, domain)
    values = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    assert values["order_type"] == "咨询" and values["description"] == "农村户口迁到丈夫家要带啥"
