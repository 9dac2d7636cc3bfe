"""End-to-end tests of the ``runs`` command group (supplyshock.cli.runs)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from click.testing import CliRunner, Result

from supplyshock.cli.runs import runs
from supplyshock.store import RunStore, save_results


def make_results(created: str = "2026-11-29T20:15:01+00:00", scenario_name: str = "china_ban") -> xr.Dataset:
    """A small results dataset with the layout of supplyshock.run's output."""
    rng = np.random.default_rng(7)
    members, days = 2, 4
    countries, products, sectors = ["CHN", "DEU"], ["ndpr_oxide", "ndfeb_magnet"], ["autos", "wind"]
    cp = ("scenario", "member", "time", "country", "product")
    cs = ("scenario", "member", "time", "country", "sector")
    shape = (1, members, days, 2, 2)
    data: dict[str, tuple[tuple[str, ...], np.ndarray, dict[str, str]]] = {}
    for name in ("inventory", "production", "process_use", "imports", "exports", "final_use", "release"):
        data[name] = (cp, rng.random(shape), {"units": "t"})
    for name in ("demand", "delivered", "shortfall"):
        data[name] = (cs, rng.random(shape), {"units": "t"})
    data["output_at_risk"] = (cs, rng.random(shape), {"units": "USD"})
    data["trade"] = (("scenario", "member", "time", "link"), rng.random((1, members, days, 2)), {"units": "t"})
    data["price_index"] = (("scenario", "member", "time", "market", "product"), rng.random(shape), {"units": "1"})
    ds = xr.Dataset(
        data,
        coords={
            "scenario": [scenario_name],
            "member": np.arange(members),
            "time": pd.date_range("2026-01-01", periods=days, freq="D"),
            "country": countries,
            "product": products,
            "sector": sectors,
            "link": np.arange(2),
            "market": ["china", "outside_china"],
            "link_exporter": ("link", ["CHN", "CHN"]),
            "link_importer": ("link", ["DEU", "DEU"]),
            "link_product": ("link", ["ndpr_oxide", "ndfeb_magnet"]),
        },
    )
    ds.attrs = {
        "supplyshock_version": "0.1.0",
        "scenario_name": scenario_name,
        "scenario_sha256": "cd" * 32,
        "dataset": "rare_earths",
        "seed": 11,
        "created": created,
        "scenario_yaml": f"name: {scenario_name}\nevents: []\n",
    }
    return ds


SUMMARY = pd.DataFrame(
    {
        "country": ["CHN", "DEU"],
        "sector": ["autos", "wind"],
        "days_to_first_shortfall": [np.nan, 17.0],
        "peak_shortfall_pct": [0.0, 42.5],
        "cumulative_shortfall_t": [0.0, 1234.0],
        "output_at_risk_usd": [0.0, 98765.0],
        "first_stoppage_day": [float("nan"), 40.0],
        "peak_stopped_pct": [0.0, 35.0],
        "plant_days_lost": [0.0, 12.5],
        "days_short": [0.0, 30.0],
    }
)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "home"
    monkeypatch.setenv("SUPPLYSHOCK_HOME", str(path))
    monkeypatch.delenv("COLUMNS", raising=False)
    return path


@pytest.fixture
def recorded(home: Path, tmp_path: Path) -> tuple[str, str]:
    """Two runs in the default store: (older id, newer id)."""
    store = RunStore()
    ids = []
    for i, (created, name) in enumerate([("2026-11-01T08:00:00Z", "china_ban"), ("2026-11-29T20:15:01Z", "dy_tb_licence")]):
        ds = make_results(created=created, scenario_name=name)
        path = save_results(ds, tmp_path / f"run{i}.nc")
        ids.append(store.record_run(ds, results_path=path, summary=SUMMARY, params={"members": 2}))
    return ids[0], ids[1]


