"""What is waiting: messages in the spool and urgent alerts not yet delivered.

Read when asked (a scrape of /metrics, a call to /readyz), not counted as it happens: the
spool is shared by every worker and the alerts worker, and only the directory and the
database know how things stand now.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from prometheus_client.core import GaugeMetricFamily, Metric

# The spool is not draining when something has waited longer than this: the database is
# still down, or nothing is storing what was kept (see /readyz).
SPOOL_STALE_SECONDS = 300.0


@dataclass(frozen=True)
class SpoolState:
    """How many items wait in the spool, for how long the oldest has, and how many were
    set aside (unreadable: only a person can deal with them, so they never drain)."""

    depth: int
    oldest_age_seconds: float
    set_aside: int = 0

    @property
    def draining(self) -> bool:
        """Nothing has waited longer than SPOOL_STALE_SECONDS."""
        return self.oldest_age_seconds <= SPOOL_STALE_SECONDS


@dataclass(frozen=True)
class AlertCounts:
    """Urgent alerts by state; `failing` are those that need a person to look (see
    `webhooks.web.status`)."""

    pending: int
    failed: int
    failing: int


def spool_state(directory: Path, set_aside: str | None = None) -> SpoolState:
    """Count what waits under `directory` (subfolders too) and the oldest one's age.

    A spooled item is a `*.json` file. Names starting with "." are items being written
    (`.<name>.tmp`) or claimed by a worker storing them (`...claimed`): not stored yet,
    so they count too. Files in the subfolder named `set_aside` are counted apart.
    """
    now = time.time()
    aside = directory / set_aside if set_aside else None
    depth = 0
    oldest: float | None = None
    for path in _items(directory, skip=aside):
        try:
            modified = path.stat().st_mtime
        except FileNotFoundError:
            continue  # stored (or renamed) while we looked
        depth += 1
        oldest = modified if oldest is None else min(oldest, modified)
    age = max(0.0, now - oldest) if oldest is not None else 0.0
    kept_aside = sum(1 for _ in _items(aside)) if aside else 0
    return SpoolState(depth=depth, oldest_age_seconds=age, set_aside=kept_aside)


def _items(directory: Path, skip: Path | None = None) -> Iterator[Path]:
    # os.walk skips a folder that vanishes or cannot be read, instead of raising.
    for folder, subfolders, names in os.walk(directory):
        if skip is not None:
            subfolders[:] = [name for name in subfolders if Path(folder, name) != skip]
        for name in names:
            if name.endswith(".json") or name.startswith("."):
                yield Path(folder, name)


class BacklogCollector:
    """Gauges for the spool and the alerts, read at each scrape.

    `read_alerts` returns None when the database cannot be read: the spool is still
    reported, the alert gauges are left out, and `triage_database_up` says 0.
    """

    def __init__(
        self,
        read_spool: Callable[[], SpoolState],
        read_alerts: Callable[[], AlertCounts | None],
    ) -> None:
        self.read_spool = read_spool
        self.read_alerts = read_alerts

    def collect(self) -> Iterator[Metric]:
        """The gauges as they stand now."""
        spool = self.read_spool()
        yield _gauge("triage_spool_depth", "Items waiting in the spool to be stored.", spool.depth)
        yield _gauge(
            "triage_spool_oldest_age_seconds",
            "How long the oldest item in the spool has waited (0 when empty).",
            spool.oldest_age_seconds,
        )
        yield _gauge(
            "triage_spool_set_aside",
            "Spooled files that could not be read, set aside for a person to look at.",
            spool.set_aside,
        )
        alerts = self.read_alerts()
        yield _gauge(
            "triage_database_up",
            "1 when the database answered this scrape, else 0.",
            0 if alerts is None else 1,
        )
        if alerts is None:
            return
        yield _gauge(
            "triage_alerts_pending",
            "Urgent alerts still being sent (until the referral is acknowledged).",
            alerts.pending,
        )
        yield _gauge("triage_alerts_failed", "Urgent alerts given up on.", alerts.failed)
        yield _gauge(
            "triage_alerts_failing",
            "Alerts for unacknowledged referrals that failed or keep failing.",
            alerts.failing,
        )


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)
