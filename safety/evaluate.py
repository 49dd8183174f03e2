"""`make eval-risk`: recall, false alarms and speed of the risk detector on the labelled set.

The sets are the project's own: the development rounds the rules were written against and
the learned net is trained on (`data/risk/training/risk_*.tsv`), and a held-out set used for
neither (`data/risk/held_out/`). One message a line, `label<TAB>tags<TAB>text`, label one of
none/self/others/from_others.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from safety.risk import RISK_CATEGORIES, RiskAssessment, assess_risk

RISK_DATA_DIR = Path(__file__).resolve().parents[1] / "data" / "risk"
# The development set: the rules are tuned on it and the learned net is trained on it.
TRAINING_DIR = RISK_DATA_DIR / "training"
# Written after the rules and the net were frozen and never used to tune either.
HELD_OUT_DIR = RISK_DATA_DIR / "held_out"
# "hard": a long message with risky words made safe, written before the finer tags.
HARD_NEGATIVE_TAGS = {"negation", "history", "idiom", "offence", "hard"}


@dataclass(frozen=True)
class Example:
    """One labelled message."""

    label: str
    tags: frozenset[str]
    text: str
    # The file it came from: a round of the development set was written at one time.
    source: str = field(default="", compare=False)


def load_examples(directory: Path = TRAINING_DIR) -> list[Example]:
    """Every labelled message in the set."""
    paths = sorted(directory.glob("risk_*.tsv"))
    if not paths:
        # A moved or misspelt folder would otherwise read as an empty set that meets no target.
        raise FileNotFoundError(f"no labelled messages (risk_*.tsv) in {directory}")
    examples = []
    for path in paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip() or line.startswith("#"):
                continue
            label, tags, text = line.split("\t")
            if label not in ("none", *RISK_CATEGORIES):
                raise ValueError(f"{path.name}:{number}: unknown label {label!r}")
            examples.append(Example(label, frozenset(tags.split(",")), text, path.stem))
    return examples


@dataclass(frozen=True)
class Scores:
    """How a detector's decisions compare with the labels: the one definition of each figure.

    Two paths: a decision whose `risk` is not "none" is acted on at once (contacts, urgent,
    the duty practitioner paged); one with only an `ask` is checked with the person first.
    Recall and false alarms count the first path; "acted on or checked" and "checks" the
    second too.
    """

    recall: dict[str, float]
    # Acted on at once as `self`: another category would give the wrong contacts.
    explicit_self_recall: float
    any_risk_recall: float
    # Acted on at once, or checked with the person first.
    any_risk_acted_or_checked: float
    hard_negative_false_alarms: float
    # Ordinary messages ("I'm going to ring my solicitor"): a false alarm here sends crisis
    # contacts and an urgent alert for nothing, so it is counted on its own.
    everyday_false_alarms: float
    all_negative_false_alarms: float
    # Asked "are you thinking about hurting yourself?" for nothing: kinder than an alarm,
    # still not free.
    everyday_checks: float
    hard_negative_checks: float
    # The gentle net: risk found, or at least the contacts offered.
    contacts_offered_on_risk: float
    contacts_offered_on_hard_negatives: float
    misses: list[Example]
    false_alarms: list[Example]
    total: int
    hard_negatives: int
    everyday: int

    def summary(self) -> str:
        """The figures that have targets, on one line."""
        return (
            f"explicit self acted on {self.explicit_self_recall:.1%}, "
            f"any risk acted on {self.any_risk_recall:.1%}, "
            f"acted on or checked {self.any_risk_acted_or_checked:.1%}, "
            f"alarms on hard negatives {self.hard_negative_false_alarms:.1%}, "
            f"on everyday {self.everyday_false_alarms:.1%}, "
            f"checks on everyday {self.everyday_checks:.1%}, "
            f"on hard negatives {self.hard_negative_checks:.1%}"
        )


def score(examples: Sequence[Example], decided: Sequence[RiskAssessment]) -> Scores:
    """Compare each decision with its example's label."""
    pairs = list(zip(examples, decided, strict=True))
    risky = [(e, d) for e, d in pairs if e.label != "none"]
    negatives = [(e, d) for e, d in pairs if e.label == "none"]
    hard = [(e, d) for e, d in negatives if e.tags & HARD_NEGATIVE_TAGS]
    everyday = [(e, d) for e, d in negatives if not e.tags & HARD_NEGATIVE_TAGS]

    def caught(example: Example, decision: RiskAssessment) -> bool:
        return example.label in decision.categories

    def alarmed(judged: list[tuple[Example, RiskAssessment]]) -> float:
        return _share([d.risk != "none" for _, d in judged])

    def checked(judged: list[tuple[Example, RiskAssessment]]) -> float:
        return _share([d.risk == "none" and d.ask is not None for _, d in judged])

    return Scores(
        recall={
            category: _share([caught(e, d) for e, d in risky if e.label == category])
            for category in RISK_CATEGORIES
        },
        explicit_self_recall=_share(
            [caught(e, d) for e, d in risky if e.label == "self" and "explicit" in e.tags]
        ),
        any_risk_recall=_share([d.risk != "none" for _, d in risky]),
        any_risk_acted_or_checked=_share([d.risk != "none" or d.ask is not None for _, d in risky]),
        hard_negative_false_alarms=alarmed(hard),
        everyday_false_alarms=alarmed(everyday),
        all_negative_false_alarms=alarmed(negatives),
        everyday_checks=checked(everyday),
        hard_negative_checks=checked(hard),
        contacts_offered_on_risk=_share([d.concern for _, d in risky]),
        contacts_offered_on_hard_negatives=_share([d.concern for _, d in hard]),
        misses=[e for e, d in risky if not caught(e, d)],
        false_alarms=[e for e, d in negatives if d.risk != "none"],
        total=len(pairs),
        hard_negatives=len(hard),
        everyday=len(everyday),
    )


