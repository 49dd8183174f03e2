"""The sign-off document as data: built once from a flow and a channel, then written out
as HTML or Markdown by templates that only lay it out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from webhooks.signoff.channels import Sent


@dataclass(frozen=True)
class Said:
    """Words sent to one kind of listener (a person referring themselves, or someone
    referring another person)."""

    perspective: str
    heading: str
    sent: Sent


@dataclass(frozen=True)
class Rule:
    """A rule of a question in plain words, with what is said when it applies (if any)."""

    sentence: str
    said: tuple[Said, ...] = ()


@dataclass(frozen=True)
class Entry:
    """One question: its words on the channel and its rules."""

    id: str
    label: str
    kind: str
    essential: bool
    optional: bool
    readback: bool
    # "Asked only if …", or "" when every listener who gets this far is asked it.
    asked_only_if: str
    asks: tuple[Said, ...]
    options: tuple[str, ...]
    retry: tuple[Said, ...]
    why: tuple[Said, ...]
    endings: tuple[Rule, ...] = ()
    risks: tuple[str, ...] = ()
    consent: str = ""


@dataclass(frozen=True)
class Group:
    """Consecutive questions of one section, under its title."""

    title: str
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class Control:
    """Something a person can say at any time: what it does, the words, the reply."""

    name: str
    does: str
    phrases: tuple[str, ...]
    says: tuple[Sent, ...]


@dataclass(frozen=True)
class Appendix:
    """What is said the same way for every question: the read-back and the controls."""

    readback: Sent
    readback_labels: tuple[str, ...]
    controls: tuple[Control, ...]


@dataclass(frozen=True)
class Document:
    """A team's flow on one channel, in the order it is asked."""

    team_name: str
    flow_id: str
    flow_title: str
    version: int
    channel: str
    channel_name: str
    rendered_on: date
    # Asked first; the referral is sent once they are answered.
    essentials: tuple[Group, ...]
    # What is said between (after the read-back, in the appendix): "sent", and whether to
    # carry on (when the flows word it).
    sent: Sent
    # The question, then its re-ask; empty when the flows do not word it.
    carry_on: tuple[Sent, ...]
    # Asked after sending, if the person carries on; then what is said at the end.
    rest: tuple[Group, ...]
    added: Sent | None
    appendix: Appendix

    @property
    def entries(self) -> list[Entry]:
        """Every question, in the order the document lists them."""
        return [entry for group in (*self.essentials, *self.rest) for entry in group.entries]
