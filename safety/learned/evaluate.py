"""`make eval-risk`, second part: the rules with the learned second net.

On the development set the model is scored by 5-fold cross-validation (each message is
judged by a model that did not see it), and by holding out each round in turn (a round
was written at one time, so it is as near to fresh phrasings as the development set
gets); on the held-out set, by the model `make setup` trained on the whole development
set and saved, exactly as the gateway runs it. Exits 1 when the cross-validated figures
miss a target (`TARGETS`).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import replace

from sklearn.model_selection import StratifiedKFold

from safety import RiskAssessment, assess_risk
from safety.evaluate import (
    HELD_OUT_DIR,
    TRAINING_DIR,
    Example,
    Scores,
    evaluate,
    load_examples,
    print_report,
    score,
)
from safety.learned.model import GUARDED_THRESHOLD, THRESHOLD, LearnedRiskModel, default_model

THRESHOLDS = (0.4, 0.5, 0.6, 0.7)
# 1.01 never fires: the net skips every message where the rules saw a guard cue.
GUARDED_THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 1.01)
# What rules + net must achieve in 5-fold cross-validation on the development set, at
# THRESHOLD: each figure, how to read it, whether it must be at least (True) or at most
# (False) the target, and the target. Everyday messages ("he's picking me up at five")
# once set the net off one time in two; 14% when round 29 was added. The limit keeps it
# from sliding back.
TARGETS: tuple[tuple[str, Callable[[Scores], float], bool, float], ...] = (
    ("recall, explicit self-harm/suicide", lambda s: s.explicit_self_recall, True, 1.0),
    ("recall, any risk", lambda s: s.any_risk_recall, True, 0.95),
    ("false alarms, hard negatives", lambda s: s.hard_negative_false_alarms, False, 0.05),
    ("false alarms, everyday messages", lambda s: s.everyday_false_alarms, False, 0.15),
)


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


def missed_targets(scores: Scores) -> list[str]:
    """Each target in TARGETS these figures miss, as a line saying by how much."""
    missed = []
    for figure, read, at_least, target in TARGETS:
        value = read(scores)
        if (value < target) if at_least else (value > target):
            bound = "at least" if at_least else "at most"
            missed.append(f"{figure} {value:.1%}, target {bound} {target:.0%}")
    return missed


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
    """Print the figures; exit 1 if the cross-validated ones miss a target."""
    development = load_examples(TRAINING_DIR)
    print("== rules + learned model, development set (5-fold cross-validation)")
    judged = cross_validated_at(development, THRESHOLDS)
    missed = missed_targets(score(development, judged[THRESHOLD, False]))
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
    model = default_model()
    print(f"== rules + learned model, held-out set (threshold {THRESHOLD}), as the gateway runs")
    # The gateway's own check: the rules, then the model where they found nothing.
    report = evaluate(
        load_examples(HELD_OUT_DIR),
        repeats=10,
        assess=lambda text: model.add_to(assess_risk(text)),
    )
    print_report(report)
    print(f"== targets, rules + learned model, development set cross-validated ({THRESHOLD})")
    for line in missed:
        print(f"target missed: {line}")
    if missed:
        return 1
    print("every target met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
