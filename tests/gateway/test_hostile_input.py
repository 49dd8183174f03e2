"""Hostile input, property-tested: every Twilio webhook, the queue's search and the API's.

Whatever arrives (odd encodings, controls and NUL bytes, 100 KB fields, missing and
repeated fields, unicode that cannot be encoded, script and SQL), the gateway never
answers with a server error, its TwiML always parses, a request Twilio did not sign is
always refused with 403, and the next person who texts or calls is answered as usual.

The database is not the point here: these run on SQLite only, whatever TEST_DATABASE_URL
says (see `database_url`).
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote, urlencode
from xml.etree import ElementTree

import pytest
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from tests.conftest import TWILIO_AUTH_TOKEN
from tests.gateway.conftest import make_referral, signed_post, sms_params
from tests.support.hostile import (
    HOSTILE,
    SCRIPT_PAYLOADS,
    SQL_PAYLOADS,
    RawForm,
    as_server_reads,
    assert_escaped,
    assert_json_answer,
    assert_twilio_answer,
    encodings,
    hostile_text,
    post_raw,
    signature_for,
    signed_raw_post,
    twilio_form,
)
from webhooks.db import accounts
from webhooks.db.models import Conversation, Message

SOUTH_ESSEX = "+441134960300"
SMS_FIELDS = (
    "Body",
    "From",
    "To",
    "MessageSid",
    "SmsSid",
    "AccountSid",
    "NumMedia",
    "MediaUrl0",
    "MediaContentType0",
    "ProfileName",
)
VOICE_FIELDS = ("CallSid", "From", "To", "SpeechResult", "Digits", "CallStatus", "Confidence")
ALERT_FIELDS = ("MessageSid", "MessageStatus", "ErrorCode", "To")
# Every route Twilio calls, with a query string where the TwiML we give it names one.
VOICE_ROUTES = (
    "/twilio/voice",
    "/twilio/voice/answer",
    "/twilio/voice/answer?attempt=1",
    "/twilio/voice/connect",
    "/twilio/voice/other-ways",
    "/twilio/voice/status",
    "/twilio/voice/put-through?to=team",
    "/twilio/voice/put-through?to=crisis",
    "/twilio/voice/after-dial",
)
TWILIO_ROUTES = ("/twilio/sms", *VOICE_ROUTES, "/twilio/alert-status")


@pytest.fixture
def database_url(migrated_sqlite: Path, tmp_path: Path) -> str:
    """SQLite only, and never skipped: input handling does not depend on the database."""
    database = tmp_path / "triage.db"
    shutil.copyfile(migrated_sqlite, database)
    return f"sqlite:///{database}"


def texts(response: TestResponse) -> list[str]:
    """Every Message and Say of a TwiML answer."""
    root = ElementTree.fromstring(response.data)
    return [element.text or "" for element in root.iter() if element.tag in ("Message", "Say")]


def a_text(client: FlaskClient, body: str = "hello") -> list[str]:
    """A plain text from a number never seen before, to South Essex: what it is told."""
    sender = f"+4479111{uuid.uuid4().int % 100000:05d}"
    response = signed_post(client, "/twilio/sms", sms_params(body, From=sender, To=SOUTH_ESSEX))
    assert response.status_code == 200
    return texts(response)


def a_call(client: FlaskClient) -> list[str]:
    """A call from a number never seen before, to South Essex: what it hears first."""
    params = {
        "CallSid": "CA" + uuid.uuid4().hex,
        "From": f"+4479112{uuid.uuid4().int % 100000:05d}",
        "To": SOUTH_ESSEX,
        "CallStatus": "ringing",
    }
    response = signed_post(client, "/twilio/voice", params)
    assert response.status_code == 200
    return texts(response)


# Of the examples a property test runs, at least one in ten must have got past the
# signature and the parsing into a conversation: else the test proves nothing.
MANY_KEPT = HOSTILE.max_examples // 10


def texts_kept(db: Session) -> int:
    db.rollback()  # end this session's read snapshot: see what the gateway committed
    return (
        db.scalar(
            select(func.count(Message.id))
            .join(Conversation)
            .where(Message.direction == "in", Conversation.channel.in_(["sms", "whatsapp"]))
        )
        or 0
    )


def calls_kept(db: Session) -> int:
    db.rollback()
    return (
        db.scalar(select(func.count(Conversation.id)).where(Conversation.channel == "voice")) or 0
    )


def sms_base(whatsapp: bool) -> dict[str, str]:
    """What Twilio posts for a plain text (or WhatsApp message) to South Essex, from a
    number of its own (one conversation per example keeps each as quick as the first)."""
    sender = f"+4479113{uuid.uuid4().int % 100000:05d}"
    if whatsapp:
        return sms_params("hello", From="whatsapp:" + sender, To="whatsapp:" + SOUTH_ESSEX)
    return sms_params("hello", From=sender, To=SOUTH_ESSEX)


def call_base() -> dict[str, str]:
    return {
        "CallSid": "CA" + uuid.uuid4().hex,
        "AccountSid": "AC" + "0" * 32,
        "From": "+447911123456",
        "To": SOUTH_ESSEX,
        "CallStatus": "in-progress",
        "SpeechResult": "yes",
        "Digits": "1",
    }


def alert_base() -> dict[str, str]:
    return {
        "MessageSid": "SM" + uuid.uuid4().hex,
        "MessageStatus": "undelivered",
        "ErrorCode": "30003",
        "To": "+447700900123",
    }


@st.composite
def sms_forms(draw: st.DrawFn) -> RawForm:
    """A text or WhatsApp message, made hostile, sent in some encoding."""
    base = sms_base(whatsapp=draw(st.booleans()))
    return draw(encodings(draw(twilio_form(base, SMS_FIELDS))))


def test_a_hostile_text_never_breaks_the_gateway_or_the_next_conversation(
    client: FlaskClient, db: Session
) -> None:
    before = a_text(client)

    @HOSTILE
    @given(form=sms_forms())
    def hostile_text_message(form: RawForm) -> None:
        assert_twilio_answer(signed_raw_post(client, "/twilio/sms", form))

    hostile_text_message()
    assert a_text(client) == before
    # Not all refused at the door: many went through a whole turn and were kept.
    assert texts_kept(db) >= MANY_KEPT, texts_kept(db)


def test_a_hostile_call_never_breaks_the_gateway_or_the_next_call(
    client: FlaskClient, db: Session
) -> None:
    before = a_call(client)

    @HOSTILE
    @given(route=st.sampled_from(VOICE_ROUTES), query=st.none() | query_value(), data=st.data())
    def hostile_call(route: str, query: tuple[str, str] | None, data: st.DataObject) -> None:
        if query is not None:
            # The query string our TwiML names (`attempt`, `to`), as anyone may rewrite it.
            route = route.split("?")[0] + "?" + urlencode([query])
        form = data.draw(encodings(data.draw(twilio_form(call_base(), VOICE_FIELDS))))
        response = signed_raw_post(client, route, form)
        assert_twilio_answer(response)
        if route.startswith("/twilio/voice/status"):
            # Twilio cannot act on an error here: always a plain success, unless the body
            # is too big to read at all (Twilio never sends one).
            assert response.status_code in (204, 413), response.status_code

    hostile_call()
    assert a_call(client) == before
    assert a_text(client)
    # Fewer than texts: only one route of the nine starts a call.
    assert calls_kept(db) >= MANY_KEPT // 3, calls_kept(db)


def query_value() -> st.SearchStrategy[tuple[str, str]]:
    return st.tuples(
        st.sampled_from(["attempt", "to", "x"]), hostile_text(max_size=30, surrogates=False)
    )


def test_a_hostile_alert_status_never_breaks_the_gateway(client: FlaskClient) -> None:
    @HOSTILE
    @given(data=st.data())
    def hostile_status(data: st.DataObject) -> None:
        form = data.draw(encodings(data.draw(twilio_form(alert_base(), ALERT_FIELDS))))
        response = signed_raw_post(client, "/twilio/alert-status", form)
        assert response.status_code < 500
        assert response.status_code in (204, 400), response.status_code

    hostile_status()
    assert a_text(client)


# Ways a request is not Twilio's: no signature, an empty one, junk, a signature made with
# another token, for another URL, or for other fields than those sent.
SIGNATURE_FAULTS = ("missing", "empty", "junk", "other_token", "other_url", "other_fields")


def wrong_signature(fault: str, path: str, form: RawForm, junk: str) -> str | None:
    """A signature header that must not pass for this request (None: no header)."""
    if fault == "missing":
        return None
    if fault == "empty":
        return ""
    if fault == "junk":
        return junk
    url, fields = as_server_reads(form, path)
    if fault == "other_token":
        return signature_for(url, fields, token="not-" + TWILIO_AUTH_TOKEN)
    if fault == "other_url":
        return signature_for(url + "/elsewhere", fields)
    changed = fields.copy()
    changed.add("Tampered", "yes")
    return signature_for(url, changed)


def test_a_request_twilio_did_not_sign_is_always_refused(client: FlaskClient) -> None:
    @HOSTILE
    @given(
        route=st.sampled_from(TWILIO_ROUTES),
        fault=st.sampled_from(SIGNATURE_FAULTS),
        # A header value is sent as Latin-1 by HTTP: junk is kept to what it can carry.
        junk=st.text(st.characters(max_codepoint=0xFF, exclude_categories=["Cc"]), min_size=1),
        data=st.data(),
    )
    def unsigned(route: str, fault: str, junk: str, data: st.DataObject) -> None:
        base = sms_base(whatsapp=False) if route == "/twilio/sms" else call_base()
        form = data.draw(encodings(data.draw(twilio_form(base, SMS_FIELDS + VOICE_FIELDS))))
        response = post_raw(client, route, form, wrong_signature(fault, route, form, junk))
        assert response.status_code == 403

    unsigned()
    assert a_text(client)


# Searches are cut here only to keep each example quick (a URL of a few KB).
SEARCH_CAP = 4000


def search_query() -> st.SearchStrategy[str]:
    """What may be typed, pasted or scripted into a search: text (some of it 100 KB, cut
    to SEARCH_CAP) or raw bytes, percent-encoded as they are (invalid UTF-8, NUL)."""
    typed = hostile_text(max_size=40, surrogates=False, huge=True).map(
        lambda text: "q=" + quote(text[:SEARCH_CAP].encode("utf-8"))
    )
    raw = st.binary(max_size=60).map(lambda raw: "q=" + _percent(raw))
    return typed | raw


def _percent(raw: bytes) -> str:
    return "".join(f"%{byte:02X}" for byte in raw)


def test_a_hostile_search_of_the_queue_is_answered_and_escaped(
    client: FlaskClient, db: Session, practitioner_login: Callable[..., None]
) -> None:
    make_referral(db, "south-essex", name=SCRIPT_PAYLOADS[0])
    practitioner_login("south-essex")

    @HOSTILE
    @given(query=search_query())
    def hostile_search(query: str) -> None:
        response = client.get("/queue?" + query)
        assert response.status_code < 500
        if response.status_code == 200:
            assert response.mimetype == "text/html"
            assert_escaped(response.get_data(as_text=True))
        else:
            # A filter that cannot be read goes back to the list, with a message.
            assert response.status_code == 302

    hostile_search()
    page = client.get("/queue", query_string={"q": SCRIPT_PAYLOADS[0]})
    assert page.status_code == 200
    assert_escaped(page.get_data(as_text=True))


def test_a_hostile_search_of_the_api_is_answered_in_json(client: FlaskClient, db: Session) -> None:
    make_referral(db, "south-essex", name=SQL_PAYLOADS[1])
    token = accounts.create_api_token(db, "south-essex", name="hostile input test")
    db.commit()
    bearer = {"Authorization": f"Bearer {token}"}
    filters = st.dictionaries(
        st.sampled_from(["q", "status", "page", "per_page", "channel", "owner", "urgent"]),
        hostile_text(max_size=20, surrogates=False).map(lambda value: value[:SEARCH_CAP]),
    ).map(lambda chosen: urlencode(chosen, errors="replace"))

    @HOSTILE
    @given(query=search_query() | filters)
    def hostile_search(query: str) -> None:
        response = client.get("/api/referrals?" + query, headers=bearer)
        assert_json_answer(response)
        assert response.status_code in (200, 400), response.status_code

    hostile_search()
    listed = client.get("/api/referrals", query_string={"q": "Robert"}, headers=bearer)
    assert listed.status_code == 200


def test_a_hostile_bearer_token_is_refused_in_json(client: FlaskClient) -> None:
    @HOSTILE
    @given(
        # A header is sent as Latin-1 by HTTP: the token is kept to what it can carry.
        value=st.text(st.characters(max_codepoint=0xFF, exclude_categories=["Cc"]), max_size=80),
        scheme=st.sampled_from(["", "Bearer ", "bearer  ", "Basic ", "Bearer Bearer "]),
    )
    def hostile_token(value: str, scheme: str) -> None:
        response = client.get(
            "/api/referrals", query_string={"q": "x"}, headers={"Authorization": scheme + value}
        )
        assert_json_answer(response)
        assert response.status_code == 401

    hostile_token()


# Found by the property tests above: each word of a search added one LIKE to one SQL
# expression, and SQLite refuses an expression more than 1000 deep, so a search of a
# thousand words (2 KB: within any server's limit on a URL) failed with a 500.
MANY_WORDS = "a " * 1000


def test_a_search_of_the_queue_of_a_thousand_words_is_answered(
    client: FlaskClient, practitioner_login: Callable[..., None]
) -> None:
    practitioner_login("south-essex")
    assert client.get("/queue", query_string={"q": MANY_WORDS}).status_code == 200


def test_a_search_of_the_api_of_a_thousand_words_is_answered(
    client: FlaskClient, db: Session
) -> None:
    token = accounts.create_api_token(db, "south-essex", name="hostile input test")
    db.commit()
    response = client.get(
        "/api/referrals",
        query_string={"q": MANY_WORDS},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200
