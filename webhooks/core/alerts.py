"""Urgent-referral alerts to a team's duty practitioner, repeated until acknowledged.

Alerts are queued in the database when a referral becomes urgent in hours, and delivered
by `triage alerts` (a process of its own under `make run`), so a slow or failing SMS
provider never delays an answer to a person.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import requests
from sqlalchemy.orm import Session
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from webhooks import time_critical
from webhooks.config import Settings
from webhooks.core import duty
from webhooks.db import risks
from webhooks.db.models import Alert, Referral
from webhooks.teams import Team, TeamDirectory
from webhooks.wording import Wording

log = logging.getLogger(__name__)
# Minutes to wait before the next alert: quick at first, then every half hour.
BACKOFF_MINUTES = (1, 2, 5, 10, 15, 30)
# Where Twilio reports an SMS alert's fate (a route of the gateway's).
STATUS_ROUTE = "/twilio/alert-status"
# Twilio's final "did not reach the phone" statuses.
UNDELIVERED = frozenset({"undelivered", "failed"})


class TransportError(Exception):
    """An alert was not delivered; `permanent` means retrying cannot help."""

    def __init__(self, reason: str, permanent: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


@dataclass(frozen=True)
class Handed:
    """What a transport says of an alert it took."""

    # Twilio's Message SID, to match its status callback later.
    provider_id: str | None = None
    # Delivered now (a webhook's 2xx, the local sink), not only handed to Twilio.
    confirmed: bool = False


Sender = Callable[[Alert, Team, str], Handed]


@dataclass
class Transports:
    """How each kind of alert is sent: SMS through Twilio's REST API, or a JSON webhook;
    or, for development, every alert to a local sink file instead."""

    twilio: Client | None
    http: requests.Session
    # Where Twilio reports whether an SMS alert reached the phone; None: not asked.
    status_callback: str | None = None
    # When set, alerts are written here and go nowhere else (`make run`).
    sink: Path | None = None

    def send(self, alert: Alert, team: Team, text: str) -> Handed:
        """Deliver one alert, or raise TransportError."""
        if self.sink is not None:
            write_to_sink(self.sink, alert, team, text)
            return Handed(confirmed=True)
        if alert.kind == "sms":
            sid = self._sms(alert.target, team.numbers[0], text, self.status_callback)
            return Handed(provider_id=sid)
        self._webhook(alert.target, team, text)
        return Handed(confirmed=True)

    def send_sms(self, to: str, sender: str, text: str) -> None:
        """Send one text message through Twilio's REST API, or raise TransportError."""
        self._sms(to, sender, text, None)

    def _sms(self, to: str, sender: str, text: str, status_callback: str | None) -> str | None:
        if self.twilio is None:
            raise TransportError("TWILIO_ACCOUNT_SID is not set", permanent=True)
        extra = {"status_callback": status_callback} if status_callback else {}
        try:
            sent = self.twilio.messages.create(to=to, from_=sender, body=text, **extra)
        except TwilioRestException as error:
            # 4xx (a bad number, a blocked sender) will not change; 429 and 5xx may.
            permanent = 400 <= error.status < 500 and error.status != 429
            raise TransportError(f"twilio {error.status}", permanent) from error
        except requests.RequestException as error:
            raise TransportError(type(error).__name__, permanent=False) from error
        sid: str | None = sent.sid
        return sid

    def _webhook(self, url: str, team: Team, text: str) -> None:
        try:
            response = self.http.post(
                url, json={"type": "urgent_referral", "team": team.id, "text": text}, timeout=5
            )
        except requests.RequestException as error:
            raise TransportError(type(error).__name__, permanent=False) from error
        if response.status_code >= 400:
            permanent = response.status_code < 500 and response.status_code not in (408, 429)
            raise TransportError(f"webhook {response.status_code}", permanent)


def write_to_sink(sink: Path, alert: Alert, team: Team, text: str) -> None:
    """Append one alert to the local sink, a JSON line `triage alerts --tail` reads."""
    line = {
        "at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "team": team.id,
        "pathway": alert.pathway,
        "kind": alert.kind,
        "to": alert.target,
        "text": text,
    }
    try:
        sink.parent.mkdir(parents=True, exist_ok=True)
        with sink.open("a", encoding="utf-8") as file:
            file.write(json.dumps(line) + "\n")
    except OSError as error:
        raise TransportError(f"sink {error.strerror}", permanent=False) from error


def build_transports(settings: Settings) -> Transports:
    """Twilio's REST client when an account is configured, and a plain HTTP session."""
    twilio = None
    if settings.twilio_account_sid:
        twilio = Client(settings.twilio_account_sid, settings.twilio_auth_token)
        if settings.twilio_api_base_url:
            twilio.api.base_url = settings.twilio_api_base_url
    # Twilio can only call back to a public address.
    callback = f"{settings.public_base_url}{STATUS_ROUTE}" if settings.public_base_url else None
    return Transports(
        twilio=twilio, http=requests.Session(), status_callback=callback, sink=settings.duty_sink
    )


def queue_urgent_alerts(session: Session, conversation_id: str, team: Team, now: datetime) -> int:
    """Queue alerts for the conversation's urgent or time-critical, unacknowledged
    referrals, or, when risk was shown and there is no referral, for the conversation
    itself: to the duty practitioner of the pathway working now, or of the first to open
    (sent at its opening time). Alerts raised before a referral existed pass to it."""
    found = risks.urgent_unacknowledged(session, conversation_id)
    if not found:
        if risks.conversation_needs_alert(session, conversation_id):
            return _queue(session, conversation_id, None, team, [], now)
        return 0
    queued = 0
    for referral in found:
        if risks.has_alerts(session, referral.id):
            continue
        if risks.hand_alerts_to_referral(session, conversation_id, referral.id):
            continue  # the duty practitioner already hears of this person
        reasons = (referral.time_critical_reasons or {}).get("reasons", [])
        preferred = time_critical.pathways_for(reasons)
        queued += _queue(session, conversation_id, referral.id, team, preferred, now)
    return queued


