"""The learned risk net's saved file: plain data (gzipped JSON), and what it was trained from.

`make setup` trains the net once (`python -m safety.learned.train`) and writes it here;
each process then loads it in a fraction of a second instead of training for seconds. The
file holds a fingerprint of everything the training read, so a net trained from other
data, lexicons, code or library versions than today's is refused, not used.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
MODEL_FILE = ROOT / "var" / "risk" / "model.json.gz"
# Bumped when the layout changes: a file of another format is refused like a stale one.
FORMAT = 1
HOW_TO_TRAIN = "run `make setup` (or `.venv/bin/python -m safety.learned.train`)"


LOCK_FILE = "app.lock"
FITTING_LIBRARIES = ("scikit-learn==", "numpy==", "scipy==")


class RiskModelNotTrained(RuntimeError):
    """No saved learned risk net for today's inputs: missing, unreadable or stale."""


def inputs_fingerprint(root: Path = ROOT) -> str:
    """sha256 over the training data, the lexicons, the safety code and the pinned versions
    of the libraries that fit the net."""
    digest = hashlib.sha256()
    for path in _inputs(root):
        name = path.relative_to(root).as_posix().encode()
        content = path.read_bytes()
        if path.name == LOCK_FILE:
            content = _fitting_pins(content)
        # Lengths first, so no two different sets of files can hash the same bytes.
        digest.update(f"{len(name)}:{len(content)}:".encode())
        digest.update(name)
        digest.update(content)
    return digest.hexdigest()


def _fitting_pins(lock: bytes) -> bytes:
    # Only the libraries that fit the net: a new Flask pin must not leave the gateway
    # refusing to start until the net is trained again.
    lines = lock.decode("utf-8").splitlines()
    return "\n".join(line for line in lines if line.lower().startswith(FITTING_LIBRARIES)).encode()


def _inputs(root: Path) -> Iterator[Path]:
    yield from sorted(p for p in (root / "data" / "risk" / "training").rglob("*") if p.is_file())
    yield from sorted((root / "data" / "lexicons").glob("*.yml"))
    yield from sorted(p for p in (root / "safety").rglob("*.py") if "__pycache__" not in p.parts)
    yield root / "requirements" / LOCK_FILE


def write(data: Mapping[str, Any], path: Path = MODEL_FILE) -> None:
    """Write the model atomically: a process starting meanwhile reads the old file or the new."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        # mtime=0: the same model gives the same bytes. Level 6 packs within 2% of level 9
        # in under half the time.
        with (
            os.fdopen(handle, "wb") as raw,
            gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6, mtime=0) as packed,
        ):
            packed.write(json.dumps(data, separators=(",", ":")).encode())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def read(path: Path = MODEL_FILE, fingerprint: str | None = None) -> dict[str, Any]:
    """The saved model's data, if it was trained from these inputs (today's by default)."""
    data = read_unchecked(path)
    expected = inputs_fingerprint() if fingerprint is None else fingerprint
    if data.get("fingerprint") != expected:
        raise RiskModelNotTrained(
            f"the learned risk model in {shown(path)} was trained from other data, lexicons, "
            f"code or libraries than these: {HOW_TO_TRAIN}"
        )
    return data


def read_unchecked(path: Path = MODEL_FILE) -> dict[str, Any]:
    """The saved model's data, whatever it was trained from."""
    try:
        with gzip.open(path, "rb") as packed:
            data = json.loads(packed.read())
    except FileNotFoundError:
        raise RiskModelNotTrained(
            f"the learned risk model has not been trained ({shown(path)} is missing): "
            f"{HOW_TO_TRAIN}"
        ) from None
    except (OSError, EOFError, ValueError) as error:
        raise RiskModelNotTrained(
            f"the learned risk model in {shown(path)} cannot be read ({error}): {HOW_TO_TRAIN}"
        ) from error
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise RiskModelNotTrained(
            f"the learned risk model in {shown(path)} is of another format: {HOW_TO_TRAIN}"
        )
    return data


def shown(path: Path) -> str:
    """The path from the project root when it is inside it (as a person would type it)."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)
