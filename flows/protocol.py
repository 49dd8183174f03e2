"""What the gateway and the Rasa action server say to each other, in one place.

The gateway sends `GatewayMetadata` with every message; the actions answer with custom
payloads, each a one-key JSON object naming its kind: the question asked, risk an answer
showed, what was learnt about the person, a question about the service for the gateway
to answer from the team's file, or the referral to commit. Both Python
environments import this module (the gateway on 3.11, the action server on 3.10), so it
uses the standard library alone. Parsing is tolerant: odd input gives a default or None,
never an exception, because a bad payload must not cost a person their reply.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, TypeAlias, TypeGuard

# The keys of the metadata the gateway sends with each message.
TEAM_ID: Final = "team_id"
TEAM_NAME: Final = "team_name"
CHANNEL: Final = "channel"
FLOW_ID: Final = "flow_id"
NOW: Final = "now"
DOCUMENTS: Final = "documents"
WATCH: Final = "watch"
ANSWER_BY: Final = "answer_by"
# The channel whose listener hears the questions rather than reads them.
VOICE: Final = "voice"

# The kinds of custom payload: the one key of each payload's JSON object.
REFERRAL: Final = "referral"
RISK: Final = "risk"
PERSON: Final = "person"
QUESTION: Final = "question"
SITUATION: Final = "situation"
INFO: Final = "info"

# What a risk is about, as the safety net names it too.
RISK_CATEGORIES: Final = ("self", "others", "from_others")
# The source of a risk found by Rasa's crisis intents rather than by a question's answer.
NLU: Final = "nlu"
# Who the questions are put to; "" when nobody knows (Rasa's intents cannot tell).
RISK_PERSPECTIVES: Final = ("self", "other", "")
# What a person may ask about the service, each answered by the gateway from the team's
# file: what it is and is not, its hours, confidentiality, whether it is a crisis line,
# where its office is, by phone or in person (voluntary interviews too), peer support.
INFO_TOPICS: Final = (
    "service",
    "hours",
    "confidential",
    "crisis_line",
    "office",
    "support_how",
    "peer_support",
)


@dataclass(frozen=True)
class GatewayMetadata:
    """What the gateway sends with each message: the team, channel, flow and its clock."""

    team_id: str = ""
    team_name: str = ""
    channel: str = ""
    flow_id: str = ""
    # The gateway's clock as ISO-8601 text (tests and demos pin it); "" when unknown.
    now: str = ""
    # Files the conversation has received so far ("I have sent them" is checked against it).
    documents: int = 0
    # Questions whose answers the gateway wants at once (in custody now, a court date
    # soon: the person is told whether that team is working); the rules are the gateway's.
    watch: tuple[str, ...] = ()
    # When the gateway stops waiting for the answer (Unix time, its real clock, never the
    # pinned one); 0 when unknown. After it, the person was told "cannot answer right now"
    # and will send it again: the bot must not act on it as well.
    answer_by: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """The JSON object sent as the REST channel's `metadata`."""
        return {
            TEAM_ID: self.team_id,
            TEAM_NAME: self.team_name,
            CHANNEL: self.channel,
            FLOW_ID: self.flow_id,
            NOW: self.now,
            DOCUMENTS: self.documents,
            WATCH: list(self.watch),
            ANSWER_BY: self.answer_by,
        }

    @classmethod
    def from_dict(cls, raw: object) -> GatewayMetadata:
        """Read metadata back; anything missing or odd takes its default."""
        found = raw if isinstance(raw, Mapping) else {}
        now = _text(found.get(NOW)) or ""
        documents = found.get(DOCUMENTS)
        watch = found.get(WATCH)
        answer_by = found.get(ANSWER_BY)
        return cls(
            team_id=_text(found.get(TEAM_ID)) or "",
            team_name=_text(found.get(TEAM_NAME)) or "",
            channel=_text(found.get(CHANNEL)) or "",
            flow_id=_text(found.get(FLOW_ID)) or "",
            now=now if _is_iso_datetime(now) else "",
            documents=documents if _is_int(documents) and documents > 0 else 0,
            watch=tuple(w for w in watch if isinstance(w, str)) if isinstance(watch, list) else (),
            answer_by=float(answer_by) if _is_number(answer_by) and answer_by > 0 else 0.0,
        )


@dataclass(frozen=True)
class QuestionAsked:
    """A question the bot asks: its id (the form's slot), kind, wording and choices."""

    id: str
    # The flow question's kind (`flows.model.ANSWER_KINDS`: "text", "single", "yes_no",
    # "documents"...), or "review" for the read-back before sending (`flows.model.REVIEW`).
    kind: str
    text: str
    options: tuple[str, ...] = ()

    def to_payload(self) -> dict[str, Any]:
        """The custom payload the ask action sends."""
        body = {"id": self.id, "kind": self.kind, "text": self.text, "options": [*self.options]}
        return {QUESTION: body}

    @classmethod
    def from_payload(cls, custom: object) -> QuestionAsked | None:
        """The question in a custom payload; None when it is not a well-formed one."""
        body = _body(custom, QUESTION)
        if body is None:
            return None
        question_id = _text(body.get("id"))
        kind = _text(body.get("kind", ""))
        text = _text(body.get("text"))
        options = _texts(body.get("options", []))
        if not question_id or kind is None or text is None or options is None:
            return None
        return cls(id=question_id, kind=kind, text=text, options=options)


