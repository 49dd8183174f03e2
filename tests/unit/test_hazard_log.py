"""Every test the hazard log names exists, so a control cannot quietly lose its proof."""

from __future__ import annotations

import ast
import re

from webhooks.config import PROJECT_ROOT

HAZARD_LOG = PROJECT_ROOT / "docs" / "safety" / "hazard-log.md"
TEST_REFERENCE = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")


def functions_in(path: str) -> set[str]:
    tree = ast.parse((PROJECT_ROOT / path).read_text(encoding="utf-8"))
    return {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}


def test_every_test_named_in_the_hazard_log_exists() -> None:
    references = TEST_REFERENCE.findall(HAZARD_LOG.read_text(encoding="utf-8"))
    assert len(references) >= 20
    missing = [
        f"{path}::{name}"
        for path, name in references
        if not (PROJECT_ROOT / path).exists() or name not in functions_in(path)
    ]
    assert missing == []


def test_every_controlled_hazard_names_at_least_one_test() -> None:
    sections = re.split(r"\n## ", HAZARD_LOG.read_text(encoding="utf-8"))[1:]
    for section in sections:
        if "**Status**: open" in section:
            continue
        assert TEST_REFERENCE.search(section), section.splitlines()[0]
