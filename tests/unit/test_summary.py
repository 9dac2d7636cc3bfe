"""Headline figures: who runs short, when, by how much; the dataset's headline flow by month; price peaks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import supplyshock as ss
from supplyshock.analysis.metrics import sector_products
from supplyshock.analysis.summary import headline_monthly, price_peaks
from supplyshock.scenario import Scenario

COLUMNS = {"days_to_first_shortfall", "first_shortfall_date", "peak_shortfall_pct", "cumulative_shortfall_t", "output_at_risk_usd"}


@pytest.fixture(scope="module")
def base() -> xr.Dataset:
    return ss.run(Scenario.model_validate({"name": "b", "start": "2025-01-01", "horizon_days": 90}))


@pytest.fixture(scope="module")
def embargo() -> xr.Dataset:
    return ss.run(
        ss.load_scenario("cn-magnet-embargo-12m").model_copy(update={"horizon_days": 200}),
        members=2,
        params={"switching_lag_days": np.array([30.0, 90.0])},
    )


def test_baseline_summary_has_no_shortfall(base: xr.Dataset) -> None:
    s = ss.summarise(base)
    assert set(s.columns) >= COLUMNS
    assert s.index.names == ["country", "sector"]
    assert len(s) > 0
    assert s["days_to_first_shortfall"].isna().all()
    assert (s["first_shortfall_date"] == "").all()
    assert (s["cumulative_shortfall_t"] == 0).all()
    assert (s["output_at_risk_usd"] == 0).all()


def test_summary_only_rows_with_demand(base: xr.Dataset, network: ss.SupplyNetwork) -> None:
    s = ss.summarise(base)
    expected = {
        (c, sec) for c in network.countries for sec in network.sectors if network.demand0[network.countries.index(c), network.sectors.index(sec)] > 0
    }
    assert set(s.index) == expected


def test_embargo_summary(embargo: xr.Dataset) -> None:
    s = ss.summarise(embargo)
    assert (s["output_at_risk_usd"].diff().dropna() <= 0).all()  # worst first
    short = s[s["cumulative_shortfall_t"] > 0]
    assert len(short) > 0
    # China's users of the embargoed products keep their supply; a Chinese user of a co-product
    # (yttrium from the ionic-clay separation that the lost Dy/Tb and NdPr exports idle) may not:
    # the rare-earth balance problem (Binnemans et al. 2013, "Rare-earth economics: the balance problem", JOM 65:846-848)
    embargoed = set(ss.load_scenario("cn-magnet-embargo-12m").events[0].products)
    of = sector_products(embargo)
    china = [sec for c, sec in short.index if c == "CHN"]
    assert not {of[sec] for sec in china} & embargoed, china
    row = short.iloc[0]
    d = int(row["days_to_first_shortfall"])
    assert row["first_shortfall_date"] == (pd.Timestamp("2025-01-01") + pd.Timedelta(days=d)).date().isoformat()
    assert 0 < row["peak_shortfall_pct"] <= 100


def test_summary_member_and_median(embargo: xr.Dataset) -> None:
    s0 = ss.summarise(embargo, member=0)
    s1 = ss.summarise(embargo, member=1)
    med = ss.summarise(embargo)
    key = ("USA", "ev_traction")
    a, b = s0.loc[key, "cumulative_shortfall_t"], s1.loc[key, "cumulative_shortfall_t"]
    assert a != b
    assert med.loc[key, "cumulative_shortfall_t"] == pytest.approx((a + b) / 2)
    # member 0 alone equals a direct computation
    sf = embargo["shortfall"].isel(scenario=0, member=0).sel(country="USA", sector="ev_traction")
    assert a == pytest.approx(float(sf.sum()))


def test_headline_flow_monthly_baseline(base: xr.Dataset) -> None:
    df = headline_monthly(base)  # the dataset's headline: China's magnet exports
    assert df.attrs["label"] == "China's magnet exports"
    assert [str(p) for p in df.index] == ["2025-01", "2025-02", "2025-03"]
    np.testing.assert_allclose(df["total"], df["baseline"], rtol=1e-6)
    np.testing.assert_allclose(df["change_pct"], 0, atol=1e-4)
    # the 2024 exports (58,152 t) grown to January 2025 at the dataset's demand growth
    level = float(base["growth_level"].isel(member=0).sel(time="2025-01").mean())
    assert level > 1.0
    assert df.loc[pd.Period("2025-01"), "baseline"] == pytest.approx(58_152 / 365 * 31 * level, rel=1e-4)
    assert "USA" in df.columns


def test_headline_flow_monthly_embargo(embargo: xr.Dataset) -> None:
    df = headline_monthly(embargo)
    assert (df["total"] == 0).all()
    np.testing.assert_allclose(df["change_pct"], -100)


def test_price_peaks(base: xr.Dataset, embargo: xr.Dataset) -> None:
    pb = price_peaks(base)
    np.testing.assert_allclose(pb["peak_index"], 1.0, atol=1e-9)
    pe = price_peaks(embargo)
    assert pe.loc[("outside_china", "ndfeb_magnet"), "peak_index"] > 1.5
