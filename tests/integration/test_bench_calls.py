"""`triage bench --channel mixed`: a call and a text, whole referrals at once through the
live stack, each channel timed on its own."""

from __future__ import annotations

from tests.conftest import TWILIO_AUTH_TOKEN
from tests.integration.conftest import RunningStack
from tests.integration.test_concurrent_conversations import targets
from webhooks.dev.load import MIXED, Load, LoadPlan, figures
from webhooks.dev.soak import check_ledger
from webhooks.dev.texting import ANSWERED, Patience

# Numbers of this module's own in the drama range, apart from other tests' senders.
FIRST_NUMBER = 950


def test_a_call_and_a_text_each_make_a_whole_referral(stack: RunningStack) -> None:
    plan = LoadPlan(
        url=stack.url,
        auth_token=TWILIO_AUTH_TOKEN,
        targets=targets()[:1],
        concurrency=2,
        conversations=2,
        patience=Patience(max_turns=150, give_up_seconds=2, pause_seconds=0.5),
        first_number=FIRST_NUMBER,
        channel=MIXED,
    )
    result = Load(plan).run()

    assert sorted(walk.channel for walk in result.walks) == ["sms", "voice"]
    for walk in result.walks:
        assert walk.reference is not None, (walk.channel, walk.turns[-3:])
        assert {turn.outcome for turn in walk.turns} == {ANSWERED}, walk.channel
    found = figures(result)
    assert found["voice_turns"] > 40 and found["sms_turns"] > 40
    assert found["voice_p50_ms"] > 0
    # The text's messages are in the ledger by MessageSid; both referrals are stored.
    ledger = check_ledger(stack.env["DATABASE_URL"], result.walks)
    assert ledger.messages_in == found["sms_turns"]
    assert (ledger.lost, ledger.referrals_committed) == (0, 2)
