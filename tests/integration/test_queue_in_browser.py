"""The practitioners' queue in a real browser (Debian's Chromium driven by Playwright), on
the running stack with the real Rasa model: a referral made by signed SMS appears in the
open list without a reload, one practitioner claims it while another is told who has it,
it is worked to a close, and every step is in the audit."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from tests.conftest import TWILIO_AUTH_TOKEN
from tests.integration.conftest import RunningStack
from tests.integration.walking import answer_until, referral_by_name, respondent
from webhooks.db import accounts
from webhooks.db.engine import make_engine
from webhooks.dev.simulator import SmsSimulator
from webhooks.web.formatting import london

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SOUTH_ESSEX = "+441134960300"
NAME = "Queue Browser"
PASSWORD = "a long practitioner password"
# The list asks for its rows every 10 seconds; allow two rounds.
LIVE_TIMEOUT_MS = 25_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: `make setup` installs Debian's chromium package")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def practitioner(stack: RunningStack, email: str, name: str, lead: bool = False) -> None:
    """A South Essex practitioner (a team lead with `lead`), straight into the stack's
    database."""
    engine = make_engine(stack.env["DATABASE_URL"])
    try:
        with Session(engine) as session:
            hashed = generate_password_hash(PASSWORD)
            accounts.upsert_practitioner(session, email, name, hashed, "south-essex", lead=lead)
            session.commit()
    finally:
        engine.dispose()


def signed_in(browser: Browser, stack: RunningStack, email: str) -> tuple[BrowserContext, Page]:
    """A browser of its own, signed in by keyboard as a practitioner would."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{stack.url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    expect(page).to_have_url(f"{stack.url}/queue")
    return context, page


def violations(page: Page) -> list[str]:
    """Every axe finding on the page as it stands, whatever its impact."""
    return [violation["id"] for violation in Axe().run(page).response["violations"]]


def text_of(page: Page) -> str:
    return " ".join(page.locator("main").inner_text().split())


def test_a_referral_by_text_is_seen_live_claimed_worked_closed_and_audited(
    stack: RunningStack, browser: Browser
) -> None:
    practitioner(stack, "alex.ash@example.nhs.uk", "Alex Ash", lead=True)  # reads the audit
    practitioner(stack, "bea.birch@example.nhs.uk", "Bea Birch")
    open_list = f"{stack.url}/queue?q={NAME.replace(' ', '+')}"
    context_a, alex = signed_in(browser, stack, "alex.ash@example.nhs.uk")
    context_b, bea = signed_in(browser, stack, "bea.birch@example.nhs.uk")
    for page in (alex, bea):
        page.goto(open_list)
        expect(page.get_by_text("No referrals match.")).to_be_visible()
    # Open before the referral is sent: the page must not reload, nor take the focus away.
    alex.evaluate("window.openedBeforeTheReferral = true")
    alex.get_by_label("Name, reference or phone").focus()

    person = SmsSimulator(stack.url, TWILIO_AUTH_TOKEN, "+447911400071", SOUTH_ESSEX)
    script = respondent("south-essex", "self", full_name=NAME)
    answer_until(person.send, script, person.send("hello"), stop_before="date_of_birth")
    replies = person.send("honestly I want to kill myself")  # urgent from here on
    _, last = answer_until(person.send, script, replies)
    assert last[0].startswith("Thank you. Everything you told me is with your referral")
    detail = referral_by_name(stack, "south-essex", NAME)
    reference = detail["reference"]
    assert detail["urgent"] is True

    row_link = alex.get_by_role("link", name=reference)
    expect(row_link).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    assert alex.evaluate("window.openedBeforeTheReferral") is True  # no reload
    expect(alex.locator("#referral-news")).to_have_text(f"New urgent referral {reference}")
    expect(alex.locator("#referral-news")).to_have_attribute("aria-live", "assertive")
    expect(alex.get_by_label("Name, reference or phone")).to_be_focused()
    expect(alex.get_by_role("heading", level=1)).to_have_text("Referrals (1)")
    assert violations(alex) == []

    # Bea opens it first; then Alex claims it; Bea, claiming from her page, is told who has it.
    expect(bea.get_by_role("link", name=reference)).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    bea.get_by_role("link", name=reference).click()
    row_link.click()
    alex.get_by_role("button", name="Claim this referral").click()
    expect(alex.locator("#work")).to_contain_text("Owner: Alex Ash")
    bea.get_by_role("button", name="Claim this referral").click()
    expect(bea.get_by_role("alert")).to_contain_text("Alex Ash has this referral.")
    expect(bea.locator("#work")).to_contain_text("Owner: Alex Ash")
    expect(bea.get_by_role("button", name="Claim this referral")).to_have_count(0)

    # Every answer, and the time it was sent in London time.
    page_text = text_of(alex)
    for answer in detail["answers"]:
        assert " ".join(answer["label"].split()) in page_text, answer["question_id"]
        shown = " ".join((answer["display"] or "Not answered").split())
        assert shown in page_text, answer["question_id"]
    sent = london(datetime.fromisoformat(detail["submitted_at"]))
    assert f"sent {sent} (London time)" in page_text
    expect(alex.locator("mark").first).to_have_text(re.compile("kill myself", re.IGNORECASE))
    assert violations(alex) == []

    # Contacted, with a note; then closed with an outcome (revealed under "Closed").
    alex.get_by_label("Contacted", exact=True).check()
    alex.get_by_label("Note (optional; when referring on, say to whom)").fill(
        "Called: safe at home"
    )
    alex.get_by_role("button", name="Save").click()
    expect(alex.locator("#history-heading + ol")).to_contain_text(
        "Alex Ash moved it from claimed to contacted: “Called: safe at home”"
    )
    alex.get_by_label("Closed", exact=True).check()
    alex.get_by_label("No further action", exact=True).check()
    alex.get_by_role("button", name="Save").click()
    expect(alex.locator("#work")).to_contain_text("Closed")
    expect(alex.locator("#work")).to_contain_text("No further action")

    alex.goto(open_list)
    expect(alex.get_by_text("No referrals match.")).to_be_visible()
    alex.goto(f"{open_list}&status=closed")
    expect(alex.get_by_role("link", name=reference)).to_be_visible()

    alex.get_by_role("link", name="Audit").click()
    rows = alex.locator("tbody tr").filter(has=alex.get_by_role("link", name=reference))
    steps = [" ".join(text.split()) for text in rows.all_inner_texts()]
    mine = [step for step in steps if "Alex Ash" in step]
    for step in (
        "Moved it on: closed (no further action)",
        "Moved it on: contacted",
        "Claimed",
        "Opened the referral",
    ):
        assert any(step in row for row in mine), (step, steps)
    assert any("Bea Birch" in step and "Opened the referral" in step for step in steps)
    signed_in_rows = alex.locator("tbody tr[data-action='sign_in']").all_inner_texts()
    assert any("Alex Ash" in row for row in signed_in_rows)
    context_a.close()
    context_b.close()
