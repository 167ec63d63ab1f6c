"""The optional character n-gram re-ranking (KB_HYBRID_WEIGHT): order changes, scores stay dense."""
from __future__ import annotations

from kb_index.hybrid import NgramScorer, char_ngrams, fuse
from kb_index.index import KBIndex

ENTRIES = [
    {"id": "A", "question": "二手车过户怎么办理", "similar_questions": ["卖车要去车管所吗"]},
    {"id": "B", "question": "二手房过户怎么办理", "similar_questions": ["卖房子过户需要带什么"]},
    {"id": "C", "question": "身份证丢了怎么补办", "similar_questions": []},
]


def test_ngrams_and_scores():
    assert char_ngrams("过 户") == ["过", "户", "过户"]
    scorer = NgramScorer(ENTRIES)
    assert scorer.score("二手房过户", 1) > scorer.score("二手房过户", 0) > scorer.score("二手房过户", 2)
    assert scorer.score("", 0) == 0.0


def test_fusion_reorders_close_dense_candidates_only_when_switched_on():
    scorer = NgramScorer(ENTRIES)
    dense_order = [0, 1, 2]  # dense put 二手车 first for a question about 房子
    assert fuse("卖房子过户要带啥", dense_order, scorer, 0.0) == dense_order
    assert fuse("卖房子过户要带啥", dense_order, scorer, 2.0)[0] == 1


def test_index_with_hybrid_keeps_dense_scores(built_index, embedder):
    plain = KBIndex.open(built_index[1], embedder)
    hybrid = KBIndex.open(built_index[1], embedder, hybrid_weight=0.25)
    for question in ("身份证丢了怎么补办", "二手房过户要交哪些税", "公积金里的钱怎么取出来"):
        p, h = plain.rank(question, 5), hybrid.rank(question, 5)
        assert h[0].id == p[0].id
        assert {x.id: x.score for x in h} == {x.id: x.score for x in p}
    assert hybrid.search("身份证丢了怎么补办").zone == "answer"
