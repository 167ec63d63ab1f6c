"""Options measured in bench/kb_eval.py (docs/kb_index.md §5a): build-time paraphrases, the
build-fitted decision model. Both off by default."""
from __future__ import annotations

import json

import numpy as np

from kb_index import index as kbi
from kb_index.calibrate import offtopic_questions
from kb_index.decision import bigrams, containment, fit_logistic, probability
from kb_index.hybrid import fuse_scores
from kb_index.paraphrase import index_paraphrases, probe_paraphrases
from tests.kb_index.conftest import MINI_KB


def _meta(out):
    return json.loads((kbi.current_build_dir(out) / "meta.json").read_text())


def test_paraphrase_templates_make_colloquial_forms():
    assert index_paraphrases("如何办理居住证？") == ["咋办居住证", "居住证咋办", "办居住证要带啥"]  # at most 3
    assert index_paraphrases("身份证丢失了怎么补领？")[0] == "身份证丢了咋补"
    assert "办租房提取住房公积金要带啥" in index_paraphrases("租房提取住房公积金需要什么材料？")
    assert index_paraphrases("药店买药能刷医保卡吗") == ["药店买药能刷医保卡不"]
    assert index_paraphrases("暖气漏水了找谁") == []  # nothing to rewrite: no copy of the question itself


def test_probe_paraphrases_are_never_the_indexed_ones():
    for q in ("如何办理居住证", "社保卡丢了怎么补办", "离婚需要什么手续", "公证处在哪里", "可以在外地领结婚证吗"):
        probes = probe_paraphrases(q)
        assert probes and not set(probes) & set(index_paraphrases(q)) and q not in probes


def test_bigram_containment():
    assert containment(bigrams("社保卡丢了咋补"), ["社保卡丢了怎么补办"]) == 1.0  # 咋 is normalised to 怎么
    assert containment(bigrams("今天天气"), ["社保卡丢了怎么补办"]) == 0.0
    assert containment(set(), ["x"]) == 0.0


def test_logistic_regression_learns_a_separable_direction():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 5))
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype(float)
    model = fit_logistic(x, y, np.ones(len(y)))
    assert model["coef"][0] > model["coef"][1] > 0
    assert probability(model, [2, 1, 0, 0, 0]) > 0.9 > 0.1 > probability(model, [-2, -1, 0, 0, 0])


def test_the_build_fits_a_decision_model_used_only_when_asked(tmp_path, monkeypatch, embedder):
    import kb_index.calibrate as cal_module

    monkeypatch.setattr(cal_module, "MIN_ENTRIES", 5)
    out = tmp_path / "index"
    kbi.build(MINI_KB, tmp_path / "plain", embedder)
    assert _meta(tmp_path / "plain")["decision"] is None  # off by default: the build does not fit it
    assert kbi.KBIndex.open(tmp_path / "plain", embedder, decision="model").decision_model is None  # cosine rule
    kbi.build(MINI_KB, out, embedder, decision_model=True)
    model = _meta(out)["decision"]
    assert model["features"] == ["s1", "margin", "agree", "lex", "lex_margin"] and 0 < model["p_answer"] <= 1
    assert model["evidence"]["questions"]["off_topic"] == len(offtopic_questions())
    assert set(model["evidence"]["cosine_rule_answered"]) >= {"probe", "on_topic_negative", "off_topic"}
    assert kbi.KBIndex.open(out, embedder).decision_model is None  # off by default
    with_model = kbi.KBIndex.open(out, embedder, decision="model")
    assert with_model.decision_model == model
    assert with_model.search("身份证丢了怎么补办").zone == "answer"
    assert with_model.search(offtopic_questions()[0]).zone != "answer"


def test_a_tiny_knowledge_base_has_no_decision_model(built_index):
    assert _meta(built_index[1])["decision"] is None


def _without_similar_questions(tmp_path):
    from kb_index.source import load_source

    path = tmp_path / "stripped.jsonl"
    with open(path, "w", encoding="utf-8") as fh:
        for e in load_source(MINI_KB):
            d = {k: v for k, v in e.public().items() if k != "similar_questions" and v not in (None, "", [])}
            fh.write(json.dumps(d, ensure_ascii=False) + "\n")
    return path


def test_paraphrase_vectors_are_added_for_entries_without_similar_questions(tmp_path, embedder):
    with_similar = kbi.build(MINI_KB, tmp_path / "full", embedder, paraphrases=True)
    assert with_similar.vectors == kbi.build(MINI_KB, tmp_path / "full0", embedder, paraphrases=False).vectors
    source = _without_similar_questions(tmp_path)
    plain = kbi.build(source, tmp_path / "plain", embedder, paraphrases=False)
    para = kbi.build(source, tmp_path / "para", embedder, paraphrases=True)
    assert para.vectors > plain.vectors and _meta(tmp_path / "para")["paraphrases"] is True
    keys = json.loads((kbi.current_build_dir(tmp_path / "para") / "keys.json").read_text())
    assert any(k.startswith("r:") for k in keys)
    index = kbi.KBIndex.open(tmp_path / "para", embedder)
    hit = index.rank("身份证丢了怎么补办", 1)[0]
    assert hit.id == "T-SFZ" and hit.matched == "身份证丢了怎么补办"
    again = kbi.build(source, tmp_path / "para", embedder, paraphrases=True)
    assert again.embedded == 0  # paraphrase vectors are cached like the others


def test_fuse_scores_reorders_by_the_other_ranking():
    assert fuse_scores([0, 1, 2], {0: 0.1, 1: 0.9, 2: 0.5}, 0.0) == [0, 1, 2]
    assert fuse_scores([0, 1, 2], {0: 0.1, 1: 0.9, 2: 0.5}, 2.0)[0] == 1
