"""Fault tests: runs and sweeps killed at random points, a locked store, a full disk,
concurrent writers, damaged files. Each ends in a consistent store and a clear message."""

from __future__ import annotations

import json
import os
import random
import resource
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from reliability_helpers import UNCERTAIN_YAML, cli, start, wait_for

from supplyshock import load_scenario
from supplyshock.analysis.chunks import run_ensemble
from supplyshock.analysis.pipeline import CLAIM_FILE, RunRequest, execute
from supplyshock.errors import StoreError
from supplyshock.store import RunStore

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="signals, process groups and resource limits of Linux")


@pytest.fixture
def scenario_file(tmp_path: Path) -> Path:
    path = tmp_path / "unc.yaml"
    path.write_text(UNCERTAIN_YAML, encoding="utf-8")
    return path


def _consistent(store: RunStore) -> None:
    """The store's every record points at its unchanged file (supplyshock runs check)."""
    problems = store.check()
    assert problems.empty, problems.to_string()


def _no_leftovers(*folders: Path) -> None:
    for folder in folders:
        left = [p.name for p in folder.rglob(".*.tmp")] if folder.exists() else []
        assert not left, f"half-written files left in {folder}: {left}"


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


# ---------------------------------------------------------------------- killed at random points


def test_chunked_run_killed_at_random_points_resumes_exactly(scenario_file: Path, tmp_path: Path) -> None:
    """SIGKILL a chunked run three times at random moments (before, during and between
    chunks, possibly while saving), then let it finish: every member once, the same numbers
    as an uninterrupted run, one store record, nothing half-written."""
    work, out, store_path = tmp_path / "work", tmp_path / "out", tmp_path / "runs.duckdb"
    cmd = cli("run", str(scenario_file), "--members", "48", "--chunk-size", "4", "--workdir", str(work))
    cmd += ["--out", str(out), "--store", str(store_path), "--json", "--no-economy"]
    rng = random.Random(20261130)
    kills = 0
    for attempt in range(3):
        proc = start(cmd, tmp_path / f"log{attempt}.txt")
        logs = list(work.glob("ensemble-*/computed.log"))
        done_before = len(logs[0].read_text().split()) if logs else 0
        target = done_before + rng.randint(0, 3)

        def reached(target: int = target, proc: subprocess.Popen[bytes] = proc) -> bool:
            found = list(work.glob("ensemble-*/computed.log"))
            return proc.poll() is not None or (bool(found) and len(found[0].read_text().split()) >= target)

        wait_for(reached, 180)
        time.sleep(rng.uniform(0.0, 0.4))  # anywhere inside the next chunk or the save
        if proc.poll() is None:
            kills += 1
        _kill_group(proc)
    assert kills >= 1, "the run finished before any kill: make it longer"
    final = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)
    store = RunStore(store_path)
    runs = store.list_runs()
    if final.returncode != 0:  # a killed attempt had finished and recorded the run just before its kill
        assert "already holds the results" in final.stderr and len(runs) == 1, final.stderr
    else:
        assert json.loads(final.stdout)["recorded"]
    assert len(runs) == 1, "one run, recorded once"
    _consistent(store)
    _no_leftovers(out, work)
    assert not (out / CLAIM_FILE).exists()
    with xr.open_dataset(out / "ensemble.nc", engine="h5netcdf") as f:
        resumed = f.load()
    fresh = run_ensemble(load_scenario(scenario_file), members=48, chunk_size=4)
    np.testing.assert_array_equal(resumed["member"].values, np.arange(48))
    for name in ("cumulative_shortfall_t", "output_at_risk_usd", "short_count"):
        np.testing.assert_array_equal(resumed[name].values, fresh[name].values)


SWEEP = """
name: approval-sweep
scenario: {scenario}
members: 1
axes:
  - name: approval
    path: events.lic.approval
    values: [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
"""


