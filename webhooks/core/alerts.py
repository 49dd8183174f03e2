"""Urgent-referral alerts to a team's duty practitioner, repeated until acknowledged.

Alerts are queued in the database when a referral becomes urgent in hours, and delivered
by `triage alerts` (a process of its own under `make run`), so a slow or failing SMS
provider never delays an answer to a person.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests
from sqlalchemy.orm import Session
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from webhooks.config import Settings
from webhooks.db import risks
from webhooks.db.models import Alert, Referral
from webhooks.teams import Team, TeamDirectory
from webhooks.wording import Wording

log = logging.getLogger(__name__)
# Minutes to wait before the next alert: quick at first, then every half hour.
BACKOFF_MINUTES = (1, 2, 5, 10, 15, 30)
MAX_ATTEMPTS = 20


class TransportError(Exception):
    """An alert was not delivered; `permanent` means retrying cannot help."""

    def __init__(self, reason: str, permanent: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


Sender = Callable[[Alert, Team, str], None]


@dataclass
class Transports:
    """How each kind of alert is sent: SMS through Twilio's REST API, or a JSON webhook."""

    twilio: Client | None
    http: requests.Session

    def send(self, alert: Alert, team: Team, text: str) -> None:
        """Deliver one alert, or raise TransportError."""
        if alert.kind == "sms":
            self._sms(alert.target, team.numbers[0], text)
        else:
            self._webhook(alert.target, team, text)

    def send_sms(self, to: str, sender: str, text: str) -> None:
        """Send one text message through Twilio's REST API, or raise TransportError."""
        self._sms(to, sender, text)

    def _sms(self, to: str, sender: str, text: str) -> None:
        if self.twilio is None:
            raise TransportError("TWILIO_ACCOUNT_SID is not set", permanent=True)
        try:
            self.twilio.messages.create(to=to, from_=sender, body=text)
        except TwilioRestException as error:
            # 4xx (a bad number, a blocked sender) will not change; 429 and 5xx may.
            permanent = 400 <= error.status < 500 and error.status != 429
            raise TransportError(f"twilio {error.status}", permanent) from error
        except requests.RequestException as error:
            raise TransportError(type(error).__name__, permanent=False) from error

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


def build_transports(settings: Settings) -> Transports:
    """Twilio's REST client when an account is configured, and a plain HTTP session."""
    twilio = None
    if settings.twilio_account_sid:
        twilio = Client(settings.twilio_account_sid, settings.twilio_auth_token)
        if settings.twilio_api_base_url:
            twilio.api.base_url = settings.twilio_api_base_url
    return Transports(twilio=twilio, http=requests.Session())


def queue_urgent_alerts(session: Session, conversation_id: str, team: Team, now: datetime) -> int:
    """Queue alerts for the conversation's urgent, unacknowledged referrals (in hours)."""
    targets = [("sms", team.duty.sms), ("webhook", team.duty.webhook)]
    targets = [(kind, target) for kind, target in targets if target]
    if not targets or not team.hours.is_open(now):
        return 0
    queued = 0
    for referral in risks.urgent_unacknowledged(session, conversation_id):
        if risks.has_alerts(session, referral.id):
            continue
        for kind, target in targets:
            session.add(
                Alert(
                    referral_id=referral.id,
                    kind=kind,
                    target=target,
                    next_attempt_at=now,
                    created_at=now,
                )
            )
            queued += 1
    session.flush()
    return queued


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
        referral = alert.referral
        team = teams.by_id(referral.team_id)
        if referral.acknowledged_at is not None or team is None:
            alert.status = "acknowledged" if team else "failed"
            session.commit()
            continue
        text = wording.say(
            "duty_alert", team_name=team.short_name, link=f"{link_base}/queue/{referral.id}"
        )
        alert.attempts += 1
        # Sent or not, it goes again later unless the referral is acknowledged first. Set
        # before sending and committed: no other round takes it meanwhile, and no lock is
        # held while Twilio or the webhook answers.
        alert.next_attempt_at = now + timedelta(minutes=backoff_minutes(alert.attempts))
        session.commit()
        try:
            send(alert, team, text)
        except TransportError as error:
            alert.last_error = error.reason
            if error.permanent or alert.attempts >= MAX_ATTEMPTS:
                alert.status = "failed"
                log.error("urgent alert %s gave up: %s", alert.id, error.reason)
        else:
            alert.last_error = None
            sent += 1
        session.commit()
    return sent


def backoff_minutes(attempts: int) -> int:
    """Minutes before the next try after `attempts` tries."""
    return BACKOFF_MINUTES[min(attempts, len(BACKOFF_MINUTES)) - 1] if attempts else 0


def acknowledge(session: Session, referral: Referral, now: datetime) -> None:
    """A practitioner has it: stop repeating its alerts."""
    referral.acknowledged_at = now
    for alert in risks.alerts_for(session, referral.id):
        if alert.status == "pending":
            alert.status = "acknowledged"
    session.flush()
