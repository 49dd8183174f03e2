"""The JSON API: bearer tokens, each scoped to one team."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.gateway.conftest import make_referral
from webhooks.db import accounts
from webhooks.db.models import ApiToken


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_it_refuses_a_request_without_a_token(client: FlaskClient) -> None:
    response = client.get("/api/referrals")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_it_refuses_an_unknown_token(client: FlaskClient) -> None:
    assert client.get("/api/referrals", headers=bearer("made-up")).status_code == 401


def test_it_lists_only_the_tokens_team(client: FlaskClient, db: Session) -> None:
    mine = make_referral(db, "south-essex", name="Sam Jones")
    make_referral(db, "together-london", name="Someone Else")
    token = accounts.create_api_token(db, "south-essex")
    db.commit()
    response = client.get("/api/referrals", headers=bearer(token))
    assert response.status_code == 200
    assert response.json is not None
    [listed] = response.json["referrals"]
    assert listed["reference"] == mine.reference
    assert listed["fields"] == {"full_name": "Sam Jones", "consent_ld_team": True}


def test_another_teams_referral_is_not_found(client: FlaskClient, db: Session) -> None:
    theirs = make_referral(db, "together-london")
    token = accounts.create_api_token(db, "south-essex")
    db.commit()
    assert client.get(f"/api/referrals/{theirs.id}", headers=bearer(token)).status_code == 404


def test_it_shows_every_answer_with_its_question(client: FlaskClient, db: Session) -> None:
    referral = make_referral(db, "south-essex")
    token = accounts.create_api_token(db, "south-essex")
    db.commit()
    body = client.get(f"/api/referrals/{referral.id}", headers=bearer(token)).json
    assert body is not None
    assert body["answers"][0] == {
        "question_id": "full_name",
        "kind": "text",
        "label": "Full name",
        "prompt": "What is your full name?",
        "value": "Sam Jones",
        "display": "Sam Jones",
        "skipped": False,
        "section": None,
        "answered_at": body["answers"][0]["answered_at"],
    }
    assert body["answers"][0]["answered_at"].startswith(str(referral.submitted_at.year))


def test_only_a_hash_of_the_token_is_stored(db: Session) -> None:
    token = accounts.create_api_token(db, "south-essex")
    db.commit()
    stored = db.scalars(select(ApiToken.token_hash)).all()
    assert token not in stored
    assert stored == [accounts.hash_token(token)]
