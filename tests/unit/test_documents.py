"""Which files are taken, under what name, and how they are kept encrypted."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from tests.support.files import JPEG, PDF, PROGRAM
from webhooks.config import ConfigError, settings_from_env
from webhooks.documents.checks import MAX_BYTES, DocumentRejected, check_file, safe_name
from webhooks.documents.cipher import DocumentCipher, DocumentUnreadable, derived_key


def test_a_pdf_and_a_photo_are_taken_by_what_their_bytes_are() -> None:
    assert check_file(PDF, "letter", "application/octet-stream").content_type == "application/pdf"
    assert check_file(JPEG, "IMG_0001.JPG", "image/jpeg").filename == "IMG_0001.jpg"


@pytest.mark.parametrize(
    ("data", "name", "declared", "reason"),
    [
        (PROGRAM, "risk assessment.pdf", "application/pdf", "wrong_type"),
        (b"PK\x03\x04" + b"\x00" * 40, "notes.zip", "application/zip", "wrong_type"),
        (b"hello\x00world", "notes.txt", "text/plain", "wrong_type"),
        (b"", "empty.pdf", "application/pdf", "empty"),
        (PDF + b"\x00" * MAX_BYTES, "huge.pdf", "application/pdf", "too_big"),
    ],
)
def test_files_a_practitioner_should_not_open_are_refused(
    data: bytes, name: str, declared: str, reason: str
) -> None:
    with pytest.raises(DocumentRejected) as refused:
        check_file(data, name, declared)
    assert refused.value.reason == reason


def test_plain_text_is_taken_when_it_says_so_and_reads_as_text() -> None:
    checked = check_file(b"Risk plan: call mum first.", "plan.txt", "text/plain")
    assert (checked.content_type, checked.filename) == ("text/plain", "plan.txt")


def test_a_file_of_exactly_50_mb_is_taken() -> None:
    assert check_file(PDF + b"\x00" * (MAX_BYTES - len(PDF)), "a.pdf", "").data[:4] == b"%PDF"


@pytest.mark.parametrize(
    ("sent_as", "kept_as"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\sam\\letter.exe", "letter.pdf"),
        ("<script>.pdf", "script.pdf"),
        ("", "document.pdf"),
    ],
)
def test_a_name_loses_its_folders_odd_characters_and_false_extension(
    sent_as: str, kept_as: str
) -> None:
    assert safe_name(sent_as, "application/pdf") == kept_as


def test_documents_are_encrypted_and_a_rotated_key_still_opens_old_ones() -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    stored = DocumentCipher([old]).encrypt(PDF)
    assert PDF not in stored
    assert DocumentCipher([new, old]).decrypt(stored) == PDF
    with pytest.raises(DocumentUnreadable):
        DocumentCipher([new]).decrypt(stored)


def test_documents_use_the_data_keys_and_stay_readable_whatever_the_secret_key() -> None:
    data_key = Fernet.generate_key().decode()
    stored = DocumentCipher.from_secrets((), (data_key,), "secret one").encrypt(PDF)
    # A new cookie secret never locks documents away: no key comes from it.
    assert DocumentCipher.from_secrets((), (data_key,), "secret two").decrypt(stored) == PDF
    with pytest.raises(DocumentUnreadable):
        DocumentCipher.from_secrets((), (Fernet.generate_key().decode(),), "s").decrypt(stored)


def test_documents_stored_under_the_old_secret_derived_key_are_still_read_and_rotated() -> None:
    old = DocumentCipher([derived_key("secret one")]).encrypt(PDF)
    current = DocumentCipher.from_secrets((), (Fernet.generate_key().decode(),), "secret one")
    assert current.decrypt(old) == PDF
    assert not current.is_current(old)
    rotated = current.rotate(old)
    assert current.is_current(rotated)
    with pytest.raises(DocumentUnreadable):
        DocumentCipher([derived_key("secret one")]).decrypt(rotated)


def test_a_malformed_document_key_is_named_at_start_up() -> None:
    environ = {
        "SECRET_KEY": "s",
        "TWILIO_AUTH_TOKEN": "t",
        "TRIAGE_DATA_KEYS": Fernet.generate_key().decode(),
        "TRIAGE_LOOKUP_KEY": "a lookup key that is long enough to be used",
        "TRIAGE_DOCUMENT_KEYS": "not-a-key",
    }
    with pytest.raises(ConfigError, match="TRIAGE_DOCUMENT_KEYS"):
        settings_from_env(environ)
    good = Fernet.generate_key().decode()
    environ["TRIAGE_DOCUMENT_KEYS"] = f"{good}, {Fernet.generate_key().decode()}"
    assert settings_from_env(environ).document_keys[0] == good
