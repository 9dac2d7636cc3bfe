"""The headline metrics, defined once.

Who runs short, when, by how much and at what value: per member and (country, sector),

the metrics of level ``sector`` in ``schema/metrics.csv`` (first shortfall, peak, tonnes,
output at risk, first stoppage, stopped share, plant-days lost, days short);

and per (day, country, sector) ``short_count``, the members short on or before the day.
The headline flows a dataset declares (``dataset.yaml``: e.g. China's magnet exports)
are summed per member and day.

The same :class:`ShortfallAccumulator` and :class:`FlowAccumulator` serve every way of
running: they watch a run day by day (chunked ensembles keep no daily arrays), and they
replay a finished run's Dataset day by day (single runs, the report), so the numbers are
the same whichever path produced them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from supplyshock.engine.setup import Setup
from supplyshock.engine.step import DayFlows
from supplyshock.schema import METRICS as SCHEMA_METRICS
from supplyshock.schema import PARAMETERS

__all__ = [
    "METRICS",
    "NEAR_CEILING",
    "NEVER_METRICS",
    "PRICE_RISE_SHOWN",
    "SHORTFALL_THRESHOLD",
    "TOTALS",
    "FlowAccumulator",
    "HeadlineFlow",
    "ShortfallAccumulator",
    "headline_flows",
    "median_day",
    "member_metrics",
    "member_totals",
    "metrics_observers",
    "observed_metrics",
    "recorded_trade",
    "sector_products",
]

#: A day counts as short when shortfall exceeds this share of demand (the schema's ``shortfall_threshold``).
SHORTFALL_THRESHOLD = PARAMETERS["shortfall_threshold"].default
#: A price index peak is reported when it rises above baseline by more than this share.
PRICE_RISE_SHOWN = 0.001
#: A price within this share of the ceiling ``price_index_max`` counts as set by the ceiling
#: (the smoothed price approaches it without reaching it): a model failure, not a result.
NEAR_CEILING = 0.95
#: The per-member (country, sector) metrics, in display order, with units (schema/metrics.csv).
METRICS = {m.name: m.unit for m in SCHEMA_METRICS.values() if m.level == "sector"}
#: The metrics that are a day which may never come (NaN: never); their median over members
#: counts a member that never gets there as later than every date (:func:`median_day`).
NEVER_METRICS = ("days_to_first_shortfall", "first_stoppage_day")


def median_day(days: np.ndarray, axis: int = 0) -> np.ndarray:
    """Median over members of a day that may never come (NaN).

    A member that never runs short ranks after every date, so the median is NaN (never) when
    at least half the members never get there; with an even count the earlier of the two
    middle members is taken (a date some member has, never an average of two).

    Examples
    --------
    >>> median_day(np.array([10.0, np.nan, np.nan]))
    array(nan)
    >>> median_day(np.array([10.0, 20.0, np.nan]))
    array(20.)
    """
    v = np.where(np.isfinite(days), days, np.inf)
    if v.shape[axis] == 0:
        return np.full(np.delete(v.shape, axis), np.nan) if v.ndim > 1 else np.array(np.nan)
    m = np.quantile(v, 0.5, axis=axis, method="lower")
    return np.where(np.isfinite(m), m, np.nan)


class ShortfallAccumulator:
    """Online reduction of daily demand and shortfall to the headline metrics.

    Parameters
    ----------
    members, days, n : int
        Members, days and (country, sector) columns of the arrays it is fed.
    value : ndarray (n,)
        Value of output per tonne of each column, USD/t.
    threshold : float
        Share of demand above which a day counts as short.
    """

    def __init__(self, members: int, days: int, value: np.ndarray, *, threshold: float = SHORTFALL_THRESHOLD) -> None:
        n = value.size
        self.value, self.threshold = value, threshold
        self.cum_short = np.zeros((members, n))
        self.cum_value = np.zeros((members, n))
        self.peak = np.zeros((members, n))
        self.first_day = np.full((members, n), -1, dtype=np.int64)
        self.first_stop = np.full((members, n), -1, dtype=np.int64)
        self.peak_stopped = np.zeros((members, n))
        self.plant_days = np.zeros((members, n))
        self.days_short = np.zeros((members, n))
        self.ever = np.zeros((members, n), bool)
        self.short_count = np.zeros((days, n), dtype=np.int64)

    def update(self, t: int, demand: np.ndarray, shortfall: np.ndarray, stopped: np.ndarray | None = None) -> None:
        """Take one day's (members, n) demand, shortfall and share of demand at stopped plants.

        Without ``stopped`` (results of runs that do not record it) a short day counts as a
        full stoppage.
        """
        ratio = np.divide(shortfall, demand, out=np.zeros_like(shortfall), where=demand > 0)
        self.cum_short += shortfall
        self.cum_value += shortfall * self.value
        np.maximum(self.peak, ratio, out=self.peak)
        is_short = ratio > self.threshold
        self.first_day = np.where((self.first_day < 0) & is_short, t, self.first_day)
        self.ever |= is_short
        self.short_count[t] = self.ever.sum(axis=0)
        self.days_short += is_short
        stop = is_short.astype(float) if stopped is None else stopped
        np.maximum(self.peak_stopped, stop, out=self.peak_stopped)
        self.plant_days += stop
        self.first_stop = np.where((self.first_stop < 0) & (stop > 0), t, self.first_stop)

    def per_member(self) -> dict[str, np.ndarray]:
        """The metrics as (members, n) arrays (``days_to_first_shortfall`` NaN: never)."""
        return {
            "days_to_first_shortfall": np.where(self.first_day >= 0, self.first_day, np.nan).astype(float),
            "peak_shortfall_pct": self.peak * 100,
            "cumulative_shortfall_t": self.cum_short,
            "output_at_risk_usd": self.cum_value,
            "first_stoppage_day": np.where(self.first_stop >= 0, self.first_stop, np.nan).astype(float),
            "peak_stopped_pct": self.peak_stopped * 100,
            "plant_days_lost": self.plant_days,
            "days_short": self.days_short,
        }


@dataclass(frozen=True)
class HeadlineFlow:
    """A flow a summary reports (from ``dataset.yaml``)."""

    id: str
    label: str
    exporter: str
    product: str
    importers: tuple[str, ...]
    baseline_t: float = float("nan")

    def columns(self) -> list[str]:
        """Column names of its table: ``total`` then one per named importer."""
        return ["total", *self.importers]

    def link_sets(self, exporter: np.ndarray, importer: np.ndarray, product: np.ndarray) -> list[np.ndarray]:
        """Link indices summed for each column (arrays of country and product codes per link)."""
        base = (exporter == self.exporter) & (product == self.product)
        return [np.flatnonzero(base)] + [np.flatnonzero(base & (importer == c)) for c in self.importers]


def headline_flows(ds_or_attrs: xr.Dataset | dict[str, object]) -> list[HeadlineFlow]:
    """The headline flows recorded with a run (``headlines_json`` attribute)."""
    attrs = ds_or_attrs.attrs if isinstance(ds_or_attrs, xr.Dataset) else ds_or_attrs
    text = attrs.get("headlines_json", "[]")
    out = []
    for h in json.loads(str(text)):
        out.append(HeadlineFlow(h["id"], h["label"], h["exporter"], h["product"], tuple(h.get("importers", ())), float(h.get("baseline_t", "nan"))))
    return out


class FlowAccumulator:
    """Daily totals of the headline flows per member: (members, days) per column."""

    def __init__(self, heads: list[HeadlineFlow], members: int, days: int, exporter: np.ndarray, importer: np.ndarray, product: np.ndarray) -> None:
        self.heads = heads
        self.sets = [h.link_sets(exporter, importer, product) for h in heads]
        self.daily = [np.zeros((len(h.columns()), members, days)) for h in heads]

    def update(self, t: int, ship: np.ndarray) -> None:
        """Take one day's (members, links) shipments."""
        for sets, arr in zip(self.sets, self.daily, strict=True):
            for k, idx in enumerate(sets):
                arr[k, :, t] = ship[:, idx].sum(axis=1)


