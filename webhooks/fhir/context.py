"""What a referral's FHIR export needs besides the stored referral: the flow it was made
with, the team's name, the risk the safety net found, and the words for them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from flows.model import Flow
from webhooks.db.models import Referral
from webhooks.fhir.systems import entry_uuid, full_url


@dataclass(frozen=True)
class ExportContext:
    """Everything but the referral, handed in so that the export stays a pure function."""

    # When the export is made (the bundle's timestamp).
    generated_at: datetime
    # The flow the referral was made with; None when that version is no longer loaded
    # (the answers still carry their wording, kinds and labels).
    flow: Flow | None = None
    section_titles: Mapping[str, str] = field(default_factory=dict)
    team_name: str | None = None
    # The categories of risk found in the conversation (self, others, from_others).
    risk_categories: Sequence[str] = ()
    # How a practitioner reads each time-critical reason (data/time_critical.yml).
    time_critical_labels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Entries:
    """The fullUrl of each resource of one referral's bundle."""

    patient: str
    service_request: str
    questionnaire_response: str

    @classmethod
    def of(cls, referral: Referral) -> Entries:
        """Stable per referral: derived from its reference."""
        return cls(
            patient=full_url(entry_uuid(referral.reference, "Patient")),
            service_request=full_url(entry_uuid(referral.reference, "ServiceRequest")),
            questionnaire_response=full_url(
                entry_uuid(referral.reference, "QuestionnaireResponse")
            ),
        )


def uuid_of(url: str) -> str:
    """The uuid in an entry's fullUrl: the resource's own id."""
    return url.removeprefix("urn:uuid:")
