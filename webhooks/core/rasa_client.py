"""Talk to Rasa over its REST channel; a slow or dead Rasa is a value, not a crash.

Rasa may run as several instances sharing one tracker store and one Redis lock store
(`triage up --rasa-instances 2`): RASA_URL lists them, comma-separated.
Each conversation keeps to one instance, chosen by a stable hash of its id (the same in
every gateway worker and on every host), so the conversations spread across them. Rasa's
Redis lock keeps one turn at a time per conversation only within one instance: two
instances taking a ticket at once can both get it (Rasa issue 9213), so a conversation
is never dealt out across instances that are up. An instance that cannot be connected to
at all is passed over for the next: the message never reached it, so it is not handled
twice. A timeout or a connection lost mid-answer may have been handled, and is Rasa
unavailable for this turn, as with a single instance.
"""

from __future__ import annotations

import logging
import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import requests
from urllib3.exceptions import MaxRetryError, NewConnectionError

from flows.protocol import QUESTION, GatewayMetadata, QuestionAsked, read_payload
from webhooks.observability import metrics

log = logging.getLogger(__name__)

# Seconds to connect to a Rasa instance when there is another to try: on loopback or a
# LAN it takes milliseconds.
CONNECT_SECONDS = 1.0
# Of a turn's time limit, what the bot keeps for the rest of the turn after taking the
# message; it takes none that arrives later (flows.protocol.GatewayMetadata.answer_by).
REST_OF_TURN_SECONDS = 1.0


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


def rasa_urls(raw: str) -> tuple[str, ...]:
    """The instances RASA_URL names, comma-separated, in order."""
    return tuple(url.strip().rstrip("/") for url in raw.split(",") if url.strip())


class RasaClient:
    """A small client for `POST /webhooks/rest/webhook` with a hard timeout, over one Rasa
    instance or several."""

    def __init__(self, base_urls: str | Sequence[str], timeout_seconds: float) -> None:
        urls = rasa_urls(base_urls) if isinstance(base_urls, str) else tuple(base_urls)
        if not urls:
            raise ValueError("no Rasa URL")
        self.base_urls = tuple(url.rstrip("/") for url in urls)
        self.timeout_seconds = timeout_seconds
        self._http = requests.Session()

    @property
    def base_url(self) -> str:
        """The first instance (the only one, usually)."""
        return self.base_urls[0]

    def instances_for(self, sender: str) -> list[int]:
        """The instances to try for this conversation: its own first, then the others."""
        first = zlib.crc32(sender.encode()) % len(self.base_urls)
        return [(first + step) % len(self.base_urls) for step in range(len(self.base_urls))]

    def send(self, sender: str, text: str, metadata: GatewayMetadata) -> list[BotMessage]:
        """Send one user message; return the bot's replies in order."""
        order = self.instances_for(sender)
        # One time limit for the whole turn, however many instances are tried.
        deadline = time.monotonic() + self.timeout_seconds
        for tried, instance in enumerate(order, start=1):
            remaining = max(deadline - time.monotonic(), 0.001)
            # The bot takes a message only while this client still waits for it, with
            # time left for the rest of the turn (asking the next question, saving).
            answer_by = time.time() + remaining - REST_OF_TURN_SECONDS
            stamped = replace(metadata, answer_by=round(answer_by, 3))
            body = {"sender": sender, "message": text, "metadata": stamped.to_dict()}
            started = time.perf_counter()
            try:
                response = self._http.post(
                    f"{self.base_urls[instance]}/webhooks/rest/webhook",
                    json=body,
                    # With another instance to try, one that does not even connect is
                    # given up on in a second, leaving the rest of the time for it.
                    timeout=(
                        min(CONNECT_SECONDS, remaining) if len(order) > 1 else remaining,
                        remaining,
                    ),
                )
                response.raise_for_status()
                replies = response.json()
            except (requests.RequestException, ValueError) as error:
                metrics.observe_rasa_latency(time.perf_counter() - started)
                metrics.count_rasa_error(_reason(error))
                # The error names the failure and the instance, never the message text.
                which = f" (instance {instance + 1})" if len(order) > 1 else ""
                log.warning("Rasa unavailable: %s%s", type(error).__name__, which)
                if tried < len(order) and never_reached(error) and time.monotonic() < deadline:
                    continue
                raise RasaUnavailable(type(error).__name__) from error
            metrics.observe_rasa_latency(time.perf_counter() - started)
            metrics.count_rasa_answer(instance + 1)
            if not isinstance(replies, list):
                metrics.count_rasa_error("bad_response")
                raise RasaUnavailable("unexpected response shape")
            return [_bot_message(item) for item in replies if isinstance(item, dict)]
        raise AssertionError("unreachable: the last instance raises or returns")

    def is_ready(self) -> bool:
        """True when an instance's REST channel answers (the model is loaded before it
        listens): with one up, every conversation can be answered."""
        return any(_answers_ok(self._http, f"{url}/webhooks/rest/") for url in self.base_urls)


def never_reached(error: Exception) -> bool:
    """True when the connection was refused, timed out or never made: the request was
    not sent."""
    if isinstance(error, requests.ConnectTimeout):
        return True
    if not isinstance(error, requests.ConnectionError) or not error.args:
        return False
    cause = error.args[0]
    return isinstance(cause, MaxRetryError) and isinstance(cause.reason, NewConnectionError)


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
