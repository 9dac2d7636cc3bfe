"""From tonnes to money: a run's output losses through the input-output model.

The material model records, per member, day, country and end-use sector, the share of the
output that needs the material which is lost (``output_loss_share``: plants stopped or short,
convex at plant level). Each (country, sector) has a *value at stake*: its material demand
(t/yr, growing with demand) times the value of output per tonne (``values.csv``, which
datasets derive from the material content per unit of product and the unit's value). The
ARIO model of :mod:`supplyshock.economy` turns the losses into lost gross output and value
added, direct and through supply chains (see ``docs/economy.md``).

The bundled table is WIOD 2011 in USD million. Values per tonne carry a price year; the
table is scaled to it by the ratio of world GDP in current US dollars
(``data/mrio/world_gdp.csv``), and every money figure this module returns is in US dollars of
that price year.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from supplyshock.economy import MRIO, load_default_mrio, run_coupled
from supplyshock.errors import DataError

__all__ = [
    "LOSS_COLUMNS",
    "country_losses",
    "economic_impact",
    "economic_summary",
    "has_values",
    "member_losses",
    "value_at_stake",
]

#: Per-member loss totals (USD of the values' price year), with their meaning.
LOSS_COLUMNS = {
    "value_added_lost_usd": "value added lost, direct and indirect (USD)",
    "value_added_lost_direct_usd": "value added lost by the industries short of the material (USD)",
    "output_lost_usd": "gross output lost, direct and indirect (USD)",
}


def _world_gdp() -> pd.Series:
    ref = resources.files("supplyshock").joinpath("data", "mrio", "world_gdp.csv")
    with ref.open("r", encoding="utf-8") as fh:
        df = pd.read_csv(fh)
    return df.set_index("year")["gdp_usd_tn"].astype(float)


def _scale(year: float, mrio: MRIO) -> float:
    """Factor from the table's year and prices to ``year``'s (ratio of world GDP, current USD)."""
    gdp = _world_gdp()
    base = int(mrio.meta.get("year", 0) or 0)
    if int(year) == base:
        return 1.0
    missing = [y for y in (base, int(year)) if y not in gdp.index]
    if missing:
        raise DataError(
            f"values.csv: price_year {int(year)} cannot be scaled to the input-output table's year {base}: "
            f"data/mrio/world_gdp.csv has no world GDP for {missing} (it has {list(gdp.index)}); add the year with its source"
        )
    return float(gdp[int(year)] / gdp[base])


def has_values(ds: xr.Dataset) -> bool:
    """Whether a run can be valued: it records output loss shares and its dataset gives values per tonne."""
    return "output_loss_share" in ds and "value_per_t" in ds and bool((ds["value_per_t"].values > 0).any())


def _price_year(ds: xr.Dataset, mrio: MRIO) -> int:
    """The price year money is reported in: the latest price year of the run's values."""
    years = ds["value_price_year"].values[ds["value_per_t"].values > 0] if "value_price_year" in ds else np.array([])
    years = years[np.isfinite(years)]
    if (ds["value_per_t"].values > 0).any() and years.size < int((ds["value_per_t"].values > 0).sum()):
        raise DataError("values.csv: price_year is missing for some rows with a value; give every value its price year")
    return int(years.max()) if years.size else int(mrio.meta.get("year", 0) or 0)


def value_at_stake(ds: xr.Dataset, mrio: MRIO | None = None) -> xr.DataArray:
    """Yearly value of the output that needs the material, in the table's unit and prices.

    Demand (``baseline_demand`` times the day's ``growth_level``, t/yr) times the value per
    tonne, divided by the world-GDP scale of the value's price year.

    Returns
    -------
    xarray.DataArray on (member, time, country, sector).
    """
    mrio = mrio or load_default_mrio()
    value = ds["value_per_t"].values
    years = ds["value_price_year"].values if "value_price_year" in ds else np.full(value.shape, np.nan)
    scale = np.ones_like(value)
    for year in np.unique(years[(value > 0) & np.isfinite(years)]):
        scale[years == year] = _scale(float(year), mrio)
    per_unit = {"USD million (current prices)": 1e6}.get(mrio.unit, 1e6)
    stake_year = ds["baseline_demand"].values * 365.0 * value / scale / per_unit  # (country, sector)
    level = ds["growth_level"] if "growth_level" in ds else xr.DataArray(np.ones((ds.sizes["member"], ds.sizes["time"])), dims=("member", "time"))
    out = level.values[:, :, None, None] * stake_year[None, None]
    return xr.DataArray(
        out,
        dims=("member", "time", "country", "sector"),
        coords={"member": ds["member"].values, "time": ds["time"].values, "country": ds["country"].values, "sector": ds["sector"].values},
        attrs={"units": mrio.unit + " per year"},
    )


