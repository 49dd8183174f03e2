"""Flows are checked once per content: loading them again from the same bytes gives the
same flows without checking them again, and any change to a file they are read from is
read."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from flows import loader
from flows.data_dir import REPOSITORY_DATA_DIR
from flows.loader import DEFINITIONS_DIR, SECTIONS_DIR, load_flows


@pytest.fixture
def copies(tmp_path: Path) -> tuple[Path, Path, Path]:
    """The flows, their sections and the data they name, copied where a test may edit them."""
    definitions = shutil.copytree(DEFINITIONS_DIR, tmp_path / "definitions")
    sections = shutil.copytree(SECTIONS_DIR, tmp_path / "sections")
    data = tmp_path / "data"
    shutil.copytree(REPOSITORY_DATA_DIR / "teams", data / "teams")
    shutil.copy(REPOSITORY_DATA_DIR / "crisis_contacts.yml", data)
    return definitions, sections, data


def count_checks(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    checked: list[Path] = []
    real = loader._load_flows

    def counted(directory: Path, sections_dir: Path, data_dir: Path) -> dict[str, object]:
        checked.append(directory)
        return real(directory, sections_dir, data_dir)  # type: ignore[return-value]

    monkeypatch.setattr(loader, "_load_flows", counted)
    return checked


def test_the_same_files_are_checked_once(
    copies: tuple[Path, Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    definitions, sections, data = copies
    checked = count_checks(monkeypatch)
    first = load_flows(definitions, sections, data)
    second = load_flows(definitions, sections, data)
    assert len(checked) == 1
    assert second == first and second is not first  # a caller may change its own dict
    second.clear()
    assert load_flows(definitions, sections, data) == first


@pytest.mark.parametrize("edited", ["definition", "section", "team", "contacts"])
def test_a_changed_file_is_read_again(
    copies: tuple[Path, Path, Path], monkeypatch: pytest.MonkeyPatch, edited: str
) -> None:
    definitions, sections, data = copies
    load_flows(definitions, sections, data)
    checked = count_checks(monkeypatch)
    path, was, now = {
        "definition": (
            definitions / "south_essex.yml",
            "South Essex referral",
            "SOUTH Essex referral",
        ),
        "section": (sections / "about_you.yml", " the ", " THE "),
        "team": (data / "teams" / "south-essex.yml", " the ", " THE "),
        "contacts": (data / "crisis_contacts.yml", " the ", " THE "),
    }[edited]
    text = path.read_text(encoding="utf-8")
    # The same size, and likely the same clock tick: only the bytes tell.
    path.write_text(text.replace(was, now, 1), encoding="utf-8")
    after = load_flows(definitions, sections, data)
    assert len(checked) == 1
    if edited == "definition":
        assert after["south_essex"].title == "SOUTH Essex referral"


def test_a_loader_put_in_its_place_is_used_and_not_served_what_the_other_loaded(
    copies: tuple[Path, Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    definitions, sections, data = copies
    plain = load_flows(definitions, sections, data)
    real = loader.load_flow

    def retitled(path: Path, parts: dict[str, dict[str, object]] | None = None) -> object:
        from dataclasses import replace

        return replace(real(path, parts), title="Retitled")

    monkeypatch.setattr(loader, "load_flow", retitled)
    assert {flow.title for flow in load_flows(definitions, sections, data).values()} == {"Retitled"}
    assert "Retitled" not in {flow.title for flow in plain.values()}
