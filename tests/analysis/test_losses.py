"""The headline loss: value added lost through the input-output model, its bands and its split by country."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

import supplyshock as ss
from supplyshock.analysis.economy import country_losses, economic_impact, has_values, member_losses, value_at_stake
from supplyshock.analysis.summary import country_table, loss_bands, totals_frame
from supplyshock.economy import load_default_mrio


@pytest.fixture(scope="module")
def embargo() -> tuple[xr.Dataset, xr.Dataset]:
    sc = ss.load_scenario("cn-magnet-embargo-12m").model_copy(update={"horizon_days": 240, "uncertain": [], "members": 1})
    ds = ss.run(sc, members=3, params={"cover_scale": np.array([0.6, 1.0, 1.4])})
    return ds, economic_impact(ds)


def test_bands_are_ordered_and_value_added_is_part_of_output(embargo: tuple[xr.Dataset, xr.Dataset]) -> None:
    _, eco = embargo
    b = loss_bands(eco)
    for metric in ("value_added_lost_usd", "output_lost_usd"):
        assert 0 < b.loc[metric, "p05"] <= b.loc[metric, "p50"] <= b.loc[metric, "p95"]
    ml = member_losses(eco)
    assert (ml["value_added_lost_direct_usd"] <= ml["value_added_lost_usd"] + 1e-6).all()
    assert (ml["value_added_lost_usd"] < ml["output_lost_usd"]).all()


def test_more_stock_cover_loses_less(embargo: tuple[xr.Dataset, xr.Dataset]) -> None:
    """Monotonicity across members: cover 0.6x, 1.0x, 1.4x of the dataset's."""
    _, eco = embargo
    va = member_losses(eco)["value_added_lost_usd"].to_numpy()
    assert va[0] > va[1] > va[2] > 0


def test_countries_share_their_region_loss_and_nothing_is_invented(embargo: tuple[xr.Dataset, xr.Dataset]) -> None:
    ds, eco = embargo
    cl = country_losses(eco, ds)["value_added_lost_usd"]
    k = eco.attrs["usd_per_unit"]
    va = (eco["value_added_loss_direct"] + eco["value_added_loss_indirect"]).sum(("time", "sector"))
    regions = set(ds["country_mrio_region"].values.astype(str))
    for m in range(3):
        by_country = cl.xs(m, level="member").sum()
        in_regions = float(va.sel(member=m, region=sorted(regions)).sum()) * k
        assert by_country == pytest.approx(in_regions, rel=1e-9)  # regions with countries are split, not lost or doubled
        assert by_country <= float(va.sel(member=m).sum()) * k * (1 + 1e-12)


def test_a_country_never_short_bears_none_of_its_regions_direct_loss() -> None:
    """Vietnam shares WIOD's rest of the world with India, Malaysia and others: when only its
    neighbours run short, the region's direct loss is theirs and Vietnam bears only its share of
    the indirect loss (by value at stake)."""
    sc = ss.load_scenario("cn-2025-april-controls").model_copy(update={"uncertain": [], "members": 1})
    ds = ss.run(sc, members=1)
    eco = economic_impact(ds)
    cl = country_losses(eco, ds)["value_added_lost_usd"].xs(0, level="member")
    k = eco.attrs["usd_per_unit"]
    region = ds["country_mrio_region"].values.astype(str)
    countries = ds["country"].values.astype(str)
    risk = ds["output_at_risk"].isel(scenario=0, member=0).sum(("time", "sector")).values
    never = [c for c, r in zip(countries, risk, strict=True) if r == 0 and c != "CHN"]
    shared = [c for c in never if (region == region[list(countries).index(c)]).sum() > 1]
    assert shared, "a country with no shortfall shares a region with countries that are short"
    stake = (ds["baseline_demand"] * ds["value_per_t"]).sum("sector").values
    for c in shared:
        i = list(countries).index(c)
        same = region == region[i]
        indirect = float(eco["value_added_loss_indirect"].sel(member=0, region=region[i]).sum()) * k
        assert cl[c] == pytest.approx(indirect * stake[i] / stake[same].sum(), rel=1e-9)


def test_country_table_sorted_by_loss_with_bands(embargo: tuple[xr.Dataset, xr.Dataset]) -> None:
    ds, eco = embargo
    table = country_table(ds, eco)
    assert table.index[0] != "CHN"  # the embargo hurts importers
    assert table["value_added_lost_usd_p50"].is_monotonic_decreasing
    assert (table["value_added_lost_usd_p05"] <= table["value_added_lost_usd_p50"] + 1e-6).all()
    assert (table["value_added_lost_usd_p50"] <= table["value_added_lost_usd_p95"] + 1e-6).all()
    products = set(ds["sector_product"].values.astype(str))
    tonnes = {c for c in table.columns if c.startswith("shortfall_t")}
    assert tonnes == ({"shortfall_t"} if len(products) == 1 else {f"shortfall_t_{p}" for p in products})
    totals = totals_frame(eco, ds)
    assert set(totals["metric"]) == {"value_added_lost_usd", "value_added_lost_direct_usd", "output_lost_usd"}
    assert set(totals.loc[totals["country"] != "", "country"]) <= set(ds["country"].values.astype(str))


def test_tonnes_of_different_materials_never_add() -> None:
    sc = ss.load_scenario("cn-2024-us-ban-ga-ge-sb").model_copy(update={"members": 1, "uncertain": [], "horizon_days": 120})
    table = country_table(ss.run(sc))
    assert "shortfall_t" not in table.columns
    assert {"shortfall_t_sb_trioxide", "shortfall_t_ga_wafer"} <= set(table.columns)


def test_value_at_stake_is_demand_times_value_in_table_prices(embargo: tuple[xr.Dataset, xr.Dataset]) -> None:
    ds, _ = embargo
    sub = ds.isel(scenario=0)
    stake = value_at_stake(sub, load_default_mrio())
    year = float(np.nanmax(sub["value_price_year"].values))
    expected = sub["baseline_demand"] * 365 * sub["value_per_t"] / 1e6  # at the table's prices when the price year is 2011
    if year == 2011:
        np.testing.assert_allclose(stake.isel(member=0, time=0).values, (expected * sub["growth_level"].isel(member=0, time=0)).values, rtol=1e-12)
    assert (stake.values >= 0).all()


def test_runs_without_values_are_not_valued() -> None:
    sc = ss.load_scenario("cn-2023-ga-licensing").model_copy(update={"members": 1, "uncertain": [], "horizon_days": 60})
    ds = ss.run(sc)
    if has_values(ds):
        pytest.skip("the gallium dataset now gives values per tonne")
    assert not has_values(ds)
