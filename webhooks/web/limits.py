"""Request throttling (Flask-Limiter): one limiter for the app, its counts kept in Redis when
REDIS_URL is set (shared by every gateway worker) and in memory otherwise.

Routes opt in with `limiter.limit(...)`; nothing is limited by default, because Twilio's
webhooks and a practitioner's queue page must never be refused for being busy.
"""

from __future__ import annotations

import os

from flask import Flask, render_template, request
from flask.typing import ResponseReturnValue
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address

from webhooks.web.services import services

limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)


def init_app(app: Flask) -> None:
    """Attach the limiter, with Redis storage when REDIS_URL is set."""
    redis_url = os.environ.get("REDIS_URL", "").strip()
    app.config.setdefault("RATELIMIT_STORAGE_URI", redis_url or "memory://")
    # A Redis that is down must not lock everyone out of signing in or of the web chat:
    # the limiter then counts in memory until Redis answers again.
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    limiter.init_app(app)
    if app.config["RATELIMIT_STORAGE_URI"] == "memory://":
        # One limiter serves every app in a process; an app made afresh (a test, a worker
        # restarted) starts with its own counts rather than another app's.
        limiter.reset()
    app.register_error_handler(RateLimitExceeded, _too_many)


def _too_many(_error: RateLimitExceeded) -> ResponseReturnValue:
    # JSON callers (the web chat, the API) get JSON; a browser gets a page in plain words.
    if request.is_json or request.path.startswith(("/chat/", "/api/")):
        return {"error": services().wording.say("too_many_tries")}, 429
    return render_template("queue/too_many.html"), 429
