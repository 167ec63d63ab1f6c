"""Loading and validating the scripted conversations (bench/conversations/*.yml).

Each file holds a YAML list of conversations:

    - id: cv001
      persona: "..."
      tags: [complaint, correction_summary]
      opening: ["first message", "optional second"]
      answers: {description, order_type, district, ..., confirm}   # strings, any may be missing
      corrections: [{at: summary | "after:<field>", say: "..."}]
      after: ["message after the order is submitted", ...]
      expect:
        outcome: order | emergency | refusal | cross_region | consult | status | withdraw | handoff
        order: {order_type: [..], district, address_contains: [..], ...}
        first_number: "120"; also_numbers: ["122"]; refusal_class: str; place: str

`split(id)` puts about 40 % of the ids in "heldout" (a stable hash of the id), the rest in "dev".
"""
from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Union

import yaml

ROOT = Path(__file__).resolve().parents[2]
CASES_DIR = ROOT / "bench" / "conversations"

# The conversations nobody working on the bot has read: the quality gate in `make test`
# (tests/e2e/test_conversation_quality.py) plays only these. Each was written apart by a
# helper given the regulation and the product description only. Once a file's failures are
# read to fix their causes, it joins the development sets and a new unread file takes its place.
GATE_FILES = ("fresh_14.yml",)
# written apart and kept unread for the next gate: played by nobody until it becomes the gate
RESERVE_FILES: tuple = ("fresh_15.yml",)
# the files a development run plays unless told otherwise (bench/conversation_eval/run.py)
UNREAD_FILES = GATE_FILES + RESERVE_FILES

# the order form's slots the citizen answers, in the form's order
FORM_FIELDS = ("description", "order_type", "district", "address", "occurred_at", "anonymous",
               "contact_name", "contact_phone", "reply_required")
ANSWER_KEYS = FORM_FIELDS + ("confirm",)
OUTCOMES = ("order", "emergency", "refusal", "cross_region", "consult", "status", "withdraw", "handoff")
# outcomes in which the citizen wants something registered or looked after (a turn-away is wrong)
SERVED_OUTCOMES = ("order", "consult", "status", "withdraw", "handoff")
TURN_AWAY_OUTCOMES = ("refusal", "cross_region", "emergency")
EMERGENCY_NUMBERS = ("110", "119", "120", "122")

# expect.order keys → the kind of value they take
ORDER_EXPECT_KEYS: Dict[str, str] = {
    "order_type": "list",
    "district": "str",
    "address_contains": "list",
    "description_contains": "list",
    "occurred_at_contains": "list",
    "anonymous": "bool",
    "contact_name": "str",
    "contact_name_contains": "list",
    "contact_phone": "str",
    "reply_required": "bool",
}
EXPECT_KEYS = ("outcome", "order", "first_number", "also_numbers", "refusal_class", "place")
CASE_KEYS = ("id", "persona", "tags", "opening", "answers", "corrections", "after", "expect")


class CaseError(ValueError):
    """A conversation file does not follow the schema."""


@dataclass
class Correction:
    at: str              # "summary" or "after:<field>"
    say: str

    @property
    def after_field(self) -> Optional[str]:
        return self.at[len("after:"):] if self.at.startswith("after:") else None


@dataclass
class Case:
    id: str
    opening: List[str]
    expect: Dict[str, Any]
    persona: str = ""
    tags: List[str] = field(default_factory=list)
    answers: Dict[str, str] = field(default_factory=dict)
    corrections: List[Correction] = field(default_factory=list)
    after: List[str] = field(default_factory=list)
    source: str = ""     # file the case came from

    @property
    def outcome(self) -> str:
        return self.expect["outcome"]

    @property
    def split(self) -> str:
        return split(self.id)

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)


def split(case_id: str) -> str:
    """"heldout" for about two ids in five (stable: sha1 of the id), "dev" for the rest."""
    return "heldout" if int(hashlib.sha1(case_id.encode("utf-8")).hexdigest(), 16) % 5 in (0, 1) else "dev"


