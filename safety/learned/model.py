"""A learned second net under the risk rules, running in the gateway (so also without Rasa).

The rules in `safety/` say exactly which words they acted on, but on fresh phrasings they
miss a third or more (see `make eval-risk`). This classifier, trained on the same labelled
development set, generalises from words, character patterns and word families
(`safety/learned/features.py`). It only ever adds risk the rules did not find; it never
clears what they found. `make setup` trains it once and saves it (`safety/learned/train.py`);
processes load the saved net (`default_model`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from safety import RiskAssessment, assess_risk
from safety.evaluate import Example
from safety.learned import saved
from safety.learned.scorer import FastScorer
from safety.risk import normalise

if TYPE_CHECKING:
    # Imported where used: loading the saved net must not pay for importing scikit-learn.
    from sklearn.pipeline import Pipeline

# Chosen by cross-validation on the development set (see `make eval-risk`): false alarms
# on hard negatives at or under 5%. At 0.4 the net's own recall is about two points
# higher, but rules + model pass 5% false alarms (5.4% when last measured).
THRESHOLD = 0.5
# Where the rules saw a negation, a past time, an offence or an idiom, the net must be
# surer: a bag of words reads "I'm not scared to go home" as fear, but "I won't be here
# for my hearing" holds a negation too. Chosen by holding out each development round in
# turn (rounds are written at different times, as fresh messages are): skipping such
# messages altogether cost the net a tenth of its recall.
GUARDED_THRESHOLD = 0.7
# Below this many words the model has no context to judge ("me", "Myself", "1 and 5"
# answer a form question); such messages are left to the rules, which know "kms" and
# "suicidal". Only words with letters count: numbers are choices, not context.
MIN_WORDS = 3
# A long message is read a passage at a time as well as whole: "i have court on monday and
# my mum is ill and ... and i took 20 of my tablets this afternoon" is a bag of ordinary
# words with a few that matter, and the whole dilutes them. Passages of WINDOW_WORDS,
# every STEP_WORDS, in messages over LONG_WORDS. Chosen by cross-validation on the
# development set's long messages (`make eval-risk`).
LONG_WORDS = 30
WINDOW_WORDS = 25
STEP_WORDS = 10


@dataclass
class LearnedRiskModel:
    """Logistic regression on words, character n-grams and word families of the text."""

    scorer: FastScorer
    threshold: float = THRESHOLD
    guarded_threshold: float = GUARDED_THRESHOLD
    # The fitted sklearn pipeline when trained in this process (evaluation, tests); a net
    # loaded from its file has only the scorer, which is all that deciding needs.
    pipeline: Pipeline | None = None

    @classmethod
    def train(cls, examples: Sequence[Example], threshold: float = THRESHOLD) -> LearnedRiskModel:
        """Fit on labelled examples (deterministic: same data, same model)."""
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import Pipeline

        from safety.learned.features import features

        pipeline = Pipeline(
            [
                ("features", features()),
                (
                    "classify",
                    LogisticRegression(
                        C=10.0, class_weight="balanced", max_iter=5000, random_state=0
                    ),
                ),
            ]
        )
        pipeline.fit([normalise(e.text) for e in examples], [e.label for e in examples])
        return cls(
            scorer=FastScorer.from_pipeline(pipeline), threshold=threshold, pipeline=pipeline
        )

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> LearnedRiskModel:
        """The net `to_data` wrote; `RiskModelNotTrained` if the data does not make one."""
        try:
            return cls(
                scorer=FastScorer.from_data(data["scorer"]),
                threshold=float(data["thresholds"]["threshold"]),
                guarded_threshold=float(data["thresholds"]["guarded_threshold"]),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise saved.RiskModelNotTrained(
                f"the saved learned risk model is incomplete ({error!r}): {saved.HOW_TO_TRAIN}"
            ) from error

    def to_data(self, fingerprint: str) -> dict[str, Any]:
        """The net as plain data for its file, marked with what it was trained from."""
        return {
            "format": saved.FORMAT,
            "fingerprint": fingerprint,
            "thresholds": {
                "threshold": self.threshold,
                "guarded_threshold": self.guarded_threshold,
            },
            "scorer": self.scorer.to_data(),
        }

    def predict(self, text: str, threshold: float | None = None) -> tuple[str, float]:
        """The most likely risk category and its probability; ("none", p) below threshold."""
        threshold = self.threshold if threshold is None else threshold
        probabilities = self.scorer.probabilities(normalise(text))
        ranked = sorted(probabilities.items(), key=lambda pair: -pair[1])
        for label, probability in ranked:
            if label != "none" and probability >= threshold:
                return label, probability
        return "none", probabilities.get("none", 0.0)

    def add_to(self, assessment: RiskAssessment) -> RiskAssessment:
        """The rules' assessment, with the category to check with the person (`ask`) when
        the rules found nothing and the model reads risk. The model never acts alone."""
        if assessment.risk != "none" or _words_with_letters(assessment.text) < MIN_WORDS:
            return assessment
        for passage, guarded in _passages(assessment):
            label, probability = self.predict(
                passage, max(self.threshold, self.guarded_threshold) if guarded else self.threshold
            )
            if label != "none":
                return replace(
                    assessment,
                    ask=label,
                    evidence=(f"learned model ({probability:.2f})",),
                    concern=True,
                )
        return assessment


def _passages(assessment: RiskAssessment) -> Iterator[tuple[str, bool]]:
    """The text whole, then (if long) each passage, each with whether the rules saw a guard
    cue in it: a negation at the start of a long message says nothing of its end."""
    yield assessment.text, assessment.guarded
    words = assessment.text.split()
    if len(words) <= LONG_WORDS:
        return
    for start in range(0, len(words) - WINDOW_WORDS + STEP_WORDS, STEP_WORDS):
        passage = " ".join(words[start : start + WINDOW_WORDS])
        yield passage, assess_risk(passage).guarded


def _words_with_letters(text: str) -> int:
    return sum(any(character.isalpha() for character in word) for word in text.split())


@lru_cache(maxsize=1)
def default_model() -> LearnedRiskModel:
    """The net `make setup` trained and saved, loaded once per process; never trains."""
    return LearnedRiskModel.from_data(saved.read(saved.MODEL_FILE))
