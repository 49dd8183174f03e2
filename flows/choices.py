"""Pick options from what a person wrote: by number, by keypad, by word, with small typos."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

from flows import spoken
from flows.errors import AnswerError
from flows.model import Flow, Option

_NOT_WORD = re.compile(r"[^a-z0-9' ]+")
# Words that carry no choice of their own in "the GP and my probation officer".
_FILLER = {
    "a",
    "an",
    "and",
    "or",
    "the",
    "my",
    "i",
    "i'm",
    "im",
    "am",
    "with",
    "also",
    "plus",
    "both",
    "is",
    "it's",
    "its",
    "option",
    "number",
    "to",
    "in",
    "at",
    "of",
    "have",
    "got",
    "from",
}
_TYPO_CUTOFF = 0.8


def normalise(text: str) -> str:
    """Lower case, punctuation to spaces, spaces collapsed."""
    return " ".join(_NOT_WORD.sub(" ", text.lower().replace("&", " and ")).split())


def phrases(option: Option) -> list[str]:
    """Every way of naming an option, longest first so the most specific wins."""
    names = {normalise(option.label), normalise(option.value.replace("_", " "))}
    names |= {normalise(synonym) for synonym in option.synonyms}
    return sorted((name for name in names if name), key=len, reverse=True)


def names_exactly(options: tuple[Option, ...], text: str) -> bool:
    """The text is one option's name or number and nothing more: a button pressed."""
    said = normalise(text)
    if said.isdigit():
        return 1 <= int(said) <= len(options)
    return any(said in phrases(option) for option in options)


def one_option(options: tuple[Option, ...], text: str) -> Option:
    """The single option the text names, or AnswerError."""
    said = normalise(text)
    by_number = _by_number(options, said)
    if by_number is not None:
        return by_number
    for option in options:
        if said in phrases(option):
            return option
    named = _named_in(options, said)
    if len(named) == 1:
        return named[0]
    if not named:
        close = _close_match(options, said)
        if close is not None:
            return close
    raise AnswerError("not one of the options")


def several_options(options: tuple[Option, ...], text: str) -> list[Option]:
    """Every option the text names ("1, 3", "GP and probation", "none"), in option order."""
    said = normalise(text)
    for option in options:
        if said in phrases(option):
            return [option]
    picked: list[Option] = []
    rest = said
    for token in re.findall(r"\d+", rest):
        # Keyed on a phone, "135" means options 1, 3 and 5: always when there are fewer
        # than 10, and with 10 or more when no option has that number ("12" is option 12).
        whole = len(options) >= 10 and 1 <= int(token) <= len(options)
        numbers = [int(token)] if whole else [int(d) for d in token]
        for index in numbers:
            if not 1 <= index <= len(options):
                raise AnswerError("no option with that number")
            picked.append(options[index - 1])
    rest = re.sub(r"\d+", " ", rest)
    for option, phrase in _all_phrases(options):
        pattern = rf"\b{re.escape(phrase)}\b"
        if re.search(pattern, rest):
            picked.append(option)
            rest = re.sub(pattern, " ", rest)
    leftover = [word for word in rest.split() if word not in _FILLER]
    for word in leftover:
        close = _close_match(options, word)
        if close is None:
            raise AnswerError("did not understand every choice")
        picked.append(close)
    unique = [option for option in options if option in picked]
    if not unique:
        raise AnswerError("no option named")
    if len(unique) > 1 and any(option.exclusive for option in unique):
        raise AnswerError("an exclusive option with others")
    return unique


def _by_number(options: tuple[Option, ...], said: str) -> Option | None:
    words = [word for word in said.split() if word not in ("option", "number", "press")]
    if len(words) != 1:
        return None
    word = words[0]
    index = int(word) if word.isdigit() else spoken.small_number([word])
    if index is None or (not word.isdigit() and _names_an_option(options, word)):
        return None
    if not 1 <= index <= len(options):
        raise AnswerError("no option with that number")
    return options[index - 1]


def _names_an_option(options: tuple[Option, ...], word: str) -> bool:
    return any(word in phrases(option) for option in options)


def _all_phrases(options: tuple[Option, ...]) -> list[tuple[Option, str]]:
    pairs = [(option, phrase) for option in options for phrase in phrases(option)]
    return sorted(pairs, key=lambda pair: len(pair[1]), reverse=True)


def _named_in(options: tuple[Option, ...], said: str) -> list[Option]:
    """Options whose name appears as whole words in the text."""
    found: list[Option] = []
    rest = f" {said} "
    for option, phrase in _all_phrases(options):
        if f" {phrase} " in rest:
            if option not in found:
                found.append(option)
            rest = rest.replace(f" {phrase} ", " ")
    return found


def _close_match(options: tuple[Option, ...], said: str) -> Option | None:
    """A near spelling of exactly one option's name ("proffesional")."""
    names = {phrase: option for option, phrase in _all_phrases(options) if len(phrase) > 3}
    close = difflib.get_close_matches(said, list(names), n=2, cutoff=_TYPO_CUTOFF)
    matched = {id(names[name]) for name in close}
    if len(matched) == 1:
        return names[close[0]]
    return None


def offered_words(flows: Iterable[Flow]) -> frozenset[str]:
    """Every option label and synonym the flows offer, in lower case: a choice pressed or
    typed, not a person's own words."""
    return frozenset(
        word.lower()
        for flow in flows
        for question in flow.questions
        for option in question.options
        for word in (option.label, *option.synonyms)
    )
