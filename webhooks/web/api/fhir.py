"""The FHIR routes of the API: a referral as an HL7 FHIR R4 Bundle, and a flow as the
Questionnaire its answers belong to. Bearer tokens as for the rest of the API; another
team's referral is simply not found.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, g, request

from flows import Flow, load_flows
from webhooks import time_critical
from webhooks.db import audit, referrals, risks
from webhooks.db.engine import db_session, recording
from webhooks.fhir import FHIR_JSON_R4, ExportContext, flow_questionnaire, referral_bundle
from webhooks.fhir import section_titles as load_section_titles
from webhooks.web.api.referrals import require_bearer_token
from webhooks.web.services import services

bp = Blueprint("api_fhir", __name__, url_prefix="/api")
bp.before_request(require_bearer_token)

# Where the app keeps the flows and their sections' titles: read on the first FHIR
# request (not at start-up, which every other route would pay for), then kept.
FLOWS = "fhir.flows"
SECTION_TITLES = "fhir.section_titles"


def _flows() -> dict[str, Flow]:
    if FLOWS not in current_app.extensions:
        # The same data the gateway's own flows were loaded from (TRIAGE_DATA_DIR).
        current_app.extensions[FLOWS] = load_flows(data_dir=services().settings.data_dir)
    flows: dict[str, Flow] = current_app.extensions[FLOWS]
    return flows


def _section_titles() -> dict[str, str]:
    if SECTION_TITLES not in current_app.extensions:
        current_app.extensions[SECTION_TITLES] = load_section_titles()
    titles: dict[str, str] = current_app.extensions[SECTION_TITLES]
    return titles


@bp.get("/referrals/<int:referral_id>/fhir")
def referral_fhir(referral_id: int) -> Response:
    """The referral as a Bundle (ServiceRequest, Patient, QuestionnaireResponse and the
    Questionnaire), `application/fhir+json`; the export is audited."""
    session = db_session()
    referral = referrals.get_referral(session, referral_id, g.api_team_id)
    if referral is None:
        abort(404)
    flow = _flows().get(referral.flow_id)
    team = services().teams.by_id(referral.team_id)
    context = ExportContext(
        generated_at=services().now(),
        flow=flow if flow is not None and flow.version == referral.flow_version else None,
        section_titles=_section_titles(),
        team_name=team.name if team is not None else None,
        risk_categories=[
            flag.category for flag in risks.risk_flags_for(session, referral.conversation_id)
        ],
        time_critical_labels=time_critical.labels(),
    )
    body = referral_bundle(referral, context).model_dump_json()
    with recording() as writing:
        audit.record(
            writing,
            g.api_actor,
            "export",
            services().now(),
            g.api_team_id,
            referral.id,
            {"format": "fhir"},
            request.remote_addr,
        )
    return Response(body, content_type=FHIR_JSON_R4)


@bp.get("/questionnaires/<flow_id>")
def questionnaire(flow_id: str) -> Response:
    """One of the caller's team's flows as a Questionnaire, in its current version; 404 for
    a flow that is unknown or another team's (each team sees only its own, as with referrals)."""
    team = services().teams.by_id(g.api_team_id)
    flow = _flows().get(flow_id)
    if flow is None or team is None or flow_id not in team.flows:
        abort(404)
    found = flow_questionnaire(flow, _section_titles())
    return Response(found.model_dump_json(), content_type=FHIR_JSON_R4)
