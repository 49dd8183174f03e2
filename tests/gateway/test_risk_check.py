"""Check, then act: what only the learned net reads is asked about first, on every channel.

Rasa is down in these tests (the gateway's own fixtures): the check needs nothing but the
gateway and its database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from flows import load_flows
from flows.protocol import PersonLearnt
from safety import assess_risk
from safety.learned.model import default_model
from tests.conftest import OPEN_HOURS
from tests.gateway.conftest import SmsPoster, make_referral, signed_post, sms_params
from tests.gateway.test_webchat import csrf_token
from tests.support.stored import message_saying
from webhooks import create_app
from webhooks.cli import main as triage
from webhooks.config import Settings
from webhooks.core.risk_check import CHECK_WAIT
from webhooks.core.spool import read_message, waiting
from webhooks.db import checks, conversations
from webhooks.db.models import Conversation, Message, Referral, RiskCheck, RiskFlag

# Read by the learned net alone (the preconditions below say so): checked, not acted on.
TIRED = "I can't see a way out of this anymore"
FOLLOWED = "he won't leave me alone and keeps turning up at my door"
WHATSAPP_LONDON = "whatsapp:+442079460100"


def bodies(twiml: bytes) -> list[str]:
    return [m.text or "" for m in ElementTree.fromstring(twiml).iter("Message")]


def only_the_net_reads(text: str, category: str) -> bool:
    found = default_model().add_to(assess_risk(text))
    return found.risk == "none" and found.ask == category


def mid_form(post_sms: SmsPoster, db: Session) -> str:
    """A text conversation whose last bot message asked the consent question; its words."""
    post_sms(sms_params("hello"))
    inbound = db.scalars(select(Message).where(Message.direction == "in")).one()
    question = load_flows()["south_essex"].question("consent_ld_team").ask.plain
    conversations.add_outbound(db, inbound, question, ["Yes", "No"], question_id="consent_ld_team")
    db.commit()
    return question


def test_what_only_the_net_reads_is_checked_with_the_contacts_and_nothing_is_flagged(
    post_sms: SmsPoster, db: Session
) -> None:
    assert only_the_net_reads(TIRED, "self")
    replies = bodies(post_sms(sms_params(TIRED)).data)
    [check] = [reply for reply in replies if "Can I check" in reply]
    # The contacts first, the question last, just before its options.
    assert check.endswith(
        "are you thinking about hurting yourself, or ending your life? Reply 1 for Yes, 2 for No."
    )
    for contact in ("999", "116 123", "SHOUT to 85258"):
        assert contact in check
    assert not any("marked your messages as urgent" in reply for reply in replies)
    assert db.scalars(select(RiskFlag)).all() == []
    asked = db.scalars(select(RiskCheck)).one()
    assert (asked.category, asked.answer) == ("self", None)


def test_a_yes_makes_it_urgent_with_everything_that_follows(
    post_sms: SmsPoster, db: Session
) -> None:
    referral = make_referral(db, "together-london")
    conversation = db.get(Conversation, referral.conversation_id)
    assert conversation is not None
    sender = conversation.contact_key
    db.rollback()  # reads below see what the gateway commits
    post_sms(sms_params(TIRED, From=sender))
    replies = bodies(post_sms(sms_params("yes", From=sender)).data)
    assert replies[0].startswith("I am sorry you are feeling like this")
    assert "I have marked your messages as urgent for the team." in replies
    flag = db.scalars(select(RiskFlag)).one()
    assert (flag.category, flag.message.body) == ("self", TIRED)
    assert flag.evidence["phrases"][-1] == "checked: yes"
    assert db.get(Referral, referral.id).urgent  # type: ignore[union-attr]
    assert db.scalars(select(RiskCheck.answer)).one() == "yes"


def test_a_no_carries_on_where_the_form_was_and_is_kept_as_checked(
    post_sms: SmsPoster, db: Session
) -> None:
    question = mid_form(post_sms, db)
    post_sms(sms_params(TIRED))
    replies = bodies(post_sms(sms_params("no")).data)
    assert replies[0].startswith("Thank you for telling me.")
    assert replies[-1].startswith(f"When you are ready, we can carry on. {question}")
    assert db.scalars(select(RiskFlag)).all() == []
    check = db.scalars(select(RiskCheck)).one()
    assert check.answer == "no" and check.answered_at is not None
    # The no was answered here, never passed on as an answer to the form (Rasa is down
    # here: a message passed on would be kept as pending).
    assert message_saying(db, "no").status == "answered"


@pytest.mark.parametrize(
    "reply",
    [
        "maybe",
        "I don't know",
        "why are you asking",
        "ok",
        "no point anymore",
        "nah im just done with everything",
    ],
)
def test_anything_but_a_clear_yes_or_a_plain_no_counts_as_yes(
    post_sms: SmsPoster, db: Session, reply: str
) -> None:
    question = mid_form(post_sms, db)
    post_sms(sms_params(TIRED))
    replies = bodies(post_sms(sms_params(reply)).data)
    assert replies[0].startswith("I was not sure of your answer, so to be safe")
    assert replies[-1].startswith(f"When you are ready, we can carry on. {question}")
    flag = db.scalars(select(RiskFlag)).one()
    assert flag.evidence["phrases"][-1] == "checked: unclear"


def test_risk_in_the_answer_itself_is_acted_on_once_and_the_form_carries_on(
    post_sms: SmsPoster, db: Session
) -> None:
    question = mid_form(post_sms, db)
    post_sms(sms_params(TIRED))
    replies = bodies(post_sms(sms_params("yes I want to kill myself")).data)
    assert sum("marked your messages as urgent" in reply for reply in replies) == 1
    # The form's question again, never the check that is now answered.
    assert replies[-1].startswith(f"When you are ready, we can carry on. {question}")
    assert db.scalars(select(RiskFlag.category)).all() == ["self"]
    assert db.scalars(select(RiskCheck.answer)).one() == "yes"
    # So the next "yes" answers the form (kept for Rasa, which is down here).
    db.rollback()  # reads below see what the gateway commits next
    post_sms(sms_params("yes"))
    assert message_saying(db, "yes").status == "pending"


def test_a_no_with_risk_of_another_kind_answers_the_check_no(
    post_sms: SmsPoster, db: Session
) -> None:
    post_sms(sms_params(TIRED))
    post_sms(sms_params("no but my partner hits me"))
    assert db.scalars(select(RiskFlag.category)).all() == ["from_others"]
    assert db.scalars(select(RiskCheck.answer)).one() == "no"


def test_risk_from_others_is_asked_about_in_its_own_words(post_sms: SmsPoster, db: Session) -> None:
    assert only_the_net_reads(FOLLOWED, "from_others")
    [check] = [r for r in bodies(post_sms(sms_params(FOLLOWED)).data) if "Can I check" in r]
    assert "is someone hurting you" in check and "0808 2000 247" in check


def test_a_check_left_unanswered_is_acted_on_by_the_worker(
    app: Flask, post_sms: SmsPoster, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    post_sms(sms_params(TIRED))
    settings = app.extensions["triage"].settings
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", settings.twilio_auth_token)
    monkeypatch.setenv("SECRET_KEY", "worker-test-secret")
    monkeypatch.setenv("TRIAGE_SPOOL_DIR", str(settings.spool_dir))
    early = OPEN_HOURS + CHECK_WAIT - timedelta(minutes=1)
    monkeypatch.setenv("TRIAGE_NOW", early.isoformat())
    assert CliRunner().invoke(triage, ["alerts", "--once"]).exit_code == 0
    assert db.scalars(select(RiskFlag)).all() == []  # still waiting for the answer
    late = OPEN_HOURS + CHECK_WAIT + timedelta(minutes=1)
    monkeypatch.setenv("TRIAGE_NOW", late.isoformat())
    done = CliRunner().invoke(triage, ["alerts", "--once"])
    assert done.exit_code == 0, done.output
    assert "1 risk check(s) not answered in time: treated as yes" in done.output
    db.rollback()  # a fresh read: what the other process committed
    flag = db.scalars(select(RiskFlag)).one()
    assert flag.evidence["phrases"][-1] == "checked: unanswered"
    assert db.scalars(select(RiskCheck.answer)).one() == "unanswered"


@pytest.mark.parametrize(
    ("reply", "said"),
    [("no", "I had already let the team know"), ("yes", "I am sorry you are feeling like this")],
)
def test_a_reply_after_the_wait_is_a_late_answer_never_a_form_answer(
    post_sms: SmsPoster, db: Session, settings: Settings, reply: str, said: str
) -> None:
    question = mid_form(post_sms, db)
    post_sms(sms_params(TIRED))
    later = create_app(replace(settings, triage_now=OPEN_HOURS + CHECK_WAIT + timedelta(minutes=5)))
    try:
        replies = bodies(signed_post(later.test_client(), "/twilio/sms", sms_params(reply)).data)
    finally:
        later.extensions["engine"].dispose()
        later.extensions["triage"].transports.http.close()
    assert said in replies[0]
    assert replies[-1].startswith(f"When you are ready, we can carry on. {question}")
    flag = db.scalars(select(RiskFlag)).one()  # flagged once, when it went unanswered
    assert flag.evidence["phrases"][-1] == "checked: unanswered"
    assert message_saying(db, reply).status == "answered"


def test_a_check_is_closed_once_whoever_comes_first(post_sms: SmsPoster, db: Session) -> None:
    post_sms(sms_params(TIRED))
    check = db.scalars(select(RiskCheck)).one()
    assert checks.close_check(db, check, "unanswered", OPEN_HOURS)
    assert not checks.close_check(db, check, "no", OPEN_HOURS)
    assert check.answer == "unanswered"


def test_on_whatsapp_the_check_is_asked_and_answered_alike(
    post_sms: SmsPoster, db: Session
) -> None:
    sender = {"From": "whatsapp:+447911123456", "To": WHATSAPP_LONDON}
    check = bodies(post_sms(sms_params(TIRED, **sender)).data)
    assert any("Can I check" in reply for reply in check)
    replies = bodies(post_sms(sms_params("2", **sender)).data)
    assert replies[0].startswith("Thank you for telling me.")
    assert db.scalars(select(RiskCheck.answer)).one() == "no"


def test_in_the_web_chat_the_check_offers_yes_and_no_buttons(
    client: FlaskClient, db: Session
) -> None:
    token = csrf_token(client, "south-essex")

    def send(text: str) -> list[dict[str, object]]:
        response = client.post(
            "/chat/south-essex/messages", json={"text": text}, headers={"X-CSRFToken": token}
        )
        assert response.json is not None
        replies: list[dict[str, object]] = response.json["replies"]
        return replies

    [check] = [r for r in send(TIRED) if "Can I check" in str(r["text"])]
    assert check["options"] == ["Yes", "No"]
    send("Yes")
    assert db.scalars(select(RiskFlag.category)).all() == ["self"]


CALL = "CA" + "7" * 32


def call_params(**extra: str) -> dict[str, str]:
    return {"CallSid": CALL, "From": "+447911123456", "To": "+441214960200", **extra}


def spoken_check(client: FlaskClient) -> str:
    signed_post(client, "/twilio/voice", call_params(CallStatus="ringing"))
    return signed_post(client, "/twilio/voice/answer", call_params(SpeechResult=TIRED)).get_data(
        as_text=True
    )


def test_a_caller_hears_the_check_and_can_answer_by_keypad(
    client: FlaskClient, db: Session
) -> None:
    heard = spoken_check(client)
    assert "Can I check" in heard and "<Gather" in heard and "press 1" in heard
    after = signed_post(client, "/twilio/voice/answer", call_params(Digits="1"))
    # A yes: the contacts, and the offer to be put through to the crisis line.
    assert 'action="/twilio/voice/connect"' in after.get_data(as_text=True)
    assert db.scalars(select(RiskFlag.category)).all() == ["self"]


def test_a_caller_can_answer_no_by_speech_and_carry_on(client: FlaskClient, db: Session) -> None:
    spoken_check(client)
    after = signed_post(client, "/twilio/voice/answer", call_params(SpeechResult="No."))
    assert "Thank you for telling me." in after.get_data(as_text=True)
    assert db.scalars(select(RiskFlag)).all() == []
    assert db.scalars(select(RiskCheck.answer)).one() == "no"


def test_a_caller_who_hangs_up_on_the_check_is_treated_as_a_yes(
    client: FlaskClient, db: Session
) -> None:
    spoken_check(client)
    signed_post(client, "/twilio/voice/status", call_params(CallStatus="completed"))
    flag = db.scalars(select(RiskFlag)).one()
    assert flag.evidence["phrases"][-1] == "checked: unanswered"


def test_without_the_database_what_the_net_reads_gets_the_contacts_and_is_kept_as_risk(
    app_without_database: Flask, settings: Settings
) -> None:
    client = app_without_database.test_client()
    replies = bodies(signed_post(client, "/twilio/sms", sms_params(TIRED)).data)
    assert replies[0].startswith("I am sorry you are feeling like this")
    [kept] = [read_message(path) for path in waiting(settings.spool_dir)]
    assert kept.risk_categories == ["self"]
    assert kept.risk_evidence[-1] == "checked: not asked, the database was down"


def test_the_practitioner_sees_each_check_and_its_answer(
    client: FlaskClient,
    post_sms: SmsPoster,
    db: Session,
    practitioner_login: Callable[[str | None], None],
) -> None:
    referral = make_referral(db, "together-london")
    sender = db.get(Conversation, referral.conversation_id).contact_key  # type: ignore[union-attr]
    db.rollback()
    post_sms(sms_params(TIRED, From=sender))
    post_sms(sms_params("no", From=sender))
    practitioner_login("together-london")
    page = client.get(f"/queue/{referral.id}").get_data(as_text=True)
    assert "Checked with the person" in page
    assert "Asked about hurting themselves after &ldquo;I can&#39;t see a way out" in page
    assert "<strong>No</strong>" in page


def test_someone_referring_another_person_is_asked_about_them(
    post_sms: SmsPoster, db: Session, from_flow: Callable[[dict[str, object]], list[object]]
) -> None:
    # The flow says a professional is referring someone (its first question answered).
    from_flow(PersonLearnt(age=None, perspective="other").to_payload())
    client_words = "my client told me he can't see a way out of this anymore"
    replies = bodies(post_sms(sms_params(client_words, To="+441134960300")).data)
    [check] = [reply for reply in replies if "Can I check" in reply]
    assert "is the person you are referring thinking about hurting themselves" in check
    replies = bodies(post_sms(sms_params("yes", To="+441134960300")).data)
    assert not any("I am sorry you are feeling like this" in reply for reply in replies)
    assert "I have marked your messages as urgent for the team." in replies
    assert db.scalars(select(RiskFlag.category)).all() == ["self"]
