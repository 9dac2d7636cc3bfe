"""Tables of a run: who runs short, when, by how much; the headline flows by month; price peaks.

Every number comes from :mod:`supplyshock.analysis.metrics` (one definition); this
module only arranges it for people.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from supplyshock.analysis.metrics import (
    METRICS,
    NEAR_CEILING,
    NEVER_METRICS,
    SHORTFALL_THRESHOLD,
    headline_flows,
    median_day,
    member_metrics,
    sector_products,
)

__all__ = ["country_table", "headline_monthly", "loss_bands", "price_peaks", "summarise", "totals_frame"]


def summarise(ds: xr.Dataset, *, member: int | None = None, threshold: float = SHORTFALL_THRESHOLD) -> pd.DataFrame:
    """Per (country, sector): the metrics of :data:`~supplyshock.analysis.metrics.METRICS`, median over members.

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
        Index (country, sector) of the pairs with demand; columns the metrics
        (``days_to_first_shortfall`` NaN: never) and ``first_shortfall_date``; sorted by
        output at risk, then tonnes short.
    """
    mm = member_metrics(ds, threshold=threshold)
    if member is not None:
        mm = mm.isel(member=[member])
    cols = tuple(k for k in METRICS if k in mm)
    out = pd.DataFrame(
        {k: (median_day(mm[k].transpose("member", ...).values) if k in NEVER_METRICS else mm[k].median("member").values).ravel() for k in cols},
        index=pd.MultiIndex.from_product([mm["country"].values, mm["sector"].values], names=["country", "sector"]),
    )
    dates = mm["time"].values
    out["first_shortfall_date"] = [pd.Timestamp(dates[int(d)]).date().isoformat() if np.isfinite(d) else "" for d in out["days_to_first_shortfall"]]
    out = out[mm["has_demand"].values.ravel()]
    return out.sort_values(["output_at_risk_usd", "cumulative_shortfall_t"], ascending=False)


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
    """Peak price index per market and product, its date, the USD/kg level where known, and cap failures.

    A price that reaches the ceiling ``price_index_max`` is not a result: the model has no
    mechanism left to clear the market there (a *model failure*). ``at_cap_share`` is the
    share of members in which the price comes within
    :data:`~supplyshock.analysis.metrics.NEAR_CEILING` of the ceiling; such rows must be
    reported as failures, never drawn as the answer.

    Parameters
    ----------
    ds : Dataset
        Results.
    min_rise : float, optional
        List only peaks above ``1 + min_rise`` (tables show those above
        :data:`~supplyshock.analysis.metrics.PRICE_RISE_SHOWN`); default: every pair.

    Returns
    -------
    DataFrame
        Index (market, product); columns ``peak_index`` (median over members),
        ``peak_index_p05``, ``peak_index_p95``, ``peak_date``, ``peak_usd_per_kg`` (where a
        baseline price is known) and ``at_cap_share``.
    """
    sub = ds["price_index"].isel(scenario=0)
    pi = sub.median("member")
    peak = pi.max("time")
    when = pi.argmax("time")
    member_peak = sub.max("time")  # (member, market, product)
    cap = ds["price_cap"] if "price_cap" in ds else xr.DataArray(np.full(sub.sizes["member"], np.inf), dims="member")
    at_cap = (member_peak >= cap * NEAR_CEILING).mean("member")
    rows = []
    for k in pi["market"].values:
        for p in pi["product"].values:
            v = float(peak.sel(market=k, product=p))
            if min_rise is not None and v <= 1.0 + min_rise:
                continue
            d = pd.Timestamp(pi["time"].values[int(when.sel(market=k, product=p))]).date().isoformat()
            p0 = float(ds["price0"].sel(product=p))
            lo, hi = (float(member_peak.sel(market=k, product=p).quantile(q)) for q in (0.05, 0.95))
            rows.append(
                {
                    "market": k,
                    "product": p,
                    "peak_index": v,
                    "peak_index_p05": lo,
                    "peak_index_p95": hi,
                    "peak_date": d,
                    "peak_usd_per_kg": v * p0 / 1000.0 if np.isfinite(p0) else np.nan,
                    "at_cap_share": float(at_cap.sel(market=k, product=p)),
                }
            )
    cols = ["market", "product", "peak_index", "peak_index_p05", "peak_index_p95", "peak_date", "peak_usd_per_kg", "at_cap_share"]
    return pd.DataFrame(rows, columns=cols).set_index(["market", "product"])


def _quantiles(values: np.ndarray, qs: tuple[float, ...] = (0.05, 0.5, 0.95)) -> list[float]:
    """Member quantiles of a (members,) array (NaN members ignored; NaN when all are)."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    return [float(np.quantile(v, q)) if v.size else float("nan") for q in qs]


