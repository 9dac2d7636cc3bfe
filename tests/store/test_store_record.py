"""Recording, listing, reading and deleting runs in the run store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pytest
from store_helpers import RUN_ID_RE, Saver, make_results, make_summary, record, table_count

from supplyshock.errors import StoreError, SupplyShockError
from supplyshock.store import SUMMARY_METRICS, RunStore, member_quantile_series, save_results

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
    assert summary.loc[1, "output_at_risk_usd"] == 2.5e6
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
    summary["output_at_risk_usd_p05"] = [0.0, 1e6]
    rid = record(store, make_results(), saved, summary=summary)
    got = store.get_run(rid)["summary"].set_index(["country", "sector", "statistic"])
    assert sorted(got.index.get_level_values("statistic").unique()) == ["median", "p05", "p95"]
    assert got.loc[("DEU", "wind", "p95"), "peak_shortfall_pct"] == 20.0
    assert np.isnan(got.loc[("DEU", "wind", "p95"), "output_at_risk_usd"])
    assert got.loc[("DEU", "wind", "p05"), "output_at_risk_usd"] == 1e6
    assert got.loc[("DEU", "wind", "median"), "peak_shortfall_pct"] == 12.5


def test_summary_with_unknown_or_missing_columns_is_refused(store: RunStore, tmp_path: Path) -> None:
    ds = make_results()
    path = save_results(ds, tmp_path / "r.nc")
    bad = make_summary().assign(peak_shortfal_pct=1.0)
    with pytest.raises(StoreError, match="unknown column"):
        store.record_run(ds, results_path=path, summary=bad)
    with pytest.raises(StoreError, match="lacks column"):
        store.record_run(ds, results_path=path, summary=make_summary().drop(columns="output_at_risk_usd"))
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


def test_loss_totals_are_recorded_and_read_back(store: RunStore, tmp_path: Path) -> None:
    ds = make_results(members=3, days=7)
    results = save_results(ds, tmp_path / "r.nc")
    totals = pd.DataFrame(
        {
            "metric": ["value_added_lost_usd"] * 3 + ["value_added_lost_usd"],
            "country": ["", "", "", "DEU"],
            "statistic": ["p05", "p50", "p95", "p50"],
            "value": [1e9, 2e9, 5e9, 1.5e9],
        }
    )
    rid = store.record_run(ds, results_path=results, summary=make_summary(), totals=totals)
    got = store.get_run(rid)["totals"].set_index(["metric", "country", "statistic"])["value"]
    assert got[("value_added_lost_usd", "", "p50")] == 2e9
    assert got[("value_added_lost_usd", "DEU", "p50")] == 1.5e9
    store.delete_run(rid)
    assert table_count(store, "run_totals") == 0


def test_loss_totals_with_an_unknown_metric_record_nothing(store: RunStore, tmp_path: Path) -> None:
    ds = make_results(members=1, days=7)
    results = save_results(ds, tmp_path / "r.nc")
    bad = pd.DataFrame({"metric": ["lost_output_usd"], "country": [""], "statistic": ["p50"], "value": [1.0]})
    with pytest.raises(StoreError, match="unknown metric"):
        store.record_run(ds, results_path=results, summary=make_summary(), totals=bad)
    assert store.list_runs().empty
