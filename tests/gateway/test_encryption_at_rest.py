"""What a person tells us is unreadable in the raw database, the dump and the spool, yet the
queue reads it, its search finds it, and `triage keys rotate` moves it to a new key."""

from __future__ import annotations

import importlib
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from cryptography.fernet import Fernet
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from flows import load_flows
from flows.record import referral_record
from flows.state import Context
from tests.conftest import OPEN_HOURS, TEST_DATA_KEY, TEST_LOOKUP_KEY
from tests.gateway.conftest import FromFlow, SmsPoster, sms_params
from tests.support.engine_walk import walk_engine
from webhooks.cli import main
from webhooks.config import Settings
from webhooks.core import spool
from webhooks.core.ingest import Ingester
from webhooks.db import accounts, crypto
from webhooks.db.models import Message, Referral
from webhooks.dev.scripted import demo_answers

NAME = "Zebedee Quixote-Marchbanks"
ADDRESS = "17 Wisteria Crescent, Leigh-on-Sea"
PHONE = "07456 123789"
PHONE_E164 = "+447456123789"
SENTENCE = "they took my medication off me at the custody desk"
CONTEXT = Context(today=OPEN_HOURS.date(), now=OPEN_HOURS.isoformat())


@pytest.fixture
def keys_restored() -> Iterator[None]:
    """A test that changes the process's keys leaves them as every other test expects."""
    yield
    crypto.configure((TEST_DATA_KEY,), TEST_LOOKUP_KEY)


def whole_referral(from_flow: FromFlow, post_sms: SmsPoster) -> None:
    """A typed sentence by text (Rasa is down here: it is kept all the same) and a South
    Essex referral with this person's name, address and number."""
    post_sms(sms_params(SENTENCE, From=PHONE_E164))
    answers = {**demo_answers("self"), "full_name": NAME, "address": ADDRESS}
    answers["contact_number"] = PHONE
    flow = load_flows()["south_essex"]
    steps = list(walk_engine(flow, answers, CONTEXT))
    final = steps[-1]
    from_flow({"referral": referral_record(flow, final.answers, final.state, CONTEXT)})


def raw_database(settings: Settings, tmp_path: Path) -> bytes:
    """Every byte the database holds: the SQLite files, or a pg_dump of the test's schema."""
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        assert url.database is not None
        files = [Path(url.database), Path(f"{url.database}-wal")]
        return b"".join(path.read_bytes() for path in files if path.exists())
    schema = str(url.query["options"]).split("search_path=")[1].split()[0]
    plain = url.set(drivername="postgresql").difference_update_query(["options"])
    dumped = subprocess.run(
        ["pg_dump", "--no-owner", "-n", schema, plain.render_as_string(hide_password=False)],
        capture_output=True,
        check=True,
        timeout=60,
    )
    return dumped.stdout


def said(raw: bytes) -> list[str]:
    """Which of the person's words can be read in these bytes."""
    words = [NAME, "Zebedee", "Quixote", ADDRESS, "Wisteria", PHONE, PHONE_E164, SENTENCE]
    words += ["7456123789", "custody desk"]
    lowered = raw.lower()
    return [word for word in words if word.lower().encode("utf-8") in lowered]


