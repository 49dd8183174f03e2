"""After a whole referral with the real Rasa, nothing the person said can be read in the raw
files of either database (the gateway's, and Rasa's beside it) or their write-ahead logs."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import make_url

from tests.conftest import TWILIO_AUTH_TOKEN
from tests.integration.conftest import RunningStack
from tests.integration.walking import answer_until, referral_by_name, respondent
from webhooks.dev.simulator import SmsSimulator

SOUTH_ESSEX = "+441134960300"
SENDER = "+447456123780"
NAME = "Perpetua Honeysuckle-Vance"
ADDRESS = "4 Marigold Mews, Rayleigh"
SENTENCE = "hello, the custody nurse at Basildon gave me this number"


def raw_files(stack: RunningStack) -> bytes:
    database = make_url(stack.env["DATABASE_URL"]).database
    assert database is not None
    gateway = Path(database)
    rasa = gateway.with_name(f"{gateway.stem}-rasa{gateway.suffix}")
    files = [gateway, rasa, *(Path(f"{path}-wal") for path in (gateway, rasa))]
    assert gateway.exists() and rasa.exists()
    return b"".join(path.read_bytes() for path in files if path.exists())


def test_nothing_said_in_a_whole_referral_is_readable_in_the_raw_files(
    stack: RunningStack,
) -> None:
    person = SmsSimulator(stack.url, TWILIO_AUTH_TOKEN, SENDER, SOUTH_ESSEX)
    script = respondent("south-essex", "self", full_name=NAME, address=ADDRESS)
    first = person.send(SENTENCE)
    answer_until(person.send, script, first)
    detail = referral_by_name(stack, "south-essex", NAME)
    assert {a["question_id"]: a["display"] for a in detail["answers"]}["address"] == ADDRESS
    raw = raw_files(stack).lower()
    for said in (NAME, "Honeysuckle", ADDRESS, "Marigold", SENDER, "7456123780", SENTENCE):
        assert said.lower().encode("utf-8") not in raw, said
