"""Render a run as one self-contained HTML file (plotly.js embedded, no network needed).

The page is the jinja2 template ``templates/report.html.j2``, which inlines
``report.css`` and ``report.js`` beside it; this module only gathers what the template
shows, from the results Dataset alone.
"""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
import pandas as pd
import xarray as xr
from markupsafe import Markup
from plotly.offline import get_plotlyjs

from supplyshock._version import __version__
from supplyshock.analysis.labels import Labels, period_text
from supplyshock.analysis.narrative import money_bn
from supplyshock.atomic import atomic_write_text
from supplyshock.report.data import (
    ReportError,
    assumptions,
    dates_iso,
    headline_flow_tables,
    hurt_table,
    results_scenario,
    timeline_events,
)
from supplyshock.report.figures import build_figures
from supplyshock.report.sankey import has_baseline_flows
from supplyshock.report.style import Style
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


def _flow_tables(ds: xr.Dataset, labels: Labels) -> list[dict[str, Any]]:
    """The headline flow tables with column headers (importers by name) and formatted cells."""
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
                headers.append(f"to {labels.country(col)} (t)")
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
        "period": period_text(ds),
        "members": int(ds.sizes["member"]),
        "seed": ds.attrs.get("seed", ""),
        "created": str(ds.attrs.get("created", "")),
        "run_id": run_id or "",
    }


def _baseline_note(asked: bool, recorded: bool) -> str:
    if not asked:
        return "The baseline is left out: the diagram shows the scenario's flows."
    if not recorded:
        return "These results do not record the baseline flows (they were saved by an earlier version), so only the scenario's flows are shown."
    return ""


def _headline(
    ds: xr.Dataset, eco: xr.Dataset | None, countries: pd.DataFrame, sectors: pd.DataFrame, labels: Labels, why_not: str = ""
) -> dict[str, Any]:
    """The headline loss with its band, and three facts: how many countries short, who stops first, tonnes unmet."""
    from supplyshock.analysis.metrics import member_totals
    from supplyshock.analysis.narrative import loss_band, possessive, tonnes_text

    out: dict[str, Any] = {"valued": eco is not None, "countries": len(countries)}
    if eco is not None:
        va, go = loss_band(eco), loss_band(eco, "output_lost_usd")
        out.update({f"va_{q}": money_bn(va[q]) for q in ("p05", "p50", "p95")})
        out["go_p50"] = money_bn(go["p50"])
        out["currency"] = f"US dollars of {eco.attrs.get('price_year', '')}"
    else:
        out["currency"] = ""
        out["not_valued"] = why_not or "The losses are not valued for this run: shortfalls are in tonnes."
    out["countries_short"] = int((countries["sectors_short"] > 0).sum())
    short = sectors[sectors["cumulative_shortfall_t"] > 0]
    stop = "first_stoppage_day" if "first_stoppage_day" in short and short["first_stoppage_day"].notna().any() else "days_to_first_shortfall"
    if len(short) and short[stop].notna().any():
        c, s = (str(k) for k in short.index[int(np.nanargmin(short[stop].to_numpy()))])
        day = float(short[stop].min())
        date = (pd.Timestamp(ds["time"].values[0]) + pd.Timedelta(days=int(day))).date()
        out["first_stop"] = f"{possessive(labels.country(c))} {labels.sector(s)}, {date.day} {date:%b %Y}"
    else:
        out["first_stop"] = "nobody"
    out["tonnes"] = tonnes_text(ds, short, labels) if len(short) else "none"
    out["output_at_risk"] = money_bn(float(member_totals(ds)["total_output_at_risk_usd"].median()))
    return out


def _economy_rows(eco: xr.Dataset | None, labels: Labels, top: int = 20) -> list[dict[str, str]]:
    if eco is None:
        return []
    from supplyshock.analysis.economy import economic_summary

    rows = []
    summ = economic_summary(eco).head(top)
    for key, r in zip(summ.index, summ.to_dict("records"), strict=True):
        rows.append(
            {
                "region": labels.region(str(key[0])),
                "sector": labels.mrio_sector(str(key[1])),
                "direct": f"{r['value_added_loss_direct_usd'] / 1e9:,.2f}",
                "indirect": f"{r['value_added_loss_indirect_usd'] / 1e9:,.2f}",
                "total": f"{r['value_added_loss_total_usd'] / 1e9:,.2f}",
                "output": f"{r['output_loss_total_usd'] / 1e9:,.2f}",
            }
        )
    return rows


def _country_glossary(ds: xr.Dataset, labels: Labels) -> list[dict[str, str]]:
    regions = (
        dict(zip(ds["country"].values.astype(str), ds["country_mrio_region"].values.astype(str), strict=True))
        if "country_mrio_region" in ds.coords
        else {}
    )
    out = []
    for code in labels.country_order or [str(c) for c in ds["country"].values]:
        region = regions.get(code)
        where = f"input-output region: {labels.region(region)}" if region else ""
        out.append({"code": code, "name": labels.country(code), "region": where})
    return out


