"""Where a transaction ends: the channels never; the core only through its unit of work.

Imports are checked by import-linter (`.importlinter`, run by `make lint`); a commit can
be reached without an import, so calls are checked here, in the source.
"""

from __future__ import annotations

import ast
from pathlib import Path

from webhooks.config import PROJECT_ROOT

TRANSACTION_CALLS = {"commit", "rollback"}
# The one place each part may end a transaction, and why.
ALLOWED = {
    # The conversation core's unit of work: the request's checkpoints.
    "webhooks/core/unit_of_work.py",
    # The alerts worker runs in its own process and commits after each alert it sends.
    "webhooks/core/alerts.py",
    # The spool ingester runs in that worker: each stored file is its own transaction.
    "webhooks/core/ingest.py",
}


def transaction_calls(path: Path, through_work: bool = False) -> list[int]:
    """Lines of a module that call `.commit()` or `.rollback()` (on anything but a unit of
    work named `work`, when `through_work` allows those)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return sorted(
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in TRANSACTION_CALLS
        and not (through_work and _names_the_unit_of_work(node.func.value))
    )


def _names_the_unit_of_work(node: ast.expr) -> bool:
    # `work.commit()`, `self.work.commit()`, `core.work.commit()`
    return (isinstance(node, ast.Name) and node.id == "work") or (
        isinstance(node, ast.Attribute) and node.attr == "work"
    )


def modules(package: str) -> list[Path]:
    return sorted((PROJECT_ROOT / package).rglob("*.py"))


def test_no_channel_ends_a_transaction() -> None:
    found = {
        str(path.relative_to(PROJECT_ROOT)): lines
        for path in modules("webhooks/web/channels")
        if (lines := transaction_calls(path))
    }
    assert found == {}


def test_the_core_ends_a_transaction_only_through_its_unit_of_work() -> None:
    found = {
        str(path.relative_to(PROJECT_ROOT)): lines
        for path in modules("webhooks/core")
        if (lines := transaction_calls(path, through_work=True))
        and str(path.relative_to(PROJECT_ROOT)) not in ALLOWED
    }
    assert found == {}


def test_it_would_notice_a_commit_on_a_session(tmp_path: Path) -> None:
    module = tmp_path / "view.py"
    module.write_text("def view(session, work):\n    work.commit()\n    session.commit()\n")
    assert transaction_calls(module, through_work=True) == [3]
    assert transaction_calls(module) == [2, 3]
