"""Words a regular expression cannot match without: a cheap test before the search.

The risk lexicon has hundreds of patterns and every clause of every message is searched
with each of them. Most patterns need some literal text ("myself", "overdose", " me") in
any match; when a clause holds none of it, the search cannot succeed and is skipped. The
test is `in` on a short string, done once per string for all the patterns that need it,
and it only ever skips searches that would have failed, so the detector's answers do not
change (the tests check this on every labelled message).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

if sys.version_info >= (3, 11):
    from re import _parser as regex_parser  # type: ignore[attr-defined]
else:  # the Rasa environment runs Python 3.10, where the parser has its old name
    import sre_parse as regex_parser

_LITERAL = regex_parser.LITERAL
_SUBPATTERN = regex_parser.SUBPATTERN
_BRANCH = regex_parser.BRANCH
_REPEATS = (regex_parser.MAX_REPEAT, regex_parser.MIN_REPEAT)
# Shorter literals ("me", "i") are in nearly every message: no use as a test.
_SHORTEST_USEFUL = 3

Needs = frozenset[str]


def required_text(pattern: str) -> tuple[str, ...]:
    """Strings of which every match of `pattern` contains at least one; () if none found.

    Only for lower-case patterns without flags, as the lexicon's are.
    """
    needs = _sequence(list(regex_parser.parse(pattern)))
    return tuple(sorted(needs)) if needs else ()


@dataclass(frozen=True)
class PatternSet:
    """Compiled patterns, indexed by the text each needs, in the order they were given."""

    patterns: tuple[re.Pattern[str], ...]
    always: frozenset[int]  # patterns with nothing certain to look for
    by_text: dict[str, tuple[int, ...]]

    @classmethod
    def build(
        cls, sources: Sequence[str], compile_pattern: Callable[[str], re.Pattern[str]]
    ) -> PatternSet:
        """Compile each source and note what text any match of it must hold."""
        always: set[int] = set()
        by_text: dict[str, list[int]] = {}
        for index, source in enumerate(sources):
            needs = required_text(source)
            if not needs:
                always.add(index)
            for text in needs:
                by_text.setdefault(text, []).append(index)
        return cls(
            patterns=tuple(compile_pattern(source) for source in sources),
            always=frozenset(always),
            by_text={text: tuple(indices) for text, indices in by_text.items()},
        )

    def candidates(self, text: str) -> list[re.Pattern[str]]:
        """The patterns that could match `text`, in their original order."""
        chosen = set(self.always)
        for needed, indices in self.by_text.items():
            if needed in text:
                chosen.update(indices)
        return [self.patterns[index] for index in sorted(chosen)]


def _sequence(items: list[tuple[Any, Any]]) -> Needs | None:
    # Each item of a sequence must match, so any one item's needs will do: keep the best.
    candidates: list[Needs] = []
    run = ""
    for op, argument in items:
        if op is _LITERAL:
            run += chr(argument)
            continue
        if run:
            candidates.append(frozenset([run]))
            run = ""
        needs = _item(op, argument)
        if needs:
            candidates.append(needs)
    if run:
        candidates.append(frozenset([run]))
    useful = [c for c in candidates if min(map(len, c)) >= _SHORTEST_USEFUL]
    return max(useful, key=_selectivity) if useful else None


def _item(op: Any, argument: Any) -> Needs | None:
    if op is _SUBPATTERN:
        return _sequence(list(argument[-1]))
    if op is _BRANCH:
        # One alternative matches: the match holds the needs of one of them.
        alternatives = [_sequence(list(alternative)) for alternative in argument[1]]
        known = [needs for needs in alternatives if needs is not None]
        if len(known) < len(alternatives):
            return None
        return _without_redundant(frozenset().union(*known))
    if op in _REPEATS and argument[0] >= 1:
        return _sequence(list(argument[2]))
    return None  # optional parts, character sets, assertions: nothing certain


def _without_redundant(needs: Needs) -> Needs:
    # "hitting" holds "hit": a text with "hitting" already passes the test for "hit".
    return frozenset(word for word in needs if not any(o != word and o in word for o in needs))


def _selectivity(needs: Needs) -> tuple[int, int, int]:
    # Fewer and longer strings reject more clauses for less work; but a short word with
    # spaces round it (" to ", " me") is in most clauses, so words of three letters or
    # more come first.
    letters = min(len(word.strip()) for word in needs)
    return (min(letters, 3), -len(needs), letters)
