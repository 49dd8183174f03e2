"""Talk to the Rasa server over its REST channel; a slow or dead Rasa is a value, not a crash."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import requests

log = logging.getLogger(__name__)


class RasaUnavailable(Exception):
    """Rasa (or the action server behind it) did not answer in time or answered badly."""


@dataclass(frozen=True)
class BotMessage:
    """One message from the bot: text with optional buttons, or a custom payload."""

    text: str = ""
    buttons: tuple[str, ...] = ()
    custom: dict[str, Any] = field(default_factory=dict)


class RasaClient:
    """A small client for `POST /webhooks/rest/webhook` with a hard timeout."""

    def __init__(self, base_url: str, timeout_seconds: float) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout_seconds = timeout_seconds
        self._http = requests.Session()

    def send(self, sender: str, text: str, metadata: dict[str, Any]) -> list[BotMessage]:
        """Send one user message; return the bot's replies in order."""
        try:
            response = self._http.post(
                f"{self.base_url}/webhooks/rest/webhook",
                json={"sender": sender, "message": text, "metadata": metadata},
                timeout=self.timeout_seconds,
            )
            response.raise_for_status()
            body = response.json()
        except (requests.RequestException, ValueError) as error:
            # The error names the failure, never the message text.
            log.warning("Rasa unavailable: %s", type(error).__name__)
            raise RasaUnavailable(type(error).__name__) from error
        if not isinstance(body, list):
            raise RasaUnavailable("unexpected response shape")
        return [_bot_message(item) for item in body if isinstance(item, dict)]

    def is_ready(self) -> bool:
        """True when the REST channel answers (the model is loaded before it listens)."""
        return _answers_ok(self._http, f"{self.base_url}/webhooks/rest/")


def _bot_message(item: dict[str, Any]) -> BotMessage:
    buttons = tuple(
        str(button.get("payload") or button.get("title") or "")
        for button in item.get("buttons") or []
        if isinstance(button, dict)
    )
    custom = item.get("custom")
    return BotMessage(
        text=str(item.get("text") or ""),
        buttons=buttons,
        custom=custom if isinstance(custom, dict) else {},
    )


def _answers_ok(http: requests.Session, url: str) -> bool:
    try:
        return http.get(url, timeout=2).ok
    except requests.RequestException:
        return False


def action_server_ready(base_url: str) -> bool:
    """True when the action server's health endpoint answers."""
    return _answers_ok(requests.Session(), f"{base_url.rstrip('/')}/health")
