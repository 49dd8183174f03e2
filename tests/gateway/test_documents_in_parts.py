"""A file is stored and downloaded a part at a time: a large upload is never held whole
in memory, on the way in or out; its parts move to a new key with the rest; they go
when their conversation goes; and a file stored whole by an earlier version still reads."""

from __future__ import annotations

import hashlib
import importlib
import io
import tracemalloc
from collections.abc import Callable, Iterator

import pytest
from click.testing import CliRunner
from cryptography.fernet import Fernet
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.exceptions import NotFound
from werkzeug.test import EnvironBuilder, TestResponse, encode_multipart

from tests.conftest import TEST_DATA_KEY, TEST_LOOKUP_KEY
from tests.gateway.conftest import make_referral
from tests.support.files import PDF
from tests.support.web_chat import bot_asks, csrf_token, say
from webhooks.cli import main
from webhooks.config import Settings
from webhooks.db import accounts, crypto, documents
from webhooks.db import retention as records
from webhooks.db.models import Document, DocumentPart
from webhooks.documents.cipher import PART_BYTES, DocumentCipher
from webhooks.web.download import download
from webhooks.web.services import services

TEAM = "together-london"
MIB = 1024 * 1024
# Large enough that holding it whole (or its encrypted form) would stand out.
LARGE = PDF + bytes(range(256)) * (24 * MIB // 256)
# What storing or sending a file may hold at once: a few parts' worth as each is
# encrypted or decrypted, however large the file.
HELD_AT_MOST = 16 * PART_BYTES


def chat_asking_for_files(client: FlaskClient, db: Session) -> str:
    token = csrf_token(client, TEAM)
    say(client, TEAM, "hello", token)
    bot_asks(client, db, TEAM, "documents")
    return token


def traced_peak(action: Callable[[], object]) -> int:
    """The most memory Python held at once while `action` ran, above what it held before."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before, _ = tracemalloc.get_traced_memory()
        action()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak - before


def upload_builder(token: str, name: str, data: bytes) -> EnvironBuilder:
    """The upload as the page sends it, its body made up front (so it is not counted)."""
    boundary, body = encode_multipart(
        MultiDict({"document": FileStorage(io.BytesIO(data), filename=name)})
    )
    return EnvironBuilder(
        path=f"/chat/{TEAM}/documents",
        method="POST",
        input_stream=io.BytesIO(body),
        content_length=len(body),
        content_type=f"multipart/form-data; boundary={boundary}",
        headers={"X-CSRFToken": token},
    )


@pytest.fixture
def stored_large(client: FlaskClient, db: Session) -> Iterator[Document]:
    token = chat_asking_for_files(client, db)
    response = client.open(upload_builder(token, "bundle.pdf", LARGE))
    assert response.status_code == 200, response.text
    db.rollback()
    yield db.scalars(select(Document)).one()


def test_a_large_upload_is_stored_in_parts_without_being_held_whole(
    client: FlaskClient, db: Session
) -> None:
    token = chat_asking_for_files(client, db)
    builder = upload_builder(token, "bundle.pdf", LARGE)
    responses: list[TestResponse] = []

    peak = traced_peak(lambda: responses.append(client.open(builder)))

    assert responses[0].status_code == 200, responses[0].text
    db.rollback()
    document = db.scalars(select(Document)).one()
    assert (document.size_bytes, document.sha256) == (len(LARGE), hashlib.sha256(LARGE).hexdigest())
    assert document.parts == -(-len(LARGE) // PART_BYTES)
    assert peak < HELD_AT_MOST, f"{peak / MIB:.1f} MiB held at once"


def test_a_large_file_is_downloaded_in_parts_without_being_held_whole(
    client: FlaskClient, db: Session, stored_large: Document
) -> None:
    api = {"Authorization": f"Bearer {accounts.create_api_token(db, TEAM)}"}
    db.commit()
    # The referral the upload's conversation led to, so the API can offer the file.
    referral = make_referral(db, TEAM)
    referral.conversation_id = stored_large.conversation_id
    db.commit()
    url = f"/api/referrals/{referral.id}/documents/{stored_large.id}"
    digest = hashlib.sha256()
    sizes: list[int] = []

    def download() -> None:
        response = client.get(url, headers=api, buffered=False)
        assert response.status_code == 200
        sizes.append(int(response.headers["Content-Length"]))
        for chunk in response.response:
            digest.update(chunk)
        response.close()

    peak = traced_peak(download)

    assert digest.hexdigest() == stored_large.sha256
    assert sizes == [len(LARGE)]
    assert peak < HELD_AT_MOST, f"{peak / MIB:.1f} MiB held at once"


@pytest.fixture
def keys_restored() -> Iterator[None]:
    """The rotation command configures the process's keys; every other test expects these."""
    yield
    crypto.configure((TEST_DATA_KEY,), TEST_LOOKUP_KEY)


def test_parts_move_to_a_new_key_and_read_under_it_alone(
    db: Session,
    settings: Settings,
    stored_large: Document,
    keys_restored: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Rasa's schema on PostgreSQL is shared by every run against the database, with their
    # own keys (see test_encryption_at_rest); its rotation is tested on its own.
    keys_command = importlib.import_module("webhooks.cli.keys")
    monkeypatch.setattr(keys_command, "reencrypt_rasa_events", lambda *_, **__: 0)
    new = Fernet.generate_key().decode()
    env = {
        "DATABASE_URL": settings.database_url,
        "TRIAGE_DATA_KEYS": TEST_DATA_KEY,
        "TRIAGE_DOCUMENT_KEYS": f"{new},{TEST_DATA_KEY}",
        "TRIAGE_LOOKUP_KEY": TEST_LOOKUP_KEY,
        "TRIAGE_SPOOL_DIR": str(settings.spool_dir),
    }
    result = CliRunner().invoke(main, ["keys", "rotate", "--batch", "1"], env=env)
    assert result.exit_code == 0, result.output
    assert "document files: 1 rewritten" in result.output
    db.rollback()
    only_new = DocumentCipher([new])
    assert hashlib.sha256(b"".join(documents.contents(db, stored_large, only_new))).hexdigest() == (
        stored_large.sha256
    )


def test_the_parts_go_with_their_conversation(db: Session, stored_large: Document) -> None:
    records.delete_conversations(db, [stored_large.conversation_id])
    db.commit()
    assert db.scalar(select(func.count()).select_from(DocumentPart)) == 0
    assert db.scalar(select(func.count()).select_from(Document)) == 0


def test_a_file_stored_whole_by_an_earlier_version_still_downloads(
    app: Flask, client: FlaskClient, db: Session
) -> None:
    referral = make_referral(db, TEAM)
    with app.app_context():
        whole = services().documents.encrypt(PDF)
    db.add(
        Document(
            conversation_id=referral.conversation_id,
            source_id="webchat/earlier",
            filename="letter.pdf",
            content_type="application/pdf",
            size_bytes=len(PDF),
            sha256=hashlib.sha256(PDF).hexdigest(),
            encrypted=whole,
            parts=None,
        )
    )
    token = accounts.create_api_token(db, TEAM)
    db.commit()
    [document] = db.scalars(select(Document)).all()
    response = client.get(
        f"/api/referrals/{referral.id}/documents/{document.id}",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert (response.status_code, response.data) == (200, PDF)


def test_a_file_deleted_after_it_was_found_is_not_found_not_an_empty_download(
    app: Flask, db: Session, stored_large: Document
) -> None:
    """A purge or an erasure between finding the file and sending it: a plain 404, never
    a promise of its length followed by nothing."""
    found = db.get(Document, stored_large.id)
    assert found is not None
    db.expunge(found)  # what the request had found, as it was
    records.delete_conversations(db, [stored_large.conversation_id])
    db.commit()
    with app.test_request_context(), pytest.raises(NotFound):
        download(found, services().documents)


def test_a_disk_that_refuses_the_encrypted_parts_is_a_file_not_received(
    client: FlaskClient, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = chat_asking_for_files(client, db)

    def disk_full(*_: object) -> object:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(documents, "seal", disk_full)
    response = client.open(upload_builder(token, "letter.pdf", PDF))

    assert response.status_code == 200
    [reply] = (response.json or {})["replies"]
    assert reply["text"].startswith("Sorry, letter.pdf did not reach us."), reply
    db.rollback()
    assert db.scalars(select(Document)).all() == []
