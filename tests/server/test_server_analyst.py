"""The analyst's routes: history, a run's overview, downloads, comparisons and scenarios with new settings."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest
import yaml
from fastapi.testclient import TestClient
from server_helpers import wait_for_job

from supplyshock.server import ServerConfig, create_app


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, list[str], dict[str, Any]]]:
    """A server with two finished runs: the April controls, and the same with a stricter magnet schedule and 45 days of cover."""
    app = create_app(ServerConfig(data_dir=tmp_path_factory.mktemp("analyst") / "data", workers=1, queue_size=2))
    with TestClient(app) as c:
        applied = c.post(
            "/api/scenarios/apply",
            json={
                "scenario": "cn-2025-april-controls",
                "approval_steps": {"cn-magnet-licence": [{"from": "2025-04-04", "share": 0.03}, {"from": "2025-05-01", "share": 0.25}]},
                "cover_days": 45,
                "members": 3,
            },
        )
        assert applied.status_code == 200, applied.text
        body = applied.json()
        ids = []
        changed = {"yaml": body["yaml"], "members": 3, "cover_scale": body["cover_scale"]}
        for request in ({"scenario": "cn-2025-april-controls", "members": 3}, changed):
            job = c.post("/api/runs", json=request)
            assert job.status_code == 202, job.text
            info = wait_for_job(c, job.json()["job_id"], timeout=120)
            assert info["status"] == "done", info
            ids.append(info["run_id"])
        yield c, ids, body


def test_apply_names_the_scenario_after_what_changed_and_marks_its_sources(two_runs: tuple[TestClient, list[str], dict[str, Any]]) -> None:
    client, _, body = two_runs
    assert body["name"] == "cn-2025-april-controls, cn-magnet-licence approval 3% from 2025-04-04 -> 25% from 2025-05-01, stock cover 45 d"
    assert body["changes"] == ["cn-magnet-licence approval 3% from 2025-04-04 -> 25% from 2025-05-01", "stock cover 45 d"]
    days = client.get("/api/scenarios").json()
    april = next(s for s in days if s["name"] == "cn-2025-april-controls")["parameters"]
    assert body["cover_scale"] == pytest.approx(45 / april["cover_days"], rel=1e-3)
    spec = yaml.safe_load(body["yaml"])
    magnet = next(e for e in spec["events"] if e.get("id") == "cn-magnet-licence")
    assert [s["share"] for s in magnet["approval"]] == [0.03, 0.25]
    assert "[changed for this run: approval 3% from 2025-04-04 -> 25% from 2025-05-01]" in magnet["source"]
    heavy = next(e for e in spec["events"] if e.get("id") == "cn-heavy-ree-licence")
    assert [s["share"] for s in heavy["approval"]] == [0.25, 0.6], "an untouched schedule stays a schedule"
    valid = client.post("/api/validate", json={"yaml": body["yaml"]}).json()
    assert valid["valid"] is True


def test_scenarios_show_schedules_step_by_step_and_cover_in_days(two_runs: tuple[TestClient, list[str], dict[str, Any]]) -> None:
    client, _, _ = two_runs
    april = next(s for s in client.get("/api/scenarios").json() if s["name"] == "cn-2025-april-controls")["parameters"]
    assert april["cover_days"] > 0
    schedules = {s["event"]: s for s in april["schedules"]}
    assert set(schedules) == {"cn-heavy-ree-licence", "cn-magnet-licence"}
    magnet = schedules["cn-magnet-licence"]
    assert magnet["approval"] == [{"from": "2025-04-04", "share": 0.25}, {"from": "2025-05-01", "share": 0.6}]
    assert magnet["groups"][0]["destinations"] == ["USA"] and magnet["groups"][0]["approval"] == pytest.approx(0.028)
    assert magnet["changes"] == [{"date": "2025-06-10", "approval": 0.6, "by": "london"}]


def test_apply_refuses_what_does_not_fit(two_runs: tuple[TestClient, list[str], dict[str, Any]]) -> None:
    client, _, _ = two_runs
    no_licence = client.post("/api/scenarios/apply", json={"scenario": "baseline", "approval_steps": {"x": 0.5}})
    assert no_licence.status_code == 422 and "no licence" in no_licence.json()["detail"]
    unknown = client.post("/api/scenarios/apply", json={"scenario": "cn-2025-april-controls", "approval_steps": {"nope": 0.5}})
    assert unknown.status_code == 422 and "cn-magnet-licence" in unknown.json()["detail"]
    bad_share = client.post("/api/scenarios/apply", json={"scenario": "cn-2025-april-controls", "approval_steps": {"cn-magnet-licence": 1.5}})
    assert bad_share.status_code == 422
    bad_step = client.post(
        "/api/scenarios/apply", json={"scenario": "cn-2025-april-controls", "approval_steps": {"cn-magnet-licence": [{"from": "soon", "share": 0.2}]}}
    )
    assert bad_step.status_code == 422
    too_many = client.post("/api/scenarios/apply", json={"scenario": "cn-2025-april-controls", "members": 51})
    assert too_many.status_code == 422


def test_history_names_runs_and_gives_their_headline_loss(two_runs: tuple[TestClient, list[str], dict[str, Any]]) -> None:
    client, ids, body = two_runs
    history = client.get("/api/history").json()
    assert [h["run_id"] for h in history] == ids[::-1], "newest first"
    named = {h["run_id"]: h for h in history}
    assert named[ids[1]]["name"] == body["name"]
    assert named[ids[0]]["name"] == "cn-2025-april-controls"
    for h in history:
        loss = h["value_added_lost_usd"]
        assert loss["p05"] <= loss["p50"] <= loss["p95"]


def test_overview_is_what_the_report_shows(two_runs: tuple[TestClient, list[str], dict[str, Any]]) -> None:
    client, ids, _ = two_runs
    view = client.get(f"/api/runs/{ids[0]}/overview").json()
    assert view["period"]["text"] == "1 Jan 2025 to 31 Dec 2025 (365 days)"
    assert len(view["sentences"]) == 3
    loss = view["loss"]["value_added_lost_usd"]
    assert loss["p05"] <= loss["p50"] <= loss["p95"]
    rows = view["table"]["rows"]
    assert [r["cells"]["va"]["p50"] for r in rows] == sorted((r["cells"]["va"]["p50"] for r in rows), reverse=True)
    assert {r["key"]: r["colour"] for r in rows} == {k: v for k, v in view["colours"].items() if k in {r["key"] for r in rows}}
    assert {"losses", "shortfall", "stocks", "prices", "flows", "timeline"} <= set(view["figures"])


def test_downloads_are_tidy_with_units_and_rounded(two_runs: tuple[TestClient, list[str], dict[str, Any]]) -> None:
    client, ids, _ = two_runs
    ranking = client.get(f"/api/runs/{ids[0]}/ranking.csv")
    assert ranking.status_code == 200 and "attachment" in ranking.headers["content-disposition"]
    frame = pd.read_csv(io.StringIO(ranking.text))
    assert list(frame["rank"]) == list(range(1, len(frame) + 1))
    assert "value added lost (USD) p50" in frame.columns and "country_name" in frame.columns
    losses = frame["value added lost (USD) p50"].to_list()
    assert losses == sorted(losses, reverse=True)
    book = pd.read_excel(io.BytesIO(client.get(f"/api/runs/{ids[0]}/ranking.xlsx").content), sheet_name=None)
    assert set(book) == {"countries", "sectors"}
    tidy = pd.read_csv(io.StringIO(client.get(f"/api/runs/{ids[0]}/tidy.csv").text))
    assert {"shortfall (t/day) p50", "demand (t/day) p50", "shortfall (t/day) p05"} <= set(tidy.columns)
    numbers = tidy.select_dtypes("number").to_numpy().ravel()
    assert all(float(f"{v:.6g}") == v for v in numbers[:5000]), "no float noise"
    parquet = pd.read_parquet(io.BytesIO(client.get(f"/api/runs/{ids[0]}/tidy.parquet", params={"level": "product"}).content))
    assert "inventory (t) p50" in parquet.columns
    assert client.get(f"/api/runs/{ids[0]}/tidy.json").status_code in (404, 422)


def test_compare_two_runs_against_a_reference(two_runs: tuple[TestClient, list[str], dict[str, Any]]) -> None:
    client, ids, body = two_runs
    result = client.get("/api/compare", params={"runs": ",".join(ids)}).json()
    assert result["reference"] == ids[0]
    runs = {r["run_id"]: r for r in result["runs"]}
    assert runs[ids[0]]["reference"] is True and runs[ids[0]]["value_added_lost_usd_p50_diff"] == 0
    diff = runs[ids[1]]["value_added_lost_usd_p50"] - runs[ids[0]]["value_added_lost_usd_p50"]
    assert runs[ids[1]]["value_added_lost_usd_p50_diff"] == pytest.approx(diff, rel=1e-9)
    assert runs[ids[1]]["run"] == body["name"]
    assert len(result["sentences"]) == 2 and {"totals", "by_country", "difference", "over_time"} == set(result["figures"])
    flipped = client.get("/api/compare", params={"runs": ",".join(ids), "reference": ids[1]}).json()
    assert flipped["reference"] == ids[1]
    tidy = pd.read_csv(io.StringIO(client.get("/api/compare.csv", params={"runs": ",".join(ids)}).text))
    assert {"run", "country", "metric", "unit", "value", "reference_value", "difference"} <= set(tidy.columns)
    book = pd.read_excel(io.BytesIO(client.get("/api/compare.xlsx", params={"runs": ",".join(ids)}).content), sheet_name=None)
    assert set(book) == {"runs", "countries", "tidy"}
    report = client.get("/api/compare/report", params={"runs": ",".join(ids)})
    assert report.status_code == 200 and "Comparison of 2 runs" in report.text
    assert client.get("/api/compare", params={"runs": ids[0]}).status_code == 422
    assert client.get("/api/compare", params={"runs": f"{ids[0]},{ids[0]}"}).status_code == 422
    assert client.get("/api/compare", params={"runs": f"{ids[0]},20250101-000000-abcdef"}).status_code == 404


def test_swagger_ui_is_served_from_the_package(two_runs: tuple[TestClient, list[str], dict[str, Any]]) -> None:
    client, _, _ = two_runs
    page = client.get("/docs")
    assert page.status_code == 200
    assert "/docs/static/swagger-ui-bundle.js" in page.text and "/docs/static/swagger-ui.css" in page.text
    assert "cdn." not in page.text and "https://" not in page.text.split("<body>")[-1].split("</script>")[0]
    script = client.get("/docs/static/swagger-ui-bundle.js")
    assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript") and len(script.content) > 100_000
    assert client.get("/docs/static/swagger-ui.css").headers["content-type"].startswith("text/css")
    assert client.get("/docs/static/../app.py").status_code == 404
    assert client.get("/docs/static/index.html").status_code == 404
    assert client.get("/redoc").status_code == 404, "ReDoc loads from a CDN: not offered"
