"""A learned second net under the risk rules, running in the gateway (so also without Rasa).

The rules in `safety/` say exactly which words they acted on, but on fresh phrasings they
miss half (see `make eval-risk`). This classifier, trained on the same labelled
development set, generalises from word and character patterns. It only ever adds risk
the rules did not find; it never clears what they found.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from sklearn import config_context
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from safety import RiskAssessment
from safety.evaluate import EVAL_DIR, Example, load_examples
from safety.risk import normalise

# Chosen by cross-validation on the development set (see `make eval-risk`): false alarms
# on hard negatives at or under 5%, and a margin over ordinary form answers. At 0.4 the
# net's own recall is two points higher, but "mental health, drugs or alcohol and
# housing" (a spoken answer to "what do you need help with?") scored 0.41.
THRESHOLD = 0.5
# Below this many words the model has no context to judge ("me", "Myself", "1 and 5"
# answer a form question); such messages are left to the rules, which know "kms" and
# "suicidal". Only words with letters count: numbers are choices, not context.
MIN_WORDS = 3


@dataclass
class LearnedRiskModel:
    """Logistic regression on word and character n-grams of the normalised text."""

    pipeline: Pipeline
    threshold: float = THRESHOLD

    @classmethod
    def train(cls, examples: Sequence[Example], threshold: float = THRESHOLD) -> LearnedRiskModel:
        """Fit on labelled examples (deterministic: same data, same model)."""
        features = FeatureUnion(
            [
                ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)),
                (
                    "chars",
                    TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
                ),
            ]
        )
        pipeline = Pipeline(
            [
                ("features", features),
                (
                    "classify",
                    LogisticRegression(
                        C=10.0, class_weight="balanced", max_iter=5000, random_state=0
                    ),
                ),
            ]
        )
        pipeline.fit([normalise(e.text) for e in examples], [e.label for e in examples])
        return cls(pipeline=pipeline, threshold=threshold)

    def predict(self, text: str) -> tuple[str, float]:
        """The most likely risk category and its probability; ("none", p) below threshold."""
        # One short text at a time: sklearn's input checks cost more than the sums.
        with config_context(assume_finite=True, skip_parameter_validation=True):
            probabilities = self.pipeline.predict_proba([normalise(text)])[0]
        ranked = sorted(
            zip(self.pipeline.classes_, probabilities, strict=True), key=lambda pair: -pair[1]
        )
        for label, probability in ranked:
            if label != "none" and probability >= self.threshold:
                return str(label), float(probability)
        return "none", float(dict(ranked).get("none", 0.0))

    def add_to(self, assessment: RiskAssessment) -> RiskAssessment:
        """The rules' assessment, plus what the model finds when the rules found nothing."""
        if assessment.risk != "none" or _words_with_letters(assessment.text) < MIN_WORDS:
            return assessment
        # Negations, past times, offences and idioms are the rules' to weigh: a bag of
        # words reads "I'm not scared to go home" as fear. Holding back here halves the
        # false alarms for a few points of recall (cross-validated, `make eval-risk`).
        if assessment.guarded:
            return assessment
        label, probability = self.predict(assessment.text)
        if label == "none":
            return assessment
        return replace(
            assessment,
            risk=label,
            categories=(label,),
            evidence=(f"learned model ({probability:.2f})",),
            concern=True,
        )


def _words_with_letters(text: str) -> int:
    return sum(any(character.isalpha() for character in word) for word in text.split())


@lru_cache(maxsize=1)
def default_model() -> LearnedRiskModel:
    """Trained once per process on the development set (about a second)."""
    return LearnedRiskModel.train(load_examples(EVAL_DIR))
