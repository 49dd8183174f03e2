"""One decorator for every Twilio route: check the signature, parse the form, find the team.

A view behind it receives the typed request and its team, never `request.form`.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Protocol, TypeVar

from flask import Response, request
from werkzeug.datastructures import MultiDict

from webhooks.teams import Team
from webhooks.twilio.request import BadTwilioRequest
from webhooks.twilio.signature import validate_twilio_request
from webhooks.web.services import services

log = logging.getLogger(__name__)


class AddressedToATeam(Protocol):
    """A parsed webhook: it names the number that was called or texted."""

    @property
    def to_number(self) -> str: ...


Parsed = TypeVar("Parsed", bound=AddressedToATeam)
TwilioView = Callable[[Parsed, Team], Response]


def twilio_webhook(
    parse: Callable[[MultiDict[str, str]], Parsed],
    no_team: Callable[[], Response],
    bad_request: Callable[[], Response] | None = None,
) -> Callable[[TwilioView[Parsed]], Callable[[], Response]]:
    """Wrap a view taking (parsed request, team); `no_team` answers a number no team uses.

    The signature is checked first (403 when it does not validate), so nothing is parsed
    or looked up for a forged request.
    """

    def decorate(view: TwilioView[Parsed]) -> Callable[[], Response]:
        @functools.wraps(view)
        def wrapper() -> Response:
            try:
                parsed = parse(request.form)
            except BadTwilioRequest as error:
                log.warning("unusable Twilio webhook: %s", error)
                if bad_request is not None:
                    return bad_request()
                return Response("Bad request", status=400, mimetype="text/plain")
            team = services().teams.by_number(parsed.to_number)
            if team is None:
                log.warning("a webhook for a number no team uses")
                return no_team()
            return view(parsed, team)

        return validate_twilio_request(wrapper)

    return decorate
