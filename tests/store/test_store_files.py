"""Run store locations, run ids and results files (supplyshock.store)."""

from __future__ import annotations

from pathlib import Path

import pytest
import xarray as xr
from store_helpers import RUN_ID_RE, make_results

from supplyshock.errors import StoreError
from supplyshock.store import RunStore, default_store_path, new_run_id, open_results, save_results

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
