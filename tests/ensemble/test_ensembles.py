"""Ensembles: chunking, backends and resumption give the members of one full run, exactly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from click.testing import CliRunner

from supplyshock import load_scenario, run
from supplyshock.analysis.bands import member_metrics, metric_bands, shortfall_probability
from supplyshock.analysis.chunks import EnsembleError, run_ensemble
from supplyshock.cli import main
from supplyshock.testing import BATCH_ATOL, BATCH_RTOL


def test_members_differ_and_metrics_match_a_full_run(uncertain_file: Path) -> None:
    sc = load_scenario(uncertain_file)
    full = run(sc)
    assert full.sizes["member"] == 24
    pv = full["parameter_value"].to_pandas()
    assert pv["approval_scale"].nunique() == 24
    mm = member_metrics(full)
    ens = run_ensemble(sc, chunk_size=7)
    # one definition of the metrics: the full run's replay and the chunks' online accumulation
    # agree (within BATCH_RTOL: the chunks have another batch shape)
    for name in ("cumulative_shortfall_t", "output_at_risk_usd", "peak_shortfall_pct"):
        np.testing.assert_allclose(mm[name].values, ens[name].values, rtol=BATCH_RTOL, atol=BATCH_ATOL)
    np.testing.assert_array_equal(np.isnan(mm["days_to_first_shortfall"].values), np.isnan(ens["days_to_first_shortfall"].values))
    prob_full = shortfall_probability(full)
    np.testing.assert_allclose(prob_full.values, shortfall_probability(ens).values)
    # probability of a shortfall by a date never falls
    assert (np.diff(shortfall_probability(ens).values, axis=0) >= 0).all()


def test_chunk_size_does_not_change_results(uncertain_file: Path) -> None:
    sc = load_scenario(uncertain_file)
    a = run_ensemble(sc, chunk_size=24)
    b = run_ensemble(sc, chunk_size=5)
    xr.testing.assert_allclose(a.drop_attrs(), b.drop_attrs(), rtol=BATCH_RTOL, atol=BATCH_ATOL)


def test_bands_are_ordered(uncertain_file: Path) -> None:
    ens = run_ensemble(load_scenario(uncertain_file), chunk_size=12)
    bands = metric_bands(ens)
    short = bands[bands["p_short"] > 0]
    assert len(short)
    for m in ("peak_shortfall_pct", "cumulative_shortfall_t", "output_at_risk_usd"):
        assert (short[f"{m}_p5"] <= short[f"{m}_p50"] + 1e-9).all()
        assert (short[f"{m}_p50"] <= short[f"{m}_p95"] + 1e-9).all()


def test_ray_backend_matches_local(uncertain_file: Path) -> None:
    pytest.importorskip("ray")
    sc = load_scenario(uncertain_file)
    local = run_ensemble(sc, chunk_size=8)
    remote = run_ensemble(sc, chunk_size=8, backend="ray")
    xr.testing.assert_identical(local.drop_attrs(), remote.drop_attrs())  # same chunks: bit-identical


def test_unreachable_ray_cluster_is_a_clear_error(uncertain_file: Path) -> None:
    pytest.importorskip("ray")
    with pytest.raises(EnsembleError, match="cannot reach the Ray cluster"):
        run_ensemble(load_scenario(uncertain_file), chunk_size=8, backend="ray", ray_address="127.0.0.1:9")


def test_unknown_backend(uncertain_file: Path) -> None:
    with pytest.raises(EnsembleError, match="unknown backend"):
        run_ensemble(load_scenario(uncertain_file), backend="dask")


def test_resume_reuses_finished_chunks(uncertain_file: Path, tmp_path: Path) -> None:
    sc = load_scenario(uncertain_file)
    computed: list[int] = []

    class Stop(Exception):
        pass

    def stop_after_two(i: int) -> None:
        computed.append(i)
        if len(computed) == 2:
            raise Stop

    with pytest.raises(Stop):
        run_ensemble(sc, chunk_size=6, workdir=tmp_path, on_chunk=stop_after_two)
    again: list[int] = []
    resumed = run_ensemble(sc, chunk_size=6, workdir=tmp_path, on_chunk=again.append)
    assert sorted(computed + again) == [0, 1, 2, 3]
    xr.testing.assert_identical(resumed.drop_attrs(), run_ensemble(sc, chunk_size=6).drop_attrs())


def test_killed_run_resumes_without_duplicates(uncertain_file: Path, tmp_path: Path) -> None:
    """Kill a CLI ensemble mid-way with SIGKILL, run it again: every chunk computed once."""
    work, out = tmp_path / "work", tmp_path / "out"
    cmd = [
        sys.executable,
        "-m",
        "supplyshock",
        "run",
        str(uncertain_file),
        "--members",
        "80",
        "--chunk-size",
        "4",
        "--workdir",
        str(work),
        "--out",
        str(out),
        "--no-store",
        "--json",
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 300
    log = None
    while time.monotonic() < deadline:
        logs = list(work.glob("ensemble-*/computed.log"))
        if logs and len(logs[0].read_text().split()) >= 3:
            log = logs[0]
            break
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert log is not None, "the run finished or failed before it could be killed"
    before = log.read_text().split()
    assert 3 <= len(before) < 20
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=600)
    assert done.returncode == 0, done.stderr
    after = [int(x) for x in log.read_text().split()]
    assert sorted(after) == list(range(20)), "a chunk was computed twice or lost"
    assert len(list(log.parent.glob("chunk-*.nc"))) == 20
    assert not list(log.parent.glob(".*tmp")), "a half-written chunk was left behind"
    with xr.open_dataset(out / "ensemble.nc", engine="h5netcdf") as f:
        resumed = f.load()
    fresh = run_ensemble(load_scenario(uncertain_file), members=80, chunk_size=4)
    for name in ("cumulative_shortfall_t", "output_at_risk_usd", "short_count"):
        np.testing.assert_array_equal(resumed[name].values, fresh[name].values)


def test_cli_members_show_bands(uncertain_file: Path, tmp_path: Path) -> None:
    res = CliRunner().invoke(main, ["run", str(uncertain_file), "--members", "12", "--chunk-size", "4", "--out", str(tmp_path / "o")])
    assert res.exit_code == 0, res.output
    assert "Ensemble of 12 members: when each sector runs short" in res.output and "Probability of a shortfall" in res.output
    assert (tmp_path / "o" / "ensemble.nc").exists()
