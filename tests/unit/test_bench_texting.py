"""How the bench reads the gateway's answers, picks its numbers and sums up its turns."""

from __future__ import annotations

import pytest

from flows import load_flows
from webhooks.cli.common import team_directory
from webhooks.dev.load import LoadResult, figures, percentile
from webhooks.dev.rasa_direct import comparison, gateway_ms, replays
from webhooks.dev.scripted import DATA
from webhooks.dev.texting import (
    ANSWERED,
    CANNOT_ANSWER,
    ERROR,
    Target,
    Turn,
    Walk,
    cannot_answer,
    reference_in,
    sender_number,
)
from webhooks.teams import Team
from webhooks.wording import Wording

WORDING = Wording.load(DATA / "messages.yml")
TEAMS = list(team_directory().teams.values())


def target(team: Team) -> Target:
    return Target(team, load_flows()[team.flows[0]])


@pytest.mark.parametrize("team", TEAMS, ids=lambda team: team.id)
def test_it_knows_the_bot_unavailable_answer_as_each_team_words_it(team: Team) -> None:
    assert cannot_answer(WORDING.say_for(team, "bot_unavailable"))


@pytest.mark.parametrize("key", ["referral_sent", "referral_not_saved", "unknown_number"])
def test_it_does_not_take_other_answers_for_bot_unavailable(key: str) -> None:
    assert not cannot_answer(WORDING.say_for(TEAMS[0], key, reference="LD-7K3QPX"))


def test_it_reads_the_reference_a_person_is_told() -> None:
    sent = WORDING.say_for(TEAMS[0], "referral_sent", reference="LD-7K3QPX")
    assert reference_in(["Something else first.", sent]) == "LD-7K3QPX"


def test_it_finds_no_reference_where_none_is_given() -> None:
    assert reference_in([WORDING.say_for(TEAMS[0], "referral_not_saved")]) is None


def test_a_thousand_people_text_from_a_thousand_drama_numbers() -> None:
    numbers = {sender_number(index) for index in range(1000)}
    assert len(numbers) == 1000
    assert all(number.startswith("+447700900") for number in numbers)


def test_percentiles_are_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert [percentile(values, share) for share in (50, 95, 99, 100)] == [50, 95, 99, 100]
    assert percentile([7.0], 99) == 7.0
    assert percentile([], 50) == 0.0


def test_figures_count_every_turn_and_time_only_those_answered() -> None:
    done = Walk("+447700900001", target(TEAMS[0]), reference="LD-7K3QPX", ended=True)
    done.turns = [
        Turn("hello", "SM1", 100.0, ANSWERED, 2),
        Turn("1", "SM2", 300.0, CANNOT_ANSWER, 1),
    ]
    stuck = Walk("+447700900002", target(TEAMS[0]))
    stuck.turns = [Turn("hello", "SM3", 30000.0, ERROR)]
    found = figures(LoadResult([done, stuck], elapsed_seconds=2.0, concurrency=2))
    assert (found["turns"], found["replies_out"]) == (3, 3)
    assert (found["answered"], found["cannot_answer"], found["errors"]) == (1, 1, 1)
    assert (found["completed"], found["incomplete"]) == (1, 1)
    assert (found["p50_ms"], found["max_ms"]) == (100.0, 300.0)
    assert found["throughput_per_s"] == 1.5


def test_with_calls_among_them_each_channel_is_timed_on_its_own() -> None:
    text = Walk("+447700900001", target(TEAMS[0]), reference="LD-7K3QPX", ended=True)
    text.turns = [Turn("hello", "SM1", 100.0, ANSWERED), Turn("1", "SM2", 300.0, ANSWERED)]
    call = Walk("+447700900002", target(TEAMS[0]), channel="voice")
    call.turns = [Turn("(the call connects)", None, 700.0, ANSWERED)]
    found = figures(LoadResult([text, call], elapsed_seconds=1.0, concurrency=2))
    assert (found["sms_turns"], found["sms_p50_ms"], found["sms_p95_ms"]) == (2, 100.0, 300.0)
    assert (found["voice_turns"], found["voice_p50_ms"]) == (1, 700.0)
    # Texts alone: the figures are as they always were.
    assert "sms_p50_ms" not in figures(LoadResult([text], elapsed_seconds=1.0, concurrency=1))


def test_a_replay_to_rasa_is_the_texts_the_bot_answered_beside_their_gateway_times() -> None:
    done = Walk("+447700900001", target(TEAMS[0]), reference="LD-7K3QPX", ended=True)
    done.turns = [
        Turn("hello", "SM1", 100.0, ANSWERED),
        Turn("1", "SM2", 40.0, CANNOT_ANSWER),
        Turn("1", "SM3", 300.0, ANSWERED),
    ]
    stuck = Walk("+447700900002", target(TEAMS[0]))
    stuck.turns = [Turn("hello", "SM4", 50.0, ANSWERED)]
    [replay] = replays([stuck, done], limit=5)
    assert replay.texts == ("hello", "1")
    assert gateway_ms([stuck, done], limit=5) == [100.0, 300.0]
    assert comparison(direct=[60.0, 80.0], through_gateway=[100.0, 300.0]) == {
        "rasa_direct_turns": 2,
        "rasa_direct_p50_ms": 60.0,
        "rasa_direct_p95_ms": 80.0,
        "overhead_p50_ms": 40.0,
    }
