"""``supplyshock observed``: add, list and show observed trade series.

The group is registered on the main command line with ``main.add_command(observed)``.

* ``supplyshock observed add FILE [--format auto|long|comtrade|baci] [--store PATH]``
  reads a file (or a shipped name such as ``china-exports-2025``) into the observed
  store and reports the rows added, updated and unchanged.
* ``supplyshock observed list [--store PATH]`` lists the stored series.
* ``supplyshock observed show SERIES [--plot out.png] [--store PATH | --file FILE]``
  prints the values and derived statistics of a series and optionally plots it.

A user error prints one line, ``Error: <message>``, on stderr and exits with status 2.
"""

from __future__ import annotations

import math
import os
import sys
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from supplyshock.cli_common import ErrorGroup
from supplyshock.observed import FORMATS, ObservedStore, UnknownSeriesError, load_observed, plot_series, series_stats

__all__ = ["observed"]


_ObservedGroup = ErrorGroup


def _console() -> Console:
    return Console(width=None if sys.stdout.isatty() else 200, highlight=False)


def _num(v: Any, fmt: str = "{:,.1f}") -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    return fmt.format(float(v))


def _text(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    return str(v)


_STORE_OPTION = click.option(
    "--store",
    "store_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Observed store file (default: $SUPPLYSHOCK_HOME/observed.duckdb).",
)


@click.group(cls=_ObservedGroup)
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
def add_cmd(file: str, fmt: str, store_path: Path | None, country_codes: Path | None, hs: tuple[str, ...]) -> None:
    """Add FILE (long, UN Comtrade or CEPII BACI CSV, or a shipped name) to the store."""
    store = ObservedStore(store_path)
    summary = store.add_file(file, fmt, country_codes=country_codes, hs=list(hs) or None)
    click.echo(f"{summary} -> {store.path}")


@observed.command("list")
@_STORE_OPTION
def list_cmd(store_path: Path | None) -> None:
    """List the stored series."""
    store = ObservedStore(store_path)
    table = store.series()
    if table.empty:
        click.echo(f"no observed series in {store.path}; add a file with: supplyshock observed add FILE")
        return
    tab = Table(title=f"observed series in {store.path}", title_justify="left")
    for col in table.columns:
        tab.add_column(str(col), justify="right" if col in ("periods", "revised") else "left")
    for row in table.itertuples(index=False):
        tab.add_row(*[str(v) for v in row])
    _console().print(tab)


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
    tab = Table(title=f"{series} ({unit}) from {where}", title_justify="left")
    heads = [
        ("period", "left"),
        ("value", "right"),
        ("y/y %", "right"),
        ("", "left"),
        ("m/m %", "right"),
        ("", "left"),
        ("3m vs prev 3m %", "right"),
        ("3m y/y %", "right"),
        ("lowest since", "left"),
        ("steepest y/y drop since", "left"),
        ("steepest m/m drop since", "left"),
    ]
    for head, justify in heads:
        tab.add_column(head, justify=justify)  # type: ignore[arg-type]
    for r in stats.itertuples(index=False):
        value = _num(r.value, "{:,.6g}") + (" *" if r.derived else "")
        lowest = _text(r.lowest_since) or ("record low" if r.lowest_in_record else "")
        s_yoy = _text(r.steepest_yoy_drop_since) or ("steepest on record" if r.steepest_yoy_drop_in_record else "")
        s_mom = _text(r.steepest_mom_drop_since) or ("steepest on record" if r.steepest_mom_drop_in_record else "")
        tab.add_row(
            str(r.period),
            value,
            _num(r.yoy_pct),
            _text(r.yoy_basis),
            _num(r.mom_pct),
            _text(r.mom_basis),
            _num(r.roll3_pct),
            _num(r.roll3_yoy_pct),
            lowest,
            s_yoy,
            s_mom,
        )
    con = _console()
    con.print(tab)
    derived = stats[stats["derived"]]
    for r in derived.itertuples(index=False):
        con.print(f"* {r.period}: derived, {r.basis}", soft_wrap=True)
    rows = df[df["series"] == series]
    sources = sorted({str(s) for s in rows["source"] if isinstance(s, str) and s})
    files = sorted({str(f) for f in rows["file"] if isinstance(f, str) and f})
    for s in sources:
        con.print(f"source: {s}", soft_wrap=True)
    for f in files:
        con.print(f"file: {f}", soft_wrap=True)
    con.print(
        "record low / steepest on record: lower (steeper) than every earlier stored value of the series; "
        "'since' dates are relative to the stored data only.",
        soft_wrap=True,
    )
    if plot_path is not None:
        written = plot_series(df, series, plot_path, implied=not no_implied)
        con.print(f"plot written to {written}")
