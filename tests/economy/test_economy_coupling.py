"""Coupling magnet shortfalls to the MRIO model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from supplyshock.economy import (
    DEFAULT_MAGNET_DEPENDENCE,
    MRIO,
    load_country_map,
    load_default_mrio,
    load_sector_map,
    run_coupled,
    shortfall_to_capacity_loss,
)
from supplyshock.errors import DataError, ScenarioError

END_USES = [
    "ev_traction",
    "other_automotive",
    "wind",
    "industrial_appliances",
    "consumer_electronics",
    "defence_aerospace",
    "other",
]
COUNTRIES = ["CHN", "MML", "USA", "AUS", "MYS", "JPN", "DEU", "EUR", "KOR", "VNM", "IND", "ROW"]


@pytest.fixture(scope="module")
def wiod() -> MRIO:
    return load_default_mrio()


def shortfall(values: np.ndarray, countries: list[str], uses: list[str]) -> xr.DataArray:
    return xr.DataArray(
        values,
        dims=("member", "time", "country", "end_use_sector"),
        coords={"country": countries, "end_use_sector": uses},
    )


def test_bundled_maps_cover_spec(wiod: MRIO) -> None:
    smap, cmap = load_sector_map(), load_country_map()
    assert list(smap.columns) == ["end_use_sector", "mrio_sector", "weight", "source", "note"]
    assert list(cmap.columns) == ["country", "mrio_region", "source"]
    assert sorted(set(smap.end_use_sector)) == sorted(END_USES)
    assert sorted(cmap.country) == sorted(COUNTRIES)
    assert set(smap.mrio_sector) <= set(wiod.sectors)
    assert set(cmap.mrio_region) <= set(wiod.regions)
    assert smap.note.str.startswith("assumption").all()
    np.testing.assert_allclose(smap.groupby("end_use_sector").weight.sum(), 1.0)


def test_capacity_loss_formula(wiod: MRIO) -> None:
    vals = np.zeros((1, 2, 2, 2))
    vals[0, 1, 0, 0] = 0.5  # CHN ev_traction
    vals[0, 1, 1, 1] = 1.0  # USA wind
    loss = shortfall_to_capacity_loss(shortfall(vals, ["CHN", "USA"], ["ev_traction", "wind"]), wiod)
    assert loss.dims == ("member", "time", "region", "sector")
    assert float(loss.sel(time=0).max()) == 0.0
    at = loss.isel(member=0, time=1)
    d = DEFAULT_MAGNET_DEPENDENCE
    # CHN: ev_traction -> TRN (weight 1), wind (shortfall 0) -> OMF/ELE; equal demand weights
    assert float(at.sel(region="CHN", sector="TRN")) == pytest.approx(0.5 * d["TRN"])
    assert float(at.sel(region="CHN", sector="ELE")) == pytest.approx(0.0)
    # USA: TRN only from ev_traction (0); ELE only from wind (1.0)
    assert float(at.sel(region="USA", sector="ELE")) == pytest.approx(1.0 * d["ELE"])
    assert float(at.sel(region="USA", sector="OMF")) == pytest.approx(1.0 * d["OMF"])
    assert float(at.sel(region="USA", sector="TRN")) == pytest.approx(0.0)
    assert float(at.sel(region="DEU").sum()) == 0.0


def test_demand_weighting_across_countries(wiod: MRIO) -> None:
    # MYS and VNM both map to RoW_agg: the loss is their demand-weighted shortfall
    vals = np.zeros((1, 1, 2, 1))
    vals[0, 0, 0, 0] = 1.0
    sf = shortfall(vals, ["MYS", "VNM"], ["consumer_electronics"])
    q = xr.DataArray(
        [[3.0], [1.0]],
        dims=("country", "end_use_sector"),
        coords={"country": ["MYS", "VNM"], "end_use_sector": ["consumer_electronics"]},
    )
    loss = shortfall_to_capacity_loss(sf, wiod, magnet_dependence=1.0, magnet_demand=q)
    assert float(loss.sel(region="RoW_agg", sector="ELE").item()) == pytest.approx(0.75)


def test_run_coupled_direct_and_indirect(wiod: MRIO) -> None:
    vals = np.zeros((2, 20, 1, 1))
    vals[1, 2:12] = 0.8  # member 1: CHN EV traction short for 10 periods
    sf = shortfall(vals, ["CHN"], ["ev_traction"])
    ds = run_coupled(sf, wiod, magnet_dependence={"TRN": 0.5}, steps_per_period=2)
    assert ds["output_loss_direct"].dims == ("member", "time", "region", "sector")
    assert ds.sizes["time"] == 20
    # member 0: no shortfall, no loss
    assert float(abs(ds.output_loss_direct.sel(member=0)).max()) == 0.0
    assert float(abs(ds.output_loss_indirect.sel(member=0)).max()) < 1e-6
    m1 = ds.sel(member=1)
    assert bool(m1.direct.sel(region="CHN", sector="TRN"))
    assert int(m1.direct.sum()) == 1
    direct = float(m1.output_loss_direct.sum())
    assert direct > 0
    assert float(m1.output_loss_indirect.sum()) > 0  # suppliers of CHN|TRN lose demand
    # while the shortfall lasts the direct loss cannot exceed the capacity removed
    # (0.4 of CHN|TRN daily output for 10 periods x 2 steps)
    i = wiod.industry_index("CHN", "TRN")
    during = float(m1.output_loss_direct.isel(time=slice(2, 12)).sum())
    assert 0 < during <= 0.4 * wiod.x[i] / 365 * 20 * (1 + 1e-9)
    va = wiod.value_added[i] / wiod.x[i]
    assert float(m1.value_added_loss_direct.sum()) == pytest.approx(direct * va)


def test_bad_shortfall_and_maps(wiod: MRIO) -> None:
    ok = np.full((1, 2, 1, 1), 0.2)
    with pytest.raises(DataError, match=r"countries \['XXX'\]"):
        shortfall_to_capacity_loss(shortfall(ok, ["XXX"], ["wind"]), wiod)
    with pytest.raises(DataError, match=r"end-use sectors \['rockets'\]"):
        shortfall_to_capacity_loss(shortfall(ok, ["CHN"], ["rockets"]), wiod)
    with pytest.raises(ScenarioError, match=r"in \[0, 1\]"):
        shortfall_to_capacity_loss(shortfall(ok * 6, ["CHN"], ["wind"]), wiod)
    bad_map = load_sector_map().copy()
    bad_map.loc[0, "mrio_sector"] = "MAGNETS"
    with pytest.raises(DataError, match=r"MRIO sectors \['MAGNETS'\]"):
        shortfall_to_capacity_loss(shortfall(ok, ["CHN"], ["wind"]), wiod, sector_map=bad_map)
    bad_c = pd.concat([load_country_map(), pd.DataFrame([["FRA", "FRANCE", "x"]], columns=["country", "mrio_region", "source"])])
    with pytest.raises(DataError, match=r"MRIO regions \['FRANCE'\]"):
        shortfall_to_capacity_loss(shortfall(ok, ["CHN"], ["wind"]), wiod, country_map=bad_c)
    w = load_sector_map().copy()
    w.loc[0, "weight"] = 0.3
    with pytest.raises(DataError, match="sum to 1"):
        shortfall_to_capacity_loss(shortfall(ok, ["CHN"], ["wind"]), wiod, sector_map=w)
    with pytest.raises(ScenarioError, match="dims"):
        shortfall_to_capacity_loss(xr.DataArray(np.zeros((2, 2)), dims=("time", "country")), wiod)
