"""How the queue pages show times: always Europe/London, whatever the database returns."""

from __future__ import annotations

from datetime import datetime, timezone

from flask import Flask

from webhooks.hours import LONDON


def london(moment: datetime | None, pattern: str = "%d/%m/%Y %H:%M") -> str:
    """A stored moment in London time; SQLite hands back UTC without its offset."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(LONDON).strftime(pattern)


def init_app(app: Flask) -> None:
    """Make `|london` available to every template."""
    app.jinja_env.filters["london"] = london