def _queue(
    session: Session,
    conversation_id: str,
    referral_id: int | None,
    team: Team,
    preferred: list[str],
    now: datetime,
) -> int:
    chosen = duty.route(team, preferred, now)
    if chosen is None:
        return 0
    targets = chosen.contacts.alert_targets()
    for kind, target in targets:
        session.add(
            Alert(
                referral_id=referral_id,
                conversation_id=conversation_id,
                kind=kind,
                target=target,
                pathway=chosen.pathway,
                next_attempt_at=chosen.at,
                created_at=now,
            )
        )
    session.flush()
    return len(targets)


def deliver_due(
    session: Session,
    now: datetime,
    teams: TeamDirectory,
    wording: Wording,
    send: Sender,
    link_base: str,
) -> int:
    """Send every alert that is due; return how many were sent.

    Commits before and after each send. Give it a session that keeps what it loaded
    after a commit (expire_on_commit=False): a reload would hold a transaction open
    while sending.
    """
    sent = 0
    for alert in risks.due_alerts(session, now):
        about = _about(alert)
        team = teams.by_id(about.team_id) if about else None
        if about is None or about.handled or team is None:
            alert.status = "acknowledged" if about and about.handled else "failed"
            session.commit()
            continue
        later = duty.resume_at(team, alert.pathway, now)
        if later is not None:
            # The pathway has closed since: its duty practitioner hears when it opens.
            alert.next_attempt_at = later
            session.commit()
            continue
        text = wording.say("duty_alert", team_name=team.short_name, link=link_base + about.path)
        alert.attempts += 1
        # Sent or not, it goes again later unless the referral is acknowledged first. Set
        # before sending and committed: no other round takes it meanwhile, and no lock is
        # held while Twilio or the webhook answers.
        alert.next_attempt_at = now + timedelta(minutes=backoff_minutes(alert.attempts))
        session.commit()
        try:
            handed = send(alert, team, text)
        except TransportError as error:
            alert.last_error = error.reason
            alert.delivery = "undelivered"
            # Only a refusal that cannot change ends it: while nobody has the referral, a
            # passing fault (a 503, a rate limit) is tried again every half hour.
            if error.permanent:
                alert.status = "failed"
                log.error("urgent alert %s gave up: %s", alert.id, error.reason)
        else:
            alert.last_error = None
            alert.provider_id = handed.provider_id
            alert.delivery = "delivered" if handed.confirmed else "sent"
            alert.delivered_at = now if handed.confirmed else None
            sent += 1
        session.commit()
    return sent


@dataclass(frozen=True)
class _About:
    """What an alert is about: its team, where a practitioner opens it, and whether
    someone has it already."""

    team_id: str
    path: str
    handled: bool


def _about(alert: Alert) -> _About | None:
    if alert.referral is not None:
        referral = alert.referral
        return _About(
            referral.team_id, f"/queue/{referral.id}", referral.acknowledged_at is not None
        )
    if alert.conversation is not None:
        conversation = alert.conversation
        return _About(
            conversation.team_id,
            f"/queue/conversations/{conversation.id}",
            conversation.followed_up_at is not None,
        )
    return None


def backoff_minutes(attempts: int) -> int:
    """Minutes before the next try after `attempts` tries."""
    return BACKOFF_MINUTES[min(attempts, len(BACKOFF_MINUTES)) - 1] if attempts else 0


def record_delivery(
    session: Session, provider_id: str, status: str, error_code: str | None, now: datetime
) -> Alert | None:
    """Twilio's word on an SMS alert: delivered, or not (then it goes again at once,
    unless the referral is acknowledged or the alert given up). None: not one of ours,
    or about an earlier try than the last."""
    alert = risks.alert_by_provider_id(session, provider_id)
    if alert is None:
        return None
    if status == "delivered":
        alert.delivery, alert.delivered_at = "delivered", now
    elif status in UNDELIVERED and alert.delivery != "delivered":
        alert.delivery = "undelivered"
        alert.last_error = f"twilio {status}" + (f" {error_code}" if error_code else "")
        if alert.status == "pending":
            alert.next_attempt_at = now
    session.flush()
    return alert


def alert_state(alert: Alert) -> str:
    """How a practitioner reads one alert: waiting (for its first try, or for its
    pathway to open), sent (not yet confirmed), delivered, undelivered (trying again),
    failed (given up), or acknowledged."""
    if alert.status in ("failed", "acknowledged"):
        return alert.status
    if alert.delivery in ("sent", "delivered", "undelivered"):
        return alert.delivery
    return "waiting"


def worst_state(found: list[Alert]) -> str | None:
    """The alert state a list shows for a referral: the one that most needs a look."""
    states = {alert_state(alert) for alert in found}
    for state in ("failed", "undelivered", "waiting", "sent", "delivered", "acknowledged"):
        if state in states:
            return state
    return None


def acknowledge(session: Session, referral: Referral, now: datetime) -> None:
    """A practitioner has it: stop repeating its alerts."""
    referral.acknowledged_at = now
    for alert in risks.alerts_for(session, referral.id):
        if alert.status == "pending":
            alert.status = "acknowledged"
    session.flush()
