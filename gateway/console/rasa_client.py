"""Rasa's HTTP API as the console uses it (shared contract of issue 7):

    POST {RASA_URL}/conversations/{sender_id}/tracker/events
         ?execute_side_effects=true&output_channel=latest&token={RASA_API_TOKEN}

with ``{"event": "pause"}`` (take over), ``{"event": "resume"}`` (hand back) or
``{"event": "bot", "text": …, "metadata": {"agent": …}}`` (an agent's message,
delivered through the citizen's latest input channel). Synchronous on purpose:
the console's routes are plain ``def`` and run in the thread pool.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

import httpx

from gateway.console.settings import ConsoleSettings

logger = logging.getLogger("gateway.console")


class RasaUnavailable(Exception):
    """``uncertain``: some attempt got no answer (timeout, dropped connection), so Rasa may
    have applied the event; otherwise every attempt was refused and nothing happened."""

    message = "智能助手服务暂时无法连接，操作未完成，请稍后重试"

    def __init__(self, uncertain: bool = False) -> None:
        super().__init__(self.message)
        self.uncertain = uncertain


class RasaClient:
    def __init__(self, settings: ConsoleSettings) -> None:
        self.settings = settings

    def _post_event(self, sender_id: str, event: dict[str, Any], attempts: int = 1) -> None:
        """Append one event. ``attempts`` > 1 only for idempotent events (pause, resume): a
        timeout may mean Rasa applied it and the answer was lost, so sending it again is
        the way to learn the outcome — a second pause or resume changes nothing."""
        token = self.settings.rasa_api_token.get_secret_value() if self.settings.rasa_api_token else ""
        url = f"{self.settings.rasa_url}/conversations/{quote(sender_id, safe='')}/tracker/events"
        params = {"execute_side_effects": "true", "output_channel": "latest", "token": token}
        uncertain = False
        for attempt in range(1, attempts + 1):
            try:
                response = httpx.post(url, params=params, json=event, timeout=self.settings.rasa_timeout_s)
            except httpx.HTTPError as error:
                # a connect error means the request never arrived; anything later may have been applied
                uncertain = uncertain or not isinstance(error, httpx.ConnectError)
                logger.warning("Rasa unreachable for %s event (attempt %d/%d): %r", event.get("event"), attempt,
                               attempts, type(error).__name__)
                continue
            if response.status_code < 300:
                return
            logger.warning("Rasa answered %d to a %s event (attempt %d/%d)", response.status_code,
                           event.get("event"), attempt, attempts)
        raise RasaUnavailable(uncertain)

    def pause(self, sender_id: str) -> None:
        self._post_event(sender_id, {"event": "pause"}, attempts=self.settings.rasa_attempts)

    def resume(self, sender_id: str) -> None:
        self._post_event(sender_id, {"event": "resume"}, attempts=self.settings.rasa_attempts)

    def say(self, sender_id: str, text: str, agent: str) -> None:
        self._post_event(sender_id, {"event": "bot", "text": text, "metadata": {"agent": agent}})

    def say_notice(self, sender_id: str, text: str) -> None:
        """A message in the assistant's own voice (the hand-back notice)."""
        self._post_event(sender_id, {"event": "bot", "text": text, "metadata": {"console": "handback"}})
