"""Helpers of the run store tests (a module with a unique name, importable from the tests and their subprocesses)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import xarray as xr

from supplyshock.store import RunStore

NODE_VARS = ("inventory", "production", "process_use", "imports", "exports", "final_use", "release")
SECTOR_VARS = ("demand", "delivered", "shortfall")
RUN_ID_RE = re.compile(r"^\d{8}-\d{6}-[0-9a-f]{6}$")


def make_results(
    members: int = 2,
    days: int = 5,
    *,
    seed: int = 0,
    created: str = "2026-11-29T20:15:01+00:00",
    scenario_name: str = "china_ban",
) -> xr.Dataset:
    """A small results dataset with the layout of supplyshock.run's output."""
    rng = np.random.default_rng(seed)
    countries, products, sectors = (
        ["CHN", "DEU", "USA"],
        ["ndpr_oxide", "ndfeb_magnet"],
        [
            "autos",
            "wind",
        ],
    )
    n_links = 3
    shape_cp = (1, members, days, len(countries), len(products))
    shape_cs = (1, members, days, len(countries), len(sectors))
    cp = ("scenario", "member", "time", "country", "product")
    cs = ("scenario", "member", "time", "country", "sector")
    data: dict[str, Any] = {}
    for name in NODE_VARS:
        data[name] = (cp, rng.random(shape_cp), {"units": "t"})
    for name in SECTOR_VARS:
        data[name] = (cs, rng.random(shape_cs), {"units": "t"})
    data["output_at_risk"] = (cs, rng.random(shape_cs) * 1e6, {"units": "USD"})
    data["trade"] = (
        ("scenario", "member", "time", "link"),
        rng.random((1, members, days, n_links)),
        {"units": "t"},
    )
    data["price_index"] = (
        ("scenario", "member", "time", "market", "product"),
        1 + rng.random((1, members, days, 2, len(products))),
        {"units": "1"},
    )
    coords = {
        "scenario": [scenario_name],
        "member": np.arange(members),
        "time": pd.date_range("2026-01-01", periods=days, freq="D"),
        "country": countries,
        "product": products,
        "sector": sectors,
        "link": np.arange(n_links),
        "market": ["china", "outside_china"],
        "link_exporter": ("link", ["CHN", "CHN", "DEU"]),
        "link_importer": ("link", ["DEU", "USA", "USA"]),
        "link_product": ("link", ["ndfeb_magnet", "ndpr_oxide", "ndfeb_magnet"]),
    }
    ds = xr.Dataset(data, coords=coords)
    ds.attrs = {
        "supplyshock_version": "0.1.0",
        "scenario_name": scenario_name,
        "scenario_sha256": "ab" * 32,
        "dataset": "rare_earths",
        "seed": 42,
        "created": created,
        "scenario_yaml": f"name: {scenario_name}\ndataset: rare_earths\n",
    }
    return ds


def make_summary() -> pd.DataFrame:
    """A summary in the layout of supplyshock.analysis.summary.summarise."""
    frame = pd.DataFrame(
        {
            "days_to_first_shortfall": [np.nan, 3.0],
            "peak_shortfall_pct": [0.0, 12.5],
            "cumulative_shortfall_t": [0.0, 100.0],
            "output_at_risk_usd": [0.0, 2.5e6],
            "first_stoppage_day": [float("nan"), 40.0],
            "peak_stopped_pct": [0.0, 35.0],
            "plant_days_lost": [0.0, 12.5],
            "days_short": [0.0, 30.0],
            "first_shortfall_date": ["", "2026-01-04"],
        },
        index=pd.MultiIndex.from_tuples([("CHN", "autos"), ("DEU", "wind")], names=["country", "sector"]),
    )
    return frame


Saver = Callable[[xr.Dataset], Path]


def record(store: RunStore, ds: xr.Dataset, saved: Saver, **kwargs: Any) -> str:
    return store.record_run(ds, results_path=saved(ds), **kwargs)


def table_count(store: RunStore, table: str) -> int:
    con = duckdb.connect(str(store.path))
    try:
        row = con.execute(f"SELECT count(*) FROM {table}").fetchone()
    finally:
        con.close()
    assert row is not None
    return int(row[0])
