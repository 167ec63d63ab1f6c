"""Plays the scripted conversations against the real stack and scores them.

    bash scripts/ensure_services.sh        # Redis + PostgreSQL; needs models/hotline.tar.gz
    PYTHONPATH=. .venv/rasa/bin/python -m bench.conversation_eval.run [--split dev|heldout|all]
        [--only ID ...] [--show-failures] [--cases-dir DIR] [--out bench/results/conversation_eval.json]

Starts the gateway (PostgreSQL), the action server and Rasa (Redis) with tests/e2e/conftest.py's
Stack, plays each conversation with a fresh sender id, writes the metrics, the verdicts and
the transcripts to --out and prints a table.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from bench.conversation_eval.cases import CASES_DIR, UNREAD_FILES, Case, CaseError, load_cases, select
from bench.conversation_eval.player import Bot, new_sender, play
from bench.conversation_eval.scoring import aggregate, summary_line, verdict

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUT = ROOT / "bench" / "results" / "conversation_eval.json"


def evaluate(cases: Sequence[Case], bot: Bot, sender_prefix: str = "cq",
             progress: bool = False) -> Tuple[Dict[str, Any], List[Dict[str, Any]]]:
    """Plays and judges every case; returns (metrics, [verdict with its transcript])."""
    results: List[Dict[str, Any]] = []
    for n, case in enumerate(cases, 1):
        start = time.perf_counter()
        record = play(case, bot, sender=new_sender(sender_prefix))
        v = verdict(case, record)
        v["seconds"] = round(time.perf_counter() - start, 2)
        v["transcript"] = record
        results.append(v)
        if progress:
            mark = "ok  " if v["passed"] else "FAIL"
            print(f"[{n}/{len(cases)}] {mark} {case.id} {v['expected']} → {','.join(v['happened']) or '-'} "
                  f"({v['citizen_turns']} turns, {v['seconds']}s)", flush=True)
    return aggregate(results), results


def report(metrics: Dict[str, Any], results: List[Dict[str, Any]], **info: Any) -> Dict[str, Any]:
    from bench.common import load_average, machine
    return {"benchmark": "conversation_eval", "at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            "machine": machine(), "load_average": load_average(), **info,
            "metrics": metrics, "conversations": results}


def write(path: Path, data: Dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str), encoding="utf-8")


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def table(results: List[Dict[str, Any]]) -> str:
    rows = [("id", "split", "expected", "happened", "ok", "turns", "problems")]
    for v in results:
        rows.append((v["id"], v["split"], v["expected"], ",".join(v["happened"]) or "-",
                     "yes" if v["passed"] else "NO", str(v["citizen_turns"]), _cut("; ".join(v["problems"]), 90)))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r[:-1], widths)) + "  " + r[-1] for r in rows)


def transcript_text(v: Dict[str, Any]) -> str:
    lines = [f"=== {v['id']} ({v['expected']} → {','.join(v['happened']) or '-'}; stop: {v['stop_reason']})"]
    for p in v["problems"]:
        lines.append(f"  ! {p}")
    for t in v["transcript"]["turns"]:
        lines.append(f"  citizen [{t['phase']}]: {t['citizen']}")
        for b in t["bot"]:
            lines.append("      bot: " + b.replace("\n", "\n           "))
        if t["buttons"]:
            lines.append(f"      buttons: {t['buttons']}")
        lines.append(f"      · intent={t['intent']} loop={t['active_loop']} requested={t['requested_slot']} "
                     f"actions={t['actions']}")
    for o in v["transcript"]["orders"]:
        lines.append("  order: " + json.dumps(o, ensure_ascii=False, default=str))
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", choices=("dev", "heldout", "all"), default="dev")
    parser.add_argument("--only", nargs="+", metavar="ID", help="only these conversation ids")
    parser.add_argument("--file", nargs="+", metavar="NAME",
                        help="only the conversations of these files of the cases dir (e.g. a fresh set played once)")
    parser.add_argument("--show-failures", action="store_true", help="print the transcripts of failed conversations")
    parser.add_argument("--cases-dir", type=Path, default=CASES_DIR)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)

    try:
        cases = select(load_cases(args.cases_dir), args.split, args.only)
        if args.file:
            cases = [c for c in cases if c.source in set(args.file)]
        else:  # the gate and the reserve stay unplayed in development runs (name them with --file)
            cases = [c for c in cases if c.source not in UNREAD_FILES]
    except CaseError as error:
        print(f"invalid conversations: {error}", file=sys.stderr)
        return 2
    if not cases:
        print(f"no conversations in {args.cases_dir} for split={args.split} only={args.only}", file=sys.stderr)
        return 2
    from tests.e2e.conftest import Stack  # starts real processes: import only when needed

    from bench.conversation_eval.player import StackBot
    print(f"starting the stack for {len(cases)} conversations …", flush=True)
    started = time.perf_counter()
    stack = Stack()
    try:
        print(f"stack up in {time.perf_counter() - started:.0f}s", flush=True)
        metrics, results = evaluate(cases, StackBot(stack), progress=True)
    finally:
        stack.close()
    data = report(metrics, results, split=args.split, only=args.only, cases_dir=str(args.cases_dir),
                  seconds=round(time.perf_counter() - started, 1))
    write(args.out, data)
    print()
    print(table(results))
    if args.show_failures:
        for v in results:
            if not v["passed"]:
                print()
                print(transcript_text(v))
    print()
    print(summary_line(metrics))
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
