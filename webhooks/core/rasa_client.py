"""Talk to the Rasa server over its REST channel; a slow or dead Rasa is a value, not a crash."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

import requests

from flows.protocol import QUESTION, GatewayMetadata, QuestionAsked, read_payload
from webhooks.observability import metrics

log = logging.getLogger(__name__)


class RasaUnavailable(Exception):
    """Rasa (or the action server behind it) did not answer in time or answered badly."""


@dataclass(frozen=True)
class BotMessage:
    """One message from the bot: text with optional buttons, or a custom payload.

    A question arrives as a custom payload but is given here as its text and buttons too,
    with `question` saying which one it is, and no `custom`.
    """

    text: str = ""
    buttons: tuple[str, ...] = ()
    custom: dict[str, Any] = field(default_factory=dict)
    question: QuestionAsked | None = None


class RasaClient:
    """A small client for `POST /webhooks/rest/webhook` with a hard timeout."""

    def __init__(self, base_url: str, timeout_seconds: float) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout_seconds = timeout_seconds
        self._http = requests.Session()

    def send(self, sender: str, text: str, metadata: GatewayMetadata) -> list[BotMessage]:
        """Send one user message; return the bot's replies in order."""
        body = {"sender": sender, "message": text, "metadata": metadata.to_dict()}
        started = time.perf_counter()
        try:
            response = self._http.post(
                f"{self.base_url}/webhooks/rest/webhook",
                json=body,
                timeout=self.timeout_seconds,
            )
            response.raise_for_status()
            replies = response.json()
        except (requests.RequestException, ValueError) as error:
            metrics.observe_rasa_latency(time.perf_counter() - started)
            metrics.count_rasa_error(_reason(error))
            # The error names the failure, never the message text.
            log.warning("Rasa unavailable: %s", type(error).__name__)
            raise RasaUnavailable(type(error).__name__) from error
        metrics.observe_rasa_latency(time.perf_counter() - started)
        if not isinstance(replies, list):
            metrics.count_rasa_error("bad_response")
            raise RasaUnavailable("unexpected response shape")
        return [_bot_message(item) for item in replies if isinstance(item, dict)]

    def is_ready(self) -> bool:
        """True when the REST channel answers (the model is loaded before it listens)."""
        return _answers_ok(self._http, f"{self.base_url}/webhooks/rest/")


def _reason(error: Exception) -> str:
    """The metric's name for why a call failed (see metrics.RASA_ERRORS)."""
    if isinstance(error, requests.Timeout):
        return "timeout"
    if isinstance(error, requests.ConnectionError):
        return "unavailable"
    # An error status, or a body that is not JSON.
    return "bad_response"


def _bot_message(item: dict[str, Any]) -> BotMessage:
    custom = item.get("custom")
    custom = custom if isinstance(custom, dict) else {}
    found = read_payload(custom)
    if isinstance(found, QuestionAsked):
        # Read as text and buttons as well, so channels that know nothing of question ids
        # put it to the person as before.
        return BotMessage(text=found.text, buttons=found.options, question=found)
    if QUESTION in custom:
        # The person would be left with no question: say so, without the wording.
        log.warning("unreadable question payload from the bot")
    buttons = tuple(
        str(button.get("payload") or button.get("title") or "")
        for button in item.get("buttons") or []
        if isinstance(button, dict)
    )
    return BotMessage(text=str(item.get("text") or ""), buttons=buttons, custom=custom)


def _answers_ok(http: requests.Session, url: str) -> bool:
    try:
        return http.get(url, timeout=2).ok
    except requests.RequestException:
        return False


def action_server_ready(base_url: str) -> bool:
    """True when the action server's health endpoint answers."""
    return _answers_ok(requests.Session(), f"{base_url.rstrip('/')}/health")
