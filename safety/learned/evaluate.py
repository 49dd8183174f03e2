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
Target = tuple[str, Callable[[Scores], float], bool, float]
# What rules + net must achieve in 5-fold cross-validation on the development set, at
# THRESHOLD: each figure, how to read it, whether it must be at least (True) or at most
# (False) the target, and the target. What the rules find is acted on at once; what only
# the net finds is checked with the person first, so the net's reach shows in "acted on
# or checked" and its false alarms in "checks".
TARGETS: tuple[Target, ...] = (
    ("explicit self-harm/suicide acted on at once", lambda s: s.explicit_self_recall, True, 1.0),
    ("any risk acted on or checked", lambda s: s.any_risk_acted_or_checked, True, 0.97),
    ("urgent false alarms, hard negatives", lambda s: s.hard_negative_false_alarms, False, 0.05),
    ("urgent false alarms, everyday messages", lambda s: s.everyday_false_alarms, False, 0.01),
    ("checks, everyday messages", lambda s: s.everyday_checks, False, 0.05),
)
# The same, on the held-out sets nothing was built from, as the gateway runs: the
# curated and the long messages together, the long ones alone, the everyday ones.
HELD_OUT_TARGETS: tuple[tuple[str, Target], ...] = (
    ("unseen", TARGETS[0]),
    ("unseen", TARGETS[1]),
    ("unseen long", ("any risk acted on or checked", TARGETS[1][1], True, 0.95)),
    ("unseen", TARGETS[3]),
    ("unseen", TARGETS[4]),
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


def missed_targets(scores: Scores, targets: Sequence[Target] = TARGETS) -> list[str]:
    """Each target these figures miss, as a line saying by how much."""
    missed = []
    for figure, read, at_least, target in targets:
        value = read(scores)
        if (value < target) if at_least else (value > target):
            bound = "at least" if at_least else "at most"
            missed.append(f"{figure} {value:.1%}, target {bound} {target:.0%}")
    return missed


def held_out_lines(model: LearnedRiskModel) -> tuple[list[str], list[str]]:
    """Each held-out target with its figure, and the ones missed, as the gateway decides."""
    examples = load_examples(HELD_OUT_DIR)
    decided = [model.add_to(assess_risk(e.text)) for e in examples]
    pairs = list(zip(examples, decided, strict=True))
    long = [(e, d) for e, d in pairs if "long" in e.tags]
    sets = {
        "unseen": score(examples, decided),
        "unseen long": score([e for e, _ in long], [d for _, d in long]),
    }
    lines, missed = [], []
    for name, (figure, read, at_least, target) in HELD_OUT_TARGETS:
        value = read(sets[name])
        bound = "at least" if at_least else "at most"
        line = f"{name}: {figure} {value:.1%} (target {bound} {target:.0%})"
        lines.append(line)
        if (value < target) if at_least else (value > target):
            missed.append(line)
    return lines, missed


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
    """Print the figures; exit 1 if the cross-validated or the held-out ones miss a target."""
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
    print(f"== rules + learned model, held-out sets (threshold {THRESHOLD}), as the gateway runs")
    # The gateway's own check: the rules, then the model where they found nothing.
    report = evaluate(
        load_examples(HELD_OUT_DIR),
        repeats=10,
        assess=lambda text: model.add_to(assess_risk(text)),
    )
    print_report(report, show_examples=False)
    print(f"== targets, rules + learned model, development set cross-validated ({THRESHOLD})")
    for line in missed:
        print(f"target missed: {line}")
    print("== targets, rules + learned model, held-out sets (never used to build either)")
    lines, missed_held_out = held_out_lines(model)
    for line in lines:
        print(("target missed: " if line in missed_held_out else "target met: ") + line)
    if missed or missed_held_out:
        return 1
    print("every target met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
