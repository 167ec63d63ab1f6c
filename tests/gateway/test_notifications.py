"""Results to the citizen's channel (issue 14): the notification outbox, written with the completion,
handed to a loopback stand-in of Rasa's HTTP API exactly once (lost answers, crashes, concurrent
senders), backoff and dead letters, the channel's outcome report, and the rules of 重办."""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlparse

import httpx
import pytest
from sqlalchemy import select

from gateway.models import Notification
from gateway.services import notifications as svc

from .test_lifecycle import AGENT, BOT, REPLY, SHANGZHOU, SUPERVISOR, world  # noqa: F401 - fixture

CST = dt.timezone(dt.timedelta(hours=8))


class FakeRasa:
    """Rasa's tracker API on loopback: GET …/tracker, POST …/tracker/events, with scripted failures.

    ``lose``: the events are applied, then the connection is dropped without an answer (a crash or a
    lost answer after Rasa took the message)."""

    def __init__(self, *script: str) -> None:
        self.script = list(script)
        self.events: dict[str, list[dict]] = {}
        self.posts: list[dict] = []
        self.lock = threading.Lock()
        rasa = self

        class Handler(BaseHTTPRequestHandler):
            def _sender(self) -> str:
                return unquote(re.match(r"/conversations/([^/]+)/", urlparse(self.path).path).group(1))

            def _answer(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802
                with rasa.lock:
                    events = list(rasa.events.get(self._sender(), []))
                self._answer(200, {"events": events})

            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                query = parse_qs(urlparse(self.path).query)
                with rasa.lock:
                    action = rasa.script.pop(0) if rasa.script else "ok"
                    if action != "fail":
                        rasa.events.setdefault(self._sender(), []).extend(body)
                        rasa.posts.append({"sender": self._sender(), "events": body, "query": query})
                if action == "lose":
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                self._answer(500 if action == "fail" else 200, {})

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def bot_messages(self, sender: str) -> list[dict]:
        return [e for e in self.events.get(sender, []) if e.get("event") == "bot"]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def rasa():
    made: list[FakeRasa] = []

    def make(*script: str) -> FakeRasa:
        made.append(FakeRasa(*script))
        return made[-1]

    yield make
    for r in made:
        r.close()


def deliver(world, rasa: FakeRasa, **kw) -> int:
    options = dict(clock=world.clock, lease_s=30, base_s=2, max_s=60, max_attempts=3, rating_hours=72,
                   jitter=lambda: 1.0)
    options.update(kw)
    with httpx.Client(timeout=2) as client:
        return svc.deliver_due(world.app.state.database.sessionmaker, client, svc.Rasa(rasa.url, "tok"), **options)


def rows(world) -> list[Notification]:
    with world.app.state.database.sessionmaker() as session:
        return list(session.scalars(select(Notification).order_by(Notification.id)))


def completed_order(world, **overrides) -> str:
    order_no = world.create(channel=overrides.pop("channel", "wechat"), **overrides)
    world.to_completed(order_no)
    return order_no


def test_completion_writes_one_notification_with_the_result(world):
    order_no = completed_order(world)
    (row,) = rows(world)
    assert (row.order_no, row.event_key, row.channel, row.sender_id) == (order_no, "result:0", "wechat", "user-001")
    text = row.payload["text"]
    for part in (order_no, "商州区城关街道办事处", REPLY["result"], "2025年1月8日", "满意", "不满意"):
        assert part in text
    assert [b["title"] for b in row.payload["buttons"]] == ["满意", "基本满意", "不满意"]
    assert json.loads(row.payload["buttons"][2]["payload"][len("/rate_order"):]) == {
        "satisfaction": "不满意", "order_no": order_no}
    # the same completion cannot be recorded twice; the reply alone sends nothing
    assert world.event(AGENT, order_no, "review_approve").status_code == 409
    assert len(rows(world)) == 1


@pytest.mark.parametrize("overrides", [{"anonymous": True, "contact_name": None}, {"reply_required": False},
                                       {"channel": "rest"}, {"channel": "phone"}])
def test_no_notification_without_a_wanted_reply_or_a_channel_back(world, overrides):
    completed_order(world, **{"channel": "webchat", **overrides})
    assert rows(world) == []


def test_handed_to_rasa_once_through_the_orders_channel(world, rasa):
    fake = rasa()
    order_no = completed_order(world, channel="email")
    assert deliver(world, fake) == 1
    (post,) = fake.posts
    assert post["query"]["output_channel"] == ["email"] and post["query"]["execute_side_effects"] == ["true"]
    slots = {e["name"]: e["value"] for e in post["events"] if e["event"] == "slot"}
    assert slots["rating_order"] == order_no
    until = dt.datetime.fromisoformat(slots["rating_until"])
    assert until - world.clock() == dt.timedelta(hours=72)
    (bot,) = fake.bot_messages("user-001")
    assert bot["metadata"]["notification"] == f"{order_no}:result:0" and len(bot["data"]["buttons"]) == 3
    assert rows(world)[0].sent_at is not None
    assert deliver(world, fake) == 0 and len(fake.posts) == 1


def test_a_lost_answer_or_crash_after_rasa_took_it_sends_once(world, rasa):
    fake = rasa("lose")
    completed_order(world)
    assert deliver(world, fake) == 0  # Rasa has it, the answer never came: a failure, backed off
    (row,) = rows(world)
    assert row.sent_at is None and row.attempts == 1 and row.last_error
    world.clock.advance(seconds=3)
    assert deliver(world, fake) == 1  # the retry finds the message in the conversation and posts nothing
    assert len(fake.posts) == 1 and len(fake.bot_messages("user-001")) == 1
    assert rows(world)[0].outcome == "already"


def test_a_worker_that_died_after_taking_a_row_leaves_it_to_the_next_after_the_lease(world, rasa):
    fake = rasa()
    completed_order(world)
    factory = world.app.state.database.sessionmaker
    taken = svc.take_next(factory, world.clock, lease_s=30)  # ... and the process dies here
    assert taken is not None and deliver(world, fake) == 0  # leased: nobody else sends it
    world.clock.advance(seconds=31)
    assert deliver(world, fake) == 1 and len(fake.bot_messages("user-001")) == 1


def test_concurrent_senders_deliver_each_result_once(world, rasa):
    fake = rasa()
    numbers = [completed_order(world, sender_id="user-001", description=f"小区路灯坏了第{i}处，晚上很黑。")
               for i in range(5)]
    threads = [threading.Thread(target=deliver, args=(world, fake)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ids = [b["metadata"]["notification"] for b in fake.bot_messages("user-001")]
    assert sorted(ids) == sorted(f"{n}:result:0" for n in numbers)
    assert all(r.sent_at is not None for r in rows(world))


def test_failures_back_off_then_dead_letter_and_a_retry_sends(world, rasa):
    fake = rasa("fail", "fail", "fail")
    order_no = completed_order(world)
    assert deliver(world, fake) == 0
    assert rows(world)[0].next_attempt_at == world.clock() + dt.timedelta(seconds=2)
    assert deliver(world, fake) == 0  # not due yet
    world.clock.advance(seconds=2)
    assert deliver(world, fake) == 0
    world.clock.advance(seconds=4)
    assert deliver(world, fake) == 0
    (row,) = rows(world)
    assert row.dead_at is not None and row.outcome == "failed" and row.attempts == 3
    world.clock.advance(hours=1)
    assert deliver(world, fake) == 0 and fake.posts == []
    with world.app.state.database.sessionmaker() as session:
        assert svc.retry(session, order_no, world.clock())
    assert deliver(world, fake) == 1 and len(fake.bot_messages("user-001")) == 1


def test_the_channel_reports_the_outcome_and_staff_read_it(world):
    order_no = completed_order(world)
    nid = f"{order_no}:result:0"
    bot = world.client(BOT)
    assert bot.post("/api/v1/notifications/outcome", json={"notification": nid, "outcome": "undelivered",
                                                           "detail": "45015"}).status_code == 200
    assert bot.post("/api/v1/notifications/outcome",
                    json={"notification": "SL20250101999999:result:0", "outcome": "delivered"}).status_code == 404
    assert world.client(SHANGZHOU).post("/api/v1/notifications/outcome",
                                        json={"notification": nid, "outcome": "delivered"}).status_code == 403
    seen = world.client(AGENT).get(f"/api/v1/orders/{order_no}/notifications").json()
    (item,) = seen["items"]
    assert item["outcome"] == "undelivered" and item["outcome_label"] == "未送达，请电话回访"
    assert world.client(BOT).get(f"/api/v1/orders/{order_no}/notifications").status_code == 403
    # a template message after it: the stronger report wins, and a later weaker one never hides it
    bot.post("/api/v1/notifications/outcome", json={"notification": nid, "outcome": "template"})
    bot.post("/api/v1/notifications/outcome", json={"notification": nid, "outcome": "undelivered"})
    assert rows(world)[0].outcome == "template"


def test_dissatisfied_reopens_once_to_the_same_unit_then_a_supervisor_decides(world):
    order_no = completed_order(world)
    rated = world.ok(BOT, order_no, "feedback", satisfaction="不满意", comment="路灯还是不亮", source="wechat")
    assert rated["satisfaction"] == "不满意"
    assert any(e["kind"] == "feedback" and e["payload"]["source"] == "wechat" for e in world.events(order_no))
    reopened = world.ok(BOT, order_no, "citizen_reopen", reason="路灯还是不亮", source="wechat")
    assert (reopened["status"], reopened["lead_unit"], reopened["reopen_count"]) == ("dispatched", "商州区", 1)
    assert reopened["satisfaction"] == "不满意"  # the rating stays until the next round is completed
    # the second round: a new notification, rated afresh
    world.ok(SHANGZHOU, order_no, "sign")
    world.ok(SHANGZHOU, order_no, **REPLY)
    again = world.ok(AGENT, order_no, "review_approve")
    assert again["satisfaction"] is None
    assert [r.event_key for r in rows(world)] == ["result:0", "result:1"]
    assert "（重办）" in rows(world)[1].payload["text"]
    world.ok(BOT, order_no, "feedback", satisfaction="不满意", source="wechat")
    queued = world.ok(BOT, order_no, "citizen_reopen", reason="还是没修好")
    assert queued["status"] == "completed" and queued["supervisor_queue_at"] is not None
    assert "已重办过一次" in queued["supervisor_queue_reason"] and "还是没修好" in queued["supervisor_queue_reason"]
    assert world.event(BOT, order_no, "citizen_reopen", reason="还是没修好").status_code == 409
    # the supervisor reopens it by hand: the queue entry is cleared
    assert world.ok(SUPERVISOR, order_no, "reopen", reason="督办要求再次办理")["supervisor_queue_at"] is None


def test_a_written_explanation_under_22_3_goes_to_a_supervisor(world):
    order_no = world.create(channel="webchat")
    world.to_handling(order_no)
    world.ok(SHANGZHOU, order_no, **{**REPLY, "written_explanation": True})
    world.ok(AGENT, order_no, "review_approve")
    queued = world.ok(BOT, order_no, "citizen_reopen", reason="补偿标准太低")
    assert queued["status"] == "completed" and queued["reopen_count"] == 0
    assert "第二十二条（三）" in queued["supervisor_queue_reason"]


def test_the_report_counts_ratings_and_reopened_orders_per_unit(world):
    first, second = completed_order(world), completed_order(world, description="北新街另一处路灯也不亮，晚上很黑。")
    world.ok(BOT, first, "feedback", satisfaction="满意", source="wechat")
    world.ok(BOT, second, "feedback", satisfaction="不满意", source="wechat")
    world.ok(BOT, second, "citizen_reopen", reason="路灯还是不亮")
    report = world.client(AGENT).get("/api/v1/reports", params={"from": "2025-01-01", "to": "2025-01-31"}).json()
    (row,) = [r for r in report["units"]["county"] if r["unit"] == "商州区"]
    assert (row["evaluated"], row["satisfaction"], row["reopened"]) == (2, "50%", 1)
    assert report["totals"]["reopened"] == 1 and report["totals"]["evaluated"] == 2
