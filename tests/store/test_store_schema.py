"""The run store schema: version table, newer files refused, migrations."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pytest
from store_helpers import Saver, make_results, record

from supplyshock.errors import StoreError
from supplyshock.store import SCHEMA_VERSION, RunStore, save_results
from supplyshock.store.runs import RUN_SCHEMA

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


# ------------------------------------------------------------------ migrations


def _version_3_store(path: Path) -> None:
    """A store as written before schema version 4 (scenario in ``scenario_yaml``), with one run."""
    con = duckdb.connect(str(path))
    try:
        con.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied TIMESTAMP NOT NULL)")
        for version in (1, 2, 3):
            for statement in RUN_SCHEMA.migrations[version]:
                con.execute(statement)
            con.execute("INSERT INTO schema_version VALUES (?, now()::TIMESTAMP)", [version])
        con.execute(
            "INSERT INTO runs VALUES ('old-run', 'china_ban', 'ab', 'rare_earths', 1, 2, DATE '2026-01-01', DATE '2026-01-05', "
            "TIMESTAMP '2026-01-01 00:00:00', TIMESTAMP '2026-01-01 00:00:00', '/nowhere/r.nc', 'complete', '0.1.0', '{\"name\": \"x\"}', '{}')"
        )
    finally:
        con.close()


def test_version_3_store_is_migrated_to_scenario_json(tmp_path: Path) -> None:
    path = tmp_path / "runs.duckdb"
    _version_3_store(path)
    store = RunStore(path)
    run = store.get_run("old-run")
    assert store.schema_version() == SCHEMA_VERSION == 6
    assert run["scenario_json"] == '{"name": "x"}'
    con = duckdb.connect(str(path))
    try:
        columns = {r[0] for r in con.execute("SELECT column_name FROM information_schema.columns WHERE table_name = 'runs'").fetchall()}
        versions = [r[0] for r in con.execute("SELECT version FROM schema_version ORDER BY version").fetchall()]
    finally:
        con.close()
    assert "scenario_json" in columns and "scenario_yaml" not in columns
    assert versions == [1, 2, 3, 4, 5, 6]


def test_version_4_summaries_keep_their_values_as_output_at_risk(tmp_path: Path) -> None:
    """Schema 5 renames lost_output_usd (an upper bound, never a loss) and adds the plant-level metrics."""
    path = tmp_path / "runs.duckdb"
    _version_3_store(path)
    con = duckdb.connect(str(path))
    try:
        for statement in RUN_SCHEMA.migrations[4]:
            con.execute(statement)
        con.execute("INSERT INTO schema_version VALUES (4, now()::TIMESTAMP)")
        con.execute("INSERT INTO run_summary VALUES ('old-run', 'USA', 'wind', 'median', 10, 50, 123, 4.5e6)")
    finally:
        con.close()
    store = RunStore(path)
    summary = store.get_run("old-run")["summary"]
    assert store.schema_version() == SCHEMA_VERSION
    assert summary.loc[0, "output_at_risk_usd"] == 4.5e6
    assert np.isnan(summary.loc[0, "plant_days_lost"])
    assert store.get_run("old-run")["totals"].empty


def test_scenario_json_attribute_is_recorded(store: RunStore, tmp_path: Path) -> None:
    ds = make_results()
    ds.attrs["scenario_json"] = ds.attrs.pop("scenario_yaml")
    path = save_results(ds, tmp_path / "r.nc")
    rid = store.record_run(ds, results_path=path)
    assert store.get_run(rid)["scenario_json"] == ds.attrs["scenario_json"]
    both = ds.assign_attrs(scenario_yaml="older text")
    assert store.get_run(store.record_run(both, results_path=path))["scenario_json"] == ds.attrs["scenario_json"]
