"""Referrals and flows as HL7 FHIR R4, for the record systems a team hands work on to.

Pure: it builds resources from a stored referral and a flow, and knows nothing of HTTP
(the routes are in `webhooks/web/api/fhir.py`).
"""

from webhooks.fhir.bundle import bundle_json, referral_bundle
from webhooks.fhir.context import ExportContext
from webhooks.fhir.questionnaire import flow_questionnaire, questionnaire_json
from webhooks.fhir.sections import section_titles
from webhooks.fhir.systems import FHIR_JSON, FHIR_JSON_R4

__all__ = [
    "FHIR_JSON",
    "FHIR_JSON_R4",
    "ExportContext",
    "bundle_json",
    "flow_questionnaire",
    "questionnaire_json",
    "referral_bundle",
    "section_titles",
]
