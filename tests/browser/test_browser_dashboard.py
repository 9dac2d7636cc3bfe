"""The dashboard and the report, in a real browser: run, edit a schedule, sort, compare, download; no horizontal overflow."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
import xarray as xr

WIDTHS = (1400, 1000)


def _shots(tmp_path: Path) -> Path:
    """Where screenshots go: $SUPPLYSHOCK_SCREENSHOTS when set (to look at them), else the test's temp folder."""
    folder = Path(os.environ.get("SUPPLYSHOCK_SCREENSHOTS", str(tmp_path)))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _overflow(page: Any) -> list[str]:
    """Elements sticking out of the window on the right (none: the page never scrolls sideways)."""
    return page.evaluate(
        """() => {
            const w = window.innerWidth, out = [];
            if (document.documentElement.scrollWidth > w) out.push('page ' + document.documentElement.scrollWidth + ' > ' + w);
            for (const e of document.querySelectorAll('body *')) {
                if (e.closest('.table-wrap, .js-plotly-plot, #history')) continue;  // these scroll or clip inside themselves
                const r = e.getBoundingClientRect();
                if (r.width && r.right > w + 1) out.push(e.tagName + '#' + e.id + '.' + e.className + ' right ' + Math.round(r.right));
            }
            const table = document.querySelector('#who-table');
            if (table && table.scrollWidth > table.clientWidth + 1) out.push('who-table scrolls: ' + table.scrollWidth + ' > ' + table.clientWidth);
            return out.slice(0, 10);
        }"""
    )


def _set(page: Any, selector: str, value: str) -> None:
    page.fill(selector, value)  # types the value: the page hears an input event


def _ensure_a_run(server: Any) -> None:
    """At least one recorded run on the server (the April controls, three members), whatever ran before."""
    import time

    if httpx.get(f"{server.url}/api/history", timeout=30).json():
        return
    job = httpx.post(f"{server.url}/api/runs", json={"scenario": "cn-2025-april-controls", "members": 3}, timeout=30).json()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if httpx.get(f"{server.url}/api/jobs/{job['job_id']}", timeout=30).json()["status"] in ("done", "failed"):
            return
        time.sleep(0.2)


def _run_and_wait(page: Any, name_has: str | None = None) -> str:
    before = page.get_attribute("body", "data-run-id")
    page.click("#run")
    done = "(prev) => document.body.dataset.state === 'done' && document.body.dataset.runId && document.body.dataset.runId !== prev"
    page.wait_for_function(done, arg=before, timeout=120_000)
    if name_has:
        assert name_has in page.inner_text("#run-name")
    run_id = page.get_attribute("body", "data-run-id")
    assert run_id and re.match(r"^\d{8}-\d{6}-[0-9a-f]{6}$", run_id)
    return run_id


