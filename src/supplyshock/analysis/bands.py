"""Ensemble statistics: quantile bands of the headline metrics and shortfall probabilities.

Works on full results (:func:`supplyshock.run`) and on per-member metrics of chunked
ensembles (:func:`supplyshock.analysis.chunks.run_ensemble`) alike, through
:func:`supplyshock.analysis.metrics.member_metrics`.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import xarray as xr

from supplyshock.analysis.metrics import METRICS, SHORTFALL_THRESHOLD, member_metrics

__all__ = ["QUANTILES", "member_metrics", "metric_bands", "shortfall_probability"]

QUANTILES = (0.05, 0.5, 0.95)


def metric_bands(ds: xr.Dataset, *, quantiles: tuple[float, ...] = QUANTILES, threshold: float = SHORTFALL_THRESHOLD) -> pd.DataFrame:
    """p5, p50, p95 (by default) of each headline metric per (country, sector).

    ``ds`` is either full results (:func:`supplyshock.run`) or per-member metrics
    (:func:`supplyshock.analysis.chunks.run_ensemble`).

    Days to first shortfall are computed over the members that run short (the column
    ``p_short`` gives their share); the other metrics over all members.

    Returns
    -------
    DataFrame
        Index (country, sector); columns ``<metric>_p5`` ... and ``p_short``.
    """
    mm = member_metrics(ds, threshold=threshold)
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
    out = out[mm["has_demand"].values.ravel()]
    return out.sort_values(f"output_at_risk_usd_p{round(quantiles[len(quantiles) // 2] * 100)}", ascending=False)


def shortfall_probability(ds: xr.Dataset, *, threshold: float = SHORTFALL_THRESHOLD) -> xr.DataArray:
    """Probability, over members, that a region-sector has run short by each date.

    Returns
    -------
    DataArray on (time, country, sector), values in [0, 1], non-decreasing in time.
    """
    mm = member_metrics(ds, threshold=threshold)
    out = mm["short_count"] / mm.sizes["member"]
    out.attrs = {"units": "1", "description": "share of members with a shortfall on or before the date"}
    return out
