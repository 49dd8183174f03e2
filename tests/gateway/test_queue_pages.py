"""The queue pages a team works from: the list's live rows, the CSV of the filtered list,
the audit page and its CSV, and the referral page read top to bottom (and printed)."""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import OPEN_HOURS
from tests.gateway.conftest import make_referral
from tests.gateway.test_time_critical import referral_saying
from webhooks.db import accounts, conversations, referrals, risks
from webhooks.db.models import AuditEvent, Referral
from webhooks.web.queue.reading import section_titles

Login = Callable[..., None]
# A summer afternoon: London is an hour ahead of UTC.
SUMMER = datetime(2026, 7, 14, 13, 5, tzinfo=UTC)
NUMBERS = itertools.count(1)


def referral_named(
    db: Session,
    name: str,
    *,
    urgent: bool = False,
    team_id: str = "south-essex",
    scores: list[dict[str, object]] | None = None,
) -> Referral:
    """A committed referral with a name and a date of birth, sent on a summer afternoon."""
    conversation = conversations.find_or_open_conversation(
        db, team_id, "sms", f"+4479112{next(NUMBERS):05d}"
    )
    if urgent:
        message = conversations.add_inbound(db, conversation, "I want to END my life", None)
        db.flush()
        risks.add_risk_flags(db, message, ["self"], ["end my life"], SUMMER)
    answers = [("full_name", "text", name), ("date_of_birth", "date", "1990-01-02")]
    referral = referrals.create_referral(
        db,
        conversation,
        {
            "flow_id": "south_essex",
            "flow_version": 1,
            "answers": [
                {"question_id": q, "kind": k, "label": q, "prompt": q, "value": v, "display": v}
                for q, k, v in answers
            ],
            "scores": scores or [],
        },
        at=SUMMER,
    )
    db.commit()
    return referral


def audit_actions(db: Session) -> list[tuple[str, int | None, Any]]:
    db.rollback()  # see what the gateway committed since this session last read
    entries = db.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    return [(entry.action, entry.referral_id, entry.detail) for entry in entries]