def test_sweep_killed_at_random_points_resumes_exactly(scenario_file: Path, tmp_path: Path) -> None:
    spec = tmp_path / "sweep.yaml"
    spec.write_text(SWEEP.format(scenario=scenario_file), encoding="utf-8")
    store_path = tmp_path / "runs.duckdb"
    cmd = cli("sweep", str(spec), "--store", str(store_path))
    rng = random.Random(7)
    from supplyshock.analysis.sweep import load_sweep

    sweep_id = load_sweep(spec).sweep_id
    for attempt in range(2):
        proc = start(cmd, tmp_path / f"log{attempt}.txt")
        before = len(RunStore(store_path).sweep_points(sweep_id)) if store_path.exists() else 0
        target = before + rng.randint(1, 3)

        def reached(target: int = target, proc: subprocess.Popen[bytes] = proc) -> bool:
            if proc.poll() is not None:
                return True
            try:
                return len(RunStore(store_path, lock_timeout=0.2).sweep_points(sweep_id)) >= target
            except StoreError:
                return False  # the sweep holds the store at this moment

        wait_for(reached, 180, step=0.2)
        time.sleep(rng.uniform(0.0, 0.3))
        _kill_group(proc)
    final = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)
    assert final.returncode == 0, final.stderr
    points = RunStore(store_path).sweep_points(sweep_id)
    assert sorted(points["approval"]) == pytest.approx([i / 10 for i in range(10)]), "every point once, none lost"
    clean = tmp_path / "clean.duckdb"
    assert subprocess.run(cli("sweep", str(spec), "--store", str(clean)), capture_output=True, timeout=600, check=False).returncode == 0
    fresh = RunStore(clean).sweep_points(sweep_id).sort_values("approval").reset_index(drop=True)
    resumed = points.sort_values("approval").reset_index(drop=True)
    for col in fresh.columns:
        np.testing.assert_allclose(resumed[col].to_numpy(dtype=float), fresh[col].to_numpy(dtype=float), equal_nan=True)


# ---------------------------------------------------------------------- a locked store


