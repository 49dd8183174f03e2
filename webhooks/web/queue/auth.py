"""Practitioner sign-in with Flask-Login; passwords hashed by Werkzeug."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import LoginManager, UserMixin, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.security import check_password_hash
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired

from webhooks.db import accounts
from webhooks.db.engine import db_session
from webhooks.db.models import Practitioner

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Please sign in to see the queue."


class SignedInPractitioner(UserMixin):
    """The session's view of a practitioner: id, name and team scope only."""

    def __init__(self, practitioner: Practitioner) -> None:
        self.id = str(practitioner.id)
        self.name = practitioner.name
        self.team_id = practitioner.team_id


@login_manager.user_loader
def load_user(user_id: str) -> SignedInPractitioner | None:
    """Flask-Login's loader: the practitioner behind a session cookie."""
    if not user_id.isdigit():
        return None
    practitioner = db_session().get(Practitioner, int(user_id))
    return SignedInPractitioner(practitioner) if practitioner else None


class LoginForm(FlaskForm):
    """Email and password, with CSRF protection from Flask-WTF."""

    email = EmailField("Email", validators=[DataRequired()])
    password = PasswordField("Password", validators=[DataRequired()])


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """Sign in, then go where the practitioner was heading (only within this site)."""
    form = LoginForm()
    if form.validate_on_submit():
        practitioner = accounts.practitioner_by_email(db_session(), form.email.data or "")
        if practitioner and check_password_hash(
            practitioner.password_hash, form.password.data or ""
        ):
            login_user(SignedInPractitioner(practitioner))
            target = request.args.get("next", "")
            if not target.startswith("/") or target.startswith("//"):
                target = url_for("queue.index")
            return redirect(target)
        flash("That email and password do not match.")
    return render_template("queue/login.html", form=form)


@bp.post("/logout")
@login_required
def logout() -> ResponseReturnValue:
    """Sign out."""
    logout_user()
    return redirect(url_for("auth.login"))
