"""The risk detector on long messages as people in distress write them: run-on, unpunctuated,
several things at once. Each shape that once hid a statement, and its safe counterpart."""

from __future__ import annotations

import pytest

from safety import assess_risk


@pytest.mark.parametrize(
    "text",
    [
        "i dont know what to do anymore i have court on monday i dont sleep i want to kill myself",
        "i didnt do what they said and nobody believes me not even my mum i want to die",
        "there is no one to talk to and nothing to live for",
        "i never talk to anyone about stuff like this but i cant do it anymore i want to die",
        "i havent told her that i want to kill myself",
    ],
)
def test_it_lets_a_later_statement_stand_after_an_earlier_negation(text: str) -> None:
    assert assess_risk(text).risk == "self"


@pytest.mark.parametrize(
    "text",
    [
        "i used to love my job i used to go out with my mates now i just want to kill myself",
        "i was groomed when i was 14 and now at 19 i have a record and i want to die",
        "years ago i had a breakdown and lost my house and now its happening again i want to die",
    ],
)
def test_it_lets_a_later_statement_stand_after_an_earlier_past_time(text: str) -> None:
    assert assess_risk(text).risk == "self"


@pytest.mark.parametrize(
    "text",
    [
        "i dont think i want to die",
        "there is no way i would ever kill myself",
        "i never said i was suicidal the officer wrote it down wrong",
        "im not going to do anything stupid and hurt myself",
        "i wouldnt say im suicidal i would say im fed up",
        "the nurse asked if i was suicidal and i said no",
    ],
)
def test_it_still_reads_a_denial_that_reaches_its_statement(text: str) -> None:
    assert assess_risk(text).risk == "none"


@pytest.mark.parametrize(
    "text",
    [
        "i have never wanted to kill myself more than in the past few weeks",
        "never been closer to ending it",
        "ive never felt this much like dying",
        "i have not felt this suicidal in years",
        "i dont think ive ever wanted to die as much as i do tonight",
        "i cant go a day without thinking about killing myself",
    ],
)
def test_it_reads_a_negation_that_compares_as_emphasis(text: str) -> None:
    assert assess_risk(text).risk == "self"


@pytest.mark.parametrize(
    "text",
    [
        "i have never self harmed in my life",
        "i have never wanted to kill myself not even at my lowest",
        "ive never been happier and i would never hurt myself",
        "i have never self harmed more than once and that was a long time ago",
    ],
)
def test_it_leaves_a_negation_that_compares_nothing_a_denial(text: str) -> None:
    assert assess_risk(text).risk == "none"


@pytest.mark.parametrize(
    "text",
    [
        "this afternoon i popped 15 pills",
        "earlier tonight i took all my tablets",
        "an hour ago i cut my arm",
        "i took an overdose years ago and this morning i took 20 paracetamol",
        "i self harmed as a teenager and last night i cut my arm again",
        "i overdosed when i was 16 and again tonight",
    ],
)
def test_it_reads_an_act_done_today_as_now(text: str) -> None:
    assert assess_risk(text).risk == "self"


@pytest.mark.parametrize(
    "text",
    [
        "i took an overdose years ago",
        "back in 2019 i cut myself",
        "when i was 17 my dad left and i started cutting myself",
        "i took an overdose back in 2015 but i'm in a much better place now",
    ],
)
def test_it_leaves_an_act_from_long_ago_as_history(text: str) -> None:
    assert assess_risk(text).risk == "none"


@pytest.mark.parametrize(
    "text",
    [
        "failed attempt last night my blade wasnt sharp enough",
        "burned my arm with a lighter on purpose",
        "tied the cable round my neck",
        "i tried to hang myself but the rope snapped",
        "a failed attempt last night",
        "the belt i used broke when i tried it in the wardrobe",
    ],
)
def test_it_finds_self_injury_told_by_its_means(text: str) -> None:
    assert assess_risk(text).risk == "self"


@pytest.mark.parametrize(
    "text",
    [
        "i burned my hand on the oven by accident",
        "i went into the sea for a swim",
        "i passed my driving test on my third attempt",
        "my belt broke on the way to court so i had to hold my trousers up",
        "the knife wasnt sharp enough to cut the bread",
        "the film was about a man who jumped off a bridge",
    ],
)
def test_it_leaves_the_same_means_in_everyday_use_alone(text: str) -> None:
    assert assess_risk(text).risk == "none"


def test_it_reads_a_reported_question_by_its_answer() -> None:
    assert assess_risk("the nurse asked if i was suicidal and i said yes").risk == "self"
    assert assess_risk("she asked me in the van if i was going to hurt myself").risk == "none"


@pytest.mark.parametrize(
    ("text", "risk"),
    [
        ("i cant go on i have had enough of all of it", "self"),
        ("im done fighting i have nothing left", "self"),
        # A clause about the word before it goes on: an apology, not a goodbye.
        ("im sorry to everyone i hurt", "none"),
    ],
)
def test_it_ends_a_clause_where_a_run_on_message_starts_a_new_one(text: str, risk: str) -> None:
    assert assess_risk(text).risk == risk


@pytest.mark.parametrize(
    ("text", "risk"),
    [
        ("I can't promise I won't hurt myself", "self"),
        ("cant guarantee i wont hurt myself tonight", "self"),
        ("I promise I won't hurt myself", "none"),
        ("I won't hurt myself", "none"),
    ],
)
def test_it_reads_a_promise_not_given_as_no_denial(text: str, risk: str) -> None:
    assert assess_risk(text).risk == risk
