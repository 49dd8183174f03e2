"""Security headers: every page the gateway serves runs only our own files, cannot be framed
(the one-click "stop the urgent alerts" button included), leaks no address and is never
cached; the API and the chat's JSON are never cached; static files are; HSTS only over
https."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from tests.gateway.conftest import SmsPoster, make_referral, sms_params
from tests.gateway.test_queue_pages import referral_named
from webhooks import create_app
from webhooks.config import Settings
from webhooks.db import accounts, conversations, documents
from webhooks.documents.checks import CheckedFile
from webhooks.web.limits import limiter
from webhooks.web.security_headers import CONTENT_SECURITY_POLICY
from webhooks.web.services import services

Login = Callable[..., None]
TEMPLATES = Path(__file__).resolve().parents[2] / "webhooks" / "templates"
STOP_ALERTS = "I have this referral: stop the urgent alerts"
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
}
HSTS = "max-age=31536000; includeSubDomains"


def test_the_policy_allows_only_our_own_files_and_no_inline_script_or_style() -> None:
    directives = dict(d.split(" ", 1) for d in CONTENT_SECURITY_POLICY.split("; "))
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert "unsafe-eval" not in CONTENT_SECURITY_POLICY
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["connect-src"] == "'self'"
    assert directives["form-action"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["base-uri"] == "'none'"
    assert directives["object-src"] == "'none'"


def page_at(name: str, client: FlaskClient, db: Session, practitioner_login: Login) -> TestResponse:
    """One of the HTML pages the gateway serves, fetched as the person who would see it."""
    if name == "sign-in":
        return client.get("/login")
    if name == "chat":
        return client.get("/chat/south-essex")
    if name == "not found":
        return client.get("/nowhere")
    if name == "too many tries":
        return too_many_tries_page(client)
    practitioner_login("south-essex", lead=True)
    if name == "queue":
        make_referral(db, "south-essex")
        return client.get("/queue")
    if name == "referral":
        return client.get(f"/queue/{referral_named(db, 'Urgent Person', urgent=True).id}")
    if name == "conversation":
        asked = conversations.find_or_open_conversation(db, "south-essex", "voice", "CA-headers")
        asked.callback_requested = True
        db.commit()
        return client.get(f"/queue/conversations/{asked.id}")
    assert name == "audit"
    return client.get("/queue/audit")


def too_many_tries_page(client: FlaskClient) -> TestResponse:
    """The page the limiter answers with, from a route limited to one request: the app's
    own limiter and error handler, on a route no other test uses."""
    app = client.application

    def limited() -> str:
        return "ok"

    app.add_url_rule("/limited-for-headers", view_func=limiter.limit("1 per day")(limited))
    assert client.get("/limited-for-headers").status_code == 200
    return client.get("/limited-for-headers")


@pytest.mark.parametrize(
    "name",
    [
        "sign-in",
        "queue",
        "referral",
        "conversation",
        "audit",
        "chat",
        "not found",
        "too many tries",
    ],
)
def test_every_page_carries_the_headers(
    name: str, client: FlaskClient, db: Session, practitioner_login: Login
) -> None:
    response = page_at(name, client, db, practitioner_login)
    expected_status = {"not found": 404, "too many tries": 429}.get(name, 200)
    assert response.status_code == expected_status
    assert response.mimetype == "text/html"
    assert {header: response.headers.get(header) for header in PAGE_HEADERS} == PAGE_HEADERS
    # Over plain http a browser ignores HSTS; it is not sent.
    assert "Strict-Transport-Security" not in response.headers


def test_the_stop_the_alerts_button_is_on_a_page_no_site_can_frame(
    client: FlaskClient, db: Session, practitioner_login: Login
) -> None:
    practitioner_login("south-essex")
    response = client.get(f"/queue/{referral_named(db, 'Urgent Person', urgent=True).id}")
    assert STOP_ALERTS in response.get_data(as_text=True)
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"


def test_the_json_the_chat_and_the_api_answer_is_never_cached(
    client: FlaskClient, db: Session
) -> None:
    referral = make_referral(db, "south-essex")
    token = accounts.create_api_token(db, "south-essex")
    db.commit()
    bearer = {"Authorization": f"Bearer {token}"}
    page = client.get("/chat/south-essex").get_data(as_text=True)
    match = re.search(r'data-csrf="([^"]+)"', page)
    assert match
    answers = {
        "chat send": client.post(
            "/chat/south-essex/messages",
            json={"text": "hello"},
            headers={"X-CSRFToken": match.group(1)},
        ),
        "chat history": client.get("/chat/south-essex/messages"),
        "api list": client.get("/api/referrals", headers=bearer),
        "api referral": client.get(f"/api/referrals/{referral.id}", headers=bearer),
        "api refused": client.get("/api/referrals"),
    }
    for name, response in answers.items():
        assert response.mimetype == "application/json", name
        assert response.headers.get("Cache-Control") == "no-store", name
        assert response.headers.get("Pragma") == "no-cache", name
        assert response.headers.get("X-Content-Type-Options") == "nosniff", name
        assert response.headers.get("Referrer-Policy") == "no-referrer", name


def test_twilios_twiml_is_never_cached(post_sms: SmsPoster) -> None:
    response = post_sms(sms_params("hello"))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("path", ["/static/queue.css", "/static/chat.js", "/static/queue.js"])
def test_static_files_are_cached_as_usual(client: FlaskClient, path: str) -> None:
    with client.get(path) as response:
        assert response.status_code == 200
        assert "no-store" not in response.headers.get("Cache-Control", "")
        assert "Pragma" not in response.headers
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_downloaded_document_keeps_its_own_stricter_policy(
    client: FlaskClient, db: Session, practitioner_login: Login
) -> None:
    # A page's type, which the checks never let in: the case the download's own "sandbox"
    # is there for, and the only type the pages' policy would otherwise be added to.
    page = b"<!doctype html><script>alert(1)</script>"
    referral = make_referral(db, "south-essex")
    with client.application.test_request_context():
        cipher = services().documents
    checked = CheckedFile(page, "text/html", "page.html")
    document = documents.add_document(
        db, referral.conversation_id, "test/1", checked, cipher, referral.submitted_at
    )
    db.commit()
    practitioner_login("south-essex")
    response = client.get(f"/queue/{referral.id}/documents/{document.id}")
    assert response.data == page
    assert response.mimetype == "text/html"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers.getlist("Content-Security-Policy") == ["sandbox"]
    assert response.headers.getlist("Cache-Control") == ["no-store"]


def test_hsts_is_sent_over_https(client: FlaskClient) -> None:
    for path in ("/login", "/chat/south-essex", "/healthz"):
        response = client.get(path, base_url="https://localhost")
        assert response.headers.get("Strict-Transport-Security") == HSTS, path
    assert "Strict-Transport-Security" not in client.get("/login").headers


@pytest.fixture
def app_behind_https(settings: Settings) -> Iterator[Flask]:
    """The gateway as deployed behind a proxy that ends TLS: its public address is https,
    the requests it sees are plain http."""
    app = create_app(replace(settings, public_base_url="https://triage.example.nhs.uk"))
    yield app
    app.extensions["engine"].dispose()
    app.extensions["triage"].transports.http.close()


def test_hsts_is_sent_behind_a_proxy_when_the_public_address_is_https(
    app_behind_https: Flask,
) -> None:
    response = app_behind_https.test_client().get("/login")
    assert response.headers.get("Strict-Transport-Security") == HSTS


INLINE = {
    "an inline script": re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE),
    "a style element": re.compile(r"<style\b", re.IGNORECASE),
    "a style attribute": re.compile(r"<[^>]*\sstyle\s*=", re.IGNORECASE),
    "an event handler attribute": re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE),
    "a javascript: address": re.compile(r"javascript:", re.IGNORECASE),
}


def test_no_page_template_needs_unsafe_inline() -> None:
    templates = [
        TEMPLATES / "base.html",
        *sorted((TEMPLATES / "queue").glob("*.html")),
        *sorted((TEMPLATES / "chat").glob("*.html")),
    ]
    assert len(templates) > 5
    found = [
        f"{template.relative_to(TEMPLATES)}: {what}"
        for template in templates
        for what, pattern in INLINE.items()
        if pattern.search(template.read_text(encoding="utf-8"))
    ]
    assert found == []
