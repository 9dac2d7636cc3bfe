"""Tables of a run: who runs short, when, by how much; the headline flows by month; price peaks.

Every number comes from :mod:`supplyshock.analysis.metrics` (one definition); this
module only arranges it for people.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from supplyshock.analysis.metrics import SHORTFALL_THRESHOLD, headline_flows, member_metrics

__all__ = ["headline_monthly", "price_peaks", "summarise"]


def summarise(ds: xr.Dataset, *, member: int | None = None, threshold: float = SHORTFALL_THRESHOLD) -> pd.DataFrame:
    """Per (country, sector): days to first shortfall, peak shortfall, cumulative shortfall, lost output.

    Parameters
    ----------
    ds : Dataset
        Results of :func:`supplyshock.run` (or per-member metrics of a chunked ensemble).
    member : int, optional
        One ensemble member; by default the median over members of each metric.
    threshold : float
        Share of demand above which a day counts as short.

    Returns
    -------
    DataFrame
        Index (country, sector) of the pairs with demand; columns
        ``days_to_first_shortfall`` (NaN: never), ``first_shortfall_date``,
        ``peak_shortfall_pct``, ``cumulative_shortfall_t``, ``lost_output_usd``; sorted by
        lost output.
    """
    mm = member_metrics(ds, threshold=threshold)
    if member is not None:
        mm = mm.isel(member=[member])
    cols = ("days_to_first_shortfall", "peak_shortfall_pct", "cumulative_shortfall_t", "lost_output_usd")
    out = pd.DataFrame(
        {k: mm[k].median("member").values.ravel() for k in cols},
        index=pd.MultiIndex.from_product([mm["country"].values, mm["sector"].values], names=["country", "sector"]),
    )
    dates = mm["time"].values
    out["first_shortfall_date"] = [pd.Timestamp(dates[int(d)]).date().isoformat() if np.isfinite(d) else "" for d in out["days_to_first_shortfall"]]
    out = out[mm["has_demand"].values.ravel()]
    return out.sort_values(["lost_output_usd", "cumulative_shortfall_t"], ascending=False)


def headline_monthly(ds: xr.Dataset, head: str | None = None) -> pd.DataFrame:
    """A headline flow (``dataset.yaml``) by month, median over members.

    Parameters
    ----------
    ds : Dataset
        Results or per-member metrics.
    head : str, optional
        The flow's id (default: the dataset's first).

    Returns
    -------
    DataFrame
        Index month; columns ``total``, one per named importer, ``baseline`` (t) and
        ``change_pct`` (total vs baseline, %). Empty when the dataset declares none.
    """
    heads = headline_flows(ds)
    if not heads:
        return pd.DataFrame(columns=["total", "baseline", "change_pct"])
    h = next((x for x in heads if x.id == head), heads[0]) if head else heads[0]
    mm = member_metrics(ds)
    daily = mm[f"flow_{h.id}"].median("member")  # (column, time)
    frame = pd.DataFrame(daily.values.T, index=pd.DatetimeIndex(mm["time"].values), columns=h.columns())
    monthly = frame.resample("MS").sum()
    months = pd.PeriodIndex(pd.DatetimeIndex(monthly.index), freq="M")
    monthly.index = months
    base_t = h.baseline_t if np.isfinite(h.baseline_t) else _baseline_flow(ds, h.exporter, h.product)
    level: np.ndarray | float = 1.0
    if "growth_level" in ds:  # the baseline grows with demand
        grow = pd.Series(ds["growth_level"].median("member").values, index=pd.DatetimeIndex(ds["time"].values).to_period("M"))
        level = grow.groupby(level=0).mean().reindex(months).to_numpy()
    monthly["baseline"] = base_t / 365.0 * months.days_in_month.to_numpy().astype(float) * level
    monthly["change_pct"] = (monthly["total"] / monthly["baseline"] - 1) * 100
    monthly.attrs.update({"label": h.label, "id": h.id, "units": "t"})
    return monthly


def _baseline_flow(ds: xr.Dataset, exporter: str, product: str) -> float:
    """Baseline flow (t/yr) from the link coordinates (results written before headlines carried it)."""
    if "link_baseline_t" in ds.coords:
        sel = (ds["link_exporter"] == exporter) & (ds["link_product"] == product)
        return float(ds["link_baseline_t"].where(sel, 0.0).sum())
    return float("nan")


def price_peaks(ds: xr.Dataset, *, min_rise: float | None = None) -> pd.DataFrame:
    """Peak price index per market and product, its date and the USD/t level where known.

    Parameters
    ----------
    ds : Dataset
        Results.
    min_rise : float, optional
        List only peaks above ``1 + min_rise`` (tables show those above
        :data:`~supplyshock.analysis.metrics.PRICE_RISE_SHOWN`); default: every pair.
    """
    pi = ds["price_index"].isel(scenario=0).median("member")
    peak = pi.max("time")
    when = pi.argmax("time")
    rows = []
    for k in pi["market"].values:
        for p in pi["product"].values:
            v = float(peak.sel(market=k, product=p))
            if min_rise is not None and v <= 1.0 + min_rise:
                continue
            d = pd.Timestamp(pi["time"].values[int(when.sel(market=k, product=p))]).date().isoformat()
            p0 = float(ds["price0"].sel(product=p))
            rows.append({"market": k, "product": p, "peak_index": v, "peak_date": d, "peak_usd_per_t": v * p0 if np.isfinite(p0) else np.nan})
    return pd.DataFrame(rows, columns=["market", "product", "peak_index", "peak_date", "peak_usd_per_t"]).set_index(["market", "product"])
