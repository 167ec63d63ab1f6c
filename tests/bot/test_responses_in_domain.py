"""Citizen-facing texts live in the domain (bot/domain/responses.yml), not in the actions.

Every `utter_message(...)` in bot/actions/ either names a response (`response="utter_…"`,
with the values it fills) or passes text that is not a Chinese literal (a knowledge-base
answer, a summary built from the order's fields, a reply of bot/screening/replies.py).
"""
from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Iterator, Tuple

import yaml

ROOT = Path(__file__).resolve().parents[2]
ACTIONS = ROOT / "bot" / "actions"
CJK = re.compile(r"[\u4e00-\u9fff]")


def _calls() -> Iterator[Tuple[str, ast.Call]]:
    for path in sorted(ACTIONS.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "utter_message":
                yield f"{path.relative_to(ROOT)}:{node.lineno}", node


def _chinese_literal(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Constant) and isinstance(n.value, str) and CJK.search(n.value) for n in ast.walk(node))


def _names(node: ast.AST) -> list:
    """The response names an argument can take: a constant, or either branch of a conditional."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _names(node.body) + _names(node.orelse)
    return []


def test_no_chinese_literal_is_sent_as_text():
    offenders = [where for where, call in _calls()
                 for kw in call.keywords if kw.arg == "text" and _chinese_literal(kw.value)]
    assert not offenders, f"put these texts into bot/domain/responses.yml and send response=…: {offenders}"


def test_every_response_an_action_names_is_in_the_domain_with_its_values():
    responses = yaml.safe_load((ROOT / "bot" / "domain" / "responses.yml").read_text(encoding="utf-8"))["responses"]
    slots = set(yaml.safe_load((ROOT / "bot" / "domain" / "slots.yml").read_text(encoding="utf-8"))["slots"])
    problems = []
    for where, call in _calls():
        for kw in call.keywords:
            if kw.arg != "response":
                continue
            names = _names(kw.value)
            passed = {k.arg for k in call.keywords if k.arg} | slots
            for name in names:
                if name not in responses:
                    problems.append(f"{where}: {name} is not in responses.yml")
                    continue
                for variant in responses[name]:
                    missing = set(re.findall(r"{([^\n{}]+?)}", variant.get("text") or "")) - passed
                    if missing:
                        problems.append(f"{where}: {name} needs {sorted(missing)}")
    assert not problems, problems
