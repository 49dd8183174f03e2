"""Numbers as people say them on the phone: "third of April nineteen ninety one",
"oh seven nine one one, double one two…". Speech recognisers often write these as words.
"""

from __future__ import annotations

_UNITS = {
    "zero": 0,
    "oh": 0,
    "o": 0,
    "nought": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_ORDINALS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "eleventh": 11,
    "twelfth": 12,
    "thirteenth": 13,
    "fourteenth": 14,
    "fifteenth": 15,
    "sixteenth": 16,
    "seventeenth": 17,
    "eighteenth": 18,
    "nineteenth": 19,
    "twentieth": 20,
    "thirtieth": 30,
}
_REPEAT = {"double": 2, "triple": 3}
_CENTURIES = {"eighteen": 18, "nineteen": 19, "twenty": 20}
_FILLER = {"the", "of", "and", ","}


def small_number(tokens: list[str]) -> int | None:
    """1 to 99 from words, ordinals or digits: "twenty", "first", "twenty first", "21st"."""
    if not tokens or len(tokens) > 2:
        return None
    if len(tokens) == 1:
        token = tokens[0].rstrip(".")
        for suffix in ("st", "nd", "rd", "th"):
            if token.endswith(suffix) and token[: -len(suffix)].isdigit():
                token = token[: -len(suffix)]
        if token.isdigit():
            return int(token)
        return _ORDINALS.get(token, _UNITS.get(token, _TENS.get(token)))
    tens, unit = tokens
    unit_value = _ORDINALS.get(unit, _UNITS.get(unit))
    if tens in _TENS and unit_value is not None and unit_value < 10:
        return _TENS[tens] + unit_value
    return None


def year(tokens: list[str]) -> int | None:
    """A year: "1991", "nineteen ninety one", "two thousand and five", "twenty oh five"."""
    tokens = [token for token in tokens if token not in _FILLER]
    if len(tokens) == 1 and tokens[0].isdigit() and len(tokens[0]) in (2, 4):
        return int(tokens[0])
    if len(tokens) >= 2 and tokens[:2] == ["two", "thousand"]:
        after = small_number(tokens[2:]) if tokens[2:] else 0
        return None if after is None else 2000 + after
    century = _CENTURIES.get(tokens[0]) if tokens else None
    if century is None:
        return None
    rest = tokens[1:]
    if rest[:1] in (["oh"], ["o"]):
        low = small_number(rest[1:])
        return None if low is None or low > 9 else century * 100 + low
    low = small_number(rest)
    return century * 100 + low if low is not None and low >= 10 else None


def digits(text: str) -> str:
    """Spoken digits to a digit string: "oh seven double one" -> "0711"; "plus" -> "+"."""
    out: list[str] = []
    repeat = 1
    for token in text.lower().replace("-", " ").replace(",", " ").replace(".", " ").split():
        if token in _REPEAT:
            repeat = _REPEAT[token]
            continue
        if token == "plus":
            out.append("+")
        elif token.isdigit():
            out.append(token * repeat if len(token) == 1 else token)
        elif token in _UNITS and _UNITS[token] < 10:
            out.append(str(_UNITS[token]) * repeat)
        else:
            continue
        repeat = 1
    return "".join(out)


def number_in(tokens: list[str]) -> int | None:
    """A whole number said in words within a phrase: "I'm seventeen", "a hundred and two"."""
    words = [
        token for token in tokens if token not in _FILLER and token not in ("a", "years", "old")
    ]
    if words[:1] == ["hundred"] or words[:2] == ["one", "hundred"]:
        rest = words[1:] if words[0] == "hundred" else words[2:]
        low = small_number(rest) if rest else 0
        return None if low is None else 100 + low
    for size in (2, 1):
        for start in range(len(words) - size + 1):
            value = small_number(words[start : start + size])
            if value is not None and (size == 2 or words[start] not in _ORDINALS):
                return value
    return None


def letters_and_digits(text: str) -> str:
    """A spelled-out code as a recogniser writes it: "C V one four F S" -> "CV14FS"."""
    out: list[str] = []
    repeat = 1
    for token in text.lower().replace("-", " ").split():
        if token in _REPEAT:
            repeat = _REPEAT[token]
            continue
        if token.isalnum() and (len(token) == 1 or token.isdigit()):
            out.append(token * repeat if len(token) == 1 else token)
        elif token in _UNITS and _UNITS[token] < 10:
            out.append(str(_UNITS[token]) * repeat)
        elif token.isalnum() and len(token) <= 4:
            out.append(token)  # "CV1" said as one chunk
        else:
            return ""
        repeat = 1
    return "".join(out)
