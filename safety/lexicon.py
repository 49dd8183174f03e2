"""The risk lexicon (`data/lexicons/risk.yml`) read once, and how a message is normalised.

Every pattern, cue and word list is data; this module compiles them, and the detector
(`safety/risk.py`) and the scope of its cues (`safety/scope.py`) apply them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from safety.prefilter import PatternSet

LEXICON_FILE = Path(__file__).resolve().parents[1] / "data" / "lexicons" / "risk.yml"
# Most urgent first: the order decides the single `risk` value of a message.
RISK_CATEGORIES = ("self", "from_others", "others")
_NOT_TEXT = re.compile(r"[^a-z0-9'?!.,;:\n -]+")


@dataclass(frozen=True)
class Scope:
    """What ends the reach of a negation or a past time inside a clause."""

    subject: re.Pattern[str]
    bridge: re.Pattern[str]
    told: re.Pattern[str]
    relative_heads: re.Pattern[str]
    bare_cues: re.Pattern[str]
    past_forms: re.Pattern[str]
    noun_cues: re.Pattern[str]
    noun_break: re.Pattern[str]
    noun_list: re.Pattern[str]
    own_negation: re.Pattern[str]


@dataclass(frozen=True)
class Lexicon:
    replacements: tuple[tuple[re.Pattern[str], str], ...]
    fillers: re.Pattern[str]
    negation: re.Pattern[str]
    question: re.Pattern[str]
    affirmations: re.Pattern[str]
    negation_window: int
    short_negation: re.Pattern[str]
    short_negation_window: int
    scope: Scope
    retractions: re.Pattern[str]
    negation_undone: re.Pattern[str]
    double_negation: re.Pattern[str]
    history: re.Pattern[str]
    recent: re.Pattern[str]
    repeat: re.Pattern[str]
    present: re.Pattern[str]
    offence: re.Pattern[str]
    third_person: re.Pattern[str]
    idioms: tuple[re.Pattern[str], ...]
    concern: re.Pattern[str]
    # Indexed by the text any match must hold, so most searches are skipped.
    categories: dict[str, PatternSet]


def words(pattern: str) -> re.Pattern[str]:
    # Whole words: no match inside a longer word on either side.
    return re.compile(rf"(?<![a-z])(?:{pattern})(?![a-z])")


def any_of(patterns: list[str]) -> re.Pattern[str]:
    return words("|".join(f"(?:{pattern})" for pattern in patterns))


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
def load_lexicon() -> Lexicon:
    raw = yaml.safe_load(LEXICON_FILE.read_text(encoding="utf-8"))
    terms = {str(name): "|".join(map(str, words)) for name, words in raw["terms"].items()}
    replacements = tuple(
        (words(re.escape(str(source))), str(target))
        for source, target in sorted(raw["normalise"].items(), key=lambda kv: -len(str(kv[0])))
    )
    return Lexicon(
        replacements=replacements,
        fillers=any_of([re.escape(str(filler)) for filler in raw["fillers"]]),
        negation=any_of([re.escape(str(cue)) for cue in raw["negation_cues"]]),
        question=any_of(raw["question_cues"]),
        affirmations=any_of(raw["affirmations"]),
        negation_window=int(raw["negation_window"]),
        short_negation=any_of([re.escape(str(cue)) for cue in raw["short_negation_cues"]]),
        short_negation_window=int(raw["short_negation_window"]),
        # A retraction is the whole clause, or its start when a new clause follows unmarked.
        retractions=re.compile(
            rf"(?:{'|'.join(f'(?:{r})' for r in raw['retractions'])})"
            rf"(?=$|\s(?:{raw['scope']['subject']}|and|so)(?![a-z']))"
        ),
        scope=Scope(
            subject=words(raw["scope"]["subject"]),
            bridge=re.compile(rf"(?<![a-z'])(?:{raw['scope']['bridge']})\s+$"),
            told=re.compile(rf"(?<![a-z'])(?:{raw['scope']['told']})(?: [\w']+){{0,2}} [\w']+\s+$"),
            relative_heads=re.compile(rf"(?<![a-z'])(?:{raw['scope']['relative_heads']})\s*$"),
            bare_cues=re.compile(rf"(?:{raw['scope']['bare_cues']})$"),
            past_forms=words(raw["scope"]["past_forms"]),
            noun_cues=re.compile(rf"(?:{raw['scope']['noun_cues']})$"),
            noun_break=words(raw["scope"]["noun_break"]),
            noun_list=words(raw["scope"]["noun_list"]),
            own_negation=words(raw["scope"]["own_negation"]),
        ),
        negation_undone=any_of(raw["negation_undone"]),
        double_negation=any_of(raw["double_negation"]),
        history=any_of(raw["history_cues"]),
        recent=any_of(raw["recent_cues"]),
        repeat=any_of(raw["repeat_cues"]),
        present=any_of(raw["present_cues"]),
        offence=any_of(raw["offence_cues"]),
        third_person=re.compile(rf"(?<![a-z])(?:{raw['third_person']})\s*$"),
        idioms=tuple(words(pattern) for pattern in raw["idioms"]),
        concern=any_of(raw["concern"]),
        categories={
            category: PatternSet.build(
                [with_terms(pattern, terms) for pattern in raw["categories"][category]], words
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
    lexicon = load_lexicon()
    for pattern, replacement in lexicon.replacements:
        lowered = pattern.sub(replacement, lowered)
    return " ".join(lexicon.fillers.sub(" ", lowered).split())
