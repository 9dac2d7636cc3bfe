"""Render a run as one self-contained HTML file (plotly.js embedded, no network needed).

The page is the jinja2 template ``templates/report.html.j2``, which inlines
``report.css`` and ``report.js`` beside it; this module only gathers what the template
shows, from the results Dataset alone.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2
import xarray as xr
from markupsafe import Markup
from plotly.offline import get_plotlyjs

from supplyshock._version import __version__
from supplyshock.atomic import atomic_write_text
from supplyshock.report.data import (
    ReportError,
    assumptions,
    country_names,
    dates_iso,
    headline,
    headline_flow_tables,
    ranked_shortfalls,
    results_scenario,
    timeline_events,
)
from supplyshock.report.figures import build_figures
from supplyshock.report.sankey import has_baseline_flows
from supplyshock.scenario import Scenario
from supplyshock.schema import BASES

__all__ = ["PLOTLY_CONFIG", "REQUIRED_VARIABLES", "ReportError", "plotly_js", "render_report", "write_report"]

#: plotly.js configuration used for every chart (no logo, no link to the plotly cloud).
PLOTLY_CONFIG: dict[str, Any] = {"displaylogo": False, "responsive": True, "showLink": False}
#: Variables a results Dataset needs for a report.
REQUIRED_VARIABLES: tuple[str, ...] = (
    "shortfall",
    "demand",
    "inventory",
    "output_at_risk",
    "price_index",
    "process_use",
    "final_use",
    "delivered",
    "trade",
)


@functools.lru_cache(maxsize=1)
def plotly_js() -> str:
    """Return the minified plotly.js bundle shipped with the installed plotly package.

    Returns
    -------
    str
        The JavaScript source (several MB); cached after the first call.
    """
    return str(get_plotlyjs())


def _json_for_script(value: Any) -> str:
    """JSON safe inside a ``<script>`` element (every ``<`` escaped)."""
    return json.dumps(value, separators=(",", ":"), allow_nan=False).replace("<", "\\u003c")


@functools.lru_cache(maxsize=1)
def _template() -> jinja2.Template:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("supplyshock.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    return env.get_template("report.html.j2")


def _check_results(ds: xr.Dataset) -> None:
    missing = [v for v in REQUIRED_VARIABLES if v not in ds.data_vars]
    if missing or "member" not in ds.dims or "time" not in ds.dims:
        raise ReportError(f"not a supplyshock results dataset: lacks {', '.join(missing) or 'member/time dimensions'}")


def _flow_tables(ds: xr.Dataset, names: Mapping[str, str]) -> list[dict[str, Any]]:
    """The headline flow tables with column headers and formatted cells."""
    out = []
    for table in headline_flow_tables(ds):
        headers, formats = [], []
        for col in table["columns"]:
            if col == "total":
                headers.append("total (t)")
            elif col == "baseline":
                headers.append("baseline (t)")
            elif col == "change_pct":
                headers.append("change vs baseline (%)")
            else:
                headers.append(f"to {names.get(col, col)} (t)")
            formats.append("{:+,.1f}" if col == "change_pct" else "{:,.0f}")
        rows = [
            {"month": r["month"], "cells": ["-" if v is None else fmt.format(v) for fmt, v in zip(formats, r["values"], strict=True)]}
            for r in table["rows"]
        ]
        out.append({"id": table["id"], "label": table["label"], "headers": headers, "rows": rows})
    return out


def _meta(ds: xr.Dataset, scenario: Scenario | None, run_id: str | None) -> dict[str, Any]:
    dates = dates_iso(ds)
    return {
        "scenario": str(ds.attrs.get("scenario_name", scenario.name if scenario else "run")),
        "description": " ".join(scenario.description.split()) if scenario else "",
        "dataset": str(ds.attrs.get("dataset", "")),
        "start": dates[0],
        "last_day": dates[-1],
        "days": len(dates),
        "members": int(ds.sizes["member"]),
        "seed": ds.attrs.get("seed", ""),
        "created": str(ds.attrs.get("created", "")),
        "run_id": run_id or "",
    }


def _baseline_note(asked: bool, recorded: bool) -> str:
    if not asked:
        return "The baseline diagram is left out."
    if not recorded:
        return "These results do not record the baseline flows (they were saved by an earlier version), so only the scenario's flows are shown."
    return ""


def render_report(ds: xr.Dataset, *, run_id: str | None = None, baseline: bool | None = True) -> str:
    """Render a results dataset as one self-contained HTML page.

    Everything shown is read from ``ds``: nothing is run.

    Parameters
    ----------
    ds
        A results dataset (see :func:`supplyshock.run`).
    run_id
        The run's id in the run store, shown in the header.
    baseline
        Show the baseline Sankey, drawn from the Dataset's baseline flows
        (``baseline_process_use``, ``baseline_final_use``, ``link_baseline_t``); left
        out, with a note, for results saved before those were recorded. ``False`` or
        ``None`` leaves it out.

    Returns
    -------
    str
        The HTML text, with plotly.js and every figure's data embedded.

    Raises
    ------
    ReportError
        When ``ds`` is not a supplyshock results dataset, or holds a scenario this
        version cannot read.
    """
    import plotly

    _check_results(ds)
    scenario = results_scenario(ds)
    events = timeline_events(scenario)
    names = country_names(str(ds.attrs.get("dataset", "")))
    has_baseline = bool(baseline) and has_baseline_flows(ds)
    figures = build_figures(ds, events=events, baseline=has_baseline, names=names)
    figures_json = "{" + ",".join(json.dumps(key) + ":" + _json_for_script(fig) for key, fig in figures.items()) + "}"
    ranked = ranked_shortfalls(ds, names)
    all_sources = assumptions(ds, basis=tuple(BASES))
    return _template().render(
        version=__version__,
        plotly_version=plotly.__version__,
        meta=_meta(ds, scenario, run_id),
        head=headline(ds, ranked),
        events=events,
        has_baseline=has_baseline,
        baseline_note=_baseline_note(bool(baseline), has_baseline_flows(ds)),
        headline_flows=_flow_tables(ds, names),
        ranked=ranked,
        assumptions=assumptions(ds),
        other_sources=[s for s in all_sources if s["basis"] != "assumption"],
        plotly_js=Markup(plotly_js()),
        figures_json=Markup(figures_json),
        config_json=Markup(_json_for_script(PLOTLY_CONFIG)),
    )


def write_report(ds: xr.Dataset, path: str | os.PathLike[str], *, run_id: str | None = None, baseline: bool | None = True) -> Path:
    """Write a results dataset as one self-contained HTML report file.

    The file embeds plotly.js from the installed plotly package and every chart's data,
    so it opens offline in any browser. It shows the scenario timeline, baseline and
    shocked flows from mines to end-use sectors (Sankey diagrams), the dataset's headline
    flows by month, stocks, shortfall and lost output by region and sector over time
    (with p5-p95 bands when the run has several members), prices, a ranked table of who
    runs short when, and the assumptions with their sources. The file is written
    atomically (a temporary file renamed).

    Parameters
    ----------
    ds
        A results dataset (see :func:`supplyshock.run`).
    path
        The HTML file to write; missing parent directories are created.
    run_id
        The run's id in the run store, shown in the header.
    baseline
        As in :func:`render_report`.

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    ReportError
        When ``ds`` is not a results dataset or the file cannot be written.

    Examples
    --------
    >>> import supplyshock as ss  # doctest: +SKIP
    >>> write_report(ss.run("cn-2025-april-controls"), "report.html")  # doctest: +SKIP
    PosixPath('report.html')
    """
    html = render_report(ds, run_id=run_id, baseline=baseline)
    target = Path(path).expanduser()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(target, html)
    except OSError as exc:
        raise ReportError(f"cannot write report to {target}: {exc}") from exc
    return target
