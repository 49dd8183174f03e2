"""Where the data the flows name is kept: `data/`, or `TRIAGE_DATA_DIR` when it is set.

The gateway reads the same variable (`webhooks/config.py`), so the gateway and the action
server fill the flows' wording from the same files.
"""

from __future__ import annotations

import os
from pathlib import Path

DATA_DIR_VARIABLE = "TRIAGE_DATA_DIR"
REPOSITORY_DATA_DIR = Path(__file__).resolve().parents[1] / "data"


def data_dir() -> Path:
    """The data directory this process uses."""
    return Path(os.environ.get(DATA_DIR_VARIABLE, "").strip() or REPOSITORY_DATA_DIR)
