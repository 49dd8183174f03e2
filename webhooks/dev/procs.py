"""The running stack's processes as Linux shows them in /proc: by port, tree and memory.

Used by `triage bench` to weigh the stack (resident memory at start and end of a soak)
and to kill the Rasa server once, the way a crash would, to soak through its restart.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
from pathlib import Path

PROC = Path("/proc")
_LISTEN = "0A"  # TCP state LISTEN in /proc/net/tcp


def _listening_inodes(port: int, proc: Path) -> set[str]:
    inodes: set[str] = set()
    for table in ("tcp", "tcp6"):
        with contextlib.suppress(OSError):
            for line in (proc / "net" / table).read_text().splitlines()[1:]:
                fields = line.split()
                local, state, inode = fields[1], fields[3], fields[9]
                if state == _LISTEN and int(local.rsplit(":", 1)[1], 16) == port:
                    inodes.add(inode)
    return inodes


def _pids(proc: Path) -> list[int]:
    return [int(entry.name) for entry in proc.iterdir() if entry.name.isdecimal()]


def listening_pids(port: int, proc: Path = PROC) -> set[int]:
    """Processes holding a socket that listens on this TCP port (workers share it)."""
    wanted = {f"socket:[{inode}]" for inode in _listening_inodes(port, proc)}
    found: set[int] = set()
    if not wanted:
        return found
    for pid in _pids(proc):
        # A process may end, or not be ours to read, while we look: skip it.
        with contextlib.suppress(OSError):
            for fd in (proc / str(pid) / "fd").iterdir():
                with contextlib.suppress(OSError):
                    if os.readlink(fd) in wanted:
                        found.add(pid)
                        break
    return found


def command_line(pid: int, proc: Path = PROC) -> list[str]:
    """The process's arguments, or nothing if it has gone."""
    try:
        raw = (proc / str(pid) / "cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def _parents(proc: Path) -> dict[int, int]:
    parents: dict[int, int] = {}
    for pid in _pids(proc):
        with contextlib.suppress(OSError, ValueError, IndexError):
            stat = (proc / str(pid) / "stat").read_text()
            # The name in brackets may hold spaces; the parent is the second field after it.
            parents[pid] = int(stat.rsplit(")", 1)[1].split()[1])
    return parents


def _is_supervisor(arguments: list[str]) -> bool:
    return any(
        Path(arg).name == "triage" and arguments[i + 1 : i + 2] == ["up"]
        for i, arg in enumerate(arguments)
    )


def stack_pids(ports: list[int], proc: Path = PROC) -> set[int]:
    """Every process of the stack serving these ports.

    When they were started by `triage up`, that is its whole process tree (the alert
    sender listens on no port); otherwise the listeners and what they started.
    """
    parents = _parents(proc)
    listeners = {pid for port in ports for pid in listening_pids(port, proc)}
    roots = set(listeners)
    for pid in listeners:
        ancestor = parents.get(pid, 0)
        while ancestor > 1:
            if _is_supervisor(command_line(ancestor, proc)):
                roots = {ancestor}
                break
            ancestor = parents.get(ancestor, 0)
    children: dict[int, list[int]] = {}
    for pid, parent in parents.items():
        children.setdefault(parent, []).append(pid)
    found: set[int] = set()
    todo = list(roots)
    while todo:
        pid = todo.pop()
        if pid not in found:
            found.add(pid)
            todo.extend(children.get(pid, []))
    return found


def proportional_mb(pids: set[int], proc: Path = PROC) -> float:
    """Summed proportional memory (Pss) of these processes, in MB: what they hold
    resident, each page shared between them (the gateway's forked workers, the same
    libraries) counted once in all; 0 for a process gone or unreadable."""
    total_kb = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            for line in (proc / str(pid) / "smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total_kb += int(line.split()[1])
    return total_kb / 1024


def resident_mb(pids: set[int], proc: Path = PROC) -> float:
    """Summed resident memory (VmRSS) of these processes, in MB (pages shared by forked
    workers are counted once per process, as `ps` does)."""
    total_kb = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            for line in (proc / str(pid) / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
    return total_kb / 1024


def rasa_server_pid(port: int, proc: Path = PROC) -> int | None:
    """The `rasa run` process serving the bot on this port (not the action server): run
    as `rasa run` or, as the stack runs it, `python -m rasa_server run`."""
    for pid in sorted(listening_pids(port, proc)):
        arguments = command_line(pid, proc)
        if (
            "run" in arguments
            and "actions" not in arguments
            and (
                any(Path(arg).name == "rasa" for arg in arguments)
                or _runs_module(arguments, "rasa_server")
            )
        ):
            return pid
    return None


def _runs_module(arguments: list[str], module: str) -> bool:
    return any(
        first == "-m" and second == module for first, second in itertools.pairwise(arguments)
    )


def kill(pid: int) -> bool:
    """SIGKILL one process, as a crash would end it; False if it had already gone."""
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return False
    return True
