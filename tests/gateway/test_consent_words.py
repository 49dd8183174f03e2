"""The referral page and the API show exactly what was agreed: each consent's name from
the team's file and the words the person was asked."""

from __future__ import annotations

import html
from collections.abc import Callable

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from flows import load_flows
from flows.record import referral_record
from flows.state import Context
from tests.conftest import OPEN_HOURS
from tests.gateway.conftest import FromFlow
from tests.support.engine_walk import walk_engine
from webhooks.db import accounts
from webhooks.db.models import Referral
from webhooks.dev.scripted import demo_answers

CONTEXT = Context(today=OPEN_HOURS.date(), now=OPEN_HOURS.isoformat())


def stored_referral(from_flow: FromFlow, db: Session) -> Referral:
    flow = load_flows()["south_essex"]
    final = list(walk_engine(flow, demo_answers("self"), CONTEXT))[-1]
    from_flow({"referral": referral_record(flow, final.answers, final.state, CONTEXT)})
    db.rollback()
    return db.scalars(select(Referral)).one()


def team_consent_question(recipient: str) -> tuple[str, str]:
    flow = load_flows()["south_essex"]
    [question] = [q for q in flow.questions if q.consent_for == recipient]
    return question.label, question.ask.plain


def test_the_page_names_each_consent_and_shows_the_words_asked(
    from_flow: FromFlow,
    db: Session,
    client: FlaskClient,
    practitioner_login: Callable[..., None],
) -> None:
    referral = stored_referral(from_flow, db)
    practitioner_login("south-essex")
    page = html.unescape(client.get(f"/queue/{referral.id}").get_data(as_text=True))
    label, words = team_consent_question("ld_team")
    assert label in page
    assert " ".join(words.split()) in " ".join(page.split())
    assert page.count("The words they were asked") == len(referral.consents)


def test_the_api_gives_each_consent_its_label_and_the_words_asked(
    from_flow: FromFlow, db: Session, client: FlaskClient
) -> None:
    referral = stored_referral(from_flow, db)
    token = accounts.create_api_token(db, "south-essex")
    db.commit()
    body = client.get(
        f"/api/referrals/{referral.id}", headers={"Authorization": f"Bearer {token}"}
    ).get_json()
    by_recipient = {consent["recipient"]: consent for consent in body["consents"]}
    label, words = team_consent_question("ld_team")
    assert by_recipient["ld_team"]["label"] == label
    assert by_recipient["ld_team"]["asked"] == words
    assert by_recipient["ld_team"]["given"] is True
