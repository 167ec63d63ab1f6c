import threading

import pytest

from bot.screening import lexical
from bot.screening.lexical import Token, analyse, analysis, available, tokens

pytestmark = pytest.mark.skipif(not available(), reason="LAC model not installed")


def test_tags_people_places_and_times():
    assert ("王有福", "PER") in analyse("额姓王，叫王有福")
    result = analyse("前天下午在北新街万达广场买的")
    assert ("前天下午", "TIME") in result and ("北新街", "LOC") in result
    assert analyse("商州区城关街道幸福路12号") == [("商州区", "LOC"), ("城关街道", "LOC"), ("幸福路12号", "LOC")]


def test_no_place_in_a_plain_sentence():
    assert not [w for w, t in analyse("我们小区停水两天了") if t in ("LOC", "ORG")]


def test_offsets_point_into_the_original_text():
    text = "ＳＨＡＮＧ 商 州 区，電話多少"
    for token in tokens(text):
        assert 0 <= token.start < token.end <= len(text)
    place = [t for t in tokens(text) if t.tag == "LOC"][0]
    assert place.word == "商州区" and text[place.start:place.end] == "商 州 区"
    # traditional characters are read as simplified
    assert "电话" in [w for w, _ in analyse(text)]


def test_analysis_maps_cleaned_spans_back():
    an = analysis("我 叫 王有福")
    assert an.cleaned == "我叫王有福"
    person = [t for t in an.tokens if t.tag == "PER"][0]
    assert an.original_span(person.start, person.end) == (4, 7)


def test_long_letter_is_cut_into_pieces_without_losing_text():
    letter = "您好，" + "我们小区从上个月15号开始就一直停水，物业说是自来水公司的问题，自来水公司又说是物业的问题，" * 12
    found = analysis(letter)
    assert "".join(t.word for t in found.tokens) == found.cleaned
    assert all(b.start == a.end for a, b in zip(found.tokens, found.tokens[1:]))


@pytest.mark.parametrize("text", ["", None, "   "])
def test_empty(text):
    assert analyse(text) == [] and tokens(text) == []


def test_thread_safe():
    results = []

    def work():
        results.append(analyse("额叫刘铁柱，住在丹凤县龙驹寨"))

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 8 and all(r == results[0] for r in results)
    assert ("刘铁柱", "PER") in results[0]


def test_fails_soft_when_the_model_cannot_load(monkeypatch):
    monkeypatch.setattr(lexical, "_model", None)
    monkeypatch.setattr(lexical, "_failed", True)
    lexical._run.cache_clear()
    try:
        assert analyse("额叫刘铁柱") == []
        assert analysis("额叫刘铁柱").tokens == ()
        assert not available()
    finally:
        lexical._run.cache_clear()


def test_token_is_a_tuple():
    assert Token("王", "PER", 0, 1) == ("王", "PER", 0, 1)
