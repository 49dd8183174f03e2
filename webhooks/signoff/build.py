"""Build the sign-off document: the essentials first, then what is sent, then the rest,
each question in its channel's words and its rules in plain words."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date
from functools import partial
from itertools import groupby

from flows.model import Condition, Flow, Question
from flows.model import Wording as FlowWording
from flows.navigation import PERSPECTIVE_QUESTION, SELF_REFERRAL
from webhooks.signoff.appendix import appendix, carry_on
from webhooks.signoff.channels import PERSPECTIVE_ANSWERS, ChannelWords, Sent
from webhooks.signoff.document import Document, Entry, Group, Rule, Said
from webhooks.signoff.sources import Sources
from webhooks.signoff.when import in_words
from webhooks.signoff.words import Words, load_words

# Said when the last of the rest is answered: it is with the referral already sent.
ADDED = "referral_added"


def build_document(
    sources: Sources, channel: str, rendered_on: date, words: Words | None = None
) -> Document:
    """The whole flow of a team on one channel, in the order it is asked."""
    words = words or load_words()
    say = ChannelWords(channel, sources.team, sources.wording, words.get("blanks"), rendered_on)
    flow = sources.flow
    essentials = [q for q in flow.questions if q.essential]
    rest = [q for q in flow.questions if not q.essential]
    return Document(
        team_name=sources.team.name,
        flow_id=flow.id,
        flow_title=flow.title,
        version=flow.version,
        channel=channel,
        channel_name=words.say("channels", channel),
        rendered_on=rendered_on,
        essentials=_groups(essentials, sources, say, words),
        sent=say.message("referral_sent"),
        carry_on=carry_on(flow, say),
        rest=_groups(rest, sources, say, words),
        added=say.message(ADDED) if ADDED in sources.wording.templates() else None,
        appendix=appendix(flow, say, words),
    )


def _groups(
    questions: Iterable[Question], sources: Sources, say: ChannelWords, words: Words
) -> tuple[Group, ...]:
    """Consecutive questions of a section under the section's title."""
    return tuple(
        Group(
            sources.section_titles.get(section, section),
            tuple(entry(sources.flow, q, say, words) for q in in_section),
        )
        for section, in_section in groupby(questions, key=lambda q: q.section)
    )


def entry(flow: Flow, question: Question, say: ChannelWords, words: Words) -> Entry:
    """One question in the channel's words, with its rules said plainly."""
    asked_only_if = (
        words.say("document", "asked_only_if", condition=in_words(question.when, flow, words))
        if question.when is not None
        else ""
    )
    why = question.why if question.why.plain else None
    sides = _sides(question)
    return Entry(
        id=question.id,
        label=question.label,
        kind=_kind(question, words),
        essential=question.essential,
        optional=question.optional,
        readback=question.readback,
        asked_only_if=asked_only_if,
        asks=_both(lambda side: say.question(flow, question.id, side), words, sides),
        options=tuple(_option(question, n, words) for n in range(len(question.options))),
        retry=_both(lambda side: say.text(question.retry, side), words, sides),
        why=_both(lambda side: _why(say, why, side), words, sides),
        endings=_endings(flow, question, say, words, sides),
        risks=tuple(
            words.say(
                "document",
                "risk_if",
                risk=words.say("risks", rule.category),
                condition=in_words(rule.when, flow, words, question.id),
            )
            for rule in question.risk
        ),
        consent=_consent(question, words),
    )


def _both(render: Callable[[str], Sent], words: Words, sides: Sequence[str]) -> tuple[Said, ...]:
    """The wording for each kind of listener who is asked; once when it is the same."""
    said = [Said(side, words.say("perspectives", side), render(side)) for side in sides]
    if len({item.sent for item in said}) == 1:
        return (Said(said[0].perspective, words.say("perspectives", "everyone"), said[0].sent),)
    return tuple(said)


def _sides(question: Question) -> tuple[str, ...]:
    """Who is asked this question: a person referring themselves, someone referring
    another person, or both (read from its test on "who is making the referral")."""
    allowed = _referrer_answers(question.when)
    if allowed is None:
        return tuple(PERSPECTIVE_ANSWERS)
    sides = ["self"] if SELF_REFERRAL in allowed else []
    sides += ["other"] if allowed - {SELF_REFERRAL} else []
    return tuple(sides) or tuple(PERSPECTIVE_ANSWERS)


def _referrer_answers(when: Condition | None) -> set[str] | None:
    """The answers to "who is making the referral" the condition asks for; None: any."""
    parts = [when, *when.all] if when is not None else []
    tests = [set(map(str, part.is_)) for part in parts if part.answer == PERSPECTIVE_QUESTION]
    tests = [test for test in tests if test]
    return set.intersection(*tests) if tests else None


def _why(say: ChannelWords, why: FlowWording | None, side: str) -> Sent:
    # A question with no reason of its own gets the engine's general one.
    return say.text(why, side) if why is not None else say.phrase("why_default")


def _endings(
    flow: Flow, question: Question, say: ChannelWords, words: Words, sides: Sequence[str]
) -> tuple[Rule, ...]:
    """Where the conversation ends kindly on this answer: the question's own ending, and
    any ending of the flow checked when this question is answered."""
    found: list[tuple[Condition, FlowWording, str]] = []
    if question.ends_when is not None and question.ends_say is not None:
        found.append((question.ends_when, question.ends_say, question.ends_as))
    found += [(e.when, e.say, e.outcome) for e in flow.endings if question.id in e.after]
    return tuple(
        Rule(
            words.say(
                "document",
                "ends_if",
                ending=words.say("endings", outcome),
                condition=in_words(condition, flow, words, question.id),
            ),
            _both(partial(say.text, said), words, sides),
        )
        for condition, said, outcome in found
    )


def _kind(question: Question, words: Words) -> str:
    if question.kind == "text":
        return words.say("kinds", "text", max_length=question.max_length)
    if question.kind == "date":
        return words.say("kinds", f"date_{question.tense}")
    if question.kind == "number" and question.minimum is not None and question.maximum is not None:
        return words.say(
            "kinds", "number_between", minimum=question.minimum, maximum=question.maximum
        )
    return words.say("kinds", question.kind)


def _option(question: Question, index: int, words: Words) -> str:
    option = question.options[index]
    if option.score is not None:
        return words.say("document", "option_points", label=option.label, points=option.score)
    if option.exclusive:
        return words.say("document", "option_exclusive", label=option.label)
    return option.label


def _consent(question: Question, words: Words) -> str:
    if not question.consent_for:
        return ""
    if not words.has("consents", question.consent_for):
        return words.say("document", "consent_named", label=question.label)
    recipient = words.say("consents", question.consent_for)
    return words.say("document", "consent_for", recipient=recipient, label=question.label)
