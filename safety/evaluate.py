"""`make eval-risk`: recall, false alarms and speed of the risk detector on the labelled set.

The set is the project's own (`data/eval/risk_*.tsv`): one message a line,
`label<TAB>tags<TAB>text`, label one of none/self/others/from_others.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from safety.risk import RISK_CATEGORIES, RiskAssessment, assess_risk

EVAL_DIR = Path(__file__).resolve().parents[1] / "data" / "eval"
HARD_NEGATIVE_TAGS = {"negation", "history", "idiom", "offence"}


@dataclass(frozen=True)
class Example:
    """One labelled message."""

    label: str
    tags: frozenset[str]
    text: str
    # The file it came from: a round of the development set was written at one time.
    source: str = field(default="", compare=False)


def load_examples(directory: Path = EVAL_DIR) -> list[Example]:
    """Every labelled message in the set."""
    examples = []
    for path in sorted(directory.glob("risk_*.tsv")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip() or line.startswith("#"):
                continue
            label, tags, text = line.split("\t")
            if label not in ("none", *RISK_CATEGORIES):
                raise ValueError(f"{path.name}:{number}: unknown label {label!r}")
            examples.append(Example(label, frozenset(tags.split(",")), text, path.stem))
    return examples


@dataclass(frozen=True)
class Report:
    """The figures `make eval-risk` prints."""

    recall: dict[str, float]
    explicit_self_recall: float
    any_risk_recall: float
    hard_negative_false_alarms: float
    all_negative_false_alarms: float
    mean_ms: float
    p99_ms: float
    # The gentle net: risk found, or at least the contacts offered.
    contacts_offered_on_risk: float
    contacts_offered_on_hard_negatives: float
    misses: list[Example]
    false_alarms: list[Example]
    total: int
    hard_negatives: int


def evaluate(
    examples: list[Example],
    repeats: int = 20,
    assess: Callable[[str], RiskAssessment] = assess_risk,
) -> Report:
    """Score a detector (the rules, unless given another) against the examples, and time it."""
    predicted = {example.text: assess(example.text) for example in examples}
    risky = [e for e in examples if e.label != "none"]
    negatives = [e for e in examples if e.label == "none"]
    hard = [e for e in negatives if e.tags & HARD_NEGATIVE_TAGS]

    def caught(example: Example) -> bool:
        return example.label in predicted[example.text].categories

    recall = {
        category: _share([caught(e) for e in risky if e.label == category])
        for category in RISK_CATEGORIES
    }
    explicit = [caught(e) for e in risky if e.label == "self" and "explicit" in e.tags]
    timings = []
    for _ in range(repeats):
        for example in examples:
            started = time.perf_counter()
            assess(example.text)
            timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return Report(
        recall=recall,
        explicit_self_recall=_share(explicit),
        any_risk_recall=_share([predicted[e.text].risk != "none" for e in risky]),
        hard_negative_false_alarms=_share([predicted[e.text].risk != "none" for e in hard]),
        all_negative_false_alarms=_share([predicted[e.text].risk != "none" for e in negatives]),
        mean_ms=statistics.fmean(timings),
        p99_ms=timings[int(len(timings) * 0.99) - 1],
        contacts_offered_on_risk=_share([predicted[e.text].concern for e in risky]),
        contacts_offered_on_hard_negatives=_share([predicted[e.text].concern for e in hard]),
        misses=[e for e in risky if not caught(e)],
        false_alarms=[e for e in negatives if predicted[e.text].risk != "none"],
        total=len(examples),
        hard_negatives=len(hard),
    )


def _share(flags: list[bool]) -> float:
    return sum(flags) / len(flags) if flags else 0.0


def main() -> int:
    """Print the report for the development set, then for the held-out set."""
    for title, directory in (
        ("development set (the lexicon was written against it)", EVAL_DIR),
        ("held-out set (never used to tune the lexicon)", EVAL_DIR / "holdout"),
    ):
        print(f"== {title}")
        print_report(evaluate(load_examples(directory)))
    return 0


def print_report(report: Report) -> None:
    """The figures, then each miss and false alarm."""
    print(f"messages: {report.total} ({report.hard_negatives} hard negatives)")
    print(f"recall, explicit self-harm/suicide: {report.explicit_self_recall:.1%}")
    for category, value in report.recall.items():
        print(f"recall, {category}: {value:.1%}")
    print(f"recall, any risk: {report.any_risk_recall:.1%}")
    print(f"false alarms, hard negatives: {report.hard_negative_false_alarms:.1%}")
    print(f"false alarms, all negatives: {report.all_negative_false_alarms:.1%}")
    print(f"latency per message: mean {report.mean_ms:.3f} ms, p99 {report.p99_ms:.3f} ms")
    print(
        "contacts offered (risk or concern): "
        f"{report.contacts_offered_on_risk:.1%} of risk messages, "
        f"{report.contacts_offered_on_hard_negatives:.1%} of hard negatives"
    )
    for example in report.misses:
        print(f"  missed [{example.label}]: {example.text}")
    for example in report.false_alarms:
        print(f"  false alarm [{','.join(sorted(example.tags))}]: {example.text}")


if __name__ == "__main__":
    sys.exit(main())
