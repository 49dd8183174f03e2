"""What the gateway adds to a turn: the same conversations sent straight to Rasa.

Conversations the bench completed are played again, after the run, straight to Rasa's
REST channel as the gateway sends them (the same text for Rasa, the same metadata), each
from a sender id of its own, as many at once as the bench ran. Rasa's latency there,
beside the gateway's for the same turns during the run, is what the gateway adds: its
own work and any wait for a free gateway worker.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

import requests

from webhooks.core.turn import gateway_metadata, rasa_text
from webhooks.dev.load import percentile
from webhooks.dev.texting import ANSWERED, Target, Walk


@dataclass(frozen=True)
class Replay:
    """One conversation to send to Rasa: whose flow, and the texts in order."""

    target: Target
    texts: tuple[str, ...]


class ReplayError(RuntimeError):
    """Rasa did not answer a replayed message (the comparison would be meaningless)."""


def _chosen(walks: list[Walk], limit: int) -> list[Walk]:
    # Texts only: what a call sends Rasa is not what the caller said, word for word.
    return [walk for walk in walks if walk.reference is not None and walk.channel == "sms"][:limit]


def replays(walks: list[Walk], limit: int) -> list[Replay]:
    """Up to `limit` completed conversations: the texts the bot answered, in order (a
    text it could not answer was sent again, and answered, later)."""
    return [
        Replay(walk.target, tuple(t.text for t in walk.turns if t.outcome == ANSWERED))
        for walk in _chosen(walks, limit)
    ]


def gateway_ms(walks: list[Walk], limit: int) -> list[float]:
    """The gateway's times, during the run, for the turns `replays` sends to Rasa."""
    return [t.ms for walk in _chosen(walks, limit) for t in walk.turns if t.outcome == ANSWERED]


def _play(
    rasa_url: str, replay: Replay, now: datetime, think_seconds: float, start_after: float = 0.0
) -> list[float]:
    # People who start at once drift apart as their turns take different times; replayed
    # in lockstep, every pause would end in a burst of them all at once.
    time.sleep(start_after)
    sender = f"bench-direct-{uuid.uuid4().hex}"
    metadata = gateway_metadata(replay.target.team, "sms", now).to_dict()
    timings: list[float] = []
    with requests.Session() as http:
        for number, text in enumerate(replay.texts):
            if number and think_seconds:
                # At the person's pace, as during the run: a comparison at another pace
                # would weigh another load.
                time.sleep(think_seconds)
            body = {"sender": sender, "message": rasa_text(text), "metadata": metadata}
            started = time.perf_counter()
            try:
                response = http.post(f"{rasa_url}/webhooks/rest/webhook", json=body, timeout=30)
            except requests.RequestException as error:
                raise ReplayError(type(error).__name__) from error
            if response.status_code != 200:
                raise ReplayError(f"HTTP {response.status_code}")
            timings.append((time.perf_counter() - started) * 1000)
    return timings


def replay_all(
    rasa_urls: Sequence[str],
    conversations: list[Replay],
    concurrency: int,
    now: datetime,
    think_seconds: float = 0.0,
) -> list[float]:
    """Every replayed turn's time straight to Rasa, in ms, `concurrency` at a time; with
    several Rasa instances, the conversations are dealt out among them in turn."""
    urls = [url.rstrip("/") for url in rasa_urls]
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        results = pool.map(
            lambda numbered: _play(
                urls[numbered[0] % len(urls)],
                numbered[1],
                now,
                think_seconds,
                start_after=think_seconds
                * (numbered[0] % max(1, concurrency))
                / max(1, concurrency),
            ),
            enumerate(conversations),
        )
        return [ms for timings in results for ms in timings]


def comparison(direct: list[float], through_gateway: list[float]) -> dict[str, float | int]:
    """Rasa's own percentiles, and the gateway's median for the same turns less Rasa's."""
    return {
        "rasa_direct_turns": len(direct),
        "rasa_direct_p50_ms": round(percentile(direct, 50), 1),
        "rasa_direct_p95_ms": round(percentile(direct, 95), 1),
        "overhead_p50_ms": round(percentile(through_gateway, 50) - percentile(direct, 50), 1),
    }
