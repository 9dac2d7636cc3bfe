"""The comparison report: two or more runs side by side and their difference against a reference, as one self-contained HTML file.

Made by ``supplyshock compare`` and the dashboard's compare view
(``/api/compare/report``). The numbers are those of :mod:`supplyshock.analysis.compare`;
this module words them, draws them and lays them out with the report's style (one
colour per run here, since runs are the series; names, units, PNG and SVG export).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
import pandas as pd
from markupsafe import Markup

from supplyshock._version import __version__
from supplyshock.analysis.compare import RunView, compare_countries, compare_totals
from supplyshock.analysis.labels import Labels, labels_for
from supplyshock.analysis.narrative import money_bn
from supplyshock.atomic import atomic_write_text
from supplyshock.report.data import ReportError, clean_number
from supplyshock.report.figures import Figure, empty
from supplyshock.report.style import PALETTE, REFERENCE_COLOUR, rgba

__all__ = ["comparison_figures", "comparison_sentences", "render_comparison", "run_colours", "write_comparison"]


def run_colours(n: int, reference: int) -> list[str]:
    """One colour per run: the reference grey, the others the palette in order."""
    out, k = [], 0
    for i in range(n):
        if i == reference:
            out.append(REFERENCE_COLOUR)
        else:
            out.append(PALETTE[k % len(PALETTE)])
            k += 1
    return out


def _signed_bn(usd: float) -> str:
    if not np.isfinite(usd):
        return "-"
    return ("+" if usd >= 0 else "-") + money_bn(abs(usd))


def comparison_sentences(totals: pd.DataFrame, reference: int = 0) -> list[str]:
    """One sentence per run against the reference: its loss and band, the difference, the first stoppage."""
    ref = totals.iloc[reference]
    out = []
    ref_va = float(ref["value_added_lost_usd_p50"])
    if np.isfinite(ref_va):
        out.append(f"The reference, {ref.name}, loses USD {money_bn(ref_va)} bn of value added.")
    for i, (name, r) in enumerate(totals.iterrows()):
        if i == reference:
            continue
        va, diff = float(r["value_added_lost_usd_p50"]), float(r["value_added_lost_usd_p50_diff"])
        if np.isfinite(va):
            pct = f" ({diff / ref_va:+.0%})" if np.isfinite(ref_va) and ref_va > 0 else ""
            band = (
                f" (p5-p95 {money_bn(float(r['value_added_lost_usd_p05']))} to {money_bn(float(r['value_added_lost_usd_p95']))})"
                if int(r["members"]) > 1
                else ""
            )
            text = f"{name}: USD {money_bn(va)} bn{band}, {_signed_bn(diff)} bn{pct} against the reference"
        else:
            text = f"{name}: not valued"
        stop, stop_diff = r["first_stoppage_date"], float(r.get("first_stoppage_day_diff", np.nan))
        if stop:
            shift = f", {abs(stop_diff):.0f} days {'later' if stop_diff > 0 else 'earlier'}" if np.isfinite(stop_diff) and stop_diff != 0 else ""
            text += f"; the first plants stop on {stop}{shift}"
        else:
            text += "; no plant stops"
        out.append(text + f"; {int(r['countries_short'])} countries run short.")
    return out


def _losses_over_time(view: RunView) -> dict[str, list[float | None]] | None:
    eco = view.economy
    if eco is None:
        return None
    k = float(eco.attrs.get("usd_per_unit", 1.0)) / 1e9
    va = (eco["value_added_loss_direct"] + eco["value_added_loss_indirect"]).sum(("region", "sector")).cumsum("time") * k
    values = np.asarray(va.transpose("member", "time").values, dtype=float)
    qs = np.quantile(values, (0.05, 0.5, 0.95), axis=0) if values.shape[0] > 1 else np.stack([values[0]] * 3)
    out: dict[str, list[float | None]] = {"median": [clean_number(v) for v in qs[1]]}
    if values.shape[0] > 1:
        out.update({"p05": [clean_number(v) for v in qs[0]], "p95": [clean_number(v) for v in qs[2]]})
    return out


def comparison_figures(views: Sequence[RunView], totals: pd.DataFrame, countries: pd.DataFrame, reference: int, labels: Labels) -> dict[str, Figure]:
    """The comparison's charts: total loss per run (with bands), loss by country per run, the difference by country, the loss over time."""
    colours = run_colours(len(views), reference)
    names = list(totals.index)
    layout_base: dict[str, Any] = {
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "font": {"family": "system-ui, sans-serif", "size": 12},
        "margin": {"l": 60, "r": 20, "t": 70, "b": 60},
        "legend": {"orientation": "h", "y": -0.25},
        "hovermode": "closest",
    }
    figs: dict[str, Figure] = {}
    va = totals["value_added_lost_usd_p50"].to_numpy(dtype=float)
    if not np.isfinite(va).any():
        msg = "These runs are not valued: compare their shortfalls in the table."
        return {"totals": empty(msg), "by_country": empty(msg), "difference": empty(msg), "over_time": empty(msg)}
    lo = va - totals["value_added_lost_usd_p05"].to_numpy(dtype=float)
    hi = totals["value_added_lost_usd_p95"].to_numpy(dtype=float) - va
    figs["totals"] = {
        "data": [
            {
                "type": "bar",
                "x": [float(v) / 1e9 for v in va],
                "y": names,
                "orientation": "h",
                "marker": {"color": colours},
                "error_x": {"type": "data", "array": [float(v) / 1e9 for v in hi], "arrayminus": [float(v) / 1e9 for v in lo], "color": "#444"},
                "hovertemplate": "<b>%{y}</b><br>%{x:,.2f} USD bn (p50; bar: p5-p95)<extra></extra>",
            }
        ],
        "layout": {
            **layout_base,
            "title": {"text": "Value added lost per run (USD bn)<br><sup>median, bar p5-p95; grey: the reference</sup>", "x": 0.01},
            "xaxis": {"title": {"text": "USD bn"}, "rangemode": "tozero"},
            "yaxis": {"type": "category", "automargin": True, "autorange": "reversed"},
            "height": max(240, 90 + 50 * len(names)),
            "showlegend": False,
            "margin": {"l": 10, "r": 20, "t": 70, "b": 40},
        },
    }
    order = countries[countries["run"] == names[reference]].sort_values("value_added_lost_usd_p50", ascending=False)["country"].tolist()
    order += [c for c in dict.fromkeys(countries["country"]) if c not in order]
    xnames = [labels.country(c) for c in order]
    by_country, difference = [], []
    for i, name in enumerate(names):
        part = countries[countries["run"] == name].set_index("country").reindex(order)
        by_country.append(
            {
                "type": "bar",
                "name": name,
                "x": xnames,
                "y": [clean_number(v / 1e9) if np.isfinite(v) else None for v in part["value_added_lost_usd_p50"].to_numpy(dtype=float)],
                "marker": {"color": colours[i]},
                "hovertemplate": f"<b>%{{x}}</b><br>{name}: %{{y:,.2f}} USD bn<extra></extra>",
            }
        )
        if i != reference:
            difference.append(
                {
                    "type": "bar",
                    "name": name,
                    "x": xnames,
                    "y": [clean_number(v / 1e9) if np.isfinite(v) else None for v in part["value_added_lost_usd_p50_diff"].to_numpy(dtype=float)],
                    "marker": {"color": colours[i]},
                    "hovertemplate": f"<b>%{{x}}</b><br>{name}: %{{y:+,.2f}} USD bn against the reference<extra></extra>",
                }
            )
    figs["by_country"] = {
        "data": by_country,
        "layout": {
            **layout_base,
            "barmode": "group",
            "title": {"text": "Value added lost by country, each run (USD bn, median)", "x": 0.01, "xanchor": "left"},
            "yaxis": {"title": {"text": "USD bn"}, "rangemode": "tozero"},
            "xaxis": {"automargin": True},
            "height": 440,
        },
    }
    figs["difference"] = {
        "data": difference,
        "layout": {
            **layout_base,
            "barmode": "group",
            "title": {"text": f"Difference from the reference, {names[reference]}, by country (USD bn; above zero: more lost)", "x": 0.01},
            "yaxis": {"title": {"text": "USD bn"}, "zeroline": True, "zerolinecolor": "#888"},
            "xaxis": {"automargin": True},
            "height": 440,
        },
    }
    lines: list[dict[str, Any]] = []
    for i, view in enumerate(views):
        series = _losses_over_time(view)
        if series is None:
            continue
        dates = [pd.Timestamp(t).date().isoformat() for t in view.results["time"].values]
        if "p05" in series:
            lines.append(
                {"type": "scatter", "x": dates, "y": series["p05"], "mode": "lines", "line": {"width": 0}, "hoverinfo": "skip", "showlegend": False}
            )
            lines.append(
                {
                    "type": "scatter",
                    "x": dates,
                    "y": series["p95"],
                    "mode": "lines",
                    "line": {"width": 0},
                    "fill": "tonexty",
                    "fillcolor": rgba(colours[i], 0.15),
                    "hoverinfo": "skip",
                    "showlegend": False,
                }
            )
        lines.append(
            {
                "type": "scatter",
                "x": dates,
                "y": series["median"],
                "mode": "lines",
                "name": names[i],
                "line": {"color": colours[i], "width": 2.5 if i == reference else 2, "dash": "dash" if i == reference else "solid"},
                "hovertemplate": f"<b>{names[i]}</b><br>%{{y:,.2f}} USD bn<br>%{{x|%d %b %Y}}<extra></extra>",
            }
        )
    figs["over_time"] = (
        {
            "data": lines,
            "layout": {
                **layout_base,
                "title": {"text": "Value added lost to date, each run (USD bn; median, band p5-p95)", "x": 0.01, "xanchor": "left"},
                "xaxis": {"type": "date"},
                "yaxis": {"title": {"text": "USD bn"}, "rangemode": "tozero"},
                "height": 420,
            },
        }
        if lines
        else empty("No run is valued.")
    )
    return figs