def test_dashboard_run_edit_a_schedule_sort_compare_and_download(server: Any, page: Any, tmp_path: Path) -> None:
    page.goto(server.url + "/")
    page.wait_for_selector("body[data-state=ready]", timeout=30_000)
    assert page.input_value("#scenario") == "cn-2025-april-controls"
    # schedules are shown as schedules: the magnet licence's two steps, 25% then 60%
    magnet = '.schedule[data-event="cn-magnet-licence"] .steps:first-of-type'
    shares = page.eval_on_selector_all(f"{magnet} input[data-field=share]", "els => els.map(e => e.value)")
    assert shares == ["25", "60"]
    assert "london" in page.inner_text('.schedule[data-event="cn-magnet-licence"]')
    # members are capped with a message, never silently
    limit = int(page.get_attribute("body", "data-max-members"))
    _set(page, "#members", str(limit + 450))
    assert page.input_value("#members") == str(limit) and page.is_visible("#members-msg")
    assert f"set to {limit}" in page.inner_text("#members-msg")
    _set(page, "#members", "3")
    assert not page.is_visible("#members-msg")
    # stock cover is in days
    assert "dataset:" in page.inner_text("#cover-out") and float(page.input_value("#cover")) > 5

    first = _run_and_wait(page)
    view = httpx.get(f"{server.url}/api/runs/{first}/overview", timeout=60).json()
    assert page.inner_text("#run-name") == view["name"] == "cn-2025-april-controls"
    assert page.inner_text("#period").startswith("Simulated 1 Jan 2025 to 31 Dec 2025 (365 days)")
    assert page.locator("#summary p").count() == 3
    va = view["loss"]["value_added_lost_usd"]
    shown = re.fullmatch(r"USD ([\d,.]+) bn", page.inner_text("#kpi-va"))
    assert shown and abs(float(shown.group(1).replace(",", "")) - va["p50"] / 1e9) <= 0.0051 * max(1.0, va["p50"] / 1e9)
    assert "p5-p95" in page.inner_text("#kpi-va-band")
    rows = view["table"]["rows"]
    assert page.locator("#who tbody tr.country").count() == min(10, len(rows))
    names = page.eval_on_selector_all("#who tbody tr.country th", "ths => ths.map(t => t.textContent)")
    assert [n.lstrip("▸▾").split(" (")[0] for n in names] == [r["cells"]["name"] for r in rows[:10]], "worst loss first"

    # sort the table by days short, then back; expand a country's sectors
    page.click("#who th[data-key=days_short] button")
    assert page.get_attribute("#who-table", "data-sort") == "days_short:desc"
    days = page.eval_on_selector_all("#who tbody tr.country td.col-days_short", "tds => tds.map(t => Number(t.textContent))")
    assert days == sorted(days, reverse=True)
    page.click("#who th[data-key=days_short] button")
    assert page.get_attribute("#who-table", "data-sort") == "days_short:asc"
    page.click("#who th[data-key=va] button")
    page.locator("#who tbody .toggle").first.click()
    assert page.locator("#who tbody tr.sector:not([hidden])").count() >= 1

    # one colour per country in every chart
    bars = page.evaluate(
        "() => { const t = document.getElementById('fig-losses').data[0]; return Object.fromEntries(t.y.map((n, i) => [n, t.marker.color[i]])); }"
    )
    lines = page.evaluate(
        "() => Object.fromEntries(document.getElementById('fig-shortfall').data"
        ".filter(t => t.meta && t.visible !== false).map(t => [t.name, t.line.color]))"
    )
    common = set(bars) & set(lines)
    assert common and all(bars[n] == lines[n] for n in common)
    assert all(n == view["names"].get(n, n) or n in view["names"].values() for n in lines), "names, not codes"

    # download who is hurt as CSV
    with page.expect_download() as got:
        page.click("#downloads >> text=who is hurt (CSV)")
    path = got.value.path()
    assert path and Path(path).read_text(encoding="utf-8").startswith("rank,country,country_name")

    # edit a step of the magnet licence's schedule: the results are marked stale until run again
    step = '.schedule[data-event="cn-magnet-licence"] .steps:first-of-type input[data-field=share][data-i="1"]'
    _set(page, step, "10")
    assert page.is_visible("#stale") and "settings changed" in page.inner_text("#stale")
    second = _run_and_wait(page, "cn-magnet-licence approval 25% from 2025-04-04 -> 10% from 2025-05-01")
    assert not page.is_visible("#stale")
    applied = httpx.get(f"{server.url}/api/runs/{second}/overview", timeout=60).json()
    assert applied["name"].startswith("cn-2025-april-controls, cn-magnet-licence approval")

    # compare the two runs against the first
    page.wait_for_function("(ids) => ids.every(id => document.querySelector(`.run-row[data-run='${id}']`))", arg=[first, second])
    for rid in (first, second):
        page.locator(f".run-row[data-run='{rid}'] .pick").check()
    page.locator(f".run-row[data-run='{first}'] .ref").check()
    page.click("#compare")
    page.wait_for_selector("body[data-compared='2']", timeout=60_000)
    cells = page.eval_on_selector_all("#compare-runs tbody tr", "trs => trs.map(tr => Array.from(tr.cells).map(c => c.textContent))")
    by_name = {c[1]: c for c in cells}
    assert by_name["cn-2025-april-controls"][4] == "reference"
    other = by_name[applied["name"]]
    assert re.fullmatch(r"[+-][\d,.]+", other[4]), other
    assert page.locator("#cmp-difference .main-svg").count() >= 1
    with page.expect_download() as got_cmp:
        page.click("#compare-downloads >> text=comparison (tidy CSV)")
    assert Path(str(got_cmp.value.path())).read_text(encoding="utf-8").startswith("run,run_id,reference,country")
    assert page.errors == []


def test_dashboard_yaml_editor_checks_as_you_type_and_saves(server: Any, page: Any) -> None:
    page.goto(server.url + "/")
    page.wait_for_selector("body[data-state=ready]", timeout=30_000)
    page.click("#editor summary")
    page.wait_for_function("() => document.getElementById('yaml').value.startsWith('name: cn-2025-april-controls')")
    page.wait_for_selector("#editor[data-valid=true]", timeout=30_000)
    good = page.input_value("#yaml")
    page.fill("#yaml", good.replace("horizon_days: 365", "horizon_days: 0"))
    page.dispatch_event("#yaml", "input")
    page.wait_for_selector("#editor[data-valid=false]", timeout=30_000)
    assert "horizon_days" in page.inner_text("#yaml-problems") and page.is_disabled("#yaml-run")
    page.fill("#yaml", good)
    page.dispatch_event("#yaml", "input")
    page.wait_for_selector("#editor[data-valid=true]", timeout=30_000)
    with page.expect_download() as got:
        page.click("#yaml-save")
    assert got.value.suggested_filename == "cn-2025-april-controls.yaml"
    assert Path(str(got.value.path())).read_text(encoding="utf-8") == good
    with page.expect_download() as saved:
        page.click("#save-yaml")
    assert saved.value.suggested_filename.endswith(".yaml")
    assert page.errors == []


