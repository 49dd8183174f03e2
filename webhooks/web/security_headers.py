"""Security headers on every response the gateway sends.

The queue and the web chat show health and criminal-justice details about vulnerable
people, so their pages must not run anything but our own files, must not be framed by
another site (the one-click "stop the urgent alerts" button could be clickjacked), must not
tell another site where the reader was, and must not be kept in a browser's or a proxy's
cache where the next person at a shared computer could find them.

Every page loads its script and style from /static only (no inline script, style or
style attribute), which is what lets the policy below leave out 'unsafe-inline'.

A header a view set itself is kept: a downloaded document carries its own stricter
"sandbox" policy (webhooks/web/download.py).
"""

from __future__ import annotations

from flask import Flask, Response, current_app, request

# Our own files only. 'none' for what the pages never use, so an injected <base>, <object>
# or frame of this page elsewhere is refused by the browser.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "object-src 'none'",
        "frame-ancestors 'none'",
    )
)

# Whatever the response: no guessing a type other than the one sent, and no address of a
# page (which may hold a referral number or a search for a name) sent on to anyone.
ON_EVERY_RESPONSE = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

# On pages: the policy, and X-Frame-Options for browsers too old for frame-ancestors.
ON_PAGES = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
}

# Pragma for HTTP/1.0 caches that do not read Cache-Control.
NOT_STORED = {
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
}

# A year, and every subdomain: once a browser has seen it, it never tries plain http.
STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"


def init_app(app: Flask) -> None:
    """Add the headers to every response `app` sends, error pages included."""
    app.after_request(add_headers)


def add_headers(response: Response) -> Response:
    """The headers this response should carry, where its view did not set them already."""
    wanted = dict(ON_EVERY_RESPONSE)
    if response.mimetype == "text/html":
        wanted.update(ON_PAGES)
    if not _is_static_file():
        wanted.update(NOT_STORED)
    if _served_over_https():
        wanted["Strict-Transport-Security"] = STRICT_TRANSPORT_SECURITY
    for name, value in wanted.items():
        response.headers.setdefault(name, value)
    return response


def _is_static_file() -> bool:
    # Everything else a view answers is kept out of caches: the queue, the API, the chat's
    # messages and documents, the sign-in page, Twilio's TwiML, and the chat page too, so
    # that "Back" after "Leave this site quickly" does not bring the conversation back from
    # the browser's cache. Static files are the same for everyone and are cached as usual.
    return request.endpoint == "static"


def _served_over_https() -> bool:
    # Behind a proxy that ends TLS the request itself looks like plain http; the public
    # address the service is configured with says how people reach it.
    public_base_url = current_app.config["TRIAGE"].public_base_url or ""
    return request.is_secure or public_base_url.startswith("https://")
