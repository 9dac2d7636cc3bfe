"""Loading and validating MRIO tables."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from supplyshock.economy import (
    MRIO,
    from_arrays,
    from_dataframes,
    from_pymrio,
    load_default_mrio,
)
from supplyshock.economy.mrio import read_wide_csv
from supplyshock.errors import DataError


def test_from_arrays_sorts_labels_and_permutes_flows(small_table: MRIO) -> None:
    t = small_table
    # give regions and sectors in reverse order: the result must be identical after sorting
    perm = [3, 2, 1, 0]
    z = t.Z[np.ix_(perm, perm)]
    y = t.Y[perm][:, [1, 0]]
    x = t.x[perm]
    u = from_arrays(z, y, x, regions=["B", "A"], sectors=["p", "m"])
    assert u.regions == ("A", "B") and u.sectors == ("m", "p")
    np.testing.assert_array_equal(u.Z, t.Z)
    np.testing.assert_array_equal(u.Y, t.Y)
    np.testing.assert_array_equal(u.x, t.x)


def test_from_dataframes_roundtrip(small_table: MRIO) -> None:
    z, y, x = small_table.to_dataframes()
    # shuffle rows/columns: loader must realign
    z = z.iloc[::-1, ::-1]
    u = from_dataframes(z, y, x)
    np.testing.assert_allclose(u.Z, small_table.Z)
    np.testing.assert_allclose(u.x, small_table.x)
    assert u.industries.names == ["region", "sector"]


def test_from_pymrio_small_table(small_table: MRIO) -> None:
    pymrio = pytest.importorskip("pymrio")
    io = small_table.to_pymrio()
    assert isinstance(io, pymrio.IOSystem)
    u = from_pymrio(io)
    np.testing.assert_allclose(u.Z, small_table.Z)
    np.testing.assert_allclose(u.Y, small_table.Y)


def test_from_pymrio_test_system() -> None:
    pymrio = pytest.importorskip("pymrio")
    io = pymrio.load_test().calc_all()
    u = from_pymrio(io)
    assert u.n_regions == 6 and u.n_sectors == 8 and len(u.fd_categories) == 7
    np.testing.assert_allclose(u.x, io.x.sort_index().to_numpy().ravel())


def test_from_pymrio_without_flows_raises() -> None:
    pymrio = pytest.importorskip("pymrio")
    io = pymrio.IOSystem(name="empty")
    with pytest.raises(DataError, match="calc_all"):
        from_pymrio(io)


def test_default_mrio_matches_source_file() -> None:
    m = load_default_mrio(rebalance=False)
    assert m.regions == ("CHN", "DEU", "EU_other", "JPN", "KOR", "RoW_agg", "TWN", "USA")
    assert m.sectors == ("AGR", "ELE", "MET", "MIN", "OMF", "SRV", "TRN")
    # published world gross output (data/mrio/README.md)
    assert m.x.sum() == pytest.approx(141_767_904.0)
    assert m.meta["negative_final_demand_clipped"]["entries"] == 3
    assert m.meta["max_row_imbalance_rel"] < 0.0038
    reb = load_default_mrio()
    np.testing.assert_allclose(reb.Z.sum(1) + reb.Y.sum(1), reb.x, rtol=1e-12)
    assert (reb.value_added > 0).all()


def test_unbalanced_table_raises(small_table: MRIO) -> None:
    x = small_table.x.copy()
    x[1] *= 1.2
    with pytest.raises(DataError, match=r"does not balance: for A\|p"):
        from_arrays(small_table.Z, small_table.Y, x, regions=["A", "B"], sectors=["m", "p"])
    # within a looser tolerance it loads
    from_arrays(small_table.Z, small_table.Y, x, regions=["A", "B"], sectors=["m", "p"], balance_rtol=0.3)


def test_negative_intermediate_flow_raises(small_table: MRIO) -> None:
    z = small_table.Z.copy()
    z[3, 0] = -1.0
    with pytest.raises(DataError, match=r"negative flows \(first: B\|p -> A\|m"):
        from_arrays(z, small_table.Y, small_table.x, regions=["A", "B"], sectors=["m", "p"])


def test_negative_final_demand_raise_or_clip(small_table: MRIO) -> None:
    y = small_table.Y.copy()
    y[0, 1] = -0.5
    x = small_table.Z.sum(1) + y.sum(1)
    with pytest.raises(DataError, match="negative_final_demand='clip'"):
        from_arrays(small_table.Z, y, x, regions=["A", "B"], sectors=["m", "p"])
    u = from_arrays(
        small_table.Z,
        y,
        x,
        regions=["A", "B"],
        sectors=["m", "p"],
        negative_final_demand="clip",
        rebalance=True,
    )
    assert (u.Y >= 0).all()
    np.testing.assert_allclose(u.x, u.Z.sum(1) + u.Y.sum(1))


def test_nan_and_shape_errors(small_table: MRIO) -> None:
    z = small_table.Z.copy()
    z[0, 0] = np.nan
    with pytest.raises(DataError, match="NaN"):
        from_arrays(z, small_table.Y, small_table.x, regions=["A", "B"], sectors=["m", "p"])
    with pytest.raises(DataError, match="regions x"):
        from_arrays(small_table.Z, small_table.Y, small_table.x, regions=["A"], sectors=["m"])
    with pytest.raises(DataError, match="unique"):
        from_arrays(small_table.Z, small_table.Y, small_table.x, regions=["A", "A"], sectors=["m", "p"])


def test_dataframe_index_must_be_full_product(small_table: MRIO) -> None:
    z, y, x = small_table.to_dataframes()
    with pytest.raises(DataError, match="MultiIndex"):
        from_dataframes(z.reset_index(drop=True), y, x)
    y2 = y.drop(index=("B", "p"))
    with pytest.raises(DataError, match="lacks some"):
        from_dataframes(z, y2, x)


def test_industry_index_unknown_labels(small_table: MRIO) -> None:
    assert small_table.industry_index("B", "m") == 2
    with pytest.raises(DataError, match="unknown region 'C'"):
        small_table.industry_index("C", "m")
    with pytest.raises(DataError, match="unknown sector 'q'"):
        small_table.industry_index("A", "q")


def test_read_wide_csv_rejects_wrong_layout(tmp_path: Path) -> None:
    p = tmp_path / "bad.csv"
    pd.DataFrame({"a": [1.0]}, index=["r"]).to_csv(p)
    with pytest.raises(DataError, match="TOTAL_OUTPUT"):
        read_wide_csv(p)
