"""The learned net is trained once by `make setup`, saved, and loaded: never trained at start."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from safety.learned import saved
from safety.learned.model import LearnedRiskModel, default_model
from safety.learned.saved import RiskModelNotTrained
from safety.learned.train import train_if_changed

ROOT = Path(__file__).resolve().parents[2]


def test_it_loads_the_saved_net_without_scikit_learn() -> None:
    # Importing scikit-learn alone takes over a second, in every worker and CLI call.
    script = (
        "import sys\n"
        "from safety.learned.model import default_model\n"
        "assert default_model().pipeline is None\n"
        "assert 'sklearn' not in sys.modules and 'scipy' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, check=True)
    assert default_model() is default_model()


def test_it_refuses_a_missing_file_and_says_how_to_train_one(tmp_path: Path) -> None:
    with pytest.raises(RiskModelNotTrained, match=r"is missing.*make setup"):
        saved.read(tmp_path / "model.json.gz")


def test_it_refuses_a_net_trained_from_other_inputs(tmp_path: Path) -> None:
    path = tmp_path / "model.json.gz"
    saved.write({"format": saved.FORMAT, "fingerprint": "yesterday's"}, path)
    with pytest.raises(RiskModelNotTrained, match=r"other data.*make setup"):
        saved.read(path)


@pytest.mark.parametrize("content", [b"", b"not gzip", b"\x1f\x8b\x08\x00truncated"])
def test_it_refuses_a_file_it_cannot_read(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "model.json.gz"
    path.write_bytes(content)
    with pytest.raises(RiskModelNotTrained, match=r"cannot be read.*make setup"):
        saved.read(path)


def test_it_refuses_data_that_does_not_make_a_net() -> None:
    with pytest.raises(RiskModelNotTrained, match="incomplete"):
        LearnedRiskModel.from_data({"format": saved.FORMAT, "thresholds": {}})


def test_it_fingerprints_exactly_what_training_reads(tmp_path: Path) -> None:
    inputs = [
        "data/risk/training/risk_round1.tsv",
        "data/lexicons/risk.yml",
        "safety/learned/model.py",
        "requirements/app.lock",
    ]
    others = [
        "data/risk/held_out/risk_holdout.tsv",
        "safety/learned/__pycache__/model.cpython-311.pyc",
        "README.md",
    ]
    first, second = "first\nscikit-learn==1.7.2\n", "second\nscikit-learn==1.7.3\n"
    for name in inputs + others:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(first)
    before = saved.inputs_fingerprint(tmp_path)
    for name in inputs + others:
        (tmp_path / name).write_text(second)
        changed = saved.inputs_fingerprint(tmp_path) != before
        assert changed == (name in inputs), name
        (tmp_path / name).write_text(first)
    assert saved.inputs_fingerprint(tmp_path) == before


def test_a_new_pin_of_a_library_the_net_does_not_use_keeps_it_current(tmp_path: Path) -> None:
    lock = tmp_path / "requirements" / "app.lock"
    lock.parent.mkdir(parents=True)
    lock.write_text("flask==3.1.3\nnumpy==2.4.6\n")
    before = saved.inputs_fingerprint(tmp_path)
    lock.write_text("flask==3.1.4\nnumpy==2.4.6\n")
    assert saved.inputs_fingerprint(tmp_path) == before
    lock.write_text("flask==3.1.4\nnumpy==2.4.7\n")
    assert saved.inputs_fingerprint(tmp_path) != before


def test_it_skips_training_when_the_saved_net_is_up_to_date(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "model.json.gz"
    saved.write({"format": saved.FORMAT, "fingerprint": saved.inputs_fingerprint()}, path)
    written = path.read_bytes()
    assert train_if_changed(path) is False
    assert capsys.readouterr().out == f"learned risk model is up to date ({path})\n"
    assert path.read_bytes() == written
