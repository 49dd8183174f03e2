"""What the learned risk net reads in a message: words, letters, and word families.

Words and character n-grams are what was written; the families
(`data/lexicons/risk_concepts.yml`) are what it is about, so a message using a word the
net never saw in training, but one of a family it knows, is not new to it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

if TYPE_CHECKING:
    # Imported where used: loading the saved net must not pay for importing scikit-learn.
    from sklearn.pipeline import FeatureUnion

FAMILIES_FILE = Path(__file__).resolve().parents[2] / "data" / "lexicons" / "risk_concepts.yml"
_WORD = re.compile(r"[a-z0-9'-]+")


@lru_cache(maxsize=1)
def families() -> dict[str, str]:
    """Each listed word, and the token naming its family (`"stab"` -> `"_violence_"`)."""
    raw = yaml.safe_load(FAMILIES_FILE.read_text(encoding="utf-8"))
    family_of: dict[str, str] = {}
    for family, words in raw.items():
        for word in words:
            if str(word) in family_of:
                raise ValueError(f"{FAMILIES_FILE.name}: {word!r} is in two families")
            family_of[str(word)] = f"_{family}_"
    return family_of


def read_as_families(text: str) -> str:
    """The normalised text with each listed word replaced by its family's token."""
    family_of = families()
    return " ".join(family_of.get(word, word) for word in _WORD.findall(text))


# Preprocessors by name: the saved model names its blocks' preprocessors, as a function
# cannot be written to a data file.
PREPROCESSORS: dict[str, Callable[[str], str]] = {"read_as_families": read_as_families}


def features() -> FeatureUnion:
    """Sublinear TF-IDF of word 1-2-grams, char_wb 2-5-grams and family 1-3-grams."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

    return FeatureUnion(
        [
            ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)),
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)),
            (
                "families",
                TfidfVectorizer(
                    preprocessor=read_as_families,
                    token_pattern=r"\S+",
                    ngram_range=(1, 3),
                    sublinear_tf=True,
                ),
            ),
        ]
    )
