"""On a shared computer, in a real browser: "End chat" and "Leave this site quickly" leave
nothing of the conversation for the next person, and keep what the team needs."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, Route, expect, sync_playwright

from tests.integration.conftest import RunningStack
from tests.integration.test_chat_in_browser import CHROMIUM, CHROMIUM_ARGS, chat_until, say
from tests.integration.walking import referral_by_name

TEAM = "south-essex"
# Where "Leave this site quickly" goes; answered here, as the machine has no internet.
ELSEWHERE = "https://www.bbc.co.uk/weather"


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

    def elsewhere(route: Route) -> None:
        route.fulfill(status=200, content_type="text/html", body="<title>Weather</title>")

    page.route(f"{ELSEWHERE}*", elsewhere)
    yield page
    context.close()


def readable(stack: RunningStack, page: Page) -> list[str]:
    """What this browser (its cookies) can read back of its chat with the team."""
    response = page.request.get(f"{stack.url}/chat/{TEAM}/messages")
    assert response.ok
    return [message["text"] for message in response.json()["messages"]]


def test_end_chat_mid_referral_clears_it_and_the_team_keeps_the_answers(
    stack: RunningStack, page: Page
) -> None:
    page.goto(f"{stack.url}/chat/{TEAM}")
    chat_until(page, TEAM, "Ended Midway", stop_before="justice_status")
    assert "Ended Midway" in readable(stack, page)

    page.get_by_role("button", name="End chat").click()
    expect(page.locator("#status")).to_contain_text("The chat has ended")
    expect(page.locator("#log li")).to_have_count(0)
    assert readable(stack, page) == []
    page.reload()
    expect(page.locator("#log li")).to_have_count(0)

    # The team has what was answered, kept as a referral that stopped part way.
    kept = referral_by_name(stack, TEAM, "Ended Midway", status="incomplete")
    assert (kept["status"], kept["outcome"]) == ("incomplete", "dropped")
    assert kept["fields"]["date_of_birth"] == "1991-04-03"

    # The next message starts a new chat, from the beginning.
    say(page, "hello")
    expect(page.locator("#log li").last).to_have_text("Bot: Who is making this referral?")
    assert readable(stack, page)[0] == "hello"
    assert "Ended Midway" not in readable(stack, page)


def test_leave_quickly_goes_at_once_and_leaves_nothing_readable(
    stack: RunningStack, page: Page
) -> None:
    page.goto(f"{stack.url}/chat/{TEAM}")
    say(page, "hello")
    page.get_by_role("button", name="Myself").click()
    expect(page.locator("#typing")).to_be_hidden()
    say(page, "Quick Leaver")
    assert "Quick Leaver" in readable(stack, page)

    started = time.monotonic()
    page.get_by_role("link", name="Leave this site quickly").click()
    expect(page).to_have_url(ELSEWHERE)
    assert time.monotonic() - started < 3
    # The chat page was replaced in the history: Back does not bring it back.
    page.go_back()
    assert "/chat/" not in page.url

    # The chat was ended on the way out (the request outlived the page).
    deadline = time.monotonic() + 10
    while readable(stack, page) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert readable(stack, page) == []
    # Back at the chat, it starts from the beginning.
    page.goto(f"{stack.url}/chat/{TEAM}")
    say(page, "hello")
    expect(page.locator("#log li").first).to_have_text("You: hello")
    expect(page.locator("#log li").last).to_have_text("Bot: Who is making this referral?")
    expect(page.locator("#log")).not_to_contain_text("Quick Leaver")