class _EngineShortfall:
    """Feeds a :class:`ShortfallAccumulator` from the engine's active (country, sector) pairs."""

    def __init__(self, threshold: float) -> None:
        self.threshold = threshold
        self.acc: ShortfallAccumulator | None = None
        self.setup: Setup | None = None

    def start(self, setup: Setup) -> None:
        self.setup = setup
        self.acc = ShortfallAccumulator(setup.members, setup.days, setup.value_q, threshold=self.threshold)

    def update(self, flows: DayFlows) -> None:
        assert self.acc is not None
        self.acc.update(flows.day, flows.demand * flows.level, flows.shortfall * flows.level, flows.stopped)


class _EngineFlows:
    def __init__(self, heads: list[HeadlineFlow], countries: list[str], products: list[str]) -> None:
        self.heads, self.countries, self.products = heads, np.array(countries), np.array(products)
        self.acc: FlowAccumulator | None = None

    def start(self, setup: Setup) -> None:
        lk = setup.links
        self.acc = FlowAccumulator(
            self.heads, setup.members, setup.days, self.countries[lk.exporter], self.countries[lk.importer], self.products[lk.product]
        )

    def update(self, flows: DayFlows) -> None:
        assert self.acc is not None
        self.acc.update(flows.day, (flows.ship - flows.leaked) * flows.level)  # recorded (customs) exports