_HOLDER = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("CREATE TABLE IF NOT EXISTS holder (x INTEGER)")
print("holding", flush=True)
time.sleep(float(sys.argv[2]))
con.close()
"""


def _hold(store_path: Path, seconds: float, tmp_path: Path) -> subprocess.Popen[bytes]:
    script = tmp_path / "holder.py"
    script.write_text(textwrap.dedent(_HOLDER), encoding="utf-8")
    proc = subprocess.Popen([sys.executable, str(script), str(store_path), str(seconds)], stdout=subprocess.PIPE)
    assert proc.stdout is not None and proc.stdout.readline().strip() == b"holding"
    return proc


def test_a_store_locked_by_another_process_fails_before_running(scenario_file: Path, tmp_path: Path) -> None:
    store_path = tmp_path / "runs.duckdb"
    RunStore(store_path).check_writable()
    holder = _hold(store_path, 30, tmp_path)
    try:
        out = tmp_path / "out"
        request = RunRequest(scenario=load_scenario(scenario_file), out_dir=out, store=RunStore(store_path, lock_timeout=0.5), economy=False)
        with pytest.raises(StoreError, match="locked by another process"):
            execute(request)
        assert not out.exists(), "nothing is written when the store cannot be opened"
    finally:
        holder.kill()
        holder.wait()
    assert RunStore(store_path).list_runs().empty
    _consistent(RunStore(store_path))


def test_a_store_locked_for_a_while_is_waited_for(scenario_file: Path, tmp_path: Path) -> None:
    store_path = tmp_path / "runs.duckdb"
    RunStore(store_path).check_writable()
    holder = _hold(store_path, 2.0, tmp_path)
    try:
        res = subprocess.run(
            cli("run", str(scenario_file), "--members", "1", "--out", str(tmp_path / "out"), "--store", str(store_path), "--json"),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    finally:
        holder.wait()
    assert res.returncode == 0, res.stderr
    assert len(RunStore(store_path).list_runs()) == 1
    _consistent(RunStore(store_path))


# ---------------------------------------------------------------------- a full disk


def _limit_file_size(limit: int) -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead of killing
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def _run_limited(args: list[str], limit: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cli(*args), capture_output=True, text=True, timeout=300, check=False, preexec_fn=lambda: _limit_file_size(limit))


def test_a_full_disk_leaves_no_orphan_folder_and_no_record(scenario_file: Path, tmp_path: Path) -> None:
    """Files cannot grow (a file-size limit stands for a full disk): a clear message, no run
    folder, no store record, no temporary file, whether the results or the store fail."""
    out = tmp_path / "out"
    res = _run_limited(["run", str(scenario_file), "--members", "2", "--out", str(out), "--no-store", "--no-economy"], 64 * 1024)
    assert res.returncode == 2, res.stderr
    assert "Traceback" not in res.stderr and "cannot write results" in res.stderr and "File too large" in res.stderr, res.stderr
    assert not out.exists(), "no orphan folder"
    _no_leftovers(tmp_path)
    store_path = tmp_path / "runs.duckdb"
    RunStore(store_path).check_writable()  # about 800 kB, beyond the limit: whichever fails first, results or store
    res = _run_limited(["run", str(scenario_file), "--members", "2", "--out", str(out), "--store", str(store_path), "--no-economy"], 64 * 1024)
    assert res.returncode == 2 and "Traceback" not in res.stderr and "cannot" in res.stderr, res.stderr
    assert not out.exists(), "no orphan folder"
    assert RunStore(store_path).list_runs().empty
    _consistent(RunStore(store_path))
    _no_leftovers(tmp_path)


# ---------------------------------------------------------------------- concurrent writers


def test_concurrent_writers_to_one_store_and_one_folder(scenario_file: Path, tmp_path: Path) -> None:
    store_path = tmp_path / "runs.duckdb"
    base = ["--members", "1", "--store", str(store_path), "--json", "--no-economy"]
    procs = [start(cli("run", str(scenario_file), "--out", str(tmp_path / f"own{i}"), *base), tmp_path / f"own{i}.log") for i in range(3)]
    procs += [start(cli("run", str(scenario_file), "--out", str(tmp_path / "shared"), *base), tmp_path / f"shared{i}.log") for i in range(2)]
    codes = [p.wait(timeout=600) for p in procs]
    logs = [(tmp_path / n).read_text() for n in ("own0.log", "own1.log", "own2.log", "shared0.log", "shared1.log")]
    assert codes[:3] == [0, 0, 0], logs[:3]
    assert sorted(codes[3:]) == [0, 2], logs[3:]
    loser = logs[3] if codes[3] == 2 else logs[4]
    assert "being written by run" in loser or "already holds the results" in loser, loser
    assert "Traceback" not in loser
    store = RunStore(store_path)
    assert len(store.list_runs()) == 4, "four runs recorded, each once"
    _consistent(store)
    _no_leftovers(tmp_path)


# ---------------------------------------------------------------------- damaged files


def test_a_corrupted_results_file_is_found_and_marked(scenario_file: Path, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from supplyshock.cli import main

    store_path = tmp_path / "runs.duckdb"
    outcome = execute(RunRequest(scenario=load_scenario(scenario_file), out_dir=tmp_path / "out", store=RunStore(store_path), economy=False))
    data = bytearray(outcome.results_path.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 64] = b"\x00" * 64
    outcome.results_path.write_bytes(bytes(data))
    runner = CliRunner()
    export = runner.invoke(main, ["runs", "export", outcome.run_id, "--out", str(tmp_path / "exp"), "--store", str(store_path)])
    assert export.exit_code == 2 and "has changed since the run was recorded" in export.output, export.output
    assert not (tmp_path / "exp").exists() or not any((tmp_path / "exp").iterdir())
    check = runner.invoke(main, ["runs", "check", "--store", str(store_path)])
    assert check.exit_code == 1 and outcome.run_id in check.output
    repair = runner.invoke(main, ["runs", "check", "--repair", "--store", str(store_path)])
    assert repair.exit_code == 0 and "marked 'changed'" in repair.output
    assert runner.invoke(main, ["runs", "check", "--store", str(store_path)]).exit_code == 0, "consistent after the repair"
    assert RunStore(store_path).get_run(outcome.run_id)["status"] == "changed"


def test_a_corrupted_chunk_is_computed_again(scenario_file: Path, tmp_path: Path) -> None:
    sc = load_scenario(scenario_file)
    first = run_ensemble(sc, members=12, chunk_size=4, workdir=tmp_path)
    chunk = next(tmp_path.glob("ensemble-*/chunk-00001.nc"))
    chunk.write_bytes(b"not a netCDF file")
    notes: list[str] = []
    again: list[int] = []
    second = run_ensemble(sc, members=12, chunk_size=4, workdir=tmp_path, on_chunk=again.append, notice=notes.append)
    assert again == [1] and "chunk-00001.nc" in notes[0] and "computed again" in notes[0]
    xr.testing.assert_identical(first.drop_attrs(), second.drop_attrs())


def test_a_dead_runs_folder_is_taken_over(scenario_file: Path, tmp_path: Path) -> None:
    """A run that died after writing its results but before recording them left a marker:
    the next run into that folder removes the unrecorded results and runs."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "results.nc").write_bytes(b"complete but never recorded")
    (out / ".results.nc.abc.tmp").write_bytes(b"half")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    import socket

    (out / CLAIM_FILE).write_text(json.dumps({"run_id": "dead", "pid": dead.pid, "host": socket.gethostname(), "started": "then"}))
    store = RunStore(tmp_path / "runs.duckdb")
    outcome = execute(RunRequest(scenario=load_scenario(scenario_file), out_dir=out, store=store, economy=False))
    assert outcome.recorded and outcome.results_path == out / "results.nc"
    assert not (out / CLAIM_FILE).exists() and not list(out.glob(".*.tmp"))
    _consistent(store)
