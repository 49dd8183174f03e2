"""A call with the database down: the core says so with one exception type, and chooses,
from the team's file alone, who the caller can be put through to.

A channel must not know about the database library, so the core turns its errors into
`DatabaseDown`; the voice channel then answers with the crisis contacts and an offer to
put the caller through, without storing anything.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Concatenate, Literal, ParamSpec, TypeVar

from sqlalchemy.exc import SQLAlchemyError

from webhooks.teams import Team

if TYPE_CHECKING:
    from webhooks.core.conversations import ConversationCore

log = logging.getLogger(__name__)
Args = ParamSpec("Args")
Result = TypeVar("Result")
LineKind = Literal["team", "crisis"]
LINE_KINDS: tuple[LineKind, ...] = ("team", "crisis")


class DatabaseDown(Exception):
    """The database could not be reached; the call is answered without it."""


def database_guarded(
    function: Callable[Concatenate[ConversationCore, Args], Result],
) -> Callable[Concatenate[ConversationCore, Args], Result]:
    """Turn a database error inside a call function into `DatabaseDown`, after a rollback."""

    @functools.wraps(function)
    def guarded(core: ConversationCore, /, *args: Args.args, **kwargs: Args.kwargs) -> Result:
        try:
            return function(core, *args, **kwargs)
        except SQLAlchemyError as error:
            # The error's class only: its message can carry the values of a statement.
            log.error("database unavailable on a call: %s", type(error).__name__)
            core.work.rollback()
            raise DatabaseDown(type(error).__name__) from error

    return guarded


@dataclass(frozen=True)
class Line:
    """A number a caller can be put through to, and whose it is."""

    kind: LineKind
    number: str


def line_to_offer(team: Team, now: datetime, crisis: bool = False) -> Line | None:
    """The team's own line while it is open, else its crisis line; None if neither can be
    dialled. After risk was heard, the crisis line first (the office is not a crisis line).
    """
    order: tuple[LineKind, ...] = ("crisis", "team") if crisis else ("team", "crisis")
    for kind in order:
        line = line_of(team, kind, now)
        if line is not None:
            return line
    return None


def line_of(team: Team, kind: str, now: datetime) -> Line | None:
    """The team's line of this kind, if it can be dialled now (the team's only in hours)."""
    if kind == "team" and team.duty.phone and team.hours.is_open(now):
        return Line("team", team.duty.phone)
    if kind == "crisis" and team.crisis_line.dialable:
        return Line("crisis", team.crisis_line.number)
    return None
