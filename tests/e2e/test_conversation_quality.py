"""Conversation quality on the held-out scripted citizens (bench/conversations/*.yml).

Plays every "heldout" conversation (bench/conversation_eval/cases.py: split) against the
real stack with the adaptive player, writes var/test-results/conversation_quality.json
and holds the bot to: every field right on ≥ 85 % of the orders, every emergency
referred, at most 5 % of the citizens to be served turned away.
"""
from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from bench.conversation_eval.cases import CASES_DIR, load_cases, select
from bench.conversation_eval.player import StackBot, play
from bench.conversation_eval.run import report, table, transcript_text, write
from bench.conversation_eval.scoring import aggregate, summary_line, verdict

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "var" / "test-results" / "conversation_quality.json"


def test_heldout_conversations(stack):
    cases = select(load_cases(CASES_DIR), "heldout") if CASES_DIR.is_dir() else []
    if not cases:
        pytest.skip(f"no held-out conversations in {CASES_DIR}")
    bot = StackBot(stack)
    results = []
    for case in cases:
        record = play(case, bot, sender=f"cq-{uuid.uuid4().hex[:10]}")
        v = verdict(case, record)
        v["transcript"] = record
        results.append(v)
    metrics = aggregate(results)
    write(OUT, report(metrics, results, split="heldout", cases_dir=str(CASES_DIR)))

    failures = "\n\n".join(transcript_text(v) for v in results if not v["passed"])
    detail = f"{summary_line(metrics)}\n{table(results)}\n\n{failures}"
    if metrics["orders_expected"]:
        assert metrics["orders_all_fields_right"] >= 0.85, detail
    if metrics["emergencies_expected"]:
        assert metrics["emergency_recall"] == 1.0, detail
    if metrics["false_refusal_rate"] is not None:
        assert metrics["false_refusal_rate"] <= 0.05, detail
