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
from safety.evaluate import EVAL_DIR, HARD_NEGATIVE_TAGS, Example, evaluate, load_examples
from webhooks.risk_model import GUARDED_THRESHOLD, THRESHOLD, LearnedRiskModel

THRESHOLDS = (0.4, 0.5, 0.6, 0.7)
# 1.01 never fires: the net skips every message where the rules saw a guard cue.
GUARDED_THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 1.01)


def rules_risk_removed(text: str) -> RiskAssessment:
    """The rules' view of a message (guard cues included) with the risk they found taken out.

    What the net would add on its own, as the gateway runs it.
    """
    return replace(assess_risk(text), risk="none", categories=(), evidence=())


def combined_labels(
    model: LearnedRiskModel, examples: list[Example], alone: bool = False
) -> list[str]:
    """What the gateway would decide for each message: rules first, then the model.

    `alone`: what the model would add if the rules found nothing, which is how well it
    generalises, since the rules were written against these very messages.
    """
    return [
        model.add_to(rules_risk_removed(e.text) if alone else assess_risk(e.text)).risk
        for e in examples
    ]


def cross_validated_at(
    examples: list[Example], thresholds: Sequence[float]
) -> dict[tuple[float, bool], list[str]]:
    """Each message judged by a model trained on the other four fifths, at each threshold,
    with the rules (`False`) and alone (`True`). One training per fold serves them all."""
    decided = {
        (threshold, alone): [""] * len(examples)
        for threshold in thresholds
        for alone in (False, True)
    }
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    for train, test in folds.split(examples, [e.label for e in examples]):
        model = LearnedRiskModel.train([examples[i] for i in train])
        tested = [examples[i] for i in test]
        for (threshold, alone), labels in decided.items():
            judged = combined_labels(replace(model, threshold=threshold), tested, alone)
            for index, label in zip(test, judged, strict=True):
                labels[index] = label
    return decided


def cross_validated(examples: list[Example], threshold: float, alone: bool = False) -> list[str]:
    """Each message judged by a model trained on the other four fifths."""
    return cross_validated_at(examples, (threshold,))[threshold, alone]


def by_round(examples: list[Example]) -> dict[float, tuple[list[Example], list[str]]]:
    """For each guarded threshold: each round judged by a net trained on the others alone."""
    rounds = sorted({e.source for e in examples if e.source.startswith("risk_round")})
    judged: dict[float, tuple[list[Example], list[str]]] = {
        guarded: ([], []) for guarded in GUARDED_THRESHOLDS
    }
    for held in rounds:
        model = LearnedRiskModel.train([e for e in examples if e.source != held])
        tested = [e for e in examples if e.source == held]
        for guarded, (seen, decided) in judged.items():
            net = replace(model, guarded_threshold=guarded)
            seen.extend(tested)
            decided.extend(net.add_to(rules_risk_removed(e.text)).risk for e in tested)
    return judged


def scores(examples: list[Example], decided: list[str]) -> str:
    """Recall on explicit self-harm and on all risk; false alarms on hard negatives."""
    pairs = list(zip(examples, decided, strict=True))
    risky = [(e, d) for e, d in pairs if e.label != "none"]
    explicit = [(e, d) for e, d in risky if e.label == "self" and "explicit" in e.tags]
    hard = [(e, d) for e, d in pairs if e.label == "none" and e.tags & HARD_NEGATIVE_TAGS]
    return (
        f"recall explicit self {_share(d != 'none' for _, d in explicit):.1%}, "
        f"recall any risk {_share(d != 'none' for _, d in risky):.1%}, "
        f"false alarms on hard negatives {_share(d != 'none' for _, d in hard):.1%}"
    )


def _share(flags: object) -> float:
    values = list(flags)  # type: ignore[call-overload]
    return sum(values) / len(values) if values else 0.0


def main() -> int:
    """Print the figures."""
    development = load_examples(EVAL_DIR)
    print("== rules + learned model, development set (5-fold cross-validation)")
    judged = cross_validated_at(development, THRESHOLDS)
    for threshold in THRESHOLDS:
        chosen = " <- used" if threshold == THRESHOLD else ""
        combined = scores(development, judged[threshold, False])
        alone = scores(development, judged[threshold, True])
        print(f"threshold {threshold}: {combined}{chosen}")
        print(f"  the learned net alone: {alone}")
    print("== the learned net alone, each development round held out in turn")
    for guarded, (seen, decided) in by_round(development).items():
        chosen = " <- used" if guarded == GUARDED_THRESHOLD else ""
        name = "skipped" if guarded > 1 else f"threshold {guarded}"
        print(f"where the rules saw a guard cue, {name}: {scores(seen, decided)}{chosen}")
    model = LearnedRiskModel.train(development)
    held_out = load_examples(EVAL_DIR / "holdout")
    print("== rules + learned model, held-out set")
    decided = combined_labels(model, held_out)
    print(f"threshold {THRESHOLD}: {scores(held_out, decided)}")
    # The gateway's own check: the rules, then the model where they found nothing.
    report = evaluate(held_out, repeats=10, assess=lambda text: model.add_to(assess_risk(text)))
    print(f"latency per message, rules + model: {report.mean_ms:.2f} ms")
    print(
        "contacts offered at all (rules + model + concern): "
        f"{report.contacts_offered_on_risk:.1%} of risk messages, "
        f"{report.contacts_offered_on_hard_negatives:.1%} of hard negatives"
    )
    for example, label in zip(held_out, decided, strict=True):
        if (label == "none") != (example.label == "none"):
            print(
                f"  {'missed' if label == 'none' else 'false alarm'} [{example.label}]: "
                f"{example.text}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
