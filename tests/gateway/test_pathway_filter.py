"""The queue and the API filter by pathway: custody, court, or the pickup pathway (which
also holds referrals stored before pathways were recorded)."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.gateway.conftest import FromFlow, make_referral
from webhooks.db import accounts
from webhooks.db.models import Referral

TEAM = "coventry-warwickshire"


def placed(db: Session, name: str, pathway: str | None) -> Referral:
    referral = make_referral(db, TEAM, name=name)
    referral.pathway = pathway
    db.commit()
    return referral


def names(client: FlaskClient, token: str, query: str) -> set[str]:
    response = client.get(f"/api/referrals?{query}", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return {row["fields"]["full_name"] for row in response.get_json()["referrals"]}


def test_the_api_lists_one_pathway_and_the_pickup_one_takes_the_unplaced(
    client: FlaskClient, db: Session
) -> None:
    placed(db, "In Custody", "custody")
    placed(db, "At Court", "court")
    placed(db, "At Reception", "reception")
    placed(db, "Not Placed", None)
    token = accounts.create_api_token(db, TEAM)
    db.commit()
    assert names(client, token, "pathway=custody") == {"In Custody"}
    assert names(client, token, "pathway=court") == {"At Court"}
    assert names(client, token, "pathway=reception") == {"At Reception", "Not Placed"}
    assert len(names(client, token, "")) == 4


def test_an_unknown_pathway_is_refused_naming_the_teams_own(
    client: FlaskClient, db: Session
) -> None:
    token = accounts.create_api_token(db, TEAM)
    db.commit()
    response = client.get(
        "/api/referrals?pathway=moon", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 400
    assert "custody" in response.get_json()["error"]


def test_the_queue_page_offers_the_teams_pathways(
    client: FlaskClient, db: Session, practitioner_login: Callable[..., None]
) -> None:
    placed(db, "In Custody", "custody")
    placed(db, "At Court", "court")
    practitioner_login(TEAM)
    page = client.get("/queue?pathway=court").get_data(as_text=True)
    assert '<option value="court" selected>Court</option>' in page
    assert "At Court" in page and "In Custody" not in page


def test_a_referral_is_placed_on_a_pathway_when_it_is_stored(
    from_flow: FromFlow, db: Session
) -> None:
    from_flow({"referral": {"flow_id": "south_essex", "flow_version": 1, "answers": []}})
    db.rollback()
    stored = db.scalars(select(Referral)).one()
    assert stored.pathway == "all"  # South Essex's one pathway
