"""What the gateway does with what the flow hands back in Rasa's reply.

A referral payload is committed before the person hears "sent": finished ones go to the
queue; one stopped part way is kept, marked incomplete; one that ended because the person
is not eligible, or did not agree to share, keeps nothing beyond what the team allows.
A risk payload (a "yes" to a risk question, PHQ-9 item 9, or Rasa's crisis intents) is
treated like the safety net's own finding: flagged, urgent, and the crisis contacts given.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from flows.protocol import (
    REFERRAL,
    InfoAsked,
    PersonLearnt,
    ReferralHandOver,
    RiskFound,
    SituationLearnt,
    read_payload,
)
from flows.state import ADDING, DROPPED, ESSENTIALS
from webhooks.core.alerts import queue_urgent_alerts
from webhooks.core.out_of_hours import pickup_note
from webhooks.core.replies import Inbound, Reply
from webhooks.core.safety_net import crisis_reply
from webhooks.core.situation import situation_reply, working_now_note
from webhooks.core.spool import SpooledReferral, keep_referral
from webhooks.core.team_info import info_reply
from webhooks.core.unit_of_work import UnitOfWork
from webhooks.db import referrals, risks
from webhooks.db.models import Message
from webhooks.pathways import pathway_for
from webhooks.wording import Wording

log = logging.getLogger(__name__)
_ENDED_WITHOUT_REFERRAL = ("ineligible", "declined")


@dataclass
class FlowEndings:
    """Commits referrals and acts on risk found by the flow, within one turn."""

    work: UnitOfWork
    wording: Wording
    now: datetime
    # Where a referral the database refuses waits for the ingester; None: nowhere (the
    # person is told it was not sent).
    spool_dir: Path | None = None
    # Risk categories the flow found this turn, noted before they are written: if the
    # database fails, the turn keeps them on disk with the message.
    found: list[str] = field(default_factory=list)

    def handle(self, custom: dict[str, Any], inbound: Inbound, message: Message) -> list[Reply]:
        """The replies for one custom payload; empty when it is not one of ours."""
        found = read_payload(custom)
        if isinstance(found, ReferralHandOver) or REFERRAL in custom:
            # A referral that cannot be read is still an ending: the person must hear so.
            record = dict(found.record) if isinstance(found, ReferralHandOver) else None
            return self.commit_referral(record, inbound, message)
        if isinstance(found, RiskFound):
            return self.flag_risk(found, inbound, message)
        if isinstance(found, InfoAsked):
            # A question about the service: answered from the team's file, at this moment.
            return [info_reply(inbound.team, found.topic, self.now, self.wording)]
        if found is None and custom:
            # Never the payload itself: it may hold answers.
            log.error("a payload from the bot could not be read (keys: %s)", ",".join(custom))
        if isinstance(found, SituationLearnt):
            said = situation_reply(
                inbound.team, found.question, found.value, self.now, self.wording
            )
            return [said] if said else []
        if isinstance(found, PersonLearnt):
            # The age, not the date of birth, is all the safety net needs (Childline).
            message.conversation.person_age = found.age
            message.conversation.perspective = found.perspective
        return []

    def commit_referral(
        self, payload: dict[str, Any] | None, inbound: Inbound, message: Message
    ) -> list[Reply]:
        """Store the referral (or not), then say what happened, in that order."""
        team = inbound.team
        if payload is None:
            log.error("referral payload was not an object; nothing stored")
            return [Reply(self.wording.say_for(team, "referral_not_saved"))]
        outcome = str(payload.get("outcome") or "complete")
        if outcome in _ENDED_WITHOUT_REFERRAL:
            return self._ended_without_referral(payload, outcome, inbound, message)
        if outcome != "complete" and not payload.get("answers"):
            return [Reply(self.wording.say("referral_stopped"), ends_conversation=True)]
        # Read before the attempt: after a refused flush the session cannot load anything.
        conversation_id = message.conversation_id
        try:
            # A savepoint: a refused referral leaves the rest of the turn (risk found in
            # it, the message answered) to be committed as usual.
            with self.work.session.begin_nested():
                # Later answers to a referral already sent on its essentials (it may not
                # be there: the database refused it then, and it waits on disk).
                sent_before = outcome != ESSENTIALS and bool(payload.get("sent"))
                later = sent_before and bool(
                    referrals.sent_for_more(self.work.session, conversation_id)
                )
                referral = referrals.create_referral(
                    self.work.session,
                    message.conversation,
                    payload,
                    at=self.now,
                    choose_pathway=partial(pathway_for, team.hours),
                )
                queue_urgent_alerts(self.work.session, referral.conversation_id, team, self.now)
            # Checkpoint: stored before anyone hears "sent".
            self.work.commit()
        except SQLAlchemyError as error:
            log.error("referral not stored: %s", type(error).__name__)
            return self._keep_on_disk(payload, inbound, conversation_id)
        except (KeyError, TypeError, ValueError) as error:
            log.error("referral not stored: %s", type(error).__name__)
            return [Reply(self.wording.say_for(team, "referral_not_saved"))]
        log.info("referral %s stored for team %s (%s)", referral.id, referral.team_id, outcome)
        if not referral.complete:
            return [Reply(self.wording.say("referral_stopped"), ends_conversation=True)]
        if outcome == ADDING or (payload.get("sent") and outcome == DROPPED):
            # Answers joining a sent referral as they come, or a call dropped after
            # sending: the person heard "sent" already.
            return []
        if later:
            # The last answers joined the referral sent on its essentials.
            added = self.wording.say_for(team, "referral_added", reference=referral.reference)
            return [Reply(added, ends_conversation=True)]
        sent = Reply(
            self.wording.say_for(team, "referral_sent", reference=referral.reference),
            # Sent on its essentials, the conversation goes on to offer the rest.
            ends_conversation=outcome != ESSENTIALS,
        )
        # Urgent or time-critical, with a pathway working now: that team has it already.
        note = working_now_note(team, referral, self.now, self.wording) or pickup_note(
            team, self.now, self.wording
        )
        return [sent, note] if note else [sent]

    def _keep_on_disk(
        self, payload: dict[str, Any], inbound: Inbound, conversation_id: str
    ) -> list[Reply]:
        """The database refused a finished referral: keep it whole on disk for the ingester.

        The bot has already let go of the answers, so this copy is the only one. The
        person hears that it is kept and will reach the team, never that it was sent.
        """
        if self.spool_dir is None:
            return [Reply(self.wording.say_for(inbound.team, "referral_not_saved"))]
        try:
            keep_referral(
                self.spool_dir,
                SpooledReferral(
                    team_id=inbound.team.id,
                    conversation_id=conversation_id,
                    record=payload,
                    received_at=self.now.isoformat(),
                ),
            )
        except OSError as error:
            # The disk too (full?): the person must not hear that it is kept.
            log.error("referral not kept on disk either: %s", type(error).__name__)
            return [Reply(self.wording.say_for(inbound.team, "referral_not_saved"))]
        if payload.get("complete", True) is False:
            # Kept part way, as it would have been: nothing was going to the team yet.
            return [Reply(self.wording.say("referral_stopped"), ends_conversation=True)]
        outcome = payload.get("outcome")
        if outcome == ADDING or (payload.get("sent") and outcome == DROPPED):
            return []  # answers after "sent" (or "kept"): nothing new to tell the person
        kept = self.wording.say_for(inbound.team, "referral_kept")
        # Kept on its essentials, the conversation goes on to offer the rest.
        return [Reply(kept, ends_conversation=outcome != ESSENTIALS)]

    def _ended_without_referral(
        self, payload: dict[str, Any], outcome: str, inbound: Inbound, message: Message
    ) -> list[Reply]:
        """Only the answers the team's configuration names are kept, as an ended record."""
        keep = set(inbound.team.eligibility.get("keep_when_ineligible") or [])
        message.conversation.outcome = outcome
        # Anything kept from an earlier dropped call goes too: nothing was agreed.
        referrals.discard_incomplete(self.work.session, message.conversation_id)
        kept = [answer for answer in payload.get("answers") or [] if answer["question_id"] in keep]
        if kept and outcome == "ineligible":
            record = dict(payload, answers=kept, consents=[], complete=False)
            referral = referrals.create_referral(
                self.work.session, message.conversation, record, at=self.now
            )
            referral.status = "ineligible"
        self.work.commit()
        log.info("conversation %s ended: %s", message.conversation_id, outcome)
        return [Reply(self.wording.say("conversation_ended"), ends_conversation=True)]

    def flag_risk(self, found: RiskFound, inbound: Inbound, message: Message) -> list[Reply]:
        """Record risk the flow found; the person hears the contacts if it is about them."""
        category = found.category
        source = found.source or "flow"
        self.found.append(category)
        risks.add_risk_flags(
            self.work.session, message, [category], [f"flow:{source}"], at=self.now
        )
        queue_urgent_alerts(self.work.session, message.conversation_id, inbound.team, self.now)
        log.warning(
            "risk found by the flow (%s) in conversation %s", category, message.conversation_id
        )
        # A professional answering about someone else needs no Samaritans number; the
        # referral is urgent either way.
        if found.perspective == "other":
            return [Reply(self.wording.say("crisis_urgent_note"))]
        age = message.conversation.person_age
        contacts = crisis_reply(category, inbound.team, self.wording, age)
        return [contacts, Reply(self.wording.say("crisis_urgent_note"))]
