"""The observed store: updates without duplicates, revisions, atomic failures."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from observed_helpers import HEADER, write

from supplyshock.observed import ObservedError, ObservedStore, UnknownSeriesError


def snapshot(store: ObservedStore) -> tuple[pd.DataFrame, int, int]:
    cur = store.frame().drop(columns=["loaded"])
    return cur, len(store.revisions()), len(store.files())


def test_add_then_newer_file_updates_without_duplicates(tmp_path: Path, long_file: Path) -> None:
    store = ObservedStore(tmp_path / "obs.duckdb")
    first = store.add_file(long_file)
    assert (first.rows, first.added, first.updated, first.unchanged) == (6, 6, 0, 0)
    again = store.add_file(long_file)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 6)
    newer = write(
        tmp_path / "long_v2.csv",
        HEADER
        + "2025-05,magnets_world,China,World,magnets,1240,t,-74,-52.9,press A revised,\n"  # revised value
        + "2025-05,magnets_us,China,United States,magnets,46.4,t,-93.3,,press B,\n"  # same
        + "2025-06,magnets_world,China,World,magnets,3188,t,-38,,press D,\n",  # new month
    )
    third = store.add_file(newer)
    assert (third.rows, third.added, third.updated, third.unchanged) == (3, 1, 1, 1)
    cur = store.frame()
    assert not cur.duplicated(["series", "period"]).any()
    assert len(cur) == 7
    may = cur[(cur["series"] == "magnets_world") & (cur["period"] == "2025-05")].iloc[0]
    assert may["value"] == 1240 and may["revision"] == 2 and may["file"].startswith("long_v2.csv sha256:")
    assert may["source"] == "press A revised"
    # the unchanged row keeps the provenance of the file that first gave it
    us = cur[cur["series"] == "magnets_us"].iloc[0]
    assert us["file"].startswith("long_v1.csv") and us["revision"] == 1
    revs = store.revisions("magnets_world")
    may_revs = revs[revs["period"] == "2025-05"].sort_values("revision")
    assert list(may_revs["value"]) == [1238, 1240]
    assert may_revs["file"].iloc[0].startswith("long_v1.csv") and may_revs["file"].iloc[1].startswith("long_v2.csv")
    assert may_revs["superseded"].iloc[0] is not pd.NaT and pd.isna(may_revs["superseded"].iloc[1])
    files = store.files()
    assert list(files["added"]) == [6, 0, 1] and list(files["updated"]) == [0, 0, 1]
    listing = store.series().set_index("series")
    assert listing.loc["magnets_world", "periods"] == 3 and listing.loc["magnets_world", "revised"] == 1


def test_duplicate_period_with_different_values_is_an_error_and_writes_nothing(tmp_path: Path, long_file: Path) -> None:
    store = ObservedStore(tmp_path / "obs.duckdb")
    store.add_file(long_file)
    before = snapshot(store)
    bad = write(
        tmp_path / "dup.csv",
        HEADER
        + "2025-06,magnets_world,China,World,magnets,3188,t,,,x,\n"
        + "2025-05,magnets_world,China,World,magnets,1300,t,,,x,\n"
        + "2025-05,magnets_world,China,World,magnets,1250,t,,,x,\n",
    )
    with pytest.raises(ObservedError) as info:
        store.add_file(bad)
    msg = str(info.value)
    for needle in ("dup.csv", "magnets_world", "2025-05", "1,300", "1,250", "line 3", "line 4", "nothing was written"):
        assert needle in msg, (needle, msg)
    after = snapshot(store)
    pd.testing.assert_frame_equal(before[0], after[0])
    assert before[1:] == after[1:]


def test_identical_duplicate_rows_are_merged(tmp_path: Path) -> None:
    f = write(tmp_path / "twice.csv", HEADER + "2025-05,s,China,World,p,10,t,,,x,\n" + "2025-05,s,China,World,p,10,t,,,x,\n")
    summary = ObservedStore(tmp_path / "obs.duckdb").add_file(f)
    assert (summary.rows, summary.added) == (1, 1)


def test_unknown_unit_writes_nothing(tmp_path: Path, long_file: Path) -> None:
    store = ObservedStore(tmp_path / "obs.duckdb")
    store.add_file(long_file)
    before = snapshot(store)
    bad = write(
        tmp_path / "unit.csv",
        HEADER + "2025-06,magnets_world,China,World,magnets,3188,t,,,x,\n" + "2025-07,magnets_world,China,World,magnets,9,lb,,,x,\n",
    )
    with pytest.raises(ObservedError, match=r"unit\.csv, line 3, field 'unit': unknown unit 'lb'"):
        store.add_file(bad)
    after = snapshot(store)
    pd.testing.assert_frame_equal(before[0], after[0])
    assert before[1:] == after[1:]


def test_unit_change_of_stored_series_is_refused(tmp_path: Path, long_file: Path) -> None:
    store = ObservedStore(tmp_path / "obs.duckdb")
    store.add_file(long_file)
    bad = write(tmp_path / "usd.csv", HEADER + "2025-06,magnets_world,China,World,magnets,3188,USD,,,x,\n")
    with pytest.raises(ObservedError, match="stored in t but the file gives USD"):
        store.add_file(bad)
    assert len(store.files()) == 1


def test_unknown_series_lists_known(tmp_path: Path, long_file: Path) -> None:
    store = ObservedStore(tmp_path / "obs.duckdb")
    store.add_file(long_file)
    with pytest.raises(UnknownSeriesError, match="unknown series 'nope'; known series: magnets_de, magnets_us"):
        store.frame("nope")


def test_shipped_name_and_empty_store(tmp_path: Path) -> None:
    store = ObservedStore(tmp_path)
    assert store.path.name == "observed.duckdb"
    assert store.frame().empty and store.series().empty
    assert store.add_file("china-exports-2025").added == 17


def test_database_error_mid_transaction_rolls_back(tmp_path: Path, long_file: Path) -> None:
    """A failure after some rows were written leaves the store as it was."""
    import duckdb

    from supplyshock.errors import StoreError

    store = ObservedStore(tmp_path / "obs.duckdb")
    store.add_file(long_file)
    # plant a stray revision row so that the revision insert of the new row fails on its key
    con = duckdb.connect(str(store.path))
    con.execute(
        "INSERT INTO observed_revisions VALUES "
        "('magnets_world', '2025-06', 1, 'M', 'CHN', 'WLD', 'm', 1, 't', NULL, NULL, 's', '', 'f', now(), 99, NULL)"
    )
    con.close()
    before = snapshot(store)
    newer = write(tmp_path / "v3.csv", HEADER + "2025-06,magnets_world,China,World,magnets,3188,t,,,x,\n")
    try:
        store.add_file(newer)
    except StoreError as exc:
        assert "nothing was written" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("expected a StoreError")
    after = snapshot(store)
    pd.testing.assert_frame_equal(before[0], after[0])
    assert before[1:] == after[1:]
