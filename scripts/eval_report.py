"""Print the figures `make eval` promises, from the reports Rasa wrote.

Intent macro-F1 from `rasa test nlu --cross-validation`, and how many test stories passed
from `rasa test core`. Standard library only.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main(nlu_dir: Path, core_dir: Path, stories: Path) -> int:
    """Read the reports; exit 1 if one is missing."""
    report_path = nlu_dir / "intent_report.json"
    if not report_path.exists():
        print(f"missing {report_path}: did `rasa test nlu` run?")
        return 1
    report = json.loads(report_path.read_text(encoding="utf-8"))
    macro = report["macro avg"]
    print(f"intent macro-F1 (cross-validation): {macro['f1-score']:.3f}")
    print(f"intent accuracy (cross-validation): {report['accuracy']:.3f}")
    weakest = sorted(
        (name, scores["f1-score"])
        for name, scores in report.items()
        if isinstance(scores, dict)
        and "support" in scores
        and name not in ("macro avg", "weighted avg", "micro avg")
    )
    weakest.sort(key=lambda pair: pair[1])
    print("weakest intents: " + ", ".join(f"{name} {f1:.2f}" for name, f1 in weakest[:3]))
    total = stories.read_text(encoding="utf-8").count("- story:")
    failed_path = core_dir / "failed_test_stories.yml"
    failed = (
        failed_path.read_text(encoding="utf-8").count("- story:") if failed_path.exists() else 0
    )
    print(f"test stories passed: {total - failed} of {total}")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])))
