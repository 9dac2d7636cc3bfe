"""Coupling output losses of the material model to the MRIO model (no mineral named anywhere)."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from supplyshock.economy import MRIO, capacity_loss, load_default_mrio, run_coupled
from supplyshock.errors import DataError, ScenarioError

REGION = {"CHN": "CHN", "USA": "USA", "MYS": "RoW_agg", "VNM": "RoW_agg"}
SECTOR = {"cars": "TRN", "turbines": "ELE"}


@pytest.fixture(scope="module")
def wiod() -> MRIO:
    return load_default_mrio()


def loss_share(values: np.ndarray, countries: list[str], sectors: list[str]) -> xr.DataArray:
    return xr.DataArray(values, dims=("member", "time", "country", "sector"), coords={"country": countries, "sector": sectors})


def stake(values: list[list[float]], countries: list[str], sectors: list[str]) -> xr.DataArray:
    return xr.DataArray(np.array(values, dtype=float), dims=("country", "sector"), coords={"country": countries, "sector": sectors})


def _x(wiod: MRIO, region: str, sector: str) -> float:
    return float(wiod.x[wiod.industry_index(region, sector)])


def test_capacity_loss_is_lost_stake_over_gross_output(wiod: MRIO) -> None:
    vals = np.zeros((1, 2, 2, 2))
    vals[0, 1, 0, 0] = 0.5  # CHN cars
    vals[0, 1, 1, 1] = 1.0  # USA turbines
    v = stake([[1000.0, 500.0], [2000.0, 300.0]], ["CHN", "USA"], ["cars", "turbines"])
    loss = capacity_loss(loss_share(vals, ["CHN", "USA"], ["cars", "turbines"]), v, REGION, SECTOR, wiod)
    assert loss.dims == ("member", "time", "region", "sector")
    assert float(loss.sel(time=0).max()) == 0.0
    at = loss.isel(member=0, time=1)
    assert float(at.sel(region="CHN", sector="TRN")) == pytest.approx(0.5 * 1000.0 / _x(wiod, "CHN", "TRN"))
    assert float(at.sel(region="USA", sector="ELE")) == pytest.approx(300.0 / _x(wiod, "USA", "ELE"))
    assert float(at.sel(region="USA", sector="TRN")) == 0.0
    assert float(at.sel(region="DEU").sum()) == 0.0
    shares = [1000 / _x(wiod, "CHN", "TRN"), 2000 / _x(wiod, "USA", "TRN"), 300 / _x(wiod, "USA", "ELE"), 500 / _x(wiod, "CHN", "ELE")]
    assert loss.attrs["stake_share_max"] == pytest.approx(max(shares))


def test_countries_of_one_region_add_up(wiod: MRIO) -> None:
    """MYS and VNM both map to RoW_agg: their lost stakes add."""
    vals = np.zeros((1, 1, 2, 1))
    vals[0, 0, 0, 0] = 1.0
    vals[0, 0, 1, 0] = 0.5
    v = stake([[300.0], [100.0]], ["MYS", "VNM"], ["turbines"])
    loss = capacity_loss(loss_share(vals, ["MYS", "VNM"], ["turbines"]), v, REGION, SECTOR, wiod)
    assert float(loss.sel(region="RoW_agg", sector="ELE").item()) == pytest.approx(350.0 / _x(wiod, "RoW_agg", "ELE"))


def test_stake_above_gross_output_is_clipped_and_reported(wiod: MRIO) -> None:
    x = _x(wiod, "USA", "ELE")
    v = stake([[2 * x]], ["USA"], ["turbines"])
    loss = capacity_loss(loss_share(np.ones((1, 1, 1, 1)), ["USA"], ["turbines"]), v, REGION, SECTOR, wiod)
    assert float(loss.max()) == 1.0
    assert loss.attrs["stake_share_max"] == pytest.approx(2.0)


def test_run_coupled_direct_and_indirect(wiod: MRIO) -> None:
    vals = np.zeros((2, 20, 1, 1))
    vals[1, 2:12] = 0.8  # member 1: CHN cars short for 10 periods
    x = _x(wiod, "CHN", "TRN")
    v = stake([[0.5 * x]], ["CHN"], ["cars"])  # half of CHN|TRN output needs the material
    ds = run_coupled(loss_share(vals, ["CHN"], ["cars"]), v, REGION, SECTOR, wiod, steps_per_period=2)
    assert ds["output_loss_direct"].dims == ("member", "time", "region", "sector")
    assert ds.sizes["time"] == 20
    assert float(abs(ds.output_loss_direct.sel(member=0)).max()) == 0.0
    assert float(abs(ds.output_loss_indirect.sel(member=0)).max()) < 1e-6
    m1 = ds.sel(member=1)
    assert bool(m1.direct.sel(region="CHN", sector="TRN"))
    assert int(m1.direct.sum()) == 1
    direct = float(m1.output_loss_direct.sum())
    assert direct > 0
    assert float(m1.output_loss_indirect.sum()) > 0  # suppliers of CHN|TRN lose demand
    # while the loss lasts the direct loss cannot exceed the capacity removed (0.4 of output, 10 periods x 2 steps)
    during = float(m1.output_loss_direct.isel(time=slice(2, 12)).sum())
    assert 0 < during <= 0.4 * x / 365 * 20 * (1 + 1e-9)
    i = wiod.industry_index("CHN", "TRN")
    assert float(m1.value_added_loss_direct.sum()) == pytest.approx(direct * wiod.value_added[i] / wiod.x[i])


def test_bad_inputs_name_the_field(wiod: MRIO) -> None:
    ok = np.full((1, 2, 1, 1), 0.2)
    v = stake([[1.0]], ["XXX"], ["cars"])
    with pytest.raises(DataError, match=r"countries \['XXX'\] have no mrio_region"):
        capacity_loss(loss_share(ok, ["XXX"], ["cars"]), v, REGION, SECTOR, wiod)
    with pytest.raises(DataError, match=r"mrio_sector values \['MAGNETS'\]"):
        capacity_loss(loss_share(ok, ["CHN"], ["cars"]), stake([[1.0]], ["CHN"], ["cars"]), REGION, {"cars": "MAGNETS"}, wiod)
    with pytest.raises(ScenarioError, match=r"in \[0, 1\]"):
        capacity_loss(loss_share(ok * 6, ["CHN"], ["cars"]), stake([[1.0]], ["CHN"], ["cars"]), REGION, SECTOR, wiod)
    with pytest.raises(DataError, match="value at stake"):
        capacity_loss(loss_share(ok, ["CHN"], ["cars"]), stake([[-1.0]], ["CHN"], ["cars"]), REGION, SECTOR, wiod)
    with pytest.raises(ScenarioError, match="dims"):
        capacity_loss(xr.DataArray(np.zeros((2, 2)), dims=("time", "country")), stake([[1.0]], ["CHN"], ["cars"]), REGION, SECTOR, wiod)