def metrics_observers(
    heads: list[HeadlineFlow], countries: list[str], products: list[str], *, threshold: float = SHORTFALL_THRESHOLD
) -> tuple[_EngineShortfall, _EngineFlows]:
    """Observers that reduce a run to its metrics as it goes (see :func:`member_metrics`)."""
    return _EngineShortfall(threshold), _EngineFlows(heads, countries, products)


def _grid(setup: Setup, arr: np.ndarray, fill: float) -> np.ndarray:
    """(..., Q) on active pairs -> (..., C, S)."""
    out = np.full((*arr.shape[:-1], setup.C, setup.S), fill, dtype=arr.dtype)
    out[..., setup.q_c, setup.q_s] = arr
    return out


def observed_metrics(
    shortfall: _EngineShortfall, flows: _EngineFlows, *, countries: list[str], sectors: list[str], dates: np.ndarray, member_start: int = 0
) -> xr.Dataset:
    """The metrics the observers collected, as a Dataset like :func:`member_metrics`'s."""
    assert shortfall.acc is not None and shortfall.setup is not None and flows.acc is not None
    s = shortfall.setup
    pm = shortfall.acc.per_member()
    data: dict[str, tuple[tuple[str, ...], np.ndarray]] = {
        k: (("member", "country", "sector"), _grid(s, v, np.nan if k in ("days_to_first_shortfall", "first_stoppage_day") else 0.0))
        for k, v in pm.items()
    }
    data["short_count"] = (("time", "country", "sector"), _grid(s, shortfall.acc.short_count, 0))
    data["has_demand"] = (("country", "sector"), _grid(s, np.ones(s.q_c.size, bool), False))
    ds = xr.Dataset(
        data,
        coords={
            "member": np.arange(member_start, member_start + s.members),
            "country": countries,
            "sector": sectors,
            "time": dates.astype("datetime64[ns]"),
        },
    )
    ds.attrs["headlines_json"] = json.dumps([{**h.__dict__, "importers": list(h.importers)} for h in flows.heads])
    ds["growth_level"] = (("member", "time"), np.stack([s.growth_factor(t)[:, 0] for t in range(s.days)], axis=1))
    return _with_flows(ds, flows.acc)


def _with_flows(ds: xr.Dataset, acc: FlowAccumulator) -> xr.Dataset:
    for head, arr in zip(acc.heads, acc.daily, strict=True):
        ds[f"flow_{head.id}"] = xr.Variable(
            (f"{head.id}_column", "member", "time"),
            arr,
            attrs={"units": "t", "description": f"{head.label}: daily shipments"},
        )
        ds = ds.assign_coords({f"{head.id}_column": head.columns()})
    for k, unit in METRICS.items():
        ds[k].attrs["units"] = unit
    ds["short_count"].attrs = {"units": "members", "description": "members short on or before the day"}
    return ds


