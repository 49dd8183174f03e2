"""Local secrets for `make run`: made once under var/secrets, never committed.

A real deployment sets SECRET_KEY and TWILIO_AUTH_TOKEN (or their *_FILE forms) instead.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path

from webhooks.config import DEFAULT_VAR_DIR

SECRETS_DIR = DEFAULT_VAR_DIR / "secrets"


def dev_secret(name: str, directory: Path = SECRETS_DIR) -> str:
    """Read the local secret `name`, creating it (owner-only) the first time."""
    path = directory / name
    if not path.exists():
        directory.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(secrets.token_urlsafe(24))
    return path.read_text(encoding="utf-8").strip()


def secret_or_dev(environ: Mapping[str, str], name: str) -> tuple[str, bool]:
    """The secret from NAME or NAME_FILE, else the local one; the flag says it is local."""
    value = environ.get(name, "").strip()
    if value:
        return value, False
    file_name = environ.get(f"{name}_FILE", "").strip()
    if file_name:
        return Path(file_name).read_text(encoding="utf-8").strip(), False
    return dev_secret(name.lower()), True
