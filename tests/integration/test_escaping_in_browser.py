"""What a person types is shown to the team as text, never run: script payloads in a
referral's name, answers and messages, opened in a real browser (Debian's Chromium driven
by Playwright) on the running stack.

The browser is told to ignore the Content-Security-Policy here: the policy would stop an
inline script, so with it a lapse in escaping could go unseen. Escaping alone is tested;
the policy has its own tests (test_headers_in_browser.py).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright
from sqlalchemy.orm import Session

from tests.integration.conftest import RunningStack
from tests.integration.test_chat_in_browser import CHROMIUM, CHROMIUM_ARGS
from tests.integration.test_queue_in_browser import PASSWORD, practitioner
from tests.support.hostile import PWNED_FLAG
from webhooks.db import conversations, referrals, risks
from webhooks.db.engine import make_engine

EMAIL = "sam.escaping@example.nhs.uk"
NAME = f"<script>window.{PWNED_FLAG}=1</script>Escaping Person"
ANSWERS = {
    "full_name": NAME,
    "date_of_birth": "1990-01-02",
    "address": f'"><img src=x onerror="window.{PWNED_FLAG}=1">',
    "gp_practice": f"<svg onload=window.{PWNED_FLAG}=1></svg>",
    "needs": "</textarea><script>alert('answers')</script>",
}
SAID = (
    f"<img src=x onerror=window.{PWNED_FLAG}=1> I want to end my life "
    f"<script>window.{PWNED_FLAG}=1</script>"
)
BOT_SAID = f'<iframe srcdoc="<script>parent.{PWNED_FLAG}=1</script>"></iframe>'
# The list asks for its rows every 10 seconds; allow two rounds.
LIVE_TIMEOUT_MS = 25_000
NUMBERS = itertools.count(1)
# Elements only a payload let through as markup would make.
PAYLOAD_ELEMENTS = "img[src='x'], svg[onload], iframe[srcdoc], script:not([src])"


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
    """A page whose dialogs (alert, confirm) are recorded and dismissed."""

    page: Page
    dialogs: list[str]

    def visit(self, url: str) -> None:
        response = self.page.goto(url)
        assert response is not None and response.ok, url

    def assert_nothing_ran(self) -> None:
        """No payload ran (no flag set, no dialog opened) and none became an element."""
        assert self.page.evaluate(f"window.{PWNED_FLAG}") is None
        assert self.dialogs == []
        # Inline scripts of the page's own are allowed only with the policy's nonce; the
        # payloads have none (any inline script without one is a payload's).
        leaked = self.page.evaluate(
            f"""Array.from(document.querySelectorAll("{PAYLOAD_ELEMENTS}"))
                .filter((element) => !(element.tagName === 'SCRIPT' && element.nonce))
                .map((element) => element.outerHTML)"""
        )
        assert leaked == []


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(bypass_csp=True)
    yield context
    context.close()


def watch(context: BrowserContext) -> Watched:
    watched = Watched(context.new_page(), [])

    def dismiss(dialog: object) -> None:
        watched.dialogs.append(dialog.message)  # type: ignore[attr-defined]
        dialog.dismiss()  # type: ignore[attr-defined]

    watched.page.on("dialog", dismiss)
    return watched


@dataclass(frozen=True)
class Seeded:
    referral_id: int
    conversation_id: str


def seed(stack: RunningStack) -> Seeded:
    """A referral whose answers are payloads, from a conversation whose messages are,
    with the safety net's mark on one of them; straight into the stack's database."""
    engine = make_engine(stack.env["DATABASE_URL"])
    try:
        with Session(engine) as session:
            conversation = conversations.find_or_open_conversation(
                session, "south-essex", "sms", f"+4479114{next(NUMBERS):05d}"
            )
            said = conversations.add_inbound(session, conversation, SAID, None)
            session.flush()
            risks.add_risk_flags(session, said, ["self"], ["end my life"])
            conversations.add_outbound(session, said, BOT_SAID)
            referral = referrals.create_referral(
                session,
                conversation,
                {
                    "flow_id": "south_essex",
                    "flow_version": 1,
                    "answers": [
                        {
                            "question_id": question_id,
                            "kind": "text",
                            "label": question_id,
                            "prompt": question_id,
                            "value": value,
                            "display": value,
                        }
                        for question_id, value in ANSWERS.items()
                    ],
                },
            )
            session.commit()
            return Seeded(referral.id, conversation.id)
    finally:
        engine.dispose()


def sign_in(stack: RunningStack, watched: Watched) -> None:
    practitioner(stack, EMAIL, "Sam Escaping")
    watched.visit(f"{stack.url}/login")
    watched.page.get_by_label("Email").fill(EMAIL)
    watched.page.get_by_label("Password").fill(PASSWORD)
    watched.page.get_by_label("Password").press("Enter")
    expect(watched.page).to_have_url(f"{stack.url}/queue")


def test_script_a_person_typed_is_shown_as_text_and_never_runs(
    stack: RunningStack, context: BrowserContext
) -> None:
    seeded = seed(stack)
    watched = watch(context)
    page = watched.page
    sign_in(stack, watched)

    # The list, and again once it has swapped in its rows from /queue/rows.
    watched.visit(f"{stack.url}/queue")
    expect(page.locator("main")).to_contain_text(NAME)
    with page.expect_response(
        lambda response: "/queue/rows" in response.url, timeout=LIVE_TIMEOUT_MS
    ):
        pass
    expect(page.locator("main")).to_contain_text(NAME)
    watched.assert_nothing_ran()

    # The referral: the name, each answer and the marked words, all as written.
    watched.visit(f"{stack.url}/queue/{seeded.referral_id}")
    main = page.locator("main")
    expect(main).to_contain_text(NAME)
    for answer in ANSWERS.values():
        expect(main).to_contain_text(answer)
    expect(main.locator("mark").first).to_have_text("end my life")
    watched.assert_nothing_ran()

    # The whole conversation: what the person and the bot said, as written.
    watched.visit(f"{stack.url}/queue/conversations/{seeded.conversation_id}")
    expect(page.locator("main")).to_contain_text(SAID)
    expect(page.locator("main")).to_contain_text(BOT_SAID)
    watched.assert_nothing_ran()
