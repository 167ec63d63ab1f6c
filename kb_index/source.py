"""Knowledge-base source: a folder (or one file) of YAML or JSONL entries.

YAML files hold a list of entries, or a mapping with an `entries:` list.
JSONL files hold one JSON object per line. Every validation error names the file
and the line of the offending entry.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional

import yaml

SUFFIXES = {".yml", ".yaml", ".jsonl"}
REQUIRED = ("id", "question", "answer", "department")
LIST_FIELDS = ("similar_questions", "keywords")
STR_FIELDS = ("id", "question", "answer", "department", "category", "source")
DATE_FIELDS = ("valid_from", "valid_to", "updated_at")
KNOWN = set(REQUIRED) | set(LIST_FIELDS) | set(STR_FIELDS) | set(DATE_FIELDS)


class KBValidationError(ValueError):
    """All problems found in a source, one `file:line: message` per line."""

    def __init__(self, problems: List[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass
class Entry:
    id: str
    question: str
    answer: str
    department: str
    similar_questions: List[str] = field(default_factory=list)
    category: str = ""
    keywords: List[str] = field(default_factory=list)
    valid_from: Optional[str] = None
    valid_to: Optional[str] = None
    updated_at: Optional[str] = None
    source: str = ""
    file: str = ""
    line: int = 0

    def questions(self) -> List[str]:
        """The standard question first, then the similar questions (deduplicated)."""
        seen, out = set(), []
        for q in [self.question, *self.similar_questions]:
            if q not in seen:
                seen.add(q)
                out.append(q)
        return out

    def is_valid_on(self, day: dt.date) -> bool:
        if self.valid_from and day < dt.date.fromisoformat(self.valid_from):
            return False
        if self.valid_to and day > dt.date.fromisoformat(self.valid_to):
            return False
        return True

    def public(self) -> Dict[str, Any]:
        d = asdict(self)
        d.pop("file"), d.pop("line")
        return d

    def content_hash(self) -> str:
        return hashlib.sha256(json.dumps(self.public(), ensure_ascii=False, sort_keys=True).encode()).hexdigest()


class _LineLoader(yaml.SafeLoader):
    """Safe YAML loader that records the 1-based line of every mapping."""

    def construct_mapping(self, node, deep=False):
        mapping = super().construct_mapping(node, deep=deep)
        mapping["__line__"] = node.start_mark.line + 1
        return mapping


def _as_date(value: Any) -> Optional[str]:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        dt.date.fromisoformat(value[:10])  # raises ValueError when malformed
        return value[:10]
    raise ValueError(f"not a date: {value!r}")


def _entry(raw: Any, where: str, problems: List[str]) -> Optional[Entry]:
    if not isinstance(raw, dict):
        problems.append(f"{where}: an entry must be a mapping, got {type(raw).__name__}")
        return None
    raw = {k: v for k, v in raw.items() if k != "__line__"}
    before = len(problems)
    for key in sorted(set(raw) - KNOWN):
        problems.append(f"{where}: unknown field '{key}'")
    for key in REQUIRED:
        value = raw.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            problems.append(f"{where}: missing required field '{key}'")
    for key in STR_FIELDS:
        if key in raw and raw[key] is not None and not isinstance(raw[key], (str, int)):
            problems.append(f"{where}: field '{key}' must be a string")
    for key in LIST_FIELDS:
        value = raw.get(key)
        if value is None:
            continue
        if not isinstance(value, list) or not all(isinstance(x, str) and x.strip() for x in value):
            problems.append(f"{where}: field '{key}' must be a list of non-empty strings")
    dates: Dict[str, Optional[str]] = {}
    for key in DATE_FIELDS:
        try:
            dates[key] = _as_date(raw.get(key))
        except ValueError:
            problems.append(f"{where}: field '{key}' must be a date (YYYY-MM-DD), got {raw.get(key)!r}")
    if dates.get("valid_from") and dates.get("valid_to") and dates["valid_from"] > dates["valid_to"]:
        problems.append(f"{where}: valid_from is after valid_to")
    if len(problems) > before:
        return None
    return Entry(
        id=str(raw["id"]).strip(),
        question=str(raw["question"]).strip(),
        answer=str(raw["answer"]).strip(),
        department=str(raw["department"]).strip(),
        similar_questions=[s.strip() for s in raw.get("similar_questions") or []],
        category=str(raw.get("category") or "").strip(),
        keywords=[s.strip() for s in raw.get("keywords") or []],
        source=str(raw.get("source") or "").strip(),
        **dates,
    )


def _read_yaml(path: Path, problems: List[str]) -> Iterable[tuple]:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        problems.append(f"{path}:{mark.line + 1 if mark else 0}: YAML syntax error: {exc.problem}")
        return []
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(f"{path}:0: cannot read: {exc}")
        return []
    if data is None:
        return []
    if isinstance(data, dict) and "entries" in data:
        data = data["entries"]
    if not isinstance(data, list):
        problems.append(f"{path}:1: expected a list of entries (or a mapping with 'entries:')")
        return []
    return [((item.get("__line__", 0) if isinstance(item, dict) else 0), item) for item in data]


def _read_jsonl(path: Path, problems: List[str]) -> Iterable[tuple]:
    out = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(f"{path}:0: cannot read: {exc}")
        return out
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith("//"):
            continue
        try:
            out.append((number, json.loads(line)))
        except json.JSONDecodeError as exc:
            problems.append(f"{path}:{number}: invalid JSON: {exc.msg}")
    return out


def source_files(source: Path) -> List[Path]:
    source = Path(source)
    if source.is_file():
        return [source]
    if not source.is_dir():
        raise FileNotFoundError(f"knowledge-base source not found: {source}")
    return sorted(p for p in source.rglob("*") if p.is_file() and p.suffix in SUFFIXES and not p.name.startswith("."))


def load_source(source: Path) -> List[Entry]:
    """All entries of a source; raises KBValidationError listing every problem."""
    problems: List[str] = []
    entries: List[Entry] = []
    seen: Dict[str, str] = {}
    files = source_files(Path(source))
    if not files:
        raise KBValidationError([f"{source}:0: no .yml, .yaml or .jsonl files"])
    for path in files:
        items = _read_jsonl(path, problems) if path.suffix == ".jsonl" else _read_yaml(path, problems)
        for line, raw in items:
            where = f"{path}:{line}"
            entry = _entry(raw, where, problems)
            if entry is None:
                continue
            if entry.id in seen:
                problems.append(f"{where}: duplicate id '{entry.id}' (first at {seen[entry.id]})")
                continue
            seen[entry.id] = where
            entry.file, entry.line = str(path), line
            entries.append(entry)
    problems += _shared_questions(entries)
    if problems:
        raise KBValidationError(problems)
    return entries


_QUESTION_NOISE = re.compile(r"[\s，。？！、；：,.?!;:“”\"'（）()]")


def _shared_questions(entries: List[Entry]) -> List[str]:
    """The same question (ignoring spaces and punctuation) in two entries: the search
    could never tell them apart, so one of them must change."""
    owner: Dict[str, Entry] = {}
    problems = []
    for entry in entries:
        for question in entry.questions():
            norm = _QUESTION_NOISE.sub("", question)
            first = owner.setdefault(norm, entry)
            if first is not entry and first.id != entry.id:
                problems.append(f"{entry.file}:{entry.line}: question '{question}' of '{entry.id}' is also a question "
                                f"of '{first.id}' ({first.file}:{first.line}); reword one of them")
    return problems
