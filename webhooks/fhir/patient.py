"""The person referred, as a UK Core Patient, from the answers that say who they are.

The flows name these questions the same in every team's flow (a question id means one
thing everywhere), so the ids below are the contract. No flow asks for an NHS number or
for gender, so the Patient has neither: nothing is guessed. The name is kept whole as it
was given (`HumanName.text`), not split into given and family names that the person did
not separate.
"""

from __future__ import annotations

from webhooks.db.models import Referral, ReferralAnswer
from webhooks.fhir.answers import iso_date, stored_value
from webhooks.fhir.context import Entries, uuid_of
from webhooks.fhir.systems import NHS_NUMBER_SYSTEM, Json, profile

FULL_NAME = "full_name"
DATE_OF_BIRTH = "date_of_birth"
PHONE = "contact_number"
ADDRESS = "address"
POSTCODE = "postcode"
# Asked only for someone under 18.
GUARDIAN_NAME = "guardian_name"
GUARDIAN_PHONE = "guardian_phone"
# Asked by no flow yet; read if one ever does.
NHS_NUMBER = "nhs_number"


def given_answers(referral: Referral) -> dict[str, ReferralAnswer]:
    """The referral's answers with a value, by question id."""
    return {a.question_id: a for a in referral.answers if stored_value(a) is not None}


def patient_json(referral: Referral, entries: Entries) -> Json:
    """The Patient resource."""
    given = given_answers(referral)

    def text(question_id: str) -> str | None:
        answer = given.get(question_id)
        return str(stored_value(answer)) if answer is not None else None

    patient: Json = {
        "resourceType": "Patient",
        "id": uuid_of(entries.patient),
        "meta": profile("Patient"),
    }
    if text(NHS_NUMBER):
        patient["identifier"] = [{"system": NHS_NUMBER_SYSTEM, "value": text(NHS_NUMBER)}]
    if text(FULL_NAME):
        patient["name"] = [{"text": text(FULL_NAME)}]
    if text(PHONE):
        patient["telecom"] = [{"system": "phone", "value": text(PHONE)}]
    born = text(DATE_OF_BIRTH)
    if born and iso_date(born):
        patient["birthDate"] = born
    address = {
        key: value
        for key, value in (("text", text(ADDRESS)), ("postalCode", text(POSTCODE)))
        if value
    }
    if address:
        patient["address"] = [address]
    guardian = _guardian(given, text(GUARDIAN_NAME), text(GUARDIAN_PHONE))
    if guardian:
        patient["contact"] = [guardian]
    return patient


def _guardian(given: dict[str, ReferralAnswer], name: str | None, phone: str | None) -> Json:
    """A parent or guardian as the Patient's contact; the relationship is the question's
    own label (the flow's words), as FHIR's ContactRelationship codes have no guardian."""
    contact: Json = {}
    if name:
        contact["relationship"] = [{"text": given[GUARDIAN_NAME].label}]
        contact["name"] = {"text": name}
    if phone:
        contact["telecom"] = [{"system": "phone", "value": phone}]
    return contact