def _economy_for(ds: xr.Dataset, economy: xr.Dataset | None, value: bool) -> tuple[xr.Dataset | None, str]:
    """The run's economy (the one given, else computed when the run can be valued) and, when there is none, why."""
    if economy is not None:
        return economy, ""
    if not value:
        return None, "The losses are not valued in this report (asked for tonnes only)."
    from supplyshock.analysis.economy import economic_impact, has_values
    from supplyshock.errors import DataError

    if not has_values(ds):
        return None, "The losses are not valued for this run: its dataset gives no value of output per tonne. Shortfalls are in tonnes."
    try:
        return economic_impact(ds), ""
    except DataError as exc:  # e.g. a dataset whose countries map to no region of the input-output table
        return None, f"The losses are not valued for this run: {exc}. Shortfalls are in tonnes."


def render_report(
    ds: xr.Dataset,
    *,
    run_id: str | None = None,
    baseline: bool | None = True,
    economy: xr.Dataset | None = None,
    value: bool = True,
) -> str:
    """Render a results dataset as one self-contained HTML page.

    Everything shown is read from ``ds`` (and its economy): nothing is simulated. The page
    opens with the period simulated, three sentences written from the results and the
    headline loss (value added lost with its p5-p95 band); then who is hurt (one row per
    country, sectors expandable, sortable, paged), the charts (one colour per country,
    names not codes, units on hover, PNG and SVG export), the flows with their change, the
    timeline, the losses by region and sector, the assumptions (collapsed) and a glossary.

    Parameters
    ----------
    ds
        A results dataset (see :func:`supplyshock.run`).
    run_id
        The run's id in the run store, shown in the header.
    baseline
        Draw the flow diagram against the baseline (one diagram with the change, from the
        Dataset's baseline flows); left out, with a note, for results saved before those
        were recorded. ``False`` or ``None`` draws the scenario's flows only.
    economy
        The run's economy (:func:`supplyshock.analysis.economy.economic_impact`), e.g. as
        saved in its run folder; computed here when not given.
    value
        Value the losses (default); False reports tonnes only.

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

    from supplyshock.analysis.labels import labels_for, mrio_glossary
    from supplyshock.analysis.narrative import written_summary
    from supplyshock.analysis.summary import country_table, summarise
    from supplyshock.schema import METRICS

    _check_results(ds)
    scenario = results_scenario(ds)
    events = timeline_events(scenario)
    labels = labels_for(ds)
    style = Style.for_countries(labels.country_order or [str(c) for c in ds["country"].values])
    eco, why_not = _economy_for(ds, economy, value)
    countries = country_table(ds, eco)
    sectors = summarise(ds)
    has_baseline = bool(baseline) and has_baseline_flows(ds)
    figures, failures = build_figures(ds, events=events, baseline=has_baseline, labels=labels, style=style, countries=countries, economy=eco)
    figures_json = "{" + ",".join(json.dumps(key) + ":" + _json_for_script(fig) for key, fig in figures.items()) + "}"
    table = hurt_table(ds, eco, labels, style, countries=countries, sectors=sectors)
    all_sources = assumptions(ds, basis=tuple(BASES))
    glossary = mrio_glossary().to_dict("records")
    measures = [{"name": m.name.replace("_", " "), "unit": m.unit, "description": m.description} for m in METRICS.values()]
    return _template().render(
        version=__version__,
        plotly_version=plotly.__version__,
        meta=_meta(ds, scenario, run_id),
        sentences=written_summary(ds, eco, countries=countries, sectors=sectors, labels=labels),
        head=_headline(ds, eco, countries, sectors, labels, why_not),
        events=events,
        figures=figures,
        failures=failures,
        baseline_note=_baseline_note(bool(baseline), has_baseline_flows(ds)),
        headline_flows=_flow_tables(ds, labels),
        economy_rows=_economy_rows(eco, labels),
        assumptions=assumptions(ds),
        other_sources=[s for s in all_sources if s["basis"] != "assumption"],
        glossary=glossary,
        measures=measures,
        country_glossary=_country_glossary(ds, labels),
        plotly_js=Markup(plotly_js()),
        figures_json=Markup(figures_json),
        table_json=Markup(_json_for_script(table)),
        config_json=Markup(_json_for_script(PLOTLY_CONFIG)),
    )


def write_report(
    ds: xr.Dataset,
    path: str | os.PathLike[str],
    *,
    run_id: str | None = None,
    baseline: bool | None = True,
    economy: xr.Dataset | None = None,
    value: bool = True,
) -> Path:
    """Write a results dataset as one self-contained HTML report file.

    The file embeds plotly.js from the installed plotly package and every chart's data,
    so it opens offline in any browser (see :func:`render_report` for what it shows). The
    file is written atomically (a temporary file renamed).

    Parameters
    ----------
    ds
        A results dataset (see :func:`supplyshock.run`).
    path
        The HTML file to write; missing parent directories are created.
    run_id
        The run's id in the run store, shown in the header.
    baseline, economy, value
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
    html = render_report(ds, run_id=run_id, baseline=baseline, economy=economy, value=value)
    target = Path(path).expanduser()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(target, html)
    except OSError as exc:
        raise ReportError(f"cannot write report to {target}: {exc}") from exc
    return target
