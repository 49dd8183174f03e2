"""The gateway's Prometheus metrics: what happened (counters) and how long it took.

Under gunicorn each worker is a process of its own, so the counts go through
prometheus_client's multiprocess mode: with PROMETHEUS_MULTIPROC_DIR set (by
`webhooks.gunicorn_config`) every worker writes its counts to files there, and a scrape of
any worker adds them all up. Without it (tests, one process) they stay in this process.

The metric objects are made on first use, not at import: the gunicorn master imports the
app's modules before its config sets the directory, and a value made before then would
never be written to a file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
    values,
)
from prometheus_client.registry import Collector

MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"
# What a reply was; anything else is counted as "other" so the label stays small.
REPLY_KINDS = ("crisis", "check", "cannot_answer", "question", "other")
# Why a call to Rasa failed: it could not be reached, it took too long, or it answered
# with an error status or something that is not a list of messages.
RASA_ERRORS = ("unavailable", "timeout", "bad_response")
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Twilio waits 15 s for a webhook; the top buckets show how close answers come to that.
_REQUEST_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 8.0, 10.0, 15.0, 30.0)
_RASA_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0)


@dataclass(frozen=True)
class _Metrics:
    registry: CollectorRegistry
    turns: Counter
    replies: Counter
    rasa_errors: Counter
    rasa_answers: Counter
    rasa_latency: Histogram
    requests: Counter
    request_seconds: Histogram


@cache
def _metrics() -> _Metrics:
    registry = CollectorRegistry()
    metrics = _Metrics(
        registry=registry,
        turns=Counter(
            "triage_turns", "Turns handled: one per message a person sent.", registry=registry
        ),
        replies=Counter("triage_replies", "Replies given, by kind.", ["kind"], registry=registry),
        rasa_errors=Counter(
            "triage_rasa_errors",
            "Calls to Rasa that failed, by reason.",
            ["reason"],
            registry=registry,
        ),
        rasa_answers=Counter(
            "triage_rasa_answers",
            "Calls to Rasa answered, by instance (1 is the first RASA_URL names).",
            ["instance"],
            registry=registry,
        ),
        rasa_latency=Histogram(
            "triage_rasa_latency_seconds",
            "Time each call to Rasa took, answered or not.",
            buckets=_RASA_BUCKETS,
            registry=registry,
        ),
        requests=Counter(
            "triage_http_requests",
            "HTTP requests answered, by route, method and status.",
            ["route", "method", "status"],
            registry=registry,
        ),
        request_seconds=Histogram(
            "triage_http_request_duration_seconds",
            "Time taken to answer each HTTP request, by route.",
            ["route"],
            buckets=_REQUEST_BUCKETS,
            registry=registry,
        ),
    )
    # Every kind and reason shows from the start, at 0, rather than after its first event.
    for kind in REPLY_KINDS:
        metrics.replies.labels(kind)
    for reason in RASA_ERRORS:
        metrics.rasa_errors.labels(reason)
    return metrics


def count_turn() -> None:
    """One message from a person has been handled."""
    _metrics().turns.inc()


def count_reply(kind: str) -> None:
    """One reply was given: crisis, check, cannot_answer, question, or other."""
    _metrics().replies.labels(kind if kind in REPLY_KINDS else "other").inc()


def count_rasa_error(reason: str) -> None:
    """A call to Rasa failed: unavailable, timeout, or bad_response."""
    _metrics().rasa_errors.labels(reason if reason in RASA_ERRORS else "bad_response").inc()


def count_rasa_answer(instance: int) -> None:
    """A call to Rasa instance `instance` (1 is the first of RASA_URL) was answered."""
    _metrics().rasa_answers.labels(str(instance)).inc()


def observe_rasa_latency(seconds: float) -> None:
    """A call to Rasa took `seconds`."""
    _metrics().rasa_latency.observe(seconds)


def observe_request(route: str, method: str, status: int, seconds: float) -> None:
    """An HTTP request to `route` (the rule, never the path people's data could be in)."""
    method = method if method in _METHODS else "other"
    _metrics().requests.labels(route, method, str(status)).inc()
    _metrics().request_seconds.labels(route).observe(seconds)


def multiprocess_dir() -> Path | None:
    """Where the workers' counts are kept, when in multiprocess mode."""
    found = os.environ.get(MULTIPROC_DIR, "").strip()
    return Path(found) if found else None


def use_multiprocess_dir(path: Path) -> None:
    """Count in files under `path` from now on (in this process and those it forks).

    prometheus_client decides at its import whether values live in files; the gunicorn
    master has imported it by the time its config runs, so the choice is made again here.
    Metrics made before this call would stay in memory: none are (see `_metrics`).
    """
    path.mkdir(parents=True, exist_ok=True)
    os.environ[MULTIPROC_DIR] = str(path)
    values.ValueClass = values.get_value_class()  # type: ignore[no-untyped-call]


def mark_process_dead(pid: int) -> None:
    """A worker has exited: drop what it kept only while alive."""
    if multiprocess_dir() is not None:
        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]


def exposition(*collectors: Collector, path: Path | None = None) -> tuple[bytes, str]:
    """The text exposition of the counts (every worker's) and of `collectors`.

    `collectors` are read at scrape time (how things stand now, e.g. the spool); they are
    registered on a registry made for this scrape, so each is read exactly once.
    """
    registry = CollectorRegistry()
    directory = path or multiprocess_dir()
    if directory is not None:
        multiprocess.MultiProcessCollector(registry, path=str(directory))  # type: ignore[no-untyped-call]
    else:
        registry.register(_metrics().registry)
    for collector in collectors:
        registry.register(collector)
    return generate_latest(registry), CONTENT_TYPE_LATEST
