"""Zone thresholds calibrated by the build itself, labelled calibration, query normalisation."""
from __future__ import annotations

import json
import subprocess
import sys

from kb_index import index as kbi
from kb_index.calibrate import offtopic_questions
from kb_index.normalize import normalize
from tests.kb_index.conftest import MINI_KB


def _meta(out):
    return json.loads((kbi.current_build_dir(out) / "meta.json").read_text())


def test_a_tiny_knowledge_base_keeps_the_fixed_defaults(built_index):
    meta = _meta(built_index[1])  # 8 entries: too few for percentiles of negatives
    assert meta["calibration"]["method"].startswith("defaults")
    assert meta["thresholds"]["answer"] == kbi.DEFAULT_THRESHOLDS["answer"]


def test_the_build_calibrates_its_thresholds_and_writes_the_evidence(tmp_path, monkeypatch, embedder):
    import kb_index.calibrate as cal_module

    monkeypatch.setattr(cal_module, "MIN_ENTRIES", 5)
    out = tmp_path / "index"
    kbi.build(MINI_KB, out, embedder)
    meta = _meta(out)
    t, cal = meta["thresholds"], meta["calibration"]
    assert cal["method"].startswith("self")
    assert 0.5 < t["suggest"] < t["answer"] < 1.0 and t["margin"] in (0.01, 0.02)
    assert cal["probes"] >= 5 and set(cal["estimate"]) >= {"direct_answer_rate", "direct_answer_precision"}
    assert cal["off_topic_negative_q"]["90"] <= t["answer"]
    assert set(meta["weak_entries"]) == {"no_similar_questions", "short_question", "near_duplicates"}
    # the search uses the build's thresholds
    assert kbi.KBIndex.open(out).thresholds["answer"] == t["answer"]


def test_search_decides_with_the_calibrated_zones(tmp_path, monkeypatch, embedder):
    import kb_index.calibrate as cal_module

    monkeypatch.setattr(cal_module, "MIN_ENTRIES", 5)
    out = tmp_path / "index"
    kbi.build(MINI_KB, out, embedder)
    index = kbi.KBIndex.open(out)
    assert index.search("身份证丢了怎么补办").zone == "answer"
    assert index.search(offtopic_questions()[1]).zone != "answer"


def test_calibrate_with_labelled_queries_overrides_the_self_calibration(tmp_path, built_index):
    source, _ = built_index
    queries = tmp_path / "labelled.tsv"
    queries.write_text("T-SFZ\t身份证掉了咋补\nT-CAR\t卖旧车咋过户\n-\t帮我写一首诗\n-\t今天天气咋样\n", encoding="utf-8")
    out = tmp_path / "index"
    subprocess.run([sys.executable, "-m", "kb_index", "build", str(source), str(out)], check=True, capture_output=True)
    done = subprocess.run([sys.executable, "-m", "kb_index", "calibrate", str(source), str(queries), "--out", str(out)],
                          check=True, capture_output=True, text=True)
    assert "zones: answer >=" in done.stderr and "labelled queries (4)" in done.stderr
    meta = _meta(out)
    assert meta["calibration"]["method"] == "labelled queries (4)"
    assert meta["thresholds"]["answer"] == json.loads(done.stdout.splitlines()[-1])["thresholds"]["answer"]


def test_the_build_prints_its_estimate_and_weak_entries(tmp_path):
    import os

    done = subprocess.run([sys.executable, "-m", "kb_index", "build", str(MINI_KB), str(tmp_path / "i")],
                          check=True, capture_output=True, text=True, env={**os.environ, "KB_CALIBRATE_MIN_ENTRIES": "5"})
    assert "estimate (rough): direct answers for" in done.stderr and "zones: answer >=" in done.stderr
    assert json.loads(done.stdout)["thresholds"]["answer"] > 0


def test_auto_index_type_switches_to_hnsw_by_size(tmp_path, monkeypatch, embedder):
    monkeypatch.setattr(kbi, "HNSW_FROM", 3)
    report = kbi.build(MINI_KB, tmp_path / "i", embedder, index_type="auto")
    assert _meta(tmp_path / "i")["index_type"] == "hnsw" and report.entries > 0
    assert kbi.KBIndex.open(tmp_path / "i").rank("身份证丢了怎么补办", 1)[0].id == "T-SFZ"


def test_colloquial_and_shaanxi_words_are_normalised():
    assert normalize("社保卡丢了咋补嘛") == "社保卡丢了怎么补"
    assert normalize("额的身份证寻不见了咋弄哩") == "我的身份证找不到了怎么办"
    assert normalize("办居住证要带啥") == "办居住证要带什么"
