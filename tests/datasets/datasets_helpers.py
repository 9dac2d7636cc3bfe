"""Helpers for the mineral datasets' tests: runs cached per session, per-country summaries."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

import supplyshock as ss

ROOT = Path(__file__).resolve().parents[2]
#: embedded name -> folder (and build script data-raw/build_<folder>.py)
MINERALS = {
    "gallium": "gallium",
    "germanium": "germanium",
    "antimony": "antimony",
    "graphite": "graphite",
    "tungsten": "tungsten",
    "minor-metals": "minor_metals",
}
#: the built-in scenarios of the mineral controls, with the datasets they run on
SCENARIOS = {
    "cn-2023-ga-licensing": ["gallium"],
    "cn-2023-ge-licensing": ["germanium"],
    "cn-2023-ga-ge-licensing": ["gallium", "germanium"],
    "cn-2024-us-ban-gallium": ["gallium"],
    "cn-2024-us-ban-germanium": ["germanium"],
    "cn-2024-antimony-licensing": ["antimony"],
    "cn-2024-us-ban-antimony": ["antimony"],
    "cn-2024-us-ban-ga-ge-sb": ["gallium", "germanium", "antimony"],
    "cn-2023-graphite-licensing": ["graphite"],
    "cn-2025-feb-tungsten-licensing": ["tungsten"],
    "cn-2025-feb-minor-metals-licensing": ["minor-metals"],
    "cn-2025-feb-five-metals-licensing": ["tungsten", "minor-metals"],
}


@cache
def run(name: str, horizon_days: int | None = None, drop_events: tuple[str, ...] = ()) -> xr.Dataset:
    """A built-in scenario's central case: one member, nothing drawn (optionally another horizon or without some events)."""
    sc = ss.load_scenario(name)
    update: dict[str, object] = {"members": 1, "uncertain": [], "correlation": []}
    if horizon_days is not None:
        update["horizon_days"] = horizon_days
    if drop_events:
        update["events"] = [e for e in sc.events if getattr(e, "id", None) not in drop_events]
    if update:
        sc = sc.model_copy(update=update)
    return ss.run(sc)


def short_share(ds: xr.Dataset) -> pd.Series:
    """Cumulative shortfall / cumulative demand per (country, sector) with demand."""
    d = ds["demand"].isel(scenario=0, member=0).sum("time").to_pandas().stack()
    s = ds["shortfall"].isel(scenario=0, member=0).sum("time").to_pandas().stack()
    return (s / d)[d > 0]


def country_short(ds: xr.Dataset, prefix: str | None = None) -> pd.Series:
    """Cumulative shortfall / demand per country, over all sectors or those whose code starts with ``prefix``."""
    dem = ds["demand"].isel(scenario=0, member=0).sum("time")
    sho = ds["shortfall"].isel(scenario=0, member=0).sum("time")
    if prefix is not None:
        sel = [s for s in ds["sector"].values if str(s).startswith(prefix)]
        dem, sho = dem.sel(sector=sel), sho.sel(sector=sel)
    d = dem.sum("sector").to_pandas()
    return (sho.sum("sector").to_pandas() / d)[d > 0]


def first_short_day(ds: xr.Dataset, threshold: float = 0.01, prefix: str | None = None) -> pd.Series:
    """First day on which a country's end use (all sectors, or those starting with ``prefix``) is
    short by more than ``threshold`` of demand; NaN: never."""
    dem = ds["demand"].isel(scenario=0, member=0)
    sho = ds["shortfall"].isel(scenario=0, member=0)
    if prefix is not None:
        sel = [s for s in ds["sector"].values if str(s).startswith(prefix)]
        dem, sho = dem.sel(sector=sel), sho.sel(sector=sel)
    dem, sho = dem.sum("sector"), sho.sum("sector")
    frac = (sho / dem.where(dem > 0)).fillna(0.0)
    out = {}
    for c in ds["country"].values:
        days = np.flatnonzero(frac.sel(country=c).values > threshold)
        out[str(c)] = float(days[0]) if days.size else np.nan
    return pd.Series(out)


def min_cover(ds: xr.Dataset, country: str, product: str, start: int = 0) -> float:
    """Lowest stock over the run (from day ``start``) relative to the opening stock."""
    inv = ds["inventory"].isel(scenario=0, member=0).sel(country=country, product=product).values
    return float(inv[start:].min() / inv[0]) if inv[0] > 0 else float("nan")


def link_flow(ds: xr.Dataset, exporter: str, importer: str, product: str) -> np.ndarray:
    """Daily shipments on one link (zeros if the run has no such link)."""
    sel = (ds["link_exporter"].values == exporter) & (ds["link_importer"].values == importer) & (ds["link_product"].values == product)
    tr = ds["trade"].isel(scenario=0, member=0).values
    return tr[:, sel].sum(axis=1)


def day(ds: xr.Dataset, date: str) -> int:
    """Index of a date on the run's time axis."""
    return int(np.flatnonzero(ds["time"].values == np.datetime64(date))[0])


def china_dependence(net: ss.SupplyNetwork) -> pd.Series:
    """Per country: share of its supply (own production of every product + imports) that comes from China.

    Valid for datasets whose products share one unit (the element's content), as gallium,
    germanium, antimony and tungsten do.
    """
    imp = net.imports0.sum(axis=1)
    cn = net.countries.index("CHN")
    from_cn = np.zeros(len(net.countries))
    np.add.at(from_cn, net.link_importer[net.link_exporter == cn], net.link_flow0[net.link_exporter == cn])
    # intermediate production counts the same metal twice (refined from imported primary):
    # use the first stage only, i.e. output of processes without inputs, plus imports
    first = np.zeros(len(net.countries))
    for j in range(len(net.processes)):
        if not net.recipe_in[0, j].any():
            first += (net.activity0[:, j, None] * net.recipe_out[:, j]).sum(axis=1)
    total = first + imp
    with np.errstate(invalid="ignore", divide="ignore"):
        dep = np.where(total > 0, from_cn / total, np.nan)
    return pd.Series(dep, index=net.countries)
