"""Documents: fetched from Twilio or uploaded in web chat, checked, kept encrypted, and
handed to the team that owns the referral, and no one else."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from twilio.request_validator import RequestValidator
from werkzeug.test import TestResponse

from tests.conftest import TWILIO_AUTH_TOKEN
from tests.fakes.twilio_api import FakeTwilio
from tests.gateway.conftest import ACCOUNT_SID, make_referral, sms_params
from tests.support.files import JPEG, PDF, PROGRAM
from tests.support.web_chat import bot_asks, csrf_token, say, upload
from webhooks.db import accounts, documents
from webhooks.db.models import Document, DocumentPart, Message
from webhooks.documents.checks import MAX_BYTES, CheckedFile
from webhooks.web.services import services

WHATSAPP = "whatsapp:+447911123456"
EMAIL = "community.liaisonanddiversion@nhs.net"


def texts(response: TestResponse) -> list[str]:
    return re.findall(r"<Message>(.*?)</Message>", response.get_data(as_text=True), re.S)


def whatsapp_with_files(twilio: FakeTwilio, *files: tuple[str, bytes], body: str = "") -> dict:
    params = sms_params(body, From=WHATSAPP, NumMedia=str(len(files)))
    for index, (content_type, data) in enumerate(files):
        path = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/MM1/Media/ME{index}"
        params[f"MediaUrl{index}"] = twilio.add_media(path, content_type, data)
        params[f"MediaContentType{index}"] = content_type
    return params


def post_signed(app: Flask) -> Callable[[dict], TestResponse]:
    client = app.test_client()

    def post(params: dict) -> TestResponse:
        signature = RequestValidator(TWILIO_AUTH_TOKEN).compute_signature(
            "http://localhost/twilio/sms", params
        )
        return client.post("/twilio/sms", data=params, headers={"X-Twilio-Signature": signature})

    return post


def test_a_whatsapp_file_is_fetched_from_twilio_and_kept_encrypted(
    app_with_twilio_rest: Flask, twilio: FakeTwilio, db: Session
) -> None:
    params = whatsapp_with_files(twilio, ("application/pdf", PDF))
    [reply] = texts(post_signed(app_with_twilio_rest)(params))
    assert reply == (
        "Thank you, we have received your file. The team will see it with your referral."
    )
    [fetch] = twilio.fetched
    expected = base64.b64encode(f"{ACCOUNT_SID}:{TWILIO_AUTH_TOKEN}".encode()).decode()
    assert fetch.headers["Authorization"] == f"Basic {expected}"
    stored = db.scalars(select(Document)).one()
    assert (stored.filename, stored.content_type, stored.size_bytes) == (
        "whatsapp-1.pdf",
        "application/pdf",
        len(PDF),
    )
    assert stored.sha256 == hashlib.sha256(PDF).hexdigest()
    parts = db.scalars(select(DocumentPart.encrypted)).all()
    assert parts and all(b"%PDF" not in part for part in parts)
    with app_with_twilio_rest.app_context():
        assert b"".join(documents.contents(db, stored, services().documents)) == PDF


def test_a_retried_delivery_stores_its_files_once_and_answers_the_same(
    app_with_twilio_rest: Flask, twilio: FakeTwilio, db: Session
) -> None:
    post = post_signed(app_with_twilio_rest)
    params = whatsapp_with_files(twilio, ("image/jpeg", JPEG), ("application/pdf", PDF))
    first, again = texts(post(params)), texts(post(params))
    assert first == again
    assert first[:2] == [
        "Thank you, we have received file 1. The team will see it with your referral.",
        "Thank you, we have received file 2. The team will see it with your referral.",
    ]
    assert len(twilio.fetched) == 2
    assert db.scalars(select(Document.filename).order_by(Document.id)).all() == [
        "whatsapp-1.jpg",
        "whatsapp-2.pdf",
    ]


def test_a_program_sent_as_a_pdf_is_refused_in_plain_words(
    app_with_twilio_rest: Flask, twilio: FakeTwilio, db: Session
) -> None:
    params = whatsapp_with_files(twilio, ("application/pdf", PROGRAM))
    [reply] = texts(post_signed(app_with_twilio_rest)(params))
    assert reply.startswith("Sorry, we cannot take your file: please send a PDF")
    assert EMAIL in reply
    assert db.scalars(select(Document)).all() == []


def test_a_file_over_50_mb_is_refused(
    app_with_twilio_rest: Flask, twilio: FakeTwilio, db: Session
) -> None:
    too_big = PDF + b"\x00" * (MAX_BYTES + 1 - len(PDF))
    [reply] = texts(
        post_signed(app_with_twilio_rest)(whatsapp_with_files(twilio, ("application/pdf", too_big)))
    )
    assert reply.startswith("Sorry, your file is too big to send here: the limit is 50 MB")
    assert db.scalars(select(Document)).all() == []


def test_a_media_address_that_is_not_twilios_is_never_fetched(
    app_with_twilio_rest: Flask, twilio: FakeTwilio, db: Session
) -> None:
    elsewhere = f"http://127.0.0.1:1/{ACCOUNT_SID}/Media/ME0"
    params = sms_params("", From=WHATSAPP, NumMedia="1", MediaUrl0=elsewhere)
    [reply] = texts(post_signed(app_with_twilio_rest)(params))
    assert reply.startswith("Sorry, your file did not reach us. Please try sending it again.")
    assert twilio.fetched == []
    # The message itself is kept, so the team can see a file was tried.
    assert db.scalars(select(Message.body).where(Message.direction == "in")).one() == (
        "[1 attachment(s)]"
    )


def chat_asking_for_files(client: FlaskClient, db: Session) -> str:
    """A Together London web chat whose bot has just asked for documents; its CSRF token."""
    token = csrf_token(client, "together-london")
    say(client, "together-london", "hello", token)
    bot_asks(client, db, "together-london", "documents")
    return token


def test_web_chat_takes_a_file_and_names_it_in_the_transcript(
    client: FlaskClient, db: Session
) -> None:
    token = chat_asking_for_files(client, db)
    response = upload(client, "together-london", "../../risk assessment.pdf", PDF, token)
    assert response.status_code == 200
    [reply] = response.json["replies"]
    assert reply["text"].startswith("Thank you, we have received risk assessment.pdf.")
    stored = db.scalars(select(Document)).one()
    assert stored.filename == "risk assessment.pdf"
    history = client.get("/chat/together-london/messages").json["messages"]
    assert [m["text"] for m in history][-2:] == ["[file: risk assessment.pdf]", reply["text"]]


def test_web_chat_refuses_a_file_over_the_limit_without_reading_it(
    client: FlaskClient, db: Session
) -> None:
    token = chat_asking_for_files(client, db)
    too_big = PDF + b"\x00" * (MAX_BYTES + 2 * 1024 * 1024)
    response = upload(client, "together-london", "scan.pdf", too_big, token)
    assert response.status_code == 413
    assert response.json["error"] == "That file is too big: the limit is 50 MB a file."
    assert db.scalars(select(Document)).all() == []


def test_web_chat_refuses_an_upload_without_the_csrf_token(client: FlaskClient) -> None:
    client.get("/chat/together-london")
    assert upload(client, "together-london", "a.pdf", PDF, None).status_code == 400


def test_only_the_referrals_own_team_can_download_its_documents(
    client: FlaskClient, db: Session, practitioner_login: Callable[[str | None], None]
) -> None:
    referral = make_referral(db, "south-essex")
    with client.application.test_request_context():
        cipher = services().documents
    checked = CheckedFile(PDF, "application/pdf", "letter.pdf")
    document = documents.add_document(
        db, referral.conversation_id, "test/1", checked, cipher, referral.submitted_at
    )
    db.commit()
    path = f"/{referral.id}/documents/{document.id}"

    own = accounts.create_api_token(db, "south-essex")
    other = accounts.create_api_token(db, "together-london")
    db.commit()
    detail = client.get(f"/api/referrals/{referral.id}", headers={"Authorization": f"Bearer {own}"})
    [listed] = detail.json["documents"]
    assert listed["url"] == f"/api/referrals{path}"
    got = client.get(listed["url"], headers={"Authorization": f"Bearer {own}"})
    assert got.data == PDF
    assert got.headers["Content-Disposition"].startswith("attachment")
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    refused = client.get(listed["url"], headers={"Authorization": f"Bearer {other}"})
    assert refused.status_code == 404

    practitioner_login("together-london")
    assert client.get(f"/queue{path}").status_code == 404
    practitioner_login("south-essex")
    page = client.get(f"/queue/{referral.id}").get_data(as_text=True)
    assert "letter.pdf" in page
    assert client.get(f"/queue{path}").data == PDF


def test_with_the_database_down_a_file_is_not_said_to_have_arrived(
    app_without_database: Flask,
) -> None:
    client = app_without_database.test_client()
    token = csrf_token(client, "together-london")
    # The chat began before the database went down (its first message waits on disk).
    say(client, "together-london", "hello", token)
    response = upload(client, "together-london", "letter.pdf", PDF, token)
    said = [reply["text"] for reply in response.json["replies"]]
    assert "Sorry, letter.pdf did not reach us. Please try sending it again." in " ".join(said)
    assert not any(text.startswith("Thank you, we have received") for text in said)
