"""The REST API, in process: catalogue, validation, run jobs, progress, results, reports."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
import xarray as xr
from click.testing import CliRunner
from fastapi.testclient import TestClient

import supplyshock as ss
from supplyshock.cli.report import serve
from supplyshock.network import build_links


def test_health_and_openapi(client: TestClient) -> None:
    health = client.get("/api/health").json()
    assert health["status"] == "ok" and health["workers"] == 1 and health["queue_size"] == 1
    schema = client.get("/openapi.json").json()
    for path in (
        "/api/datasets",
        "/api/scenarios",
        "/api/validate",
        "/api/runs",
        "/api/jobs/{job_id}",
        "/api/jobs/{job_id}/events",
        "/api/runs/{run_id}/summary",
        "/api/runs/{run_id}/results.csv",
        "/api/runs/{run_id}/results.nc",
        "/api/runs/{run_id}/report",
    ):
        assert path in schema["paths"], path
    assert "429" in schema["paths"]["/api/runs"]["post"]["responses"]


def test_datasets_and_sources(client: TestClient) -> None:
    listed = {d["name"]: d for d in client.get("/api/datasets").json()}
    assert set(listed) == set(ss.list_datasets())
    dataset = listed["rare-earths"]
    assert "CHN" in dataset["countries"] and "ndfeb_magnet" in dataset["products"]
    rows = client.get("/api/datasets/rare-earths/sources", params={"basis": "assumption"}).json()
    assert len(rows) == dataset["sources"]["assumption"]
    assert {r["basis"] for r in rows} == {"assumption"}
    assert client.get("/api/datasets/nope/sources").status_code == 404
    assert client.get("/api/datasets/rare-earths/sources", params={"basis": "guess"}).status_code == 422
    assert client.get("/api/datasets/rare-earths/sources", params={"limit": 0}).status_code == 422


def test_scenarios_with_their_key_settings(client: TestClient) -> None:
    listed = {s["name"]: s for s in client.get("/api/scenarios").json()}
    assert set(listed) == set(ss.builtin_scenarios())
    april = listed["cn-2025-april-controls"]["parameters"]
    shown = {k: april[k] for k in ("approval", "delay_days", "duration_days", "cover_scale", "has_controls", "has_licence")}
    assert shown == {"approval": 0.6, "delay_days": 63.0, "duration_days": 272, "cover_scale": 1.0, "has_controls": True, "has_licence": True}
    assert listed["baseline"]["parameters"]["has_controls"] is False
    assert listed["cn-magnet-embargo-12m"]["parameters"]["duration_days"] == 365
    detail = client.get("/api/scenarios/baseline").json()
    assert detail["yaml"].startswith("name: baseline")
    missing = client.get("/api/scenarios/nope")
    assert missing.status_code == 404 and "built-ins" in missing.json()["detail"]


def test_validate_reports_every_problem(client: TestClient) -> None:
    good = client.post("/api/validate", json={"yaml": client.get("/api/scenarios/cn-magnet-embargo-12m").json()["yaml"]}).json()
    assert good["valid"] is True and good["events"] == 1 and good["horizon_days"] == 365
    bad = client.post("/api/validate", json={"yaml": "name: x\nstart: 2025-01-01\nhorizon_days: 0\nevents:\n  - type: nope\n"}).json()
    assert bad["valid"] is False
    assert {p["path"] for p in bad["problems"]} >= {"horizon_days"}
    assert all(p["message"] for p in bad["problems"])
    for text in ("", "- a list", "a: [unclosed", "name: x\nstart: 2025-01-01\ndataset: /etc\n"):
        answer = client.post("/api/validate", json={"yaml": text})
        assert answer.status_code == 200 and answer.json()["valid"] is False, text
    assert client.post("/api/validate", json={"text": "x"}).status_code == 422
    assert client.post("/api/validate", content=b"not json", headers={"content-type": "application/json"}).status_code == 422


def _events(client: TestClient, job_id: str) -> list[dict[str, Any]]:
    out = []
    with client.stream("GET", f"/api/jobs/{job_id}/events") as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        name = None
        for line in stream.iter_lines():
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                assert name == "progress"
                out.append(json.loads(line[6:]))
    return out


def test_run_job_streams_progress_then_results(client: TestClient, wait: Any) -> None:
    started = client.post("/api/runs", json={"scenario": "cn-magnet-embargo-12m", "duration_days": 90})
    assert started.status_code == 202, started.text
    job = started.json()
    assert job["status"] in ("queued", "running") and job["days"] == 365
    assert job["request"] == {"scenario": "cn-magnet-embargo-12m, controls 90 d", "duration_days": 90}, "a run is named after what changed"
    events = _events(client, job["job_id"])
    assert events[-1]["status"] == "done"
    done = [e["days_done"] for e in events]
    assert done == sorted(done) and done[-1] == 365
    info = wait(client, job["job_id"])
    assert info["run_id"] and info["progress"] == 1.0
    runs = client.get("/api/runs").json()
    assert [r["run_id"] for r in runs] == [info["run_id"]]
    assert client.get("/api/jobs").json()[-1]["job_id"] == job["job_id"]


def test_summary_matches_the_results_file(finished_run: tuple[TestClient, str, dict[str, Any]]) -> None:
    client, run_id, info = finished_run
    summary = client.get(f"/api/runs/{run_id}/summary").json()
    nc = client.get(f"/api/runs/{run_id}/results.nc")
    assert nc.status_code == 200 and nc.headers["content-type"] == "application/x-netcdf"
    with xr.open_dataset(io.BytesIO(nc.content), engine="h5netcdf") as ds:
        ds = ds.load()
    table = ss.summarise(ds)
    short = table[table["cumulative_shortfall_t"] > 0]
    assert summary["members"] == 3 == ds.sizes["member"]
    assert summary["headline"]["region_sectors_short"] == len(short)
    assert summary["headline"]["output_at_risk_usd"] == pytest.approx(float(short["output_at_risk_usd"].sum()), rel=1e-4)
    assert summary["params"]["approval"] == 0.25 and summary["params"]["cover_scale"] == 0.8
    assert summary["params"]["job_id"] == info["job_id"]
    assert len(summary["dates"]) == ds.sizes["time"]
    shortfall = summary["series"]["shortfall_region"]
    key = next(iter(shortfall))
    expected = ds["shortfall"].isel(scenario=0).sel(country=key).sum("sector").median("member").values
    assert shortfall[key]["median"] == pytest.approx(list(expected), rel=1e-5, abs=1e-9)
    assert set(shortfall[key]) == {"median", "p05", "p95"}
    assert set(summary["series"]) == {"shortfall_region", "output_at_risk_region", "stocks_final", "prices"}
    # the licence approval was set to a constant 25%
    scenario = json.loads(ds.attrs["scenario_json"])
    assert [e["approval"] for e in scenario["events"] if e["type"] == "licence"] == [0.25, 0.25]
    light = client.get(f"/api/runs/{run_id[:15]}/summary", params={"series": "false"}).json()
    assert light["series"] == {} and light["dates"] == [] and light["headline"] == summary["headline"]


def test_csv_and_report(finished_run: tuple[TestClient, str, dict[str, Any]]) -> None:
    client, run_id, _ = finished_run
    csv = client.get(f"/api/runs/{run_id}/results.csv", params={"variable": "trade"})
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    lines = csv.text.splitlines()
    assert lines[0] == "scenario,member,time,link,link_exporter,link_importer,link_product,link_baseline_t,trade"
    links = build_links(ss.load_network("rare-earths")).n  # baseline and candidate links of the dataset
    assert len(lines) == 1 + 3 * 365 * links
    assert client.get(f"/api/runs/{run_id}/results.csv", params={"variable": "scenario_yaml"}).status_code == 422
    report = client.get(f"/api/runs/{run_id}/report")
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/html")
    assert run_id in report.text and "fig-flows" in report.text


def test_unknown_runs_and_jobs(client: TestClient) -> None:
    assert client.get("/api/runs/20250101-000000-abcdef/summary").status_code == 404
    assert client.get("/api/jobs/" + "0" * 32).status_code == 404
    assert client.get("/api/jobs/" + "0" * 32 + "/events").status_code == 404
    bad = client.get("/api/jobs/xyz")
    assert bad.status_code == 422 and "job_id" in bad.json()["detail"]


def test_run_request_validation(client: TestClient) -> None:
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({}, 422, "exactly one of"),
        ({"scenario": "baseline", "yaml": "name: x"}, 422, "exactly one of"),
        ({"scenario": "nope"}, 404, "built-ins"),
        ({"scenario": "../etc/passwd"}, 422, "pattern"),
        ({"scenario": "baseline", "approval": 0.5}, 422, "no licence event"),
        ({"scenario": "baseline", "duration_days": 30}, 422, "no export control"),
        ({"scenario": "cn-2025-april-controls", "approval": 1.5}, 422, "less than or equal to 1"),
        ({"scenario": "cn-2025-april-controls", "members": 51}, 422, "members"),
        ({"scenario": "cn-2025-april-controls", "cover_scale": 0}, 422, "cover_scale"),
        ({"scenario": "cn-2025-april-controls", "delay_days": "soon"}, 422, "delay_days"),
        ({"scenario": "cn-2025-april-controls", "extra": 1}, 422, "extra"),
        ({"scenario": "cn-2010-quota-cut", "members": 50}, 422, "member-days"),
        ({"yaml": "name: x\nstart: 2025-01-01\ndataset: ../../etc\n"}, 422, "not one of this server's datasets"),
        ({"yaml": "name: x\nstart: 2025-01-01\nhorizon_days: -3\n"}, 422, "horizon_days"),
    ]
    for body, status, words in cases:
        answer = client.post("/api/runs", json=body)
        assert answer.status_code == status, (body, answer.text)
        assert words in answer.json()["detail"], (body, answer.json())
    assert client.get("/api/jobs").json() == [], "no bad request started a job"


def test_custom_scenario_text_runs(client: TestClient, wait: Any) -> None:
    text = (
        "name: custom\nstart: 2025-01-01\nhorizon_days: 30\n"
        "events:\n  - type: export_ban\n    exporter: CHN\n    products: [ndfeb_magnet]\n    start: 2025-01-05\n"
    )
    answer = client.post("/api/runs", json={"yaml": text, "cover_scale": 0.5})
    assert answer.status_code == 202, answer.text
    info = wait(client, answer.json()["job_id"])
    assert info["status"] == "done" and info["days"] == 30


def test_full_queue_answers_429(client: TestClient, wait: Any) -> None:
    first = client.post("/api/runs", json={"scenario": "baseline"})
    second = client.post("/api/runs", json={"scenario": "baseline"})
    third = client.post("/api/runs", json={"scenario": "baseline"})
    assert (first.status_code, second.status_code) == (202, 202)
    assert third.status_code == 429
    assert third.headers["retry-after"] == "5"
    assert "try again" in third.json()["detail"]
    for job in (first, second):
        assert wait(client, job.json()["job_id"])["status"] == "done"
    assert client.post("/api/runs", json={"scenario": "baseline"}).status_code == 202


def test_serve_get_answers_one_request(tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(serve, ["--data-dir", str(tmp_path / "d"), "--get", "/api/scenarios"])
    assert ok.exit_code == 0, ok.output
    assert "cn-2025-april-controls" in {s["name"] for s in json.loads(ok.output)}
    missing = runner.invoke(serve, ["--data-dir", str(tmp_path / "d"), "--get", "/api/scenarios/nope"])
    assert missing.exit_code == 1 and "no built-in scenario" in missing.output
    page = runner.invoke(serve, ["--data-dir", str(tmp_path / "d"), "--get", "/"])
    assert page.exit_code == 0 and '<script src="/static/plotly.min.js">' in page.output
    relative = runner.invoke(serve, ["--data-dir", str(tmp_path / "d"), "--get", "api/health"])
    assert relative.exit_code == 2 and relative.output.startswith("Error:")
    help_text = runner.invoke(serve, ["--help"])
    assert help_text.exit_code == 0 and "--data-dir" in help_text.output and "127.0.0.1" in help_text.output
