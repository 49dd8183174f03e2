"""The records a turn passes between channels, the turn handler and the safety net."""

from __future__ import annotations

from dataclasses import dataclass

from webhooks.teams import Team


@dataclass(frozen=True)
class Reply:
    """What the bot says back: text and, optionally, choices to offer."""

    text: str
    options: tuple[str, ...] = ()
    # The referral is finished: a call can say goodbye and hang up.
    ends_conversation: bool = False
    # Crisis contacts from the safety net: a call offers to put the person through.
    crisis: bool = False
    # The flow question this reply asks, as the bot named it (None: not a question).
    question_id: str | None = None
    # The stored message whose question this asks again, in its words (after an aside).
    asks_again: int | None = None


@dataclass(frozen=True)
class Inbound:
    """A message from a person, already parsed and normalised by its channel."""

    team: Team
    channel: str
    contact_key: str
    text: str
    external_id: str | None = None
    # Sent to Rasa instead of the text, e.g. "/greet" when a call connects.
    rasa_override: str | None = None
    # False: store it and run the safety net, but do not pass it to Rasa (HELP, START,
    # anything from a number that texted STOP).
    to_rasa: bool = True
    # Said first: what became of any files that came with the message.
    acknowledgements: tuple[Reply, ...] = ()
    # False: the text is the gateway's note of what came (files, a call starting), not
    # the person's words, so the learned net does not read it (the rules still do).
    own_words: bool = True
