"""The web chat in a real browser (Debian's Chromium driven by Playwright)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.integration.conftest import RunningStack
from tests.integration.walking import (
    ADDED,
    Send,
    answer_until,
    referral_by_name,
    respondent,
    stored_fields,
)
from tests.support.files import PDF

CHROMIUM = Path("/usr/bin/chromium")
# No sandbox as root in CI; no background traffic on a machine without internet.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: `make setup` installs Debian's chromium package")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()


def say(page: Page, text: str) -> None:
    """Type a message and press Enter, as a keyboard-only user would."""
    page.get_by_label("Your message").fill(text)
    page.get_by_label("Your message").press("Enter")
    expect(page.locator("#typing")).to_be_hidden()


def test_a_referral_completes_in_the_browser(stack: RunningStack, page: Page) -> None:
    page.goto(f"{stack.url}/chat/south-essex")
    say(page, "hello")
    expect(page.locator("#log li").last).to_have_text("Bot: Who is making this referral?")
    page.get_by_role("button", name="Myself").click()  # a quick-reply button, as a person would
    expect(page.locator("#typing")).to_be_hidden()
    person = respondent("south-essex", "self", full_name="Browser Person")

    def send(text: str) -> list[str]:
        say(page, text)
        return [page.locator("#log li").last.inner_text().removeprefix("Bot: ")]

    first = [page.locator("#log li").last.inner_text().removeprefix("Bot: ")]
    answer_until(send, person, first)
    expect(page.locator("#log li").last).to_contain_text(ADDED)
    expect(page.locator("#log li").last).to_contain_text("LD-")

    page.reload()
    expect(page.locator("#log li").last).to_contain_text(ADDED)


def chat_until(page: Page, team_id: str, name: str, stop_before: str | None = None) -> Send:
    """Start a chat and answer the demo answers by keyboard; the way to send more."""
    say(page, "hello")

    def send(text: str) -> list[str]:
        say(page, text)
        return [page.locator("#log li").last.inner_text().removeprefix("Bot: ")]

    first = [page.locator("#log li").last.inner_text().removeprefix("Bot: ")]
    answer_until(send, respondent(team_id, "self", full_name=name), first, stop_before)
    return send


def test_a_document_is_sent_from_the_browser_and_reaches_the_team(
    stack: RunningStack, page: Page, tmp_path: Path
) -> None:
    page.goto(f"{stack.url}/chat/together-london")
    send = chat_until(page, "together-london", "Browser Documents", stop_before="documents")
    upload = page.get_by_label("Send a file: a PDF, a Word document or a photo, up to 50 MB")
    expect(upload).to_be_visible()
    assert serious_violations(page) == []
    letter = tmp_path / "risk assessment.pdf"
    letter.write_bytes(PDF)
    upload.set_input_files(str(letter))
    page.get_by_role("button", name="Send file").click()
    expect(page.locator("#typing")).to_be_hidden()
    expect(page.locator("#log li").last).to_have_text(
        "Bot: Thank you, we have received risk assessment.pdf. The team will see it with your"
        " referral."
    )
    # The file does not answer the question: its choices are offered again.
    page.get_by_role("button", name="I have sent them here").click()
    expect(page.locator("#typing")).to_be_hidden()
    last = [page.locator("#log li").last.inner_text().removeprefix("Bot: ")]
    answer_until(send, respondent("together-london", "self"), last)
    expect(page.locator("#log li").last).to_contain_text(ADDED)

    referral = referral_by_name(stack, "together-london", "Browser Documents")
    assert stored_fields(referral)["documents"] == "sent"
    [document] = referral["documents"]
    assert (document["filename"], document["content_type"]) == (
        "risk assessment.pdf",
        "application/pdf",
    )
    headers = {"Authorization": f"Bearer {stack.api_token('together-london')}"}
    got = requests.get(f"{stack.url}{document['url']}", headers=headers, timeout=10)
    assert got.content == PDF


def test_the_chat_page_has_no_serious_accessibility_violations(
    stack: RunningStack, page: Page
) -> None:
    page.goto(f"{stack.url}/chat/coventry-warwickshire")
    say(page, "hello")
    assert serious_violations(page) == []


def serious_violations(page: Page) -> list[str]:
    """The axe scan's serious and critical findings on the page as it stands."""
    return [
        violation["id"]
        for violation in Axe().run(page).response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


def test_the_leave_quickly_button_is_reachable_first_by_keyboard(
    stack: RunningStack, page: Page
) -> None:
    page.goto(f"{stack.url}/chat/south-essex")
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Leave this site quickly")).to_be_focused()


def test_the_chat_still_works_at_400_percent_zoom(stack: RunningStack, browser: Browser) -> None:
    # 400% zoom of a 1280 px wide window is a 320 CSS px viewport (WCAG 1.4.10 reflow).
    context = browser.new_context(viewport={"width": 320, "height": 256})
    page = context.new_page()
    page.goto(f"{stack.url}/chat/together-london")
    no_sideways_scroll = page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    assert no_sideways_scroll
    say(page, "hello")
    expect(page.locator("#log li").last).to_have_text("Bot: Who is making this referral?")
    # The longest choice buttons wrap rather than push the page sideways.
    expect(
        page.get_by_role("button", name="Family or a friend, with their agreement")
    ).to_be_visible()
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    expect(page.get_by_role("link", name="Leave this site quickly")).to_be_visible()
    context.close()