def api(client: FlaskClient, db: Session, path: str) -> Any:
    token = accounts.create_api_token(db, "south-essex", "Test")
    db.commit()
    response = client.get(path, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


def test_after_a_whole_referral_nothing_the_person_said_is_in_the_raw_database(
    from_flow: FromFlow,
    post_sms: SmsPoster,
    client: FlaskClient,
    db: Session,
    settings: Settings,
    tmp_path: Path,
) -> None:
    whole_referral(from_flow, post_sms)
    db.rollback()
    assert said(raw_database(settings, tmp_path)) == []
    # The queue reads it all the same.
    [listed] = api(client, db, "/api/referrals")["referrals"]
    assert listed["fields"]["full_name"] == NAME
    detail = api(client, db, f"/api/referrals/{listed['id']}")
    assert {a["question_id"]: a["display"] for a in detail["answers"]}["address"] == ADDRESS


@pytest.mark.parametrize(
    "search",
    ["Zebedee", "quix", "Zeb Marchbanks", "quixote-march", PHONE, PHONE_E164, "+44 7456 123789"],
)
def test_the_search_finds_a_name_start_or_the_number_without_reading_them(
    from_flow: FromFlow, post_sms: SmsPoster, client: FlaskClient, db: Session, search: str
) -> None:
    whole_referral(from_flow, post_sms)
    found = api(client, db, f"/api/referrals?q={search}")["referrals"]
    assert [r["fields"]["full_name"] for r in found] == [NAME]


@pytest.mark.parametrize("search", ["Zebedeo", "ebedee", "Marchbanks Smith", "07456 123788"])
def test_the_search_does_not_find_what_is_not_there(
    from_flow: FromFlow, post_sms: SmsPoster, client: FlaskClient, db: Session, search: str
) -> None:
    whole_referral(from_flow, post_sms)
    assert api(client, db, f"/api/referrals?q={search}")["referrals"] == []


def test_keys_rotate_leaves_everything_readable_under_the_new_key_only(
    from_flow: FromFlow,
    post_sms: SmsPoster,
    db: Session,
    settings: Settings,
    keys_restored: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if make_url(settings.database_url).get_backend_name() == "postgresql":
        # Rasa's schema ("rasa") is one for the whole database, shared by every test run
        # against it, with whatever keys they used; Rasa's own rotation is tested on a
        # schema of its own (tests/unit/test_rasa_events_keys.py).
        rotate_command = importlib.import_module("webhooks.cli.keys")
        monkeypatch.setattr(rotate_command, "reencrypt_rasa_events", lambda *_, **__: 0)
    whole_referral(from_flow, post_sms)
    spool.spool(
        settings.spool_dir,
        spool.SpooledMessage("south-essex", "sms", PHONE_E164, SENTENCE, None, "2026-11-24"),
    )
    db.rollback()
    new = Fernet.generate_key().decode()
    env = {
        "DATABASE_URL": settings.database_url,
        "TRIAGE_DATA_KEYS": f"{new},{TEST_DATA_KEY}",
        "TRIAGE_LOOKUP_KEY": TEST_LOOKUP_KEY,
        "TRIAGE_SPOOL_DIR": str(settings.spool_dir),
    }
    first = CliRunner().invoke(main, ["keys", "rotate", "--batch", "7"], env=env)
    assert first.exit_code == 0, first.output
    assert "messages: 0 rewritten" not in first.output
    # Only the new key now: everything reads, and the number is still found by its hash.
    crypto.configure((new,), TEST_LOOKUP_KEY)
    db.expire_all()
    referral = db.scalars(select(Referral)).one()
    assert {a.question_id: a.display for a in referral.answers}["full_name"] == NAME
    assert SENTENCE in [message.body for message in db.scalars(select(Message))]
    [waiting] = spool.waiting(settings.spool_dir)
    assert spool.read_message(waiting).text == SENTENCE
    # A second run finds nothing left to do.
    second = CliRunner().invoke(main, ["keys", "rotate"], env={**env, "TRIAGE_DATA_KEYS": new})
    assert second.exit_code == 0, second.output
    counts = [line for line in second.output.splitlines() if "rewritten" in line]
    assert counts and all(": 0 rewritten" in line for line in counts), second.output


def test_a_missing_key_stops_rotation_with_what_to_do(
    from_flow: FromFlow, post_sms: SmsPoster, db: Session, settings: Settings, keys_restored: None
) -> None:
    whole_referral(from_flow, post_sms)
    db.rollback()
    env = {
        "DATABASE_URL": settings.database_url,
        "TRIAGE_DATA_KEYS": Fernet.generate_key().decode(),
        "TRIAGE_LOOKUP_KEY": TEST_LOOKUP_KEY,
    }
    result = CliRunner().invoke(main, ["keys", "rotate"], env=env)
    assert result.exit_code == 1
    assert "add the missing key" in result.output
    assert "Traceback" not in result.output


def test_the_spool_keeps_what_a_person_wrote_encrypted(tmp_path: Path) -> None:
    message = spool.SpooledMessage("south-essex", "sms", PHONE_E164, SENTENCE, None, "2026-11-24")
    path = spool.spool(tmp_path, message)
    assert said(path.read_bytes()) == []
    assert spool.read_message(path) == message
    # A file kept by an earlier version (plain JSON) still reads.
    path.write_text(
        '{"team_id": "south-essex", "channel": "sms", "contact_key": "+447456123789", '
        '"text": "hello", "external_id": null, "received_at": "2026-11-24"}'
    )
    assert spool.read_message(path).text == "hello"


def test_a_document_no_key_opens_is_a_plain_500_not_a_traceback(
    client: FlaskClient, db: Session
) -> None:
    from tests.gateway.conftest import make_referral
    from webhooks.db.models import Document

    referral = make_referral(db, "south-essex")
    db.add(
        Document(
            conversation_id=referral.conversation_id,
            source_id="webchat/lost-key",
            filename="letter.pdf",
            content_type="application/pdf",
            size_bytes=3,
            sha256="0" * 64,
            encrypted=Fernet(Fernet.generate_key()).encrypt(b"%PDF"),
        )
    )
    db.commit()
    [document] = db.scalars(select(Document)).all()
    token = accounts.create_api_token(db, "south-essex")
    db.commit()
    response = client.get(
        f"/api/referrals/{referral.id}/documents/{document.id}",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 500
    assert "key it was stored with is not configured" in response.get_data(as_text=True)


def test_the_raw_columns_hold_tokens(from_flow: FromFlow, post_sms: SmsPoster, db: Session) -> None:
    whole_referral(from_flow, post_sms)
    db.rollback()
    bodies = db.execute(text("SELECT body FROM messages")).scalars().all()
    assert bodies and all(body.startswith("gAAAA") for body in bodies)


def test_a_spooled_file_no_key_opens_is_set_aside_and_the_rest_are_stored(
    app: Flask, db: Session, settings: Settings, keys_restored: None
) -> None:
    lost = Fernet.generate_key().decode()
    crypto.configure((lost,), TEST_LOOKUP_KEY)
    spool.spool(
        settings.spool_dir,
        spool.SpooledMessage(
            "south-essex", "sms", PHONE_E164, "lost", None, "2026-11-24T10:00:00+00:00"
        ),
    )
    crypto.configure((TEST_DATA_KEY,), TEST_LOOKUP_KEY)
    spool.spool(
        settings.spool_dir,
        spool.SpooledMessage(
            "south-essex", "sms", PHONE_E164, "kept", None, "2026-11-24T10:00:00+00:00"
        ),
    )
    ingester = Ingester(
        app.extensions["session_factory"], settings.spool_dir, app.extensions["triage"].teams
    )
    ingester.drain(OPEN_HOURS)
    db.rollback()
    assert [message.body for message in db.scalars(select(Message))] == ["kept"]
    assert len(list((settings.spool_dir / "set-aside").iterdir())) == 1
