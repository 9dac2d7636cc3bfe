"""Tests of the embedded run store (supplyshock.store)."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import re
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pytest
import xarray as xr

from supplyshock import store as store_mod
from supplyshock.errors import StoreError, SupplyShockError
from supplyshock.store import (
    SCHEMA_VERSION,
    SUMMARY_METRICS,
    RunStore,
    default_store_path,
    member_quantile_series,
    new_run_id,
    open_results,
    save_results,
)

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
    data["lost_output"] = (cs, rng.random(shape_cs) * 1e6, {"units": "USD"})
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
            "lost_output_usd": [0.0, 2.5e6],
            "first_shortfall_date": ["", "2026-01-04"],
        },
        index=pd.MultiIndex.from_tuples([("CHN", "autos"), ("DEU", "wind")], names=["country", "sector"]),
    )
    return frame


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "home"
    monkeypatch.setenv("SUPPLYSHOCK_HOME", str(path))
    return path


@pytest.fixture
def store(home: Path) -> RunStore:
    return RunStore()


Saver = Callable[[xr.Dataset], Path]


@pytest.fixture(scope="session")
def saved(tmp_path_factory: pytest.TempPathFactory) -> Saver:
    """Save a dataset once per session (writing netCDF is slow); return its path."""
    directory = tmp_path_factory.mktemp("results")
    cache: dict[str, Path] = {}

    def save(ds: xr.Dataset) -> Path:
        key = hashlib.sha256(pickle.dumps(ds)).hexdigest()
        if key not in cache or not cache[key].exists():
            cache[key] = save_results(ds, directory / f"{key[:16]}.nc")
        return cache[key]

    return save


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


# ------------------------------------------------------------------ locations, ids


def test_default_store_path_uses_supplyshock_home(home: Path) -> None:
    assert default_store_path() == home / "runs.duckdb"
    assert RunStore().path == home / "runs.duckdb"


def test_default_store_path_falls_back_to_local_share(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SUPPLYSHOCK_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_store_path() == tmp_path / ".local/share/supplyshock/runs.duckdb"


def test_store_path_may_name_a_directory(tmp_path: Path) -> None:
    assert RunStore(tmp_path).path == tmp_path / "runs.duckdb"


def test_new_run_id_is_utc_time_plus_hex() -> None:
    rid = new_run_id("2026-11-29T21:15:01+01:00")
    assert RUN_ID_RE.match(rid)
    assert rid.startswith("20261129-201501-")
    assert new_run_id("2026-11-29T20:15:01") != new_run_id("2026-11-29T20:15:01")


# --------------------------------------------------------------------- results files


def test_save_and_open_results_round_trip_compressed(tmp_path: Path) -> None:
    ds = make_results()
    path = save_results(ds, tmp_path / "sub" / "run.nc")
    assert path == tmp_path / "sub" / "run.nc"
    back = open_results(path)
    xr.testing.assert_identical(back, ds)
    assert back.attrs["seed"] == 42
    assert back["shortfall"].encoding["zlib"] is True
    assert back["shortfall"].encoding["complevel"] == 4
    assert sorted(p.name for p in path.parent.iterdir()) == ["run.nc"]


def test_save_results_failure_leaves_old_file_and_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "run.nc"
    save_results(make_results(seed=1), target)
    before = target.read_bytes()
    bad = make_results(seed=2)
    bad.attrs["not_serialisable"] = {"a": 1}
    with pytest.raises(StoreError, match="cannot write results"):
        save_results(bad, target)
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["run.nc"]


def test_open_results_missing_file(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="does not exist"):
        open_results(tmp_path / "nope.nc")


# ------------------------------------------------------------------ schema


def test_schema_version_table_is_created(store: RunStore, tmp_path: Path, saved: Saver) -> None:
    assert store.schema_version() == 0
    record(store, make_results(), saved)
    assert store.schema_version() == SCHEMA_VERSION
    con = duckdb.connect(str(store.path))
    try:
        tables = {r[0] for r in con.execute("SHOW TABLES").fetchall()}
    finally:
        con.close()
    assert {"schema_version", "runs", "run_summary", "run_series"} <= tables


def test_newer_schema_is_refused(store: RunStore, tmp_path: Path, saved: Saver) -> None:
    record(store, make_results(), saved)
    con = duckdb.connect(str(store.path))
    con.execute("INSERT INTO schema_version VALUES (?, now()::TIMESTAMP)", [SCHEMA_VERSION + 1])
    con.close()
    with pytest.raises(StoreError, match="newer"):
        RunStore(store.path).list_runs()


def test_not_a_database_file_is_a_store_error(tmp_path: Path) -> None:
    bogus = tmp_path / "runs.duckdb"
    bogus.write_text("this is not duckdb")
    with pytest.raises(StoreError, match="cannot open run store"):
        RunStore(bogus).list_runs()


# ------------------------------------------------------------------ record and read


def test_record_and_get_run(store: RunStore, tmp_path: Path) -> None:
    ds = make_results(members=3, days=7)
    results = save_results(ds, tmp_path / "r.nc")
    rid = store.record_run(
        ds,
        results_path=results,
        summary=make_summary(),
        params={"members": np.int64(3), "out": tmp_path / "x"},
    )
    assert RUN_ID_RE.match(rid)
    assert rid.startswith("20261129-201501-")
    run = store.get_run(rid)
    assert run["run_id"] == rid
    assert run["scenario_name"] == "china_ban"
    assert run["scenario_sha256"] == "ab" * 32
    assert run["dataset"] == "rare_earths"
    assert run["seed"] == 42
    assert run["members"] == 3
    assert str(run["start"]) == "2026-01-01"
    assert str(run["end"]) == "2026-01-07"
    assert run["created"] == pd.Timestamp("2026-11-29 20:15:01")
    assert run["status"] == "complete"
    assert run["supplyshock_version"] == "0.1.0"
    assert run["scenario_yaml"] == ds.attrs["scenario_yaml"]
    assert run["results_path"] == str(results.resolve())
    assert run["params"] == {"members": 3, "out": str(tmp_path / "x")}

    summary = run["summary"]
    assert list(summary.columns) == [
        "country",
        "sector",
        "statistic",
        *SUMMARY_METRICS,
        "first_shortfall_date",
    ]
    assert summary[["country", "sector"]].values.tolist() == [["CHN", "autos"], ["DEU", "wind"]]
    assert (summary["statistic"] == "median").all()
    assert np.isnan(summary.loc[0, "days_to_first_shortfall"])
    assert summary.loc[1, "days_to_first_shortfall"] == 3.0
    assert summary.loc[1, "peak_shortfall_pct"] == 12.5
    assert summary.loc[1, "lost_output_usd"] == 2.5e6
    assert summary.loc[0, "first_shortfall_date"] is None
    assert str(summary.loc[1, "first_shortfall_date"]) == "2026-01-04"


def test_days_to_first_shortfall_is_null_in_the_database(store: RunStore, tmp_path: Path, saved: Saver) -> None:
    rid = record(store, make_results(), saved, summary=make_summary())
    con = duckdb.connect(str(store.path))
    try:
        rows = con.execute(
            "SELECT country, days_to_first_shortfall FROM run_summary WHERE run_id = ? ORDER BY country",
            [rid],
        ).fetchall()
    finally:
        con.close()
    assert rows == [("CHN", None), ("DEU", 3.0)]


def test_summary_wide_quantile_columns_become_statistic_rows(store: RunStore, tmp_path: Path, saved: Saver) -> None:
    summary = make_summary().reset_index().drop(columns="first_shortfall_date")
    summary["peak_shortfall_pct_p95"] = [1.0, 20.0]
    summary["lost_output_usd_p05"] = [0.0, 1e6]
    rid = record(store, make_results(), saved, summary=summary)
    got = store.get_run(rid)["summary"].set_index(["country", "sector", "statistic"])
    assert sorted(got.index.get_level_values("statistic").unique()) == ["median", "p05", "p95"]
    assert got.loc[("DEU", "wind", "p95"), "peak_shortfall_pct"] == 20.0
    assert np.isnan(got.loc[("DEU", "wind", "p95"), "lost_output_usd"])
    assert got.loc[("DEU", "wind", "p05"), "lost_output_usd"] == 1e6
    assert got.loc[("DEU", "wind", "median"), "peak_shortfall_pct"] == 12.5


def test_summary_with_unknown_or_missing_columns_is_refused(store: RunStore, tmp_path: Path) -> None:
    ds = make_results()
    path = save_results(ds, tmp_path / "r.nc")
    bad = make_summary().assign(peak_shortfal_pct=1.0)
    with pytest.raises(StoreError, match="unknown column"):
        store.record_run(ds, results_path=path, summary=bad)
    with pytest.raises(StoreError, match="lacks column"):
        store.record_run(ds, results_path=path, summary=make_summary().drop(columns="lost_output_usd"))
    assert store.list_runs().empty


def test_record_requires_attrs_and_results_file(store: RunStore, tmp_path: Path) -> None:
    ds = make_results()
    path = save_results(ds, tmp_path / "r.nc")
    incomplete = ds.copy()
    del incomplete.attrs["scenario_sha256"]
    with pytest.raises(StoreError, match="scenario_sha256"):
        store.record_run(incomplete, results_path=path)
    with pytest.raises(StoreError, match="save_results"):
        store.record_run(ds, results_path=tmp_path / "missing.nc")
    with pytest.raises(StoreError, match="not JSON serialisable"):
        store.record_run(ds, results_path=path, params={"x": object()})
    assert store.list_runs().empty


def test_record_with_explicit_run_id_and_duplicate(store: RunStore, tmp_path: Path) -> None:
    ds = make_results()
    path = save_results(ds, tmp_path / "r.nc")
    assert store.record_run(ds, results_path=path, run_id="my-run") == "my-run"
    with pytest.raises(StoreError, match=r"(?i)duplicate|primary key|constraint"):
        store.record_run(ds, results_path=path, run_id="my-run", summary=make_summary())
    assert store.list_runs()["run_id"].tolist() == ["my-run"]
    assert table_count(store, "run_summary") == 0


# ------------------------------------------------------------------ atomicity


def test_failed_summary_insert_records_nothing(store: RunStore, tmp_path: Path, saved: Saver) -> None:
    record(store, make_results(), saved)  # the store exists and holds one run
    duplicated = pd.concat([make_summary(), make_summary()])  # violates the primary key
    with pytest.raises(StoreError, match=r"(?i)duplicate|constraint"):
        record(store, make_results(created="2026-12-01T00:00:00Z"), saved, summary=duplicated)
    assert len(store.list_runs()) == 1
    assert table_count(store, "runs") == 1
    assert table_count(store, "run_summary") == 0


def test_exception_after_runs_insert_rolls_back(store: RunStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, saved: Saver) -> None:
    def boom(self: RunStore, con: duckdb.DuckDBPyConnection, run_id: str, frame: Any) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(RunStore, "_insert_summary", boom)
    with pytest.raises(RuntimeError, match="disk on fire"):
        record(store, make_results(), saved, summary=make_summary())
    assert store.list_runs().empty
    assert table_count(store, "runs") == 0


# ------------------------------------------------------------------ listing, ids


def test_list_runs_newest_first(store: RunStore, tmp_path: Path, saved: Saver) -> None:
    old = record(store, make_results(created="2026-01-01T00:00:00Z"), saved)
    new = record(store, make_results(created="2026-06-01T00:00:00Z", scenario_name="b"), saved)
    frame = store.list_runs()
    assert frame["run_id"].tolist() == [new, old]
    assert frame["scenario_name"].tolist() == ["b", "china_ban"]
    assert {"dataset", "members", "created", "status", "results_path"} <= set(frame.columns)
    assert "scenario_yaml" not in frame.columns


def test_list_runs_on_missing_store_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "runs.duckdb"
    assert RunStore(path).list_runs().empty
    assert not path.parent.exists()


def test_unknown_run_id_says_how_to_list(store: RunStore, tmp_path: Path, saved: Saver) -> None:
    with pytest.raises(StoreError, match="supplyshock runs list"):
        store.get_run("nope")  # no store file yet
    record(store, make_results(), saved)
    with pytest.raises(StoreError, match=r"no run 'nope'.*supplyshock runs list"):
        store.get_run("nope")
    other = RunStore(tmp_path / "other.duckdb")
    with pytest.raises(StoreError, match=r"runs list --store .*other\.duckdb"):
        other.get_run("nope")
    with pytest.raises(SupplyShockError):
        store.load_results("nope")


def test_prefix_matching(store: RunStore, tmp_path: Path) -> None:
    ds = make_results()
    path = save_results(ds, tmp_path / "r.nc")
    a = store.record_run(ds, results_path=path, run_id="20261129-201501-aaaaaa")
    b = store.record_run(ds, results_path=path, run_id="20261129-201501-abbbbb")
    c = store.record_run(ds, results_path=path, run_id="20261129-201501")
    assert store.resolve("20261129-201501-aa") == a
    assert store.get_run("20261129-201501-ab")["run_id"] == b
    assert store.resolve(c) == c  # an exact id wins over being a prefix of others
    with pytest.raises(StoreError, match=r"ambiguous: it matches 2 runs .*aaaaaa.*abbbbb"):
        store.resolve("20261129-201501-a")
    with pytest.raises(StoreError, match="empty run id"):
        store.resolve("  ")


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
    assert manifest["files"]["lost_output"]["units"] == "USD"
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

    real = store_mod._write_frame
    calls: list[str] = []

    def flaky(frame: pd.DataFrame, path: Path, fmt: str) -> None:
        calls.append(str(path))
        if len(calls) == 3:
            Path(path).write_text("half a file")
            raise OSError("disk full")
        real(frame, path, fmt)

    monkeypatch.setattr(store_mod, "_write_frame", flaky)
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


# ------------------------------------------------------------------ series


def test_member_quantile_series_round_trip(store: RunStore, tmp_path: Path, saved: Saver) -> None:
    ds = make_results(members=5, days=3)
    series = member_quantile_series(ds, variables=["shortfall", "inventory"])
    assert set(series["statistic"]) == {"p05", "p50", "p95"}
    assert len(series) == 3 * (3 * 3 * 2 + 3 * 3 * 2)
    rid = record(store, ds, saved, series=series)
    got = store.get_series(rid, "shortfall")
    assert set(got["variable"]) == {"shortfall"}
    p50 = got[(got["statistic"] == "p50") & (got["country"] == "DEU") & (got["item"] == "wind")]
    expected = ds["shortfall"].sel(scenario="china_ban", country="DEU", sector="wind")
    np.testing.assert_allclose(p50["value"], expected.median("member").values)
    assert table_count(store, "run_series") == len(series)
    with pytest.raises(StoreError, match="dimensions"):
        member_quantile_series(ds, variables=["trade"])


# ------------------------------------------------------------------ delete


def test_delete_run_removes_all_rows(store: RunStore, tmp_path: Path, saved: Saver) -> None:
    ds = make_results()
    keep = record(store, ds, saved, summary=make_summary())
    keep_results = Path(store.get_run(keep)["results_path"])
    path = save_results(ds, tmp_path / "gone.nc")
    gone = store.record_run(
        make_results(created="2026-12-01T00:00:00Z"),
        results_path=path,
        summary=make_summary(),
        series=member_quantile_series(ds),
    )
    assert store.delete_run(gone[:17]) == gone
    assert store.list_runs()["run_id"].tolist() == [keep]
    assert table_count(store, "run_summary") == 2
    assert table_count(store, "run_series") == 0
    assert path.exists()  # results are kept unless asked
    with pytest.raises(StoreError, match="runs list"):
        store.delete_run(gone)
    assert keep_results.exists()
    store.delete_run(keep, delete_results=True)
    assert store.list_runs().empty
    assert not keep_results.exists()


# ------------------------------------------------------------------ concurrency

_WRITER = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {tests!r})
    from test_store import make_results
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
