"""Where one turn's time goes: the Rasa agent loaded in-process (same model, same endpoints
as scripts/run_rasa.sh renders with REDIS_URL: Redis tracker store, bot.lock_store's Redis lock
store, the SQL event broker on PostgreSQL), the real action server and gateway (PostgreSQL) as
subprocesses, and a realistic order conversation played N times.

Spans (paths like save/stream_events/publish; in the report per turn and per call):
  log_message     the user message: retrieve (Redis GET + deserialise) and nlu
                  (processor._parse_message_with_graph; nlu/node:<name> per graph node = component)
  predict         processor._predict_next_with_tracker (one per predicted action), per policy node
  run_action:<n>  processor._run_action; inside: form.<method> (Rasa's FormAction),
                  tracker_to_json (the tracker for the action server), action:<name> (the round trip,
                  EndpointConfig.request), response_schema (the answer checked by jsonschema.validate)
  save            tracker store save: stream_events (retrieve for the diff, publish to the event
                  broker per event), redis_get, deserialise, serialise, redis_set

Buckets, a partition of the turn (each span's own time, minus its children, goes to one):
  lock (agent.handle_message minus processor.handle_message), tracker_retrieve, nlu, policy,
  action_server, action_payload, action_response_schema, rasa_actions, tracker_save, event_broker,
  other (processor.handle_message outside every span).

The turn is entered as the REST channel does (channels.guard.citizen_message, input channel
"rest"), without the HTTP layer.

    PYTHONPATH=. .venv/rasa/bin/python -m bench.turn_profile [--conversations 20] [--warmup 2]
        [--events pg|sqlite|off] [--out bench/results/turn_profile.json]
"""
from __future__ import annotations

import argparse
import asyncio
import functools
import inspect
import os
import shutil
import tempfile
import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any, Dict, List

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ["RASA_TELEMETRY_ENABLED"] = "false"

import yaml  # noqa: E402

from bench.common import load_average, machine, percentile, write_report  # noqa: E402
from tests.support import processes  # noqa: E402
from tests.support.citizen import QUESTIONS, Profile, answer  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OPENING = "我要投诉，商州区北新街有个烧烤摊天天晚上吵到凌晨两点，油烟也大，根本睡不着"
CORRECTION = "电话写错了，是13991234567"
COMMAND = "PYTHONPATH=. .venv/rasa/bin/python -m bench.turn_profile"


# -- spans: one conversation at a time, so a plain stack gives the nesting
class Spans:
    def __init__(self) -> None:
        self.stack: List[str] = []
        self.turn: Dict[str, List[float]] = defaultdict(list)

    def reset(self) -> None:
        self.stack = []
        self.turn = defaultdict(list)

    def record(self, name: str, ms: float) -> None:
        self.turn["/".join(self.stack + [name])].append(ms)

    def wrap(self, fn, name_of):
        """fn (sync or async) timed as a span named name_of(*args, **kwargs)."""
        spans = self
        if inspect.iscoroutinefunction(fn):
            @functools.wraps(fn)
            async def awrapper(*args, **kwargs):
                name = name_of(*args, **kwargs)
                spans.stack.append(name)
                t0 = time.perf_counter()
                try:
                    return await fn(*args, **kwargs)
                finally:
                    ms = (time.perf_counter() - t0) * 1000
                    spans.stack.pop()
                    spans.record(name, ms)
            return awrapper

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            name = name_of(*args, **kwargs)
            spans.stack.append(name)
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                ms = (time.perf_counter() - t0) * 1000
                spans.stack.pop()
                spans.record(name, ms)
        return wrapper


SPANS = Spans()
HANDLE_MS: List[float] = []  # processor.handle_message per turn: the turn minus the lock store


def time_handle(processor) -> None:
    original = processor.handle_message

    async def timed_handle(message):
        t0 = time.perf_counter()
        try:
            return await original(message)
        finally:
            HANDLE_MS.append((time.perf_counter() - t0) * 1000)
    processor.handle_message = timed_handle


def const(name):
    return lambda *a, **k: name


