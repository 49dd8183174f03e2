"""Settings in one place, read once from the environment, failing fast by variable name."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography.fernet import Fernet

from webhooks.db.crypto import MIN_LOOKUP_KEY_LENGTH

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_VAR_DIR = PROJECT_ROOT / "var"
DEFAULT_DATABASE_URL = f"sqlite:///{DEFAULT_VAR_DIR / 'triage.db'}"

log = logging.getLogger(__name__)


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    """Everything the gateway needs to start; built by `settings_from_env` or by tests."""

    secret_key: str
    twilio_auth_token: str
    database_url: str = DEFAULT_DATABASE_URL
    # One Rasa instance, or several separated by commas.
    rasa_url: str = "http://127.0.0.1:5005"
    action_server_url: str = "http://127.0.0.1:5055"
    public_base_url: str | None = None
    # For urgent alerts by SMS through Twilio's REST API (optional).
    twilio_account_sid: str | None = None
    # Only to point the Twilio client elsewhere (a test double or an egress proxy).
    twilio_api_base_url: str | None = None
    data_dir: Path = PROJECT_ROOT / "data"
    # Where inbound messages wait while the database is down.
    spool_dir: Path = DEFAULT_VAR_DIR / "spool"
    # Twilio gives up on a webhook after 15 s; answer well inside that even if Rasa hangs.
    rasa_timeout_seconds: float = 8.0
    triage_now: datetime | None = None
    # Fernet keys for personal data at rest, newest first (webhooks/db/crypto.py), and the
    # key of the hashes that data is looked up by. Never derived from secret_key.
    data_keys: tuple[str, ...] = ()
    lookup_key: str = ""
    # Fernet keys for documents at rest, newest first; empty: the data keys.
    document_keys: tuple[str, ...] = ()
    # Development: every duty alert is written to this file instead of being sent.
    duty_sink: Path | None = None
    # A practitioner who has done nothing for this long signs in again (a shared office).
    idle_timeout_minutes: float = 30.0
    # Web chat limits per address replaced by name (a load test, a demo): e.g.
    # TRIAGE_CHAT_RATE_LIMITS="messages=100 per minute;new_chats=50 per hour".
    chat_rate_limits: tuple[tuple[str, str], ...] = ()
    # How many proxies in front of the gateway set X-Forwarded-For/-Proto (the TLS proxy
    # of docs/operations.md: 1). Without it, every person would share the proxy's address
    # in the rate limits, and a request over https would look like http.
    trusted_proxies: int = 0


def settings_from_env(environ: Mapping[str, str]) -> Settings:
    """Build settings from environment variables (or `<NAME>_FILE` for secrets)."""
    triage_now = _optional_datetime(environ, "TRIAGE_NOW")
    if triage_now is not None:
        log.warning("TRIAGE_NOW is set: the clock is pinned to %s", triage_now.isoformat())
    public_base_url = environ.get("PUBLIC_BASE_URL", "").strip().rstrip("/") or None
    if public_base_url and not public_base_url.startswith(("http://", "https://")):
        raise ConfigError("PUBLIC_BASE_URL must start with http:// or https://")
    return Settings(
        secret_key=_secret(environ, "SECRET_KEY"),
        twilio_auth_token=_secret(environ, "TWILIO_AUTH_TOKEN"),
        database_url=environ.get("DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL,
        rasa_url=_urls(environ, "RASA_URL", "http://127.0.0.1:5005"),
        action_server_url=_url(environ, "ACTION_SERVER_URL", "http://127.0.0.1:5055"),
        public_base_url=public_base_url,
        twilio_account_sid=environ.get("TWILIO_ACCOUNT_SID", "").strip() or None,
        twilio_api_base_url=environ.get("TWILIO_API_BASE_URL", "").strip().rstrip("/") or None,
        data_dir=Path(environ.get("TRIAGE_DATA_DIR", "").strip() or PROJECT_ROOT / "data"),
        spool_dir=Path(environ.get("TRIAGE_SPOOL_DIR", "").strip() or DEFAULT_VAR_DIR / "spool"),
        rasa_timeout_seconds=_float(environ, "RASA_TIMEOUT_SECONDS", 8.0),
        triage_now=triage_now,
        data_keys=_required_fernet_keys(environ, "TRIAGE_DATA_KEYS"),
        lookup_key=_lookup_key(environ),
        document_keys=_fernet_keys(environ, "TRIAGE_DOCUMENT_KEYS"),
        duty_sink=_optional_path(environ, "TRIAGE_DUTY_SINK"),
        idle_timeout_minutes=_float(environ, "TRIAGE_IDLE_TIMEOUT_MINUTES", 30.0),
        chat_rate_limits=_named_limits(environ, "TRIAGE_CHAT_RATE_LIMITS"),
        trusted_proxies=_count(environ, "TRIAGE_TRUSTED_PROXIES"),
    )


def _named_limits(environ: Mapping[str, str], name: str) -> tuple[tuple[str, str], ...]:
    found: list[tuple[str, str]] = []
    for part in environ.get(name, "").split(";"):
        if not part.strip():
            continue
        key, equals, limit = part.partition("=")
        if not equals or not key.strip() or not limit.strip():
            raise ConfigError(f'{name} must be like "messages=30 per minute;uploads=10 per hour"')
        found.append((key.strip(), limit.strip()))
    return tuple(found)


def _count(environ: Mapping[str, str], name: str) -> int:
    raw = environ.get(name, "").strip() or "0"
    if not raw.isdecimal():
        raise ConfigError(f"{name} must be a whole number (0 when nothing is in front)")
    return int(raw)


def _optional_path(environ: Mapping[str, str], name: str) -> Path | None:
    raw = environ.get(name, "").strip()
    return Path(raw).resolve() if raw else None


def _secret(environ: Mapping[str, str], name: str) -> str:
    value = environ.get(name, "").strip()
    file_name = environ.get(f"{name}_FILE", "").strip()
    if not value and file_name:
        try:
            value = Path(file_name).read_text(encoding="utf-8").strip()
        except OSError as error:
            raise ConfigError(f"{name}_FILE: cannot read {file_name} ({error.strerror})") from error
    if not value:
        raise ConfigError(f"{name} is not set (set {name} or {name}_FILE)")
    return value


def _url(environ: Mapping[str, str], name: str, default: str) -> str:
    value = environ.get(name, "").strip().rstrip("/") or default
    if not value.startswith(("http://", "https://")):
        raise ConfigError(f"{name} must start with http:// or https://")
    return value


def _urls(environ: Mapping[str, str], name: str, default: str) -> str:
    # Several instances of one service, comma-separated (Rasa scaled out).
    urls = [url.strip().rstrip("/") for url in environ.get(name, "").split(",") if url.strip()]
    if not urls:
        return default
    if not all(url.startswith(("http://", "https://")) for url in urls):
        raise ConfigError(f"{name} must start with http:// or https:// (each, if several)")
    return ",".join(urls)


def _float(environ: Mapping[str, str], name: str, default: float) -> float:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError as error:
        raise ConfigError(f"{name} must be a number, not {raw!r}") from error
    if value <= 0:
        raise ConfigError(f"{name} must be more than 0")
    return value


def optional_secret(environ: Mapping[str, str], name: str) -> str | None:
    """NAME, or the contents of the file NAME_FILE names, or None if neither is set."""
    if not environ.get(name, "").strip() and not environ.get(f"{name}_FILE", "").strip():
        return None
    return _secret(environ, name)


def fernet_keys(environ: Mapping[str, str], name: str) -> tuple[str, ...]:
    """Fernet keys, newest first, from NAME or NAME_FILE (empty if neither is set)."""
    return _fernet_keys(environ, name)


def _fernet_keys(environ: Mapping[str, str], name: str) -> tuple[str, ...]:
    raw = optional_secret(environ, name) or ""
    keys = tuple(key.strip() for key in raw.split(",") if key.strip())
    for key in keys:
        try:
            Fernet(key.encode("ascii"))
        except (ValueError, UnicodeEncodeError) as error:
            raise ConfigError(
                f"{name} must be Fernet keys separated by commas, newest first "
                "(make one with: python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())')"
            ) from error
    return keys


def _required_fernet_keys(environ: Mapping[str, str], name: str) -> tuple[str, ...]:
    if not environ.get(name, "").strip() and environ.get(f"{name}_FILE", "").strip():
        environ = {**environ, name: _secret(environ, name)}
    keys = _fernet_keys(environ, name)
    if not keys:
        raise ConfigError(
            f"{name} is not set (set {name} or {name}_FILE): Fernet keys, newest first "
            "(make one with: python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())')"
        )
    return keys


def _lookup_key(environ: Mapping[str, str]) -> str:
    value = _secret(environ, "TRIAGE_LOOKUP_KEY")
    if len(value) < MIN_LOOKUP_KEY_LENGTH:
        raise ConfigError(
            f"TRIAGE_LOOKUP_KEY must be at least {MIN_LOOKUP_KEY_LENGTH} characters "
            "(make one with: python -c 'import secrets; print(secrets.token_urlsafe(32))')"
        )
    return value


def _optional_datetime(environ: Mapping[str, str], name: str) -> datetime | None:
    raw = environ.get(name, "").strip()
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError as error:
        raise ConfigError(f"{name} must be ISO-8601, e.g. 2026-11-23T21:30:00+00:00") from error
    if value.tzinfo is None:
        raise ConfigError(f"{name} must include a UTC offset, e.g. +00:00")
    return value
