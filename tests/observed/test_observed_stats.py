"""Derived statistics and implied values on hand-made series with known answers."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from supplyshock.observed import TIDY_COLUMNS, UnknownSeriesError, implied_values, load_observed, series_stats

V2023 = [100, 110, 120, 90, 100, 80, 100, 100, 100, 100, 100, 100]
V2024 = [120, 99, 60, 45, 50, 95]


def frame() -> pd.DataFrame:
    rows = []
    for year, values in ((2023, V2023), (2024, V2024)):
        for m, v in enumerate(values, start=1):
            rows.append({"period": f"{year}-{m:02d}", "value": float(v), "yoy_reported_pct": math.nan})
    # 2024-07: only a reported y/y change; 2024-08: a value and a reported y/y that the values override
    rows.append({"period": "2024-07", "value": math.nan, "yoy_reported_pct": -60.0})
    rows.append({"period": "2024-08", "value": 97.0, "yoy_reported_pct": -5.0})
    df = pd.DataFrame(rows)
    df["series"] = "s"
    df["freq"] = "M"
    df["exporter"], df["importer"], df["product"], df["unit"] = "CHN", "WLD", "p", "t"
    df["mom_reported_pct"] = math.nan
    df["source"], df["note"], df["file"], df["loaded"] = "hand", "", "hand.csv sha256:0", pd.Timestamp("2026-01-01")
    return df[list(TIDY_COLUMNS)]


@pytest.fixture(scope="module")
def stats() -> pd.DataFrame:
    return series_stats(frame(), "s").set_index("period")


def test_yoy_and_mom(stats: pd.DataFrame) -> None:
    assert stats.loc["2024-03", "yoy_pct"] == pytest.approx(-50.0)
    assert stats.loc["2024-03", "yoy_basis"] == "computed"
    assert stats.loc["2024-01", "yoy_pct"] == pytest.approx(20.0)
    assert stats.loc["2024-03", "mom_pct"] == pytest.approx((60 / 99 - 1) * 100)
    assert stats.loc["2024-04", "mom_pct"] == pytest.approx(-25.0)
    assert math.isnan(stats.loc["2023-05", "yoy_pct"]) and stats.loc["2023-05", "yoy_basis"] == ""
    # only the reported change exists (its value is derived from it, so it is not "computed")
    assert stats.loc["2024-07", "yoy_pct"] == -60.0 and stats.loc["2024-07", "yoy_basis"] == "reported"
    assert bool(stats.loc["2024-07", "derived"]) and stats.loc["2024-07", "value"] == pytest.approx(40.0)
    assert stats.loc["2024-07", "basis"].startswith("100*(1-0.6)")
    # values win over the reported change
    assert stats.loc["2024-08", "yoy_pct"] == pytest.approx(-3.0) and stats.loc["2024-08", "yoy_basis"] == "computed"
    assert math.isnan(stats.loc["2024-08", "mom_pct"])  # the month before is derived, not observed


def test_rolling_three_months(stats: pd.DataFrame) -> None:
    assert stats.loc["2024-06", "roll3_pct"] == pytest.approx((190 / 279 - 1) * 100)
    assert stats.loc["2024-06", "roll3_yoy_pct"] == pytest.approx((190 / 270 - 1) * 100)
    assert math.isnan(stats.loc["2023-05", "roll3_pct"])  # needs six months
    assert stats.loc["2023-06", "roll3_pct"] == pytest.approx((270 / 330 - 1) * 100)
    assert math.isnan(stats.loc["2024-08", "roll3_pct"])  # 2024-07 is not observed


def test_lowest_since(stats: pd.DataFrame) -> None:
    assert stats.loc["2024-02", "lowest_since"] == "2023-06"  # 99: last earlier value <= 99 is June 2023 (80)
    assert stats.loc["2024-01", "lowest_since"] == "2023-12"
    assert pd.isna(stats.loc["2024-03", "lowest_since"]) and bool(stats.loc["2024-03", "lowest_in_record"])
    assert pd.isna(stats.loc["2024-04", "lowest_since"]) and bool(stats.loc["2024-04", "lowest_in_record"])
    assert stats.loc["2024-05", "lowest_since"] == "2024-04"
    assert bool(stats.loc["2024-07", "lowest_in_record"])  # derived 40
    assert stats.loc["2024-08", "lowest_since"] == "2024-07"
    assert not bool(stats.loc["2023-01", "lowest_in_record"])  # nothing earlier


def test_steepest_drop_since(stats: pd.DataFrame) -> None:
    # y/y: Feb -10, Mar -50, Apr -50, May -50, Jul -60 (reported)
    assert pd.isna(stats.loc["2024-03", "steepest_yoy_drop_since"]) and bool(stats.loc["2024-03", "steepest_yoy_drop_in_record"])
    assert stats.loc["2024-04", "steepest_yoy_drop_since"] == "2024-03"  # at least as steep (equal)
    assert stats.loc["2024-05", "steepest_yoy_drop_since"] == "2024-04"
    assert bool(stats.loc["2024-07", "steepest_yoy_drop_in_record"])
    assert stats.loc["2024-08", "steepest_yoy_drop_since"] == "2024-07"
    assert pd.isna(stats.loc["2024-01", "steepest_yoy_drop_since"]) and not bool(stats.loc["2024-01", "steepest_yoy_drop_in_record"])
    # m/m: 2023-04 -25, 2023-06 -20, 2024-02 -17.5, 2024-03 -39.4, 2024-04 -25
    assert bool(stats.loc["2023-04", "steepest_mom_drop_in_record"])
    assert stats.loc["2023-06", "steepest_mom_drop_since"] == "2023-04"
    assert stats.loc["2024-02", "steepest_mom_drop_since"] == "2023-06"
    assert bool(stats.loc["2024-03", "steepest_mom_drop_in_record"])
    assert stats.loc["2024-04", "steepest_mom_drop_since"] == "2024-03"


def test_implied_values_of_shipped_file() -> None:
    imp = implied_values(load_observed())
    total = imp[imp["series"] == "china_magnet_exports_total"].set_index("period")
    assert total.loc["2024-05", "value"] == pytest.approx(1238 / (1 - 0.74))
    assert total.loc["2024-05", "basis"].startswith("1238/(1-0.74)") and bool(total.loc["2024-05", "derived"])
    assert total.loc["2025-04", "value"] == pytest.approx(1238 / (1 - 0.529))
    assert total.loc["2025-04", "basis"].startswith("1238/(1-0.529)")
    assert not bool(total.loc["2025-05", "derived"])
    # Germany: y/y only and no reference value -> nothing derived
    de = imp[imp["series"] == "china_magnet_exports_to_germany"]
    assert len(de) == 1 and math.isnan(de["value"].iloc[0]) and not bool(de["derived"].iloc[0])
    # annual: 2019 has both years observed -> nothing derived for 2018
    us = imp[imp["series"] == "china_magnet_exports_to_us_annual"]
    assert not us["derived"].any()


def test_stats_unknown_series() -> None:
    with pytest.raises(UnknownSeriesError, match=r"known series: s$"):
        series_stats(frame(), "t")
