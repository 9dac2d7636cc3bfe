"""From tonnes to money: a run's magnet shortfall through the input-output model.

The material model's shortfall ratio by (member, day, country, end-use sector) becomes a
capacity constraint on the MRIO industries that depend on magnets (the mapping is data:
``supplyshock/data/mrio/magnet_sector_map.csv``), and the ARIO-family model of
:mod:`supplyshock.economy` propagates it along supply chains. See ``docs/economy.md``.
"""

from __future__ import annotations

import pandas as pd
import xarray as xr

from supplyshock.economy import run_coupled

__all__ = ["economic_impact", "economic_summary"]


def economic_impact(ds: xr.Dataset, **kwargs: object) -> xr.Dataset:
    """Lost gross output and value added, direct and indirect, by region and MRIO sector.

    Parameters
    ----------
    ds : Dataset
        Results of :func:`supplyshock.run`.
    **kwargs
        Passed to :func:`supplyshock.economy.run_coupled` (``mrio``, ``magnet_dependence``,
        ``params``, ``input_criticality``, ...).

    Returns
    -------
    Dataset on (member, time, region, sector) in the MRIO's unit (WIOD: USD million).
    """
    sub = ds.isel(scenario=0)
    demand = sub["demand"]
    ratio = xr.where(demand > 0, sub["shortfall"] / demand.where(demand > 0), 0.0).clip(0.0, 1.0)
    ratio = ratio.rename(sector="end_use_sector")
    weights = sub["demand"].isel(member=0).sum("time").rename(sector="end_use_sector")
    return run_coupled(ratio, magnet_demand=weights, **kwargs)  # type: ignore[arg-type]


def economic_summary(eco: xr.Dataset) -> pd.DataFrame:
    """Totals over the horizon per (region, sector): output and value added lost, direct and indirect (median over members)."""
    cols = ["output_loss_direct", "output_loss_indirect", "value_added_loss_direct", "value_added_loss_indirect"]
    tot = eco[cols].sum("time").median("member").to_dataframe()[cols]
    tot["output_loss_total"] = tot["output_loss_direct"] + tot["output_loss_indirect"]
    tot = tot[tot["output_loss_total"].abs() > 1e-9]
    return tot.sort_values("output_loss_total", ascending=False)
