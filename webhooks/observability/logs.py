"""Log lines as one JSON object each, stamped with the request they belong to.

People's words and numbers must never reach a log. Call sites log what happened, not what
was said; as a second line of defence every formatter here blanks runs of digits long
enough to be a phone number and leaves out exception messages (a database error quotes the
row it failed to write), keeping the exception's type and where it was raised.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import traceback
import uuid
from contextvars import ContextVar, Token
from datetime import datetime, timezone
from types import TracebackType
from typing import Any, TextIO

FORMATS = ("json", "text")
# A client's own request id is kept when it looks like one: letters, digits, `-_.:`, and at
# least one letter, so a bare number (it could be a phone number) is never taken.
_REQUEST_ID = re.compile(r"(?=[^a-zA-Z]*[a-zA-Z])[A-Za-z0-9._:-]{8,64}")
# Nine or more digits, spaces allowed between them: a phone number, not a date or a count.
_NUMBER = re.compile(r"(?<![\w-])\+?\d(?:[ ]?\d){8,}(?![\w-])")
_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
# Attributes every LogRecord has; anything else on a record came from `extra=`.
_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "request_id"}
_HANDLER_NAME = "triage"

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def accept_request_id(incoming: str | None) -> str:
    """The client's X-Request-Id when well formed, else a new one."""
    if incoming and _REQUEST_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


def bind_request_id(request_id: str | None) -> Token[str | None]:
    """Stamp log lines from here on with `request_id`; returns a token for `unbind`."""
    return _request_id.set(request_id)


def unbind_request_id(token: Token[str | None]) -> None:
    """Back to the request id (or none) in force before `bind_request_id`."""
    _request_id.reset(token)


def current_request_id() -> str | None:
    """The request being handled, if any."""
    return _request_id.get()


def scrub(text: str) -> str:
    """`text` with anything that could be a phone number blanked."""
    return _NUMBER.sub("[number]", text)


class RequestIdFilter(logging.Filter):
    """Puts the current request id (None outside requests) on each record a handler emits,
    for handlers whose formatting may happen later or elsewhere."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Always passes the record; only adds `request_id`."""
        if getattr(record, "request_id", None) is None:
            record.request_id = current_request_id()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, and extras."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as a single line of JSON."""
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": scrub(record.getMessage()),
            "request_id": getattr(record, "request_id", None) or current_request_id(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                line[key] = scrub(value) if isinstance(value, str) else value
        if record.exc_info and record.exc_info[0] is not None:
            exc_type, trace = _exception(record.exc_info)
            line["exc_type"] = exc_type
            line["trace"] = trace
        return json.dumps(line, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """A readable line for a developer's terminal, scrubbed like the JSON one."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        """The record as text; no request id reads `-`."""
        # A copy: other handlers see the record as it was logged.
        record = logging.makeLogRecord(record.__dict__)
        record.exc_text = None  # another handler's, which may quote the exception's message
        record.request_id = getattr(record, "request_id", None) or current_request_id() or "-"
        return scrub(super().format(record))

    def formatException(self, ei: Any) -> str:  # noqa: N802 (logging's name)
        """Where the exception was raised and its type, not its message."""
        exc_type, trace = _exception(ei)
        return f"{trace}{exc_type}"


def _exception(exc_info: ExcInfo) -> tuple[str, str]:
    """The exception's type (with what caused it) and its traceback, without messages."""
    _, error, tb = exc_info
    names: list[str] = []
    seen: BaseException | None = error
    while seen is not None and len(names) < 5:
        names.append(type(seen).__qualname__)
        seen = seen.__cause__ or seen.__context__
    return " <- ".join(names), "".join(traceback.format_tb(tb))


def formatter_for(log_format: str) -> logging.Formatter:
    """The formatter named by LOG_FORMAT (`json` or `text`)."""
    if log_format == "json":
        return JsonFormatter()
    if log_format == "text":
        return TextFormatter()
    raise ValueError(f"LOG_FORMAT must be one of {', '.join(FORMATS)}, not {log_format!r}")


def configure(log_format: str, stream: TextIO | None = None) -> None:
    """Send the root logger's INFO and above to stderr in `log_format`.

    Does nothing when the root logger already has handlers: under gunicorn its config
    installed them, and under pytest the log capture did (so caplog stays readable).
    """
    formatter = formatter_for(log_format)
    root = logging.getLogger()
    if root.handlers:
        return
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.name = _HANDLER_NAME
    handler.setFormatter(formatter)
    handler.addFilter(RequestIdFilter())
    root.addHandler(handler)
    root.setLevel(logging.INFO)


def gunicorn_logconfig(log_format: str) -> dict[str, Any]:
    """gunicorn's `logconfig_dict`: its own lines and the app's, all to stderr in one format.

    gunicorn's access log is silenced: it prints the query string and the caller's address,
    and the gateway writes its own access line per request, with the request id.
    """
    formatter_for(log_format)  # fail fast on a bad LOG_FORMAT
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"triage": {"()": formatter_for, "log_format": log_format}},
        "filters": {"request_id": {"()": RequestIdFilter}},
        "handlers": {
            _HANDLER_NAME: {
                "class": "logging.StreamHandler",
                "formatter": "triage",
                "filters": ["request_id"],
                "stream": "ext://sys.stderr",
            },
            "null": {"class": "logging.NullHandler"},
        },
        "root": {"level": "INFO", "handlers": [_HANDLER_NAME]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": [], "propagate": True},
            "gunicorn.access": {"level": "INFO", "handlers": ["null"], "propagate": False},
        },
    }
