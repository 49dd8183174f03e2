"""The names FHIR gives things here: identifier and code systems, profiles, entry ids.

Everything this service names itself lives under one URN, so a receiving system sees at a
glance which codes and identifiers are ours and never mistakes them for national ones.
"""

from __future__ import annotations

import uuid
from typing import Any

# Our own namespace: identifiers and local codes are `urn:ld-triage:<what>`.
NAMESPACE = "urn:ld-triage"
REFERRAL_SYSTEM = f"{NAMESPACE}:referral"
TEAM_SYSTEM = f"{NAMESPACE}:team"
RISK_SYSTEM = f"{NAMESPACE}:risk"
TIME_CRITICAL_SYSTEM = f"{NAMESPACE}:time-critical"
# The NHS number's system, for the day a flow asks for one (none does yet).
NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"

# UK Core, the NHS England profiles of FHIR R4, where one applies.
UK_CORE = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-"

# The media type the FHIR routes answer with (R4 is FHIR 4.0).
FHIR_JSON = "application/fhir+json"
FHIR_JSON_R4 = f"{FHIR_JSON}; fhirVersion=4.0"

# Entry ids are derived from the referral, not drawn at random: the same referral fetched
# twice has the same entries, so a receiving system can tell it has seen them before.
_ENTRY_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, NAMESPACE)

Json = dict[str, Any]


def questionnaire_url(flow_id: str) -> str:
    """The canonical URL of a flow's Questionnaire (`GET /api/questionnaires/<flow_id>`
    serves it); a QuestionnaireResponse names it with `|<version>`."""
    return f"{NAMESPACE}:questionnaire:{flow_id}"


def option_system(question_id: str) -> str:
    """The code system of one question's choices: the option values, shared by every flow
    that asks the question (a question id means the same thing in every flow)."""
    return f"{NAMESPACE}:question:{question_id}"


def profile(resource_type: str) -> Json:
    """`meta` claiming the UK Core profile of a resource type."""
    return {"profile": [f"{UK_CORE}{resource_type}"]}


def resource_id(flow_id: str) -> str:
    """A FHIR id for a flow's Questionnaire: ids allow no underscore, flow ids have them."""
    return flow_id.replace("_", "-")


def entry_uuid(reference: str, resource_type: str) -> str:
    """The stable id of one resource of a referral (by its reference)."""
    return str(uuid.uuid5(_ENTRY_NAMESPACE, f"{reference}/{resource_type}"))


def full_url(entry_id: str) -> str:
    """A bundle entry's fullUrl; references inside the bundle use the same string."""
    return f"urn:uuid:{entry_id}"
