"""`GET /api/referrals/<id>/fhir` and `GET /api/questionnaires/<flow_id>`: a referral
stored through the gateway's own path, fetched with a team's token, parsed back with
fhir.resources' own models; on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.questionnaire import Questionnaire
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from flows import load_flows
from flows.protocol import RiskFound
from tests.gateway.conftest import FromFlow, make_referral
from tests.support.fhir import FLOW_IDS, Json, answered, link_ids, resources, walked_record
from webhooks.config import PROJECT_ROOT
from webhooks.db import accounts, audit
from webhooks.db.models import Referral
from webhooks.teams import load_teams
from webhooks.web.api import fhir as api_fhir

# The team `from_flow` stores referrals for.
TEAM = "south-essex"
TEAMS = load_teams(PROJECT_ROOT / "data" / "teams")


@pytest.fixture
def app(app: Flask) -> Flask:
    """The gateway with the FHIR routes (registered here until create_app does)."""
    if api_fhir.bp.name not in app.blueprints:
        app.register_blueprint(api_fhir.bp)
    return app


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def token(db: Session) -> str:
    made = accounts.create_api_token(db, TEAM, name="Record system")
    db.commit()
    return made


def stored(from_flow: FromFlow, db: Session, record: Json) -> Referral:
    from_flow({"referral": record})
    return db.scalars(select(Referral).order_by(Referral.id.desc())).first() or pytest.fail()


def fetched_bundle(client: FlaskClient, referral: Referral, token: str) -> Json:
    response = client.get(f"/api/referrals/{referral.id}/fhir", headers=bearer(token))
    assert response.status_code == 200
    assert response.mimetype == "application/fhir+json"
    body: Json = response.get_json()
    Bundle.model_validate(body)
    return body


def test_both_routes_need_a_token(client: FlaskClient, db: Session) -> None:
    referral = make_referral(db, TEAM)
    for path in (f"/api/referrals/{referral.id}/fhir", "/api/questionnaires/south_essex"):
        response = client.get(path)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert client.get(path, headers=bearer("not-a-token")).status_code == 401


def test_another_teams_referral_is_not_found(client: FlaskClient, db: Session, token: str) -> None:
    theirs = make_referral(db, "together-london")
    assert client.get(f"/api/referrals/{theirs.id}/fhir", headers=bearer(token)).status_code == 404
    assert client.get("/api/referrals/999999/fhir", headers=bearer(token)).status_code == 404


@pytest.mark.parametrize("flow_id", FLOW_IDS)
def test_a_stored_referral_is_a_bundle_whose_answers_have_their_questions(
    client: FlaskClient, from_flow: FromFlow, db: Session, token: str, flow_id: str
) -> None:
    referral = stored(from_flow, db, walked_record(flow_id))
    bundle = fetched_bundle(client, referral, token)
    found = resources(bundle)
    # Each team reaches its own flows' Questionnaires.
    [owner] = [team.id for team in TEAMS.teams.values() if flow_id in team.flows]
    db.commit()  # end this session's read: the export's audit entry was written since
    owners_token = accounts.create_api_token(db, owner, name="Record system")
    db.commit()
    questionnaire = client.get(f"/api/questionnaires/{flow_id}", headers=bearer(owners_token))
    assert questionnaire.status_code == 200
    assert questionnaire.mimetype == "application/fhir+json"
    Questionnaire.model_validate(questionnaire.get_json())
    # The Questionnaire the route serves is the one the bundle carries and names.
    assert questionnaire.get_json() == found["Questionnaire"]
    response = found["QuestionnaireResponse"]
    assert response["questionnaire"] == (
        f"{found['Questionnaire']['url']}|{load_flows()[flow_id].version}"
    )
    asked = set(link_ids(questionnaire.get_json()))
    given = answered(response)
    for answer in referral.answers:
        assert answer.question_id in asked
        assert (answer.question_id in given) is (not answer.skipped)
    assert found["ServiceRequest"]["identifier"][0]["value"] == referral.reference
    assert found["ServiceRequest"]["priority"] == "routine"
    assert found["Patient"]["name"] == [{"text": "Sam Jones"}]


def test_a_referral_with_risk_asks_for_help_first_and_says_why(
    client: FlaskClient, from_flow: FromFlow, db: Session, token: str
) -> None:
    from_flow(RiskFound("self", "risk_to_self", "self").to_payload())
    record = walked_record("south_essex", risk_to_self="yes", risk_to_self_details="/skip")
    referral = stored(from_flow, db, record)
    assert (referral.urgent, referral.time_critical) == (True, False)
    request = resources(fetched_bundle(client, referral, token))["ServiceRequest"]
    assert request["priority"] == "asap"  # above time-critical, as the queue lists it
    assert request["reasonCode"][0]["coding"][0]["code"] == "self"
    assert request["performer"][0]["display"] == "South Essex Liaison and Diversion"


def test_a_time_critical_referral_is_urgent(
    client: FlaskClient, from_flow: FromFlow, db: Session, token: str
) -> None:
    record = walked_record("south_essex", justice_status="In police custody now")
    request = resources(fetched_bundle(client, stored(from_flow, db, record), token))[
        "ServiceRequest"
    ]
    assert request["priority"] == "urgent"
    assert request["reasonCode"] == [
        {
            "coding": [
                {
                    "system": "urn:ld-triage:time-critical",
                    "code": "in_custody",
                    "display": "In police custody now",
                }
            ],
            "text": "In police custody now",
        }
    ]


def test_the_export_is_audited(
    client: FlaskClient, from_flow: FromFlow, db: Session, token: str
) -> None:
    referral = stored(from_flow, db, walked_record("south_essex"))
    fetched_bundle(client, referral, token)
    db.rollback()  # a fresh read: on SQLite the session still reads from before the request
    [entry] = audit.entries(db, TEAM, referral.id)
    assert (entry.action, entry.actor_name, entry.detail) == (
        "export",
        "Record system",
        {"format": "fhir"},
    )


def test_an_unknown_flow_has_no_questionnaire(client: FlaskClient, token: str) -> None:
    assert client.get("/api/questionnaires/nowhere", headers=bearer(token)).status_code == 404
    theirs = client.get("/api/questionnaires/together_london", headers=bearer(token))
    assert theirs.status_code == 404  # another team's flow
