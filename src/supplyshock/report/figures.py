"""Plotly figures of a run, made for a board paper: names not codes, one colour per country, units on hover, bands where uncertain.

Each builder returns a plotly figure as a plain dict (``{"data": [...], "layout": {...}}``,
the JSON plotly.js draws with ``Plotly.newPlot``): building plain dicts is much faster
than plotly's validated graph objects, and they go straight into the HTML report or a
JSON response. A figure with nothing to draw is ``{"empty": "why"}``: the page shows that
sentence instead of empty axes. :func:`build_figures` makes every figure of the report,
keyed by a stable id.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from supplyshock.analysis.labels import Labels
from supplyshock.report.data import band_series, dates_iso
from supplyshock.report.sankey import sankey_flows
from supplyshock.report.style import PALETTE, REFERENCE_COLOUR, Style, hover, rgba
from supplyshock.scenario import EventDescription

__all__ = [
    "PALETTE",
    "band_figure",
    "build_figures",
    "change_sankey_figure",
    "empty",
    "losses_figure",
    "losses_over_time_figure",
    "prices_figure",
    "sankey_figure",
    "share_dates",
    "shortfall_figure",
    "stocks_figure",
    "timeline_figure",
]

#: Colours of the Sankey's change classes: more than baseline, unchanged, less, much less, only under the scenario.
CHANGE_COLOURS = {"up": "#0072B2", "same": "#BBBBBB", "down": "#E69F00", "cut": "#D55E00"}
#: A plotly figure as plain JSON-ready data: ``{"data": [...], "layout": {...}}`` (or ``{"empty": "..."}``).
Figure = dict[str, Any]

_LAYOUT: dict[str, Any] = {
    "paper_bgcolor": "white",
    "plot_bgcolor": "white",
    "xaxis": {"type": "date", "gridcolor": "#eeeeee", "linecolor": "#cccccc", "automargin": True},
    "yaxis": {"gridcolor": "#eeeeee", "zerolinecolor": "#cccccc", "rangemode": "tozero", "automargin": True, "separatethousands": True},
    "font": {"family": "system-ui, sans-serif", "size": 12},
    "margin": {"l": 60, "r": 20, "t": 60, "b": 40},
    "legend": {"orientation": "h", "y": -0.18},
    "hovermode": "closest",
    "height": 420,
    "separators": ".,",
}


def _layout(**extra: Any) -> dict[str, Any]:
    out = copy.deepcopy(_LAYOUT)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key].update(value)
        else:
            out[key] = value
    return out


def empty(message: str) -> Figure:
    """A figure with nothing to draw: the page shows ``message`` instead of empty axes."""
    return {"empty": message}


def _band_traces(
    x: Sequence[str],
    key: str,
    name: str,
    series: Mapping[str, Sequence[float | None]],
    colour: str,
    unit: str,
    *,
    visible: bool = True,
    dash: str = "solid",
) -> list[dict[str, Any]]:
    """A median line and, when present, its p5-p95 band (the band first, so it lies below)."""
    traces: list[dict[str, Any]] = []
    xs = list(x)
    if "p05" in series and "p95" in series:
        for q, fill in (("p05", None), ("p95", "tonexty")):
            trace = {
                "type": "scatter",
                "x": xs,
                "y": list(series[q]),
                "mode": "lines",
                "line": {"width": 0, "color": colour},
                "hoverinfo": "skip",
                "showlegend": False,
                "legendgroup": key,
                "name": f"{name} {q.replace('0', '')}",
                "visible": visible,
            }
            if fill:
                trace.update({"fill": fill, "fillcolor": rgba(colour, 0.18)})
            traces.append(trace)
    traces.append(
        {
            "type": "scatter",
            "x": xs,
            "y": list(series["median"]),
            "mode": "lines",
            "name": name,
            "legendgroup": key,
            "meta": key,
            "line": {"color": colour, "width": 2, "dash": dash},
            "hovertemplate": hover(name, unit),
            "visible": visible,
        }
    )
    return traces


def _members_note(members: int) -> str:
    return f"median of {members} members, band p5-p95" if members > 1 else "one member: no uncertainty drawn"


def band_figure(
    x: Sequence[str],
    series: Mapping[str, Mapping[str, Sequence[float | None]]],
    *,
    title: str,
    unit: str,
    members: int,
    style: Style,
    names: Mapping[str, str] | None = None,
    empty_message: str = "Nothing to draw: zero throughout.",
) -> Figure:
    """A line per country with its p5-p95 ensemble band, in the country's own colour.

    Parameters
    ----------
    x
        ISO dates.
    series
        As returned by :func:`supplyshock.report.data.band_series` (keys: country codes).
    title, unit
        Figure title and the unit of the values (a key of :data:`~supplyshock.report.style.UNITS`).
    members
        Ensemble size (for the subtitle).
    style
        Colours per country.
    names
        Display names by key.
    empty_message
        Shown instead of the chart when every series is zero.
    """
    if not series:
        return empty(empty_message)
    names = names or {}
    data: list[dict[str, Any]] = []
    for key, s in series.items():
        data.extend(_band_traces(x, key, names.get(key, key), s, style.colour(key), unit, dash=style.dash(key)))
    layout = _layout(title={"text": f"{title}<br><sup>{_members_note(members)}</sup>"}, yaxis={"title": {"text": unit}})
    return {"data": data, "layout": layout}


def _dropdown_figure(
    x: Sequence[str],
    panels: Sequence[tuple[str, Mapping[str, Mapping[str, Sequence[float | None]]]]],
    *,
    title: str,
    unit: str,
    members: int,
    style: Style,
    names: Mapping[str, str],
    empty_message: str,
) -> Figure:
    """Lines per country, one panel at a time chosen from a dropdown (products, materials)."""
    panels = [(label, s) for label, s in panels if s]
    if not panels:
        return empty(empty_message)
    data: list[dict[str, Any]] = []
    spans: list[tuple[str, int, int]] = []
    for i, (label, series) in enumerate(panels):
        start = len(data)
        for key, s in series.items():
            data.extend(_band_traces(x, key, names.get(key, key), s, style.colour(key), unit, visible=i == 0, dash=style.dash(key)))
        spans.append((label, start, len(data)))
    total = len(data)
    head = f"{title}: {{}} ({unit})"
    sub = f"<br><sup>{_members_note(members)}</sup>"
    buttons = [
        {"label": label, "method": "update", "args": [{"visible": [a <= i < b for i in range(total)]}, {"title.text": head.format(label) + sub}]}
        for label, a, b in spans
    ]
    layout = _layout(title={"text": head.format(spans[0][0]) + sub, "x": 0.01, "xanchor": "left"}, yaxis={"title": {"text": unit}})
    if len(spans) > 1:
        layout["updatemenus"] = [{"buttons": buttons, "direction": "down", "x": 1.0, "xanchor": "right", "y": 1.0, "yanchor": "bottom"}]
        layout["margin"] = {**layout["margin"], "t": 110}
        layout["title"]["y"] = 0.97
        layout["title"]["yanchor"] = "top"
    return {"data": data, "layout": layout}


def shortfall_figure(ds: xr.Dataset, x: Sequence[str], labels: Labels, style: Style) -> Figure:
    """Shortfall by country, t/day, one material at a time (tonnes of different materials never add)."""
    from supplyshock.analysis.metrics import sector_products

    of = sector_products(ds)
    sectors = [str(s) for s in ds["sector"].values]
    groups: dict[str, list[str]] = {}
    for s in sectors:
        groups.setdefault(of.get(s, ""), []).append(s)
    panels = []
    for product, members in groups.items():
        series = band_series(ds, "shortfall", "country", select={"sector": members})
        total = sum(sum(v or 0.0 for v in s["median"]) for s in series.values())
        panels.append((total, labels.product(product) if product else "all end uses", series))
    panels.sort(key=lambda p: -p[0])
    return _dropdown_figure(
        x,
        [(label, series) for _, label, series in panels],
        title="Shortfall by country",
        unit="t/day",
        members=int(ds.sizes["member"]),
        style=style,
        names=labels.countries,
        empty_message="Nobody runs short: no shortfall to draw.",
    )


def stocks_figure(ds: xr.Dataset, x: Sequence[str], labels: Labels, style: Style) -> Figure:
    """Commercial stocks by country over time, one product at a time (the materials most short first)."""
    from supplyshock.analysis.metrics import sector_products

    products = [str(p) for p in ds["product"].values]
    of = sector_products(ds)
    short = ds["shortfall"].isel(scenario=0).median("member").sum(("time", "country"))
    by_product: dict[str, float] = {}
    for s, t in zip(ds["sector"].values.astype(str), short.values, strict=True):
        by_product[of.get(s, products[-1])] = by_product.get(of.get(s, products[-1]), 0.0) + float(t)
    first = sorted(by_product, key=lambda p: -by_product[p])
    order = [p for p in first if p in products] + [p for p in reversed(products) if p not in first]
    panels = [(labels.product(p), band_series(ds, "inventory", "country", select={"product": p})) for p in order]
    return _dropdown_figure(
        x,
        panels,
        title="Stocks by country",
        unit="t",
        members=int(ds.sizes["member"]),
        style=style,
        names=labels.countries,
        empty_message="No stocks recorded.",
    )


def prices_figure(ds: xr.Dataset, x: Sequence[str], labels: Labels, *, limit: int = 8) -> tuple[Figure, list[str]]:
    """Price index (1 = baseline) of the products whose price rose, by market; prices the ceiling sets are left out.

    Returns
    -------
    (figure, failures)
        The figure (the ``limit`` largest rises among sound peaks, the first market solid,
        the others dotted) and the names of the prices left out because the model's
        ceiling sets them (model failures, see
        :func:`~supplyshock.analysis.narrative.ceiling_notes`).
    """
    from supplyshock.analysis.narrative import ceiling_notes
    from supplyshock.analysis.summary import price_peaks

    peaks = price_peaks(ds, min_rise=0.05)
    notes = ceiling_notes(ds, peaks) if len(peaks) else pd.Series(dtype=str)
    failures = [f"{labels.product(str(k[1]))} ({labels.market(str(k[0]))})" for k, n in zip(peaks.index, notes, strict=True) if n]
    sound = peaks[(notes == "").to_numpy()] if len(peaks) else peaks
    if not len(sound):
        msg = "No price rises by more than 5%." if not failures else "Every price that rose is set by the model's ceiling (model failures, below)."
        return empty(msg), failures
    sound = sound.sort_values("peak_index", ascending=False).head(limit)
    markets = [str(m) for m in ds["market"].values]
    products = list(dict.fromkeys(str(p) for _, p in sound.index))
    members = int(ds.sizes["member"])
    data: list[dict[str, Any]] = []
    for market, product in sound.index:
        s = band_series(ds, "price_index", "product", select={"market": market}, drop_zero=False)[str(product)]
        name = f"{labels.product(product)}, {labels.market(market)}"
        colour = PALETTE[products.index(str(product)) % len(PALETTE)]
        data.extend(_band_traces(x, f"{market}/{product}", name, s, colour, "index", dash="solid" if market == markets[0] else "dot"))
    styles = f"solid: {labels.market(markets[0])}" + (f"; dotted: {', '.join(labels.market(m) for m in markets[1:])}" if len(markets) > 1 else "")
    layout = _layout(
        title={"text": f"Price index (1 = baseline price)<br><sup>{_members_note(members)}; {styles}</sup>"},
        yaxis={"title": {"text": "x baseline"}, "rangemode": "normal"},
        legend={"orientation": "h", "y": -0.25},
        height=460,
    )
    return {"data": data, "layout": layout}, failures


def losses_figure(countries: pd.DataFrame, labels: Labels, style: Style, *, currency: str, members: int) -> Figure:
    """Value added lost by country, largest first, with p5-p95 error bars (the headline, country by country).

    Parameters
    ----------
    countries
        :func:`~supplyshock.analysis.summary.country_table` with the economy.
    """
    if "value_added_lost_usd_p50" not in countries or not (countries["value_added_lost_usd_p50"] > 0).any():
        return empty("No value added is lost.")
    frame = countries[countries["value_added_lost_usd_p50"] > 0].sort_values("value_added_lost_usd_p50")
    p50 = frame["value_added_lost_usd_p50"].to_numpy() / 1e9
    names = [labels.country(c) for c in frame.index]
    trace: dict[str, Any] = {
        "type": "bar",
        "orientation": "h",
        "x": [round(float(v), 4) for v in p50],
        "y": names,
        "marker": {"color": [style.colour(c) for c in frame.index]},
        "hovertemplate": "<b>%{y}</b><br>%{x:,.2f} USD bn<extra></extra>",
        "name": "value added lost",
    }
    if members > 1:
        hi = frame["value_added_lost_usd_p95"].to_numpy() / 1e9 - p50
        lo = p50 - frame["value_added_lost_usd_p05"].to_numpy() / 1e9
        trace["error_x"] = {
            "type": "data",
            "array": [round(float(v), 4) for v in hi],
            "arrayminus": [round(float(v), 4) for v in lo],
            "color": "#444",
        }
        trace["hovertemplate"] = "<b>%{y}</b><br>%{x:,.2f} USD bn (p50; bar: p5-p95)<extra></extra>"
    layout = _layout(
        title={"text": f"Value added lost by country (USD bn, {currency})<br><sup>{_members_note(members)}</sup>", "x": 0.01, "xanchor": "left"},
        xaxis={"type": "linear", "title": {"text": "USD bn"}, "rangemode": "tozero"},
        yaxis={"type": "category", "automargin": True, "rangemode": "normal"},
        height=max(260, 80 + 34 * len(frame)),
        showlegend=False,
        margin={"l": 10, "r": 20, "t": 70, "b": 40},
    )
    return {"data": [trace], "layout": layout}


def losses_over_time_figure(eco: xr.Dataset, x: Sequence[str], *, members: int) -> Figure:
    """Value added lost to date, all countries, direct and through supply chains, with its band (USD bn)."""
    k = float(eco.attrs.get("usd_per_unit", 1.0)) / 1e9
    va = (eco["value_added_loss_direct"] + eco["value_added_loss_indirect"]).sum(("region", "sector")).cumsum("time") * k
    values = np.asarray(va.transpose("member", "time").values, dtype=float)
    if not np.any(np.abs(values) > 1e-12):
        return empty("No value added is lost.")
    qs = np.quantile(values, (0.05, 0.5, 0.95), axis=0) if values.shape[0] > 1 else np.stack([values[0]] * 3)
    from supplyshock.report.data import clean_number

    series: dict[str, list[float | None]] = {"median": [clean_number(v) for v in qs[1]]}
    if values.shape[0] > 1:
        series.update({"p05": [clean_number(v) for v in qs[0]], "p95": [clean_number(v) for v in qs[2]]})
    data = _band_traces(x, "total", "value added lost to date", series, REFERENCE_COLOUR, "USD bn")
    layout = _layout(
        title={
            "text": f"Value added lost to date, all countries (USD bn, {eco.attrs.get('price_year', '')} prices)"
            f"<br><sup>{_members_note(members)}</sup>",
            "x": 0.01,
            "xanchor": "left",
        },
        yaxis={"title": {"text": "USD bn"}},
        showlegend=False,
        height=380,
    )
    return {"data": data, "layout": layout}


def sankey_figure(flows: Mapping[str, Any], *, title: str) -> Figure:
    """A Sankey diagram of flows from :func:`supplyshock.report.sankey.sankey_flows` (one colour per stage)."""
    columns = list(flows.get("columns") or dict.fromkeys(flows["stages"]))
    colours = [PALETTE[columns.index(s) % len(PALETTE)] for s in flows["stages"]]
    trace = {
        "type": "sankey",
        "arrangement": "snap",
        "valueformat": ",.0f",
        "valuesuffix": " t",
        "node": {"label": list(flows["labels"]), "color": colours, "pad": 10, "thickness": 16},
        "link": {
            "source": list(flows["source"]),
            "target": list(flows["target"]),
            "value": list(flows["value"]),
            "color": [rgba(colours[s], 0.35) for s in flows["source"]],
        },
    }
    layout = {"title": {"text": title}, "height": 620, "margin": {"l": 10, "r": 10, "t": 60, "b": 10}, "font": {"size": 12}, "paper_bgcolor": "white"}
    return {"data": [trace], "layout": layout}


def change_sankey_figure(base: Mapping[str, Any], shocked: Mapping[str, Any], *, title: str, min_share: float = 0.002) -> Figure:
    """One diagram with the change: baseline flows, each link coloured by how much of it still flows under the scenario.

    Link widths are the baseline tonnes (routes that only open under the scenario are drawn
    at their scenario tonnes); colours: blue more than the baseline (+5% or more), grey
    unchanged, orange down by 5-50%, vermillion down by half or more. Hover gives both
    tonnages and the change. Links smaller than ``min_share`` of the largest are left
    out (they only clutter the diagram; their tonnes are in the results).
    """

    def links(flows: Mapping[str, Any]) -> dict[tuple[str, str], float]:
        names = flows["labels"]
        return {(names[a], names[b]): float(v or 0.0) for a, b, v in zip(flows["source"], flows["target"], flows["value"], strict=True)}

    shocked_links, base_links = links(shocked), links(base)
    labels: list[str] = []
    stages: list[str] = []
    stage_of = dict(zip(base["labels"], base["stages"], strict=True)) | dict(zip(shocked["labels"], shocked["stages"], strict=True))

    def node(label: str) -> int:
        if label not in labels:
            labels.append(label)
            stages.append(stage_of[label])
        return labels.index(label)

    src, dst, val, colours, texts = [], [], [], [], []
    smallest = min_share * max([*base_links.values(), *shocked_links.values(), 0.0])
    for pair in list(base_links) + [p for p in shocked_links if p not in base_links]:
        b, s = base_links.get(pair, 0.0), shocked_links.get(pair, 0.0)
        width = b if b > 0 else s
        if width <= 0 or max(b, s) < smallest:
            continue
        ratio = s / b if b > 0 else np.inf
        cls = "up" if ratio >= 1.05 else "same" if ratio >= 0.95 else "down" if ratio >= 0.5 else "cut"
        src.append(node(pair[0]))
        dst.append(node(pair[1]))
        val.append(round(width, 3))
        colours.append(rgba(CHANGE_COLOURS[cls], 0.55))
        change = "new under the scenario" if b <= 0 else f"{(ratio - 1) * 100:+.0f}%"
        texts.append(f"baseline {b:,.0f} t; scenario {s:,.0f} t ({change})")
    if not val:
        return empty("No flows to draw.")
    columns = list(dict.fromkeys(base.get("columns") or stages))
    positions = _positions(labels, stages, columns, src, dst, val)
    node_colours = [PALETTE[columns.index(st) % len(PALETTE)] if st in columns else "#888888" for st in stages]
    trace = {
        "type": "sankey",
        "arrangement": "snap",
        "valueformat": ",.0f",
        "valuesuffix": " t (baseline)",
        "node": {
            "label": labels,
            "color": node_colours,
            "pad": 10,
            "thickness": 16,
            "x": [positions[lb][0] for lb in labels],
            "y": [positions[lb][1] for lb in labels],
        },
        "link": {
            "source": src,
            "target": dst,
            "value": val,
            "color": colours,
            "customdata": texts,
            "hovertemplate": "%{source.label} → %{target.label}<br>%{customdata}<extra></extra>",
        },
    }
    layout = {
        "title": {
            "text": f"{title}<br><sup>width: baseline tonnes; colour: blue more than baseline, grey unchanged, orange down 5-50%, "
            "vermillion down by half or more</sup>"
        },
        "height": 680,
        "margin": {"l": 10, "r": 10, "t": 80, "b": 10},
        "font": {"size": 12},
        "paper_bgcolor": "white",
    }
    return {"data": [trace], "layout": layout}


def _positions(
    labels: Sequence[str], stages: Sequence[str], columns: Sequence[str], src: Sequence[int], dst: Sequence[int], val: Sequence[float]
) -> dict[str, tuple[float, float]]:
    """Node positions: one column per stage in chain order, each column's nodes stacked largest first."""
    size = [0.0] * len(labels)
    for a, b, v in zip(src, dst, val, strict=True):
        size[a] += v
        size[b] += v
    used = [c for c in columns if c in stages]
    out: dict[str, tuple[float, float]] = {}
    for col, stage in enumerate(used):
        members = sorted((i for i, st in enumerate(stages) if st == stage), key=lambda i: -size[i])
        total = sum(size[i] for i in members) or 1.0
        gap = 0.01
        span = max(1.0 - gap * len(members), 0.3)
        y = 0.0
        for i in members:
            h = size[i] / total * span
            x = min(max(col / max(len(used) - 1, 1), 0.001), 0.999)
            out[labels[i]] = (round(x, 4), round(min(max(y + h / 2, 0.001), 0.999), 4))
            y += h + gap
    return out


