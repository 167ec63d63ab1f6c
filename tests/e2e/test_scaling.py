"""Two Rasa servers and two action servers behind the real nginx (issue 15), for real.

tests/support/cluster.py starts them: one gateway on PostgreSQL; two action servers; nginx from
deploy/nginx.conf.template with both Rasa servers in its upstreams (round-robin, no stickiness),
an internal listener over both Rasa servers (the REST channel, the gateway's RASA_URL) and one
over both action servers (every Rasa server's ACTION_SERVER_URL, so any Rasa server calls any
action server); two Rasa servers with one model, one Redis tracker store and
ConcurrentRedisLockStore under this run's key prefix, one SQL event broker on PostgreSQL.

Which server took a request is read from nginx's access logs (via=$upstream_addr).

- one conversation's messages, back-to-back and concurrently, land on both servers and are
  taken one at a time, in order, none lost and none twice; a confirmed form gives one order;
- a web chat session open in two tabs whose sockets are on the two servers (long-polling,
  kept on one server per client address): the bot's and the agent's messages reach both tabs
  once each, whichever server sent them;
- a WeChat retry of the same MsgId that lands on the other server is answered once;
- a Rasa server killed in the middle of a turn, and one killed between turns: the conversation
  goes on on the other server (the seconds it took are printed; nothing asserts a duration).

Ticket lifetime: TICKET_LOCK_LIFETIME=20 here (Rasa's default 60 s): a server killed while it
holds a conversation's lock blocks that conversation until its ticket expires, and Rasa's own
response timeout (60 s) must not run out first. docs/scaling.md says how to choose it.
"""
from __future__ import annotations

import queue
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, List, Optional

import httpx
import pytest
import redis
import requests
import requests.adapters
import socketio

from channels.webchat.session import sender_for
from tests.channels.wechat.wechat_peers import WeChatServer
from tests.e2e.test_takeover import AGENT, AGENT_PASSWORD, ConsoleUser, add_agent, tracker_events
from tests.support import processes
from tests.support import proxy as proxy_support
from tests.support.citizen import Profile, answer, run_form
from tests.support.cluster import ScaledStack, via

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not proxy_support.available(), reason="nginx: run scripts/ensure_services.sh")]

LOCK_LIFETIME_S = 20
REST = "/webhooks/rest/webhook"


@pytest.fixture(scope="module")
def cluster():
    stack = ScaledStack(rasa_servers=2, action_servers=2, extra_rasa_env={"TICKET_LOCK_LIFETIME": str(LOCK_LIFETIME_S)})
    yield stack
    stack.close()


def both(cluster: ScaledStack) -> set:
    return {cluster.rasa_address(0), cluster.rasa_address(1)}


def new_lines(log: str, before: int) -> str:
    return log[before:]


def settled(read, before: int, path_part: str, count: int) -> str:
    """The log since `before` once it has `count` lines for path_part (nginx writes a request's
    line just after its response, so the client can be faster than the log)."""
    deadline = time.monotonic() + 10
    while True:
        text = read()[before:]
        if len(via(text, path_part)) >= count or time.monotonic() > deadline:
            return text
        time.sleep(0.1)


def turns(events: List[Dict[str, Any]]) -> List[List[Dict[str, Any]]]:
    """The tracker cut at each user message: [user, …, action_listen] per turn."""
    cut: List[List[Dict[str, Any]]] = []
    for event in events:
        if event["event"] == "user":
            cut.append([event])
        elif cut:
            cut[-1].append(event)
    return cut


def assert_one_at_a_time(events: List[Dict[str, Any]], texts: List[str]) -> None:
    """Every text once, and every turn finished (action_listen) before the next message was taken."""
    users = [e.get("text") for e in events if e["event"] == "user"]
    for text in texts:
        assert users.count(text) == 1, (text, users)
    for turn in turns(events):
        names = [e.get("name") for e in turn if e["event"] == "action"]
        assert names and names[-1] == "action_listen", (turn[0].get("text"), names)
        assert names.count("action_listen") == 1, (turn[0].get("text"), names)  # no other turn inside this one


