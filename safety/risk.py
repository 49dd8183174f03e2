"""A deterministic risk detector run on every inbound message, before and without Rasa.

Rules, not a model: it must work when Rasa is down, give the same answer every time, and
say which words it acted on. The lexicon (`data/lexicons/risk.yml`) holds every pattern
and cue; this module only applies them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from safety.prefilter import PatternSet

LEXICON_FILE = Path(__file__).resolve().parents[1] / "data" / "lexicons" / "risk.yml"
# Most urgent first: the order decides the single `risk` value of a message.
RISK_CATEGORIES = ("self", "from_others", "others")
# "and" starts a new clause only before a new subject: "I don't know them and I can't get
# out" is two clauses, "find him and hurt him" is one.
_CLAUSE_BREAK = re.compile(
    r"[.!?;:,\n]+|\s(?:but|although|though|however|because|cos|cause)\s"
    r"|\sand\s(?=(?:i|i'm|he|she|they|we|you|it)\s)"
)
_NOT_TEXT = re.compile(r"[^a-z0-9'?!.,;:\n -]+")
_BARE_NO = {"no", "nope", "not really", "never", "no way", "nah"}


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


@dataclass(frozen=True)
class _Lexicon:
    replacements: tuple[tuple[re.Pattern[str], str], ...]
    fillers: re.Pattern[str]
    negation: re.Pattern[str]
    negation_window: int
    history: re.Pattern[str]
    offence: re.Pattern[str]
    third_person: re.Pattern[str]
    idioms: tuple[re.Pattern[str], ...]
    concern: re.Pattern[str]
    # Indexed by the text any match must hold, so most searches are skipped.
    categories: dict[str, PatternSet]


def _words(pattern: str) -> re.Pattern[str]:
    # Whole words: no match inside a longer word on either side.
    return re.compile(rf"(?<![a-z])(?:{pattern})(?![a-z])")


def _any_of(patterns: list[str]) -> re.Pattern[str]:
    return _words("|".join(f"(?:{pattern})" for pattern in patterns))


def with_terms(pattern: str, terms: dict[str, str]) -> str:
    # `{medicine}` in a pattern stands for the lexicon's list of medicines, and so on, so
    # one list serves every pattern; regex counts such as `{0,2}` are left alone.
    for name, alternatives in terms.items():
        pattern = pattern.replace("{" + name + "}", f"(?:{alternatives})")
    unknown = re.search(r"\{[a-z_]+\}", pattern)
    if unknown:
        raise ValueError(f"{LEXICON_FILE.name}: no term {unknown.group()} in `terms`")
    return pattern


@lru_cache(maxsize=1)
def _lexicon() -> _Lexicon:
    raw = yaml.safe_load(LEXICON_FILE.read_text(encoding="utf-8"))
    terms = {str(name): "|".join(map(str, words)) for name, words in raw["terms"].items()}
    replacements = tuple(
        (_words(re.escape(str(source))), str(target))
        for source, target in sorted(raw["normalise"].items(), key=lambda kv: -len(str(kv[0])))
    )
    return _Lexicon(
        replacements=replacements,
        fillers=_any_of([re.escape(str(filler)) for filler in raw["fillers"]]),
        negation=_any_of([re.escape(str(cue)) for cue in raw["negation_cues"]]),
        negation_window=int(raw["negation_window"]),
        history=_any_of(raw["history_cues"]),
        offence=_any_of(raw["offence_cues"]),
        third_person=re.compile(rf"(?<![a-z])(?:{raw['third_person']})\s*$"),
        idioms=tuple(_words(pattern) for pattern in raw["idioms"]),
        concern=_any_of(raw["concern"]),
        categories={
            category: PatternSet.build(
                [with_terms(pattern, terms) for pattern in raw["categories"][category]], _words
            )
            for category in RISK_CATEGORIES
        },
    )


# The rules and then the learned net read each message in turn: the second reading reuses
# the first (0.05 to 0.09 ms of the 1 ms budget). Only the last few messages are kept.
@lru_cache(maxsize=8)
def normalise(text: str) -> str:
    """Lower case, curly quotes straightened, text-speak and common typos mapped."""
    lowered = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    lowered = _NOT_TEXT.sub(" ", lowered)
    lowered = re.sub(r"([a-z])\1{2,}", r"\1\1", lowered)  # "sooooo" -> "soo"
    lowered = " ".join(lowered.split())
    lexicon = _lexicon()
    for pattern, replacement in lexicon.replacements:
        lowered = pattern.sub(replacement, lowered)
    return " ".join(lexicon.fillers.sub(" ", lowered).split())


def _clauses(text: str) -> list[tuple[str, bool]]:
    """Clauses, each with whether it is answered by a bare "no" ("suicidal? no")."""
    parts: list[str] = []
    breaks: list[str] = []
    position = 0
    for found in _CLAUSE_BREAK.finditer(text):
        parts.append(text[position : found.start()].strip())
        breaks.append(found.group())
        position = found.end()
    parts.append(text[position:].strip())
    clauses = []
    for index, part in enumerate(parts):
        next_part = parts[index + 1] if index + 1 < len(parts) else ""
        denied = "?" in (breaks[index] if index < len(breaks) else "") and next_part in _BARE_NO
        clauses.append((part, denied))
    return [(part, denied) for part, denied in clauses if part]


def _window(before: str, words: int) -> str:
    return " ".join(before.split()[-words:])


def _counts(category: str, clause: str, match: re.Match[str], lexicon: _Lexicon) -> bool:
    before = clause[: match.start()]
    if lexicon.negation.search(_window(before, lexicon.negation_window)):
        return False
    if lexicon.history.search(clause):
        return False
    if any(
        found.start() < match.end() and match.start() < found.end()
        for idiom in lexicon.idioms
        for found in idiom.finditer(clause)
    ):
        return False  # the words are part of an everyday idiom
    if category != "self" and lexicon.offence.search(_window(before, lexicon.negation_window)):
        return False
    return not (
        category == "self" and "my" not in match.group() and lexicon.third_person.search(before)
    )


def _has_guard_cue(said: str, lexicon: _Lexicon) -> bool:
    return bool(
        lexicon.negation.search(said)
        or lexicon.history.search(said)
        or lexicon.offence.search(said)
        or any(idiom.search(said) for idiom in lexicon.idioms)
    )


def _dated_by_next(following: list[tuple[str, bool]], lexicon: _Lexicon) -> bool:
    # "I overdosed once, a long time ago": a clause that is nothing but a time in the
    # past dates the one before it. Only then: "I want to die, I used to be happy" is not
    # history.
    return bool(following) and lexicon.history.fullmatch(following[0][0]) is not None


def assess_risk(text: str) -> RiskAssessment:
    """Assess one message. Never raises on odd input; empty text is no risk."""
    lexicon = _lexicon()
    found: dict[str, list[str]] = {}
    said = normalise(text)
    clauses = _clauses(said)
    for index, (clause, denied) in enumerate(clauses):
        if denied or _dated_by_next(clauses[index + 1 : index + 2], lexicon):
            continue
        for category in RISK_CATEGORIES:
            for pattern in lexicon.categories[category].candidates(clause):
                for match in pattern.finditer(clause):
                    if _counts(category, clause, match, lexicon):
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