def timeline_figure(events: Sequence[EventDescription], start: str, end: str) -> Figure:
    """The scenario's events on a timeline: a bar per control, a marker per one-day event, approval steps labelled."""
    if not events:
        return empty("No policy events: this is the baseline.")
    data: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    kinds = sorted({e.kind for e in events})
    seen: set[str] = set()
    for ev in events:
        colour = PALETTE[kinds.index(ev.kind) % len(PALETTE)]
        stop = ev.end or end
        text = f"<b>{ev.label}</b> ({ev.kind})<br>{ev.start} → {ev.end or 'end'}<br>{ev.details}"
        common = {
            "type": "scatter",
            "name": ev.kind.replace("_", " "),
            "legendgroup": ev.kind,
            "showlegend": ev.kind not in seen,
            "hoverinfo": "text",
        }
        seen.add(ev.kind)
        if stop == ev.start:
            marker = {"symbol": "diamond", "size": 14, "color": colour}
            data.append({**common, "x": [ev.start], "y": [ev.label], "mode": "markers", "hovertext": [text], "marker": marker})
        else:
            data.append(
                {
                    **common,
                    "x": [ev.start, stop],
                    "y": [ev.label, ev.label],
                    "mode": "lines+markers",
                    "hovertext": [text, text],
                    "line": {"width": 12, "color": colour},
                    "marker": {"size": 6, "color": colour},
                }
            )
        for day, share in ev.steps:
            annotations.append({"x": day, "y": ev.label, "text": f"{share:.0%}", "showarrow": False, "yshift": 14, "font": {"size": 10}})
    layout = _layout(
        title={"text": "Scenario timeline"},
        height=max(220, 100 + 48 * len(events)),
        margin={"l": 10, "r": 20, "t": 50, "b": 40},
        xaxis={"range": [start, end]},
        yaxis={"autorange": "reversed", "type": "category", "rangemode": "normal"},
        legend={"orientation": "h", "y": -0.25},
        annotations=annotations,
    )
    return {"data": data, "layout": layout}


