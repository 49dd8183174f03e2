"""A team works its referrals through the API and the queue: every one visible with a true
total, each owned by one person at a time, moved step by step to a close with an outcome,
with notes, a history and an audit trail."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.gateway.conftest import make_referral
from webhooks.cli import main
from webhooks.db import accounts
from webhooks.db.models import AuditEvent, Referral

Login = Callable[[str | None], None]


def token(db: Session, team_id: str, name: str) -> dict[str, str]:
    value = accounts.create_api_token(db, team_id, name)
    db.commit()
    return {"Authorization": f"Bearer {value}"}


def post(client: FlaskClient, path: str, who: dict[str, str], body: Any = None) -> Any:
    return client.post(path, headers=who, json=body if body is not None else {})


def test_with_250_open_referrals_the_api_and_the_page_report_250_and_reach_every_one(
    client: FlaskClient, db: Session, practitioner_login: Login
) -> None:
    made = {make_referral(db, "south-essex", name=f"Person {n}").reference for n in range(250)}
    ana = token(db, "south-essex", "Ana")
    seen: set[str] = set()
    page = 1
    while True:
        body = client.get(f"/api/referrals?page={page}&per_page=100", headers=ana).json
        assert body["total"] == 250
        seen |= {referral["reference"] for referral in body["referrals"]}
        if page >= body["pages"]:
            break
        page += 1
    assert (page, seen) == (3, made)

    practitioner_login("south-essex")
    first = client.get("/queue").get_data(as_text=True)
    assert "Referrals (250)" in first
    shown: set[str] = set()
    for number in range(1, 6):  # 50 a page
        html = client.get(f"/queue?page={number}").get_data(as_text=True)
        assert f"Page {number} of 5" in html
        shown |= {reference for reference in made if reference in html}
    assert shown == made


def test_two_people_claim_the_same_referral_one_owns_it_the_other_is_told_who(
    client: FlaskClient, db: Session
) -> None:
    referral_id = make_referral(db, "south-essex").id
    ana, ben = token(db, "south-essex", "Ana"), token(db, "south-essex", "Ben")
    won = post(client, f"/api/referrals/{referral_id}/claim", ana)
    assert (won.status_code, won.json["owner"], won.json["status"]) == (200, "Ana", "claimed")
    lost = post(client, f"/api/referrals/{referral_id}/claim", ben)
    assert (lost.status_code, lost.json["owner"]) == (409, "Ana")
    again = post(client, f"/api/referrals/{referral_id}/claim", ana)
    assert again.status_code == 200  # claiming what you own is no conflict


def test_a_referral_is_worked_to_a_close_by_its_owner_with_notes_and_history(
    client: FlaskClient, db: Session
) -> None:
    referral_id = make_referral(db, "south-essex").id
    ana, ben = token(db, "south-essex", "Ana"), token(db, "south-essex", "Ben")
    path = f"/api/referrals/{referral_id}"
    unclaimed = post(client, f"{path}/status", ana, {"status": "contacted"})
    assert (unclaimed.status_code, unclaimed.json["error"]) == (409, "claim it first")
    post(client, f"{path}/claim", ana)
    not_owner = post(client, f"{path}/status", ben, {"status": "contacted"})
    assert (not_owner.status_code, not_owner.json["owner"]) == (409, "Ana")
    skipped = post(client, f"{path}/status", ana, {"status": "assessed"})
    assert skipped.status_code == 409  # claimed → assessed skips a step
    bad = post(client, f"{path}/status", ana, {"status": "done"})
    assert bad.status_code == 422
    moved = post(client, f"{path}/status", ana, {"status": "contacted", "note": "Spoke by phone"})
    assert (moved.status_code, moved.json["status"]) == (200, "contacted")
    no_outcome = post(client, f"{path}/status", ana, {"status": "closed"})
    assert no_outcome.status_code == 422
    noted = post(client, f"{path}/notes", ana, {"note": "GP letter requested"})
    assert noted.status_code == 201
    closed = post(
        client,
        f"{path}/status",
        ana,
        {
            "status": "closed",
            "outcome": "referred_on",
            "note": "to the community mental health team",
        },
    )
    assert closed.json["closed"]["outcome"] == "referred_on"
    assert closed.json["closed"]["detail"] == "to the community mental health team"
    reopened = post(client, f"{path}/status", ana, {"status": "contacted"})
    assert reopened.status_code == 409

    open_list = client.get("/api/referrals", headers=ana).json
    assert open_list["total"] == 0
    closed_list = client.get("/api/referrals?status=closed", headers=ana).json
    assert [r["id"] for r in closed_list["referrals"]] == [referral_id]
    history = client.get(path, headers=ana).json["history"]
    assert [(event["by"], event["kind"], event["to_status"]) for event in history] == [
        ("Ana", "claimed", "claimed"),
        ("Ana", "status", "contacted"),
        ("Ana", "note", None),
        ("Ana", "status", "closed"),
    ]
    assert history[1]["note"] == "Spoke by phone"


def test_release_gives_it_back_and_only_its_owner_can(client: FlaskClient, db: Session) -> None:
    referral_id = make_referral(db, "south-essex").id
    ana, ben = token(db, "south-essex", "Ana"), token(db, "south-essex", "Ben")
    post(client, f"/api/referrals/{referral_id}/claim", ana)
    assert post(client, f"/api/referrals/{referral_id}/release", ben).status_code == 409
    released = post(client, f"/api/referrals/{referral_id}/release", ana)
    assert (released.json["status"], released.json["owner"]) == ("new", None)
    assert post(client, f"/api/referrals/{referral_id}/claim", ben).json["owner"] == "Ben"


def test_claim_next_takes_the_most_urgent_then_the_oldest_nobody_owns(
    client: FlaskClient, db: Session
) -> None:
    oldest = make_referral(db, "south-essex").id
    urgent = make_referral(db, "south-essex")
    urgent.urgent = True
    db.commit()
    ana = token(db, "south-essex", "Ana")
    taken = [post(client, "/api/referrals/claim-next", ana).json["id"] for _ in range(2)]
    assert taken == [urgent.id, oldest]
    assert post(client, "/api/referrals/claim-next", ana).status_code == 404


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("owner=me", ["mine"]),
        ("owner=none", ["urgent", "plain", "stopped"]),
        ("urgent=true", ["urgent"]),
        ("incomplete=true", ["stopped"]),
        ("status=incomplete", ["stopped"]),
        ("status=claimed", ["mine"]),
        ("q=Urgent%20Person", ["urgent"]),
        # The number as a person would say it, spaces and all, finds their referral.
        ("q={plain_phone}", ["plain"]),
    ],
)
def test_the_list_filters(
    client: FlaskClient, db: Session, query: str, expected: list[str]
) -> None:
    names, phones = {}, {}
    for label in ("urgent", "plain", "stopped", "mine"):
        referral = make_referral(db, "south-essex", name=f"{label.title()} Person")
        names[referral.id] = label
        phones[label] = referral.conversation.contact_key
        referral.urgent = label == "urgent"
        referral.complete = label != "stopped"
    db.commit()
    national = "0" + phones["plain"].removeprefix("+44")
    query = query.format(plain_phone=f"{national[:5]}%20{national[5:]}")
    ana = token(db, "south-essex", "Ana")
    mine = next(key for key, label in names.items() if label == "mine")
    post(client, f"/api/referrals/{mine}/claim", ana)
    body = client.get(f"/api/referrals?{query}", headers=ana).json
    assert [names[r["id"]] for r in body["referrals"]] == expected
    assert body["total"] == len(expected)


def test_a_bad_filter_is_a_clear_400(client: FlaskClient, db: Session) -> None:
    ana = token(db, "south-essex", "Ana")
    response = client.get("/api/referrals?status=finished", headers=ana)
    assert response.status_code == 400
    assert "status must be one of" in response.json["error"]
    assert client.get("/api/referrals?per_page=500", headers=ana).status_code == 400


def test_another_teams_referral_is_not_found_on_every_work_route(
    client: FlaskClient, db: Session
) -> None:
    referral_id = make_referral(db, "together-london").id
    ana = token(db, "south-essex", "Ana")
    for action, body in (
        ("claim", {}),
        ("release", {}),
        ("status", {"status": "contacted"}),
        ("notes", {"note": "x"}),
    ):
        response = post(client, f"/api/referrals/{referral_id}/{action}", ana, body)
        assert response.status_code == 404, action
    assert post(client, "/api/referrals/claim-next", ana).status_code == 404
    db.rollback()
    assert db.get(Referral, referral_id).owner_key is None  # type: ignore[union-attr]


def test_every_look_and_step_is_in_the_audit_with_who_and_from_where(
    client: FlaskClient, db: Session
) -> None:
    referral_id = make_referral(db, "south-essex").id
    ana = token(db, "south-essex", "Ana")
    client.get("/api/referrals", headers=ana)
    client.get(f"/api/referrals/{referral_id}", headers=ana)
    post(client, f"/api/referrals/{referral_id}/claim", ana)
    post(client, f"/api/referrals/{referral_id}/status", ana, {"status": "contacted"})
    post(client, f"/api/referrals/{referral_id}/notes", ana, {"note": "Left a voicemail"})
    db.rollback()
    entries = db.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(e.actor_name, e.action, e.referral_id) for e in entries] == [
        ("Ana", "list", None),
        ("Ana", "view", referral_id),
        ("Ana", "claim", referral_id),
        ("Ana", "status", referral_id),
        ("Ana", "note", referral_id),
    ]
    assert {e.team_id for e in entries} == {"south-essex"}
    assert {e.address for e in entries} == {"127.0.0.1"}


def test_the_queue_page_claims_moves_and_closes_with_a_practitioner_as_owner(
    client: FlaskClient, db: Session, practitioner_login: Login
) -> None:
    referral_id = make_referral(db, "south-essex").id
    ben = token(db, "south-essex", "Ben")
    practitioner_login("south-essex")
    client.application.config["WTF_CSRF_ENABLED"] = False
    try:
        client.post(f"/queue/{referral_id}/claim")
        page = client.get(f"/queue/{referral_id}").get_data(as_text=True)
        assert "Owner: <strong>Pat</strong>" in page
        assert post(client, f"/api/referrals/{referral_id}/claim", ben).json["owner"] == "Pat"
        client.post(
            f"/queue/{referral_id}/status", data={"status": "contacted", "note": "Called back"}
        )
        client.post(
            f"/queue/{referral_id}/status",
            data={"status": "closed", "outcome": "no_further_action"},
        )
        page = client.get(f"/queue/{referral_id}").get_data(as_text=True)
        assert "Closed" in page and "No further action" in page
        assert "Pat moved it from claimed to contacted: &ldquo;Called back&rdquo;" in " ".join(
            page.split()
        )
        assert "No referrals match." in client.get("/queue").get_data(as_text=True)
        closed = client.get("/queue?status=closed").get_data(as_text=True)
        assert "Referrals (1)" in closed
    finally:
        client.application.config["WTF_CSRF_ENABLED"] = True


def test_a_second_practitioner_is_told_who_has_it(
    client: FlaskClient, db: Session, practitioner_login: Login
) -> None:
    referral_id = make_referral(db, "south-essex").id
    post(client, f"/api/referrals/{referral_id}/claim", token(db, "south-essex", "Ana"))
    practitioner_login("south-essex")
    client.application.config["WTF_CSRF_ENABLED"] = False
    try:
        response = client.post(f"/queue/{referral_id}/claim", follow_redirects=True)
    finally:
        client.application.config["WTF_CSRF_ENABLED"] = True
    assert "Ana has this referral." in response.get_data(as_text=True)


def test_token_create_names_the_actor(db: Session, settings: Any) -> None:
    result = CliRunner().invoke(
        main,
        ["token", "create", "--team", "south-essex", "--name", "Duty desk"],
        env={"DATABASE_URL": settings.database_url},
    )
    assert result.exit_code == 0, result.output
    value = result.output.strip().splitlines()[-1]
    found = accounts.live_token(db, value)
    assert found is not None and found.name == "Duty desk"


def test_a_percent_sign_in_a_search_is_not_a_wildcard(client: FlaskClient, db: Session) -> None:
    make_referral(db, "south-essex", name="Anyone At All")
    ana = token(db, "south-essex", "Ana")
    assert client.get("/api/referrals?q=%25", headers=ana).json["total"] == 0
    assert client.get("/api/referrals?q=anyone", headers=ana).json["total"] == 1
