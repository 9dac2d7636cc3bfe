"""The drafting page in a real browser: paste -> draft -> highlighted sentence -> edit -> validate -> run -> results."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

ARTICLE = (
    "China to require export permits for some graphite products from Dec. 1\n\n"
    "BEIJING, Oct. 20 - China will require export permits for some graphite products from Dec. 1 to protect national security, "
    "the Commerce Ministry said on Friday, the latest step to control supplies of critical raw materials.\n\n"
    "Graphite is used in the batteries of electric vehicles, and China is the world's biggest producer, accounting for 67% of "
    "global supply, according to the U.S. Geological Survey.\n\n"
    "Under the new rules, buyers of three types of graphite items that the ministry regards as highly sensitive will have to apply for permits.\n"
)


def _set_yaml(page: Any, text: str) -> None:
    """Replace the editor's text as typing would (an input event follows)."""
    page.fill("#yaml", text)


def test_paste_draft_highlight_edit_validate_run(server: Any, page: Any, tmp_path: Path) -> None:
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(server.url + "/draft")
    assert page.get_attribute("body", "data-state") == "idle"
    page.wait_for_function("document.querySelectorAll('#dataset option').length > 1")

    # paste and draft
    page.fill("#article", ARTICLE)
    page.fill("#date", "2023-10-20")
    page.click("#draft")
    page.wait_for_selector("body[data-state=drafted]", timeout=30_000)
    api = httpx.post(server.url + "/api/draft", json={"text": ARTICLE, "date": "2023-10-20"}, timeout=30).json()
    assert page.locator("#events .event").count() == len(api["events"]) == 1
    card = page.inner_text("#events .event")
    assert "licence" in card and "CHN" in card and "graphite" in card and "2023-12-01" in card and "TODO approval" in card

    # the event's source sentences are highlighted in the article text, the main one marked
    highlighted = page.eval_on_selector_all("#article-view .s.ev", "els => els.map(e => Number(e.dataset.s))")
    assert highlighted == api["events"][0]["sentences"]
    main = page.inner_text("#article-view .s.main")
    assert main == api["events"][0]["sources"]["type"]
    assert "BEIJING" not in page.inner_text("#article-view")  # the dateline is not a sentence
    assert page.locator("#article-view .s.focus").count() == 0
    page.click("#events .event")
    focused = page.eval_on_selector_all("#article-view .s.focus", "els => els.map(e => e.textContent)")
    assert focused == [api["sentences"][i]["text"] for i in api["events"][0]["sentences"]]
    assert "export permits" in " ".join(focused)
    # a field's sentence button focuses that one sentence
    page.click("#events .event tr:has-text('announced') button.link")
    assert page.eval_on_selector_all("#article-view .s.focus", "els => els.map(e => e.textContent)") == [api["events"][0]["sources"]["announced"]]
    assert page.locator("#observations li").count() == len(api["observations"]) == 1

    # the YAML is the drafted scenario; Run waits for a validation
    yaml_text = page.input_value("#yaml")
    assert yaml_text == api["scenario"]["yaml"] and "type: licence" in yaml_text
    assert page.is_disabled("#run")

    # an edit with a mistake: the problem is shown next to its line
    broken = yaml_text.replace("destinations: all\n", "destinations: all\n    approval: 1.5\n", 1)
    line = broken.split("\n").index("    approval: 1.5") + 1
    _set_yaml(page, broken)
    page.click("#validate")
    page.wait_for_selector("body[data-state=invalid]", timeout=30_000)
    problem = page.locator("#problems li").first
    assert problem.get_attribute("data-line") == str(line) and "less than or equal to 1" in problem.inner_text()
    assert page.eval_on_selector_all("#gutter span.err", "els => els.map(e => Number(e.textContent))") == [line]
    assert page.is_disabled("#run")
    problem.click()  # selects the line in the editor
    selected = page.evaluate("() => { const t = document.getElementById('yaml'); return t.value.slice(t.selectionStart, t.selectionEnd); }")
    assert selected == "    approval: 1.5"

    # fixed: valid, then run
    _set_yaml(page, broken.replace("approval: 1.5", "approval: 0.5"))
    page.click("#validate")
    page.wait_for_selector("body[data-state=valid]", timeout=30_000)
    assert "Valid" in page.inner_text("#problems") and page.locator("#gutter span.err").count() == 0
    assert page.is_enabled("#run")
    page.click("#run")
    page.wait_for_selector("body[data-state=done]", timeout=120_000)
    run_id = page.get_attribute("body", "data-run-id")
    assert run_id
    links = page.eval_on_selector_all("#results a", "as => as.map(a => a.getAttribute('href'))")
    assert links == [f"/api/runs/{run_id}/report", f"/api/runs/{run_id}/summary", f"/api/runs/{run_id}/results.csv"]
    summary = httpx.get(f"{server.url}/api/runs/{run_id}/summary", params={"series": "false"}, timeout=30).json()
    assert summary["dataset"] == "graphite" and summary["scenario"] == api["scenario"]["name"]
    job = [j for j in httpx.get(server.url + "/api/jobs", timeout=30).json() if j["run_id"] == run_id]
    assert job and job[0]["status"] == "done"

    assert page.errors == []
    shot = tmp_path / "draft.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000

    # follow the link to the run's report
    page.click("#results a >> text=report")
    page.wait_for_load_state("load")
    assert page.url == f"{server.url}/api/runs/{run_id}/report"
    figures = json.loads(page.evaluate("() => document.getElementById('figure-data').textContent"))
    page.wait_for_selector(f"body[data-charts-drawn='{len(figures)}']", timeout=60_000)
    assert all(u.startswith((server.url, "data:", "blob:")) for u in requests), [u for u in requests if not u.startswith(server.url)]


def test_refused_article_shows_the_servers_message(server: Any, page: Any) -> None:
    page.goto(server.url + "/draft")
    german = "Das Handelsministerium in Peking hat am Freitag neue Exportkontrollen für Graphit angekündigt, die ab Dezember gelten."
    page.fill("#article", german)
    page.fill("#date", "2023-10-20")
    page.click("#draft")
    page.wait_for_selector("body[data-state=error]", timeout=30_000)
    assert "does not look like English" in page.inner_text("#status")
    assert page.is_hidden("#draft-pane") and page.is_hidden("#scenario-pane")
    page.fill("#article", "")
    page.click("#draft")
    assert "Paste an article first" in page.inner_text("#status")
    assert [e for e in page.errors if "422" not in e] == []
