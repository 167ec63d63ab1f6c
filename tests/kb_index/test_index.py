"""Building, incremental rebuilds, embedder identity, ranking and the three zones."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from kb_index.index import DEFAULT_THRESHOLDS, Hit, IndexMismatchError, KBIndex, build, current_build_dir, decide

ROOT = Path(__file__).resolve().parents[2]


def hit(id_, score):
    return Hit(id_, f"问题{id_}", "答复", "部门", "", score, f"问题{id_}")


def test_each_entry_is_found_by_its_own_questions_and_by_a_rephrasing(built_index, embedder):
    index = KBIndex.open(built_index[1], embedder)
    assert index.rank("身份证丢了怎么补办", 1)[0].id == "T-SFZ"
    assert index.rank("身份证不见了去哪补", 1)[0].matched == "身份证不见了去哪补"
    assert index.rank("我想把公积金的钱取出来", 1)[0].id == "T-GJJ"
    assert index.rank("我们小区从早上就没水了", 1)[0].id == "T-WATER"
    assert index.rank("我要卖我的旧车，怎么过户", 1)[0].id == "T-CAR"


def test_an_exact_question_is_answered_and_nonsense_is_not(built_index, embedder):
    index = KBIndex.open(built_index[1], embedder)
    result = index.search("结婚登记需要带什么")
    assert result.zone == "answer" and result.hits[0].id == "T-MARRY"
    assert result.hits[0].department == "市民政局婚姻登记处"
    assert index.search("帮我写一首关于月亮的诗").zone == "none"


def test_an_expired_entry_is_never_returned(built_index, embedder):
    index = KBIndex.open(built_index[1], embedder)
    assert all(h.id != "T-OLD" for h in index.rank("二〇二〇年度的旧政策怎么申请", 10))


def test_zones():
    t = dict(DEFAULT_THRESHOLDS)
    assert decide([], t).zone == "none"
    top = decide([hit("a", t["answer"] + 0.02), hit("b", t["suggest"])], t)
    assert top.zone == "answer" and top.hits[0].id == "a"
    mid = decide([hit("a", t["suggest"] + 0.005), hit("b", t["suggest"]), hit("c", t["suggest"] - 0.001),
                  hit("d", 0.1)], t)
    assert mid.zone == "suggest" and [h.id for h in mid.hits] == ["a", "b", "c"]
    tie = decide([hit("a", t["answer"] + 0.01), hit("b", t["answer"] + 0.01 - t["margin"] / 2)], t)
    assert tie.zone == "suggest" and [h.id for h in tie.hits] == ["a", "b"]  # too close to pick one
    lone = decide([hit("a", t["suggest"] + 0.001), hit("b", 0.2)], t)
    assert lone.zone == "suggest" and len(lone.hits) == 2  # always 2-3 buttons
    low = decide([hit("a", t["suggest"] - 0.01)], t)
    assert low.zone == "none" and low.hits == [] and low.candidates[0].id == "a"


def test_a_rebuild_embeds_only_what_changed(fresh_copy, embedder):
    source, out = fresh_copy
    unchanged = build(source, out, embedder)
    assert unchanged.embedded == 0 and unchanged.reused == unchanged.vectors
    data = yaml.safe_load((source / "mini_kb.yml").read_text(encoding="utf-8"))
    data["entries"][0]["similar_questions"].append("身份证被偷了怎么重新办")
    data["entries"].append({"id": "T-NEW", "question": "供暖什么时候开始", "answer": "每年11月15日开始供暖。",
                            "department": "市热力公司", "similar_questions": ["今年几号来暖气"]})
    (source / "mini_kb.yml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    report = build(source, out, embedder)
    # one new similar question of T-SFZ (its question+answer passage is unchanged),
    # and the new entry's 2 questions + 1 passage
    assert report.embedded == 4
    assert KBIndex.open(out, embedder).rank("今年几号来暖气", 1)[0].id == "T-NEW"


def test_an_index_of_another_embedder_is_refused(fresh_copy, embedder):
    _, out = fresh_copy
    meta_path = current_build_dir(out) / "meta.json"
    meta = json.loads(meta_path.read_text())
    meta["embedder"] = {**meta["embedder"], "model": "some-other-model"}
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(IndexMismatchError):
        KBIndex.open(out, embedder)


def test_old_builds_are_pruned_and_current_is_atomic(fresh_copy, embedder):
    source, out = fresh_copy
    for _ in range(4):
        build(source, out, embedder)
    builds = [p for p in (out / "builds").iterdir() if p.is_dir()]
    assert len(builds) == 3 and current_build_dir(out) in builds
    assert not list(out.glob(".CURRENT*"))


def cli(*args):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "kb_index", *map(str, args)], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=120)


def test_cli_search_prints_ranked_hits_as_json(built_index):
    result = cli("search", built_index[1], "社保卡不见了咋办", "--k", "3", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["zone"] in {"answer", "suggest"} and len(data["hits"]) == 3
    assert data["hits"][0]["id"] == "T-SBK" and data["hits"][0]["score"] >= data["hits"][1]["score"]


def test_cli_build_reports_validation_problems_with_file_and_line(tmp_path):
    (tmp_path / "bad.yml").write_text("- id: X\n  question: 问\n", encoding="utf-8")
    result = cli("build", tmp_path, tmp_path / "out")
    assert result.returncode == 2
    assert f"{tmp_path / 'bad.yml'}:1: missing required field 'answer'" in result.stderr
    assert not (tmp_path / "out").exists()


def test_conflicts_lists_near_duplicate_questions_of_different_entries(built_index, embedder):
    from kb_index.index import conflicts

    index = KBIndex.open(built_index[1], embedder)
    found = conflicts(index, threshold=0.9)
    assert found and all(c.a_id != c.b_id for c in found)
    assert [c.score for c in found] == sorted((c.score for c in found), reverse=True)
    pairs = {frozenset((c.a_id, c.b_id)) for c in found}
    assert frozenset(("T-CAR", "T-HOUSE")) in pairs  # 二手车过户 / 二手房过户
    assert conflicts(index, threshold=1.01) == []


def test_the_same_question_in_two_entries_is_refused(tmp_path):
    from kb_index.source import KBValidationError, load_source

    (tmp_path / "kb.yml").write_text(
        "entries:\n"
        "  - {id: A, question: 身份证丢了怎么补办, answer: 去派出所。, department: 公安局}\n"
        "  - {id: B, question: 户口本丢了怎么办, similar_questions: ['身份证丢了，怎么补办？'], answer: 去派出所。,"
        " department: 公安局}\n", encoding="utf-8")
    with pytest.raises(KBValidationError) as error:
        load_source(tmp_path)
    assert "also a question of 'A'" in str(error.value)