def instrument(agent) -> None:
    from rasa.engine.graph import GraphNode
    from rasa.utils.endpoints import EndpointConfig

    # every graph node (NLU components, policies, the ensemble) is a GraphNode.__call__;
    # Rasa runs the graph with dask's synchronous scheduler, so the times add up
    GraphNode.__call__ = SPANS.wrap(GraphNode.__call__, lambda self, *a, **k: f"node:{self._node_name}")

    def action_name(self, *args, **kwargs):
        body = kwargs.get("json") or {}
        return f"action:{body.get('next_action', '?')}"
    EndpointConfig.request = SPANS.wrap(EndpointConfig.request, action_name)

    from rasa.core.actions.action import RemoteAction
    # the whole tracker as JSON for each action-server call (tracker.current_state(ALL))
    RemoteAction._action_call_format = SPANS.wrap(RemoteAction._action_call_format, const("tracker_to_json"))
    # the action server's answer checked against Rasa's JSON schema (jsonschema.validate, every call)
    RemoteAction._validate_action_result = SPANS.wrap(RemoteAction._validate_action_result, const("response_schema"))
    RemoteAction._utter_responses = staticmethod(SPANS.wrap(RemoteAction._utter_responses, const("utter_responses")))

    # inside the form (Rasa's FormAction runs in the Rasa process): where its own time goes
    from rasa.core.actions.forms import FormAction
    for method in ("validate_slots", "_temporary_tracker", "_get_slot_extractions", "validate", "request_next_slot",
                   "_validate_if_required", "is_done", "_activate_loop", "activate", "do"):
        setattr(FormAction, method, SPANS.wrap(getattr(FormAction, method), const(f"form.{method}")))
    from rasa.shared.core.trackers import DialogueStateTracker
    DialogueStateTracker.copy = SPANS.wrap(DialogueStateTracker.copy, const("tracker_copy"))

    processor = agent.processor
    time_handle(processor)
    processor._run_action = SPANS.wrap(processor._run_action, lambda action, *a, **k: f"run_action:{action.name()}")
    processor.run_action_extract_slots = SPANS.wrap(processor.run_action_extract_slots, const("extract_slots"))
    processor.log_message = SPANS.wrap(processor.log_message, const("log_message"))
    processor._parse_message_with_graph = SPANS.wrap(processor._parse_message_with_graph, const("nlu"))
    processor._predict_next_with_tracker = SPANS.wrap(processor._predict_next_with_tracker, const("predict"))

    # the store the processor talks to may wrap the Redis one (AwaitableTrackerStore, FailSafe…)
    store = processor.tracker_store
    while hasattr(store, "_tracker_store"):
        store = store._tracker_store
    store.retrieve = SPANS.wrap(store.retrieve, const("retrieve"))
    store.save = SPANS.wrap(store.save, const("save"))
    store.stream_events = SPANS.wrap(store.stream_events, const("stream_events"))
    store.serialise_tracker = SPANS.wrap(store.serialise_tracker, const("serialise"))
    store.deserialise_tracker = SPANS.wrap(store.deserialise_tracker, const("deserialise"))
    if hasattr(store, "red"):
        store.red.get = SPANS.wrap(store.red.get, const("redis_get"))
        store.red.set = SPANS.wrap(store.red.set, const("redis_set"))
    if store.event_broker is not None:
        broker = store.event_broker
        broker.publish = SPANS.wrap(broker.publish, const("publish"))
    return store


def endpoints_file(tmp: Path, action_url: str, redis_prefix: str, events_url: str) -> Path:
    import sys
    sys.path.insert(0, str(ROOT / "scripts"))
    from render_endpoints import render  # scripts/render_endpoints.py, as scripts/run_rasa.sh uses it

    base = yaml.safe_load((ROOT / "endpoints.yml").read_text())
    env = {"ACTION_SERVER_URL": f"{action_url}/webhook", "ACTION_SERVER_TOKEN": processes.ACTION_SERVER_TOKEN,
           "REDIS_URL": "redis://127.0.0.1:6379/0", "REDIS_KEY_PREFIX": redis_prefix, "EVENTS_DB_URL": events_url}
    path = tmp / "endpoints.yml"
    path.write_text(yaml.safe_dump(render(base, env), allow_unicode=True))
    return path


async def play(agent, spans: Spans) -> List[Dict[str, Any]]:
    """One conversation; per turn: text, total ms, handle ms and the spans."""
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

    from channels.guard import citizen_message

    sender = processes.rest_sender("turnprof")
    profile = Profile(phone="13891400002")
    turns: List[Dict[str, Any]] = []
    handle_ms = HANDLE_MS

    async def say(text: str, label: str) -> List[str]:
        handle_ms.clear()
        spans.reset()
        collector = CollectingOutputChannel()
        message = UserMessage(citizen_message(text), collector, sender, input_channel="rest")
        t0 = time.perf_counter()
        await agent.handle_message(message)
        total = (time.perf_counter() - t0) * 1000
        texts = [m.get("text", "") for m in collector.messages]
        turns.append({"label": label, "text": text, "total_ms": total, "handle_ms": sum(handle_ms),
                      "spans": {k: list(v) for k, v in spans.turn.items()}, "bot": texts})
        return texts

    replies = await say(OPENING, "opening complaint")
    corrected = False
    for _ in range(15):
        last = replies[-1] if replies else ""
        if "工单编号" in "\n".join(replies):
            break
        if "请核对" in last and not corrected:
            replies = await say(CORRECTION, "correction at the summary")
            corrected = True
            continue
        reply = answer(last, profile)
        if reply is None:
            raise RuntimeError(f"the bot asked something the citizen cannot answer: {replies}")
        label = "confirm" if reply == "确认" else f"answer: {next(k for k, _ in QUESTIONS if k in last)}"
        replies = await say(reply, label)
    if "工单编号" not in "\n".join(replies):
        raise RuntimeError(f"no order number at the end: {turns[-1]['bot']}")
    return turns