def build_figures(
    ds: xr.Dataset,
    *,
    events: Sequence[EventDescription],
    baseline: bool,
    labels: Labels,
    style: Style,
    countries: pd.DataFrame,
    economy: xr.Dataset | None,
) -> tuple[dict[str, Figure], list[str]]:
    """Every figure of the report, keyed by a stable id, in display order; and the prices left out as model failures.

    Returns
    -------
    (dict, list of str)
        ``losses`` and ``losses_time`` (with an economy), ``timeline``, ``flows`` (one
        diagram with the change, or the scenario's flows when the baseline is not
        recorded), ``shortfall``, ``stocks``, ``prices``; and the names of prices set by
        the model's ceiling.
    """
    x = dates_iso(ds)
    end = (pd.Timestamp(x[-1]) + pd.Timedelta(days=1)).date().isoformat()
    members = int(ds.sizes["member"])
    figs: dict[str, Figure] = {}
    if economy is not None:
        figs["losses"] = losses_figure(countries, labels, style, currency=f"{economy.attrs.get('price_year', '')} prices", members=members)
        figs["losses_time"] = losses_over_time_figure(economy, x, members=members)
    figs["timeline"] = timeline_figure(events, x[0], end)
    node_names = {**labels.countries, **{str(s): labels.sector(str(s)) for s in ds["sector"].values}}
    shocked = sankey_flows(ds, node_names)
    if baseline:
        figs["flows"] = change_sankey_figure(
            sankey_flows(ds, node_names, baseline=True), shocked, title="Flows from mines to end uses over the horizon, and their change"
        )
    else:
        figs["flows"] = sankey_figure(shocked, title="Flows under the scenario over the horizon, mines to end uses (t, median member)")
    figs["shortfall"] = shortfall_figure(ds, x, labels, style)
    figs["stocks"] = stocks_figure(ds, x, labels, style)
    figs["prices"], failures = prices_figure(ds, x, labels)
    return {k: share_dates(f, x) for k, f in figs.items()}, failures


def share_dates(fig: Figure, dates: Sequence[str]) -> Figure:
    """The figure with every trace's x that equals the run's dates replaced by ``"dates"`` and the dates stored once.

    A run's charts repeat the same year of dates in hundreds of traces; stored once, a
    report is megabytes smaller. The page puts them back before drawing
    (``ssAnalyst.drawFigure``).
    """
    if "data" not in fig:
        return fig
    xs = list(dates)
    shared = False
    for trace in fig["data"]:
        if trace.get("x") == xs:
            trace["x"] = "dates"
            shared = True
    if shared:
        fig["dates"] = xs
    return fig
