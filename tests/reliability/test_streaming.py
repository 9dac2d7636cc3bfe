"""Large tables are written block by block: the blocks join to exactly the whole table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr
from hypothesis import given
from hypothesis import strategies as st

from supplyshock.store.results import long_blocks


@given(
    shape=st.tuples(st.integers(1, 2), st.integers(1, 3), st.integers(1, 7), st.integers(1, 4)),
    rows=st.integers(1, 60),
)
def test_blocks_join_to_the_whole_long_table(shape: tuple[int, int, int, int], rows: int) -> None:
    s, m, t, n = shape
    da = xr.DataArray(
        np.arange(s * m * t * n, dtype=float).reshape(shape),
        dims=("scenario", "member", "time", "link"),
        coords={
            "scenario": [f"s{i}" for i in range(s)],
            "member": np.arange(m),
            "time": pd.date_range("2025-01-01", periods=t),
            "link": np.arange(n),
            "link_from": ("link", [f"c{i}" for i in range(n)]),
        },
    )
    whole = da.to_dataframe(name="v").reset_index()[["scenario", "member", "time", "link", "link_from", "v"]]
    blocks = list(long_blocks(da, "v", rows))
    assert all(len(b) <= max(rows, n) for b in blocks), "no block is larger than asked (or one row of the last dimension)"
    pd.testing.assert_frame_equal(pd.concat(blocks, ignore_index=True), whole)
