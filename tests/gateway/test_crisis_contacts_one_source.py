"""A crisis number is written once: change it in `data/crisis_contacts.yml` and every
channel, the flows' endings and Rasa's own responses say the new one, and none the old."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from xml.etree import ElementTree

import pytest
from flask import Flask
from flask.testing import FlaskClient

from flows import load_flows
from flows.contacts import load_crisis_contacts
from flows.data_dir import DATA_DIR_VARIABLE
from flows.rasa_responses import render_responses
from tests.gateway.conftest import signed_post, sms_params
from webhooks import create_app
from webhooks.config import PROJECT_ROOT, Settings
from webhooks.web.services import services

OLD = "116 123"
# Ofcom's drama range: a valid freephone number that reaches nobody.
NEW = "0808 157 0123"
COVENTRY = "+441214960200"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of data/ with Samaritans' number changed, used by every process from now
    on: the gateway by its settings, the flows (as the action server loads them) by the
    variable both read."""
    data = tmp_path / "data"
    shutil.copytree(
        PROJECT_ROOT / "data", data, ignore=shutil.ignore_patterns("risk", "lexicons", "demo")
    )
    contacts = data / "crisis_contacts.yml"
    text = contacts.read_text(encoding="utf-8")
    assert f'number: "{OLD}"' in text
    contacts.write_text(text.replace(f'"{OLD}"', f'"{NEW}"'), encoding="utf-8")
    monkeypatch.setenv(DATA_DIR_VARIABLE, str(data))
    return data


@pytest.fixture
def changed_app(settings: Settings, data_dir: Path) -> Iterator[Flask]:
    app = create_app(replace(settings, data_dir=data_dir))
    app.config.update(TESTING=True)
    yield app
    app.extensions["engine"].dispose()
    app.extensions["triage"].transports.http.close()


def test_a_changed_number_is_said_everywhere_and_the_old_one_nowhere(
    changed_app: Flask, data_dir: Path
) -> None:
    client = changed_app.test_client()
    # A text (Together London), with risk to self: the gateway's own crisis message.
    texted = _texted(client, "I want to kill myself")
    assert NEW in texted and OLD not in texted
    # A call (Coventry and Warwickshire): the same contacts, spoken.
    call = {"CallSid": "CA" + "2" * 32, "From": "+447911123456", "To": COVENTRY}
    signed_post(client, "/twilio/voice", {**call, "CallStatus": "ringing"})
    spoken = signed_post(
        client, "/twilio/voice/answer", {**call, "SpeechResult": "I want to die"}
    ).get_data(as_text=True)
    assert NEW in spoken and OLD not in spoken
    # Every message the gateway can say, whichever is said.
    with changed_app.app_context():
        texts = services().wording.templates()
    assert any(NEW in text for text in texts.values())
    assert not [key for key, text in texts.items() if OLD in text]
    # A flow's ending, as the action server loads the flows.
    london = load_flows()["together_london"].question("lives_in_london")
    assert london.ends_say is not None and NEW in london.ends_say.plain
    assert not _flow_texts_with(OLD)
    # Rasa's own responses, generated from the same file.
    responses = render_responses(load_crisis_contacts(data_dir / "crisis_contacts.yml"))
    assert NEW in responses and OLD not in responses


def test_without_the_change_the_old_number_is_said(client: FlaskClient) -> None:
    """The check above can fail: the same message from the data as committed."""
    texted = _texted(client, "I want to kill myself")
    assert OLD in texted and NEW not in texted
    assert _flow_texts_with(OLD)


def _texted(client: FlaskClient, body: str) -> str:
    response = signed_post(client, "/twilio/sms", sms_params(body))
    return " ".join(m.text or "" for m in ElementTree.fromstring(response.data).iter("Message"))


def _flow_texts_with(number: str) -> list[str]:
    found = []
    for flow in load_flows().values():
        wordings = [q.ask for q in flow.questions] + [q.retry for q in flow.questions]
        wordings += [q.ends_say for q in flow.questions if q.ends_say is not None]
        wordings += [ending.say for ending in flow.endings]
        found += [text for wording in wordings for text in wording.all() if number in text]
    return found