def invoke(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(runs, list(args), input=input)


def assert_user_error(result: Result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)  # not a traceback
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in lines[0]


def test_list_shows_runs_newest_first(recorded: tuple[str, str]) -> None:
    older, newer = recorded
    result = invoke("list")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert older in out and newer in out
    assert out.index(newer) < out.index(older)
    for text in ("china_ban", "dy_tb_licence", "complete", "2026-11-29 20:15"):
        assert text in out
    header = next(line for line in out.splitlines() if "scenario" in line)
    for column in ("id", "bers", "created", "status"):
        assert column in header
    assert max(len(line.rstrip()) for line in out.splitlines()) <= 200


def test_list_empty_store(home: Path) -> None:
    result = invoke("list")
    assert result.exit_code == 0
    assert "No runs recorded" in result.stdout
    assert not (home / "runs.duckdb").exists()


def test_show_by_prefix_prints_metadata_and_summary(recorded: tuple[str, str]) -> None:
    _, newer = recorded
    result = invoke("show", newer[:18], "--yaml")
    assert result.exit_code == 0, result.output
    out = result.stdout
    for text in (newer, "dy_tb_licence", "cd" * 8, "rare_earths", "2026-01-01 .. 2026-01-04", '{"members": 2}'):
        assert text in out
    deu = next(line for line in out.splitlines() if "DEU" in line)
    for text in ("wind", "2026-01-18", "42", "1,234.0"):
        assert text in deu
    assert "Who runs short (median member; 1 of" in out, "only the country-sectors that run short are listed"
    assert not [line for line in out.splitlines() if "CHN" in line and "│" in line], "China does not run short"
    assert "events: []" in out


def test_store_option_overrides_home(home: Path, tmp_path: Path) -> None:
    other = tmp_path / "elsewhere" / "runs.duckdb"
    ds = make_results()
    rid = RunStore(other).record_run(ds, results_path=save_results(ds, tmp_path / "x.nc"))
    assert rid not in invoke("list").stdout
    result = invoke("list", "--store", str(other))
    assert result.exit_code == 0
    assert rid in result.stdout
    assert invoke("show", rid, "--store", str(other)).exit_code == 0
    assert_user_error(invoke("show", rid), rid, "supplyshock runs list")


def test_export_csv_and_parquet(recorded: tuple[str, str], tmp_path: Path) -> None:
    older, _ = recorded
    out = tmp_path / "csv"
    result = invoke("export", older, "--out", str(out))
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in out.iterdir())
    assert "shortfall.csv" in files and "trade.csv" in files and "manifest.json" in files
    assert len(files) == 14
    assert str(out / "shortfall.csv") in result.stdout
    frame = pd.read_csv(out / "output_at_risk.csv")
    assert list(frame.columns) == ["scenario", "member", "time", "country", "sector", "output_at_risk"]
    assert len(frame) == 1 * 2 * 4 * 2 * 2
    assert json.loads((out / "manifest.json").read_text())["files"]["output_at_risk"]["units"] == "USD"

    pq = tmp_path / "pq"
    result = invoke("export", older[:17], "--format", "parquet", "--out", str(pq), "--variable", "trade", "--variable", "price_index")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in pq.iterdir()) == ["manifest.json", "price_index.parquet", "trade.parquet"]
    trade = pd.read_parquet(pq / "trade.parquet")
    assert set(trade["link_product"]) == {"ndpr_oxide", "ndfeb_magnet"}


def test_export_unknown_variable_is_a_clean_error(recorded: tuple[str, str], tmp_path: Path) -> None:
    older, _ = recorded
    out = tmp_path / "out"
    assert_user_error(invoke("export", older, "--out", str(out), "--variable", "bogus"), "bogus", "available")
    assert not out.exists() or list(out.iterdir()) == []


def test_bad_format_is_a_usage_error(recorded: tuple[str, str], tmp_path: Path) -> None:
    result = invoke("export", recorded[0], "--format", "xlsx", "--out", str(tmp_path / "o"))
    assert result.exit_code == 2
    assert "xlsx" in result.stderr


def test_delete(recorded: tuple[str, str], tmp_path: Path) -> None:
    older, newer = recorded
    result = invoke("delete", older)  # asks first; CliRunner gives no input -> aborted
    assert result.exit_code == 1
    assert older in invoke("list").stdout

    result = invoke("delete", older, input="y\n")
    assert result.exit_code == 0, result.output
    assert f"Deleted run {older}" in result.stdout
    listing = invoke("list").stdout
    assert older not in listing and newer in listing
    assert (tmp_path / "run0.nc").exists()

    result = invoke("delete", newer[:18], "--yes", "--purge")
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "run1.nc").exists()
    assert "No runs recorded" in invoke("list").stdout
    assert_user_error(invoke("delete", newer, "--yes"), newer, "supplyshock runs list")


def test_unknown_and_ambiguous_ids(recorded: tuple[str, str]) -> None:
    assert_user_error(invoke("show", "nope"), "no run 'nope'", "supplyshock runs list")
    assert_user_error(invoke("show", "2026"), "ambiguous", "2 runs")
    assert_user_error(invoke("export", "nope", "--out", "x"), "no run 'nope'")


def test_missing_results_file_is_a_clean_error(recorded: tuple[str, str], tmp_path: Path) -> None:
    older, _ = recorded
    (tmp_path / "run0.nc").unlink()
    assert_user_error(invoke("export", older, "--out", str(tmp_path / "o")), "missing", f"runs delete {older}")


def test_corrupt_store_is_a_clean_error(tmp_path: Path) -> None:
    bogus = tmp_path / "runs.duckdb"
    bogus.write_text("not a database")
    assert_user_error(invoke("list", "--store", str(bogus)), "cannot open run store")
