"""The Flask app: create_app configures and registers; the blueprints live beside it."""

from __future__ import annotations

import os
from datetime import timedelta

from flask import Flask, abort, request
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from flows import load_flows
from flows.choices import offered_words
from safety.learned.model import default_model
from webhooks.config import Settings, settings_from_env
from webhooks.core.alerts import build_transports
from webhooks.core.questions import QuestionBook
from webhooks.core.rasa_client import RasaClient
from webhooks.db import crypto
from webhooks.db.engine import init_app as init_db
from webhooks.db.engine import make_engine
from webhooks.documents.checks import MAX_BYTES
from webhooks.documents.cipher import DocumentCipher
from webhooks.observability import access, logs
from webhooks.teams import load_teams
from webhooks.twilio.media import TWILIO_API, MediaFetcher
from webhooks.web import alert_status, formatting, limits, security_headers
from webhooks.web.api import fhir as api_fhir
from webhooks.web.api import referrals as api_referrals
from webhooks.web.channels import sms, voice, webchat
from webhooks.web.queue import auth, views
from webhooks.web.services import Services
from webhooks.web.status import bp as status_bp
from webhooks.wording import Wording

csrf = CSRFProtect()


def create_app(settings: Settings | None = None) -> Flask:
    """Build the gateway; settings come from the environment unless given."""
    settings = settings or settings_from_env(os.environ)
    # JSON lines unless LOG_FORMAT=text; a no-op under gunicorn (its config set the format)
    # and under pytest (its capture keeps log lines readable).
    logs.configure(os.environ.get("LOG_FORMAT", "json").strip() or "json")
    # Named for the package, whose templates/ and static/ the pages use.
    app = Flask("webhooks")
    app.config.update(
        SECRET_KEY=settings.secret_key,
        TRIAGE=settings,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=bool(
            settings.public_base_url and settings.public_base_url.startswith("https://")
        ),
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        WTF_CSRF_TIME_LIMIT=None,
        # Flask-WTF's strict check wants a Referer on every form posted over https, and
        # pages send none (Referrer-Policy: no-referrer); the CSRF token and the SameSite
        # cookie protect the forms.
        WTF_CSRF_SSL_STRICT=False,
        CHAT_RATE_LIMITS=dict(settings.chat_rate_limits),
        # A document may be 50 MiB; the form around it adds a little.
        MAX_CONTENT_LENGTH=MAX_BYTES + 1024 * 1024,
    )
    # Personal data is encrypted at rest with these keys (webhooks/db/crypto.py).
    crypto.configure(settings.data_keys, settings.lookup_key)
    transports = build_transports(settings)
    flows = load_flows(data_dir=settings.data_dir).values()
    app.extensions["triage"] = Services(
        settings=settings,
        teams=load_teams(settings.data_dir / "teams"),
        wording=Wording.load(settings.data_dir / "messages.yml"),
        rasa=RasaClient(settings.rasa_url, settings.rasa_timeout_seconds),
        transports=transports,
        questions=QuestionBook.from_flows(flows),
        choices=offered_words(flows),
        documents=DocumentCipher.from_secrets(
            settings.document_keys, settings.data_keys, settings.secret_key
        ),
        media=MediaFetcher(
            http=transports.http,
            api_base=settings.twilio_api_base_url or TWILIO_API,
            auth=(settings.twilio_account_sid, settings.twilio_auth_token)
            if settings.twilio_account_sid
            else None,
        ),
    )
    init_db(app, make_engine(settings.database_url))
    if settings.trusted_proxies:
        # The person's address and scheme as the proxy saw them (rate limits, HSTS).
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=settings.trusted_proxies, x_proto=settings.trusted_proxies
        )
    # Load the safety net's second net now (setup trained it), not on someone's first message;
    # a missing or stale model stops start-up with the command that trains it.
    default_model()
    # First of the request hooks: every log line of a request, a refused one too, has its id.
    access.init_app(app)
    # Before the CSRF check, which fails with a 500 on a form field with no name.
    app.before_request(_refuse_nameless_form_fields)
    csrf.init_app(app)
    limits.init_app(app)
    security_headers.init_app(app)
    formatting.init_app(app)
    auth.login_manager.init_app(app)
    blueprints = (status_bp, sms.bp, voice.bp, alert_status.bp, webchat.bp, auth.bp, views.bp)
    for blueprint in (*blueprints, api_referrals.bp, api_fhir.bp):
        app.register_blueprint(blueprint)
    # Twilio signs its requests instead; bearer tokens are not sent by browsers.
    csrf.exempt(sms.bp)
    csrf.exempt(voice.bp)
    csrf.exempt(alert_status.bp)
    csrf.exempt(api_referrals.bp)
    csrf.exempt(api_fhir.bp)
    return app


def _refuse_nameless_form_fields() -> ResponseReturnValue | None:
    # A multipart part without a name reaches the form as the key None: no browser sends
    # one, and the CSRF check cannot read such a form.
    if request.mimetype != "multipart/form-data" or (
        None not in request.form and None not in request.files
    ):
        return None
    if request.path.startswith(("/chat/", "/api/")):
        # The web chat's script reads every answer as JSON.
        return {"error": "That form could not be read."}, 400
    abort(400)
