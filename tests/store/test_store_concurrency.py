"""Two processes using one run store: lock waits, and a clear error when a lock is held too long."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from store_helpers import Saver, make_results

from supplyshock.errors import StoreError
from supplyshock.store import RunStore

# ------------------------------------------------------------------ concurrency

_WRITER = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {tests!r})
    from store_helpers import make_results
    from supplyshock.store import RunStore

    store_path, results_path, tag, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    store = RunStore(store_path, lock_timeout=60)
    for i in range(n):
        ds = make_results(scenario_name=f"{{tag}}-{{i}}")
        store.record_run(ds, results_path=results_path)
        store.list_runs()
    print("ok")
    """
)


def test_two_processes_writing_at_once(tmp_path: Path, saved: Saver) -> None:
    store_path = tmp_path / "runs.duckdb"
    results = saved(make_results())
    script = _WRITER.format(tests=str(Path(__file__).parent))
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    n = 6
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(store_path), str(results), tag, str(n)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for tag in ("a", "b")
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
        assert out.strip() == "ok"
    frame = RunStore(store_path).list_runs()
    assert len(frame) == 2 * n
    assert frame["run_id"].is_unique
    assert sorted(frame["scenario_name"]) == sorted(f"{tag}-{i}" for tag in ("a", "b") for i in range(n))


def test_lock_held_too_long_fails_clearly(tmp_path: Path) -> None:
    store_path = tmp_path / "runs.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time\ncon = duckdb.connect(sys.argv[1])\nprint('locked', flush=True)\ntime.sleep(30)\n",
            str(store_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        started = time.monotonic()
        with pytest.raises(StoreError, match="locked by another process"):
            RunStore(store_path, lock_timeout=0.5).list_runs()
        assert 0.4 < time.monotonic() - started < 10
    finally:
        holder.kill()
        holder.wait()
    assert RunStore(store_path).list_runs().empty  # usable once the lock is gone
