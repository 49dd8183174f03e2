"""The learned net's fast path gives exactly what sklearn would, only sooner."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from safety.evaluate import EVAL_DIR, load_examples
from safety.learned.features import families, read_as_families
from safety.learned.model import default_model
from safety.learned.scorer import FastScorer
from safety.risk import normalise


def test_it_gives_sklearns_probabilities_on_every_labelled_message() -> None:
    model = default_model()
    texts = [
        normalise(e.text) for e in load_examples(EVAL_DIR) + load_examples(EVAL_DIR / "holdout")
    ]
    texts += ["", "zzzz qqqq", "1 and 5"]  # nothing the vocabularies know
    expected = model.pipeline.predict_proba(texts)
    for text, row in zip(texts, expected, strict=True):
        got = model.scorer.probabilities(text)
        assert np.allclose([got[label] for label in model.pipeline.classes_], row, atol=1e-9), text


def test_it_refuses_a_pipeline_it_would_score_differently() -> None:
    pipeline = Pipeline(
        [
            ("features", FeatureUnion([("words", TfidfVectorizer(binary=True))])),
            ("classify", LogisticRegression()),
        ]
    )
    pipeline.fit(["help me", "leave me", "call me"], ["none", "self", "others"])
    with pytest.raises(ValueError, match="TF-IDF"):
        FastScorer.from_pipeline(pipeline)


def test_it_reads_a_word_it_never_saw_in_training_as_its_family() -> None:
    assert families()["batter"] == families()["stab"] == "_violence_"
    assert read_as_families("i'm going to batter him") == "i'm going to _violence_ _person_"