def loss_bands(eco: xr.Dataset) -> pd.DataFrame:
    """p5, p50 and p95 over members of the money lost through the input-output model.

    Returns
    -------
    DataFrame
        Index the loss metrics (``value_added_lost_usd``, ...); columns ``p05``, ``p50``,
        ``p95`` (USD of the values' price year).
    """
    from supplyshock.analysis.economy import member_losses

    ml = member_losses(eco)
    rows = {k: _quantiles(ml[k].to_numpy()) for k in ml.columns}
    return pd.DataFrame.from_dict(rows, orient="index", columns=["p05", "p50", "p95"]).rename_axis("metric")


def country_table(ds: xr.Dataset, eco: xr.Dataset | None = None) -> pd.DataFrame:
    """One row per country with demand: who is hurt, at a glance (medians over members, bands where uncertain).

    Columns: ``first_stoppage_day`` (first cohort of any sector dry; NaN: never),
    ``first_shortfall_day``, ``days_short`` (the worst sector's), ``peak_shortfall_pct`` and
    ``peak_stopped_pct`` (the worst sector's), ``shortfall_t`` (all sectors; tonnes of
    different materials never add, so a run that spans several products has one
    ``shortfall_t_<product>`` column per product instead),
    ``output_at_risk_usd`` (upper bound), ``sectors_short`` (count) and, with ``eco``,
    ``value_added_lost_usd_p05/_p50/_p95`` (a shared input-output region's direct loss
    attributed by the countries' own output at risk, its indirect loss by value at stake;
    see :func:`supplyshock.analysis.economy.country_losses`). Sorted by value added
    lost, then tonnes short.
    """
    mm = member_metrics(ds)
    has = mm["has_demand"]
    countries = [str(c) for c in mm["country"].values]

    def per_member(name: str, how: str) -> xr.DataArray:
        da = mm[name].where(has)
        return getattr(da, how)("sector", skipna=True)

    cols = {
        "first_stoppage_day": per_member("first_stoppage_day", "min"),
        "first_shortfall_day": per_member("days_to_first_shortfall", "min"),
        "days_short": per_member("days_short", "max"),
        "peak_shortfall_pct": per_member("peak_shortfall_pct", "max"),
        "peak_stopped_pct": per_member("peak_stopped_pct", "max") if "peak_stopped_pct" in mm else None,
        "output_at_risk_usd": per_member("output_at_risk_usd", "sum"),
        "sectors_short": mm["days_to_first_shortfall"].notnull().where(has, False).sum("sector"),
    }
    # tonnes add up only within one material: one column per product the sectors use
    of = sector_products(ds)
    products = [of.get(str(s), "") for s in mm["sector"].values]
    for prod in dict.fromkeys(products):
        in_prod = xr.DataArray([p == prod for p in products], dims="sector", coords={"sector": mm["sector"].values})
        name = "shortfall_t" if len(set(products)) == 1 else f"shortfall_t_{prod}"
        cols[name] = mm["cumulative_shortfall_t"].where(has & in_prod).sum("sector", skipna=True)
    out = pd.DataFrame(index=pd.Index(countries, name="country"))
    for k, da in cols.items():
        if da is None:
            continue
        vals = da.transpose("member", "country").values.astype(float)
        out[k] = median_day(vals, axis=0) if k.endswith("_day") else [_quantiles(vals[:, i])[1] for i in range(len(countries))]
    if eco is not None:
        from supplyshock.analysis.economy import country_losses

        cl = country_losses(eco, ds)["value_added_lost_usd"]
        for q, name in zip((0.05, 0.5, 0.95), ("p05", "p50", "p95"), strict=True):
            out[f"value_added_lost_usd_{name}"] = [
                _quantiles(cl.xs(c, level="country").to_numpy(), (q,))[0] if c in cl.index.get_level_values("country") else 0.0 for c in countries
            ]
    out = out[has.any("sector").values]
    tonnes = [c for c in out.columns if c.startswith("shortfall_t")]
    out["_t"] = out[tonnes].sum(axis=1)  # ties only: a sort key, never shown
    key = ["value_added_lost_usd_p50", "_t"] if eco is not None else ["_t", "output_at_risk_usd"]
    return out.sort_values(key, ascending=False).drop(columns="_t")


def totals_frame(eco: xr.Dataset, ds: xr.Dataset) -> pd.DataFrame:
    """The money lost for the run store (``run_totals``): p05/p50/p95 in total and value added per country."""
    from supplyshock.analysis.economy import country_losses

    rows = [{"metric": m, "country": "", "statistic": stat, "value": float(v)} for m, r in loss_bands(eco).iterrows() for stat, v in r.items()]
    cl = country_losses(eco, ds)["value_added_lost_usd"]
    for c in sorted(set(cl.index.get_level_values("country"))):
        for stat, v in zip(("p05", "p50", "p95"), _quantiles(cl.xs(c, level="country").to_numpy()), strict=True):
            rows.append({"metric": "value_added_lost_usd", "country": c, "statistic": stat, "value": v})
    return pd.DataFrame(rows, columns=["metric", "country", "statistic", "value"])
