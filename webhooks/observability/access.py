"""A request id for every request, and one access line and metric per request.

The id is the caller's `X-Request-Id` when well formed (a proxy in front may have set
one), else a new one; it is sent back on the response and stamped on every log line
written while the request is handled. The access line names the route's rule
(`/chat/<team_id>/messages`), never the path or query string, which could carry a number.
"""

from __future__ import annotations

import logging
import time

from flask import Flask, Response, g, request

from webhooks.observability import logs, metrics

HEADER = "X-Request-Id"
log = logging.getLogger("webhooks.access")


def init_app(app: Flask) -> None:
    """Register the hooks on `app`."""
    app.before_request(_start)
    app.after_request(_finish)
    app.teardown_request(_unbind)


def _start() -> None:
    g.request_id = logs.accept_request_id(request.headers.get(HEADER))
    g.request_id_token = logs.bind_request_id(g.request_id)
    g.request_started = time.perf_counter()


def _finish(response: Response) -> Response:
    # Before the request's hooks ran (a request refused earlier) there is nothing to log.
    if "request_id" not in g:
        return response
    seconds = time.perf_counter() - g.request_started
    route = request.url_rule.rule if request.url_rule is not None else "unmatched"
    response.headers[HEADER] = g.request_id
    metrics.observe_request(route, request.method, response.status_code, seconds)
    log.info(
        "%s %s %d",
        request.method,
        route,
        response.status_code,
        extra={
            "route": route,
            "method": request.method,
            "status": response.status_code,
            "duration_ms": round(seconds * 1000, 1),
        },
    )
    return response


def _unbind(_error: BaseException | None) -> None:
    token = g.pop("request_id_token", None)
    if token is not None:
        logs.unbind_request_id(token)