def member_metrics(ds: xr.Dataset, *, threshold: float = SHORTFALL_THRESHOLD) -> xr.Dataset:
    """The headline metrics of a finished run, per member, country and sector.

    Replays the Dataset's daily ``demand``, ``shortfall`` and ``trade`` through the same
    accumulators the engine's observers use. A Dataset that already holds metrics (from a
    chunked ensemble) is returned as it is.

    Returns
    -------
    Dataset
        ``days_to_first_shortfall`` (NaN: never), ``peak_shortfall_pct``,
        ``cumulative_shortfall_t``, ``output_at_risk_usd`` on (member, country, sector);
        ``short_count`` on (time, country, sector); ``flow_<id>`` per headline flow on
        (<id>_column, member, time).
    """
    if "cumulative_shortfall_t" in ds:
        return ds
    sub = ds.isel(scenario=0)
    demand = sub["demand"].transpose("member", "time", "country", "sector").values
    short = sub["shortfall"].transpose("member", "time", "country", "sector").values
    M, T, C, S = demand.shape
    value = sub["value_per_t"].transpose("country", "sector").values.reshape(C * S)
    acc = ShortfallAccumulator(M, T, value, threshold=threshold)
    stopped = sub["stopped_share"].transpose("member", "time", "country", "sector").values if "stopped_share" in sub else None
    for t in range(T):
        stop_t = None if stopped is None else stopped[:, t].reshape(M, C * S)
        acc.update(t, demand[:, t].reshape(M, C * S), short[:, t].reshape(M, C * S), stop_t)
    data: dict[str, tuple[tuple[str, ...], np.ndarray]] = {
        k: (("member", "country", "sector"), v.reshape(M, C, S)) for k, v in acc.per_member().items()
    }
    data["short_count"] = (("time", "country", "sector"), acc.short_count.reshape(T, C, S))
    data["has_demand"] = (("country", "sector"), demand.sum(axis=(0, 1)) > 0)
    out = xr.Dataset(
        data, coords={"member": sub["member"].values, "country": sub["country"].values, "sector": sub["sector"].values, "time": sub["time"].values}
    )
    heads = headline_flows(ds)
    flows = FlowAccumulator(heads, M, T, sub["link_exporter"].values, sub["link_importer"].values, sub["link_product"].values)
    if heads and "trade" in sub:
        trade = recorded_trade(sub).transpose("member", "time", "link").values
        for t in range(T):
            flows.update(t, trade[:, t])
    out = _with_flows(out, flows)
    out.attrs.update({k: v for k, v in ds.attrs.items() if k in ("scenario_name", "scenario_json", "headlines_json", "seed")})
    return out


def recorded_trade(ds: xr.Dataset) -> xr.DataArray:
    """Shipments as the exporter's customs would record them (t/day per link).

    ``trade`` less ``indirect_trade``: controlled material that leaks through third
    countries reaches the buyer but is not in the controlling country's export statistics,
    which is what headline flows and backtests compare with.
    """
    if "indirect_trade" in ds:
        return ds["trade"] - ds["indirect_trade"]
    return ds["trade"]


def sector_products(ds: xr.Dataset) -> dict[str, str]:
    """The material each end-use sector uses (the results' ``sector_product`` coordinate; empty when absent)."""
    if "sector_product" not in ds.coords:
        return {}
    return dict(zip(ds["sector"].values.astype(str), ds["sector_product"].values.astype(str), strict=True))


#: Scalar outputs per member (sensitivity analysis, sweeps), with their meaning.
TOTALS = {
    "total_shortfall_t": "cumulative end-use shortfall, all regions and sectors (t)",
    "total_output_at_risk_usd": "output at risk, all regions and sectors (USD, upper bound)",
    "worst_peak_shortfall_pct": "largest peak shortfall of any region-sector (% of demand)",
    "regions_short": "number of region-sectors that run short",
}


def member_totals(ds: xr.Dataset) -> pd.DataFrame:
    """The :data:`TOTALS` per member, from results or per-member metrics."""
    mm = member_metrics(ds)
    return pd.DataFrame(
        {
            "total_shortfall_t": mm["cumulative_shortfall_t"].sum(("country", "sector")).values,
            "total_output_at_risk_usd": mm["output_at_risk_usd"].sum(("country", "sector")).values,
            "worst_peak_shortfall_pct": mm["peak_shortfall_pct"].max(("country", "sector")).values,
            "regions_short": mm["days_to_first_shortfall"].notnull().sum(("country", "sector")).values,
        },
        index=pd.Index(mm["member"].values, name="member"),
    )
