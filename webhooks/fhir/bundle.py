"""A stored referral as an HL7 FHIR R4 Bundle of type `collection`.

A collection, not a document: a document Bundle must open with a Composition attested by
an author, which this service is not; a collection simply carries the resources together
for the receiving system to file. It holds the ServiceRequest (the referral), the Patient
(the person referred), the QuestionnaireResponse (every answer) and, when the flow
version the referral was made with is loaded, the Questionnaire itself, so the answers
travel with their questions. References between them are the entries' `urn:uuid:` URLs.

The models are fhir.resources' R4B ones: R4B is wire-compatible with R4 for these
resources, and building through them means nothing malformed is ever sent.
"""

from __future__ import annotations

import uuid

from fhir.resources.R4B.bundle import Bundle

from webhooks.db.models import Referral
from webhooks.fhir.context import Entries, ExportContext
from webhooks.fhir.patient import patient_json
from webhooks.fhir.questionnaire import questionnaire_json
from webhooks.fhir.response import response_json
from webhooks.fhir.service_request import service_request_json
from webhooks.fhir.systems import Json, full_url, questionnaire_url


def referral_bundle(referral: Referral, context: ExportContext) -> Bundle:
    """The referral's Bundle, checked by fhir.resources' own models."""
    return Bundle.model_validate(bundle_json(referral, context))


def bundle_json(referral: Referral, context: ExportContext) -> Json:
    """The Bundle as plain JSON."""
    entries = Entries.of(referral)
    resources = [
        (entries.service_request, service_request_json(referral, context, entries)),
        (entries.patient, patient_json(referral, entries)),
        (entries.questionnaire_response, response_json(referral, context, entries)),
    ]
    flow = context.flow
    if flow is not None and flow.id == referral.flow_id and flow.version == referral.flow_version:
        canonical = f"{questionnaire_url(flow.id)}|{flow.version}"
        # One id for one version of a flow, in every referral's bundle.
        questionnaire_entry = full_url(str(uuid.uuid5(uuid.NAMESPACE_URL, canonical)))
        resources.append((questionnaire_entry, questionnaire_json(flow, context.section_titles)))
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": context.generated_at.isoformat(),
        "entry": [{"fullUrl": url, "resource": resource} for url, resource in resources],
    }
