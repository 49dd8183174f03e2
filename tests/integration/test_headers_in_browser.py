"""The pages under their Content-Security-Policy in a real browser (Debian's Chromium driven
by Playwright), on the running stack: the queue, signed in, and the web chat run without a
single violation (the policy has no 'unsafe-inline', so an inline script, style or style
attribute would be refused), the chat still answers, and the page with the one-click "stop
the urgent alerts" button refuses to be shown in a frame."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright
from sqlalchemy.orm import Session

from tests.gateway.test_queue_pages import referral_named
from tests.integration.conftest import RunningStack
from tests.integration.test_chat_in_browser import CHROMIUM, CHROMIUM_ARGS, say
from tests.integration.test_queue_in_browser import PASSWORD, practitioner
from webhooks.db import conversations
from webhooks.db.engine import make_engine

EMAIL = "casey.policy@example.nhs.uk"
STOP_ALERTS = "I have this referral: stop the urgent alerts"
# The list asks for its rows every 10 seconds; allow two rounds.
LIVE_TIMEOUT_MS = 25_000
# Every frame of every page reports what its policy refused, before any of its scripts run.
RECORD_VIOLATIONS = """
window.policyViolations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.policyViolations.push(`${event.violatedDirective} refused ${event.blockedURI}`);
});
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: `make setup` installs Debian's chromium package")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class Watched:
    """A page whose console is kept, and whose policy violations can be read."""

    page: Page
    console: list[str] = field(default_factory=list)

    def violations(self) -> list[str]:
        """What the policy refused on the page as it stands, and what the console said about
        any policy since the page was opened."""
        refused: list[str] = self.page.evaluate("window.policyViolations")
        said = [
            line
            for line in self.console
            if "Refused to" in line or "Content Security Policy" in line
        ]
        return refused + said

    def visit(self, url: str) -> None:
        """Open `url`, checking it came with the policy (the stack runs the gateway)."""
        response = self.page.goto(url)
        assert response is not None and response.ok, url
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context()
    context.add_init_script(RECORD_VIOLATIONS)
    yield context
    context.close()


def watch(context: BrowserContext) -> Watched:
    watched = Watched(context.new_page())
    watched.page.on("console", lambda message: watched.console.append(message.text))
    watched.page.on("pageerror", lambda error: watched.console.append(str(error)))
    return watched


def sign_in(stack: RunningStack, watched: Watched) -> None:
    """Sign in by keyboard as a South Essex team lead (who also reads the audit)."""
    practitioner(stack, EMAIL, "Casey Policy", lead=True)
    watched.visit(f"{stack.url}/login")
    watched.page.get_by_label("Email").fill(EMAIL)
    watched.page.get_by_label("Password").fill(PASSWORD)
    watched.page.get_by_label("Password").press("Enter")
    expect(watched.page).to_have_url(f"{stack.url}/queue")
    assert watched.violations() == []


@dataclass(frozen=True)
class Seeded:
    referral_id: int
    conversation_id: str


def seed(stack: RunningStack) -> Seeded:
    """An urgent referral and a call back asked for, straight into the stack's database."""
    engine = make_engine(stack.env["DATABASE_URL"])
    try:
        with Session(engine) as session:
            referral = referral_named(session, "Policy Person", urgent=True)
            asked = conversations.find_or_open_conversation(
                session, "south-essex", "voice", "CA-policy"
            )
            asked.callback_requested = True
            session.commit()
            return Seeded(referral.id, asked.id)
    finally:
        engine.dispose()


def test_the_queue_runs_under_its_policy_without_a_violation(
    stack: RunningStack, context: BrowserContext
) -> None:
    seeded = seed(stack)
    watched = watch(context)
    page = watched.page
    sign_in(stack, watched)

    # The list, until it has asked for its rows once (a fetch the policy must allow).
    watched.visit(f"{stack.url}/queue")
    with page.expect_response(
        lambda response: "/queue/rows" in response.url, timeout=LIVE_TIMEOUT_MS
    ):
        pass
    assert watched.violations() == []

    # The referral: the design system's script reveals the outcomes under "Closed".
    watched.visit(f"{stack.url}/queue/{seeded.referral_id}")
    expect(page.get_by_role("button", name=STOP_ALERTS)).to_be_visible()
    page.get_by_role("button", name="Claim this referral").click()
    page.get_by_label("Closed", exact=True).check()
    expect(page.get_by_label("No further action", exact=True)).to_be_visible()
    assert watched.violations() == []

    for path in (f"/queue/conversations/{seeded.conversation_id}", "/queue/audit"):
        watched.visit(f"{stack.url}{path}")
        assert watched.violations() == [], path


def test_the_stop_the_alerts_page_refuses_to_be_framed(
    stack: RunningStack, context: BrowserContext
) -> None:
    seeded = seed(stack)
    watched = watch(context)
    sign_in(stack, watched)
    target = f"{stack.url}/queue/{seeded.referral_id}"
    # A page of the gateway's own origin, signed in: the frame would show the button if
    # anything did ('none' refuses every site, this one too).
    framing = f"{stack.url}/framing-test"
    watched.page.route(
        framing,
        lambda route: route.fulfill(
            content_type="text/html", body=f'<!doctype html><iframe src="{target}"></iframe>'
        ),
    )
    with watched.page.expect_console_message(lambda message: "frame-ancestors" in message.text):
        watched.page.goto(framing)
    frame = watched.page.frame_locator("iframe")
    expect(frame.get_by_role("button", name=STOP_ALERTS)).to_have_count(0)
    # Opened as a page of its own, the button is there.
    watched.visit(target)
    expect(watched.page.get_by_role("button", name=STOP_ALERTS)).to_be_visible()


def test_the_web_chat_runs_under_its_policy_and_still_answers(
    stack: RunningStack, context: BrowserContext
) -> None:
    watched = watch(context)
    page = watched.page
    watched.visit(f"{stack.url}/chat/south-essex")
    say(page, "hello")
    expect(page.locator("#log li").last).to_have_text("Bot: Who is making this referral?")
    page.get_by_role("button", name="Myself").click()
    expect(page.locator("#typing")).to_be_hidden()
    expect(page.locator("#log li").last).not_to_have_text("Bot: Who is making this referral?")
    expect(page.locator("#log li").last).to_have_class("bot")
    said = page.locator("#log li").all_inner_texts()
    assert watched.violations() == []
    # Read back from the server (a fetch the policy must allow), as after a reload.
    page.reload()
    expect(page.locator("#log li")).to_have_count(len(said))
    assert page.locator("#log li").all_inner_texts() == said
    assert watched.violations() == []