# ------------------------------------------------------------------ validation

def _str(value: Any, where: str) -> str:
    # YAML reads an unquoted phone number or "是" as other scalars; answers are text
    if isinstance(value, bool):
        raise CaseError(f"{where}: expected text, got a boolean ({value!r}); quote it")
    if isinstance(value, (int, float)):
        return str(value)
    if not isinstance(value, str):
        raise CaseError(f"{where}: expected text, got {type(value).__name__}")
    if not value.strip():
        raise CaseError(f"{where}: empty text")
    return value


def _str_list(value: Any, where: str) -> List[str]:
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, list):
        raise CaseError(f"{where}: expected a list of texts")
    return [_str(v, f"{where}[{i}]") for i, v in enumerate(value)]


def _validate_order(order: Any, where: str) -> Dict[str, Any]:
    if not isinstance(order, dict):
        raise CaseError(f"{where}: expected a mapping")
    unknown = set(order) - set(ORDER_EXPECT_KEYS)
    if unknown:
        raise CaseError(f"{where}: unknown keys {sorted(unknown)} (known: {list(ORDER_EXPECT_KEYS)})")
    out: Dict[str, Any] = {}
    for key, value in order.items():
        kind = ORDER_EXPECT_KEYS[key]
        if kind == "list":
            out[key] = _str_list(value, f"{where}.{key}")
        elif kind == "bool":
            if not isinstance(value, bool):
                raise CaseError(f"{where}.{key}: expected true/false")
            out[key] = value
        else:
            out[key] = _str(value, f"{where}.{key}")
    if "contact_phone" in out:
        digits = phone_digits(out["contact_phone"])
        if not digits:
            raise CaseError(f"{where}.contact_phone: no digits")
        out["contact_phone"] = digits
    return out


def _validate_expect(expect: Any, where: str) -> Dict[str, Any]:
    if not isinstance(expect, dict):
        raise CaseError(f"{where}: expected a mapping")
    unknown = set(expect) - set(EXPECT_KEYS)
    if unknown:
        raise CaseError(f"{where}: unknown keys {sorted(unknown)}")
    outcome = expect.get("outcome")
    if outcome not in OUTCOMES:
        raise CaseError(f"{where}.outcome: {outcome!r} is not one of {list(OUTCOMES)}")
    out: Dict[str, Any] = {"outcome": outcome}
    if expect.get("order") is not None:
        out["order"] = _validate_order(expect["order"], f"{where}.order")
    for key in ("first_number",):
        if key in expect and expect[key] is not None:
            number = _str(expect[key], f"{where}.{key}")
            if number not in EMERGENCY_NUMBERS:
                raise CaseError(f"{where}.{key}: {number!r} is not one of {list(EMERGENCY_NUMBERS)}")
            out[key] = number
    if expect.get("also_numbers") is not None:
        numbers = _str_list(expect["also_numbers"], f"{where}.also_numbers")
        for number in numbers:
            if number not in EMERGENCY_NUMBERS:
                raise CaseError(f"{where}.also_numbers: {number!r} is not one of {list(EMERGENCY_NUMBERS)}")
        out["also_numbers"] = numbers
    for key in ("refusal_class", "place"):
        if expect.get(key) is not None:
            out[key] = _str(expect[key], f"{where}.{key}")
    return out


