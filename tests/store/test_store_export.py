"""Loading and exporting the results of recorded runs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from store_helpers import Saver, make_results, record

from supplyshock.errors import StoreError
from supplyshock.store import RunStore, save_results
from supplyshock.store import results as store_mod

# ------------------------------------------------------------------ results and export


def test_load_results(store: RunStore, tmp_path: Path, saved: Saver) -> None:
    ds = make_results()
    rid = record(store, ds, saved)
    xr.testing.assert_identical(store.load_results(rid[:17]), ds)


def test_load_results_of_moved_file(store: RunStore, tmp_path: Path) -> None:
    ds = make_results()
    path = save_results(ds, tmp_path / "r.nc")
    rid = store.record_run(ds, results_path=path)
    path.unlink()
    with pytest.raises(StoreError, match="missing"):
        store.load_results(rid)


def test_export_csv_one_long_file_per_variable(store: RunStore, tmp_path: Path, saved: Saver) -> None:
    ds = make_results(members=2, days=4)
    rid = record(store, ds, saved)
    out = tmp_path / "export"
    written = store.export(rid, "csv", out)
    names = {p.name for p in written}
    assert names == {f"{v}.csv" for v in ds.data_vars} | {"manifest.json"}
    assert sorted(p.name for p in out.iterdir()) == sorted(names)  # no temp files

    short = pd.read_csv(out / "shortfall.csv")
    assert list(short.columns) == ["scenario", "member", "time", "country", "sector", "shortfall"]
    assert len(short) == ds["shortfall"].size
    row = short.iloc[-1]
    expect = ds["shortfall"].sel(
        scenario=row["scenario"],
        member=row["member"],
        time=row["time"],
        country=row["country"],
        sector=row["sector"],
    )
    assert row["shortfall"] == pytest.approx(float(expect))
    assert row["time"] == "2026-01-04"

    trade = pd.read_csv(out / "trade.csv")
    assert list(trade.columns) == [
        "scenario",
        "member",
        "time",
        "link",
        "link_exporter",
        "link_importer",
        "link_product",
        "trade",
    ]
    assert trade.loc[trade["link"] == 2, "link_exporter"].unique().tolist() == ["DEU"]
    price = pd.read_csv(out / "price_index.csv")
    assert set(price["market"]) == {"china", "outside_china"}

    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["run_id"] == rid
    assert manifest["format"] == "csv"
    assert manifest["files"]["output_at_risk"]["units"] == "USD"
    assert manifest["files"]["trade"]["rows"] == len(trade)


def test_export_parquet_selected_variables(store: RunStore, tmp_path: Path, saved: Saver) -> None:
    ds = make_results()
    rid = record(store, ds, saved)
    out = tmp_path / "pq"
    written = store.export(rid, "parquet", out, variables=["inventory", "trade"])
    assert [p.name for p in written] == ["inventory.parquet", "trade.parquet", "manifest.json"]
    inv = pd.read_parquet(out / "inventory.parquet")
    assert list(inv.columns) == ["scenario", "member", "time", "country", "product", "inventory"]
    expected = ds["inventory"].to_dataframe().reset_index()
    np.testing.assert_allclose(inv["inventory"].to_numpy(), expected["inventory"].to_numpy())
    assert pd.api.types.is_datetime64_any_dtype(inv["time"])


def test_export_errors_write_nothing(store: RunStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, saved: Saver) -> None:
    ds = make_results()
    rid = record(store, ds, saved)
    out = tmp_path / "out"
    with pytest.raises(StoreError, match="no variable"):
        store.export(rid, "csv", out, variables=["shortfall", "bogus"])
    with pytest.raises(StoreError, match="unknown export format"):
        store.export(rid, "xlsx", out)

    real = store_mod._write_blocks
    calls: list[str] = []

    def flaky(da: xr.DataArray, name: str, path: Path, fmt: str) -> tuple[list[str], int]:
        calls.append(str(path))
        if len(calls) == 3:
            Path(path).write_text("half a file")
            raise OSError("disk full")
        return real(da, name, path, fmt)

    monkeypatch.setattr(store_mod, "_write_blocks", flaky)
    out.mkdir(exist_ok=True)
    (out / "inventory.csv").write_text("an earlier export\n")
    (out / "production.csv").write_text("an earlier export\n")
    with pytest.raises(StoreError, match="disk full"):
        store.export(rid, "csv", out)
    assert len(calls) == 3
    # the files of an earlier export are untouched, and nothing else was left behind
    assert sorted(p.name for p in out.iterdir()) == ["inventory.csv", "production.csv"]
    assert (out / "inventory.csv").read_text() == "an earlier export\n"
    assert (out / "production.csv").read_text() == "an earlier export\n"


def test_export_replaces_previous_files(store: RunStore, tmp_path: Path, saved: Saver) -> None:
    rid1 = record(store, make_results(seed=1), saved)
    rid2 = record(store, make_results(seed=2, created="2026-12-01T00:00:00Z"), saved)
    out = tmp_path / "out"
    store.export(rid1, "csv", out, variables=["trade"])
    store.export(rid2, "csv", out, variables=["trade"])
    expected = make_results(seed=2)["trade"].to_dataframe().reset_index()
    np.testing.assert_allclose(pd.read_csv(out / "trade.csv")["trade"], expected["trade"])
    assert json.loads((out / "manifest.json").read_text())["run_id"] == rid2
