"""Which web chat uploads are taken at all: only while the flow asks for files, and only
so many per conversation.

Anyone can open the chat page, so without these an anonymous browser could fill the
database with encrypted files nobody asked for. The file itself is checked afterwards,
as every channel's is (webhooks/documents/checks.py).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from webhooks.core.documents import Admit, Refusal
from webhooks.db import chat_uploads, conversations
from webhooks.teams import Team

if TYPE_CHECKING:
    from webhooks.core.conversations import ConversationCore

log = logging.getLogger(__name__)
WEBCHAT = "webchat"
# A risk assessment, a letter or two and a photo of a court paper: what the documents
# question asks for. More is emailed (the refusal gives the team's address).
MAX_FILES = 5
# One file at the 50 MiB limit and a few photos besides; each is held encrypted in the
# database, so this bounds what one browser can make it keep.
MAX_TOTAL_BYTES = 60 * 1024 * 1024
_MIB = 1024 * 1024

# Why an upload is refused before it is read.
NOT_ASKED = "not_asked"
TOO_MANY_FILES = "too_many_files"
TOO_MUCH_IN_ALL = "too_much_in_all"
_WORDS = {
    NOT_ASKED: "chat_file_not_asked",
    TOO_MANY_FILES: "chat_file_too_many",
    TOO_MUCH_IN_ALL: "chat_file_too_much",
}


def refused_upload(
    core: ConversationCore, team: Team, contact_key: str | None, size: int
) -> Refusal | None:
    """Why a file of `size` bytes is not taken into this browser's conversation; None
    when it may go on to the file's own checks.

    A first look, before the file is read; `quota` looks again as the file is stored.
    With the database down this says None: the file's way in then tells the person it
    did not reach us, with the team's email, as it always has.
    """
    if contact_key is None:
        # This browser has no conversation, so nothing has asked it for a file.
        return _refused(core, team, NOT_ASKED)
    session = core.work.session
    try:
        conversation = conversations.find_conversation(session, team.id, WEBCHAT, contact_key)
        if conversation is None:
            return _refused(core, team, NOT_ASKED)
        asked = chat_uploads.last_question_asked(session, conversation.id)
        held = chat_uploads.files_held(session, conversation.id)
        # Nothing held while the file is checked and encrypted.
        core.work.release()
    except SQLAlchemyError as error:
        log.error("upload quota not read: %s", type(error).__name__)
        core.work.rollback()
        return None
    if not core.questions.takes_files(asked):
        return _refused(core, team, NOT_ASKED)
    over = _over_quota(held, size)
    return _refused(core, team, over) if over else None


def quota(core: ConversationCore, team: Team) -> Admit:
    """The conversation's quota, counted again as a file is stored: files sent at once
    all pass the first look, and only as many as fit are kept."""

    def admit(session: Session, conversation_id: str, size: int) -> Refusal | None:
        over = _over_quota(chat_uploads.files_held(session, conversation_id), size)
        return _refused(core, team, over) if over else None

    return admit


def _over_quota(held: tuple[int, int], size: int) -> str | None:
    count, total = held
    if count >= MAX_FILES:
        return TOO_MANY_FILES
    if total + size > MAX_TOTAL_BYTES:
        return TOO_MUCH_IN_ALL
    return None


def _refused(core: ConversationCore, team: Team, reason: str) -> Refusal:
    email = str(team.office.get("email") or "")
    other_way = core.wording.say("document_other_way", email=email) if email else ""
    limit = MAX_FILES if reason == TOO_MANY_FILES else MAX_TOTAL_BYTES // _MIB
    text = core.wording.say(_WORDS[reason], number=str(limit), other_way=other_way)
    return Refusal(reason, " ".join(text.split()))