def test_dashboard_marks_results_of_a_refused_run(server: Any, page: Any) -> None:
    _ensure_a_run(server)
    page.goto(server.url + "/")
    page.wait_for_selector("body[data-state=ready]", timeout=30_000)
    page.wait_for_selector("#history .show", timeout=30_000)  # a run from the test above
    page.locator("#history .show").first.click()
    page.wait_for_selector("body[data-state=done]", timeout=60_000)
    refusal = json.dumps({"detail": "queue full, try again", "problems": []})
    page.route("**/api/runs", lambda route: route.fulfill(status=429, content_type="application/json", body=refusal))
    page.click("#run")
    page.wait_for_selector("body[data-state=error]", timeout=10_000)
    assert "queue full" in page.inner_text("#status")
    assert page.is_visible("#stale") and "did not finish" in page.inner_text("#stale")
    assert "stale" in (page.get_attribute("#result", "class") or "")
    assert page.is_enabled("#run")


@pytest.mark.parametrize("width", WIDTHS)
def test_dashboard_fits_the_window(server: Any, browser: Any, tmp_path: Path, width: int) -> None:
    _ensure_a_run(server)
    context = browser.new_context(viewport={"width": width, "height": 1000})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(server.url + "/")
    page.wait_for_selector("body[data-state=ready]", timeout=30_000)
    page.wait_for_selector("#history .show", timeout=30_000)
    page.locator("#history .show").first.click()
    page.wait_for_selector("body[data-state=done]", timeout=60_000)
    page.locator("#who tbody .toggle").first.click()
    shot = _shots(tmp_path) / f"dashboard-{width}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    assert _overflow(page) == [], f"horizontal overflow at {width} px"
    assert errors == []
    context.close()


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
    assert page.locator("#fig-flows .sankey-node").count() > 10
    assert page.locator("#fig-timeline .scatterlayer .trace").count() == len(figures["timeline"]["data"])
    drawn = page.evaluate("() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(gd => [gd.id, gd.data.length])")
    assert {k[4:]: n for k, n in drawn} == {k: len(f["data"]) for k, f in drawable.items()}
    assert all(u.startswith(("file:", "data:", "blob:")) for u in requests), requests
    assert page.locator("#who-table tbody tr.country").count() > 0
    assert page.errors == []
    assert page.locator("#fig-stocks .updatemenu-header-group").count() == 1
    products = page.evaluate("() => document.getElementById('fig-stocks').layout.updatemenus[0].buttons.map(b => b.label)")
    assert products == [b["label"] for b in figures["stocks"]["layout"]["updatemenus"][0]["buttons"]]
    # PNG and SVG export of a chart
    for fmt in ("svg", "png"):
        with page.expect_download() as got:
            page.click(f"#losses figure:first-child .export button[data-format={fmt}]")
        assert got.value.suggested_filename.endswith(f".{fmt}")
        content = Path(str(got.value.path())).read_bytes()
        assert content.startswith(b"<svg") if fmt == "svg" else content.startswith(b"\x89PNG")


@pytest.mark.parametrize("width", WIDTHS)
def test_report_fits_the_window(browser: Any, report_file: tuple[Path, dict[str, Any]], tmp_path: Path, width: int) -> None:
    path, figures = report_file
    context = browser.new_context(viewport={"width": width, "height": 1000})
    page = context.new_page()
    page.goto(path.as_uri())
    page.wait_for_selector(f"body[data-charts-drawn='{len(figures)}']", timeout=30_000)
    shot = _shots(tmp_path) / f"report-{width}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    assert _overflow(page) == [], f"horizontal overflow at {width} px"
    context.close()


def test_swagger_ui_works_offline(server: Any, page: Any) -> None:
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(server.url + "/docs")
    page.wait_for_selector(".opblock", timeout=30_000)
    assert page.locator(".opblock").count() > 10
    assert all(u.startswith((server.url, "data:", "blob:")) for u in requests), [u for u in requests if not u.startswith(server.url)]
