"""A shared location is confirmed before it fills district and address."""
from __future__ import annotations

from typing import Any, Dict, Optional

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.location import ActionApplyLocation, ActionAskLocation
from tests.bot.conftest import slot_events, texts


def tracker(location: Optional[Dict[str, Any]] = None, intent: str = "share_location", in_form: bool = True,
            slots: Optional[Dict[str, Any]] = None) -> Tracker:
    metadata = {"location": location} if location is not None else {}
    parse = {"text": f"/{intent}", "intent": {"name": intent, "confidence": 1.0}, "entities": []}
    events = [{"event": "user", "text": f"/{intent}", "parse_data": parse, "metadata": metadata}]
    return Tracker("o-1", dict(slots or {}), parse, events, False, None,
                   {"name": "order_form"} if in_form else {}, "action_listen")


async def ask(t: Tracker):
    d = CollectingDispatcher()
    return d, slot_events(await ActionAskLocation().run(d, t, {}))


async def apply(t: Tracker):
    d = CollectingDispatcher()
    return d, slot_events(await ActionApplyLocation().run(d, t, {}))


async def test_in_the_form_the_bot_asks_first_and_fills_only_after_yes():
    d, events = await ask(tracker({"label": "陕西省商洛市商州区北新街88号", "latitude": "33.86", "longitude": "109.93"}))
    assert texts(d) == "您发送的位置是商州区北新街88号（商州区），是否作为问题发生地点？"
    assert [b["payload"] for b in d.messages[0]["buttons"]] == ["/location_confirm", "/location_reject"]
    assert events == {"pending_location": {"district": "商州区", "address": "商州区北新街88号"}}
    assert "district" not in events and "address" not in events
    d, events = await apply(tracker(intent="location_confirm", slots={"pending_location": events["pending_location"]}))
    assert events == {"pending_location": None, "district": "商州区", "address": "商州区北新街88号"}
    assert "记为问题发生地点" in texts(d)


async def test_no_keeps_everything_as_it_was():
    pending = {"district": "洛南县", "address": "洛南县城关街道"}
    d, events = await apply(tracker(intent="location_reject", slots={"pending_location": pending}))
    assert events == {"pending_location": None} and "不使用" in texts(d)


async def test_coordinates_only_name_no_district():
    d, events = await ask(tracker({"label": "", "latitude": "33.8", "longitude": "109.9"}))
    assert "纬度33.8，经度109.9（未能识别所在县区）" in texts(d)
    assert events["pending_location"] == {"district": None, "address": "纬度33.8，经度109.9"}


async def test_outside_shangluo_outside_a_form_and_broken_metadata():
    d, events = await ask(tracker({"label": "陕西省西安市雁塔区小寨", "latitude": "34.2", "longitude": "108.9"}))
    assert "西安" in texts(d) and events == {"pending_location": None}
    d, events = await ask(tracker({"label": "商洛市丹凤县龙驹寨", "latitude": "1", "longitude": "2"}, in_form=False))
    assert "收到您发送的位置：丹凤县龙驹寨" in texts(d) and events == {"pending_location": None}
    d, events = await ask(tracker(None))
    assert "没能读取到您发送的位置" in texts(d)
    d, events = await ask(tracker({"latitude": "<script>", "longitude": "x"}))
    assert "没能读取到您发送的位置" in texts(d)
    # a late 是 outside any form changes nothing
    d, events = await apply(tracker(intent="location_confirm", in_form=False, slots={"pending_location": {"a": 1}}))
    assert events == {"pending_location": None}
