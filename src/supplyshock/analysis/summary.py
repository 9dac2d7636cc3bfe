"""Headline figures of a run: who runs short, when, by how much, and at what cost."""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

__all__ = ["china_exports_monthly", "price_peaks", "summarise"]

#: A day counts as short when shortfall exceeds this share of demand.
SHORTFALL_THRESHOLD = 0.001


def summarise(ds: xr.Dataset, *, member: int | None = None, threshold: float = SHORTFALL_THRESHOLD) -> pd.DataFrame:
    """Per (country, sector): days to first shortfall, peak shortfall, cumulative shortfall, lost output.

    Parameters
    ----------
    ds : Dataset
        Results of :func:`supplyshock.run`.
    member : int, optional
        One ensemble member; by default the median over members of each metric.
    threshold : float
        Share of demand above which a day counts as short.

    Returns
    -------
    DataFrame
        Index (country, sector); columns ``days_to_first_shortfall`` (NaN: never),
        ``first_shortfall_date``, ``peak_shortfall_pct``, ``cumulative_shortfall_t``,
        ``lost_output_usd``; sorted by lost output.
    """
    sub = ds.isel(scenario=0)
    if member is not None:
        sub = sub.isel(member=[member])
    demand = sub["demand"]
    short = sub["shortfall"]
    ratio = xr.where(demand > 0, short / demand.where(demand > 0), 0.0)
    is_short = ratio > threshold
    any_short = is_short.any("time")
    first = is_short.argmax("time").where(any_short)
    peak = ratio.max("time") * 100
    cum = short.sum("time")
    lost = sub["lost_output"].sum("time")
    dates = sub["time"].values
    out = pd.DataFrame(
        {
            "days_to_first_shortfall": first.median("member").values.ravel(),
            "peak_shortfall_pct": peak.median("member").values.ravel(),
            "cumulative_shortfall_t": cum.median("member").values.ravel(),
            "lost_output_usd": lost.median("member").values.ravel(),
        },
        index=pd.MultiIndex.from_product([sub["country"].values, sub["sector"].values], names=["country", "sector"]),
    )
    out["first_shortfall_date"] = [pd.Timestamp(dates[int(d)]).date().isoformat() if np.isfinite(d) else "" for d in out["days_to_first_shortfall"]]
    has_demand = (demand.sum("time").median("member").values.ravel()) > 0
    out = out[has_demand]
    return out.sort_values(["lost_output_usd", "cumulative_shortfall_t"], ascending=False)


def china_exports_monthly(ds: xr.Dataset, product: str = "ndfeb_magnet", exporter: str = "CHN") -> pd.DataFrame:
    """Monthly exports of a product from an exporter: by importer, total, baseline and change."""
    sub = ds.isel(scenario=0).median("member")
    sel = np.flatnonzero(((sub["link_exporter"] == exporter) & (sub["link_product"] == product)).values)
    daily = pd.DataFrame(
        sub["trade"].values[:, sel],
        index=pd.DatetimeIndex(sub["time"].values),
        columns=sub["link_importer"].values[sel],
    )
    df = daily.T.groupby(level=0).sum().T.resample("MS").sum()
    months = pd.PeriodIndex(pd.DatetimeIndex(df.index), freq="M")
    df.index = months
    df["total"] = df.sum(axis=1)
    base = float(sub["link_baseline_t"].values[sel].sum())
    df["baseline"] = base / 365.0 * months.days_in_month.to_numpy().astype(float)
    df["change_pct"] = (df["total"] / df["baseline"] - 1) * 100
    return df


def price_peaks(ds: xr.Dataset) -> pd.DataFrame:
    """Peak price index per market and product, with its date and the USD level where known."""
    pi = ds["price_index"].isel(scenario=0).median("member")
    peak = pi.max("time")
    when = pi.argmax("time")
    rows = []
    for k in pi["market"].values:
        for p in pi["product"].values:
            v = float(peak.sel(market=k, product=p))
            d = pd.Timestamp(pi["time"].values[int(when.sel(market=k, product=p))]).date().isoformat()
            p0 = float(ds["price0"].sel(product=p))
            rows.append({"market": k, "product": p, "peak_index": v, "peak_date": d, "peak_usd_per_t": v * p0 if np.isfinite(p0) else np.nan})
    return pd.DataFrame(rows).set_index(["market", "product"])
