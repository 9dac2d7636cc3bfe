"""Plotly figures of a run: timeline, Sankey, series with ensemble bands, prices.

Each builder returns a plotly figure as a plain dict (``{"data": [...], "layout": {...}}``,
the JSON plotly.js draws with ``Plotly.newPlot``): building plain dicts is much faster
than plotly's validated graph objects, and they go straight into the HTML report or a
JSON response. :func:`build_figures` makes all of those shown in the report, keyed by a
stable id.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import xarray as xr

from supplyshock.report.data import band_series, dates_iso, price_series
from supplyshock.report.sankey import sankey_flows
from supplyshock.scenario import EventDescription

__all__ = [
    "PALETTE",
    "band_figure",
    "build_figures",
    "prices_figure",
    "sankey_figure",
    "stocks_figure",
    "timeline_figure",
]

#: Colours of series, in order (colour-blind friendly, after Okabe and Ito plus greys).
PALETTE: tuple[str, ...] = (
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#F0E442",
    "#000000",
    "#999999",
    "#8C564B",
    "#7F7F7F",
    "#17BECF",
)
#: Colours of the Sankey's columns (stages, then use and sector), in chain order.
STAGE_PALETTE: tuple[str, ...] = ("#8C564B", "#E69F00", "#999999", "#0072B2", "#56B4E9", "#009E73", "#CC79A7", "#7F7F7F")
#: A plotly figure as plain JSON-ready data: ``{"data": [...], "layout": {...}}``.
Figure = dict[str, Any]

_LAYOUT: dict[str, Any] = {
    "paper_bgcolor": "white",
    "plot_bgcolor": "white",
    "xaxis": {"type": "date", "gridcolor": "#eeeeee", "linecolor": "#cccccc"},
    "yaxis": {"gridcolor": "#eeeeee", "zerolinecolor": "#cccccc", "rangemode": "tozero"},
    "font": {"family": "system-ui, sans-serif", "size": 12},
    "margin": {"l": 60, "r": 20, "t": 50, "b": 40},
    "legend": {"orientation": "h", "y": -0.15},
    "hovermode": "x unified",
    "height": 420,
}


def _rgba(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def _layout(**extra: Any) -> dict[str, Any]:
    out = copy.deepcopy(_LAYOUT)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key].update(value)
        else:
            out[key] = value
    return out


def _band_traces(
    x: Sequence[str], key: str, series: Mapping[str, Sequence[float | None]], colour: str, *, visible: bool = True, dash: str = "solid"
) -> list[dict[str, Any]]:
    """A median line and, when present, its p5-p95 band (the band first, so it lies below)."""
    traces: list[dict[str, Any]] = []
    xs = list(x)
    if "p05" in series and "p95" in series:
        traces.append(
            {
                "type": "scatter",
                "x": xs,
                "y": list(series["p05"]),
                "mode": "lines",
                "line": {"width": 0},
                "hoverinfo": "skip",
                "showlegend": False,
                "legendgroup": key,
                "name": f"{key} p5",
                "visible": visible,
            }
        )
        traces.append(
            {
                "type": "scatter",
                "x": xs,
                "y": list(series["p95"]),
                "mode": "lines",
                "line": {"width": 0},
                "fill": "tonexty",
                "fillcolor": _rgba(colour, 0.18),
                "hoverinfo": "skip",
                "showlegend": False,
                "legendgroup": key,
                "name": f"{key} p95",
                "visible": visible,
            }
        )
    traces.append(
        {
            "type": "scatter",
            "x": xs,
            "y": list(series["median"]),
            "mode": "lines",
            "name": key,
            "legendgroup": key,
            "line": {"color": colour, "width": 2, "dash": dash},
            "visible": visible,
        }
    )
    return traces


def band_figure(x: Sequence[str], series: Mapping[str, Mapping[str, Sequence[float | None]]], *, title: str, yaxis: str, members: int) -> Figure:
    """A line per key with its p5-p95 ensemble band.

    Parameters
    ----------
    x
        ISO dates.
    series
        As returned by :func:`supplyshock.report.data.band_series`.
    title, yaxis
        Figure title and y-axis title.
    members
        Ensemble size (for the subtitle).

    Returns
    -------
    dict
        A plotly figure.
    """
    data: list[dict[str, Any]] = []
    for i, (key, s) in enumerate(series.items()):
        data.extend(_band_traces(x, key, s, PALETTE[i % len(PALETTE)]))
    note = f"median of {members} members, band p5-p95" if members > 1 else "one member"
    layout = _layout(title={"text": f"{title}<br><sup>{note}</sup>"}, yaxis={"title": {"text": yaxis}})
    if not series:
        layout["annotations"] = [{"text": "zero throughout", "showarrow": False, "xref": "paper", "yref": "paper", "x": 0.5, "y": 0.5}]
    return {"data": data, "layout": layout}


def stocks_figure(ds: xr.Dataset, x: Sequence[str]) -> Figure:
    """Commercial stocks by region over time, one product at a time (a dropdown).

    Parameters
    ----------
    ds
        A results dataset.
    x
        ISO dates.

    Returns
    -------
    dict
        A plotly figure; the last-stage product (e.g. magnets) is shown first.
    """
    data: list[dict[str, Any]] = []
    products = [str(p) for p in ds["product"].values]
    first = products[-1]
    spans: list[tuple[str, int, int]] = []
    for product in [first, *products[:-1]]:
        series = band_series(ds, "inventory", "country", select={"product": product})
        start = len(data)
        for i, (key, s) in enumerate(series.items()):
            data.extend(_band_traces(x, key, s, PALETTE[i % len(PALETTE)], visible=product == first))
        spans.append((product, start, len(data)))
    total = len(data)
    buttons = [
        {
            "label": product,
            "method": "update",
            "args": [{"visible": [a <= i < b for i in range(total)]}, {"title.text": f"Stocks of {product} by region (t)"}],
        }
        for product, a, b in spans
    ]
    members = int(ds.sizes["member"])
    layout = _layout(
        title={"text": f"Stocks of {first} by region (t)"},
        yaxis={"title": {"text": "t"}},
        updatemenus=[{"buttons": buttons, "direction": "down", "x": 1.0, "xanchor": "right", "y": 1.18, "yanchor": "top"}],
    )
    if members > 1:
        layout["annotations"] = [
            {
                "text": f"median of {members} members, band p5-p95",
                "showarrow": False,
                "xref": "paper",
                "yref": "paper",
                "x": 0,
                "y": 1.08,
                "xanchor": "left",
            }
        ]
    return {"data": data, "layout": layout}


def prices_figure(ds: xr.Dataset, x: Sequence[str]) -> Figure:
    """Price index by market and product (1 = baseline), with ensemble bands.

    Parameters
    ----------
    ds
        A results dataset; its markets are named by the dataset.
    x
        ISO dates.

    Returns
    -------
    dict
        A plotly figure; the first market (the exporter's, e.g. China) solid, the others
        dotted.
    """
    products = [str(p) for p in ds["product"].values]
    markets = [str(m) for m in ds["market"].values]
    data: list[dict[str, Any]] = []
    for key, s in price_series(ds).items():
        market, product = key.split("/", 1)
        colour = PALETTE[products.index(product) % len(PALETTE)]
        data.extend(_band_traces(x, key, s, colour, dash="solid" if market == markets[0] else "dot"))
    members = int(ds.sizes["member"])
    note = f"median of {members} members, band p5-p95; " if members > 1 else ""
    styles = f"solid: {_market_name(markets[0])}" + (f", dotted: {', '.join(_market_name(m) for m in markets[1:])}" if len(markets) > 1 else "")
    layout = _layout(
        title={"text": f"Price index (1 = baseline)<br><sup>{note}{styles}</sup>"},
        yaxis={"title": {"text": "index"}, "rangemode": "normal"},
    )
    return {"data": data, "layout": layout}


def _market_name(market: str) -> str:
    """A market's name for people: ``outside_china`` -> ``outside china``."""
    return market.replace("_", " ")


def sankey_figure(flows: Mapping[str, Any], *, title: str) -> Figure:
    """A Sankey diagram of flows from :func:`supplyshock.report.data.sankey_flows`.

    Parameters
    ----------
    flows
        Nodes and links.
    title
        Figure title.

    Returns
    -------
    dict
        A plotly figure.
    """
    columns = list(flows.get("columns") or dict.fromkeys(flows["stages"]))
    colours = [STAGE_PALETTE[columns.index(s) % len(STAGE_PALETTE)] for s in flows["stages"]]
    trace = {
        "type": "sankey",
        "arrangement": "snap",
        "valueformat": ",.0f",
        "valuesuffix": " t",
        "node": {
            "label": list(flows["labels"]),
            "color": colours,
            "pad": 8,
            "thickness": 14,
            **({"x": list(flows["x"]), "y": list(flows["y"])} if "x" in flows else {}),
        },
        "link": {
            "source": list(flows["source"]),
            "target": list(flows["target"]),
            "value": list(flows["value"]),
            "color": [_rgba(colours[s], 0.35) for s in flows["source"]],
        },
    }
    layout = {"title": {"text": title}, "height": 560, "margin": {"l": 10, "r": 10, "t": 60, "b": 10}, "font": {"size": 10}, "paper_bgcolor": "white"}
    return {"data": [trace], "layout": layout}


def timeline_figure(events: Sequence[EventDescription], start: str, end: str) -> Figure:
    """The scenario's events on a timeline: a bar per control, a marker per one-day event.

    Parameters
    ----------
    events
        From :func:`supplyshock.report.data.timeline_events` (each event's ``describe``).
    start, end
        First simulated day and the first day after the horizon (ISO dates).

    Returns
    -------
    dict
        A plotly figure.
    """
    data: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    kinds = sorted({e.kind for e in events})
    seen: set[str] = set()
    for ev in events:
        colour = PALETTE[kinds.index(ev.kind) % len(PALETTE)]
        stop = ev.end or end
        hover = f"<b>{ev.label}</b> ({ev.kind})<br>{ev.start} → {ev.end or 'end'}<br>{ev.details}"
        common = {"type": "scatter", "name": ev.kind, "legendgroup": ev.kind, "showlegend": ev.kind not in seen, "hoverinfo": "text"}
        seen.add(ev.kind)
        if stop == ev.start:
            data.append(
                {
                    **common,
                    "x": [ev.start],
                    "y": [ev.label],
                    "mode": "markers",
                    "hovertext": [hover],
                    "marker": {"symbol": "diamond", "size": 14, "color": colour},
                }
            )
        else:
            data.append(
                {
                    **common,
                    "x": [ev.start, stop],
                    "y": [ev.label, ev.label],
                    "mode": "lines+markers",
                    "hovertext": [hover, hover],
                    "line": {"width": 12, "color": colour},
                    "marker": {"size": 6, "color": colour},
                }
            )
        for day, share in ev.steps:
            annotations.append({"x": day, "y": ev.label, "text": f"{share:.0%}", "showarrow": False, "yshift": 14, "font": {"size": 10}})
    if not events:
        annotations.append({"text": "no policy events: the baseline", "showarrow": False, "xref": "paper", "yref": "paper", "x": 0.5, "y": 0.5})
        data.append(
            {
                "type": "scatter",
                "x": [start, end],
                "y": [0, 0],
                "mode": "lines",
                "line": {"color": "#cccccc"},
                "showlegend": False,
                "hoverinfo": "skip",
            }
        )
    layout = _layout(
        title={"text": "Scenario timeline"},
        height=max(220, 90 + 48 * len(events)),
        hovermode="closest",
        margin={"l": 170, "r": 20, "t": 50, "b": 40},
        xaxis={"range": [start, end]},
        yaxis={"autorange": "reversed", "type": "category", "rangemode": "normal", "visible": bool(events)},
        legend={"orientation": "h", "y": -0.25},
        annotations=annotations,
    )
    return {"data": data, "layout": layout}


def build_figures(
    ds: xr.Dataset,
    *,
    events: Sequence[EventDescription],
    baseline: bool,
    names: Mapping[str, str],
) -> dict[str, Figure]:
    """All figures of the report, keyed by a stable id, in display order.

    Parameters
    ----------
    ds
        A results dataset.
    events
        The scenario's events.
    baseline
        Draw the baseline Sankey (from the Dataset's baseline flows).
    names
        Country names by code.

    Returns
    -------
    dict
        ``timeline``, ``sankey_baseline`` (when asked for), ``sankey_shocked``,
        ``stocks``, ``shortfall_region``, ``shortfall_sector``, ``output_at_risk_region``,
        ``output_at_risk_sector``, ``prices``.
    """
    x = dates_iso(ds)
    end = (pd.Timestamp(x[-1]) + pd.Timedelta(days=1)).date().isoformat()
    members = int(ds.sizes["member"])
    figs: dict[str, Figure] = {"timeline": timeline_figure(events, x[0], end)}
    if baseline:
        figs["sankey_baseline"] = sankey_figure(
            sankey_flows(ds, names, baseline=True), title="Baseline flows over the horizon, mines to end uses (t)"
        )
    figs["sankey_shocked"] = sankey_figure(
        sankey_flows(ds, names), title="Flows under the scenario over the horizon, mines to end uses (t, median member)"
    )
    figs["stocks"] = stocks_figure(ds, x)
    figs["shortfall_region"] = band_figure(
        x, band_series(ds, "shortfall", "country"), title="Shortfall by region (t/day)", yaxis="t/day", members=members
    )
    figs["shortfall_sector"] = band_figure(
        x, band_series(ds, "shortfall", "sector"), title="Shortfall by end-use sector (t/day)", yaxis="t/day", members=members
    )
    figs["output_at_risk_region"] = band_figure(
        x, band_series(ds, "output_at_risk", "country", cumulative=True), title="Lost output by region, to date (USD)", yaxis="USD", members=members
    )
    figs["output_at_risk_sector"] = band_figure(
        x, band_series(ds, "output_at_risk", "sector", cumulative=True), title="Lost output by sector, to date (USD)", yaxis="USD", members=members
    )
    figs["prices"] = prices_figure(ds, x)
    return figs
