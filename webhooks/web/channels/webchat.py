"""Web chat: the page at `/chat/<team id>` and the JSON behind it."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, abort, jsonify, render_template, request, session
from flask.typing import ResponseReturnValue

from webhooks.core.documents import IncomingFile, acknowledgement, take_files
from webhooks.core.replies import Inbound, Reply
from webhooks.db import conversations
from webhooks.db.engine import db_session
from webhooks.documents.checks import MAX_BYTES
from webhooks.teams import Team
from webhooks.web.services import services, turn_handler

bp = Blueprint("webchat", __name__)
MAX_MESSAGE_LENGTH = 1000


def _team_or_404(team_id: str) -> Team:
    team = services().teams.by_id(team_id)
    if team is None:
        abort(404)
    return team


def _browser_key(team_id: str) -> str:
    # A random id in the signed session cookie: the conversation survives a reload,
    # and nothing about the person is in the cookie.
    keys: dict[str, str] = session.setdefault("chat", {})
    if team_id not in keys:
        keys[team_id] = str(uuid.uuid4())
        session.modified = True
    return keys[team_id]


@bp.get("/chat/<team_id>")
def page(team_id: str) -> ResponseReturnValue:
    """The chat page."""
    team = _team_or_404(team_id)
    return render_template("chat/page.html", team=team)


@bp.get("/chat/<team_id>/messages")
def history(team_id: str) -> ResponseReturnValue:
    """This browser's conversation so far, so a reload shows it again."""
    team = _team_or_404(team_id)
    conversation = conversations.find_conversation(
        db_session(), team.id, "webchat", _browser_key(team.id)
    )
    messages: list[dict[str, Any]] = []
    if conversation is not None:
        messages = [
            {
                "from": "person" if message.direction == "in" else "bot",
                "text": message.body,
                "options": (message.options or {}).get("labels", []),
                "files": message.direction == "out" and _asks_for_files(message.body),
            }
            for message in conversation.messages
        ]
    return jsonify(messages=messages)


@bp.post("/chat/<team_id>/messages")
def send(team_id: str) -> ResponseReturnValue:
    """Take one message from the browser and return the bot's replies."""
    team = _team_or_404(team_id)
    body = request.get_json(silent=True) or {}
    text = str(body.get("text", "")).strip()
    if not text:
        return jsonify(error=services().wording.say("chat_empty")), 400
    if len(text) > MAX_MESSAGE_LENGTH:
        return jsonify(error=services().wording.say("chat_too_long")), 400
    replies = turn_handler().handle(
        Inbound(team=team, channel="webchat", contact_key=_browser_key(team.id), text=text)
    )
    return _as_json(replies)


@bp.post("/chat/<team_id>/documents")
def upload(team_id: str) -> ResponseReturnValue:
    """Take one file (a risk assessment, a photo of a letter) into the conversation."""
    team = _team_or_404(team_id)
    sent = request.files.get("document")
    if sent is None or not sent.filename:
        return jsonify(error=services().wording.say("chat_no_file")), 400
    found, session = services(), db_session()
    key = _browser_key(team.id)
    incoming = IncomingFile(
        source_id=f"webchat/{uuid.uuid4()}",
        data=sent.stream.read(MAX_BYTES + 1),
        filename=sent.filename,
        declared_type=sent.mimetype,
    )
    (outcome,) = take_files(
        session, team.id, "webchat", key, [incoming], found.documents, found.now()
    )
    inbound = Inbound(
        team=team,
        channel="webchat",
        contact_key=key,
        # The transcript shows that a file was sent, and its name; never its contents.
        text=f"[file: {outcome.filename}]",
        to_rasa=False,
        acknowledgements=(acknowledgement(outcome, team, found.wording),),
    )
    return _as_json(turn_handler().handle(inbound))


@bp.errorhandler(413)
def too_big(_: Exception) -> ResponseReturnValue:
    """A file over the limit is refused before it is read; say so in plain words."""
    return jsonify(error=services().wording.say("chat_file_too_big")), 413


def _as_json(replies: list[Reply]) -> ResponseReturnValue:
    return jsonify(
        replies=[
            {
                "text": reply.text,
                "options": list(reply.options),
                "files": _asks_for_files(reply.text),
            }
            for reply in replies
        ]
    )


def _asks_for_files(text: str) -> bool:
    """Whether this message asks for documents: the page then offers to send one."""
    return any(wording in text for wording in services().asks_for_files)
