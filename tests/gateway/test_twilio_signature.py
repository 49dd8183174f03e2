"""Every Twilio route refuses a request that Twilio did not sign."""

from __future__ import annotations

from dataclasses import replace

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from twilio.request_validator import RequestValidator

from tests.conftest import TWILIO_AUTH_TOKEN
from tests.gateway.conftest import SmsPoster, sms_params
from webhooks.db.models import Message


def test_it_rejects_an_unsigned_request(client: FlaskClient, db: Session) -> None:
    response = client.post("/twilio/sms", data=sms_params("hello"))
    assert response.status_code == 403
    assert db.scalar(select(func.count()).select_from(Message)) == 0


def test_it_rejects_a_request_signed_with_another_token(post_sms: SmsPoster) -> None:
    assert post_sms(sms_params("hello"), token="someone-elses-token").status_code == 403


def test_it_rejects_a_tampered_body(client: FlaskClient, post_sms: SmsPoster) -> None:
    params = sms_params("hello")
    signed = post_sms(params)  # a genuine request gets through the check...
    assert signed.status_code == 200
    signature = RequestValidator(TWILIO_AUTH_TOKEN).compute_signature(
        "http://localhost/twilio/sms", params
    )
    tampered = dict(params, Body="something else", MessageSid="SM" + "1" * 32)
    response = client.post("/twilio/sms", data=tampered, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403


def test_it_rejects_a_signature_for_another_url(post_sms: SmsPoster) -> None:
    response = post_sms(sms_params("hello"), url="https://evil.example/twilio/sms")
    assert response.status_code == 403


def test_behind_a_proxy_it_checks_the_public_url(app: Flask, post_sms: SmsPoster) -> None:
    settings = app.config["TRIAGE"]
    app.config["TRIAGE"] = replace(settings, public_base_url="https://ld.example.org")
    params = sms_params("hello")
    assert post_sms(params).status_code == 403
    public = post_sms(sms_params("hello"), url="https://ld.example.org/twilio/sms")
    assert public.status_code == 200
