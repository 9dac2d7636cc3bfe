"""Downloads an analyst can open in a spreadsheet: one tidy table of several variables, units in the header, rounded.

:func:`tidy_results` lays a run's daily results out as one row per (date, country, sector)
(or per (date, country, product), or per (date, market, product) for prices), with one
column per variable and statistic, named with its unit (``shortfall (t/day) p50``), names
beside codes, and numbers rounded to six significant digits (no float noise such as
0.9999999999999838). :func:`workbook` writes tables as the sheets of an Excel file.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping
from typing import Literal

import numpy as np
import pandas as pd
import xarray as xr

from supplyshock.analysis.labels import labels_for

__all__ = ["LEVELS", "TIDY_VARIABLES", "country_ranking", "day_date", "ranking_with_units", "round_frame", "tidy_results", "workbook"]

#: The variables of each level of the tidy table, in column order.
TIDY_VARIABLES: dict[str, tuple[str, ...]] = {
    "sector": ("demand", "delivered", "shortfall", "stopped_share", "output_loss_share", "output_at_risk"),
    "product": ("inventory", "production", "imports", "exports", "final_use", "process_use", "release"),
    "market": ("price_index",),
}
Level = Literal["sector", "product", "market"]
#: The levels of :func:`tidy_results`.
LEVELS: tuple[str, ...] = tuple(TIDY_VARIABLES)
SIGNIFICANT_DIGITS = 6


def _round(x: float) -> float:
    if not math.isfinite(x) or x == 0.0:
        return x
    return round(x, SIGNIFICANT_DIGITS - 1 - math.floor(math.log10(abs(x))))


def round_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Every float column rounded to six significant digits (NaN kept)."""
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            out[col] = [_round(float(v)) for v in out[col].to_numpy()]
    return out


def tidy_results(ds: xr.Dataset, level: Level = "sector", *, bands: bool | None = None) -> pd.DataFrame:
    """A run's daily results as one tidy table of several variables, units in the column names.

    Parameters
    ----------
    ds : Dataset
        Results of :func:`supplyshock.run` (daily; not the per-member metrics of a
        chunked ensemble).
    level : {"sector", "product", "market"}
        One row per (date, country, sector): demand, deliveries, shortfall, stopped share,
        output loss share, output at risk; per (date, country, product): stocks,
        production, trade, uses, releases; per (date, market, product): the price index.
    bands : bool, optional
        Add p05 and p95 columns beside the median (default: when the run has several
        members).

    Returns
    -------
    DataFrame
        Columns ``date``, the keys and their names (``country``, ``country_name``,
        ``sector``, ``sector_name`` ...), then ``<variable> (<unit>) p50`` (and ``p05``,
        ``p95``), rounded to six significant digits. Keys whose values are zero on every
        day (a country without demand in a sector) are left out; a zero on some days is
        kept (a zero is a result).

    Raises
    ------
    ValueError
        For an unknown level, or results without daily variables.
    """
    if level not in TIDY_VARIABLES:
        raise ValueError(f"unknown level {level!r}; choose one of {', '.join(LEVELS)}")
    names = [v for v in TIDY_VARIABLES[level] if v in ds.data_vars]
    if not names or "time" not in ds.dims:
        raise ValueError("these results hold no daily variables (a run in chunks keeps per-member metrics only)")
    labels = labels_for(ds)
    sub = ds.isel(scenario=0) if "scenario" in ds.dims else ds
    members = int(sub.sizes["member"])
    with_bands = members > 1 if bands is None else bands
    keys = {"sector": ("country", "sector"), "product": ("country", "product"), "market": ("market", "product")}[level]
    columns: dict[str, np.ndarray] = {}
    for name in names:
        da = sub[name].transpose("member", "time", *keys)
        values = np.asarray(da.values, dtype=float)
        unit = str(sub[name].attrs.get("units", ""))
        if name != "inventory" and unit in ("t", "USD"):  # a day's flow
            unit = f"{unit}/day"
        if name == "price_index":
            unit = "x baseline"
        elif unit == "1":  # shares of demand or output
            values = values * 100.0
            unit = "%"
        head = f"{name.replace('_', ' ')} ({unit})" if unit else name.replace("_", " ")
        if with_bands and members > 1:
            qs = np.quantile(values, (0.05, 0.5, 0.95), axis=0)
            columns[f"{head} p05"], columns[f"{head} p50"], columns[f"{head} p95"] = (q.ravel() for q in qs)
        else:
            columns[f"{head} p50"] = np.median(values, axis=0).ravel()
    dates = pd.DatetimeIndex(sub["time"].values)
    a, b = (np.asarray(sub[k].values).astype(str) for k in keys)
    index = pd.MultiIndex.from_product([dates.date.astype(str), a, b], names=["date", *keys])
    frame = pd.DataFrame(columns, index=index).reset_index()
    # pairs that never hold anything (no demand, no stock, no trade) are left out: zeros throughout say nothing
    values = frame[list(columns)].to_numpy()
    keep = pd.Series(np.abs(values).sum(axis=1) > 0).groupby([frame[keys[0]], frame[keys[1]]]).transform("any").to_numpy()
    frame = frame[keep].reset_index(drop=True)
    namer = {"country": labels.country, "sector": labels.sector, "product": labels.product, "market": labels.market}
    for pos, key in ((2, keys[0]), (4, keys[1])):
        frame.insert(pos, f"{key}_name", [namer[key](v) for v in frame[key]])
    return round_frame(frame)