@functools.lru_cache(maxsize=1)
def _template() -> jinja2.Template:
    env = jinja2.Environment(loader=jinja2.PackageLoader("supplyshock.report", "templates"), autoescape=True, undefined=jinja2.StrictUndefined)
    return env.get_template("compare.html.j2")


def _fmt(v: Any, digits: int = 0) -> str:
    try:
        x = float(v)
    except (TypeError, ValueError):
        return "-"
    return "-" if not np.isfinite(x) else f"{x:,.{digits}f}"


def render_comparison(views: Sequence[RunView], reference: int = 0) -> str:
    """Two or more runs side by side as one self-contained HTML page (plotly.js embedded).

    Parameters
    ----------
    views
        The runs (:class:`~supplyshock.analysis.compare.RunView`), named after what changed.
    reference
        The position of the reference run.

    Returns
    -------
    str
    """
    import plotly

    from supplyshock.report.html import PLOTLY_CONFIG, _json_for_script, plotly_js

    if len(views) < 2:
        raise ReportError("a comparison needs two runs or more")
    labels = labels_for(views[reference].results)
    totals = compare_totals(views, reference)
    countries = compare_countries(views, reference, labels)
    figures = comparison_figures(views, totals, countries, reference, labels)
    names = list(totals.index)
    letters = [chr(ord("A") + i) for i in range(len(names))]
    runs = []
    for letter, (name, r) in zip(letters, totals.iterrows(), strict=True):
        runs.append(
            {
                "letter": letter,
                "name": name,
                "run_id": r["run_id"],
                "reference": bool(r["reference"]),
                "period": f"{r['start']} to {r['end']}",
                "members": int(r["members"]),
                "va": money_bn(float(r["value_added_lost_usd_p50"])),
                "band": f"{money_bn(float(r['value_added_lost_usd_p05']))}-{money_bn(float(r['value_added_lost_usd_p95']))}"
                if int(r["members"]) > 1
                else "",
                "diff": "" if r["reference"] else _signed_bn(float(r["value_added_lost_usd_p50_diff"])),
                "first_stop": r["first_stoppage_date"] or "never",
                "countries_short": int(r["countries_short"]),
            }
        )
    ref_name = names[reference]
    order = countries[countries["run"] == ref_name].sort_values("value_added_lost_usd_p50", ascending=False)["country"].tolist()
    order += [c for c in dict.fromkeys(countries["country"]) if c not in order]
    rows = []
    for code in order:
        cells = []
        for i, name in enumerate(names):
            part = countries[(countries["run"] == name) & (countries["country"] == code)]
            if not len(part):
                cells.append({"va": "-", "diff": "", "stop": "-"})
                continue
            rec = part.iloc[0]
            stop = rec.get("first_stoppage_day", np.nan)
            start = pd.Timestamp(views[i].results["time"].values[0])
            cells.append(
                {
                    "va": money_bn(float(rec["value_added_lost_usd_p50"])) if "value_added_lost_usd_p50" in rec else "-",
                    "diff": ""
                    if i == reference or "value_added_lost_usd_p50_diff" not in rec
                    else _signed_bn(float(rec["value_added_lost_usd_p50_diff"])),
                    "stop": (start + pd.Timedelta(days=int(stop))).date().isoformat() if pd.notna(stop) else "never",
                }
            )
        rows.append({"code": code, "name": labels.country(code), "cells": cells})
    periods = {r["period"] for r in runs}
    datasets = {str(v.results.attrs.get("dataset", "")) for v in views}
    warnings = []
    if len(periods) > 1:
        warnings.append("The runs simulate different periods: their differences mix the policy with the period.")
    if len(datasets) > 1:
        warnings.append(f"The runs use different datasets ({', '.join(sorted(datasets))}): countries and sectors may not match.")
    figures_json = "{" + ",".join(f'"{k}":' + _json_for_script(f) for k, f in figures.items()) + "}"
    return _template().render(
        version=__version__,
        plotly_version=plotly.__version__,
        title=f"Comparison of {len(views)} runs against {ref_name}",
        periods=sorted(periods),
        runs=runs,
        letters=letters,
        rows=rows,
        sentences=comparison_sentences(totals, reference),
        warnings=warnings,
        figures=figures,
        plotly_js=Markup(plotly_js()),
        figures_json=Markup(figures_json),
        config_json=Markup(_json_for_script(PLOTLY_CONFIG)),
    )


def write_comparison(views: Sequence[RunView], path: str | os.PathLike[str], reference: int = 0) -> Path:
    """Write :func:`render_comparison` to ``path`` (atomically); the file written."""
    html = render_comparison(views, reference)
    target = Path(path).expanduser()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(target, html)
    except OSError as exc:
        raise ReportError(f"cannot write the comparison report to {target}: {exc}") from exc
    return target
