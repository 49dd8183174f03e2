"""Practitioner sign-in with Flask-Login; passwords hashed by Werkzeug.

Guessing is slowed three ways: Flask-Limiter counts wrong tries per address and per email,
the account itself locks after wrong passwords in a row (webhooks/db/sign_in.py), and an
unknown email costs the same work as a known one. A session lasts while it is used: it ends
after the idle timeout, and at once when its account is disabled, given a new password or
signed out everywhere (the session version in the cookie no longer matches the account's).
"""

from __future__ import annotations

import hashlib
import logging
import re
from urllib.parse import urlsplit

from flask import Blueprint, Response, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import (
    LoginManager,
    UserMixin,
    current_user,
    login_required,
    login_user,
    logout_user,
)
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired

from webhooks.db import accounts, audit, sign_in
from webhooks.db.engine import db_session
from webhooks.db.models import Practitioner
from webhooks.db.work import Actor
from webhooks.web.limits import limiter
from webhooks.web.services import services

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Please sign in to see the queue."
log = logging.getLogger(__name__)

# Flask-Limiter's counts: only refused tries count (a practitioner signing in and out all day
# is never slowed). Per email the same as the account lockout; per address more, since an
# office may share one address.
PER_ACCOUNT = "10 per 15 minutes"
PER_ADDRESS = "30 per 15 minutes"
# Keys in the session cookie (signed by SECRET_KEY, so not forgeable).
VERSION_KEY = "session_version"
SEEN_KEY = "last_seen"
# The last-seen time is rewritten at most this often, not on every request.
SEEN_RESOLUTION_SECONDS = 60
# Characters browsers and Werkzeug drop from a URL before following it ("/\t/evil.com" is
# "//evil.com" once the tab is gone).
_IGNORED_IN_URLS = re.compile(r"[\x00-\x20\x7f]")


class SignedInPractitioner(UserMixin):
    """The session's view of a practitioner: id, name and team scope only."""

    def __init__(self, practitioner: Practitioner) -> None:
        self.id = str(practitioner.id)
        self.name = practitioner.name
        self.team_id = practitioner.team_id
        self.is_lead = practitioner.role == "lead"
        # Who their claims, notes and steps are recorded as.
        self.actor = accounts.practitioner_actor(practitioner)


@login_manager.user_loader
def load_user(user_id: str) -> SignedInPractitioner | None:
    """Flask-Login's loader: the practitioner behind a session cookie, while that session
    is still valid (not idle too long, account enabled, same session version)."""
    practitioner = db_session().get(Practitioner, int(user_id)) if user_id.isdecimal() else None
    now = services().now().timestamp()
    idle_limit = services().settings.idle_timeout_minutes * 60
    seen = session.get(SEEN_KEY)
    if not isinstance(seen, (int, float)):
        seen = 0.0
    if (
        practitioner is None
        or practitioner.disabled_at is not None
        or session.get(VERSION_KEY) != practitioner.session_version
        or now - seen > idle_limit
    ):
        _forget_sign_in()
        return None
    if now - seen >= SEEN_RESOLUTION_SECONDS:
        session[SEEN_KEY] = now
    return SignedInPractitioner(practitioner)


def _forget_sign_in() -> None:
    # The cookie still names the account: drop it, so the next page asks to sign in.
    for key in ("_user_id", "_fresh", "_id", VERSION_KEY, SEEN_KEY):
        session.pop(key, None)


class LoginForm(FlaskForm):
    """Email and password, with CSRF protection from Flask-WTF."""

    email = EmailField("Email", validators=[DataRequired()])
    password = PasswordField("Password", validators=[DataRequired()])


def _email_key() -> str:
    # The email as typed, normalised and hashed: the limiter's store never holds it.
    email = str(request.form.get("email", "")).strip().lower()
    return "sign-in:" + hashlib.sha256(email.encode("utf-8")).hexdigest()


def _refused(response: Response) -> bool:
    # A signed-in practitioner is redirected; a refused one sees the form again.
    return response.status_code != 302


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(PER_ADDRESS, methods=["POST"], deduct_when=_refused)
@limiter.limit(PER_ACCOUNT, methods=["POST"], deduct_when=_refused, key_func=_email_key)
def login() -> ResponseReturnValue:
    """Sign in, then go where the practitioner was heading (only within this site)."""
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("queue/login.html", form=form)
    now = services().now()
    result = sign_in.check(db_session(), form.email.data or "", form.password.data or "", now)
    practitioner = result.practitioner
    actor = (
        accounts.practitioner_actor(practitioner)
        if practitioner
        else Actor("unknown", "Unknown email")
    )
    audit.record(
        db_session(),
        actor,
        "sign_in" if result.refused is None else "sign_in_refused",
        now,
        practitioner.team_id if practitioner else None,
        detail={"reason": result.refused.value} if result.refused else None,
        address=request.remote_addr,
    )
    db_session().commit()
    if result.refused is sign_in.Refusal.LOCKED:
        log.info("sign-in refused: account locked")
        return render_template("queue/too_many.html"), 429
    if result.refused is not None or practitioner is None:
        log.info("sign-in refused: %s", result.refused.value if result.refused else "unknown")
        flash("That email and password do not match.")
        return render_template("queue/login.html", form=form)
    # A fresh session: nothing from before sign-in carries over into the signed-in one.
    session.clear()
    login_user(SignedInPractitioner(practitioner))
    session[VERSION_KEY] = practitioner.session_version
    session[SEEN_KEY] = now.timestamp()
    return redirect(safe_next(request.args.get("next", "")))


def safe_next(target: str) -> str:
    """Where to go after signing in: a path on this site, else the queue."""
    cleaned = _IGNORED_IN_URLS.sub("", target).replace("\\", "/")
    parts = urlsplit(cleaned)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return url_for("queue.index")
    if parts.path.startswith("//"):
        return url_for("queue.index")
    return parts.path + (f"?{parts.query}" if parts.query else "")


@bp.post("/logout")
@login_required
def logout() -> ResponseReturnValue:
    """Sign out of this browser."""
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


@bp.post("/logout/everywhere")
@login_required
def logout_everywhere() -> ResponseReturnValue:
    """Sign out of every browser this account is signed in on (a lost phone, a shared PC)."""
    practitioner = db_session().get(Practitioner, int(current_user.id))
    if practitioner is not None:
        sign_in.end_sessions(db_session(), practitioner)
        audit.record(
            db_session(),
            current_user.actor,
            "sign_out_everywhere",
            services().now(),
            practitioner.team_id,
            address=request.remote_addr,
        )
        db_session().commit()
    logout_user()
    session.clear()
    flash("You are signed out on every device.")
    return redirect(url_for("auth.login"))