# -- (a) one conversation over both servers
def test_a_conversation_back_to_back_goes_over_both_servers_and_gives_one_order(cluster):
    sender = processes.rest_sender("scale")
    before_rasa, before_actions = len(cluster.internal_log()), len(cluster.actions_log())
    sent: List[str] = []

    def say(text: str) -> List[str]:
        sent.append(text)
        return [m.get("text", "") for m in cluster.send(sender, text)]

    transcript = run_form(say, "我们商州区北新街的小区停水两天了一直没人管", Profile(description="小区停水两天了，一直没人管"))
    assert "工单编号" in transcript[-1]
    orders = cluster.orders_of(sender)
    assert len(orders) == 1 and orders[0]["order_no"] in transcript[-1], orders
    # the messages alternated between the two Rasa servers, the action calls between the two action servers
    rasa_servers = cluster.servers_of(settled(cluster.internal_log, before_rasa, REST, len(sent)), REST)
    assert set(rasa_servers) == both(cluster) and sum(rasa_servers.values()) == len(sent), rasa_servers
    action_servers = cluster.servers_of(new_lines(cluster.actions_log(), before_actions), "/webhook")
    assert set(action_servers) == {p.url.split("//", 1)[1] for p in cluster.action_servers}, action_servers
    events = tracker_events(cluster, sender)
    assert [e["text"] for e in events if e["event"] == "user"] == sent  # in order, none lost, none twice
    assert_one_at_a_time(events, sent)


def test_concurrent_messages_of_one_conversation_are_taken_one_at_a_time_on_both_servers(cluster):
    sender = processes.rest_sender("burst")
    before = len(cluster.internal_log())
    assert cluster.send(sender, "你好")
    texts = [f"你好，我想问一下第{n}件事" for n in range(1, 11)]
    barrier = threading.Barrier(len(texts))

    def post(text: str) -> httpx.Response:
        barrier.wait(timeout=30)
        return httpx.post(f"{cluster.internal_url}{REST}", json={"sender": sender, "message": text},
                          headers=processes.rest_headers(), timeout=120)

    with ThreadPoolExecutor(len(texts)) as pool:
        responses = list(pool.map(post, texts))
    assert [r.status_code for r in responses] == [200] * len(texts), [r.text[:200] for r in responses]
    assert all(r.json() for r in responses), [r.json() for r in responses]  # every message answered
    servers = cluster.servers_of(settled(cluster.internal_log, before, REST, 1 + len(texts)), REST)
    assert set(servers) == both(cluster) and sum(servers.values()) == 1 + len(texts), servers
    events = tracker_events(cluster, sender)
    assert_one_at_a_time(events, texts)
    # each caller got the answer of its own turn: the bot texts of that turn in the tracker
    by_text = {turn[0]["text"]: [e.get("text") for e in turn if e["event"] == "bot"] for turn in turns(events)}
    for text, response in zip(texts, responses):
        assert [m.get("text") for m in response.json()] == by_text[text], text


