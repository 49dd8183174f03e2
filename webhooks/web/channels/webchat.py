"""Web chat: the page at `/chat/<team id>` and the JSON behind it."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, abort, current_app, jsonify, render_template, request, session
from flask.typing import ResponseReturnValue

from webhooks.core import chat_ending, chat_uploads
from webhooks.core.documents import IncomingFile
from webhooks.core.replies import Inbound, Reply
from webhooks.documents.checks import size_of
from webhooks.teams import Team
from webhooks.web.limits import limiter
from webhooks.web.services import conversation_core, services

bp = Blueprint("webchat", __name__)
MAX_MESSAGE_LENGTH = 1000
# Per address (Flask-Limiter). A person types, reads and thinks: they never send 30
# messages a minute, start 10 chats an hour or send 10 files an hour. A script that
# does is refused with 429 before the conversation core or Rasa do any work for it.
# `CHAT_RATE_LIMITS` in the app's config replaces any of them (a load test, a demo).
RATE_LIMITS = {
    "messages": "30 per minute",
    "new_chats": "10 per hour",
    "uploads": "10 per hour",
}
# A refused upload: asked for nothing, or over the conversation's quota of files.
_REFUSED_STATUS = {
    chat_uploads.NOT_ASKED: 409,
    chat_uploads.TOO_MANY_FILES: 409,
    chat_uploads.TOO_MUCH_IN_ALL: 413,
}


def _rate(name: str) -> str:
    configured: dict[str, str] = current_app.config.get("CHAT_RATE_LIMITS") or {}
    return configured.get(name, RATE_LIMITS[name])


def _team_or_404(team_id: str) -> Team:
    team = services().teams.by_id(team_id)
    if team is None:
        abort(404)
    return team


def _held_key(team_id: str) -> str | None:
    # A random id in the signed session cookie: the conversation survives a reload, and
    # nothing about the person is in the cookie. Reading never makes one.
    keys: dict[str, str] = session.get("chat") or {}
    return keys.get(team_id)


def _browser_key(team_id: str) -> str:
    keys: dict[str, str] = session.setdefault("chat", {})
    if team_id not in keys:
        keys[team_id] = str(uuid.uuid4())
        session.modified = True
    return keys[team_id]


def _forget_key(team_id: str) -> str | None:
    keys: dict[str, str] = session.get("chat") or {}
    key = keys.pop(team_id, None)
    if not keys:
        session.pop("chat", None)
    session.modified = True
    return key


def _continues_a_chat() -> bool:
    # Only a message that makes a new browser key starts a chat (see `new_chats`).
    team_id = (request.view_args or {}).get("team_id", "")
    return _held_key(str(team_id)) is not None


@bp.get("/chat/<team_id>")
def page(team_id: str) -> ResponseReturnValue:
    """The chat page."""
    team = _team_or_404(team_id)
    warning = services().wording.say("chat_warning")
    return render_template("chat/page.html", team=team, warning=warning)


@bp.get("/chat/<team_id>/messages")
def history(team_id: str) -> ResponseReturnValue:
    """This browser's conversation so far, so a reload shows it again; with `?after=<id>`
    only what a practitioner wrote since then (the page asks every few seconds, so a
    practitioner who has taken the conversation over is heard without a reload)."""
    team = _team_or_404(team_id)
    key = _held_key(team.id)
    lines = conversation_core().transcript(team, "webchat", key) if key else []
    after = request.args.get("after", "")
    if after.isdecimal():
        lines = [line for line in lines if line.id > int(after) and line.author]
    messages: list[dict[str, Any]] = [
        {
            "id": line.id,
            "from": "person" if line.from_person else "practitioner" if line.author else "bot",
            "author": line.author,
            "text": line.text,
            "options": list(line.options),
            "files": line.asks_for_files,
        }
        for line in lines
    ]
    return jsonify(messages=messages)


@bp.post("/chat/<team_id>/messages")
@limiter.limit(lambda: _rate("messages"))
@limiter.limit(lambda: _rate("new_chats"), exempt_when=_continues_a_chat)
def send(team_id: str) -> ResponseReturnValue:
    """Take one message from the browser and return the bot's replies."""
    team = _team_or_404(team_id)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        # JSON that is not an object ("true", a list) says nothing: as if nothing was sent.
        body = {}
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
@limiter.limit(lambda: _rate("uploads"))
def upload(team_id: str) -> ResponseReturnValue:
    """Take one file (a risk assessment, a photo of a letter) into the conversation, while
    the bot is asking for files and within the conversation's quota."""
    team = _team_or_404(team_id)
    sent = request.files.get("document")
    if sent is None or not sent.filename:
        return jsonify(error=services().wording.say("chat_no_file")), 400
    core = conversation_core()
    key = _held_key(team.id)
    # werkzeug has spooled a file of any size to a temporary file: it is measured from
    # its end, and read only once it is to be kept.
    refused = chat_uploads.refused_upload(core, team, key, size_of(sent.stream))
    if refused is not None:
        return jsonify(error=refused.text), _REFUSED_STATUS[refused.reason]
    # A browser without a key has no conversation to send to, so it was refused above.
    assert key is not None
    incoming = IncomingFile(
        source_id=f"webchat/{uuid.uuid4()}",
        data=sent.stream,
        filename=sent.filename,
        declared_type=sent.mimetype,
    )
    inbound = Inbound(team=team, channel="webchat", contact_key=key, text="")
    return _as_json(core.receive_file(inbound, incoming, chat_uploads.quota(core, team)))


@bp.post("/chat/<team_id>/end")
def end(team_id: str) -> ResponseReturnValue:
    """End this browser's conversation ("End chat", "Leave this site quickly"): it lets go
    of the browser, and the browser of its key. What the team has stays with them."""
    team = _team_or_404(team_id)
    key = _forget_key(team.id)
    if key is not None:
        chat_ending.end_chat(conversation_core(), team, key)
    return jsonify(ended=True, message=services().wording.say("chat_ended"))


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
