"""What people write, and their numbers, never reach the logs."""

from __future__ import annotations

import logging

import pytest
from flask.testing import FlaskClient

from tests.gateway.conftest import SmsPoster, sms_params
from tests.gateway.test_webchat import csrf_token

SECRETS = ["Marta Kowalska", "I want to kill myself", "he hits me", "+447911654320"]


def test_a_conversation_leaves_no_personal_data_in_the_logs(
    post_sms: SmsPoster, client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for text in ("hello", "Marta Kowalska", "I want to kill myself", "he hits me"):
        post_sms(sms_params(text, From="+447911654320"))
    token = csrf_token(client, "south-essex")
    client.post(
        "/chat/south-essex/messages",
        json={"text": "Marta Kowalska"},
        headers={"X-CSRFToken": token},
    )
    assert "risk found" in caplog.text  # the log still says what happened...
    for secret in SECRETS:
        assert secret not in caplog.text  # ...but not who, or in what words
