"""How far a cue reaches in a message: clauses, the parts of a run-on clause, negations
and past times.

Real messages are long, lower case and unpunctuated: a negation or a past time early in
one must not cancel a statement later in it, a comparison turns a negation into emphasis
("never wanted to die more than now"), and an act done today told in the past tense is
now, not history. The cues are in the lexicon; this module decides what each one covers.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache

from safety.lexicon import Lexicon, load_lexicon

# "and" starts a new clause only before a new subject: "I don't know them and I can't get
# out" is two clauses, "find him and hurt him" is one.
_CLAUSE_BREAK = re.compile(
    r"[.!?;:,\n]+|\s(?:but|although|though|however|because|cos|cause)\s"
    r"|\sand\s(?=(?:i|i'm|he|she|they|we|you|it)\s)"
)
_BARE_NO = {"no", "nope", "not really", "never", "no way", "nah"}


@dataclass(frozen=True)
class Clause:
    text: str
    denied: bool  # answered by a bare "no" ("suicidal? no")
    # The clauses around it joined only by a comma or "and" ("back in 2019, i cut myself",
    # "when i was 17 my dad left and i started cutting"): a past time that opens it dates
    # what follows. `offset` is where the clause starts in it.
    sentence: str
    offset: int


# A past time opens a part when no more than this many words come before it in the part
# ("ten years ago i", "about back in 2019 i").
_OPENING = 2
_SOFT_BREAK = re.compile(r"\s*(?:,+|and)\s*")


def split(text: str) -> list[Clause]:
    """Clauses at punctuation and joining words, each with the sentence it belongs to."""
    pieces: list[tuple[int, int, str]] = []
    position = 0
    for found in _CLAUSE_BREAK.finditer(text):
        pieces.append((position, found.start(), found.group()))
        position = found.end()
    pieces.append((position, len(text), ""))
    sentence_of: list[tuple[int, int]] = []
    first = 0
    for index, (_, _, after) in enumerate(pieces):
        if not _SOFT_BREAK.fullmatch(after) or index == len(pieces) - 1:
            sentence_of += [(pieces[first][0], pieces[index][1])] * (index + 1 - first)
            first = index + 1
    clauses = []
    for index, (start, end, after) in enumerate(pieces):
        part = text[start:end].strip()
        if not part:
            continue
        next_part = text[pieces[index + 1][0] : pieces[index + 1][1]].strip() if after else ""
        sentence_start, sentence_end = sentence_of[index]
        offset = start + (len(text[start:end]) - len(text[start:end].lstrip())) - sentence_start
        clauses.append(
            Clause(
                text=part,
                denied="?" in after and next_part in _BARE_NO,
                sentence=text[sentence_start:sentence_end],
                offset=offset,
            )
        )
    return clauses


def clauses(text: str) -> list[tuple[str, bool]]:
    """Clauses, each with whether it is answered by a bare "no" ("suicidal? no")."""
    return [(clause.text, clause.denied) for clause in split(text)]


@lru_cache(maxsize=64)
def _word_starts(text: str) -> tuple[int, ...]:
    return tuple(found.start() for found in re.finditer(r"\S+", text))


def window_start(text: str, end: int, words: int) -> int:
    """Where the last `words` words before `end` begin."""
    starts = _word_starts(text)
    before = bisect.bisect_left(starts, end)
    return starts[before - words] if before >= words else 0


Span = tuple[int, int]


def _overlaps(spans: tuple[Span, ...], low: int, high: int) -> list[Span]:
    return [(start, stop) for start, stop in spans if start < high and low < stop]


def _distance(span: Span, match: Span, text: str) -> int:
    # Words between a cue and a match; 0 when they touch or overlap.
    if span[1] <= match[0]:
        return len(text[span[1] : match[0]].split())
    if span[0] >= match[1]:
        return len(text[match[1] : span[0]].split())
    return 0


def _part_starts(text: str, keep: tuple[Span, ...] = ()) -> tuple[int, ...]:
    """Where each part of a run-on clause begins: after a comma, and at a new subject unless
    the word before makes it what is negated ("i don't think i'd"); never inside a kept span
    (a history cue such as "when i was 15")."""
    scope = load_lexicon().scope
    starts = [0] + [found.end() for found in re.finditer(r",\s*", text)]
    for subject in scope.subject.finditer(text):
        position = subject.start()
        if position == 0 or any(start < position < stop for start, stop in keep):
            continue
        bridged = scope.bridge.search(text, 0, position) is not None
        if bridged and not scope.told.search(text, 0, position):
            continue
        starts.append(position)
    return tuple(sorted(set(starts)))


def _part_of(position: int, starts: tuple[int, ...], length: int) -> Span:
    begin = max(start for start in starts if start <= position)
    later = [start for start in starts if start > position]
    return begin, later[0] if later else length


@lru_cache(maxsize=64)
def clause_parts(clause: str) -> tuple[int, ...]:
    return _part_starts(clause)


@dataclass(frozen=True)
class _Times:
    """The times a sentence names, and its parts (kept whole across a history cue)."""

    history: tuple[Span, ...]
    recent: tuple[Span, ...]
    repeats: tuple[Span, ...]  # "and again tonight"
    present: tuple[Span, ...]  # recent times and present tenses ("i want", "i'm")
    starts: tuple[int, ...]


@lru_cache(maxsize=64)
def _times(sentence: str) -> _Times:
    lexicon = load_lexicon()
    history = tuple(found.span() for found in lexicon.history.finditer(sentence))
    if not history:
        return _Times((), (), (), (), ())

    def beside_history(found: re.Match[str]) -> bool:
        return not _overlaps(history, *found.span())

    recent = tuple(f.span() for f in lexicon.recent.finditer(sentence) if beside_history(f))
    tenses = tuple(f.span() for f in lexicon.present.finditer(sentence) if beside_history(f))
    repeats = tuple(found.span() for found in lexicon.repeat.finditer(sentence))
    return _Times(history, recent, repeats, recent + tenses, _part_starts(sentence, history))


def _undone(clause: str, cue: re.Match[str], match: re.Match[str], lexicon: Lexicon) -> bool:
    """Whether a negation is emphasis ("never wanted to die more than now")."""
    _, part_end = _part_of(match.start(), clause_parts(clause), len(clause))
    tail = " ".join(clause[match.end() : part_end].split()[: lexicon.negation_window])
    word_before = clause[: cue.start()].split()[-1:]
    between = clause[cue.start() : match.start()].strip()
    text = " ".join([*word_before, between, "#", match.group(), "@", tail])
    return lexicon.negation_undone.search(text) is not None


@lru_cache(maxsize=256)
def _cues(clause: str, cues: re.Pattern[str]) -> tuple[re.Match[str], ...]:
    return tuple(cues.finditer(clause))


def _cues_before(
    clause: str, match: re.Match[str], cues: re.Pattern[str], words: int
) -> list[re.Match[str]]:
    # Cues ending within `words` words of the match; a negation the match itself holds
    # ("no way out") is its own. (A cue may run into the match: "isn't # going to hurt me".)
    window = window_start(clause, match.start(), words)
    return [
        cue
        for cue in _cues(clause, cues)
        if window < cue.end() <= match.end() and cue.start() < match.start()
    ]


def negated(clause: str, match: re.Match[str], lexicon: Lexicon, answered: bool) -> bool:
    """A negation cue shortly before the match, within its part, and not undone. A reported
    question counts as one, unless the next clause answers it yes (`answered`)."""
    kinds = [
        (lexicon.negation, lexicon.negation_window),
        (lexicon.short_negation, lexicon.short_negation_window),
    ]
    if not answered:
        kinds.append((lexicon.question, lexicon.negation_window))
    return any(
        _negates(clause, match, cue, lexicon)
        for cues, words in kinds
        for cue in _cues_before(clause, match, cues, words)
    )


def _negates(clause: str, match: re.Match[str], cue: re.Match[str], lexicon: Lexicon) -> bool:
    scope = lexicon.scope
    if any(cue.end() <= start <= match.start() for start in clause_parts(clause)):
        return False  # a new part began between them
    window = window_start(clause, match.start(), lexicon.negation_window)
    doubled = (found.span() for found in lexicon.double_negation.finditer(clause, window))
    if any(begin <= cue.start() < end for begin, end in doubled):
        return False  # "can't go a day without"
    if scope.bare_cues.match(cue.group()) and scope.past_forms.match(match.group()):
        return False  # "won't ... took": not one verb phrase
    if scope.own_negation.match(match.group()) and (
        scope.noun_cues.match(cue.group()) or match.group().startswith("any")
    ):
        # "no one to talk to and nothing to live for": the match has its own negation.
        # "there isn't any point in living": the "any" needs the negation before it.
        return False
    if scope.noun_cues.match(cue.group()):
        # "no one" negates a thing, not what follows it.
        between = clause[cue.end() : match.start()]
        listed = scope.noun_list.match(clause, cue.start()) is not None
        if scope.noun_break.search(between) and not listed:
            return False
    return not _undone(clause, cue, match, lexicon)


def dated(sentence: str, match: Span, lexicon: Lexicon) -> bool:
    """Whether a past time dates the match: "i took an overdose years ago".

    A history cue dates its own part of the sentence, unless a recent time is nearer the
    match ("i overdosed years ago and this morning took 20 pills": the second act is now)
    or one after it says the act was done again ("when i was 16 and again tonight").
    A part that is only a past time dates the part before it. A history cue that opens a
    part ("back in 2019 i cut myself", "when i was 17 my dad left and i started cutting")
    dates the parts after it, until one says now ("and last night i", "i want"); one
    later in a part dates only the part straight after ("in 2014 and they took my passport").
    """
    times = _times(sentence)
    if not times.history:
        return False
    begin, end = _part_of(match[0], times.starts, len(sentence))
    own = _overlaps(times.history, begin, end)
    if own:
        if any(span[0] >= match[1] for span in _overlaps(times.repeats, begin, end)):
            return False  # "i overdosed when i was 16 and again tonight"
        nearest = min(_distance(span, match, sentence) for span in own)
        now = _overlaps(times.recent, begin, end)
        return not now or min(_distance(span, match, sentence) for span in now) >= nearest
    following = sentence[end : _part_of(end, times.starts, len(sentence))[1]]
    if end < len(sentence) and lexicon.history.fullmatch(_without_joins(following, lexicon)):
        return True
    if _overlaps(times.present, begin, end):
        return False
    earlier = sorted((start for start in times.starts if start < begin), reverse=True)
    for step, part_begin in enumerate(earlier):
        part_end = _part_of(part_begin, times.starts, len(sentence))[1]
        dates = _overlaps(times.history, part_begin, part_end)
        opening = [
            span
            for span in dates
            if len(_without_joins(sentence[part_begin : span[0]], lexicon).split()) <= _OPENING
        ]
        if opening:
            return not _overlaps(times.present, opening[0][1], part_end)
        if _overlaps(times.present, part_begin, part_end):
            return False
        if dates and step == 0:
            return True  # "trafficked in 2014 and they took my passport": the story goes on
    return False


def _without_joins(text: str, lexicon: Lexicon) -> str:
    # "and i was 15 at the time" -> "i was 15 at the time"; "and back in 2019" stays dated.
    return lexicon.scope.noun_break.sub(" ", text).strip()
