"""A deterministic risk detector run on every inbound message, before and without Rasa.

Rules, not a model: it must work when Rasa is down, give the same answer every time, and
say which words it acted on. The lexicon (`data/lexicons/risk.yml`) holds every pattern
and cue; this module only applies them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from safety.lexicon import RISK_CATEGORIES, Lexicon, load_lexicon, normalise
from safety.scope import Clause, clause_parts, dated, negated, split, window_start

__all__ = ["RISK_CATEGORIES", "RiskAssessment", "assess_risk", "normalise"]


@dataclass(frozen=True)
class RiskAssessment:
    """What the detector found: the most urgent category and the words behind it."""

    text: str
    risk: str  # "none" or one of RISK_CATEGORIES
    categories: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    # Words that may mean risk although no rule matched: offer the contacts gently.
    concern: bool = False
    # A negation, a past time, an offence or an idiom was present: words that often make
    # risky words harmless. The rules weigh them where they stand; a learned net cannot.
    guarded: bool = False
    # A category only the learned net found: too uncertain to act on at once, so the
    # person is asked first ("are you thinking about hurting yourself?"). None: no check.
    ask: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The JSON form `triage risk` prints."""
        return {
            "text": self.text,
            "risk": self.risk,
            "ask": self.ask,
            "categories": list(self.categories),
            "evidence": list(self.evidence),
            "concern": self.concern,
        }


def _counts(
    category: str, clause: Clause, match: re.Match[str], lexicon: Lexicon, answered: bool
) -> bool:
    said = clause.text
    if negated(said, match, lexicon, answered):
        return False
    if dated(
        clause.sentence, (clause.offset + match.start(), clause.offset + match.end()), lexicon
    ):
        return False
    if any(
        found.start() < match.end() and match.start() < found.end()
        for idiom in lexicon.idioms
        for found in idiom.finditer(said)
    ):
        return False  # the words are part of an everyday idiom
    if category != "self":
        window = window_start(said, match.start(), lexicon.negation_window)
        starts = clause_parts(said)
        for cue in lexicon.offence.finditer(said, window, len(said[: match.start()].rstrip())):
            if not any(cue.end() <= start <= match.start() for start in starts):
                return False  # an offence being described, not intended
    if category == "self" and "my" not in match.group():
        other = lexicon.third_person.search(said, 0, match.start())
        # "my cousin self harms" is about her; "not even my mum i want to die" is not.
        if other and not any(
            other.start() < start <= match.start() for start in clause_parts(said)
        ):
            return False
    return True


def _matches(pattern: re.Pattern[str], clause: str) -> list[re.Match[str]]:
    """The pattern's matches in the clause. A pattern that must end its clause ("want to
    die$") may also end a part of a run-on one: "i want to die i can't do this anymore"."""
    found = list(pattern.finditer(clause))
    if "$" in pattern.pattern:
        seen = {match.span() for match in found}
        for start in clause_parts(clause)[1:]:
            end = len(clause[:start].rstrip(" ,"))
            if load_lexicon().scope.relative_heads.search(clause, 0, end):
                continue  # "sorry to everyone i hurt": the part goes on
            for match in pattern.finditer(clause, 0, end):
                if match.span() not in seen:
                    seen.add(match.span())
                    found.append(match)
    return found


def _has_guard_cue(said: str, lexicon: Lexicon) -> bool:
    return bool(
        lexicon.negation.search(said)
        or lexicon.question.search(said)
        or lexicon.short_negation.search(said)
        or lexicon.history.search(said)
        or lexicon.offence.search(said)
        or any(idiom.search(said) for idiom in lexicon.idioms)
    )


def _dated_by_next(following: list[Clause], lexicon: Lexicon) -> bool:
    # "I overdosed once, a long time ago": a clause that is nothing but a time in the
    # past dates the one before it. Only then: "I want to die, I used to be happy" is not
    # history.
    return bool(following) and lexicon.history.fullmatch(following[0].text) is not None


def _taken_back(following: list[Clause], lexicon: Lexicon) -> bool:
    # "i said i wanted to die, but i never said that": the next clause takes it back.
    return bool(following) and lexicon.retractions.match(following[0].text) is not None


def assess_risk(text: str) -> RiskAssessment:
    """Assess one message. Never raises on odd input; empty text is no risk."""
    lexicon = load_lexicon()
    found: dict[str, list[str]] = {}
    said = normalise(text)
    clauses = split(said)
    for index, clause in enumerate(clauses):
        following = clauses[index + 1 : index + 2]
        if clause.denied or _dated_by_next(following, lexicon) or _taken_back(following, lexicon):
            continue
        answered = bool(following) and lexicon.affirmations.match(following[0].text) is not None
        for category in RISK_CATEGORIES:
            for pattern in lexicon.categories[category].candidates(clause.text):
                for match in _matches(pattern, clause.text):
                    if _counts(category, clause, match, lexicon, answered):
                        found.setdefault(category, []).append(match.group())
    categories = tuple(category for category in RISK_CATEGORIES if category in found)
    evidence = tuple(dict.fromkeys(phrase for c in categories for phrase in found[c]))
    return RiskAssessment(
        text=text,
        risk=categories[0] if categories else "none",
        categories=categories,
        evidence=evidence,
        concern=bool(categories) or bool(lexicon.concern.search(said)),
        guarded=_has_guard_cue(said, lexicon),
    )
