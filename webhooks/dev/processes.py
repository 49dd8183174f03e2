"""The stack's processes: the action server, Rasa, the gateway and the alert sender.

One source of truth for their command lines: `triage up` starts them all, `triage serve`
runs one of them (a Procfile or a systemd unit per process).
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from webhooks.config import DEFAULT_DATABASE_URL, DEFAULT_VAR_DIR, PROJECT_ROOT
from webhooks.dev.rasa_stores import POSTGRESQL_SCHEMA, RasaStores, StoreError
from webhooks.dev.stack import BOT_DIR, ProcessSpec, StackError

RASA_VENV = PROJECT_ROOT / ".venv-rasa"
MODEL_PATH = DEFAULT_VAR_DIR / "models" / "triage.tar.gz"
# Files made at start for the processes to read (Rasa's endpoints).
RUN_DIR = DEFAULT_VAR_DIR / "run"
DEFAULT_RASA_TIMEOUT_SECONDS = 8.0
LOCK_MARGIN_SECONDS = 5


@dataclass(frozen=True)
class StackConfig:
    """Ports, database and secrets for one running stack."""

    gateway_port: int
    rasa_port: int
    actions_port: int
    database_url: str
    log_dir: Path
    gateway_env: dict[str, str] = field(default_factory=dict)
    # Rasa's lock store: Redis when set, else in Rasa's memory (one Rasa process).
    redis_url: str | None = None
    host: str = "127.0.0.1"
    gateway_workers: int = 2
    run_dir: Path = RUN_DIR
    # Rasa servers sharing the tracker store and the Redis lock store, on RASA_PORT and
    # the ports after it; the gateway spreads conversations across them.
    rasa_instances: int = 1

    @property
    def rasa_ports(self) -> tuple[int, ...]:
        """Each Rasa instance's port: RASA_PORT, then the ports after it."""
        return tuple(self.rasa_port + number for number in range(self.rasa_instances))

    def endpoints_for(self, port: int) -> Path:
        """A Rasa instance's endpoints file, made at start from the environment (one per
        Rasa port, so two stacks or instances on one machine never share it)."""
        return self.run_dir / f"rasa-endpoints-{port}.yml"

    @property
    def rasa_endpoints(self) -> Path:
        """The first Rasa instance's endpoints file."""
        return self.endpoints_for(self.rasa_port)

    @property
    def rasa_urls(self) -> str:
        """Every Rasa instance, as the gateway's RASA_URL lists them."""
        return ",".join(f"http://127.0.0.1:{port}" for port in self.rasa_ports)

    @property
    def gateway_url(self) -> str:
        """Where the gateway answers locally."""
        return f"http://127.0.0.1:{self.gateway_port}"

    @property
    def rasa_url(self) -> str:
        """Where Rasa answers (loopback only)."""
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def actions_url(self) -> str:
        """Where the action server answers (loopback only)."""
        return f"http://127.0.0.1:{self.actions_port}"


def stack_config_from_env(
    environ: Mapping[str, str], gateway_env: dict[str, str] | None = None
) -> StackConfig:
    """Ports, database, Redis and address from the environment: what `triage up` and
    `triage serve` both read, so both build the same command lines."""
    return StackConfig(
        gateway_port=_port(environ, "PORT", 8000),
        rasa_port=_port(environ, "RASA_PORT", 5005),
        actions_port=_port(environ, "ACTIONS_PORT", 5055),
        database_url=_absolute_sqlite(environ.get("DATABASE_URL", "").strip()),
        redis_url=environ.get("REDIS_URL", "").strip() or None,
        log_dir=DEFAULT_VAR_DIR / "logs",
        gateway_env=gateway_env or {},
        host=environ.get("HOST", "").strip() or "127.0.0.1",
        gateway_workers=_number(environ, "WEB_CONCURRENCY", 2),
        rasa_instances=_number(environ, "RASA_INSTANCES", 1),
    )


