"""Play Twilio (signed webhooks) or a browser against a running gateway.

Used by `triage simulate` and by the integration tests.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from xml.etree import ElementTree

import requests
from twilio.request_validator import RequestValidator

_CSRF = re.compile(r'data-csrf="([^"]+)"')


class SimulatorError(RuntimeError):
    """The gateway answered with something a real client could not use."""


class SmsSimulator:
    """Sends text messages as Twilio's Messaging webhook would, signed with the auth token."""

    def __init__(
        self,
        base_url: str,
        auth_token: str,
        from_number: str,
        to_number: str,
        whatsapp: bool = False,
        public_base_url: str | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.signed_url = (public_base_url or base_url).rstrip("/") + "/twilio/sms"
        self.validator = RequestValidator(auth_token)
        prefix = "whatsapp:" if whatsapp else ""
        self.from_address = prefix + from_number
        self.to_address = prefix + to_number
        self.http = requests.Session()

    def params(self, text: str, message_sid: str | None = None) -> dict[str, str]:
        """The form fields Twilio posts for one inbound message."""
        sid = message_sid or "SM" + uuid.uuid4().hex
        return {
            "MessageSid": sid,
            "SmsMessageSid": sid,
            "SmsSid": sid,
            "AccountSid": "AC" + "0" * 32,
            "From": self.from_address,
            "To": self.to_address,
            "Body": text,
            "NumMedia": "0",
            "NumSegments": "1",
            "ApiVersion": "2010-04-01",
        }

    def post(self, params: dict[str, str], signature: str | None = None) -> requests.Response:
        """Post a webhook, signed correctly unless a signature is given."""
        if signature is None:
            signature = self.validator.compute_signature(self.signed_url, params)
        return self.http.post(
            f"{self.base_url}/twilio/sms",
            data=params,
            headers={"X-Twilio-Signature": signature},
            timeout=30,
        )

    def send(self, text: str, message_sid: str | None = None) -> list[str]:
        """Send one message; return the texts of the bot's reply messages."""
        response = self.post(self.params(text, message_sid))
        if response.status_code != 200:
            raise SimulatorError(f"gateway answered HTTP {response.status_code}")
        return twiml_messages(response.text)


def twiml_messages(twiml: str) -> list[str]:
    """The bodies of the <Message> elements in a messaging TwiML answer."""
    root = ElementTree.fromstring(twiml)
    if root.tag != "Response":
        raise SimulatorError("the answer is not TwiML")
    return [(element.text or "") for element in root.iter("Message")]


@dataclass(frozen=True)
class ChatReply:
    """One bot message in the web chat, with its quick-reply buttons."""

    text: str
    options: list[str]


class ChatSimulator:
    """Uses the web chat as the page's script does: cookie session and CSRF token."""

    def __init__(self, base_url: str, team_id: str) -> None:
        self.page_url = f"{base_url.rstrip('/')}/chat/{team_id}"
        self.http = requests.Session()
        self.csrf_token = ""

    def open(self) -> None:
        """Load the page, as a browser would, to get the session cookie and CSRF token."""
        response = self.http.get(self.page_url, timeout=30)
        if response.status_code != 200:
            raise SimulatorError(f"chat page answered HTTP {response.status_code}")
        match = _CSRF.search(response.text)
        if not match:
            raise SimulatorError("chat page has no CSRF token")
        self.csrf_token = match.group(1)

    def send(self, text: str) -> list[ChatReply]:
        """Send one message; return the bot's replies."""
        if not self.csrf_token:
            self.open()
        response = self.http.post(
            f"{self.page_url}/messages",
            json={"text": text},
            headers={"X-CSRFToken": self.csrf_token},
            timeout=30,
        )
        if response.status_code != 200:
            raise SimulatorError(f"chat answered HTTP {response.status_code}")
        return [
            ChatReply(text=str(reply["text"]), options=[str(o) for o in reply["options"]])
            for reply in response.json()["replies"]
        ]


class VoiceSimulator:
    """Plays Twilio on a call: posts signed webhooks and follows the TwiML it gets back.

    Say and Gather prompts are collected as what the caller hears; Gather waits for the
    caller (speech, keys or silence); Redirect is followed; Dial and Hangup end the call.
    """

    def __init__(
        self,
        base_url: str,
        auth_token: str,
        from_number: str | None,
        to_number: str,
        public_base_url: str | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.signed_base = (public_base_url or base_url).rstrip("/")
        self.validator = RequestValidator(auth_token)
        self.call_sid = "CA" + uuid.uuid4().hex
        self.from_address = from_number or "anonymous"
        self.to_address = to_number
        self.http = requests.Session()
        self.gather_action: str | None = None
        self.ended = False
        self.dialled: str | None = None
        self.heard: list[str] = []

    def _post(self, path: str, extra: dict[str, str]) -> list[str]:
        params = {
            "CallSid": self.call_sid,
            "AccountSid": "AC" + "0" * 32,
            "From": self.from_address,
            "To": self.to_address,
            "CallStatus": "in-progress",
            "Direction": "inbound",
            "ApiVersion": "2010-04-01",
            **extra,
        }
        signature = self.validator.compute_signature(self.signed_base + path, params)
        response = self.http.post(
            self.base_url + path,
            data=params,
            headers={"X-Twilio-Signature": signature},
            timeout=30,
        )
        if response.status_code == 204:
            return []
        if response.status_code != 200:
            raise SimulatorError(f"gateway answered HTTP {response.status_code}")
        return self._follow(response.text)

    def _follow(self, twiml: str) -> list[str]:
        root = ElementTree.fromstring(twiml)
        if root.tag != "Response":
            raise SimulatorError("the answer is not TwiML")
        said: list[str] = []
        self.gather_action = None
        for verb in root:
            if verb.tag == "Say":
                said.append(verb.text or "")
            elif verb.tag == "Gather":
                said.extend(say.text or "" for say in verb.iter("Say"))
                self.gather_action = verb.get("action")
                break  # the call now waits for the caller
            elif verb.tag == "Redirect":
                return said + self._post(verb.text or "", {})
            elif verb.tag == "Dial":
                self.dialled = (verb.text or "").strip() or verb.findtext("Number")
                self.ended = True
                break
            elif verb.tag == "Hangup":
                self.ended = True
                break
        self.heard.extend(said)
        return said

    def call(self) -> list[str]:
        """The call connects; return what the caller hears first."""
        return self._post("/twilio/voice", {"CallStatus": "ringing"})

    def _answer(self, fields: dict[str, str]) -> list[str]:
        if self.ended or self.gather_action is None:
            raise SimulatorError("the call is not waiting for an answer")
        return self._post(self.gather_action, fields)

    def say(self, speech: str) -> list[str]:
        """The caller speaks; Twilio posts its transcript."""
        return self._answer({"SpeechResult": speech, "Confidence": "0.92"})

    def press(self, keys: str) -> list[str]:
        """The caller uses the keypad."""
        return self._answer({"Digits": keys})

    def silence(self) -> list[str]:
        """The caller says nothing until the Gather times out."""
        return self._answer({})

    def hang_up(self, status: str = "completed") -> None:
        """The call ends; Twilio sends its status callback."""
        self.ended = True
        self._post("/twilio/voice/status", {"CallStatus": status})
