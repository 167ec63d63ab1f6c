"""The adaptive scripted citizen: answers what the bot's state asks, not its wording.

After each message it reads the Rasa tracker (`active_loop`, `slots.requested_slot`,
the executed actions) and answers the requested slot from the case's `answers`:

- opening messages first, one per turn;
- order form asks X == "order_confirmed": pending corrections first (one per turn),
  then answers.confirm or "确认";
- order form asks another X: answers[X], or "不知道" (counted); a correction `after:X`
  goes right after the answer to X;
- no form: once an order exists (gateway, or 工单编号 in a reply) the `after` messages,
  one per turn, confirming a withdrawal the bot asks to confirm with "确认撤销"; a
  question about the kind of matter is answered once with answers.order_type;
  otherwise the conversation is over.

Stops with a dead end when the same slot is asked three times in a row for plain
answers, when the bot says nothing, or after MAX_TURNS citizen turns.
"""
from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Protocol

import httpx

from bench.conversation_eval.cases import Case

MAX_TURNS = 25
REPEAT_LIMIT = 3
FORM = "order_form"
CONFIRM_SLOT = "order_confirmed"
DONT_KNOW = "不知道"
CONFIRM = "确认"
CONFIRM_WITHDRAW = "确认撤销"
ORDER_NO_MARK = "工单编号"
TYPE_WORDS = ("咨询", "求助", "投诉", "举报", "建议")
_QUESTION_END = re.compile(r"(?:[？?]|吗[。．.]?|呢[。．.]?)\s*$")
_LOOKS_LIKE_CONFIRMATION = re.compile(r"^(?:确认|确定|是的|是|对|好的?|嗯|可以|撤吧|撤销吧)")
ORDER_KEYS = ("order_no", "type", "status", "channel", "district", "address", "occurred_at", "description",
              "anonymous", "contact_name", "contact_phone", "reply_required", "created_at", "withdrawn_at")


class Bot(Protocol):
    """What the player needs from the stack (tests pass a fake)."""

    def send(self, sender: str, text: str) -> List[Dict[str, Any]]: ...

    def tracker(self, sender: str) -> Dict[str, Any]: ...

    def orders_of(self, sender: str) -> List[Dict[str, Any]]: ...


class StackBot:
    """A tests/e2e/conftest.py Stack seen as a Bot (the tracker over Rasa's HTTP API)."""

    def __init__(self, stack: Any, timeout: float = 30) -> None:
        self.stack = stack
        self.timeout = timeout

    def send(self, sender: str, text: str) -> List[Dict[str, Any]]:
        return self.stack.send(sender, text)

    def tracker(self, sender: str) -> Dict[str, Any]:
        response = httpx.get(f"{self.stack.rasa.url}/conversations/{sender}/tracker",
                             params={"token": self.stack.rasa_token, "include_events": "ALL"}, timeout=self.timeout)
        response.raise_for_status()
        return response.json()

    def orders_of(self, sender: str) -> List[Dict[str, Any]]:
        return self.stack.orders_of(sender)


def new_sender(prefix: str = "cq") -> str:
    """A sender id in the REST channel's namespace (channels/rest.py takes only rest-… senders)."""
    return f"rest-{prefix}-{uuid.uuid4().hex[:10]}"


@dataclass
class Turn:
    phase: str                      # opening | answer:<slot> | correction | confirm | order_type | after | withdraw_confirm
    citizen: str
    asked: Optional[str] = None     # the requested slot the citizen was answering
    bot: List[str] = field(default_factory=list)
    buttons: List[str] = field(default_factory=list)
    requested_slot: Optional[str] = None   # after the bot's reply
    active_loop: Optional[str] = None
    actions: List[str] = field(default_factory=list)
    intent: Optional[str] = None
    seconds: float = 0.0

    def to_dict(self) -> Dict[str, Any]:
        return dict(self.__dict__)


def _loop_name(tracker: Dict[str, Any]) -> Optional[str]:
    loop = tracker.get("active_loop") or {}
    return loop.get("name") if isinstance(loop, dict) else (loop or None)


def _slots(tracker: Dict[str, Any]) -> Dict[str, Any]:
    return tracker.get("slots") or {}


