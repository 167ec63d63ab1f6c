"""The knowledge-base source format and its validation messages."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from kb_index.source import KBValidationError, load_source

SAMPLE = Path(__file__).resolve().parents[2] / "kb_index" / "sample_kb"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(source) -> list:
    with pytest.raises(KBValidationError) as info:
        load_source(source)
    return info.value.problems


def test_yaml_and_jsonl_entries_are_read_together(tmp_path):
    write(tmp_path / "a.yml", "- id: A1\n  question: 问题一\n  answer: 答复一\n  department: 部门甲\n"
                              "  similar_questions: [相似一, 相似二]\n  valid_to: 2030-01-01\n")
    write(tmp_path / "b.jsonl", json.dumps({"id": "B1", "question": "问题二", "answer": "答复二",
                                             "department": "部门乙", "keywords": ["关键"]}, ensure_ascii=False) + "\n")
    entries = {e.id: e for e in load_source(tmp_path)}
    assert set(entries) == {"A1", "B1"}
    assert entries["A1"].questions() == ["问题一", "相似一", "相似二"]
    assert entries["A1"].valid_to == "2030-01-01" and entries["A1"].line == 1
    assert entries["B1"].keywords == ["关键"] and entries["B1"].line == 1


def test_yaml_errors_name_the_file_and_the_line_of_the_entry(tmp_path):
    path = write(tmp_path / "kb.yml", "entries:\n"
                 "  - id: A1\n    question: 问题一\n    answer: 答复\n    department: 部门\n"
                 "  - id: A2\n    question: 问题二\n    department: 部门\n"            # line 6: no answer
                 "  - id: A1\n    question: 问题三\n    answer: 答复\n    department: 部门\n"  # line 9: duplicate
                 "  - id: A4\n    question: 问题四\n    answer: 答复\n    department: 部门\n    valid_from: 明天\n"
                 "    colour: red\n")
    problems = problems_of(tmp_path)
    assert f"{path}:6: missing required field 'answer'" in problems
    assert any(p.startswith(f"{path}:9: duplicate id 'A1'") for p in problems)
    assert any(p.startswith(f"{path}:13: field 'valid_from' must be a date") for p in problems)
    assert f"{path}:13: unknown field 'colour'" in problems


def test_jsonl_errors_name_the_line(tmp_path):
    path = write(tmp_path / "kb.jsonl",
                 '{"id": "J1", "question": "问", "answer": "答", "department": "部"}\n'
                 "\n"
                 '{"id": "J2", "question": "问", "answer": "答", \n'
                 '{"id": "J3", "question": "问", "answer": "答", "department": "部", "similar_questions": "不是列表"}\n')
    problems = problems_of(tmp_path)
    assert any(p.startswith(f"{path}:3: invalid JSON") for p in problems)
    assert f"{path}:4: field 'similar_questions' must be a list of non-empty strings" in problems


def test_yaml_syntax_error_names_the_line(tmp_path):
    path = write(tmp_path / "kb.yml", "- id: A1\n  question: [未闭合\n  answer: 答\n")
    problems = problems_of(tmp_path)
    assert len(problems) == 1 and problems[0].startswith(f"{path}:") and "YAML syntax error" in problems[0]


def test_the_sample_knowledge_base_is_valid_and_complete():
    entries = load_source(SAMPLE)
    assert len(entries) >= 200
    assert all(3 <= len(e.similar_questions) <= 5 for e in entries)
    assert all(e.department and e.category and "示例" in e.source for e in entries)
    assert all(e.answer.startswith("【示例口径】") for e in entries)
    assert len({e.category for e in entries}) >= 20
