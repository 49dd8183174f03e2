"""`triage flows render`: each team's flow as one document for clinical sign-off, in the
words each channel's own renderer sends, kept in step with the flows."""

from __future__ import annotations

import html
import re
from datetime import date
from functools import cache

import pytest
from click.testing import CliRunner
from markupsafe import escape

from flows import engine
from flows.data_dir import REPOSITORY_DATA_DIR
from flows.model import Condition, Flow
from flows.state import Context, FlowState
from webhooks.cli import main
from webhooks.core.replies import Reply
from webhooks.signoff import CHANNELS, Sources, build_document, render
from webhooks.signoff.document import Document
from webhooks.signoff.when import in_words
from webhooks.signoff.words import load_words
from webhooks.web.channels.sms_render import gsm7_safe, sms_text
from webhooks.web.channels.voice_render import spoken

TEAMS = ("together-london", "coventry-warwickshire", "south-essex")
DAY = date(2026, 1, 5)


@cache
def sources(team_id: str) -> Sources:
    return Sources.load(team_id, REPOSITORY_DATA_DIR)


@cache
def document(team_id: str, channel: str) -> Document:
    return build_document(sources(team_id), channel, DAY)


@cache
def page(team_id: str, channel: str, fmt: str = "html") -> str:
    return render(document(team_id, channel), fmt)


def asked(
    flow: Flow, question_id: str, voice: bool = False, easy: bool = False, referrer: str = "self"
) -> Reply:
    """The question as the engine asks it (of a person referring themselves, by default)."""
    prompt = engine.prompt(
        flow, question_id, {"referrer": referrer}, FlowState(easy=easy), Context(DAY, voice=voice)
    )
    return Reply(prompt.text, prompt.options)


def part(text: str, part_id: str) -> str:
    """One part of the HTML document, by its section id."""
    found = re.search(
        rf'<section id="{part_id}".*?</section>\s*(?=<section id=|</main>)', text, re.S
    )
    assert found is not None, part_id
    return found.group(0)


def question_ids(text: str) -> set[str]:
    return set(re.findall(r'data-question="([a-z0-9_]+)"', text))


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("team_id", TEAMS)
def test_it_renders_every_team_on_every_channel(team_id: str, channel: str) -> None:
    text = page(team_id, channel)
    flow = sources(team_id).flow
    assert text.startswith("<!doctype html>")
    assert f"<code>{flow.id}</code>" in text
    assert f"<dd>{flow.version}</dd>" in text
    assert "05/01/2026" in text


@pytest.mark.parametrize("team_id", TEAMS)
def test_it_lists_every_question_of_the_flow(team_id: str) -> None:
    assert question_ids(page(team_id, "sms")) == set(sources(team_id).flow.question_ids)


@pytest.mark.parametrize("team_id", TEAMS)
def test_it_lists_the_essentials_first_and_the_rest_after_sending(team_id: str) -> None:
    text = page(team_id, "sms")
    flow = sources(team_id).flow
    essentials = [q.id for q in flow.questions if q.essential]
    rest = [q.id for q in flow.questions if not q.essential]
    assert re.findall(r'data-question="([a-z0-9_]+)"', part(text, "essentials")) == essentials
    assert re.findall(r'data-question="([a-z0-9_]+)"', part(text, "after-sending")) == rest
    assert (
        text.index('id="essentials"')
        < text.index('id="sending"')
        < text.index('id="after-sending"')
    )


@pytest.mark.parametrize("team_id", TEAMS)
def test_it_shows_each_sms_question_in_the_words_sms_sends(team_id: str) -> None:
    flow = sources(team_id).flow
    wording = sources(team_id).wording
    text = page(team_id, "sms")
    for question in flow.questions:
        block = _entry(text, question.id)
        expected = {
            str(escape(gsm7_safe(sms_text(asked(flow, question.id, referrer=who), wording))))
            for who in ("self", "professional")
        }
        # A question put only to a professional shows only the professional's words.
        assert any(words in block for words in expected), question.id


def test_it_numbers_the_options_of_a_single_choice_on_sms() -> None:
    flow = sources("together-london").flow
    expected = gsm7_safe(sms_text(asked(flow, "referrer"), sources("together-london").wording))
    assert "Reply 1 for Myself, 2 for" in expected
    assert str(escape(expected)) in page("together-london", "sms")


def test_it_gives_a_yes_no_question_the_telephone_s_keypad_instructions() -> None:
    flow = sources("south-essex").flow
    expected = spoken(asked(flow, "risk_to_self", voice=True), sources("south-essex").wording)
    assert "press 1" in expected
    assert str(escape(expected)) in page("south-essex", "voice")


