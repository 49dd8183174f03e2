"""One decorator validates `X-Twilio-Signature` on every Twilio route."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar, cast

from flask import abort, current_app, request
from twilio.request_validator import RequestValidator

log = logging.getLogger(__name__)
View = TypeVar("View", bound=Callable[..., Any])


def public_url() -> str:
    """The URL Twilio called: behind a proxy, PUBLIC_BASE_URL plus the path and query."""
    base = current_app.config["TRIAGE"].public_base_url
    if base is None:
        return request.url
    query = request.query_string.decode("utf-8")
    return f"{base}{request.path}" + (f"?{query}" if query else "")


def validate_twilio_request(view: View) -> View:
    """Reject (403) any request whose signature does not match TWILIO_AUTH_TOKEN."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        validator = RequestValidator(current_app.config["TRIAGE"].twilio_auth_token)
        signature = request.headers.get("X-Twilio-Signature", "")
        if not signature or not validator.validate(public_url(), request.form, signature):
            log.warning("rejected a Twilio request with a bad or missing signature")
            abort(403)
        return view(*args, **kwargs)

    return cast(View, wrapper)
