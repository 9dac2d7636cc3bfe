"""``supplyshock observed``: add, list and show observed trade series.

* ``supplyshock observed add FILE [--format auto|long|comtrade|baci] [--store PATH] [--bounds FILE]``
  reads a file (or a shipped name such as ``china-exports-2025``) into the observed
  store and reports the rows added, updated and unchanged; values outside the
  plausibility bounds of their series are refused.
* ``supplyshock observed list [--store PATH]`` lists the stored series.
* ``supplyshock observed show SERIES [--plot out.png] [--store PATH | --file FILE]``
  prints the values and derived statistics of a series and optionally plots it.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any, Literal

import click
import pandas as pd

from supplyshock.cli.output import console, group, table
from supplyshock.observed import FORMATS, ObservedStore, UnknownSeriesError, load_observed, plot_series, read_bounds, series_stats

__all__ = ["observed"]

_STORE_OPTION = click.option(
    "--store",
    "store_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Observed store file (default: $SUPPLYSHOCK_HOME/observed.duckdb).",
)

#: Columns of ``observed show``: key -> header (the basis columns have none).
_SHOW_HEADERS = {
    "period": "period",
    "value": "value",
    "yoy": "y/y %",
    "yoy_basis": "",
    "mom": "m/m %",
    "mom_basis": "",
    "roll3": "3m vs prev 3m %",
    "roll3_yoy": "3m y/y %",
    "lowest": "lowest since",
    "steepest_yoy": "steepest y/y drop since",
    "steepest_mom": "steepest m/m drop since",
}
_RIGHT: dict[str, Literal["left", "right"]] = dict.fromkeys(("value", "yoy", "mom", "roll3", "roll3_yoy"), "right")


def _num(v: Any, spec: str = ",.1f") -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    return format(float(v), spec)


def _text(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    return str(v)


@group()
def observed() -> None:
    """Observed trade series: add files, list series, show values and derived statistics."""


@observed.command("add")
@click.argument("file")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="auto", show_default=True, help="Input format.")
@_STORE_OPTION
@click.option(
    "--country-codes", type=click.Path(dir_okay=False, path_type=Path), default=None, help="BACI country-codes file (numeric code to ISO3)."
)
@click.option("--hs", multiple=True, help="Comtrade/BACI: keep HS codes starting with this prefix (repeatable).")
@click.option(
    "--bounds",
    "bounds_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="CSV of plausibility bounds (series, unit, min, max) checked before the shipped ones (data/observed/bounds.csv).",
)
def add_cmd(file: str, fmt: str, store_path: Path | None, country_codes: Path | None, hs: tuple[str, ...], bounds_file: Path | None) -> None:
    """Add FILE (long, UN Comtrade or CEPII BACI CSV, or a shipped name) to the store.

    A value outside the plausible range of its series (by default: more than a year's
    world trade in tonnes, or the world's GDP in USD) is refused with its line.
    """
    bounds = read_bounds(bounds_file) if bounds_file is not None else None
    store = ObservedStore(store_path)
    summary = store.add_file(file, fmt, country_codes=country_codes, hs=list(hs) or None, bounds=bounds)
    click.echo(f"{summary} -> {store.path}")


@observed.command("list")
@_STORE_OPTION
def list_cmd(store_path: Path | None) -> None:
    """List the stored series."""
    store = ObservedStore(store_path)
    frame = store.series()
    if frame.empty:
        click.echo(f"no observed series in {store.path}; add a file with: supplyshock observed add FILE")
        return
    justify: dict[str, Literal["left", "right"]] = {c: "right" if c in ("periods", "revised") else "left" for c in map(str, frame.columns)}
    console().print(table(frame.astype(str), f"observed series in {store.path}", index=False, justify=justify))


def _stats_rows(stats: pd.DataFrame) -> pd.DataFrame:
    """The statistics of a series as the text cells of ``observed show``."""
    rows = []
    for r in stats.itertuples(index=False):
        rows.append(
            {
                "period": str(r.period),
                "value": _num(r.value, ",.6g") + (" *" if r.derived else ""),
                "yoy": _num(r.yoy_pct),
                "yoy_basis": _text(r.yoy_basis),
                "mom": _num(r.mom_pct),
                "mom_basis": _text(r.mom_basis),
                "roll3": _num(r.roll3_pct),
                "roll3_yoy": _num(r.roll3_yoy_pct),
                "lowest": _text(r.lowest_since) or ("record low" if r.lowest_in_record else ""),
                "steepest_yoy": _text(r.steepest_yoy_drop_since) or ("steepest on record" if r.steepest_yoy_drop_in_record else ""),
                "steepest_mom": _text(r.steepest_mom_drop_since) or ("steepest on record" if r.steepest_mom_drop_in_record else ""),
            }
        )
    return pd.DataFrame(rows, columns=list(_SHOW_HEADERS))


@observed.command("show")
@click.argument("series")
@_STORE_OPTION
@click.option("--file", "file", default=None, help="Read this observed file (or shipped name) instead of the store.")
@click.option("--plot", "plot_path", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Write a PNG plot here.")
@click.option("--no-implied", is_flag=True, help="Do not derive values from reported changes.")
def show_cmd(series: str, store_path: Path | None, file: str | None, plot_path: Path | None, no_implied: bool) -> None:
    """Show the values and derived statistics of SERIES (a table, and a plot with --plot)."""
    if file is not None:
        df = load_observed(file)
        where = os.fspath(file)
    else:
        store = ObservedStore(store_path)
        df = store.frame()
        where = str(store.path)
    if series not in set(df["series"].astype(str)):
        raise UnknownSeriesError(series, sorted(set(df["series"].astype(str))))
    stats = series_stats(df, series, implied=not no_implied)
    unit = str(stats["unit"].iloc[0])
    out = console()
    out.print(table(_stats_rows(stats), f"{series} ({unit}) from {where}", index=False, headers=_SHOW_HEADERS, justify=_RIGHT))
    for r in stats[stats["derived"]].itertuples(index=False):
        out.print(f"* {r.period}: derived, {r.basis}", soft_wrap=True)
    rows = df[df["series"] == series]
    for s in sorted({str(s) for s in rows["source"] if isinstance(s, str) and s}):
        out.print(f"source: {s}", soft_wrap=True)
    for f in sorted({str(f) for f in rows["file"] if isinstance(f, str) and f}):
        out.print(f"file: {f}", soft_wrap=True)
    out.print(
        "record low / steepest on record: lower (steeper) than every earlier stored value of the series; "
        "'since' dates are relative to the stored data only.",
        soft_wrap=True,
    )
    if plot_path is not None:
        written = plot_series(df, series, plot_path, implied=not no_implied)
        out.print(f"plot written to {written}")
