"""Kill the processes a Ray local cluster left behind when the run that started it died.

Run as a script (by file path, so that starting it imports nothing of supplyshock)::

    python _reaper.py DRIVER_PID

It is started by the driver (the process that started the cluster) with a pipe on its
standard input. While the driver lives it notes, every :data:`INTERVAL` seconds, the Ray
processes that descend from the driver and were not there when it started (Linux ``/proc``).
When the driver has shut its cluster down it writes :data:`DONE` to the pipe and the reaper
exits. When the pipe closes without it (the driver died, the kernel closed its end), the
reaper sends ``SIGKILL`` to every noted process that is still the same process (same
start time). Ray's own fate sharing already ends the
raylet and the workers; this covers the agents that outlive it by a minute or more.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import sys

__all__ = ["DONE", "INTERVAL", "descendants", "main"]

#: What the driver writes to the pipe when it has shut its cluster down itself.
DONE = b"done\n"

#: Seconds between two scans of the driver's descendants.
INTERVAL = 0.5
#: Words of a command line that make a process part of a Ray cluster.
RAY_WORDS = ("ray::", "/ray/", "raylet", "gcs_server")


def _stat(pid: int) -> tuple[int, int] | None:
    """(parent id, start time in clock ticks) of a process, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            text = fh.read().decode("ascii", "replace")
    except OSError:
        return None
    fields = text[text.rfind(")") + 2 :].split()
    if fields[0] == "Z":  # a zombie holds no memory and runs nothing
        return None
    return int(fields[1]), int(fields[19])


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return ""


def descendants(root: int) -> dict[int, int]:
    """Every live descendant of process ``root``: pid -> start time (Linux ``/proc``)."""
    children: dict[int, list[tuple[int, int]]] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            st = _stat(int(name))
            if st is not None:
                children.setdefault(st[0], []).append((int(name), st[1]))
    out: dict[int, int] = {}
    frontier = [root]
    while frontier:
        for pid, start in children.get(frontier.pop(), []):
            if pid not in out:
                out[pid] = start
                frontier.append(pid)
    return out


def main(argv: list[str]) -> int:
    """Watch driver ``argv[0]``; return the exit status."""
    driver = int(argv[0])
    me = os.getpid()
    before = set(descendants(driver)) if os.path.isdir("/proc") else set()
    noted: dict[int, int] = {}
    said = b""
    while True:
        ready, _, _ = select.select([sys.stdin], [], [], INTERVAL)
        if ready:
            chunk = os.read(sys.stdin.fileno(), 4096)
            said += chunk
            if DONE in said:
                return 0  # normal end: the driver shut its cluster down
            if not chunk:
                break  # the pipe closed without a word: the driver died
        if os.getppid() != driver:
            break
        if os.path.isdir("/proc"):
            for pid, start in descendants(driver).items():
                if pid != me and pid not in before and any(w in _cmdline(pid) for w in RAY_WORDS):
                    noted[pid] = start
    for pid, start in noted.items():
        st = _stat(pid)
        if st is not None and st[1] == start:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
