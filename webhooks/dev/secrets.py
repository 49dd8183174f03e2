"""Local secrets for `make run`: made once under var/secrets, never committed.

A real deployment sets SECRET_KEY and TWILIO_AUTH_TOKEN (or their *_FILE forms) instead.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path

from cryptography.fernet import Fernet

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


def dev_fernet_key(name: str, directory: Path = SECRETS_DIR) -> str:
    """Read the local Fernet key `name`, creating it (owner-only) the first time."""
    path = directory / name
    if not path.exists():
        directory.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(Fernet.generate_key().decode("ascii"))
    return path.read_text(encoding="utf-8").strip()


class ModeError(ValueError):
    """TRIAGE_ENV says neither development nor production."""


def development_mode(environ: Mapping[str, str]) -> bool:
    """Development unless TRIAGE_ENV says production (`triage up` and the commands run
    beside it then make and use local keys)."""
    mode = environ.get("TRIAGE_ENV", "").strip().lower() or "development"
    if mode not in ("development", "production"):
        raise ModeError("TRIAGE_ENV must be development or production")
    return mode == "development"


def development_keys(
    environ: Mapping[str, str], directory: Path = SECRETS_DIR, make: bool = True
) -> dict[str, str]:
    """Local data and lookup keys for what the environment does not set (development).

    `make=False` (a command run beside `triage up`) only reads keys `triage up` made: a
    command never makes keys of its own, which would encrypt data nothing else can read.
    """
    found: dict[str, str] = {}
    wanted = {"TRIAGE_DATA_KEYS": "data_key", "TRIAGE_LOOKUP_KEY": "lookup_key"}
    for name, file_name in wanted.items():
        if environ.get(name, "").strip() or environ.get(f"{name}_FILE", "").strip():
            continue
        if not make and not (directory / file_name).exists():
            continue
        if name == "TRIAGE_DATA_KEYS":
            found[name] = dev_fernet_key(file_name, directory)
        else:
            found[name] = dev_secret(file_name, directory)
    return found


def secret_or_dev(environ: Mapping[str, str], name: str) -> tuple[str, bool]:
    """The secret from NAME or NAME_FILE, else the local one; the flag says it is local."""
    value = environ.get(name, "").strip()
    if value:
        return value, False
    file_name = environ.get(f"{name}_FILE", "").strip()
    if file_name:
        return Path(file_name).read_text(encoding="utf-8").strip(), False
    return dev_secret(name.lower()), True
