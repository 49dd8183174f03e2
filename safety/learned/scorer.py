"""One message through a fitted TF-IDF + logistic regression pipeline, without the overhead.

For a single short text, sklearn's own path (about 1.1 ms when measured, against a 1 ms
budget for rules and net together) spends most of its time on FeatureUnion's parallel
dispatch, sparse-matrix assembly and input checks. This does the same sums straight from
the fitted vocabularies and weights. It also reads a text into terms itself, exactly as
each vectorizer's analyzer does for the parameters it records: importing scikit-learn
takes over a second, which every gateway worker and CLI call would pay only to read a
saved model that is plain data. The tests check it gives sklearn's terms and
probabilities on every labelled message, and training checks it again before saving.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from safety.learned.features import PREPROCESSORS

if TYPE_CHECKING:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import Pipeline

ANALYZERS = ("word", "char_wb")
# sklearn's vectorizers collapse runs of white space before taking character n-grams.
_WHITE_SPACES = re.compile(r"\s\s+")


@dataclass(frozen=True)
class Reading:
    """How a vectorizer turns a text into terms: the analyzer parameters this scorer supports."""

    analyzer: str  # one of ANALYZERS
    ngram_range: tuple[int, int]
    lowercase: bool
    token_pattern: str
    # A name in `PREPROCESSORS`, which then replaces lowercasing, as in sklearn.
    preprocessor: str | None

    def __post_init__(self) -> None:
        low, high = self.ngram_range
        if self.analyzer not in ANALYZERS or not 1 <= low <= high:
            raise ValueError(f"unsupported analyzer {self.analyzer!r} or n-grams {low}-{high}")
        if self.preprocessor is not None and self.preprocessor not in PREPROCESSORS:
            raise ValueError(f"unknown preprocessor {self.preprocessor!r}")
        if re.compile(self.token_pattern).groups > 1:
            raise ValueError("a token pattern may capture one group at most")

    @classmethod
    def of(cls, vectorizer: TfidfVectorizer) -> Reading:
        """A fitted vectorizer's reading; ValueError if this scorer would read differently."""
        params = vectorizer.get_params()
        names = {function: name for name, function in PREPROCESSORS.items()}
        preprocessor = params["preprocessor"]
        if (
            params["input"] != "content"
            or params["strip_accents"] is not None
            or params["stop_words"] is not None
            or params["tokenizer"] is not None
            or not isinstance(params["analyzer"], str)
            or not isinstance(params["token_pattern"], str)
            or (preprocessor is not None and preprocessor not in names)
        ):
            raise ValueError(
                "needs text input, no accent stripping, stop words or own tokenizer, "
                "and no preprocessor but those in PREPROCESSORS"
            )
        low, high = params["ngram_range"]
        return cls(
            analyzer=params["analyzer"],
            ngram_range=(int(low), int(high)),
            lowercase=bool(params["lowercase"]),
            token_pattern=params["token_pattern"],
            preprocessor=None if preprocessor is None else names[preprocessor],
        )

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Reading:
        """The reading saved by `asdict` (JSON turns the n-gram range into a list)."""
        low, high = data["ngram_range"]
        return cls(
            analyzer=str(data["analyzer"]),
            ngram_range=(int(low), int(high)),
            lowercase=bool(data["lowercase"]),
            token_pattern=str(data["token_pattern"]),
            preprocessor=None if data["preprocessor"] is None else str(data["preprocessor"]),
        )

    def analyser(self) -> Callable[[str], list[str]]:
        """The terms of a text, as sklearn's `build_analyzer()` gives them."""
        prepare: Callable[[str], str]
        if self.preprocessor is not None:
            prepare = PREPROCESSORS[self.preprocessor]
        else:
            prepare = str.lower if self.lowercase else str
        low, high = self.ngram_range
        if self.analyzer == "char_wb":
            return lambda text: _char_wb_ngrams(prepare(text), low, high)
        findall = re.compile(self.token_pattern).findall
        return lambda text: _word_ngrams(findall(prepare(text)), low, high)


def _word_ngrams(tokens: list[str], low: int, high: int) -> list[str]:
    if high == 1:
        return tokens
    grams = list(tokens) if low == 1 else []
    for n in range(max(low, 2), min(high, len(tokens)) + 1):
        grams.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    return grams


def _char_wb_ngrams(text: str, low: int, high: int) -> list[str]:
    grams: list[str] = []
    for word in _WHITE_SPACES.sub(" ", text).split():
        padded = f" {word} "
        length = len(padded)
        for n in range(low, high + 1):
            grams.extend(padded[i : i + n] for i in range(max(1, length - n + 1)))
            if length <= n:
                break  # sklearn counts a word no longer than n once, and no longer n-grams
    return grams


