"""Take files from any channel: check each, store it encrypted, and say what happened.

The person is told a file arrived only once it is committed; a file that is refused or
lost is named, with the reason in plain words and the team's email as another way.
Files are fetched only when they can be kept: with the database down, nothing is
downloaded and each file is named as not received.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from webhooks.core.replies import Reply
from webhooks.core.unit_of_work import UnitOfWork
from webhooks.db import conversations, documents
from webhooks.documents.checks import DocumentRejected, FileBody, check_file
from webhooks.documents.cipher import DocumentCipher
from webhooks.teams import Team
from webhooks.wording import Wording

log = logging.getLogger(__name__)
RECEIVED = "received"
# Besides DocumentRejected's reasons: it never reached us (a failed download, no database).
NOT_RECEIVED = "not_received"


@dataclass(frozen=True)
class IncomingFile:
    """A file as a channel got it; `source_id` is unique to its delivery.

    `data` is the bytes (fetched from Twilio), or a web chat upload's file object as
    werkzeug spooled it to disk: the checks read it only as far as they must.
    """

    source_id: str
    data: FileBody
    filename: str
    declared_type: str
    # How the person is told of it, where the name is not theirs ("your file").
    label: str = ""


@dataclass(frozen=True)
class FileOutcome:
    """What became of one file: RECEIVED, NOT_RECEIVED, a DocumentRejected reason, or a
    channel's own refusal, whose words (`said`) the channel chose."""

    status: str
    filename: str
    said: str | None = None


@dataclass(frozen=True)
class Refusal:
    """Why a channel will not keep one more file in this conversation, in plain words."""

    reason: str
    text: str


# A channel's last word on keeping one more file of `size` bytes, asked in the storing
# transaction with the conversation locked (so parallel uploads are counted one after
# another): None to keep it.
Admit = Callable[[Session, str, int], Refusal | None]


@dataclass(frozen=True)
class Attachments:
    """Files that came with a message: how each is named, and how to fetch them.

    An outcome among the fetched items is a file that never came (a failed download).
    """

    labels: tuple[str, ...]
    fetch: Callable[[], Iterable[IncomingFile | FileOutcome]]


def receive_files(
    work: UnitOfWork,
    team_id: str,
    channel: str,
    contact_key: str,
    attachments: Attachments,
    cipher: DocumentCipher,
    at: datetime,
    admit: Admit | None = None,
) -> list[FileOutcome]:
    """Store each file in the person's conversation; what became of each."""
    try:
        conversation = conversations.find_or_open_conversation(
            work.session, team_id, channel, contact_key
        )
        # Nothing is held while the files download from Twilio.
        work.release()
    except SQLAlchemyError as error:
        log.error("documents not stored: %s", type(error).__name__)
        work.rollback()
        return [FileOutcome(NOT_RECEIVED, label) for label in attachments.labels]
    return [
        item
        if isinstance(item, FileOutcome)
        else take_file(work, conversation.id, item, cipher, at, admit)
        for item in attachments.fetch()
    ]


def take_file(
    work: UnitOfWork,
    conversation_id: str,
    incoming: IncomingFile,
    cipher: DocumentCipher,
    at: datetime,
    admit: Admit | None = None,
) -> FileOutcome:
    """Check and store one file, committed before this returns RECEIVED."""
    try:
        checked = check_file(incoming.data, incoming.filename, incoming.declared_type)
    except DocumentRejected as rejected:
        return FileOutcome(rejected.reason, incoming.label or incoming.filename)
    name = incoming.label or checked.filename
    try:
        sealed = documents.seal(checked, cipher, incoming.source_id)
    except OSError as error:
        # The temporary file the parts are encrypted into (a full disk): the file did
        # not reach us, and the person is told so with the team's email.
        log.error("document not sealed: %s", type(error).__name__)
        return FileOutcome(NOT_RECEIVED, name)
    try:
        if not documents.has_source(work.session, incoming.source_id):
            if admit is not None:
                conversations.lock_conversation(work.session, conversation_id)
                refusal = admit(work.session, conversation_id, sealed.size_bytes)
                if refusal is not None:
                    work.rollback()
                    return FileOutcome(refusal.reason, name, said=refusal.text)
            documents.add_sealed(work.session, conversation_id, sealed, at)
        # Stored (now or by an earlier delivery); nothing held while the next downloads.
        work.commit()
    except SQLAlchemyError as error:
        log.error("document not stored: %s", type(error).__name__)
        work.rollback()
        return FileOutcome(NOT_RECEIVED, name)
    finally:
        sealed.close()
    return FileOutcome(RECEIVED, name)


def acknowledgement(outcome: FileOutcome, team: Team, wording: Wording) -> Reply:
    """The person's answer for one file, in the words of data/messages.yml."""
    if outcome.said is not None:
        return Reply(outcome.said)
    email = str(team.office.get("email") or "")
    other_way = wording.say("document_other_way", email=email) if email else ""
    text = wording.say(f"document_{outcome.status}", filename=outcome.filename, other_way=other_way)
    return Reply(" ".join(text.split()))
