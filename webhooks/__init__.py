"""The gateway: Twilio webhooks, web chat, the practitioners' queue and its JSON API."""

from __future__ import annotations

import logging
import os
from datetime import timedelta

from flask import Flask
from flask_wtf.csrf import CSRFProtect

from flows import load_flows
from webhooks.alerts import build_transports
from webhooks.api import referrals as api_referrals
from webhooks.channels import sms, voice, webchat
from webhooks.config import Settings, settings_from_env
from webhooks.db.engine import init_app as init_db
from webhooks.db.engine import make_engine
from webhooks.queue import auth, views
from webhooks.rasa_client import RasaClient
from webhooks.risk_model import default_model
from webhooks.services import Services
from webhooks.status import bp as status_bp
from webhooks.teams import load_teams
from webhooks.wording import Wording

csrf = CSRFProtect()


def create_app(settings: Settings | None = None) -> Flask:
    """Build the gateway; settings come from the environment unless given."""
    settings = settings or settings_from_env(os.environ)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    app = Flask(__name__)
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
    )
    app.extensions["triage"] = Services(
        settings=settings,
        teams=load_teams(settings.data_dir / "teams"),
        wording=Wording.load(settings.data_dir / "messages.yml"),
        rasa=RasaClient(settings.rasa_url, settings.rasa_timeout_seconds),
        transports=build_transports(settings),
        questions=frozenset(
            wording
            for flow in load_flows().values()
            for question in flow.questions
            for wording in question.ask.all()
        ),
        needs_words=frozenset(
            wording
            for flow in load_flows().values()
            for question in flow.questions
            if question.kind == "text"
            for wording in question.ask.all()
        ),
    )
    init_db(app, make_engine(settings.database_url))
    default_model()  # train the safety net's second net now, not on someone's first message
    csrf.init_app(app)
    auth.login_manager.init_app(app)
    for blueprint in (status_bp, sms.bp, voice.bp, webchat.bp, auth.bp, views.bp, api_referrals.bp):
        app.register_blueprint(blueprint)
    # Twilio signs its requests instead; bearer tokens are not sent by browsers.
    csrf.exempt(sms.bp)
    csrf.exempt(voice.bp)
    csrf.exempt(api_referrals.bp)
    return app
