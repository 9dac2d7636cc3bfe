"""The HTML report: one self-contained file, and the ``supplyshock report`` command."""

from __future__ import annotations

import html as html_module
import json
import re
from pathlib import Path

import click
import pytest
import xarray as xr
from click.testing import CliRunner

from supplyshock.cli.report import report
from supplyshock.report import ReportError, load_results, render_report, report_for_run, write_report
from supplyshock.store import RunStore, save_results

FIGURES = ["losses", "losses_time", "timeline", "flows", "shortfall", "stocks", "prices"]
PLAIN_FIGURES = ["timeline", "flows", "shortfall", "stocks", "prices"]


def _figures(html: str) -> dict[str, dict]:
    match = re.search(r'<script type="application/json" id="figure-data">(.*?)</script>', html, re.S)
    assert match is not None
    return json.loads(match.group(1))


def _table(html: str) -> dict:
    match = re.search(r'<script type="application/json" id="table-data">(.*?)</script>', html, re.S)
    assert match is not None
    return json.loads(match.group(1))


def _text(html: str, section: str) -> str:
    part = html.split(f'<section id="{section}"', 1)[1].split("</section>", 1)[0]
    return html_module.unescape(" ".join(re.sub(r"<[^>]+>", " ", part).split()))


@pytest.fixture(scope="module")
def report_html(april_ds: xr.Dataset, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    path = write_report(april_ds, tmp_path_factory.mktemp("report") / "sub" / "report.html", run_id="20250101-000000-abcdef")
    return path, path.read_text(encoding="utf-8")


def test_report_is_self_contained(report_html: tuple[Path, str]) -> None:
    import plotly

    path, html = report_html
    assert path.name == "report.html" and path.parent.name == "sub"
    assert not re.search(r"<script[^>]+src=", html), "no external scripts"
    assert not re.search(r"<link[^>]+href=", html), "no external stylesheets"
    assert "cdn.plot.ly" not in html.split('<script type="text/javascript">')[0]
    assert f"plotly.js {plotly.__version__}" in html or plotly.__version__ in html
    assert len(html) > 3_000_000, "plotly.js is embedded"
    assert not list(path.parent.glob(".*.tmp")), "no temporary file left behind"


def test_report_has_every_figure_with_bands(report_html: tuple[Path, str], april_ds: xr.Dataset) -> None:
    _, html = report_html
    figures = _figures(html)
    assert list(figures) == FIGURES
    for key in FIGURES:
        assert f'id="fig-{key}"' in html
        assert figures[key].get("data") or figures[key].get("empty"), key
    bands = [t for t in figures["shortfall"]["data"] if t.get("fill") == "tonexty"]
    assert bands, "three members give p5-p95 bands"
    assert figures["flows"]["data"][0]["type"] == "sankey"
    timeline = figures["timeline"]["data"]
    assert {t["name"] for t in timeline} == {"tariff", "licence", "agreement"}
    buttons = figures["stocks"]["layout"]["updatemenus"][0]["buttons"]
    assert len(buttons) <= april_ds.sizes["product"]
    assert figures["losses"]["data"][0]["type"] == "bar" and "error_x" in figures["losses"]["data"][0]


def test_report_charts_use_names_units_and_one_colour_per_country(report_html: tuple[Path, str], april_ds: xr.Dataset) -> None:
    from supplyshock.analysis.labels import labels_for
    from supplyshock.report.style import PALETTE, Style

    _, html = report_html
    figures = _figures(html)
    labels = labels_for(april_ds)
    style = Style.for_countries(labels.country_order)
    codes = {str(c) for c in april_ds["country"].values}
    colour_of: dict[str, str] = {}
    for key in ("shortfall", "stocks"):
        for trace in figures[key]["data"]:
            if "meta" not in trace:
                continue  # a band edge
            code = trace["meta"]
            assert trace["name"] == labels.country(code) and trace["name"] not in codes - {labels.country(code)}
            assert trace["line"]["color"] == style.colour(code)
            assert colour_of.setdefault(code, trace["line"]["color"]) == trace["line"]["color"], "a country keeps its colour"
            assert "t" in trace["hovertemplate"] and "%{y:" in trace["hovertemplate"], "formatted values with units on hover"
    bars = figures["losses"]["data"][0]
    assert set(bars["y"]) <= {labels.country(c) for c in codes}
    assert "#F0E442" not in set(PALETTE), "no yellow: it vanishes on white"
    sankey = json.dumps(figures["flows"])
    assert "ev_traction" not in sankey and "EV traction motors" in sankey, "sector names, not codes"


def test_report_leads_with_the_period_a_written_summary_and_the_headline_loss(report_html: tuple[Path, str], april_ds: xr.Dataset) -> None:
    from supplyshock.analysis.economy import economic_impact
    from supplyshock.analysis.narrative import loss_band, money_bn

    _, html = report_html
    body = html.split("<body", 1)[1]
    assert body.index('id="period"') < body.index('id="summary"') < body.index('id="headline"') < body.index('id="who"')
    assert "Simulated 1 Jan 2025 to 31 Dec 2025 (365 days)" in html
    summary = html.split('<section id="summary"', 1)[1].split("</section>", 1)[0]
    assert summary.count("<p>") == 3, "three sentences"
    band = loss_band(economic_impact(april_ds))
    headline = _text(html, "headline")
    assert f"USD {money_bn(band['p50'])} bn" in headline and f"USD {money_bn(band['p05'])} bn to {money_bn(band['p95'])} bn" in headline
    assert f"USD {money_bn(band['p50'])} bn" in _text(html, "summary")
    assert "Output at risk" not in headline, "the upper bound is only in the details"
    assert "upper bound" in _text(html, "details")


def test_report_table_assumptions_and_glossary(report_html: tuple[Path, str], april_ds: xr.Dataset) -> None:
    _, html = report_html
    table = _table(html)
    assert table["rows"] and all(r["cells"]["name"] != r["key"] or r["key"] == r["cells"]["name"] for r in table["rows"])
    assert 'id="who-table"' in html
    assumptions = html.split('<table id="assumption-table">')[1].split("</table>")[0]
    assert "cn-magnet-licence" in assumptions
    assert '<details id="assumption-details">' in html, "assumptions collapsed by default"
    assert "20250101-000000-abcdef" in html and "cn-2025-april-controls" in html
    glossary = _text(html, "glossary")
    codes = (("RoW_agg", "Rest of the world"), ("EU_other", "EU without Germany"), ("TRN", "Transport equipment"), ("OMF", "Other manufacturing"))
    for code, name in codes:
        assert code in glossary and name in glossary
    economy = html.split('<table id="economy-table">')[1].split("</table>")[0]
    assert "RoW_agg" not in economy and "TRN" not in economy, "names, not codes, in the tables"


def test_report_marks_prices_at_the_ceiling_as_model_failures(embargo_ds: xr.Dataset) -> None:
    from supplyshock.analysis.narrative import ceiling_notes
    from supplyshock.analysis.summary import price_peaks

    html = render_report(embargo_ds, baseline=False)
    peaks = price_peaks(embargo_ds, min_rise=0.05)
    failed = peaks[(ceiling_notes(embargo_ds, peaks) != "").to_numpy()]
    assert len(failed), "a twelve-month embargo drives some price to the ceiling"
    assert "Model failure, not results" in html
    drawn = {t.get("meta") for t in _figures(html)["prices"].get("data", [])}
    assert not drawn & {f"{m}/{p}" for m, p in failed.index}, "a price at the ceiling is never drawn as a result"


def test_report_escapes_text_from_the_scenario(april_ds: xr.Dataset) -> None:
    ds = april_ds.copy()
    spec = json.loads(ds.attrs["scenario_json"])
    spec["description"] = "<script>alert(1)</script> & </script>"
    ds.attrs = {**ds.attrs, "scenario_json": json.dumps(spec)}
    html = render_report(ds, baseline=False)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "change" not in _figures(html)["flows"]["layout"]["title"]["text"], "no baseline: the scenario's flows only"


def test_report_shows_the_headline_flows_by_month(report_html: tuple[Path, str]) -> None:
    _, html = report_html
    table = html.split('<table class="headline-flow" id="flow-china_magnet_exports">')[1].split("</table>")[0]
    assert "China&#39;s magnet exports" in html
    assert table.count("<tr>") == 1 + 12
    assert "to United States (t)" in table and "change vs baseline (%)" in table


def test_report_reads_the_dataset_only(april_ds: xr.Dataset, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rendering never runs the engine: the baseline flows come from the Dataset."""
    import importlib

    engine_run = importlib.import_module("supplyshock.engine.run")
    engine_simulate = importlib.import_module("supplyshock.engine.simulate")

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the report ran the engine")

    monkeypatch.setattr(engine_run, "simulate", refuse)
    monkeypatch.setattr(engine_simulate, "simulate", refuse)
    assert "and their change" in _figures(render_report(april_ds))["flows"]["layout"]["title"]["text"]


def test_report_of_results_without_baseline_flows(embargo_ds: xr.Dataset) -> None:
    old = embargo_ds.drop_vars(["baseline_process_use", "baseline_final_use", "link_baseline_t"])
    html = render_report(old)
    assert "change" not in _figures(html)["flows"]["layout"]["title"]["text"]
    assert "do not record the baseline flows" in html


def test_report_on_the_toy_network(toy_ds: xr.Dataset) -> None:
    html = render_report(toy_ds, run_id="toy-run")
    figures = _figures(html)
    assert list(figures) == PLAIN_FIGURES, "the toy network gives no values: no loss charts"
    assert "not valued" in _text(html, "headline")
    prices = figures["prices"]
    assert "empty" in prices or "solid: inside; dotted: outside" in prices["layout"]["title"]["text"]
    assert 'id="flow-aaa_metal_exports"' in html
    assert [t["name"] for t in figures["timeline"]["data"]] == ["export ban"]


def test_report_without_members_has_no_bands(embargo_ds: xr.Dataset) -> None:
    figures = _figures(render_report(embargo_ds, baseline=None))
    assert not [t for t in figures["shortfall"]["data"] if t.get("fill")]


def test_report_of_the_baseline_shows_empty_states_not_empty_axes() -> None:
    import supplyshock as ss

    html = render_report(ss.run("baseline", members=1))
    figures = _figures(html)
    assert figures["shortfall"] == {"empty": "Nobody runs short: no shortfall to draw."}
    assert "empty" in figures["timeline"] and "empty" in figures["prices"]
    assert "nobody" in _text(html, "headline").lower() or "0 of" in _text(html, "headline")
    assert "every country's demand met" in _text(html, "summary")


def test_report_refuses_a_dataset_that_is_not_results() -> None:
    with pytest.raises(ReportError, match="not a supplyshock results dataset"):
        render_report(xr.Dataset({"x": ("time", [1.0])}))


def test_write_report_into_an_unwritable_place(april_ds: xr.Dataset, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ReportError, match="cannot write report"):
        write_report(april_ds, blocker / "report.html", baseline=False)


def test_report_command_from_a_results_file(april_ds: xr.Dataset, tmp_path: Path) -> None:
    nc = save_results(april_ds, tmp_path / "results.nc")
    out = tmp_path / "r.html"
    result = CliRunner().invoke(report, [str(nc), "--out", str(out), "--no-baseline"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Report: {out}")
    assert 'id="fig-flows"' in out.read_text(encoding="utf-8")


def test_report_command_from_a_run_id(april_ds: xr.Dataset, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import supplyshock as ss

    store = RunStore(tmp_path / "runs.duckdb")
    nc = save_results(april_ds, tmp_path / "results.nc")
    run_id = store.record_run(april_ds, results_path=nc, summary=ss.summarise(april_ds).reset_index())
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(report, [run_id[:12], "--store", str(store.path), "--no-baseline"])
    assert result.exit_code == 0, result.output
    written = tmp_path / f"report-{run_id}.html"
    assert written.is_file()
    ds, rid = load_results(run_id, store=store)
    assert rid == run_id and ds.sizes["member"] == 3


def test_report_command_with_an_unknown_run(tmp_path: Path) -> None:
    result = CliRunner().invoke(report, ["no-such-run", "--store", str(tmp_path / "runs.duckdb")])
    assert result.exit_code == 2
    assert result.output.startswith("Error: ")
    assert "Traceback" not in result.output


def test_report_for_run_writes_into_a_folder(embargo_ds: xr.Dataset, tmp_path: Path) -> None:
    written = report_for_run(embargo_ds, tmp_path, run_id="r1")
    assert written == tmp_path / "report.html"
    assert "r1" in written.read_text(encoding="utf-8")


def test_commands_have_help() -> None:
    for command in (report,):
        assert isinstance(command, click.Command)
        result = CliRunner().invoke(command, ["--help"])
        assert result.exit_code == 0
        assert "self-contained" in result.output