@dataclass(frozen=True)
class Report:
    """The figures `make eval-risk` prints: the scores, and the time each message took."""

    scores: Scores
    mean_ms: float
    p99_ms: float


def evaluate(
    examples: list[Example],
    repeats: int = 20,
    assess: Callable[[str], RiskAssessment] = assess_risk,
) -> Report:
    """Score a detector (the rules, unless given another) against the examples, and time it."""
    decided = [assess(example.text) for example in examples]
    timings = []
    for _ in range(repeats):
        for example in examples:
            started = time.perf_counter()
            assess(example.text)
            timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return Report(
        scores=score(examples, decided),
        mean_ms=statistics.fmean(timings),
        p99_ms=timings[int(len(timings) * 0.99) - 1],
    )


def _share(flags: list[bool]) -> float:
    return sum(flags) / len(flags) if flags else 0.0


def main() -> int:
    """Print the report for the development set, then for the held-out set."""
    for title, directory, show in (
        ("development set (the lexicon was written against it)", TRAINING_DIR, True),
        ("held-out sets (never used to tune the lexicon; messages not shown)", HELD_OUT_DIR, False),
    ):
        print(f"== the rules alone, {title}")
        print_report(evaluate(load_examples(directory)), show)
    return 0


def print_report(report: Report, show_examples: bool = True) -> None:
    """The figures, then (unless told not to) each miss and false alarm."""
    print_scores(report.scores, show_examples)
    print(f"latency per message: mean {report.mean_ms:.3f} ms, p99 {report.p99_ms:.3f} ms")


def print_scores(scores: Scores, show_examples: bool = True) -> None:
    """Every figure, then (unless told not to) each miss and false alarm.

    The held-out sets' messages are not printed: read, they would no longer be unseen.
    """
    print(
        f"messages: {scores.total} "
        f"({scores.hard_negatives} hard negatives, {scores.everyday} everyday messages)"
    )
    print(f"acted on at once, explicit self-harm/suicide: {scores.explicit_self_recall:.1%}")
    for category, value in scores.recall.items():
        print(f"acted on at once, {category}: {value:.1%}")
    print(f"acted on at once, any risk: {scores.any_risk_recall:.1%}")
    print(f"acted on or checked, any risk: {scores.any_risk_acted_or_checked:.1%}")
    print(f"false alarms (urgent), hard negatives: {scores.hard_negative_false_alarms:.1%}")
    print(f"false alarms (urgent), everyday messages: {scores.everyday_false_alarms:.1%}")
    print(f"false alarms (urgent), all negatives: {scores.all_negative_false_alarms:.1%}")
    print(f"checks, everyday messages: {scores.everyday_checks:.1%}")
    print(f"checks, hard negatives: {scores.hard_negative_checks:.1%}")
    print(
        "contacts offered (risk or concern): "
        f"{scores.contacts_offered_on_risk:.1%} of risk messages, "
        f"{scores.contacts_offered_on_hard_negatives:.1%} of hard negatives"
    )
    if not show_examples:
        return
    for example in scores.misses:
        print(f"  not acted on [{example.label}]: {example.text}")
    for example in scores.false_alarms:
        print(f"  false alarm [{','.join(sorted(example.tags))}]: {example.text}")


if __name__ == "__main__":
    sys.exit(main())
