"""Sweeps land in the store keyed by their parameters and resume; sensitivity ranks inputs."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from supplyshock import load_scenario
from supplyshock.analysis.backends import EnsembleError
from supplyshock.analysis.sensitivity import sensitivity
from supplyshock.analysis.sweep import load_sweep, run_sweep
from supplyshock.cli import main
from supplyshock.errors import ScenarioError
from supplyshock.store import RunStore

SWEEP = """name: small
scenario: {scenario}
members: 1
axes:
  - name: approval
    path: events.lic.approval
    values: [0.0, 0.5, 1.0]
  - name: duration_days
    path: events.lic.duration_days
    values: [30, 100]
"""


def _spec(tmp_path: Path, uncertain_file: Path, text: str = SWEEP) -> Path:
    path = tmp_path / "sweep.yaml"
    path.write_text(text.format(scenario=uncertain_file), encoding="utf-8")
    return path


def test_sweep_grid_store_and_resume(tmp_path: Path, uncertain_file: Path) -> None:
    spec = load_sweep(_spec(tmp_path, uncertain_file))
    store = RunStore(tmp_path / "runs.duckdb")
    computed: list[dict[str, object]] = []
    grid = run_sweep(spec, store=store, on_point=computed.append)
    assert len(grid) == 6 and len(computed) == 6
    # monotone in approval for a fixed duration: more approval, less shortfall
    for d in (30, 100):
        sub = grid[grid["duration_days"] == d].sort_values("approval")
        assert sub["total_shortfall_t"].is_monotonic_decreasing
    assert grid.loc[grid["approval"] == 1.0, "total_shortfall_t"].max() == 0.0
    again: list[dict[str, object]] = []
    grid2 = run_sweep(spec, store=store, on_point=again.append)
    assert again == [] and len(grid2) == 6


def test_sweep_bad_paths(tmp_path: Path, uncertain_file: Path) -> None:
    bad = SWEEP.replace("events.lic.approval", "events.nope.approval")
    spec = load_sweep(_spec(tmp_path, uncertain_file, bad))
    with pytest.raises(ScenarioError, match="no event with id 'nope'"):
        run_sweep(spec, store=RunStore(tmp_path / "s.duckdb"))
    bad = SWEEP.replace("values: [0.0, 0.5, 1.0]", "values: [0.0, 1.5]")
    spec = load_sweep(_spec(tmp_path, uncertain_file, bad))
    with pytest.raises(ScenarioError, match="approval"):
        run_sweep(spec, store=RunStore(tmp_path / "s.duckdb"))


def test_sweep_cli_table_and_heatmap(tmp_path: Path, uncertain_file: Path) -> None:
    spec = _spec(tmp_path, uncertain_file)
    res = CliRunner().invoke(main, ["sweep", str(spec), "--store", str(tmp_path / "r.duckdb"), "--plot", str(tmp_path / "h.png")])
    assert res.exit_code == 0, res.output
    assert "total_shortfall_t" in res.output
    assert (tmp_path / "h.png").stat().st_size > 1000


def test_sobol_ranks_the_inputs(uncertain_file: Path) -> None:
    sc = load_scenario(uncertain_file)
    df = sensitivity(sc, method="sobol", n=16, chunk_size=200)
    assert df.attrs["runs"] == 16 * (3 + 2)
    tot = df[df["output"] == "total_shortfall_t"].set_index("parameter")
    # with China the only magnet supplier there is nowhere to switch to: the lag cannot matter
    assert tot.loc["switching_lag_days", "ST"] < 1e-3 * tot["ST"].max()
    assert tot["ST"].idxmax() in {"cover_scale", "approval_scale"}


def test_morris_and_errors(uncertain_file: Path) -> None:
    sc = load_scenario(uncertain_file)
    df = sensitivity(sc, method="morris", n=4)
    tot = df[df["output"] == "total_shortfall_t"].set_index("parameter")
    assert tot.loc["switching_lag_days", "mu_star"] < 1e-3 * tot["mu_star"].max()
    with pytest.raises(EnsembleError, match="unknown method"):
        sensitivity(sc, method="fast")
    with pytest.raises(EnsembleError, match="at least two"):
        sensitivity(sc.model_copy(update={"uncertain": sc.uncertain[:1], "correlation": []}))


def test_sensitivity_cli(uncertain_file: Path) -> None:
    res = CliRunner().invoke(main, ["sensitivity", str(uncertain_file), "-N", "8", "--method", "morris"])
    assert res.exit_code == 0, res.output
    assert "mu_star" in res.output