def test_it_shows_the_web_chat_s_buttons_beside_its_text() -> None:
    flow = sources("coventry-warwickshire").flow
    reply = asked(flow, "referrer")
    block = _entry(page("coventry-warwickshire", "chat"), "referrer")
    assert f"<p>{escape(reply.text)}</p>" in block
    for label in reply.options:
        assert f"<li>{escape(label)}</li>" in block
    assert "Reply 1 for" not in block


def test_it_uses_the_easy_read_wording_as_sms_sends_it() -> None:
    flow = sources("together-london").flow
    reply = asked(flow, "consent_ld_team", easy=True)
    expected = gsm7_safe(sms_text(reply, sources("together-london").wording))
    assert reply.text == flow.question("consent_ld_team").ask.easy
    assert str(escape(expected)) in _entry(page("together-london", "easy-read"), "consent_ld_team")


def test_it_shows_the_professional_wording_where_it_differs() -> None:
    question = sources("together-london").flow.question("risk_to_self")
    block = html.unescape(_entry(page("together-london", "chat"), "risk_to_self"))
    assert question.ask.plain in block
    assert question.ask.other in block


def test_it_names_the_question_a_branch_depends_on_by_its_label() -> None:
    flow = sources("together-london").flow
    label = flow.question("referrer").label
    option = flow.question("referrer").option("self")
    assert option is not None
    block = html.unescape(_entry(page("together-london", "sms"), "easy_read"))
    assert f"Asked only if the answer to “{label}” is “{option.label}”." in block


def test_it_says_an_age_rule_in_plain_words() -> None:
    flow = sources("coventry-warwickshire").flow
    condition = Condition(answer="date_of_birth", age_under=18)
    said = in_words(condition, flow, load_words())
    assert "under 18" in said
    assert flow.question("date_of_birth").label in said


def test_it_says_a_combined_condition_keeping_its_grouping() -> None:
    flow = sources("together-london").flow
    condition = Condition(
        all=(
            Condition(answer="referrer", is_=("self",)),
            Condition(
                any=(
                    Condition(answer="risk_to_self", is_=(True,)),
                    Condition(answer="risk_to_others", is_=(True,)),
                )
            ),
        )
    )
    said = in_words(condition, flow, load_words())
    assert said.startswith("the answer to “Who is making the referral” is “Myself” and either")
    assert "“Yes”" in said


def test_it_says_when_a_question_marks_risk_and_when_the_conversation_ends() -> None:
    text = html.unescape(page("together-london", "sms"))
    risk = _entry(text, "risk_to_self")
    consent = _entry(text, "consent_ld_team")
    assert "Marks risk to self if the answer here is “Yes”." in risk
    assert "The conversation ends kindly" in consent
    assert "if the answer here is “No”" in consent
    assert "the Liaison and Diversion team" in consent


def test_it_shows_the_read_back_and_the_controls_once_in_the_appendix() -> None:
    text = page("together-london", "voice")
    appendix = part(text, "appendix")
    assert text.count('id="readback"') == 1
    for control in ("STOP", "SKIP", "BACK", "WHY"):
        assert f">{control}</h4>" in appendix


def test_it_writes_markdown_with_every_question_and_both_parts() -> None:
    flow = sources("south-essex").flow
    text = page("south-essex", "sms", "md")
    words = load_words()
    essentials_at = text.index(f"## {words.say('document', 'essentials_heading')}")
    rest_at = text.index(f"## {words.say('document', 'rest_heading')}")
    assert essentials_at < rest_at
    for question in flow.questions:
        at = text.index(f"`{question.id}`")
        assert (at < rest_at) == question.essential, question.id
    assert f"Flow version: {flow.version}" in text


def test_the_command_writes_the_document_to_a_file(tmp_path: pytest.TempPathFactory) -> None:
    out = f"{tmp_path}/south-essex.md"
    result = CliRunner().invoke(
        main,
        [
            "flows",
            "render",
            "--team",
            "south-essex",
            "--channel",
            "voice",
            "--format",
            "md",
            "--out",
            out,
        ],
        env={"TRIAGE_NOW": "2026-01-05T09:00:00+00:00"},
    )
    assert result.exit_code == 0, result.output
    with open(out, encoding="utf-8") as written:
        assert "Produced on: 05/01/2026" in written.read()


def test_the_command_names_the_teams_when_the_id_is_unknown() -> None:
    result = CliRunner().invoke(main, ["flows", "render", "--team", "nowhere", "--channel", "sms"])
    assert result.exit_code == 2
    assert "together-london" in result.output


def _entry(text: str, question_id: str) -> str:
    found = re.search(rf'<article[^>]*data-question="{question_id}".*?</article>', text, re.S)
    assert found is not None, question_id
    return found.group(0)