BUCKETS = ["lock", "tracker_retrieve", "nlu", "policy", "action_server", "action_payload", "action_response_schema",
           "rasa_actions",
           "tracker_save", "event_broker", "other"]


def bucket_of(path: str) -> str:
    parts = path.split("/")
    if "publish" in parts:
        return "event_broker"
    if "response_schema" in parts:
        return "action_response_schema"
    if any(p.startswith("action:") for p in parts):
        return "action_server"
    if "tracker_to_json" in parts:
        return "action_payload"
    if "save" in parts:
        return "tracker_save"
    if "retrieve" in parts:
        return "tracker_retrieve"
    if "predict" in parts:
        return "policy"
    if "nlu" in parts:
        return "nlu"
    return "rasa_actions"  # log_message, extract_slots, run_action:<name>: Rasa's own work in-process


def buckets(row: Dict[str, Any]) -> Dict[str, float]:
    """A partition of the turn: each span's own time (minus its children) goes to one bucket."""
    totals = {k: sum(v) for k, v in row["spans"].items()}
    out: Dict[str, float] = {b: 0.0 for b in BUCKETS}
    for path, total in totals.items():
        depth = path.count("/")
        children = sum(t for c, t in totals.items() if c.startswith(path + "/") and c.count("/") == depth + 1)
        out[bucket_of(path)] += total - children
    top = sum(t for p, t in totals.items() if "/" not in p)
    out["lock"] = row["total_ms"] - row["handle_ms"]
    out["other"] = row["handle_ms"] - top
    return out


def stats(values: List[float]) -> Dict[str, float]:
    return {"p50": round(percentile(values, 0.5), 2), "p95": round(percentile(values, 0.95), 2)}


def summarise(conversations: List[List[Dict[str, Any]]]) -> Dict[str, Any]:
    n_turns = len(conversations[0])
    per_turn = []
    all_rows = [t for conv in conversations for t in conv]
    for i in range(n_turns):
        rows = [conv[i] for conv in conversations if len(conv) > i]
        per_turn.append(summarise_rows(rows, label=rows[0]["label"], text=rows[0]["text"]))
    return {"per_turn": per_turn, "all_turns": summarise_rows(all_rows)}


def summarise_rows(rows: List[Dict[str, Any]], **extra) -> Dict[str, Any]:
    names = set()
    for r in rows:
        names |= set(r["spans"])
    parts = [buckets(r) for r in rows]
    spans = {}
    for name in sorted(names):
        ms = [sum(r["spans"].get(name, [])) for r in rows]
        counts = [len(r["spans"].get(name, [])) for r in rows]
        calls = [v for r in rows for v in r["spans"].get(name, [])]
        spans[name] = {"ms_per_turn": stats(ms), "calls_per_turn": stats(counts), "calls": len(calls),
                       "ms_per_call": stats(calls)}
    return {**extra, "turns": len(rows), "total_ms": stats([r["total_ms"] for r in rows]),
            "buckets_ms": {b: stats([t[b] for t in parts]) for b in BUCKETS},
            "predictions_per_turn": stats([sum(len(v) for k, v in r["spans"].items() if k.endswith("/predict")
                                               or k == "predict") for r in rows]),
            "action_calls_per_turn": stats([sum(len(v) for k, v in r["spans"].items()
                                                if k.split("/")[-1].startswith("action:")) for r in rows]),
            "events_published_per_turn": stats([sum(len(v) for k, v in r["spans"].items()
                                                    if k.endswith("/publish")) for r in rows]),
            "spans": spans,
            "bot_last": rows[0]["bot"][-1] if rows[0]["bot"] else ""}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--conversations", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--events", choices=["pg", "sqlite", "off"], default="pg")
    parser.add_argument("--out", default="bench/results/turn_profile.json")
    args = parser.parse_args()

    load_before = load_average()
    tmp = Path(tempfile.mkdtemp(prefix="turnprof-"))
    model = tmp / "hotline.tar.gz"
    shutil.copy2(processes.MODEL, model)  # someone may retrain while this runs
    redis_prefix = f"turnprof{uuid.uuid4().hex[:8]}:"
    gateway_db = processes.create_pg_database("hotline_turnprof")
    events_db = None
    if args.events == "pg":
        events_db = processes.create_pg_database("hotline_turnprof_events")
        events_url = events_db
    elif args.events == "sqlite":
        events_url = f"sqlite:///{tmp}/events.db"
    else:
        events_url = "off"
    token = uuid.uuid4().hex
    gateway = actions = None
    try:
        gateway = processes.start_gateway(gateway_db, token)
        actions = processes.start_action_server(gateway.url, token)
        os.environ["ACTION_SERVER_TOKEN"] = processes.ACTION_SERVER_TOKEN  # ${ACTION_SERVER_TOKEN} in the file
        report = asyncio.run(run(args, model, endpoints_file(tmp, actions.url, redis_prefix, events_url)))
    finally:
        for proc in (actions, gateway):
            if proc is not None:
                proc.stop()
        processes.drop_pg_database(gateway_db)
        if events_db:
            processes.drop_pg_database(events_db)
        try:
            import redis
            r = redis.Redis(host="127.0.0.1", port=6379)
            for key in r.scan_iter(f"{redis_prefix}*"):
                r.delete(key)
        except Exception:  # noqa: BLE001 - cleanup only
            pass
        shutil.rmtree(tmp, ignore_errors=True)
    report["load_average_before"] = load_before
    report["load_average_after"] = load_average()
    write_report(args.out, report)


