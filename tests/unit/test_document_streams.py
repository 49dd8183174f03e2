"""A file handed over as a file object (a web chat upload on disk) is checked without
being read whole, and handed on as it is once it has passed."""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterator
from typing import IO

import pytest

from tests.support.files import JPEG, PDF, PROGRAM
from webhooks.documents.checks import MAX_BYTES, DocumentRejected, check_file, size_of

MIB = 1024 * 1024


class Counted(io.BytesIO):
    """A file object that counts the bytes read from it."""

    bytes_read = 0

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.bytes_read += len(data)
        return data


@pytest.fixture
def on_disk() -> Iterator[IO[bytes]]:
    """A temporary file, as werkzeug spools a large upload."""
    with tempfile.TemporaryFile() as file:
        yield file


@pytest.mark.parametrize("data", [PDF, JPEG, b"Risk plan: call mum first."])
def test_a_file_object_is_judged_as_its_bytes_are(data: bytes) -> None:
    name, declared = "upload.txt", "text/plain"
    from_bytes = check_file(data, name, declared)
    stream = io.BytesIO(data)
    from_stream = check_file(stream, name, declared)
    assert (from_stream.content_type, from_stream.filename) == (
        from_bytes.content_type,
        from_bytes.filename,
    )
    assert (from_bytes.data, from_stream.data) == (data, stream)


def test_a_file_over_the_limit_is_refused_without_reading_a_byte(on_disk: IO[bytes]) -> None:
    # Sparse: the file is its size on disk without the test holding it in memory.
    on_disk.truncate(MAX_BYTES + 1)
    assert size_of(on_disk) == MAX_BYTES + 1
    with pytest.raises(DocumentRejected) as refused:
        check_file(on_disk, "scan.pdf", "application/pdf")
    assert refused.value.reason == "too_big"
    assert on_disk.tell() == MAX_BYTES + 1  # only moved to its end, to measure it


def test_a_large_program_is_refused_from_its_first_bytes() -> None:
    program = Counted(PROGRAM + b"\x00" * (20 * MIB))
    with pytest.raises(DocumentRejected) as refused:
        check_file(program, "risk assessment.pdf", "application/pdf")
    assert refused.value.reason == "wrong_type"
    assert program.bytes_read <= 8192


def test_a_taken_file_is_read_no_further_than_its_checks_need() -> None:
    letter = Counted(PDF + b"\n" * (5 * MIB))
    checked = check_file(letter, "letter.pdf", "application/pdf")
    # Handed on as it is, to be encrypted a part at a time (webhooks/db/documents.py).
    assert checked.data is letter
    assert letter.bytes_read <= 8192


def test_plain_text_is_read_in_chunks_with_a_character_across_two() -> None:
    # "é" is two bytes in UTF-8; the first chunk ends between them.
    text = b"a" * (MIB - 1) + "é".encode() + b" and more"
    assert check_file(io.BytesIO(text), "notes.txt", "text/plain").content_type == "text/plain"


@pytest.mark.parametrize("bad", [b"\x00", b"\xff\xfe"], ids=["NUL", "not UTF-8"])
def test_text_that_is_not_text_far_into_the_file_is_refused(bad: bytes) -> None:
    text = b"a" * (3 * MIB) + bad + b"a" * 10
    with pytest.raises(DocumentRejected) as refused:
        check_file(io.BytesIO(text), "notes.txt", "text/plain")
    assert refused.value.reason == "wrong_type"
