"""The document's own words (headings, sentences, how rules are said), from a YAML file
beside its templates, so they can be reviewed and changed without reading Python."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

WORDS_FILE = Path(__file__).resolve().parents[1] / "templates" / "signoff" / "words.yml"


@dataclass(frozen=True)
class Words:
    """The loaded words, found by a path of keys ("conditions", "is")."""

    table: Mapping[str, Any]

    def say(self, *path: str, **values: object) -> str:
        """The words at `path`, their `{placeholders}` filled in."""
        return str(self.get(*path)).format(**values)

    def get(self, *path: str) -> Any:
        """The raw entry at `path` (a string, list or mapping); KeyError names the path."""
        found: Any = self.table
        for key in path:
            if not isinstance(found, Mapping) or key not in found:
                raise KeyError(f"{WORDS_FILE.name}: no entry {'.'.join(path)}")
            found = found[key]
        return found

    def has(self, *path: str) -> bool:
        """Whether there is an entry at `path`."""
        try:
            self.get(*path)
        except KeyError:
            return False
        return True


@lru_cache(maxsize=4)
def load_words(path: Path = WORDS_FILE) -> Words:
    """Read the words file once."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise ValueError(f"{path.name}: expected a mapping at the top level")
    return Words(raw)
