"""Settings fail fast, naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import TEST_DATA_KEY, TEST_LOOKUP_KEY
from webhooks.config import ConfigError, settings_from_env

KEYS = {"TRIAGE_DATA_KEYS": TEST_DATA_KEY, "TRIAGE_LOOKUP_KEY": TEST_LOOKUP_KEY}
BASE = {"SECRET_KEY": "k", "TWILIO_AUTH_TOKEN": "t", **KEYS}


def test_it_uses_the_embedded_defaults() -> None:
    settings = settings_from_env(BASE)
    assert settings.database_url.startswith("sqlite:///")
    assert settings.database_url.endswith("var/triage.db")
    assert settings.rasa_url == "http://127.0.0.1:5005"
    assert settings.public_base_url is None


@pytest.mark.parametrize(
    "name", ["SECRET_KEY", "TWILIO_AUTH_TOKEN", "TRIAGE_DATA_KEYS", "TRIAGE_LOOKUP_KEY"]
)
def test_it_refuses_to_start_without_a_secret(name: str) -> None:
    environ = {key: value for key, value in BASE.items() if key != name}
    with pytest.raises(ConfigError, match=name):
        settings_from_env(environ)


def test_it_reads_a_secret_from_a_file(tmp_path: Path) -> None:
    secret = tmp_path / "token"
    secret.write_text("from-file\n")
    settings = settings_from_env({"SECRET_KEY": "k", "TWILIO_AUTH_TOKEN_FILE": str(secret), **KEYS})
    assert settings.twilio_auth_token == "from-file"


def test_it_names_an_unreadable_secret_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="TWILIO_AUTH_TOKEN_FILE"):
        settings_from_env(
            {"SECRET_KEY": "k", "TWILIO_AUTH_TOKEN_FILE": str(tmp_path / "no"), **KEYS}
        )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("RASA_URL", "localhost:5005"),
        ("PUBLIC_BASE_URL", "example.org"),
        ("TRIAGE_NOW", "next tuesday"),
        ("TRIAGE_NOW", "2026-11-23T21:30:00"),
        ("RASA_TIMEOUT_SECONDS", "soon"),
        ("RASA_TIMEOUT_SECONDS", "0"),
        ("TRIAGE_DATA_KEYS", "not-a-fernet-key"),
        ("TRIAGE_LOOKUP_KEY", "too short"),
        ("TRIAGE_IDLE_TIMEOUT_MINUTES", "never"),
    ],
)
def test_it_names_a_malformed_setting(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        settings_from_env({**BASE, name: value})


def test_it_pins_the_clock_when_asked(caplog: pytest.LogCaptureFixture) -> None:
    settings = settings_from_env({**BASE, "TRIAGE_NOW": "2026-12-25T03:00:00+00:00"})
    assert settings.triage_now is not None
    assert settings.triage_now.isoformat() == "2026-12-25T03:00:00+00:00"
    assert "TRIAGE_NOW" in caplog.text


def test_it_trims_the_public_base_url() -> None:
    settings = settings_from_env({**BASE, "PUBLIC_BASE_URL": "https://ld.example.org/"})
    assert settings.public_base_url == "https://ld.example.org"


def test_the_data_keys_come_from_files_too(tmp_path: Path) -> None:
    (tmp_path / "data").write_text(f"{TEST_DATA_KEY}\n")
    (tmp_path / "lookup").write_text(f"{TEST_LOOKUP_KEY}\n")
    environ = {
        "SECRET_KEY": "k",
        "TWILIO_AUTH_TOKEN": "t",
        "TRIAGE_DATA_KEYS_FILE": str(tmp_path / "data"),
        "TRIAGE_LOOKUP_KEY_FILE": str(tmp_path / "lookup"),
    }
    settings = settings_from_env(environ)
    assert settings.data_keys == (TEST_DATA_KEY,)
    assert settings.lookup_key == TEST_LOOKUP_KEY
