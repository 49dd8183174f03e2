"""gunicorn's settings for the gateway: `gunicorn --config python:webhooks.gunicorn_config`.

- Logs: gunicorn's own lines and the app's go to stderr as JSON (LOG_FORMAT=text for
  plain lines), with gunicorn's access log off (the app writes its own, without paths).
- Metrics: every worker counts into files under PROMETHEUS_MULTIPROC_DIR so that /metrics
  on any worker reports them all. Unless that is set, each run gets a fresh directory
  under var/metrics/, made before the first worker starts and removed at exit; what a
  run killed outright left behind is removed by the next.

Only the bind address, workers and timeout are left to the command line.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

from webhooks.config import DEFAULT_VAR_DIR
from webhooks.observability import logs, metrics

METRICS_ROOT = DEFAULT_VAR_DIR / "metrics"
_RUN = re.compile(r"run-(\d+)-")

logconfig_dict = logs.gunicorn_logconfig(os.environ.get("LOG_FORMAT", "json").strip() or "json")

# The directory this run made, to remove at exit (None: given, so left alone).
_made: Path | None = None


def on_starting(_server: Any) -> None:
    """In the master, before any worker: count into PROMETHEUS_MULTIPROC_DIR."""
    global _made
    directory = metrics.multiprocess_dir()
    if directory is None:
        remove_dead_runs(METRICS_ROOT)
        directory = _made = fresh_run_dir(METRICS_ROOT)
    metrics.use_multiprocess_dir(directory)


def child_exit(_server: Any, worker: Any) -> None:
    """In the master, when a worker has exited."""
    metrics.mark_process_dead(worker.pid)


def on_exit(_server: Any) -> None:
    """In the master, as gunicorn stops: the counts of a run are not kept."""
    if _made is not None:
        shutil.rmtree(_made, ignore_errors=True)


def fresh_run_dir(root: Path) -> Path:
    """A new, empty directory under `root` named for this process."""
    root.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f"run-{os.getpid()}-", dir=root))


def remove_dead_runs(root: Path) -> None:
    """Remove the directories of runs whose master has gone (killed, so no on_exit)."""
    if not root.is_dir():
        return
    for path in root.iterdir():
        found = _RUN.match(path.name)
        if found and path.is_dir() and not _alive(int(found.group(1))):
            shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True
