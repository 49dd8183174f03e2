"""Parse a Twilio Messaging webhook into a small frozen record, once, at the edge."""

from __future__ import annotations

from dataclasses import dataclass

import phonenumbers
from werkzeug.datastructures import MultiDict

WHATSAPP_PREFIX = "whatsapp:"


class BadTwilioRequest(ValueError):
    """The webhook lacks a field Twilio always sends."""


@dataclass(frozen=True)
class IncomingMessage:
    """An SMS or WhatsApp message as the rest of the app sees it."""

    channel: str  # "sms" or "whatsapp"
    from_number: str  # E.164
    to_number: str  # E.164
    body: str
    message_sid: str
    media: tuple[MediaItem, ...] = ()  # any attachments (WhatsApp, MMS)


@dataclass(frozen=True)
class MediaItem:
    """One attachment as the webhook announces it; fetched from Twilio separately."""

    source_id: str  # MessageSid and position: the same delivery retried, the same id
    url: str
    declared_type: str
    filename: str  # Twilio gives none: "whatsapp-2", with its real extension added
    label: str  # how the person is told of it: "your file", "file 2"


def parse_incoming_message(form: MultiDict[str, str]) -> IncomingMessage:
    """Build an IncomingMessage from Twilio's form fields."""
    raw_from = form.get("From", "")
    raw_to = form.get("To", "")
    message_sid = form.get("MessageSid", "")
    if not raw_from or not raw_to or not message_sid:
        raise BadTwilioRequest("From, To and MessageSid are required")
    channel = "whatsapp" if raw_from.startswith(WHATSAPP_PREFIX) else "sms"
    count = _media_count(form.get("NumMedia", "0"))
    return IncomingMessage(
        channel=channel,
        from_number=to_e164(raw_from),
        to_number=to_e164(raw_to),
        body=form.get("Body", "").strip(),
        message_sid=message_sid,
        media=tuple(
            MediaItem(
                source_id=f"{message_sid}/{index}",
                url=form.get(f"MediaUrl{index}", ""),
                declared_type=form.get(f"MediaContentType{index}", ""),
                filename=f"{channel}-{index + 1}",
                label="your file" if count == 1 else f"file {index + 1}",
            )
            for index in range(count)
        ),
    )


def _media_count(raw: str) -> int:
    # Twilio sends at most 10 attachments with a message.
    return min(int(raw), 10) if raw.isdecimal() else 0


def to_e164(raw: str) -> str:
    """Normalise a Twilio address (`+44…`, `whatsapp:+44…`) to E.164."""
    number = raw.removeprefix(WHATSAPP_PREFIX).strip()
    try:
        parsed = phonenumbers.parse(number, "GB")
    except phonenumbers.NumberParseException as error:
        raise BadTwilioRequest("a phone number could not be read") from error
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


# What Twilio sends as `From` when the caller hides their number.
WITHHELD = {"", "anonymous", "restricted", "unknown", "unavailable", "+266696687"}


@dataclass(frozen=True)
class IncomingCall:
    """One Voice webhook: the call, and what the caller said or pressed (if anything)."""

    call_sid: str
    from_number: str | None  # E.164, or None when withheld
    to_number: str
    speech: str
    digits: str
    call_status: str


def parse_incoming_call(form: MultiDict[str, str]) -> IncomingCall:
    """Build an IncomingCall from Twilio's form fields."""
    call_sid = form.get("CallSid", "")
    raw_to = form.get("To", "")
    if not call_sid or not raw_to:
        raise BadTwilioRequest("CallSid and To are required")
    raw_from = form.get("From", "").strip()
    from_number: str | None = None
    if raw_from.lower() not in WITHHELD:
        try:
            from_number = to_e164(raw_from)
        except BadTwilioRequest:
            from_number = None
    return IncomingCall(
        call_sid=call_sid,
        from_number=from_number,
        to_number=to_e164(raw_to),
        speech=form.get("SpeechResult", "").strip(),
        digits=form.get("Digits", "").strip(),
        call_status=form.get("CallStatus", ""),
    )
