"""Ensemble statistics: quantile bands of headline metrics and shortfall probabilities."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import xarray as xr

from supplyshock.analysis.summary import SHORTFALL_THRESHOLD

__all__ = ["QUANTILES", "member_metrics", "metric_bands", "shortfall_probability"]

QUANTILES = (0.05, 0.5, 0.95)
METRICS = ("days_to_first_shortfall", "peak_shortfall_pct", "cumulative_shortfall_t", "lost_output_usd")


def _ratio(ds: xr.Dataset) -> xr.DataArray:
    demand = ds["demand"].isel(scenario=0)
    return xr.where(demand > 0, ds["shortfall"].isel(scenario=0) / demand.where(demand > 0), 0.0)


def member_metrics(ds: xr.Dataset, *, threshold: float = SHORTFALL_THRESHOLD) -> xr.Dataset:
    """Headline metrics per member, country and sector.

    ``days_to_first_shortfall`` is NaN for a member that never runs short.
    """
    ratio = _ratio(ds)
    short = ratio > threshold
    first = short.argmax("time").where(short.any("time")).astype(float)
    return xr.Dataset(
        {
            "days_to_first_shortfall": first,
            "peak_shortfall_pct": ratio.max("time") * 100,
            "cumulative_shortfall_t": ds["shortfall"].isel(scenario=0).sum("time"),
            "lost_output_usd": ds["lost_output"].isel(scenario=0).sum("time"),
        }
    )


def metric_bands(ds: xr.Dataset, *, quantiles: tuple[float, ...] = QUANTILES, threshold: float = SHORTFALL_THRESHOLD) -> pd.DataFrame:
    """p5, p50, p95 (by default) of each headline metric per (country, sector).

    ``ds`` is either full results (:func:`supplyshock.run`) or per-member metrics
    (:func:`supplyshock.analysis.ensembles.run_ensemble`).

    Days to first shortfall are computed over the members that run short (the column
    ``p_short`` gives their share); the other metrics over all members.

    Returns
    -------
    DataFrame
        Index (country, sector); columns ``<metric>_p5`` ... and ``p_short``.
    """
    mm = ds if "cumulative_shortfall_t" in ds else member_metrics(ds, threshold=threshold)
    cols: dict[str, np.ndarray] = {}
    for name in METRICS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN: never short in any member
            q = mm[name].quantile(list(quantiles), dim="member", skipna=True)
        for qq in quantiles:
            cols[f"{name}_p{round(qq * 100)}"] = q.sel(quantile=qq).values.ravel()
    cols["p_short"] = mm["days_to_first_shortfall"].notnull().mean("member").values.ravel()
    idx = pd.MultiIndex.from_product([mm["country"].values, mm["sector"].values], names=["country", "sector"])
    out = pd.DataFrame(cols, index=idx)
    if "demand" in ds:
        has = (ds["demand"].isel(scenario=0).sum(("member", "time")) > 0).values.ravel()
        out = out[has]
    return out.sort_values(f"lost_output_usd_p{round(quantiles[len(quantiles) // 2] * 100)}", ascending=False)


def shortfall_probability(ds: xr.Dataset, *, threshold: float = SHORTFALL_THRESHOLD) -> xr.DataArray:
    """Probability, over members, that a region-sector has run short by each date.

    Returns
    -------
    DataArray on (time, country, sector), values in [0, 1], non-decreasing in time.
    """
    if "shortfall_probability" in ds:
        return ds["shortfall_probability"]
    short = _ratio(ds) > threshold
    ever = short.astype(int).cumsum("time") > 0
    out = ever.mean("member")
    out.attrs = {"units": "1", "description": "share of members with a shortfall on or before the date"}
    return out