class Player:
    def __init__(self, case: Case, bot: Bot, sender: Optional[str] = None, max_turns: int = MAX_TURNS) -> None:
        self.case = case
        self.bot = bot
        self.sender = sender or new_sender()
        self.max_turns = max_turns
        self.turns: List[Turn] = []
        self.unknown_answers: List[str] = []
        self.corrections_sent: List[int] = []
        self._events_seen = 0
        self._tracker: Dict[str, Any] = {}
        self.stop_reason = ""
        self.error: Optional[str] = None

    # -- talking
    def _say(self, text: str, phase: str, asked: Optional[str] = None) -> Turn:
        start = time.perf_counter()
        replies = self.bot.send(self.sender, text)
        seconds = time.perf_counter() - start
        self._tracker = self.bot.tracker(self.sender)
        events = self._tracker.get("events") or []
        new = events[self._events_seen:] if len(events) >= self._events_seen else events
        self._events_seen = len(events)
        intent = None
        for event in new:
            if event.get("event") == "user":
                intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        turn = Turn(
            phase=phase, citizen=text, asked=asked,
            bot=[m["text"] for m in replies if m.get("text")],
            buttons=[str(b.get("title", "")) for m in replies for b in (m.get("buttons") or [])],
            requested_slot=_slots(self._tracker).get("requested_slot"),
            active_loop=_loop_name(self._tracker),
            actions=[e.get("name") for e in new if e.get("event") == "action" and e.get("name") != "action_listen"],
            intent=intent, seconds=round(seconds, 3),
        )
        self.turns.append(turn)
        return turn

    # -- state
    def _order_exists(self) -> bool:
        if any(ORDER_NO_MARK in text for turn in self.turns for text in turn.bot):
            return True
        return bool(self.bot.orders_of(self.sender))

    def _handoff_happened(self) -> bool:
        return any("action_human_handoff" in t.actions for t in self.turns)

    def _asks_order_type(self, turn: Turn) -> bool:
        if not turn.bot:
            return False
        last = turn.bot[-1]
        asks = bool(turn.buttons) or bool(_QUESTION_END.search(last))
        return asks and any(word in last for word in TYPE_WORDS)

    def _asks_withdraw_confirmation(self, turn: Turn) -> bool:
        if _slots(self._tracker).get("pending_offer") == "withdraw":
            return True
        joined = "".join(turn.bot)
        if "撤" not in joined:
            return False
        return bool(turn.requested_slot) or any("确认" in b or "确定" in b for b in turn.buttons)

    # -- the conversation
    def play(self) -> Dict[str, Any]:
        try:
            self._play()
        except (httpx.HTTPError, OSError, ValueError, KeyError) as error:
            self.error = f"{type(error).__name__}: {error}"
            self.stop_reason = "error"
        try:
            orders = self.bot.orders_of(self.sender)
        except (httpx.HTTPError, OSError, ValueError, KeyError) as error:
            orders = []
            self.error = self.error or f"{type(error).__name__}: {error}"
        return {
            "id": self.case.id,
            "sender": self.sender,
            "stop_reason": self.stop_reason,
            "error": self.error,
            "citizen_turns": len(self.turns),
            "unknown_answers": list(self.unknown_answers),
            "corrections_sent": list(self.corrections_sent),
            "turns": [t.to_dict() for t in self.turns],
            "orders": [{k: o.get(k) for k in ORDER_KEYS if k in o} for o in orders],
        }

    def _play(self) -> None:
        case = self.case
        for text in case.opening:
            self._say(text, "opening")
        summary_corrections = [i for i, c in enumerate(case.corrections) if c.at == "summary"]
        after_corrections: Dict[str, List[int]] = {}
        for i, c in enumerate(case.corrections):
            if c.after_field:
                after_corrections.setdefault(c.after_field, []).append(i)
        queued: List[int] = []            # corrections to send on the next turns
        after = list(case.after)
        order_type_sent = False
        streak_slot, streak = None, 0     # the same slot asked again after a plain answer
        loop_turns = 0

        while True:
            if loop_turns >= self.max_turns:
                self.stop_reason = "max_turns"
                return
            last = self.turns[-1]
            if not last.bot and not last.buttons:
                self.stop_reason = "paused" if (self._handoff_happened() or self._tracker.get("paused")) else "no_reply"
                return
            if self._tracker.get("paused"):
                self.stop_reason = "paused"
                return
            loop, slot = _loop_name(self._tracker), _slots(self._tracker).get("requested_slot")
            loop_turns += 1

            if queued:
                i = queued.pop(0)
                self.corrections_sent.append(i)
                self._say(case.corrections[i].say, "correction")
                streak_slot, streak = None, 0
                continue

            if loop == FORM and slot:
                if last.phase.startswith("answer:") or last.phase == "confirm":
                    streak = streak + 1 if slot == streak_slot else 1
                else:
                    streak = 1
                streak_slot = slot
                if streak >= REPEAT_LIMIT:
                    self.stop_reason = f"repeated_slot:{slot}"
                    return
                if slot == CONFIRM_SLOT:
                    # corrections `after:F` whose F was never asked (taken from the opening) go at the summary
                    late = [i for f_ in list(after_corrections) for i in after_corrections.pop(f_)]
                    pending = late + summary_corrections
                    if pending:
                        i = pending.pop(0)
                        queued = pending[:]  # the rest one per turn
                        summary_corrections = []
                        self.corrections_sent.append(i)
                        self._say(case.corrections[i].say, "correction", asked=slot)
                        streak_slot, streak = None, 0
                        continue
                    self._say(case.answers.get("confirm") or CONFIRM, "confirm", asked=slot)
                    continue
                answer = case.answers.get(slot)
                if answer is None:
                    answer = DONT_KNOW
                    self.unknown_answers.append(slot)
                if slot == "order_type":
                    order_type_sent = True
                self._say(answer, f"answer:{slot}", asked=slot)
                queued = after_corrections.pop(slot, [])
                continue

            if loop and slot:
                # another form (e.g. a withdrawal's confirmation)
                if self._asks_withdraw_confirmation(last):
                    self._say(CONFIRM_WITHDRAW, "withdraw_confirm", asked=slot)
                    continue
                answer = case.answers.get(slot)
                if answer is None:
                    answer = DONT_KNOW
                    self.unknown_answers.append(slot)
                self._say(answer, f"answer:{slot}", asked=slot)
                continue

            if self._order_exists():
                if (last.phase == "after" and self._asks_withdraw_confirmation(last)
                        and not (after and _LOOKS_LIKE_CONFIRMATION.match(after[0]))):
                    self._say(CONFIRM_WITHDRAW, "withdraw_confirm")
                    continue
                if after:
                    self._say(after.pop(0), "after")
                    continue
            if not order_type_sent and case.answers.get("order_type") and self._asks_order_type(last):
                order_type_sent = True
                self._say(case.answers["order_type"], "order_type")
                continue
            self.stop_reason = "ended"
            return


def play(case: Case, bot: Bot, sender: Optional[str] = None, max_turns: int = MAX_TURNS) -> Dict[str, Any]:
    """Plays one conversation; returns its record (turns, final orders, why it stopped)."""
    return Player(case, bot, sender=sender, max_turns=max_turns).play()
