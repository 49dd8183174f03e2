"""Every route of the app is walked from its URL map, so a route added later is checked
too: without a session or a token it answers 401 or sends to sign-in, and one team's
practitioner or token finds nothing of another team's (404)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.routing import Rule

from tests.gateway.conftest import make_referral
from webhooks.db import accounts, documents
from webhooks.documents.checks import CheckedFile
from webhooks.web.services import services

# Open by design: Twilio's webhooks (signed instead), the web chat, health, static files
# and the sign-in page itself.
OPEN_PREFIXES = ("/twilio/", "/chat/", "/static/")
OPEN_ENDPOINTS = {"status.healthz", "status.readyz", "status.metrics_view", "auth.login"}


def guarded_routes(app: Flask) -> Iterator[tuple[Rule, str]]:
    for rule in app.url_map.iter_rules():
        if rule.endpoint in OPEN_ENDPOINTS or rule.rule.startswith(OPEN_PREFIXES):
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield rule, method


def url_for_rule(rule: Rule, referral_id: int, document_id: int, conversation_id: str) -> str:
    values = {
        "referral_id": referral_id,
        "document_id": document_id,
        "conversation_id": conversation_id,
        "flow_id": "together_london",  # another team's flow, as the referral is
    }
    return rule.build({name: values[name] for name in rule.arguments})[1]  # type: ignore[index]


@pytest.fixture
def other_teams(db: Session, app: Flask) -> tuple[int, int, str]:
    """A Together London referral with a document: what South Essex must never reach."""
    referral = make_referral(db, "together-london")
    with app.test_request_context():
        cipher = services().documents
    checked = CheckedFile(b"%PDF-1.4\n%%EOF\n", "application/pdf", "letter.pdf")
    document = documents.add_document(
        db, referral.conversation_id, "test/guard", checked, cipher, referral.submitted_at
    )
    db.commit()
    return referral.id, document.id, referral.conversation_id


def test_without_a_session_or_token_every_route_refuses(
    client: FlaskClient, app: Flask, other_teams: tuple[int, int, str]
) -> None:
    app.config["WTF_CSRF_ENABLED"] = False  # the check here is sign-in, not CSRF
    checked = []
    for rule, method in guarded_routes(app):
        url = url_for_rule(rule, *other_teams)
        response = client.open(url, method=method)
        if rule.rule.startswith("/api/"):
            assert response.status_code == 401, (method, url)
        else:
            assert response.status_code == 302, (method, url)
            assert response.headers["Location"].startswith("/login"), (method, url)
        checked.append(rule.endpoint)
    assert {"queue.index", "queue.claim", "api.claim", "api.list_referrals"} <= set(checked)


def test_one_team_gets_404_for_another_teams_referral_on_every_route(
    client: FlaskClient,
    app: Flask,
    db: Session,
    other_teams: tuple[int, int, str],
    practitioner_login: Callable[[str | None], None],
) -> None:
    practitioner_login("south-essex")
    db.commit()
    bearer = {"Authorization": f"Bearer {accounts.create_api_token(db, 'south-essex', 'Ana')}"}
    db.commit()
    app.config["WTF_CSRF_ENABLED"] = False
    checked = []
    for rule, method in guarded_routes(app):
        if not rule.arguments:
            continue  # lists and "claim next" hold only the caller's own team
        url = url_for_rule(rule, *other_teams)
        headers = bearer if rule.rule.startswith("/api/") else {}
        response = client.open(url, method=method, headers=headers, json={"status": "contacted"})
        assert response.status_code == 404, (method, url, response.status_code)
        checked.append(rule.endpoint)
    assert {"queue.detail", "queue.document", "api.get_referral", "api.change_status"} <= set(
        checked
    )
