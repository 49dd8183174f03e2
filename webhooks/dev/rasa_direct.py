"""What the gateway adds to a turn: the same texts through the gateway and straight to Rasa.

Conversations the bench completed are played again, each twice in lockstep:
through the gateway from a fresh number, and straight to Rasa's REST channel as the
gateway sends it (the same text for Rasa and the same metadata) from a sender id of its
own. Each turn is timed both ways one after the other, so both see the same load on the
machine; the gateway's overhead is the median of the per-turn differences.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

import requests

from webhooks.core.turn import gateway_metadata, rasa_text
from webhooks.dev.load import percentile
from webhooks.dev.texting import ANSWERED, Target, Walk, send, texter


@dataclass(frozen=True)
class Replay:
    """One conversation to play again: whose flow, a fresh number, and the texts in order."""

    target: Target
    sender: str
    texts: tuple[str, ...]


@dataclass(frozen=True)
class Paired:
    """Each replayed turn's time through the gateway and straight to Rasa, in ms."""

    gateway_ms: list[float]
    direct_ms: list[float]

    def figures(self) -> dict[str, float | int]:
        """Rasa's own percentiles and the gateway's median overhead."""
        differences = [g - d for g, d in zip(self.gateway_ms, self.direct_ms, strict=True)]
        return {
            "rasa_direct_turns": len(self.direct_ms),
            "rasa_direct_p50_ms": round(percentile(self.direct_ms, 50), 1),
            "rasa_direct_p95_ms": round(percentile(self.direct_ms, 95), 1),
            "overhead_p50_ms": round(percentile(differences, 50), 1),
        }


class ReplayError(RuntimeError):
    """A replayed turn was not answered (the comparison would be meaningless)."""


def replays(walks: list[Walk], limit: int, fresh_senders: list[str]) -> list[Replay]:
    """Up to `limit` completed conversations, each with a fresh number: the texts the bot
    answered, in order (a text the bot could not answer was sent again and answered)."""
    chosen = [walk for walk in walks if walk.reference is not None]
    chosen = chosen[: min(limit, len(fresh_senders))]
    return [
        Replay(walk.target, sender, tuple(t.text for t in walk.turns if t.outcome == ANSWERED))
        for walk, sender in zip(chosen, fresh_senders, strict=False)
    ]


def _direct(http: requests.Session, rasa_url: str, body: Mapping[str, object]) -> float:
    started = time.perf_counter()
    try:
        response = http.post(f"{rasa_url}/webhooks/rest/webhook", json=body, timeout=30)
    except requests.RequestException as error:
        raise ReplayError(f"Rasa: {type(error).__name__}") from error
    if response.status_code != 200:
        raise ReplayError(f"Rasa: HTTP {response.status_code}")
    return (time.perf_counter() - started) * 1000


def _play(
    gateway_url: str, auth_token: str, rasa_url: str, replay: Replay, now: datetime
) -> Paired:
    client = texter(gateway_url, auth_token, replay.sender, replay.target)
    rasa_sender = f"bench-direct-{uuid.uuid4().hex}"
    metadata = gateway_metadata(replay.target.team, "sms", now).to_dict()
    through_gateway: list[float] = []
    direct: list[float] = []
    with requests.Session() as http:
        for text in replay.texts:
            turn, _replies = send(client, text)
            if turn.outcome != ANSWERED:
                raise ReplayError(f"gateway: {turn.outcome}")
            through_gateway.append(turn.ms)
            body = {"sender": rasa_sender, "message": rasa_text(text), "metadata": metadata}
            direct.append(_direct(http, rasa_url, body))
    client.http.close()
    return Paired(through_gateway, direct)


def replay_all(
    gateway_url: str,
    auth_token: str,
    rasa_url: str,
    conversations: list[Replay],
    concurrency: int,
    now: datetime,
) -> Paired:
    """Play every replay, `concurrency` at a time; every turn timed both ways."""
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        results = list(
            pool.map(
                lambda r: _play(gateway_url, auth_token, rasa_url.rstrip("/"), r, now),
                conversations,
            )
        )
    return Paired(
        [ms for paired in results for ms in paired.gateway_ms],
        [ms for paired in results for ms in paired.direct_ms],
    )
