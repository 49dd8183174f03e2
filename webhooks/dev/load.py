"""Many people texting at once: whole SMS referrals driven concurrently through the gateway.

Each of `concurrency` threads plays one person at a time, from a distinct number, and
starts the next when theirs ends, until the planned number of conversations has started
or the time is up (conversations under way then finish). Used by `triage bench` and by
the concurrency tests.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field

from webhooks.dev.calling import call_through, caller
from webhooks.dev.scripted import Respondent, demo_answers
from webhooks.dev.texting import (
    ANSWERED,
    CANNOT_ANSWER,
    ERROR,
    Patience,
    SignatureRefused,
    Target,
    Turn,
    Walk,
    converse,
    sender_number,
    texter,
)

# Ofcom's drama range holds 1000 mobile numbers; each team's number doubles that.
NUMBERS_PER_TEAM = 1000
SMS, VOICE, MIXED = "sms", "voice", "mixed"
CHANNELS = (SMS, VOICE, MIXED)


@dataclass(frozen=True)
class LoadPlan:
    """Where to send, as whom, how many at once, and for how long."""

    url: str
    auth_token: str
    targets: tuple[Target, ...]
    concurrency: int = 1
    # Conversations to start in all; None: as many as the time allows.
    conversations: int | None = None
    # Seconds during which new conversations start; None: until `conversations` have.
    seconds: float | None = None
    patience: Patience = field(default_factory=Patience)
    # The first of the numbers to text from (tests keep to numbers of their own).
    first_number: int = 0
    answers: Mapping[str, str] = field(default_factory=lambda: demo_answers("self"))
    # "sms", "voice", or "mixed" (every other conversation a call).
    channel: str = SMS


@dataclass(frozen=True)
class LoadResult:
    """Every conversation, as it went, and the wall time they took."""

    walks: list[Walk]
    elapsed_seconds: float
    concurrency: int


class Load:
    """One run of a plan; `progress()` may be read from another thread while it runs."""

    def __init__(self, plan: LoadPlan) -> None:
        if plan.conversations is None and plan.seconds is None:
            raise ValueError("a load needs a number of conversations or a time")
        if plan.concurrency > NUMBERS_PER_TEAM * len(plan.targets):
            raise ValueError("more people at once than distinct numbers to text from")
        self.plan = plan
        self._lock = threading.Lock()
        self._walks: list[Walk] = []
        self._done = 0
        # (sender, team) pairs, least recently used first: no two people at once share one.
        self._free = deque(
            (sender_number(plan.first_number + i), target)
            for i in range(NUMBERS_PER_TEAM)
            for target in plan.targets
        )
        self._failure: SignatureRefused | None = None
        self._started_at = 0.0

    def run(self) -> LoadResult:
        """Drive the plan to its end; raise SignatureRefused if the gateway refused us."""
        self._started_at = time.monotonic()
        # At a person's pace, people start spread over one pause, as the replay straight
        # to Rasa does: all starting at one instant, and each pausing the same time, they
        # would send in bursts of everyone at once for the whole run.
        think = self.plan.patience.think_seconds
        threads = [
            threading.Thread(
                target=self._person,
                args=(think * i / self.plan.concurrency,),
                name=f"person-{i}",
                daemon=True,
            )
            for i in range(self.plan.concurrency)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if self._failure is not None:
            raise self._failure
        elapsed = time.monotonic() - self._started_at
        return LoadResult(list(self._walks), elapsed, self.plan.concurrency)

    def progress(self) -> str:
        """One line: time, conversations, turns and how they went so far."""
        with self._lock:
            walks = list(self._walks)
            done = self._done
        turns = [turn for walk in walks for turn in walk.turns]
        elapsed = time.monotonic() - self._started_at if self._started_at else 0.0
        return (
            f"[{elapsed:5.0f} s] {done} conversations done, {len(walks) - done} under way, "
            f"{len(turns)} turns, {_count(turns, CANNOT_ANSWER)} cannot answer, "
            f"{_count(turns, ERROR)} errors"
        )

    def _next(self) -> Walk | None:
        with self._lock:
            if self._failure is not None:
                return None
            if self.plan.conversations is not None and len(self._walks) >= self.plan.conversations:
                return None
            elapsed = time.monotonic() - self._started_at
            if self.plan.seconds is not None and elapsed >= self.plan.seconds:
                return None
            sender, target = self._free.popleft()
            walk = Walk(sender, target, channel=self._channel(len(self._walks)))
            self._walks.append(walk)
            return walk

    def _channel(self, index: int) -> str:
        if self.plan.channel == MIXED:
            return VOICE if index % 2 else SMS
        return self.plan.channel

    def _person(self, start_after: float = 0.0) -> None:
        time.sleep(start_after)
        while (walk := self._next()) is not None:
            person = Respondent(walk.target.flow, self.plan.answers)
            plan = self.plan
            try:
                if walk.channel == VOICE:
                    phone = caller(plan.url, plan.auth_token, walk.sender, walk.target)
                    try:
                        call_through(phone, walk, person, plan.patience)
                    finally:
                        phone.http.close()
                else:
                    client = texter(plan.url, plan.auth_token, walk.sender, walk.target)
                    try:
                        converse(client, walk, person, plan.patience)
                    finally:
                        client.http.close()
            except SignatureRefused as refused:
                with self._lock:
                    self._failure = refused
            finally:
                with self._lock:
                    self._done += 1
                    self._free.append((walk.sender, walk.target))


def _count(turns: list[Turn], outcome: str) -> int:
    return sum(1 for turn in turns if turn.outcome == outcome)


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (share 0-100) of the values; 0 for none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share / 100 * len(ordered)) - 1)]


# A turn costs more the longer the conversation if the bot re-reads it all each time: the
# median of the first turns beside that of turns after the thirtieth shows it.
FIRST_TURNS = 5
LATE_TURNS_FROM = 31


def _timed(turns: list[Turn]) -> list[float]:
    return [turn.ms for turn in turns if turn.outcome != ERROR]


def _by_channel(walks: list[Walk]) -> dict[str, float | int]:
    # With calls among the conversations, each channel's own latency (a call's turn is
    # the silence a caller waits through; its target differs from a text's).
    channels = sorted({walk.channel for walk in walks})
    if channels == [SMS]:
        return {}
    found: dict[str, float | int] = {}
    for channel in channels:
        timed = _timed([turn for walk in walks if walk.channel == channel for turn in walk.turns])
        found[f"{channel}_turns"] = len(timed)
        found[f"{channel}_p50_ms"] = round(percentile(timed, 50), 1)
        found[f"{channel}_p95_ms"] = round(percentile(timed, 95), 1)
    return found


def figures(result: LoadResult) -> dict[str, float | int]:
    """Turns, latency percentiles (every turn answered with HTTP 200), throughput, outcomes."""
    turns = [turn for walk in result.walks for turn in walk.turns]
    timed = _timed(turns)
    first = _timed([turn for walk in result.walks for turn in walk.turns[:FIRST_TURNS]])
    late = _timed([turn for walk in result.walks for turn in walk.turns[LATE_TURNS_FROM - 1 :]])
    elapsed = result.elapsed_seconds or 1e-9
    completed = sum(1 for walk in result.walks if walk.reference is not None)
    kept = sum(1 for walk in result.walks if walk.kept)
    return {
        "concurrency": result.concurrency,
        "conversations": len(result.walks),
        "completed": completed,
        # Told their referral is kept and will reach the team later (the database refused it).
        "kept": kept,
        "incomplete": len(result.walks) - completed - kept,
        "turns": len(turns),
        "replies_out": sum(turn.replies for turn in turns),
        "answered": _count(turns, ANSWERED),
        "cannot_answer": _count(turns, CANNOT_ANSWER),
        "errors": _count(turns, ERROR),
        "p50_ms": round(percentile(timed, 50), 1),
        "p95_ms": round(percentile(timed, 95), 1),
        "p99_ms": round(percentile(timed, 99), 1),
        "max_ms": round(max(timed, default=0.0), 1),
        "first_turns_p50_ms": round(percentile(first, 50), 1),
        "late_turns_p50_ms": round(percentile(late, 50), 1),
        **_by_channel(result.walks),
        "throughput_per_s": round(len(turns) / elapsed, 2),
        "elapsed_s": round(result.elapsed_seconds, 1),
    }