def _number(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdecimal() or int(raw) < 1:
        raise StackError(f"{name} must be a whole number above 0, not {raw!r}")
    return int(raw)


def _port(environ: Mapping[str, str], name: str, default: int) -> int:
    port = _number(environ, name, default)
    if port > 65535:
        raise StackError(f"{name} must be a port number (1-65535), not {port}")
    return port


def _absolute_sqlite(database_url: str) -> str:
    # Each process starts in its own folder; a relative SQLite path is taken from here.
    if not database_url:
        return DEFAULT_DATABASE_URL
    prefix = "sqlite:///"
    if database_url.startswith(prefix) and not database_url.startswith(prefix + "/"):
        path, _, query = database_url.removeprefix(prefix).partition("?")
        if path and path != ":memory:":
            return f"{prefix}{Path(path).resolve()}" + (f"?{query}" if query else "")
    return database_url


def rasa_environment() -> dict[str, str]:
    """Environment for the Rasa processes: no telemetry, quiet TensorFlow, loopback only."""
    env = dict(os.environ)
    env.update(
        RASA_TELEMETRY_ENABLED="false",
        TF_CPP_MIN_LOG_LEVEL="2",
        SQLALCHEMY_SILENCE_UBER_WARNING="1",
        PYTHONWARNINGS="ignore",
        SANIC_HOST="127.0.0.1",
        PYTHONPATH=os.pathsep.join([str(BOT_DIR), str(PROJECT_ROOT)]),
    )
    return env


def lock_lifetime_seconds(environ: Mapping[str, str]) -> int:
    """How long a conversation's lock in Redis outlives an instance that died holding it
    (Rasa's default is 60 s, each message of the conversation meanwhile answered "cannot
    answer"): the gateway's time limit for a turn and a margin, so a turn still being
    answered never loses its lock, and the bot takes no message given up on."""
    raw = environ.get("RASA_TIMEOUT_SECONDS", "").strip()
    try:
        timeout = float(raw) if raw else DEFAULT_RASA_TIMEOUT_SECONDS
    except ValueError:
        timeout = DEFAULT_RASA_TIMEOUT_SECONDS
    return math.ceil(timeout) + LOCK_MARGIN_SECONDS


def triage_processes(config: StackConfig) -> list[ProcessSpec]:
    """The action server, Rasa, the gateway and the alert sender, in the order they start."""
    if not (RASA_VENV / "bin" / "rasa").exists():
        raise StackError(f"{RASA_VENV} is missing: run `make setup` first")
    if not MODEL_PATH.exists():
        raise StackError(f"no trained model at {MODEL_PATH}: run `make setup` first")
    rasa = str(RASA_VENV / "bin" / "rasa")
    actions_env = rasa_environment()
    try:
        stores = RasaStores.for_urls(config.database_url, config.redis_url)
    except StoreError as error:
        raise StackError(str(error)) from error
    if config.rasa_instances > 1 and config.redis_url is None:
        raise StackError(
            f"{config.rasa_instances} Rasa instances need REDIS_URL: they take each "
            "conversation's lock there, so no two answer one conversation at once"
        )
    rasa_env = dict(actions_env, ACTION_SERVER_URL=f"{config.actions_url}/webhook")
    rasa_env.pop(POSTGRESQL_SCHEMA, None)
    rasa_env.update(stores.environment())
    if config.redis_url is not None:
        # Locks in Rasa's memory die with it; only Redis keeps a dead instance's.
        rasa_env["TICKET_LOCK_LIFETIME"] = str(lock_lifetime_seconds(os.environ))
    gateway_env = dict(os.environ)
    gateway_env.update(config.gateway_env)
    gateway_env.update(
        DATABASE_URL=config.database_url,
        RASA_URL=config.rasa_urls,
        ACTION_SERVER_URL=config.actions_url,
        PORT=str(config.gateway_port),
    )
    return [
        ProcessSpec(
            "action server",
            [rasa, "run", "actions", "--actions", "actions", "-p", str(config.actions_port)],
            actions_env,
            f"{config.actions_url}/health",
        ),
        *[_rasa_spec(config, stores, rasa_env, number) for number in range(config.rasa_instances)],
        ProcessSpec(
            "gateway",
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--bind",
                f"{config.host}:{config.gateway_port}",
                "--workers",
                str(config.gateway_workers),
                "--timeout",
                "30",
                "--config",
                "python:webhooks.gunicorn_config",
                "webhooks:create_app()",
            ],
            gateway_env,
            f"{config.gateway_url}/healthz",
        ),
        ProcessSpec(
            "alerts",
            [str(Path(sys.executable).parent / "triage"), "alerts"],
            gateway_env,
            None,
        ),
    ]


def _rasa_spec(
    config: StackConfig, stores: RasaStores, env: dict[str, str], number: int
) -> ProcessSpec:
    """Rasa instance `number` (0 is the first, "rasa"; then "rasa 2", ...)."""
    port = config.rasa_ports[number]
    return ProcessSpec(
        "rasa" if number == 0 else f"rasa {number + 1}",
        [
            # `rasa run`, with its check of the action server's answers made once
            # (bot/rasa_server.py says why).
            str(RASA_VENV / "bin" / "python"),
            "-m",
            "rasa_server",
            "run",
            "-m",
            str(MODEL_PATH),
            "-i",
            "127.0.0.1",
            "-p",
            str(port),
            "--credentials",
            str(BOT_DIR / "credentials.yml"),
            "--endpoints",
            str(config.endpoints_for(port)),
        ],
        env,
        f"http://127.0.0.1:{port}/webhooks/rest/",
        prepare=partial(_prepare_rasa, stores, config, config.endpoints_for(port)),
    )


def _prepare_rasa(stores: RasaStores, config: StackConfig, endpoints: Path) -> None:
    try:
        stores.prepare(endpoints, f"{config.actions_url}/webhook")
    except (StoreError, OSError) as error:
        raise StackError(f"Rasa's endpoints: {error}") from error