@dataclass(frozen=True)
class RiskFound:
    """Risk the flow found: in an answer (source: the question id) or by Rasa (NLU)."""

    category: str
    source: str
    # "self" or "other" as the flow puts its questions; "" when not known.
    perspective: str = ""

    def to_payload(self) -> dict[str, Any]:
        """The custom payload the form's validation (or the crisis action) sends."""
        body = {"category": self.category, "source": self.source, "perspective": self.perspective}
        return {RISK: body}

    @classmethod
    def from_payload(cls, custom: object) -> RiskFound | None:
        """The risk in a custom payload; None when it is not a well-formed one."""
        body = _body(custom, RISK)
        if body is None:
            return None
        category = _text(body.get("category"))
        if category not in RISK_CATEGORIES:
            return None
        # Only the category decides what is done; an odd source or perspective must not
        # cost the person the crisis contacts, so each falls back to "not known".
        source = _text(body.get("source")) or ""
        perspective = _text(body.get("perspective")) or ""
        if perspective not in RISK_PERSPECTIVES:
            perspective = ""
        return cls(category=category, source=source, perspective=perspective)


@dataclass(frozen=True)
class PersonLearnt:
    """What the flow learnt about the person that changes what they are told: their age
    (Childline) and whether they refer themselves (a check asks "you" or "the person")."""

    # None when the date of birth is not (or no longer) known.
    age: int | None
    # "self" or "other" (someone referring another person); None when not yet known.
    perspective: str | None = None

    def to_payload(self) -> dict[str, Any]:
        """The custom payload sent when the age or the perspective becomes known or changes."""
        body: dict[str, Any] = {"age": self.age}
        if self.perspective is not None:
            body["perspective"] = self.perspective
        return {PERSON: body}

    @classmethod
    def from_payload(cls, custom: object) -> PersonLearnt | None:
        """The person in a custom payload; None when it is not a well-formed one."""
        body = _body(custom, PERSON)
        if body is None:
            return None
        age = body.get("age")
        said = body.get("perspective")
        # An age that cannot be read is no known age: Childline is then not assumed.
        return cls(
            age=age if _is_int(age) else None,
            perspective=said if said in ("self", "other") else None,
        )


@dataclass(frozen=True)
class ReferralHandOver:
    """The end of a referral, for the gateway to commit: the record `flows.record` builds."""

    record: Mapping[str, Any]

    def to_payload(self) -> dict[str, Any]:
        """The custom payload sent when a referral ends, however it ends."""
        return {REFERRAL: dict(self.record)}

    @classmethod
    def from_payload(cls, custom: object) -> ReferralHandOver | None:
        """The referral in a custom payload; None when it is not an object."""
        body = _body(custom, REFERRAL)
        return None if body is None else cls(record=dict(body))


@dataclass(frozen=True)
class SituationLearnt:
    """An answer the gateway watches for, given just now: the question and its value."""

    question: str
    value: Any

    def to_payload(self) -> dict[str, Any]:
        """The custom payload sent, before the next question, when such an answer is given."""
        return {SITUATION: {"question": self.question, "value": self.value}}

    @classmethod
    def from_payload(cls, custom: object) -> SituationLearnt | None:
        """The answer in a custom payload; None when it names no question."""
        body = _body(custom, SITUATION)
        question = body.get("question") if body is not None else None
        if body is None or not isinstance(question, str) or not question:
            return None
        return cls(question=question, value=body.get("value"))


@dataclass(frozen=True)
class InfoAsked:
    """A question about the service ("when are you open?"): the bot names the topic and
    the gateway answers it from the team's own file."""

    # One of INFO_TOPICS; a topic the gateway does not know is answered "I do not know".
    topic: str

    def to_payload(self) -> dict[str, Any]:
        """The custom payload sent instead of a fixed answer."""
        return {INFO: {"topic": self.topic}}

    @classmethod
    def from_payload(cls, custom: object) -> InfoAsked | None:
        """The topic in a custom payload; None when it names none."""
        body = _body(custom, INFO)
        topic = body.get("topic") if body is not None else None
        # Any named topic is read: a newer bot's topic still gets a kind "I do not know".
        if not isinstance(topic, str) or not topic:
            return None
        return cls(topic=topic)


Payload: TypeAlias = (
    QuestionAsked | RiskFound | PersonLearnt | ReferralHandOver | SituationLearnt | InfoAsked
)
_PARSERS: Final[dict[str, Callable[[object], Payload | None]]] = {
    QUESTION: QuestionAsked.from_payload,
    RISK: RiskFound.from_payload,
    PERSON: PersonLearnt.from_payload,
    REFERRAL: ReferralHandOver.from_payload,
    SITUATION: SituationLearnt.from_payload,
    INFO: InfoAsked.from_payload,
}


def read_payload(custom: Mapping[str, Any]) -> Payload | None:
    """Any custom payload from the bot, typed; None when unknown, ambiguous or malformed."""
    if not isinstance(custom, Mapping):
        return None
    kinds = [kind for kind in _PARSERS if kind in custom]
    # Each payload names one kind; two at once is not something the actions send.
    if len(kinds) != 1:
        return None
    return _PARSERS[kinds[0]](custom)


def _body(custom: object, kind: str) -> Mapping[str, Any] | None:
    if not isinstance(custom, Mapping):
        return None
    body = custom.get(kind)
    return body if isinstance(body, Mapping) else None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _texts(value: object) -> tuple[str, ...] | None:
    # A JSON array of strings; a lone string is not a list of options.
    if not isinstance(value, list | tuple):
        return None
    items = tuple(item for item in value if isinstance(item, str))
    return items if len(items) == len(value) else None


def _is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_int(value: object) -> TypeGuard[int]:
    # JSON's true and false are Python ints; they are not counts or ages.
    return isinstance(value, int) and not isinstance(value, bool)


def _is_iso_datetime(value: str) -> bool:
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True