# -- (c) web chat across servers
class _FromAddress(requests.adapters.HTTPAdapter):
    """Connections from one loopback address: nginx sees each as its own client."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


class Tab:
    """One browser tab's socket.io client through the public nginx (TLS, long-polling: the
    test venv has no websocket client) from its own loopback address."""

    def __init__(self, edge: proxy_support.Proxy, origin: str, address: str, session_id: Optional[str] = None) -> None:
        http = requests.Session()
        http.trust_env = False
        http.verify = str(edge.ca_file)
        http.mount("https://", _FromAddress(address))
        self.address = address
        self.events: "queue.Queue[tuple]" = queue.Queue()
        self.sio = socketio.Client(reconnection=False, http_session=http)
        for name in ("session_confirm", "bot_uttered", "bot_typing", "webchat_error", "user_echo"):
            self.sio.on(name, self._recorder(name))
        self.sio.connect(edge.url, headers={"Origin": origin}, transports=["polling"], wait_timeout=20)
        self.sio.emit("session_request", {"session_id": session_id})
        self.session_id = self.next("session_confirm")["session_id"]

    def _recorder(self, name: str):
        return lambda data=None: self.events.put((name, data))

    def next(self, wanted: str, timeout: float = 90) -> Any:
        while True:
            name, data = self.events.get(timeout=timeout)
            if name == wanted:
                return data

    def texts_until_quiet(self, quiet_s: float = 3.0) -> List[str]:
        """Every bot text until nothing came for quiet_s."""
        texts: List[str] = []
        while True:
            try:
                name, data = self.events.get(timeout=quiet_s)
            except queue.Empty:
                return texts
            if name == "bot_uttered":
                texts.append(data.get("text", ""))

    def close(self) -> None:
        self.sio.disconnect()


def socket_servers(edge: proxy_support.Proxy, before: int, address: str) -> set:
    """The Rasa servers that took /socket.io/ requests from one client address since `before`."""
    deadline = time.monotonic() + 10
    while True:
        found = {server for line in edge.access_log()[before:].splitlines() if line.startswith(address + " ")
                 for *_, server in via(line, "/socket.io/")}
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def open_tabs_on_both_servers(cluster: ScaledStack) -> List[Tab]:
    """A tab, then the same session in a tab from another address whose socket is on the other server."""
    edge = cluster.edge
    before = len(edge.access_log())
    first = Tab(edge, cluster.gateway_origin, "127.0.0.21")
    (first_server,) = socket_servers(edge, before, first.address)
    for n in range(22, 60):
        second = Tab(edge, cluster.gateway_origin, f"127.0.0.{n}", session_id=first.session_id)
        if socket_servers(edge, before, second.address) == both(cluster) - {first_server}:
            return [first, second]
        # on the same server: dropped without waiting (a socket.io client's disconnect waits for its long-poll)
        threading.Thread(target=second.close, daemon=True).start()
    first.close()
    pytest.fail("no client address hashed to the other server")


def test_web_chat_and_agent_messages_reach_both_tabs_on_both_servers(cluster):
    add_agent(cluster, AGENT, AGENT_PASSWORD)
    agent = ConsoleUser(cluster.gateway.url, AGENT, AGENT_PASSWORD)
    edge = cluster.edge
    before_public = len(edge.access_log())
    tabs = open_tabs_on_both_servers(cluster)
    first, second = tabs
    sender = sender_for(processes.WEBCHAT_SENDER_SECRET, first.session_id)
    try:
        first.sio.emit("user_uttered", {"session_id": first.session_id, "message": "我要转人工"})
        asked = first.texts_until_quiet()
        assert any("正在为您转接人工客服" in t for t in asked), asked
        assert second.texts_until_quiet(1.0) == asked  # the bot's answer reached the other server's tab too
        assert agent.post("takeover", sender_id=sender).status_code == 200
        before_internal = len(cluster.internal_log())
        replies = [f"您好，我是话务员王芳，第{n}条消息" for n in range(1, 5)]
        for text in replies:  # the console posts to Rasa through nginx: the servers take turns
            assert agent.post("reply", sender_id=sender, text=text).status_code == 200
        for tab in tabs:
            assert tab.texts_until_quiet() == replies  # each once, in order
        events_path = f"/conversations/{sender}/tracker/events"
        posted = cluster.servers_of(settled(cluster.internal_log, before_internal, events_path, len(replies)), events_path)
        assert set(posted) == both(cluster), posted  # the agent's messages went through both servers
    finally:
        for tab in tabs:
            tab.close()
    # and every polling request of a tab stayed on its tab's server
    assert [len(socket_servers(edge, before_public, tab.address)) for tab in tabs] == [1, 1]
    # no "invalid session" (400) for the two tabs: 499 is a long-poll the client dropped when it disconnected
    kept = "\n".join(line for line in edge.access_log()[before_public:].splitlines()
                     if line.split(" ", 1)[0] in {tab.address for tab in tabs})
    statuses = {status for *_, status, _ in via(kept, "/socket.io/")}
    assert statuses <= {200, 499}, statuses


# -- (d) WeChat retries across servers
def test_a_wechat_retry_on_the_other_server_is_answered_once(cluster):
    edge = cluster.edge
    wechat = WeChatServer(edge.url + "/webhooks/wechat/webhook")
    openid = "o" + uuid.uuid4().hex[:27]
    with edge.client() as outside:
        query, body = wechat.signed_aes(wechat.text(openid, "你好"), openid=openid)
        assert outside.post("/webhooks/wechat/webhook", params=query, content=body).status_code == 200
        message = wechat.text(openid, "我想问一下社保卡丢了怎么补办", msg_id=wechat.next_msg_id())
        before = len(edge.access_log())

        def deliver(delay: float) -> httpx.Response:
            time.sleep(delay)
            signed_query, signed_body = wechat.signed_aes(message, openid=openid)  # WeChat signs each try anew
            return outside.post("/webhooks/wechat/webhook", params=signed_query, content=signed_body)

        with ThreadPoolExecutor(2) as pool:
            tries = list(pool.map(deliver, (0.0, 0.05)))
    assert [t.status_code for t in tries] == [200, 200], [t.text for t in tries]
    log = settled(edge.access_log, before, "/webhooks/wechat/webhook", 2)
    servers = [address for *_, address in via(log, "/webhooks/wechat/webhook")]
    assert len(servers) == 2 and set(servers) == both(cluster), servers  # the retry went to the other server
    users = [e for e in tracker_events(cluster, openid) if e["event"] == "user"]
    assert [e["text"] for e in users].count("我想问一下社保卡丢了怎么补办") == 1, users  # processed once
    passive = [wechat.open_reply(t) for t in tries]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not any(passive) and not cluster.wechat_api.texts_to(openid):
        time.sleep(0.2)
    pushed = cluster.wechat_api.texts_to(openid)
    # either WeChat got the answer on a request (the retry the stored one), or both got `success`
    # and it came once as a customer-service message
    if any(passive):
        assert pushed == [] and len({p for p in passive if p}) == 1, (passive, pushed)
    else:
        assert len(pushed) == 1, pushed


# -- (b) a server killed (last in the module: it leaves one server killed)
def _tickets_key(cluster: ScaledStack, sender: str) -> str:
    return f"{cluster.redis_prefix}:lock:{sender}:tickets"


def test_a_server_killed_in_the_middle_of_a_turn_and_the_conversation_goes_on(cluster):
    sender = processes.rest_sender("killed")
    profile = Profile(description="小区停水两天了，一直没人管")
    replies = [m.get("text", "") for m in cluster.send(sender, "我们商州区北新街的小区停水两天了一直没人管")]
    next_answer = answer(replies[-1], profile)
    assert next_answer, replies
    # the next message goes straight to server 0, which is killed while it holds the conversation's lock
    store = redis.Redis.from_url(cluster.redis_url)
    lost: Dict[str, Any] = {}

    def in_flight() -> None:
        try:
            lost["response"] = httpx.post(f"{cluster.rasa_url(0)}{REST}", json={"sender": sender, "message": next_answer},
                                          headers=processes.rest_headers(), timeout=60)
        except httpx.HTTPError as error:
            lost["error"] = error

    worker = threading.Thread(target=in_flight)
    worker.start()
    deadline = time.monotonic() + 30
    while not store.exists(_tickets_key(cluster, sender)) and time.monotonic() < deadline:
        time.sleep(0.002)
    held = bool(store.exists(_tickets_key(cluster, sender)))
    cluster.kill_rasa_server(0)
    killed_at = time.monotonic()
    worker.join(timeout=60)
    # the citizen's client got no answer and sends again through nginx (only server 1 is there) until
    # answered. A message queued behind the dead server's ticket within Rasa's lock poll (1 s) of that
    # ticket's issue expires with it and is dropped (LockError, an empty answer): Rasa's ticket
    # lifetime counts from issue, not from the turn's start (docs/scaling.md) — hence the resending
    retried: List[str] = []
    attempts = 0
    while not retried and time.monotonic() - killed_at < 3 * LOCK_LIFETIME_S + 60:
        attempts += 1
        retried = [m.get("text", "") for m in cluster.send(sender, next_answer)]
        if not retried:
            time.sleep(1.0)
    first_good_s = time.monotonic() - killed_at
    assert retried and all(retried), retried
    print(f"\nkilled in a turn (lock held: {held}, answered before the kill: {'response' in lost}): "
          f"first good answer {first_good_s:.1f} s after the kill after {attempts} sends "
          f"(ticket lifetime {LOCK_LIFETIME_S} s)")
    transcript = run_form(lambda text: [m.get("text", "") for m in cluster.send(sender, text)],
                          answer(retried[-1], profile) or "确认", profile)
    assert "工单编号" in transcript[-1]
    assert len(cluster.orders_of(sender)) == 1
    users = [e["text"] for e in tracker_events(cluster, sender) if e["event"] == "user"]
    assert users.count(next_answer) == 1 or "response" in lost, users  # the killed and dropped sends left nothing


def test_a_server_killed_between_turns_and_the_conversation_goes_on(cluster):
    cluster.start_rasa_server(0)  # back from the previous test
    time.sleep(11)  # nginx tries a failed server again after fail_timeout (10 s)
    sender = processes.rest_sender("between")
    profile = Profile(description="小区停水两天了，一直没人管")
    sent: List[str] = []

    def say(text: str) -> List[str]:
        sent.append(text)
        return [m.get("text", "") for m in cluster.send(sender, text)]

    replies = say("我们商州区北新街的小区停水两天了一直没人管")
    replies = say(answer(replies[-1], profile))
    cluster.kill_rasa_server(1)
    killed_at = time.monotonic()
    replies = say(answer(replies[-1], profile))
    first_good_s = time.monotonic() - killed_at
    assert replies and all(replies), replies
    print(f"\nkilled between turns: first good answer {first_good_s:.2f} s after the kill")
    transcript = run_form(say, answer(replies[-1], profile) or "确认", profile)
    assert "工单编号" in transcript[-1] and len(cluster.orders_of(sender)) == 1
    assert [e["text"] for e in tracker_events(cluster, sender) if e["event"] == "user"] == sent