def workbook(sheets: Mapping[str, pd.DataFrame]) -> bytes:
    """Tables as the sheets of one Excel workbook (``.xlsx``), numbers rounded, header row frozen.

    Parameters
    ----------
    sheets : mapping
        Sheet name (at most 31 characters) -> table (written without its index).

    Returns
    -------
    bytes
        The workbook.
    """
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xl:
        for name, frame in sheets.items():
            round_frame(frame).to_excel(xl, sheet_name=name[:31], index=False, freeze_panes=(1, 0))
    return buf.getvalue()


def day_date(ds: xr.Dataset, day: float | None) -> str | None:
    """Day of the horizon -> ISO date (None: never)."""
    if day is None or not np.isfinite(day):
        return None
    return (pd.Timestamp(ds["time"].values[0]) + pd.Timedelta(days=int(day))).date().isoformat()


def country_ranking(ds: xr.Dataset, eco: xr.Dataset | None) -> pd.DataFrame:
    """The country table (:func:`~supplyshock.analysis.summary.country_table`) with names and dates: who is hurt, worst loss first.

    Returns
    -------
    DataFrame
        Index ``country``; columns ``country_name``, ``first_stoppage_date``,
        ``first_shortfall_date`` and every column of the country table (NaN: never, or not
        valued).
    """
    from supplyshock.analysis.summary import country_table

    labels = labels_for(ds)
    ct = country_table(ds, eco)
    out = ct.copy()
    out.insert(0, "first_shortfall_date", [day_date(ds, d) for d in ct["first_shortfall_day"]])
    out.insert(0, "first_stoppage_date", [day_date(ds, d) for d in ct["first_stoppage_day"]])
    out.insert(0, "country_name", [labels.country(c) for c in ct.index])
    return out.rename_axis("country")


def ranking_with_units(ranking: pd.DataFrame, ds: xr.Dataset) -> pd.DataFrame:
    """The ranking for a spreadsheet: a rank column, units in the headers, materials by name, rounded."""
    from supplyshock.schema import METRICS

    labels = labels_for(ds)
    units = {
        "first_stoppage_day": "day of the horizon",
        "first_shortfall_day": "day of the horizon",
        "days_short": "days",
        "peak_shortfall_pct": "% of demand",
        "peak_stopped_pct": "% of demand",
        "output_at_risk_usd": "USD, upper bound",
        "sectors_short": "count",
    }
    names: dict[str, str] = {}
    for col in ranking.columns:
        base = col.removesuffix("_p05").removesuffix("_p50").removesuffix("_p95")
        q = col[len(base) + 1 :] if col != base else ""
        if col.startswith("shortfall_t"):
            product = col.removeprefix("shortfall_t").removeprefix("_")
            names[col] = f"shortfall of {labels.product(product)} (t)" if product else "shortfall (t)"
        elif base in units or base in METRICS:
            unit = units.get(base) or METRICS[base].unit
            words = base.replace("_usd", "").replace("_pct", "").replace("_", " ")
            names[col] = f"{words} ({unit}){' ' + q if q else ''}"
    out = ranking.rename(columns=names).reset_index()
    out.insert(0, "rank", range(1, len(out) + 1))
    return round_frame(out)