def git_state() -> Dict[str, Any]:
    """The commit, and the files changed in the working tree that the processes run (bot/, channels/)."""
    import subprocess

    def git(*a: str) -> str:
        return subprocess.run(["git", *a], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    dirty = [line[3:] for line in git("status", "--porcelain", "--", "bot", "channels", "gateway").splitlines()]
    return {"head": git("rev-parse", "--short", "HEAD"), "uncommitted_in_bot_channels_gateway": dirty}


def response_schema_check(reps: int = 20) -> Dict[str, Any]:
    """RemoteAction._validate_action_result calls jsonschema.validate(), which checks the schema itself
    on every call; the same answer checked by a validator built once, for comparison."""
    import jsonschema
    from rasa.core.actions.action import RemoteAction

    spec = RemoteAction.action_response_format_spec()
    answer_ = {"events": [{"event": "slot", "name": "contact_phone", "value": "13891400002", "timestamp": None},
                          {"event": "slot", "name": "requested_slot", "value": "reply_wanted", "timestamp": None}],
               "responses": [{"text": "需要回复您吗？", "buttons": [], "elements": [], "attachment": None,
                              "image": None, "custom": None, "template": None, "response": None}]}
    validator = jsonschema.validators.validator_for(spec)(spec)

    def timed(fn) -> List[float]:
        out = []
        for _ in range(reps):
            t0 = time.perf_counter()
            fn()
            out.append((time.perf_counter() - t0) * 1000)
        return out
    return {"jsonschema": jsonschema.__version__, "reps": reps,
            "jsonschema.validate_ms": stats(timed(lambda: jsonschema.validate(answer_, spec))),
            "validator_built_once_ms": stats(timed(lambda: validator.validate(answer_)))}


async def run(args, model: Path, endpoints_path: Path) -> Dict[str, Any]:
    from rasa.core.agent import load_agent
    from rasa.core.utils import AvailableEndpoints

    endpoints = AvailableEndpoints.read_endpoints(str(endpoints_path))
    t0 = time.perf_counter()
    agent = await load_agent(model_path=str(model), endpoints=endpoints)
    load_s = time.perf_counter() - t0
    store = instrument(agent)
    for _ in range(args.warmup):
        await play(agent, SPANS)
    conversations = []
    t0 = time.perf_counter()
    for _ in range(args.conversations):
        conversations.append(await play(agent, SPANS))
    wall = time.perf_counter() - t0
    lengths = sorted({len(c) for c in conversations})
    schema_check = response_schema_check()
    summary = summarise(conversations)
    return {
        "command": COMMAND,
        "date_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
        "git": git_state(),
        "machine": machine(),
        "cores": os.cpu_count(),
        "setup": {"tracker_store": type(store).__name__, "lock_store": type(agent.lock_store).__name__,
                  "event_broker": type(store.event_broker).__name__ if store.event_broker else None,
                  "events": args.events, "gateway": "PostgreSQL", "agent_load_s": round(load_s, 1),
                  "model": "models/hotline.tar.gz (copied)", "http_layer": "not included (agent.handle_message)"},
        "conversations": args.conversations, "warmup_conversations": args.warmup,
        "turns_per_conversation": lengths, "wall_s": round(wall, 1),
        "response_schema_check": schema_check,
        **summary,
    }


if __name__ == "__main__":
    main()
