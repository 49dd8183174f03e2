"""The practitioners' queue needs a sign-in and shows only the practitioner's team."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.gateway.conftest import make_referral
from webhooks.db import referrals


def test_it_sends_a_visitor_to_sign_in(client: FlaskClient) -> None:
    response = client.get("/queue")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_sign_in_needs_the_csrf_token(client: FlaskClient) -> None:
    response = client.post("/login", data={"email": "a@b.c", "password": "x"})
    assert response.status_code == 400


def test_a_wrong_password_is_refused(client: FlaskClient) -> None:
    client.application.config["WTF_CSRF_ENABLED"] = False
    response = client.post("/login", data={"email": "nobody@example.nhs.uk", "password": "x"})
    assert response.status_code == 200
    assert b"do not match" in response.data


def test_it_lists_the_teams_referrals(
    client: FlaskClient, db: Session, practitioner_login: Callable[[str | None], None]
) -> None:
    mine = make_referral(db, "coventry-warwickshire")
    theirs = make_referral(db, "south-essex")
    practitioner_login("coventry-warwickshire")
    page = client.get("/queue").get_data(as_text=True)
    assert mine.reference in page
    assert theirs.reference not in page
    detail = client.get(f"/queue/{mine.id}").get_data(as_text=True)
    assert "Sam Jones" in detail
    assert client.get(f"/queue/{theirs.id}").status_code == 404


def test_a_withdrawn_consent_is_shown_before_the_answers(
    client: FlaskClient, db: Session, practitioner_login: Callable[[str | None], None]
) -> None:
    referral = make_referral(db, "south-essex")  # agreed to the team, not to the police
    practitioner_login("south-essex")
    detail = " ".join(client.get(f"/queue/{referral.id}").get_data(as_text=True).split())
    assert "Consent withdrawn" not in detail
    # Named as the team's file names it, with the words the person was asked.
    assert (
        "Consent to share with the L&amp;D team and be contacted: agreed 24/11/2026 09:00" in detail
    )
    assert "Police: did not agree" in detail
    withdrawn_at = datetime(2026, 11, 25, 14, 30, tzinfo=UTC)
    db.rollback()  # the page's audit entry was written since this session last read
    keys = [referral.conversation.contact_key]
    assert referrals.withdraw_consents(db, "south-essex", keys, withdrawn_at) == 1
    db.commit()
    detail = " ".join(client.get(f"/queue/{referral.id}").get_data(as_text=True).split())
    assert "Consent withdrawn: do not share with" in detail
    assert "Liaison and Diversion team (withdrawn 25/11/2026 14:30)" in detail
    answers = detail.index('id="answers-heading">Answers</h2>')
    assert detail.index("Consent withdrawn: do not share with") < answers
    listing = " ".join(client.get("/queue").get_data(as_text=True).split())
    assert "Withdrawn: check before sharing" in listing


def test_it_only_redirects_within_the_site_after_sign_in(
    client: FlaskClient, db: Session, practitioner_login: Callable[[str | None], None]
) -> None:
    practitioner_login(None)
    client.application.config["WTF_CSRF_ENABLED"] = False
    response = client.post(
        "/login?next=https://evil.example/queue",
        data={"email": "pat@example.nhs.uk", "password": "correct horse battery staple"},
    )
    assert response.headers["Location"] == "/queue"


def test_signing_out_needs_a_post(
    client: FlaskClient, practitioner_login: Callable[[str | None], None]
) -> None:
    practitioner_login(None)
    assert client.get("/logout").status_code == 405
    assert client.get("/queue").status_code == 200
