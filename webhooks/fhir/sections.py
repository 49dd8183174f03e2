"""The sections' titles ("About the person"), read from the flows' own section files: a
Questionnaire's groups and a response's groups are headed with the flows' words."""

from __future__ import annotations

from pathlib import Path

from flows.loader import SECTIONS_DIR, load_sections


def section_titles(directory: Path = SECTIONS_DIR) -> dict[str, str]:
    """Each section id with its title."""
    return {
        section_id: " ".join(str(raw.get("title") or "").split())
        for section_id, raw in load_sections(directory).items()
    }