def economic_impact(ds: xr.Dataset, *, mrio: MRIO | None = None, **kwargs: Any) -> xr.Dataset:
    """Lost gross output and value added, direct and indirect, by region and MRIO sector.

    Parameters
    ----------
    ds : Dataset
        Results of :func:`supplyshock.run` (with ``output_loss_share``, ``value_per_t`` and the
        ``country_mrio_region`` / ``sector_mrio_sector`` coordinates).
    mrio : MRIO, optional
        Default: the bundled WIOD 2011 table.
    **kwargs
        Passed to :func:`supplyshock.economy.run_coupled` (``params``, ``rationing``, ...).

    Returns
    -------
    Dataset on (member, time, region, sector) in the table's unit (WIOD: USD million of
    2011); attributes ``price_year`` and ``usd_per_unit`` convert to US dollars of the
    values' price year.
    """
    mrio = mrio or load_default_mrio()
    sub = ds.isel(scenario=0) if "scenario" in ds.dims else ds
    if "output_loss_share" not in sub:
        raise DataError("the results do not record output_loss_share; run with the default record to value the losses")
    for coord in ("country_mrio_region", "sector_mrio_sector"):
        if coord not in sub.coords:
            raise DataError(f"the results lack the {coord} coordinate (results of an older version); run the scenario again")
    region_of = dict(zip(sub["country"].values.astype(str), sub["country_mrio_region"].values.astype(str), strict=True))
    sector_of = dict(zip(sub["sector"].values.astype(str), sub["sector_mrio_sector"].values.astype(str), strict=True))
    loss = sub["output_loss_share"].clip(0.0, 1.0)
    eco = run_coupled(loss, value_at_stake(sub, mrio), region_of, sector_of, mrio, **kwargs)
    year = _price_year(sub, mrio)
    per_unit = 1e6 if "million" in mrio.unit else 1.0
    eco.attrs.update({"price_year": year, "usd_per_unit": per_unit * _scale(year, mrio), "currency": f"USD ({year} prices)"})
    return eco


def member_losses(eco: xr.Dataset) -> pd.DataFrame:
    """Totals over the horizon per member (:data:`LOSS_COLUMNS`), in USD of the price year."""
    k = float(eco.attrs.get("usd_per_unit", 1.0))
    va = (eco["value_added_loss_direct"] + eco["value_added_loss_indirect"]).sum(("time", "region", "sector"))
    out = (eco["output_loss_direct"] + eco["output_loss_indirect"]).sum(("time", "region", "sector"))
    return pd.DataFrame(
        {
            "value_added_lost_usd": va.values * k,
            "value_added_lost_direct_usd": eco["value_added_loss_direct"].sum(("time", "region", "sector")).values * k,
            "output_lost_usd": out.values * k,
        },
        index=pd.Index(eco["member"].values, name="member"),
    )


def country_losses(eco: xr.Dataset, ds: xr.Dataset) -> pd.DataFrame:
    """Value added lost per member and country (USD of the price year).

    A region of the input-output table may hold several of the run's countries (Vietnam,
    India and the rest of the world share WIOD's rest of the world). Its *direct* loss (the
    industries short of the material) is attributed to them in proportion to their own output
    at risk in that member (shortfall x value per tonne): a country that is never short bears
    none of it. Its *indirect* loss (the rest of the economy, through supply chains) is
    attributed in proportion to their value at stake (baseline demand x value per tonne). A
    country that is a region of its own gets all of both. Regions of the table without a
    country of the run (e.g. TWN) are not attributed.

    Returns
    -------
    DataFrame indexed by (member, country) with ``value_added_lost_usd``.
    """
    sub = ds.isel(scenario=0) if "scenario" in ds.dims else ds
    k = float(eco.attrs.get("usd_per_unit", 1.0))
    direct = eco["value_added_loss_direct"].sum(("time", "sector"))  # (member, region)
    indirect = eco["value_added_loss_indirect"].sum(("time", "sector"))
    stake = (sub["baseline_demand"] * sub["value_per_t"]).sum("sector")  # (country,) relative weights suffice
    if "output_at_risk" in sub:  # daily results
        risk = sub["output_at_risk"].sum(("time", "sector")).transpose("member", "country").values
    elif "output_at_risk_usd" in sub:  # per-member metrics of a chunked ensemble
        risk = sub["output_at_risk_usd"].sum("sector").transpose("member", "country").values
    else:
        risk = None
    regions = sub["country"].values.astype(str)
    region_of = sub["country_mrio_region"].values.astype(str)
    rows = []
    for ci, c in enumerate(regions):
        r = region_of[ci]
        if r not in direct["region"].values:
            continue
        same = region_of == r
        tot = float(stake.values[same].sum())
        w_stake = float(stake.values[ci]) / tot if tot > 0 else 1.0 / int(same.sum())
        d_r, i_r = direct.sel(region=r).values, indirect.sel(region=r).values
        for mi, m in enumerate(direct["member"].values):
            w_direct = w_stake
            if risk is not None and mi < risk.shape[0]:
                at_risk = float(risk[mi, same].sum())
                if at_risk > 0:
                    w_direct = float(risk[mi, ci]) / at_risk
            v = float(d_r[mi]) * w_direct + float(i_r[mi]) * w_stake
            rows.append({"member": int(m), "country": c, "value_added_lost_usd": v * k})
    return pd.DataFrame(rows).set_index(["member", "country"])


def economic_summary(eco: xr.Dataset) -> pd.DataFrame:
    """Totals over the horizon per (region, sector), median over members, in USD of the price year.

    Columns: output and value added lost, direct, indirect and total.
    """
    k = float(eco.attrs.get("usd_per_unit", 1.0))
    cols = ["output_loss_direct", "output_loss_indirect", "value_added_loss_direct", "value_added_loss_indirect"]
    tot = eco[cols].sum("time").median("member").to_dataframe()[cols] * k
    tot["output_loss_total"] = tot["output_loss_direct"] + tot["output_loss_indirect"]
    tot["value_added_loss_total"] = tot["value_added_loss_direct"] + tot["value_added_loss_indirect"]
    tot = tot[tot["output_loss_total"].abs() > 1e-9 * max(k, 1.0)]
    tot.columns = [f"{c}_usd" for c in tot.columns]
    return tot.sort_values("value_added_loss_total_usd", ascending=False)
