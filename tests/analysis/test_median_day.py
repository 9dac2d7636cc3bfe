"""The median over members of a day that may never come (analysis.metrics.median_day)."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from supplyshock.analysis.metrics import METRICS, NEVER_METRICS, median_day

days = st.lists(st.one_of(st.none(), st.integers(0, 3650)), min_size=1, max_size=40)


@given(days)
def test_median_day_is_a_members_day_or_never(values: list[int | None]) -> None:
    arr = np.array([np.nan if v is None else float(v) for v in values])
    m = float(median_day(arr))
    never = int(np.isnan(arr).sum())
    lower_middle = (len(arr) - 1) // 2  # the member the median takes, counted from the earliest
    if never > len(arr) - 1 - lower_middle:
        assert np.isnan(m), "at least half the members never get there: the median member never does"
    else:
        assert m in set(arr[np.isfinite(arr)]), "a date some member has, never an average of two"


@given(days, st.integers(1, 100))
def test_median_day_moves_with_every_members_date(values: list[int | None], shift: int) -> None:
    arr = np.array([np.nan if v is None else float(v) for v in values])
    a, b = float(median_day(arr)), float(median_day(arr + shift))
    assert (np.isnan(a) and np.isnan(b)) or b == a + shift


def test_median_day_over_an_axis_and_the_metrics_it_serves() -> None:
    grid = np.array([[1.0, np.nan], [3.0, np.nan], [np.nan, 5.0]])
    assert np.array_equal(median_day(grid, axis=0), np.array([3.0, np.nan]), equal_nan=True)
    assert set(NEVER_METRICS) <= set(METRICS)
