"""The learned net's fast path gives exactly what sklearn would, only sooner, and saved."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from safety.evaluate import HELD_OUT_DIR, TRAINING_DIR, load_examples
from safety.learned import saved
from safety.learned.features import families, read_as_families
from safety.learned.model import LearnedRiskModel
from safety.learned.scorer import FastScorer, Reading
from safety.risk import normalise

# Odd spacing, capitals, accents, apostrophes and words shorter than an n-gram.
AWKWARD = ["", "zzzz qqqq", "1 and 5", "  I\tWON'T\n\n go ", "Ça va? a b c", "x", "it's-ok -- no"]


@pytest.fixture(scope="module")
def trained() -> LearnedRiskModel:
    """The net trained on the development set, once for this module (a few seconds)."""
    return LearnedRiskModel.train(load_examples(TRAINING_DIR))


@pytest.fixture(scope="module")
def texts() -> list[str]:
    """Every labelled message as the net sees it, and some no vocabulary knows."""
    labelled = load_examples(TRAINING_DIR) + load_examples(HELD_OUT_DIR)
    return [normalise(e.text) for e in labelled] + AWKWARD


def test_it_gives_sklearns_probabilities_on_every_labelled_message(
    trained: LearnedRiskModel, texts: list[str]
) -> None:
    assert trained.pipeline is not None
    expected = trained.pipeline.predict_proba(texts)
    for text, row in zip(texts, expected, strict=True):
        got = trained.scorer.probabilities(text)
        labels = trained.pipeline.classes_
        assert np.allclose([got[label] for label in labels], row, atol=1e-9), text


def test_it_reads_every_labelled_message_into_sklearns_terms(
    trained: LearnedRiskModel, texts: list[str]
) -> None:
    assert trained.pipeline is not None
    vectorizers = trained.pipeline.named_steps["features"].transformer_list
    for (name, vectorizer), block in zip(vectorizers, trained.scorer.blocks, strict=True):
        assert block.name == name
        sklearns = vectorizer.build_analyzer()
        for text in texts:
            assert block.analyse(text) == sklearns(text), (name, text)


@pytest.mark.parametrize(
    "params",
    [
        {"analyzer": "word", "ngram_range": (1, 1), "lowercase": False},
        {"analyzer": "word", "ngram_range": (2, 3)},
        {"analyzer": "word", "token_pattern": r"(?u)\b(\w)\w*"},
        {"analyzer": "char_wb", "ngram_range": (1, 3)},
        {"analyzer": "char_wb", "ngram_range": (3, 6), "lowercase": False},
    ],
)
def test_it_reads_as_sklearn_does_with_other_parameters(params: dict[str, object]) -> None:
    vectorizer = TfidfVectorizer(**params)
    ours = Reading.of(vectorizer).analyser()
    for text in [*AWKWARD, "I am NOT going to hurt   anyone, ever again"]:
        assert ours(text) == vectorizer.build_analyzer()(text), text


@pytest.mark.parametrize(
    "vectorizer",
    [
        TfidfVectorizer(stop_words="english"),
        TfidfVectorizer(strip_accents="unicode"),
        TfidfVectorizer(analyzer="char"),
        TfidfVectorizer(preprocessor=str.upper),
    ],
)
def test_it_refuses_a_reading_it_would_not_reproduce(vectorizer: TfidfVectorizer) -> None:
    with pytest.raises(ValueError):
        Reading.of(vectorizer)


def test_it_scores_every_labelled_message_the_same_after_saving_and_loading(
    trained: LearnedRiskModel, texts: list[str], tmp_path: Path
) -> None:
    path = tmp_path / "model.json.gz"
    saved.write(trained.to_data("these inputs"), path)
    loaded = LearnedRiskModel.from_data(saved.read(path, fingerprint="these inputs"))
    assert loaded.pipeline is None
    assert (loaded.threshold, loaded.guarded_threshold) == (
        trained.threshold,
        trained.guarded_threshold,
    )
    assert loaded.scorer.classes == trained.scorer.classes
    for text in texts:
        assert loaded.scorer.probabilities(text) == trained.scorer.probabilities(text), text


def test_it_saves_plain_json_the_same_way_each_time(
    trained: LearnedRiskModel, tmp_path: Path
) -> None:
    first, second = tmp_path / "first.json.gz", tmp_path / "second.json.gz"
    saved.write(trained.to_data("these inputs"), first)
    saved.write(trained.to_data("these inputs"), second)
    assert first.read_bytes() == second.read_bytes()
    data = json.loads(gzip.decompress(first.read_bytes()))
    assert [block["name"] for block in data["scorer"]["blocks"]] == ["words", "chars", "families"]
    assert data["scorer"]["blocks"][2]["reading"]["preprocessor"] == "read_as_families"


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
