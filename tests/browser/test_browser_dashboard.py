"""The dashboard and the report, drawn by a real browser."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
import xarray as xr


def _medians(page: Any, chart: str) -> dict[str, list[float | None]]:
    return page.evaluate(
        """(id) => { const gd = document.getElementById(id); const out = {};
                    gd.data.filter(t => t.legendgroup === t.name).forEach(t => { out[t.name] = Array.from(t.y); }); return out; }""",
        chart,
    )


def test_dashboard_runs_a_scenario_and_shows_the_api_figures(server: Any, page: Any, tmp_path: Path) -> None:
    page.goto(server.url + "/")
    page.wait_for_selector("body[data-state=ready]", timeout=30_000)
    options = page.eval_on_selector_all("#scenario option", "els => els.map(e => e.value)")
    assert "cn-2025-april-controls" in options and page.input_value("#scenario") == "cn-2025-april-controls"
    assert page.input_value("#approval") == "60"  # the last approval step of the scenario
    # change two key settings as a user would: approval 40 %, stock days 80 % of the dataset's
    for selector, value in (("#approval", "40"), ("#cover", "80")):
        page.eval_on_selector(selector, "(el, v) => { el.value = v; el.dispatchEvent(new Event('input', {bubbles: true})); }", value)
    assert "40 %" in page.inner_text("#approval-out")
    page.fill("#members", "3")
    page.dispatch_event("#members", "input")
    page.click("#run")
    page.wait_for_selector("body[data-state=done]", timeout=60_000)
    run_id = page.get_attribute("body", "data-run-id")
    assert run_id and re.match(r"^\d{8}-\d{6}-[0-9a-f]{6}$", run_id)

    api = httpx.get(f"{server.url}/api/runs/{run_id}/summary", timeout=30).json()
    assert api["params"]["approval"] == 0.4 and api["params"]["cover_scale"] == 0.8 and api["members"] == 3
    head = api["headline"]
    assert page.inner_text("#kpi-short") == str(head["region_sectors_short"])
    assert page.inner_text("#kpi-peak") == f"{head['peak_shortfall_pct']:,.1f} %"
    # JS and Python may round a last-digit tie differently: compare the number to its precision
    shown_lost = re.fullmatch(r"USD ([\d,.]+) bn", page.inner_text("#kpi-lost"))
    assert shown_lost and abs(float(shown_lost.group(1).replace(",", "")) - head["output_at_risk_usd"] / 1e9) <= 0.0051
    first = head["first_short"]
    assert page.inner_text("#kpi-first") == f"{first['country']} {first['sector']}, {first['first_shortfall_date']}"
    rows = page.eval_on_selector_all("#ranked tbody tr", "trs => trs.map(tr => Array.from(tr.cells).map(c => c.textContent))")
    assert len(rows) == min(20, len(api["ranked"]))
    assert [r[1] for r in rows] == [r["country_name"] for r in api["ranked"][:20]]

    for chart, key in (
        ("chart-shortfall", "shortfall_region"),
        ("chart-lost", "output_at_risk_region"),
        ("chart-stocks", "stocks_final"),
        ("chart-prices", "prices"),
    ):
        shown = _medians(page, chart)
        assert shown == {k: v["median"] for k, v in api["series"][key].items()}, chart
        assert page.locator(f"#{chart} .main-svg").count() >= 1
        bands = page.evaluate("(id) => document.getElementById(id).data.filter(t => t.fill === 'tonexty').length", chart)
        assert bands == len(api["series"][key]), "three members draw a p5-p95 band per line"
    assert page.locator("#chart-shortfall .scatterlayer .trace").count() >= len(api["series"]["shortfall_region"])
    timing = page.evaluate("window.ssTiming")
    assert timing["drawn"] >= timing["requested"]
    links = page.eval_on_selector_all("#links a", "as => as.map(a => a.getAttribute('href'))")
    assert links == [f"/api/runs/{run_id}/report", f"/api/runs/{run_id}/results.csv", f"/api/runs/{run_id}/results.nc"]
    assert page.errors == []
    shot = tmp_path / "dashboard.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000


def test_dashboard_shows_a_refused_request(server: Any, page: Any) -> None:
    page.goto(server.url + "/")
    page.wait_for_selector("body[data-state=ready]", timeout=30_000)
    page.select_option("#scenario", "baseline")
    assert page.is_disabled("#approval") and "(no licence)" in page.inner_text("#approval-out")
    page.fill("#members", "500")  # the page clamps to 50; 50 x 365 days is within the server's limit
    page.evaluate("() => { document.getElementById('members').value = '50'; }")
    page.route(
        "**/api/runs",
        lambda route: route.fulfill(
            status=429, content_type="application/json", body=json.dumps({"detail": "queue full, try again", "problems": []})
        ),
    )
    page.click("#run")
    page.wait_for_selector("body[data-state=error]", timeout=10_000)
    assert "queue full" in page.inner_text("#status")
    assert page.is_enabled("#run")


@pytest.fixture(scope="module")
def report_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    import supplyshock as ss
    from supplyshock.report import write_report

    ds: xr.Dataset = ss.run("cn-2025-april-controls", members=3)
    path = write_report(ds, tmp_path_factory.mktemp("report") / "report.html")
    html = path.read_text(encoding="utf-8")
    figures = json.loads(re.search(r'id="figure-data">(.*?)</script>', html, re.S).group(1))  # type: ignore[union-attr]
    return path, figures


def test_report_charts_are_drawn_offline(page: Any, report_file: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    path, figures = report_file
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.as_uri())
    page.wait_for_selector(f"body[data-charts-drawn='{len(figures)}']", timeout=30_000)
    drawable = {k: f for k, f in figures.items() if "data" in f}
    assert page.locator(".js-plotly-plot").count() == len(drawable)
    assert page.locator(".main-svg").count() >= len(drawable)
    assert page.locator("#fig-flows .sankey-node").count() > 10
    assert page.locator("#fig-timeline .scatterlayer .trace").count() == len(figures["timeline"]["data"])
    drawn = page.evaluate("() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(gd => [gd.id, gd.data.length])")
    assert {k[4:]: n for k, n in drawn} == {k: len(f["data"]) for k, f in drawable.items()}
    assert all(u.startswith(("file:", "data:", "blob:")) for u in requests), requests
    assert page.locator("#who-table tbody tr.country").count() > 0
    assert page.errors == []
    # the stocks chart has a product dropdown, drawn, with one button per product
    assert page.locator("#fig-stocks .updatemenu-header-group").count() == 1
    products = page.evaluate("() => document.getElementById('fig-stocks').layout.updatemenus[0].buttons.map(b => b.label)")
    assert products == [b["label"] for b in figures["stocks"]["layout"]["updatemenus"][0]["buttons"]]
    shot = tmp_path / "report.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
