"""The HTML report: one self-contained file, and the ``supplyshock report`` command."""

from __future__ import annotations

import json
import re
from pathlib import Path

import click
import pytest
import xarray as xr
from click.testing import CliRunner

from supplyshock.cli.report import report
from supplyshock.report import ReportError, load_results, render_report, report_for_run, write_report
from supplyshock.report.data import ranked_shortfalls
from supplyshock.store import RunStore, save_results

FIGURES = [
    "timeline",
    "sankey_baseline",
    "sankey_shocked",
    "stocks",
    "shortfall_region",
    "shortfall_sector",
    "output_at_risk_region",
    "output_at_risk_sector",
    "prices",
]


def _figures(html: str) -> dict[str, dict]:
    match = re.search(r'<script type="application/json" id="figure-data">(.*?)</script>', html, re.S)
    assert match is not None
    return json.loads(match.group(1))


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
        assert figures[key]["data"], key
    bands = [t for t in figures["shortfall_region"]["data"] if t.get("fill") == "tonexty"]
    assert bands, "three members give p5-p95 bands"
    assert figures["sankey_shocked"]["data"][0]["type"] == "sankey"
    timeline = figures["timeline"]["data"]
    assert {t["name"] for t in timeline} == {"tariff", "licence", "agreement"}
    buttons = figures["stocks"]["layout"]["updatemenus"][0]["buttons"]
    assert buttons[0]["label"] == "ndfeb_magnet"
    assert len(buttons) == april_ds.sizes["product"]


def test_report_tables(report_html: tuple[Path, str], april_ds: xr.Dataset) -> None:
    _, html = report_html
    ranked = ranked_shortfalls(april_ds)
    table = html.split('<table id="ranked">')[1].split("</table>")[0]
    assert table.count("<tr>") == len(ranked) + 1
    assumptions = html.split('<table id="assumption-table">')[1].split("</table>")[0]
    assert "cn-magnet-licence" in assumptions
    assert "20250101-000000-abcdef" in html
    assert "cn-2025-april-controls" in html


def test_report_escapes_text_from_the_scenario(april_ds: xr.Dataset) -> None:
    ds = april_ds.copy()
    spec = json.loads(ds.attrs["scenario_json"])
    spec["description"] = "<script>alert(1)</script> & </script>"
    ds.attrs = {**ds.attrs, "scenario_json": json.dumps(spec)}
    html = render_report(ds, baseline=False)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "sankey_baseline" not in _figures(html)


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
    assert "sankey_baseline" in _figures(render_report(april_ds))


def test_report_of_results_without_baseline_flows(embargo_ds: xr.Dataset) -> None:
    old = embargo_ds.drop_vars(["baseline_process_use", "baseline_final_use", "link_baseline_t"])
    html = render_report(old)
    assert "sankey_baseline" not in _figures(html)
    assert "do not record the baseline flows" in html


def test_report_on_the_toy_network(toy_ds: xr.Dataset) -> None:
    html = render_report(toy_ds, run_id="toy-run")
    figures = _figures(html)
    assert list(figures) == FIGURES
    assert "solid: inside, dotted: outside" in figures["prices"]["layout"]["title"]["text"]
    assert 'id="flow-aaa_metal_exports"' in html
    assert [t["name"] for t in figures["timeline"]["data"]] == ["export_ban"]


def test_report_without_members_has_no_bands(embargo_ds: xr.Dataset) -> None:
    figures = _figures(render_report(embargo_ds, baseline=None))
    assert not [t for t in figures["shortfall_region"]["data"] if t.get("fill")]


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
    assert "sankey_shocked" in out.read_text(encoding="utf-8")


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