def validate(raw: Any, source: str = "") -> Case:
    """One conversation (a mapping from YAML) → Case; raises CaseError naming what is wrong."""
    if not isinstance(raw, dict):
        raise CaseError(f"{source}: a conversation must be a mapping")
    case_id = raw.get("id")
    where = f"{source}:{case_id}" if source else str(case_id)
    if not isinstance(case_id, str) or not case_id.strip():
        raise CaseError(f"{source}: a conversation without an id (text)")
    unknown = set(raw) - set(CASE_KEYS)
    if unknown:
        raise CaseError(f"{where}: unknown keys {sorted(unknown)}")
    opening = _str_list(raw.get("opening"), f"{where}.opening") if raw.get("opening") is not None else []
    if not opening:
        raise CaseError(f"{where}.opening: at least one message")
    answers_raw = raw.get("answers") or {}
    if not isinstance(answers_raw, dict):
        raise CaseError(f"{where}.answers: expected a mapping")
    unknown = set(answers_raw) - set(ANSWER_KEYS)
    if unknown:
        raise CaseError(f"{where}.answers: unknown keys {sorted(unknown)} (known: {list(ANSWER_KEYS)})")
    answers = {k: _str(v, f"{where}.answers.{k}") for k, v in answers_raw.items() if v is not None}
    corrections: List[Correction] = []
    for i, item in enumerate(raw.get("corrections") or []):
        if not isinstance(item, dict) or set(item) - {"at", "say"}:
            raise CaseError(f"{where}.corrections[{i}]: expected {{at, say}}")
        at = _str(item.get("at"), f"{where}.corrections[{i}].at").strip()
        if at != "summary" and not (at.startswith("after:") and at[len("after:"):] in FORM_FIELDS):
            raise CaseError(f"{where}.corrections[{i}].at: {at!r} is neither 'summary' nor 'after:<field>' "
                            f"with a field of {list(FORM_FIELDS)}")
        corrections.append(Correction(at=at, say=_str(item.get("say"), f"{where}.corrections[{i}].say")))
    after = _str_list(raw["after"], f"{where}.after") if raw.get("after") is not None else []
    tags = _str_list(raw["tags"], f"{where}.tags") if raw.get("tags") is not None else []
    persona = raw.get("persona") or ""
    if not isinstance(persona, str):
        raise CaseError(f"{where}.persona: expected text")
    if raw.get("expect") is None:
        raise CaseError(f"{where}: no expect")
    expect = _validate_expect(raw["expect"], f"{where}.expect")
    return Case(id=case_id.strip(), opening=opening, expect=expect, persona=persona, tags=tags, answers=answers,
                corrections=corrections, after=after, source=source)


def load_file(path: Union[str, Path]) -> List[Case]:
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise CaseError(f"{path.name}: not valid YAML: {error}") from None
    if data is None:
        return []
    if not isinstance(data, list):
        raise CaseError(f"{path.name}: expected a YAML list of conversations")
    return [validate(item, path.name) for item in data]


def load_cases(directory: Union[str, Path, None] = None) -> List[Case]:
    """Every conversation of directory/*.yml (and *.yaml), files in name order; ids must be unique."""
    directory = Path(directory) if directory is not None else CASES_DIR
    if not directory.is_dir():
        raise CaseError(f"no conversation directory {directory}")
    cases: List[Case] = []
    seen: Dict[str, str] = {}
    for path in sorted(list(directory.glob("*.yml")) + list(directory.glob("*.yaml"))):
        for case in load_file(path):
            if case.id in seen:
                raise CaseError(f"duplicate id {case.id!r} in {path.name} (first in {seen[case.id]})")
            seen[case.id] = path.name
            cases.append(case)
    return cases


def select(cases: Iterable[Case], which: str = "all", only: Optional[Iterable[str]] = None) -> List[Case]:
    """The cases of a split ("dev", "heldout" or "all"), optionally only the given ids."""
    if which not in ("dev", "heldout", "all"):
        raise ValueError(f"unknown split {which!r}")
    wanted = set(only or ())
    chosen = [c for c in cases if which == "all" or c.split == which]
    if wanted:
        chosen = [c for c in chosen if c.id in wanted]
    return chosen


def phone_digits(value: Any) -> str:
    """Only the digits of a phone number, without a leading 86 country code on a mobile number."""
    text = unicodedata.normalize("NFKC", str(value if value is not None else ""))  # full-width digits
    digits = "".join(ch for ch in text if "0" <= ch <= "9")
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits
