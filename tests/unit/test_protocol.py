"""The protocol between the bot and the gateway: what goes over the wire comes back the same,
junk is read as nothing, and a question from Rasa reaches the gateway with its id."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from flows.protocol import (
    PERSON,
    QUESTION,
    REFERRAL,
    RISK,
    GatewayMetadata,
    PersonLearnt,
    QuestionAsked,
    ReferralHandOver,
    RiskFound,
    SituationLearnt,
    read_payload,
)
from webhooks.core.rasa_client import BotMessage, RasaClient, _bot_message

METADATA = GatewayMetadata(
    team_id="south-essex",
    team_name="South Essex Liaison and Diversion",
    channel="sms",
    flow_id="south_essex",
    now="2026-11-24T10:00:00+00:00",
    documents=2,
    watch=("justice_status", "next_date"),
    answer_by=1796544008.5,
)
QUESTION_ASKED = QuestionAsked(
    id="referrer", kind="single", text="Who is this referral for?", options=("Myself", "Someone")
)
PAYLOADS = [
    QUESTION_ASKED,
    QuestionAsked(id="full_name", kind="text", text="What is your full name?"),
    QuestionAsked(id="review", kind="review", text="Is this right?", options=("Yes", "No")),
    RiskFound(category="self", source="risk_to_self", perspective="self"),
    RiskFound(category="from_others", source="nlu"),
    PersonLearnt(age=16),
    PersonLearnt(age=None),
    PersonLearnt(age=34, perspective="other"),
    ReferralHandOver({"flow_id": "south_essex", "outcome": "complete", "answers": []}),
    SituationLearnt(question="justice_status", value="in_custody"),
    SituationLearnt(question="next_date", value="2026-11-25"),
]


def test_the_kinds_are_the_keys_the_gateway_has_always_read() -> None:
    assert (REFERRAL, RISK, PERSON, QUESTION) == ("referral", "risk", "person", "question")


def test_metadata_comes_back_as_it_was_sent() -> None:
    assert GatewayMetadata.from_dict(json.loads(json.dumps(METADATA.to_dict()))) == METADATA


def test_metadata_is_a_flat_object_with_every_key() -> None:
    assert METADATA.to_dict() == {
        "team_id": "south-essex",
        "team_name": "South Essex Liaison and Diversion",
        "channel": "sms",
        "flow_id": "south_essex",
        "now": "2026-11-24T10:00:00+00:00",
        "documents": 2,
        "watch": ["justice_status", "next_date"],
        "answer_by": 1796544008.5,
    }


@pytest.mark.parametrize("raw", [None, "sms", 3, [], ["team_id"], {}, {"unknown": "key"}])
def test_metadata_that_is_not_an_object_reads_as_the_defaults(raw: object) -> None:
    assert GatewayMetadata.from_dict(raw) == GatewayMetadata()


def test_odd_metadata_values_take_their_defaults() -> None:
    odd = {
        "team_id": 7,
        "team_name": None,
        "channel": ["sms"],
        "flow_id": {"id": "x"},
        "now": "next Tuesday",
        "documents": True,
    }
    assert GatewayMetadata.from_dict(odd) == GatewayMetadata()
    assert GatewayMetadata.from_dict({"documents": -1, "now": 20261124}).documents == 0
    assert GatewayMetadata.from_dict({"documents": "2"}).documents == 0
    assert GatewayMetadata.from_dict({"answer_by": "soon"}).answer_by == 0.0
    assert GatewayMetadata.from_dict({"answer_by": True}).answer_by == 0.0
    assert GatewayMetadata.from_dict({"answer_by": -5}).answer_by == 0.0


@pytest.mark.parametrize("payload", PAYLOADS, ids=repr)
def test_every_payload_comes_back_as_it_was_sent(payload: Any) -> None:
    sent = json.loads(json.dumps(payload.to_payload()))
    assert read_payload(sent) == payload


def test_the_payloads_have_the_shapes_the_gateway_reads() -> None:
    assert QUESTION_ASKED.to_payload() == {
        "question": {
            "id": "referrer",
            "kind": "single",
            "text": "Who is this referral for?",
            "options": ["Myself", "Someone"],
        }
    }
    assert RiskFound("others", "risk_to_others", "other").to_payload() == {
        "risk": {"category": "others", "source": "risk_to_others", "perspective": "other"}
    }
    assert PersonLearnt(17).to_payload() == {"person": {"age": 17}}
    assert ReferralHandOver({"outcome": "dropped"}).to_payload() == {
        "referral": {"outcome": "dropped"}
    }


def test_optional_fields_may_be_left_out() -> None:
    assert read_payload({"question": {"id": "full_name", "text": "Name?"}}) == QuestionAsked(
        id="full_name", kind="", text="Name?"
    )
    assert read_payload({"risk": {"category": "self"}}) == RiskFound("self", "", "")
    assert read_payload({"person": {}}) == PersonLearnt(age=None)


@pytest.mark.parametrize(
    "custom",
    [
        {},
        {"something": "else"},
        {"question": None},
        {"question": "What is your name?"},
        {"question": {"text": "No id?"}},
        {"question": {"id": "", "text": "Empty id?"}},
        {"question": {"id": "full_name"}},
        {"question": {"id": 3, "text": "Number id?"}},
        {"question": {"id": "q", "text": "Hi", "options": "Yes"}},
        {"question": {"id": "q", "text": "Hi", "options": ["Yes", 2]}},
        {"question": {"id": "q", "text": "Hi", "kind": None}},
        {"risk": {"category": "everything"}},
        {"risk": {"category": None}},
        {"risk": ["self"]},
        {"person": 16},
        {"referral": "sent"},
        {"referral": None},
        {"risk": {"category": "self"}, "person": {"age": 16}},
    ],
    ids=json.dumps,
)
def test_junk_reads_as_nothing(custom: dict[str, Any]) -> None:
    assert read_payload(custom) is None


@pytest.mark.parametrize(
    ("custom", "read"),
    [
        ({"risk": {"category": "self", "source": 9}}, RiskFound("self", "", "")),
        ({"risk": {"category": "self", "perspective": "both"}}, RiskFound("self", "", "")),
        (
            {"risk": {"category": "others", "source": "q9", "perspective": None}},
            RiskFound("others", "q9", ""),
        ),
        ({"person": {"age": "16"}}, PersonLearnt(age=None)),
        ({"person": {"age": True}}, PersonLearnt(age=None)),
    ],
    ids=lambda value: json.dumps(value) if isinstance(value, dict) else repr(value),
)
def test_a_known_kind_with_odd_details_is_still_acted_on(
    custom: dict[str, Any], read: RiskFound | PersonLearnt
) -> None:
    # A risk is flagged on its category alone; an unreadable age is no known age.
    assert read_payload(custom) == read


def test_a_payload_that_is_not_an_object_reads_as_nothing() -> None:
    assert read_payload(["question"]) is None  # type: ignore[arg-type]


def test_rasas_question_reaches_the_gateway_as_text_buttons_and_its_id() -> None:
    message = _bot_message({"recipient_id": "c1", "custom": QUESTION_ASKED.to_payload()})
    assert message == BotMessage(
        text="Who is this referral for?",
        buttons=("Myself", "Someone"),
        question=QUESTION_ASKED,
    )
    assert message.custom == {}


def test_a_malformed_question_passes_through_as_it_came() -> None:
    odd = {"question": {"text": "No id"}}
    assert _bot_message({"custom": odd}) == BotMessage(custom=odd)


@contextmanager
def canned_rasa(reply: object) -> Iterator[tuple[str, list[object]]]:
    """Rasa's REST channel on a local port, answering every message with `reply`."""
    received: list[object] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            received.append(json.loads(body))
            encoded = json.dumps(reply).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(encoded)))
            self.end_headers()
            self.wfile.write(encoded)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", received
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_the_client_sends_the_metadata_and_reads_every_kind_of_reply() -> None:
    risk = RiskFound("self", "nlu").to_payload()
    reply = [
        {"recipient_id": "c1", "text": "Thank you."},
        {"recipient_id": "c1", "custom": risk},
        {"recipient_id": "c1", "custom": QUESTION_ASKED.to_payload()},
        {"recipient_id": "c1", "text": "Pick one", "buttons": [{"title": "A", "payload": "a"}]},
    ]
    with canned_rasa(reply) as (url, received):
        client = RasaClient(url, timeout_seconds=5)
        messages = client.send("c1", "hello", METADATA)
        client._http.close()
    [sent] = received
    assert isinstance(sent, dict)
    # Stamped with when the bot must have taken it: the client's time limit (5 s) from
    # now, less the second kept for the rest of the turn.
    answer_by = sent["metadata"].pop("answer_by")
    assert 3 < answer_by - time.time() <= 4
    assert sent == {
        "sender": "c1",
        "message": "hello",
        "metadata": {k: v for k, v in METADATA.to_dict().items() if k != "answer_by"},
    }
    assert messages == [
        BotMessage(text="Thank you."),
        BotMessage(custom=risk),
        BotMessage(
            text="Who is this referral for?", buttons=("Myself", "Someone"), question=QUESTION_ASKED
        ),
        BotMessage(text="Pick one", buttons=("a",)),
    ]


def test_a_perspective_that_is_not_self_or_other_is_not_known() -> None:
    assert read_payload({"person": {"age": 30, "perspective": "both"}}) == PersonLearnt(30, None)
