"""No orphans: worker processes die with the run that started them, even when it is SIGKILLed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from reliability_helpers import UNCERTAIN_YAML, alive, cli, family, kill_all, start, wait_for

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc to find the workers")


def _scenario(tmp_path: Path) -> Path:
    path = tmp_path / "unc.yaml"
    path.write_text(UNCERTAIN_YAML, encoding="utf-8")
    return path


def _kill_parent_and_check(proc: subprocess.Popen[bytes], workers: list[int], timeout: float) -> list[int]:
    """SIGKILL only the parent (not its group); return the workers still alive after ``timeout`` s."""
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    wait_for(lambda: not any(alive(p) for p in workers), timeout)
    survivors = [p for p in workers if alive(p)]
    kill_all(survivors)
    return survivors


def test_sigkill_of_a_chunked_run_leaves_no_worker(tmp_path: Path) -> None:
    work = tmp_path / "work"
    cmd = cli("run", str(_scenario(tmp_path)), "--members", "400", "--chunk-size", "2", "--workdir", str(work))
    cmd += ["--out", str(tmp_path / "out"), "--no-store", "--json"]
    proc = start(cmd, tmp_path / "log.txt")
    try:
        assert wait_for(lambda: len(family(proc.pid)) >= 2 and any(work.glob("ensemble-*/chunk-*.nc")), 120), (
            "the run never had two workers busy: " + (tmp_path / "log.txt").read_text()[-2000:]
        )
        workers = family(proc.pid)
    except BaseException:
        os.killpg(proc.pid, signal.SIGKILL)
        raise
    survivors = _kill_parent_and_check(proc, workers, timeout=10)
    assert not survivors, f"{len(survivors)} of {len(workers)} worker(s) outlived the killed run"


@pytest.mark.slow
def test_sigkill_of_a_ray_run_leaves_no_cluster_process(tmp_path: Path) -> None:
    pytest.importorskip("ray")
    cmd = cli("run", str(_scenario(tmp_path)), "--members", "400", "--chunk-size", "2", "--backend", "ray")
    cmd += ["--out", str(tmp_path / "out"), "--no-store", "--json"]
    proc = start(cmd, tmp_path / "log.txt")

    def busy() -> bool:
        return any(b"ray::reduce_chunk" in Path(f"/proc/{p}/cmdline").read_bytes() for p in family(proc.pid) if Path(f"/proc/{p}/cmdline").exists())

    try:
        assert wait_for(busy, 180, step=0.2), "Ray never ran a chunk: " + (tmp_path / "log.txt").read_text()[-2000:]
        wait_for(lambda: False, 2.0)  # let the cluster's agents start, as they would in a long run
        cluster = family(proc.pid)
    except BaseException:
        os.killpg(proc.pid, signal.SIGKILL)
        raise
    survivors = _kill_parent_and_check(proc, cluster, timeout=15)
    assert not survivors, f"{len(survivors)} of {len(cluster)} Ray process(es) outlived the killed driver"


_CHILD = """
import os, sys, time
from supplyshock.analysis import backends
parent = os.getpid()
pid = os.fork()
if pid == 0:
    if sys.argv[1] == "watchdog":
        backends.set_parent_death_signal = lambda sig=None: False  # the portable path only
    backends.die_with_parent(parent, interval=0.1)
    print(os.getpid(), flush=True)
    time.sleep(120)
    os._exit(0)
time.sleep(120)
"""


@pytest.mark.parametrize("how", ["prctl", "watchdog"])
def test_a_worker_dies_with_its_parent(how: str, tmp_path: Path) -> None:
    """Both ways a worker notices its parent's death work on their own."""
    script = tmp_path / "child.py"
    script.write_text(textwrap.dedent(_CHILD), encoding="utf-8")
    proc = subprocess.Popen([sys.executable, str(script), how], stdout=subprocess.PIPE, start_new_session=True)
    assert proc.stdout is not None
    worker = int(proc.stdout.readline())
    assert alive(worker)
    survivors = _kill_parent_and_check(proc, [worker], timeout=5)
    assert not survivors


_DRIVER = """
import subprocess, sys, time
from supplyshock.analysis.backends import ray_fate_sharing
with ray_fate_sharing():
    time.sleep(1.5)  # the reaper notes the driver's children as it runs
    fake = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)", "raylet"])
    print(fake.pid, flush=True)
    time.sleep(2.0)
    if sys.argv[1] == "normal":
        fake.kill()
        fake.wait()
print("done", flush=True)
time.sleep(120)
"""


@pytest.mark.parametrize("end", ["killed", "normal"])
def test_reaper_kills_cluster_processes_only_when_the_driver_dies(end: str, tmp_path: Path) -> None:
    script = tmp_path / "driver.py"
    script.write_text(textwrap.dedent(_DRIVER), encoding="utf-8")
    proc = subprocess.Popen([sys.executable, str(script), end], stdout=subprocess.PIPE, start_new_session=True)
    assert proc.stdout is not None
    fake = int(proc.stdout.readline())
    try:
        if end == "normal":
            assert proc.stdout.readline().strip() == b"done"
            assert not family(proc.pid), "the reaper did not exit at the normal end"
        else:
            wait_for(lambda: False, 1.2)  # at least two scans of the reaper
            survivors = _kill_parent_and_check(proc, [fake], timeout=5)
            assert not survivors, "the reaper left a cluster process of a killed driver running"
    finally:
        kill_all([fake, *family(proc.pid)])
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
