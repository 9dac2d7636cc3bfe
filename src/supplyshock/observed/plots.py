"""Plots of observed series: values (observed and derived) and year-on-year changes."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from supplyshock.observed.stats import series_stats
from supplyshock.observed.tidy import ObservedError

__all__ = ["plot_series"]


def _start(period: str) -> datetime:
    """First day of a monthly or annual period."""
    return datetime(int(period[:4]), int(period[5:7]) if len(period) >= 7 else 1, 1)


def _plot_values(ax: Any, s: pd.DataFrame, series: str, freq: str, unit: str) -> None:
    """Values of one frequency: observed as filled markers, derived as hollow ones."""
    import matplotlib.dates as mdates

    obs = ~s["derived"].to_numpy(dtype=bool)
    vals = s["value"].to_numpy(dtype=float)
    xs = mdates.date2num([_start(str(p)) for p in s["period"]])
    has = ~np.isnan(vals)
    ax.plot(xs[has], vals[has], color="0.6", lw=1, zorder=1)
    ax.scatter(xs[obs & has], vals[obs & has], color="C0", zorder=2, label="observed")
    if (~obs & has).any():
        ax.scatter(xs[~obs & has], vals[~obs & has], facecolors="none", edgecolors="C1", zorder=2, label="derived from reported change")
    ax.set_ylabel(unit)
    ax.set_title(f"{series} ({'monthly' if freq == 'M' else 'annual'})", loc="left", fontsize=10)
    ax.legend(loc="best", fontsize=8)
    ax.xaxis_date()
    ax.grid(alpha=0.3)


def _plot_yoy(ax: Any, s: pd.DataFrame, freq: str) -> None:
    """Year-on-year changes as bars, each labelled with its basis (computed or reported)."""
    import matplotlib.dates as mdates

    x = mdates.date2num([_start(str(p)) for p in s["period"]])
    yoy = s["yoy_pct"].to_numpy(dtype=float)
    has = ~np.isnan(yoy)
    width = 20 if freq == "M" else 200
    colors = ["C3" if v < 0 else "C2" for v in yoy[has]]
    ax.bar(x[has], yoy[has], width=width, color=colors)
    ax.xaxis_date()
    for xi, yi, b in zip(x[has], yoy[has], s["yoy_basis"].to_numpy()[has], strict=True):
        ax.annotate(f"{yi:+.1f}% ({b})", (xi, yi), fontsize=7, ha="center", va="bottom" if yi >= 0 else "top")
    ax.axhline(0, color="0.3", lw=0.8)
    ax.set_ylabel("y/y %")
    ax.set_title("year-on-year change (computed from values, or as reported)", loc="left", fontsize=10)
    ax.grid(alpha=0.3)


def plot_series(df: pd.DataFrame, series: str, path: str | os.PathLike[str], *, implied: bool = True) -> Path:
    """Plot one series (values, and y/y changes) to a PNG file.

    Parameters
    ----------
    df
        The tidy frame.
    series
        The series id.
    path
        The PNG file to write; missing parent directories are created.
    implied
        Show values derived from reported changes (hollow markers).

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    UnknownSeriesError
        When the series is not in ``df``.
    ObservedError
        When the series has no monthly or annual value or change to plot.
    """
    from matplotlib.figure import Figure

    stats = series_stats(df, series, implied=implied)
    groups = [f for f in ("M", "A") if (stats["freq"] == f).any()]
    if not groups:
        raise ObservedError(f"series {series!r} has only period ranges; nothing to plot")
    target = Path(path).expanduser()
    target.parent.mkdir(parents=True, exist_ok=True)
    fig = Figure(figsize=(9, 3.2 * len(groups) + 2.6), layout="constrained")
    axes = fig.subplots(len(groups) + 1, 1, squeeze=False)[:, 0]
    unit = str(stats["unit"].iloc[0])
    for ax, freq in zip(axes, groups, strict=False):
        _plot_values(ax, stats[stats["freq"] == freq], series, freq, unit)
    ax = axes[-1]
    ax.sharex(axes[0])
    _plot_yoy(ax, stats[stats["freq"] == groups[0]], groups[0])
    fig.savefig(target, dpi=110)
    return target