def read_csv(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def test_the_rows_route_answers_the_list_for_the_same_filters_and_is_not_audited(
    client: FlaskClient, db: Session, practitioner_login: Login
) -> None:
    urgent = referral_named(db, "Urgent Person", urgent=True)
    plain = referral_named(db, "Plain Person")
    practitioner_login("south-essex")
    before = len(audit_actions(db))
    response = client.get("/queue/rows?urgent=true")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    fragment = response.get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="referral-list" data-heading="Referrals (1)">')
    assert f'data-reference="{urgent.reference}" data-urgent="true"' in fragment
    assert plain.reference not in fragment
    assert "<html" not in fragment  # a fragment, not a page
    everyone = client.get("/queue/rows").get_data(as_text=True)
    assert plain.reference in everyone and 'data-heading="Referrals (2)"' in everyone
    assert len(audit_actions(db)) == before  # polls every 10 seconds: never audited
    assert client.get("/queue/rows?status=finished").status_code == 400


def test_the_list_page_polls_its_own_rows_and_has_an_assertive_live_region(
    client: FlaskClient, db: Session, practitioner_login: Login
) -> None:
    referral_named(db, "Someone")
    practitioner_login("south-essex")
    page = client.get("/queue?channel=sms&q=Someone").get_data(as_text=True)
    assert 'data-rows-url="/queue/rows?channel=sms&amp;q=Someone"' in page
    assert '<div id="referral-news" class="queue-news" aria-live="assertive"' in page
    assert 'data-urgent-words="New urgent referral"' in page
    assert "/static/queue-live.js" in page
    assert "<script>" not in page  # no inline script: a strict CSP can come later
    with client.get("/static/queue-live.js") as script:
        assert script.status_code == 200


def test_the_csv_export_holds_every_page_of_the_filtered_list_and_is_audited(
    client: FlaskClient, db: Session, practitioner_login: Login
) -> None:
    made = {referral_named(db, f"Person {n}").reference for n in range(55)}  # two pages of 50
    urgent = referral_named(db, "Urgent One", urgent=True)
    referral_named(db, "Their Person", team_id="together-london")
    practitioner_login("south-essex")
    response = client.get("/queue/export.csv?page=2")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="referrals-')
    assert response.headers["Cache-Control"] == "no-store"
    rows = read_csv(response.data)
    assert {row["reference"] for row in rows} == made | {urgent.reference}
    first = rows[0]  # urgent first, as the list
    assert first == {
        "reference": urgent.reference,
        "team": "south-essex",
        "channel": "sms",
        "sent_london": "2026-07-14 14:05",
        "status": "new",
        "owner": "",
        "urgent": "yes",
        "time_critical": "no",
        "name": "Urgent One",
        "age": "36",
        "justice": "",
        "next_date": "",
        "consent_withdrawn": "no",
        "closed_outcome": "",
    }
    only_urgent = read_csv(client.get("/queue/export.csv?urgent=true").data)
    assert [row["reference"] for row in only_urgent] == [urgent.reference]
    exports = [entry for entry in audit_actions(db) if entry[0] == "export"]
    assert [detail["rows"] for _, _, detail in exports] == [56, 1]
    assert exports[1][2]["filters"]["urgent"] is True
    assert exports[1][2]["format"] == "csv"


def test_the_csv_export_never_hands_a_spreadsheet_a_formula(
    client: FlaskClient, db: Session, practitioner_login: Login
) -> None:
    names = ['=HYPERLINK("http://x")', "+44 1", "-1+1", "@SUM(A1)", "Plain Name"]
    for name in names:
        referral_named(db, name)
    practitioner_login("south-essex")
    rows = read_csv(client.get("/queue/export.csv").data)
    assert sorted(row["name"] for row in rows) == sorted(
        ['\'=HYPERLINK("http://x")', "'+44 1", "'-1+1", "'@SUM(A1)", "Plain Name"]
    )


def test_a_bad_filter_on_the_export_is_a_clear_400(
    client: FlaskClient, practitioner_login: Login
) -> None:
    practitioner_login("south-essex")
    response = client.get("/queue/export.csv?channel=pigeon")
    assert response.status_code == 400
    assert b"channel must be one of" in response.data


def test_the_audit_page_lists_the_teams_entries_newest_first_and_is_itself_audited(
    client: FlaskClient, db: Session, practitioner_login: Login
) -> None:
    mine = referral_named(db, "Mine")
    theirs = referral_named(db, "Theirs", team_id="together-london")
    practitioner_login("south-essex", lead=True)
    client.get(f"/queue/{mine.id}")
    client.application.config["WTF_CSRF_ENABLED"] = False
    try:
        client.post(f"/queue/{mine.id}/claim")
    finally:
        client.application.config["WTF_CSRF_ENABLED"] = True
    page = " ".join(client.get("/queue/audit").get_data(as_text=True).split())
    claimed = page.index('data-action="claim"')
    viewed = page.index('data-action="view"')
    signed_in = page.index('data-action="sign_in"')
    assert claimed < viewed < signed_in  # newest first
    assert f'<a href="/queue/{mine.id}">{mine.reference}</a>' in page
    assert "Claimed" in page and "Opened the referral" in page and "Signed in" in page
    assert "Pat" in page and "127.0.0.1" in page
    assert theirs.reference not in page
    assert audit_actions(db)[-1][0] == "view_audit"


def test_the_audit_csv_has_every_entry_in_london_time_and_is_audited(
    client: FlaskClient, db: Session, practitioner_login: Login
) -> None:
    mine = referral_named(db, "Mine")
    practitioner_login("south-essex", lead=True)
    client.get(f"/queue/{mine.id}")
    response = client.get("/queue/audit.csv")
    assert response.headers["Content-Disposition"].startswith('attachment; filename="audit-')
    rows = read_csv(response.data)
    assert [row["action"] for row in rows] == ["view", "sign_in"]
    assert rows[0]["reference"] == mine.reference
    assert rows[0]["who"] == "Pat"
    assert rows[0]["address"] == "127.0.0.1"
    # The pinned clock is 10:00 UTC on 24 November: London is on GMT.
    assert rows[0]["at_london"] == "2026-11-24 10:00"
    assert audit_actions(db)[-1][0] == "export_audit"


def test_the_referral_page_reads_risk_first_then_contact_justice_scores_and_every_answer(
    client: FlaskClient, db: Session, practitioner_login: Login
) -> None:
    conversation = conversations.find_or_open_conversation(
        db, "south-essex", "sms", "+447911555000"
    )
    message = conversations.add_inbound(db, conversation, "I want to END my life", None)
    db.flush()
    risks.add_risk_flags(db, message, ["self"], ["end my life"], SUMMER)
    record = referral_saying(justice_status="In police custody now")
    referral = referrals.create_referral(db, conversation, record, at=OPEN_HOURS)
    db.commit()
    practitioner_login("south-essex")
    page = " ".join(client.get(f"/queue/{referral.id}").get_data(as_text=True).split())
    assert "I want to <mark>END my life</mark>" in page
    assert "Custody, bail or remand status <mark>In police custody now</mark>" in page
    [avoid] = [answer for answer in referral.answers if answer.question_id == "contact_avoid"]
    order = [
        "Urgent: risk shown in the conversation",
        "Time-critical: see before the moment passes",
        "Who and how to contact",
        f"{avoid.label}:</strong> {avoid.display}",
        "Police and court",
        "Consent to share",
        'id="answers-heading">Answers</h2>',
        'id="history-heading">History</h2>',
    ]
    assert [page.index(words) for words in order] == sorted(page.index(w) for w in order)
    titles = section_titles()
    sections = {answer.section for answer in referral.answers}
    for section in sections:
        assert f'<h3 class="nhsuk-heading-s">{escape(titles[section])}</h3>' in page
    for answer in referral.answers:
        assert f'<dt class="nhsuk-summary-list__key">{escape(answer.label)}</dt>' in page


def test_the_referral_page_shows_each_score_with_its_band(
    client: FlaskClient, db: Session, practitioner_login: Login
) -> None:
    phq9 = {"id": "phq9", "label": "PHQ-9 score", "total": 12, "band": "Moderate"}
    gad7 = {"id": "gad7", "label": "GAD-7 score", "total": 4, "band": "Minimal"}
    referral = referral_named(
        db, "Scored", scores=[{**phq9, "complete": True}, {**gad7, "complete": False}]
    )
    practitioner_login("south-essex")
    page = " ".join(client.get(f"/queue/{referral.id}").get_data(as_text=True).split())
    assert 'PHQ-9 score</dt> <dd class="nhsuk-summary-list__value">12: Moderate</dd>' in page
    assert 'GAD-7 score</dt> <dd class="nhsuk-summary-list__value">4: Minimal (not every' in page


def test_the_referral_page_shows_times_in_london_time_in_summer(
    client: FlaskClient, db: Session, practitioner_login: Login
) -> None:
    referral = referral_named(db, "Summer Person")
    practitioner_login("south-essex")
    page = client.get(f"/queue/{referral.id}").get_data(as_text=True)
    assert "sent 14/07/2026 14:05 (London time)" in page


def test_every_queue_page_links_the_print_stylesheet_and_it_prints_no_controls(
    client: FlaskClient, db: Session, practitioner_login: Login
) -> None:
    referral = make_referral(db, "south-essex")
    practitioner_login("south-essex", lead=True)
    for path in (f"/queue/{referral.id}", "/queue", "/queue/audit"):
        page = client.get(path).get_data(as_text=True)
        assert '<link rel="stylesheet" href="/static/queue-print.css" media="print">' in page
    with client.get("/static/queue-print.css") as response:
        sheet = response.get_data(as_text=True)
    assert "@media print" in sheet
    # The selectors of the rule that leaves things off the paper.
    hidden = sheet.split("display: none !important")[0].rsplit("}", 1)[1]
    for selector in (".nhsuk-header", "form", "button", ".queue-no-print", ".queue-history"):
        assert selector in hidden


def test_the_queue_pages_load_the_design_system_from_the_gateway_itself(
    client: FlaskClient, db: Session, practitioner_login: Login
) -> None:
    practitioner_login("south-essex")
    page = client.get("/queue").get_data(as_text=True)
    assert '<link rel="stylesheet" href="/static/nhsuk/nhsuk-frontend.min.css">' in page
    assert 'class="nhsuk-header"' in page and 'class="nhsuk-skip-link"' in page
    assert "https://" not in page.split("<body>")[0]  # nothing fetched from elsewhere


def test_a_follow_up_is_closed_from_its_page_with_what_was_done(
    client: FlaskClient, db: Session, practitioner_login: Login
) -> None:
    asked = conversations.find_or_open_conversation(db, "south-essex", "voice", "CA-page")
    asked.callback_requested = True
    db.commit()
    conversation_id = asked.id
    practitioner_login("south-essex")
    assert "Also to contact (1)" in client.get("/queue").get_data(as_text=True)
    page = client.get(f"/queue/conversations/{conversation_id}").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    path = f"/queue/conversations/{conversation_id}/close"
    refused = client.post(path, data={"csrf_token": token, "note": " "}, follow_redirects=True)
    assert "Say what was done first." in refused.get_data(as_text=True)
    closed = client.post(path, data={"csrf_token": token, "note": "Called back: all well"})
    assert closed.headers["Location"] == "/queue"
    assert "Also to contact (0)" in client.get("/queue").get_data(as_text=True)
    page = " ".join(
        client.get(f"/queue/conversations/{conversation_id}").get_data(as_text=True).split()
    )
    assert "by Pat: &ldquo;Called back: all well&rdquo;" in page
    assert ("close_follow_up", None, {"conversation_id": conversation_id}) in audit_actions(db)


def test_only_a_team_lead_reads_the_audit(
    client: FlaskClient, db: Session, practitioner_login: Login
) -> None:
    practitioner_login("south-essex")
    assert client.get("/queue/audit").status_code == 403
    assert client.get("/queue/audit.csv").status_code == 403
    assert 'href="/queue/audit"' not in client.get("/queue").get_data(as_text=True)


def test_a_team_lead_reassigns_a_referral_and_the_history_says_so(
    client: FlaskClient, db: Session, practitioner_login: Login
) -> None:
    referral = referral_named(db, "Mine")
    sam = accounts.upsert_practitioner(db, "sam@example.nhs.uk", "Sam", "x", "south-essex")
    db.commit()
    practitioner_login("south-essex", lead=True)
    client.application.config["WTF_CSRF_ENABLED"] = False
    try:
        client.post(f"/queue/{referral.id}/assign", data={"practitioner_id": str(sam.id)})
    finally:
        client.application.config["WTF_CSRF_ENABLED"] = True
    page = " ".join(client.get(f"/queue/{referral.id}").get_data(as_text=True).split())
    assert "Owner: <strong>Sam</strong>" in page
    assert "Pat reassigned it: &ldquo;to Sam&rdquo;" in page


def test_a_practitioner_who_is_not_a_lead_cannot_reassign(
    client: FlaskClient, db: Session, practitioner_login: Login
) -> None:
    referral = referral_named(db, "Mine")
    practitioner_login("south-essex")
    client.application.config["WTF_CSRF_ENABLED"] = False
    try:
        response = client.post(f"/queue/{referral.id}/assign", data={"practitioner_id": "1"})
    finally:
        client.application.config["WTF_CSRF_ENABLED"] = True
    assert response.status_code == 403


def test_a_call_back_asked_after_a_referral_is_shown_in_the_list_and_on_the_referral(
    client: FlaskClient, db: Session, practitioner_login: Login
) -> None:
    referral = referral_named(db, "Rang Again")
    referral.conversation.callback_requested = True
    db.commit()
    practitioner_login("south-essex")
    listed = " ".join(client.get("/queue").get_data(as_text=True).split())
    assert "Asked for a call back" in listed
    assert f'<a href="/queue/{referral.id}">their referral</a>' in listed
    page = client.get(f"/queue/{referral.id}").get_data(as_text=True)
    assert "They asked for a call back" in page
    client.application.config["WTF_CSRF_ENABLED"] = False
    try:
        client.post(
            f"/queue/conversations/{referral.conversation_id}/close",
            data={"note": "Called back at 11"},
        )
    finally:
        client.application.config["WTF_CSRF_ENABLED"] = True
    assert "They asked for a call back" not in client.get(f"/queue/{referral.id}").get_data(
        as_text=True
    )


def test_a_referral_waiting_longer_than_the_teams_aim_is_marked_over_it(
    client: FlaskClient, db: Session, practitioner_login: Callable[[str | None], None]
) -> None:
    waiting = make_referral(db, "south-essex", name="Long Wait")
    waiting.submitted_at = OPEN_HOURS - timedelta(days=3)
    db.commit()
    practitioner_login("south-essex")
    page = " ".join(client.get("/queue").get_data(as_text=True).split())
    assert "(aim: 2 days)" in page  # South Essex's routine aim, from its file
    assert "Over the aim" in page
