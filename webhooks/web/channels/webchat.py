"""Web chat: the page at `/chat/<team id>` and the JSON behind it."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, abort, jsonify, render_template, request, session
from flask.typing import ResponseReturnValue

from webhooks.core.documents import IncomingFile
from webhooks.core.replies import Inbound, Reply
from webhooks.documents.checks import MAX_BYTES
from webhooks.teams import Team
from webhooks.web.services import conversation_core, services

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
    lines = conversation_core().transcript(team, "webchat", _browser_key(team.id))
    messages: list[dict[str, Any]] = [
        {
            "from": "person" if line.from_person else "bot",
            "text": line.text,
            "options": list(line.options),
            "files": line.asks_for_files,
        }
        for line in lines
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
    replies = conversation_core().turn(
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
    incoming = IncomingFile(
        source_id=f"webchat/{uuid.uuid4()}",
        data=sent.stream.read(MAX_BYTES + 1),
        filename=sent.filename,
        declared_type=sent.mimetype,
    )
    inbound = Inbound(team=team, channel="webchat", contact_key=_browser_key(team.id), text="")
    return _as_json(conversation_core().receive_file(inbound, incoming))


@bp.errorhandler(413)
def too_big(_: Exception) -> ResponseReturnValue:
    """A file over the limit is refused before it is read; say so in plain words."""
    return jsonify(error=services().wording.say("chat_file_too_big")), 413


def _as_json(replies: list[Reply]) -> ResponseReturnValue:
    questions = services().questions
    return jsonify(
        replies=[
            {
                "text": reply.text,
                "options": list(reply.options),
                # The page offers its upload control where the question asks for files.
                "files": questions.takes_files(reply.question_id),
            }
            for reply in replies
        ]
    )
