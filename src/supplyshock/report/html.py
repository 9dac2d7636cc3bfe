"""Render a run as one self-contained HTML file (plotly.js embedded, no network needed)."""

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

from supplyshock.atomic import atomic_write_text
from supplyshock.errors import SupplyShockError
from supplyshock.report.data import (
    assumptions,
    baseline_dataset,
    country_names,
    dates_iso,
    headline,
    ranked_shortfalls,
    scenario_dict,
    scenario_events,
)
from supplyshock.report.figures import build_figures

__all__ = ["ReportError", "plotly_js", "render_report", "write_report"]

#: plotly.js configuration used for every chart (no logo, no link to the plotly cloud).
PLOTLY_CONFIG: dict[str, Any] = {"displaylogo": False, "responsive": True, "showLink": False}


class ReportError(SupplyShockError):
    """A report cannot be made from the given results."""


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


_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="supplyshock {{ version }}">
<title>supplyshock report: {{ meta.scenario }}</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #1b1b1b; background: #fafafa; }
header { background: #0b3d5c; color: white; padding: 1.2rem 2rem; }
header h1 { margin: 0 0 .3rem 0; font-size: 1.5rem; }
header p { margin: .2rem 0; opacity: .9; max-width: 70rem; }
main { padding: 1rem 2rem 3rem 2rem; max-width: 90rem; }
section { background: white; border: 1px solid #e3e3e3; border-radius: 6px; padding: .8rem 1.2rem; margin: 1rem 0; }
h2 { font-size: 1.15rem; margin: .3rem 0 .6rem 0; }
.kpis { display: flex; flex-wrap: wrap; gap: 1rem; }
.kpi { border-left: 4px solid #0072B2; padding: .3rem .8rem; min-width: 11rem; }
.kpi b { display: block; font-size: 1.3rem; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(36rem, 1fr)); gap: .8rem; }
table { border-collapse: collapse; width: 100%; font-size: .85rem; }
th, td { border-bottom: 1px solid #eee; padding: .25rem .5rem; text-align: left; vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.note { color: #555; font-size: .85rem; }
details summary { cursor: pointer; }
footer { color: #777; font-size: .8rem; padding: 0 2rem 2rem 2rem; }
</style>
</head>
<body>
<header>
<h1>{{ meta.scenario }}</h1>
{% if meta.description %}<p>{{ meta.description }}</p>{% endif %}
<p>Dataset <b>{{ meta.dataset }}</b> · {{ meta.start }} to {{ meta.last_day }} ({{ meta.days }} days) ·
{{ meta.members }} member{{ "s" if meta.members != 1 else "" }} · seed {{ meta.seed }} · created {{ meta.created }}
{% if meta.run_id %} · run <code>{{ meta.run_id }}</code>{% endif %}</p>
</header>
<main>
<section id="headline">
<h2>Headline</h2>
<div class="kpis">
<div class="kpi"><span>Region-sectors that run short</span><b id="kpi-short">{{ head.region_sectors_short }}</b></div>
<div class="kpi"><span>First to run short</span><b id="kpi-first">{% if head.first_short -%}
{{ head.first_short.country_name }} · {{ head.first_short.sector }}, {{ head.first_short.first_shortfall_date }}
{%- else %}nobody{% endif %}</b></div>
<div class="kpi"><span>Peak shortfall</span><b id="kpi-peak">{{ "%.1f"|format(head.peak_shortfall_pct or 0) }} % of demand</b></div>
<div class="kpi"><span>Cumulative shortfall</span><b id="kpi-cum">{{ "{:,.0f}".format(head.cumulative_shortfall_t or 0) }} t</b></div>
<div class="kpi"><span>Lost output</span><b id="kpi-lost">USD {{ "{:,.2f}".format((head.lost_output_usd or 0) / 1e9) }} bn</b></div>
</div>
<p class="note">Medians over members. Lost output is shortfall times the value of output per tonne of magnet: an upper bound.</p>
</section>

<section id="timeline">
<h2>Scenario timeline</h2>
<div class="figure" id="fig-timeline"></div>
{% if events %}
<table><thead><tr><th>event</th><th>type</th><th>from</th><th>to</th><th>settings</th><th>source</th></tr></thead><tbody>
{% for e in events %}<tr><td>{{ e.label }}</td><td>{{ e.kind }}</td><td>{{ e.start }}</td><td>{{ e.end or "end" }}</td>
<td>{{ e.details }}</td><td class="note">{{ e.source }}</td></tr>
{% endfor %}</tbody></table>
{% endif %}
</section>

<section id="flows">
<h2>Flows from mines to end-use sectors</h2>
<p class="note">Tonnes of each stage's products over the whole horizon: by trade between countries or at home, then to end users and sectors.
{% if not has_baseline %}The baseline could not be re-run, so only the scenario's flows are shown.{% endif %}</p>
{% if has_baseline %}<div class="figure" id="fig-sankey_baseline"></div>{% endif %}
<div class="figure" id="fig-sankey_shocked"></div>
</section>

<section id="stocks">
<h2>Stocks</h2>
<div class="figure" id="fig-stocks"></div>
</section>

<section id="shortfall">
<h2>Shortfall</h2>
<div class="grid"><div class="figure" id="fig-shortfall_region"></div><div class="figure" id="fig-shortfall_sector"></div></div>
</section>

<section id="lost-output">
<h2>Lost output</h2>
<div class="grid"><div class="figure" id="fig-lost_output_region"></div><div class="figure" id="fig-lost_output_sector"></div></div>
</section>

<section id="prices">
<h2>Prices</h2>
<div class="figure" id="fig-prices"></div>
</section>

<section id="ranking">
<h2>Who runs short when</h2>
{% if ranked %}
<table id="ranked"><thead><tr><th class="num">#</th><th>region</th><th>sector</th><th>first short</th><th class="num">days</th>
<th class="num">peak % of demand</th><th class="num">shortfall (t)</th><th class="num">lost output (USD m)</th></tr></thead><tbody>
{% for r in ranked %}<tr><td class="num">{{ r.rank }}</td><td>{{ r.country_name }} ({{ r.country }})</td><td>{{ r.sector }}</td>
<td>{{ r.first_shortfall_date }}</td>
<td class="num">{{ r.days_to_first_shortfall }}</td><td class="num">{{ "%.1f"|format(r.peak_shortfall_pct or 0) }}</td>
<td class="num">{{ "{:,.0f}".format(r.cumulative_shortfall_t or 0) }}</td>
<td class="num">{{ "{:,.1f}".format((r.lost_output_usd or 0) / 1e6) }}</td></tr>
{% endfor %}</tbody></table>
{% else %}<p>No region or sector runs short over the horizon.</p>{% endif %}
</section>

<section id="assumptions">
<h2>Assumptions and their sources</h2>
<p class="note">Figures of the dataset and the scenario that rest on an assumption rather than a reported or derived number
({{ assumptions|length }}).</p>
<table id="assumption-table"><thead><tr><th>table</th><th>key</th><th>source</th></tr></thead><tbody>
{% for a in assumptions %}<tr><td>{{ a.table }}</td><td>{{ a.key }}</td><td>{{ a.source }}</td></tr>
{% endfor %}</tbody></table>
{% if other_sources %}
<details><summary>Every other figure's source ({{ other_sources|length }})</summary>
<table><thead><tr><th>table</th><th>key</th><th>basis</th><th>source</th></tr></thead><tbody>
{% for a in other_sources %}<tr><td>{{ a.table }}</td><td>{{ a.key }}</td><td>{{ a.basis }}</td><td>{{ a.source }}</td></tr>
{% endfor %}</tbody></table></details>
{% endif %}
</section>
</main>
<footer>Made by supplyshock {{ version }}. Self-contained: plotly.js {{ plotly_version }} is embedded; no network access is needed.</footer>
<script type="text/javascript">{{ plotly_js }}</script>
<script type="application/json" id="figure-data">{{ figures_json }}</script>
<script type="text/javascript">
(function () {
  var figures = JSON.parse(document.getElementById("figure-data").textContent);
  var config = {{ config_json }};
  var drawn = [];
  Object.keys(figures).forEach(function (key) {
    var el = document.getElementById("fig-" + key);
    if (!el) { return; }
    var fig = figures[key];
    drawn.push(Plotly.newPlot(el, fig.data, fig.layout, config));
  });
  Promise.all(drawn).then(function () { document.body.setAttribute("data-charts-drawn", String(drawn.length)); });
})();
</script>
</body>
</html>
"""


@functools.lru_cache(maxsize=1)
def _template() -> jinja2.Template:
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return env.from_string(_TEMPLATE)


def render_report(
    ds: xr.Dataset,
    *,
    run_id: str | None = None,
    baseline: xr.Dataset | bool | None = True,
) -> str:
    """Render a results dataset as one self-contained HTML page.

    Parameters
    ----------
    ds
        A results dataset (see :func:`supplyshock.run`).
    run_id
        The run's id in the run store, shown in the header.
    baseline
        The counterfactual run for the baseline Sankey; ``True`` (the default) re-runs
        the scenario without its events (about a second), ``None`` or ``False`` leaves
        the baseline out.

    Returns
    -------
    str
        The HTML text, with plotly.js and every figure's data embedded.

    Raises
    ------
    ReportError
        When ``ds`` is not a supplyshock results dataset.
    """
    import plotly

    from supplyshock import __version__

    needed = ("shortfall", "demand", "inventory", "lost_output", "price_index", "process_use", "final_use", "delivered", "trade")
    missing = [v for v in needed if v not in ds.data_vars]
    if missing or "member" not in ds.dims or "time" not in ds.dims:
        raise ReportError(f"not a supplyshock results dataset: lacks {', '.join(missing) or 'member/time dimensions'}")
    spec = scenario_dict(ds)
    events = scenario_events(spec)
    names = country_names(str(ds.attrs.get("dataset", "")))
    base: xr.Dataset | None
    if baseline is True:
        base = baseline_dataset(ds)
    elif baseline is False or baseline is None:
        base = None
    else:
        base = baseline
    figures = build_figures(ds, events=events, baseline=base, names=names)
    figures_json = "{" + ",".join(json.dumps(key) + ":" + _json_for_script(fig) for key, fig in figures.items()) + "}"
    ranked = ranked_shortfalls(ds, names)
    dates = dates_iso(ds)
    all_sources = assumptions(ds, basis=("assumption", "derived", "reported", "definition"))
    meta = {
        "scenario": str(ds.attrs.get("scenario_name", spec.get("name", "run"))),
        "description": " ".join(str(spec.get("description", "")).split()),
        "dataset": str(ds.attrs.get("dataset", "")),
        "start": dates[0],
        "last_day": dates[-1],
        "days": len(dates),
        "members": int(ds.sizes["member"]),
        "seed": ds.attrs.get("seed", ""),
        "created": str(ds.attrs.get("created", "")),
        "run_id": run_id or "",
    }
    return _template().render(
        version=__version__,
        plotly_version=plotly.__version__,
        meta=meta,
        head=headline(ds, ranked),
        events=events,
        has_baseline=base is not None,
        ranked=ranked,
        assumptions=assumptions(ds),
        other_sources=[s for s in all_sources if s["basis"] != "assumption"],
        plotly_js=Markup(plotly_js()),
        figures_json=Markup(figures_json),
        config_json=Markup(_json_for_script(PLOTLY_CONFIG)),
    )


def write_report(
    ds: xr.Dataset,
    path: str | os.PathLike[str],
    *,
    run_id: str | None = None,
    baseline: xr.Dataset | bool | None = True,
) -> Path:
    """Write a results dataset as one self-contained HTML report file.

    The file embeds plotly.js from the installed plotly package and every chart's data,
    so it opens offline in any browser. It shows the scenario timeline, baseline and
    shocked flows from mines to end-use sectors (Sankey diagrams), stocks, shortfall and
    lost output by region and sector over time (with p5-p95 bands when the run has
    several members), prices, a ranked table of who runs short when, and the assumptions
    with their sources. The file is written atomically (a temporary file renamed).

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


def report_context_keys() -> Mapping[str, str]:
    """Return the element ids of the report's charts and what each shows (for tests and docs).

    Returns
    -------
    Mapping
        ``{element id: description}``.
    """
    return {
        "fig-timeline": "scenario timeline",
        "fig-sankey_baseline": "baseline flows (Sankey)",
        "fig-sankey_shocked": "flows under the scenario (Sankey)",
        "fig-stocks": "stocks by region (dropdown per product)",
        "fig-shortfall_region": "shortfall by region",
        "fig-shortfall_sector": "shortfall by sector",
        "fig-lost_output_region": "lost output by region, cumulative",
        "fig-lost_output_sector": "lost output by sector, cumulative",
        "fig-prices": "price index by market and product",
    }
