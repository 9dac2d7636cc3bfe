"""Helpers of the reliability tests: processes, command lines, a small uncertain scenario."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from supplyshock.analysis._reaper import descendants

#: A short scenario whose members differ (so chunks differ), cheap enough for many runs.
UNCERTAIN_YAML = """
name: unc-reliability
start: 2025-01-01
horizon_days: 60
seed: 11
members: 8
events:
  - type: licence
    id: lic
    exporter: CHN
    products: [ndfeb_magnet]
    start: 2025-01-10
    delay_days: 20
    approval: 0.3
uncertain:
  - {name: approval_scale, dist: uniform, low: 0.2, high: 2.0}
  - {name: cover_scale, dist: lognormal, mean: 0, sd: 0.3, low: 0.5, high: 2}
"""


def cli(*args: str) -> list[str]:
    """The command line of ``supplyshock ARGS`` run by this interpreter."""
    return [sys.executable, "-m", "supplyshock", *args]


def alive(pid: int) -> bool:
    """Whether a process exists and is not a zombie (a zombie holds no memory, runs nothing)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            text = fh.read().decode("ascii", "replace")
    except OSError:
        return False
    return text[text.rfind(")") + 2 :].split()[0] != "Z"


def wait_for(check: Callable[[], bool], timeout: float, step: float = 0.05) -> bool:
    """Poll ``check`` until it is true or ``timeout`` seconds pass; its last value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(step)
    return check()


def kill_all(pids: list[int]) -> None:
    """SIGKILL every live process of ``pids`` (clean-up after a failed check)."""
    for pid in pids:
        if alive(pid):
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)


def start(cmd: list[str], log: Path) -> subprocess.Popen[bytes]:
    """Start a command in its own session, its output in ``log``."""
    with open(log, "wb") as fh:
        return subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True)


def family(pid: int) -> list[int]:
    """The live descendants of a process."""
    return [p for p in descendants(pid) if alive(p)]
