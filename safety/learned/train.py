"""`python -m safety.learned.train` (run by `make setup`): train the learned risk net, save it.

Trains on the development set and writes `var/risk/model.json.gz`, only when the
fingerprint of what training reads (`saved.inputs_fingerprint`) differs from the saved
file's; otherwise says it is up to date, quickly (scikit-learn is not even imported).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from safety.evaluate import TRAINING_DIR, Example, load_examples
from safety.learned import saved
from safety.learned.model import LearnedRiskModel
from safety.risk import normalise

# How far the saved net's probabilities may be from sklearn's own: rounding only.
TOLERANCE = 1e-9


class TrainingFailed(RuntimeError):
    """The trained net would not score as sklearn does once saved; nothing was written."""


def train_if_changed(path: Path = saved.MODEL_FILE, force: bool = False) -> bool:
    """Train and save the net unless the saved one is from today's inputs; True if trained."""
    fingerprint = saved.inputs_fingerprint()
    if not force and _saved_fingerprint(path) == fingerprint:
        print(f"learned risk model is up to date ({saved.shown(path)})", flush=True)
        return False
    examples = load_examples(TRAINING_DIR)
    print(f"training the learned risk model on {len(examples)} messages (about 10 s)", flush=True)
    started = time.perf_counter()
    model = LearnedRiskModel.train(examples)
    data = model.to_data(fingerprint)
    check_round_trip(model, data, examples)
    saved.write(data, path)
    print(
        f"learned risk model trained in {time.perf_counter() - started:.1f} s: "
        f"{saved.shown(path)} ({path.stat().st_size / 1_000_000:.1f} MB)",
        flush=True,
    )
    return True


def check_round_trip(
    model: LearnedRiskModel, data: dict[str, Any], examples: Sequence[Example]
) -> None:
    """Refuse to save a net whose file would not score every example as sklearn does."""
    if model.pipeline is None:
        raise TrainingFailed("only a net trained in this process can be checked")
    loaded = LearnedRiskModel.from_data(json.loads(json.dumps(data)))
    texts = [normalise(example.text) for example in examples]
    for text, expected in zip(texts, model.pipeline.predict_proba(texts), strict=True):
        got = loaded.scorer.probabilities(text)
        for label, probability in zip(model.pipeline.classes_, expected, strict=True):
            if abs(got[str(label)] - float(probability)) > TOLERANCE:
                raise TrainingFailed(
                    f"the saved net gives {label} {got[str(label)]:.12f} where sklearn gives "
                    f"{probability:.12f} for {text!r}: the scorer no longer reads text as this "
                    "scikit-learn version does (see safety/learned/scorer.py)"
                )


def _saved_fingerprint(path: Path) -> str | None:
    try:
        return str(saved.read_unchecked(path).get("fingerprint"))
    except saved.RiskModelNotTrained:
        return None


def main(argv: Sequence[str] | None = None) -> int:
    """Train if needed; exit 1 with one line saying why if the net cannot be trained."""
    parser = argparse.ArgumentParser(prog="python -m safety.learned.train", description=__doc__)
    parser.add_argument("--force", action="store_true", help="train even if up to date")
    arguments = parser.parse_args(argv)
    try:
        train_if_changed(force=arguments.force)
    except (TrainingFailed, FileNotFoundError, ValueError) as error:
        print(f"training the learned risk model failed: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
