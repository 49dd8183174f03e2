"""`make eval-risk`, second part: the rules with the learned second net.

On the development set the model is scored by 5-fold cross-validation (each message is
judged by a model that did not see it), and by holding out each round in turn (a round
was written at one time, so it is as near to fresh phrasings as the development set
gets); on the held-out set, by the model trained on the whole development set, exactly as
the gateway runs it.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import replace

from sklearn.model_selection import StratifiedKFold

from safety import RiskAssessment, assess_risk
from safety.evaluate import EVAL_DIR, Example, evaluate, load_examples, print_report, score
from safety.learned.model import GUARDED_THRESHOLD, THRESHOLD, LearnedRiskModel

THRESHOLDS = (0.4, 0.5, 0.6, 0.7)
# 1.01 never fires: the net skips every message where the rules saw a guard cue.
GUARDED_THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 1.01)


def rules_risk_removed(text: str) -> RiskAssessment:
    """The rules' view of a message (guard cues included) with the risk they found taken out.

    What the net would add on its own, as the gateway runs it.
    """
    return replace(assess_risk(text), risk="none", categories=(), evidence=())


def combined(
    model: LearnedRiskModel, examples: list[Example], alone: bool = False
) -> list[RiskAssessment]:
    """What the gateway would decide for each message: rules first, then the model.

    `alone`: what the model would add if the rules found nothing, which is how well it
    generalises, since the rules were written against these very messages.
    """
    return [
        model.add_to(rules_risk_removed(e.text) if alone else assess_risk(e.text)) for e in examples
    ]


def cross_validated_at(
    examples: list[Example], thresholds: Sequence[float]
) -> dict[tuple[float, bool], list[RiskAssessment]]:
    """Each message judged by a model trained on the other four fifths, at each threshold,
    with the rules (`False`) and alone (`True`). One training per fold serves them all."""
    decided: dict[tuple[float, bool], dict[int, RiskAssessment]] = {
        (threshold, alone): {} for threshold in thresholds for alone in (False, True)
    }
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    for train, test in folds.split(examples, [e.label for e in examples]):
        model = LearnedRiskModel.train([examples[i] for i in train])
        tested = [examples[i] for i in test]
        for (threshold, alone), judged in decided.items():
            found = combined(replace(model, threshold=threshold), tested, alone)
            judged.update(zip(test, found, strict=True))
    return {key: [judged[i] for i in range(len(examples))] for key, judged in decided.items()}


def cross_validated(examples: list[Example], threshold: float) -> list[RiskAssessment]:
    """Each message judged, with the rules, by a model trained on the other four fifths."""
    return cross_validated_at(examples, (threshold,))[threshold, False]


def by_round(
    examples: list[Example],
) -> dict[float, tuple[list[Example], list[RiskAssessment]]]:
    """For each guarded threshold: each round judged by a net trained on the others alone."""
    rounds = sorted({e.source for e in examples if e.source.startswith("risk_round")})
    judged: dict[float, tuple[list[Example], list[RiskAssessment]]] = {
        guarded: ([], []) for guarded in GUARDED_THRESHOLDS
    }
    for held in rounds:
        model = LearnedRiskModel.train([e for e in examples if e.source != held])
        tested = [e for e in examples if e.source == held]
        for guarded, (seen, decided) in judged.items():
            seen.extend(tested)
            decided.extend(combined(replace(model, guarded_threshold=guarded), tested, True))
    return judged


def main() -> int:
    """Print the figures."""
    development = load_examples(EVAL_DIR)
    print("== rules + learned model, development set (5-fold cross-validation)")
    judged = cross_validated_at(development, THRESHOLDS)
    for threshold in THRESHOLDS:
        chosen = " <- used" if threshold == THRESHOLD else ""
        together = score(development, judged[threshold, False]).summary()
        alone = score(development, judged[threshold, True]).summary()
        print(f"threshold {threshold}: {together}{chosen}")
        print(f"  the learned net alone: {alone}")
    print("== the learned net alone, each development round held out in turn")
    for guarded, (seen, decided) in by_round(development).items():
        chosen = " <- used" if guarded == GUARDED_THRESHOLD else ""
        name = "skipped" if guarded > 1 else f"threshold {guarded}"
        print(f"where the rules saw a guard cue, {name}: {score(seen, decided).summary()}{chosen}")
    model = LearnedRiskModel.train(development)
    print(f"== rules + learned model, held-out set (threshold {THRESHOLD}), as the gateway runs")
    # The gateway's own check: the rules, then the model where they found nothing.
    report = evaluate(
        load_examples(EVAL_DIR / "holdout"),
        repeats=10,
        assess=lambda text: model.add_to(assess_risk(text)),
    )
    print_report(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
