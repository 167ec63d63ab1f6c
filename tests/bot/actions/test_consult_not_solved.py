""""没解决" / "答非所问" right after a knowledge-base answer, when NLU reads it as a new
consultation: the 咨询 order that was offered starts (never a refusal, never a new search)."""
from __future__ import annotations

from bot.actions.consult import ActionAnswerConsult
from tests.bot.conftest import make_tracker, texts

ANSWERED = {"pending_offer": "consult_order",
            "consult_question": "社保卡丢了咋补\n（已向市民提供的知识库答复：“社保卡丢了怎么补办”（市社保中心））"}


async def run(domain, dispatcher, text, slots):
    return await ActionAnswerConsult().run(dispatcher, make_tracker(text, "consult", slots=slots), domain)


async def test_not_solved_after_an_answer_starts_the_consult_order(domain, dispatcher):
    for said in ("没解决", "答非所问", "不是我问的这个"):
        dispatcher.messages.clear()
        events = await run(domain, dispatcher, said, ANSWERED)
        slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
        assert slots.get("order_type") == "咨询", said
        assert slots.get("description", "").startswith("社保卡丢了咋补"), said
        assert "“社保卡丢了怎么补办”" in slots["description"] and "SB-" not in slots["description"]
        assert any(e.get("event") == "followup" and e.get("name") == "order_form" for e in events), said
        assert "暂时没法给您准确的答复" not in texts(dispatcher), said


async def test_not_solved_without_an_offer_is_an_ordinary_consultation(domain, dispatcher, monkeypatch):
    monkeypatch.delenv("KB_URL", raising=False)
    from bot.actions import settings

    settings.get_settings.cache_clear()
    try:
        events = await run(domain, dispatcher, "没解决", {})
    finally:
        settings.get_settings.cache_clear()
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    assert slots == {"pending_offer": "consult_order", "consult_question": "没解决"}