@dataclass(frozen=True)
class _Block:
    """One vectorizer's part of the features, and the weights the classifier gave it."""

    name: str
    reading: Reading
    analyse: Callable[[str], list[str]]
    # Each known term's column and inverse document frequency, as plain Python numbers:
    # reading one from a numpy array costs more than the sum it feeds.
    lookup: dict[str, tuple[int, float]]
    weights: NDArray[np.float64]  # one row per feature, one column per class

    @classmethod
    def build(
        cls,
        name: str,
        reading: Reading,
        lookup: dict[str, tuple[int, float]],
        weights: NDArray[np.float64],
    ) -> _Block:
        return cls(name, reading, reading.analyser(), lookup, np.ascontiguousarray(weights))

    @classmethod
    def from_data(cls, data: Mapping[str, Any], classes: int) -> _Block:
        vocabulary: dict[str, int] = data["vocabulary"]
        idf = [float(value) for value in data["idf"]]
        weights = np.asarray(data["weights"], dtype=np.float64)
        width = len(vocabulary)
        if (
            sorted(vocabulary.values()) != list(range(width))
            or len(idf) != width
            or weights.shape != (classes, width)
        ):
            raise ValueError(f"block {data['name']!r}: vocabulary, idf and weights disagree")
        return cls.build(
            name=str(data["name"]),
            reading=Reading.from_data(data["reading"]),
            lookup={str(term): (int(column), idf[column]) for term, column in vocabulary.items()},
            weights=weights.T,
        )

    def to_data(self) -> dict[str, Any]:
        by_column = sorted(self.lookup.items(), key=lambda item: item[1][0])
        return {
            "name": self.name,
            "reading": asdict(self.reading),
            "vocabulary": {term: column for term, (column, _) in by_column},
            "idf": [idf for _, (_, idf) in by_column],
            "weights": self.weights.T.tolist(),  # a list per class: its weight for each column
        }

    def add_scores(self, text: str, scores: NDArray[np.float64]) -> None:
        columns: list[int] = []
        values: list[float] = []
        for term, count in Counter(self.analyse(text)).items():
            known = self.lookup.get(term)
            if known is not None:
                column, idf = known
                columns.append(column)
                values.append(idf if count == 1 else (1.0 + math.log(count)) * idf)
        if columns:
            length = math.sqrt(sum(value * value for value in values))  # l2, as sklearn does
            scores += (np.array(values) / length) @ self.weights[columns]


@dataclass(frozen=True)
class FastScorer:
    """Class probabilities for one text, equal to the pipeline's `predict_proba`."""

    blocks: tuple[_Block, ...]
    intercept: NDArray[np.float64]
    classes: tuple[str, ...]

    @classmethod
    def from_pipeline(cls, pipeline: Pipeline) -> FastScorer:
        """Read a fitted `features` union of TF-IDF vectorizers and a `classify` step."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        union = pipeline.named_steps["features"]
        classifier = pipeline.named_steps["classify"]
        if len(classifier.classes_) < 3 or union.transformer_weights:
            raise ValueError("needs a multinomial classifier over unweighted features")
        blocks = []
        offset = 0
        for name, vectorizer in union.transformer_list:
            if not (
                isinstance(vectorizer, TfidfVectorizer)
                and vectorizer.sublinear_tf
                and vectorizer.use_idf
                and vectorizer.norm == "l2"
                and not vectorizer.binary
            ):
                raise ValueError("needs sublinear, l2-normalised TF-IDF vectorizers")
            width = len(vectorizer.vocabulary_)
            idf = [float(value) for value in vectorizer.idf_]
            blocks.append(
                _Block.build(
                    name=str(name),
                    reading=Reading.of(vectorizer),
                    lookup={
                        str(term): (int(column), idf[column])
                        for term, column in vectorizer.vocabulary_.items()
                    },
                    weights=np.asarray(
                        classifier.coef_[:, offset : offset + width].T, dtype=np.float64
                    ),
                )
            )
            offset += width
        return cls(
            blocks=tuple(blocks),
            intercept=np.asarray(classifier.intercept_, dtype=np.float64),
            classes=tuple(str(label) for label in classifier.classes_),
        )

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> FastScorer:
        """The scorer `to_data` wrote; ValueError if its parts do not fit together."""
        classes = tuple(str(label) for label in data["classes"])
        intercept = np.asarray(data["intercept"], dtype=np.float64)
        if len(classes) < 3 or intercept.shape != (len(classes),):
            raise ValueError("needs three classes or more, and an intercept for each")
        return cls(
            blocks=tuple(_Block.from_data(block, len(classes)) for block in data["blocks"]),
            intercept=intercept,
            classes=classes,
        )

    def to_data(self) -> dict[str, Any]:
        """Plain data for JSON: the classes, intercept, and each block's reading,
        vocabulary (term -> column), idf and weights."""
        return {
            "classes": list(self.classes),
            "intercept": self.intercept.tolist(),
            "blocks": [block.to_data() for block in self.blocks],
        }

    def probabilities(self, text: str) -> dict[str, float]:
        """Each class and its probability (softmax of the linear scores)."""
        scores = self.intercept.copy()
        for block in self.blocks:
            block.add_scores(text, scores)
        exponentials = np.exp(scores - scores.max())
        shares = exponentials / exponentials.sum()
        return {label: float(share) for label, share in zip(self.classes, shares, strict=True)}
