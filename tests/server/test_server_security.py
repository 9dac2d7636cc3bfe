"""Security of the server: who may call it (token), how often (rate limits), from which web
sites (CORS), what its messages reveal (no paths) and what a download costs (streaming)."""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import xarray as xr

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from supplyshock.server import ServerConfig, create_app
from supplyshock.server.launch import LOOPBACK, TOKEN_ENV, with_token
from supplyshock.server.routes.runs import csv_blocks
from supplyshock.server.safety import TOKEN_COOKIE, redact

TOKEN = "s3cret-token-for-tests"


@pytest.fixture
def guarded(data_dir: Path) -> Iterator[TestClient]:
    with TestClient(create_app(ServerConfig(data_dir=data_dir, workers=1, queue_size=1, token=TOKEN))) as c:
        yield c


def test_default_binding_is_this_machine_only() -> None:
    import inspect

    from supplyshock.server import launch

    assert inspect.signature(launch.serve).parameters["host"].default == "127.0.0.1"
    config, note = with_token(ServerConfig(data_dir=Path("unused")), "127.0.0.1")
    assert config.token is None and "this machine" in note


def test_another_interface_always_gets_a_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    config, note = with_token(ServerConfig(data_dir=Path("unused")), "0.0.0.0")
    assert config.token and len(config.token) >= 24 and config.token in note, "a random token, said at start"
    again, _ = with_token(ServerConfig(data_dir=Path("unused")), "0.0.0.0")
    assert again.token != config.token
    monkeypatch.setenv(TOKEN_ENV, "from-the-environment")
    config, note = with_token(ServerConfig(data_dir=Path("unused")), "192.0.2.1")
    assert config.token == "from-the-environment" and "from-the-environment" not in note and TOKEN_ENV in note
    config, _ = with_token(ServerConfig(data_dir=Path("unused"), token="mine"), "0.0.0.0")
    assert config.token == "mine"
    assert "0.0.0.0" not in LOOPBACK


def test_token_is_required_when_set(guarded: TestClient) -> None:
    assert guarded.get("/api/health").status_code == 200, "the liveness check needs no token"
    for path in ("/api/scenarios", "/api/runs", "/", "/openapi.json"):
        answer = guarded.get(path)
        assert answer.status_code == 401, path
        assert "token" in answer.json()["detail"] and answer.headers["www-authenticate"] == "Bearer"
    assert guarded.get("/api/scenarios", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert guarded.get("/api/scenarios", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    assert guarded.get("/api/scenarios", headers={"X-Supplyshock-Token": TOKEN}).status_code == 200
    assert guarded.post("/api/runs", json={"scenario": "baseline"}).status_code == 401, "no run without the token"


def test_dashboard_link_with_token_sets_a_strict_cookie(guarded: TestClient) -> None:
    page = guarded.get(f"/?token={TOKEN}")
    assert page.status_code == 200
    cookie = page.headers["set-cookie"]
    assert cookie.startswith(f"{TOKEN_COOKIE}=") and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert guarded.get("/api/scenarios").status_code == 200, "the dashboard's own requests carry the cookie"
    guarded.cookies.clear()
    assert guarded.get("/api/scenarios").status_code == 401


def test_rate_limit_per_client(data_dir: Path) -> None:
    app = create_app(ServerConfig(data_dir=data_dir, workers=1, queue_size=1, rate_per_minute=10, runs_per_minute=2))
    with TestClient(app) as client:
        codes = [client.get("/api/health").status_code for _ in range(8)]
        assert codes[:5] == [200] * 5 and codes[-1] == 429, codes
        limited = client.get("/api/health")
        assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
        assert "at most 10 a minute" in limited.json()["detail"]
    with TestClient(create_app(ServerConfig(data_dir=data_dir, workers=1, queue_size=1, runs_per_minute=2))) as client:
        first = client.post("/api/runs", json={"scenario": "nope"})
        second = client.post("/api/runs", json={"scenario": "nope"})
        assert (first.status_code, second.status_code) == (404, 429), "starting runs has its own, tighter bucket"
        assert client.get("/api/health").status_code == 200, "other requests are still answered"


def test_cors_is_closed_by_default(client: TestClient) -> None:
    origin = {"Origin": "https://elsewhere.example"}
    assert "access-control-allow-origin" not in client.get("/api/scenarios", headers=origin).headers
    preflight = client.options("/api/runs", headers={**origin, "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in preflight.headers


def test_cors_opens_only_to_the_configured_origins(data_dir: Path) -> None:
    app = create_app(ServerConfig(data_dir=data_dir, cors_origins=("https://ours.example",)))
    with TestClient(app) as client:
        ours = client.get("/api/scenarios", headers={"Origin": "https://ours.example"})
        assert ours.headers["access-control-allow-origin"] == "https://ours.example"
        other = client.get("/api/scenarios", headers={"Origin": "https://elsewhere.example"})
        assert "access-control-allow-origin" not in other.headers


def _no_paths(text: str, data_dir: Path) -> None:
    for secret in {str(data_dir), str(data_dir.resolve()), str(Path.home())}:
        assert secret not in text, f"the answer reveals {secret}: {text}"


def test_error_messages_reveal_no_path(client: TestClient, data_dir: Path, wait: Any) -> None:
    missing = client.get("/api/runs/20250101-000000-abcdef/summary")
    assert missing.status_code == 404
    _no_paths(missing.text, data_dir)
    job = client.post("/api/runs", json={"scenario": "baseline", "members": 1}).json()
    info = wait(client, job["job_id"])
    rid = info["run_id"]
    results = next((data_dir / "results").rglob("results.nc"))
    results.unlink()
    gone = client.get(f"/api/runs/{rid}/results.csv")
    assert gone.status_code == 404
    _no_paths(gone.text, data_dir)


def test_redact_keeps_api_addresses_and_drops_file_paths(tmp_path: Path) -> None:
    text = f"cannot read {tmp_path}/results/x/results.nc or /srv/other/place.nc; see GET /api/runs at http://127.0.0.1:8000/api/runs"
    shown = redact(text, tmp_path)
    assert str(tmp_path) not in shown and "/srv/other" not in shown
    assert "<data>/results/x/results.nc" in shown and "place.nc" in shown and "GET /api/runs" in shown and "http://127.0.0.1:8000/api/runs" in shown


def test_a_run_over_the_memory_budget_is_refused_with_its_estimate(data_dir: Path) -> None:
    app = create_app(ServerConfig(data_dir=data_dir, workers=1, queue_size=1, memory_budget="5MB"))
    with TestClient(app) as client:
        answer = client.post("/api/runs", json={"scenario": "baseline", "members": 20})
        assert answer.status_code == 422
        detail = answer.json()["detail"]
        assert "memory budget" in detail and "MB" in detail and "20 members" in detail
        assert client.get("/api/jobs").json() == [], "nothing was queued"


def test_csv_download_streams_the_same_table(finished_run: tuple[TestClient, str, dict[str, Any]]) -> None:
    client, run_id, _ = finished_run
    with client.stream("GET", f"/api/runs/{run_id}/results.csv", params={"variable": "shortfall"}) as answer:
        assert answer.status_code == 200 and "content-length" not in answer.headers, "streamed in chunks"
        text = b"".join(answer.iter_bytes()).decode()
    nc = client.get(f"/api/runs/{run_id}/results.nc")
    with xr.open_dataset(io.BytesIO(nc.content), engine="h5netcdf") as ds:
        whole = ds["shortfall"].to_dataframe(name="shortfall").reset_index()
    dims = ["scenario", "member", "time", "country", "sector"]
    expected = whole[[*dims, *[c for c in whole.columns if c not in dims and c != "shortfall"], "shortfall"]].to_csv(index=False)
    assert text == expected


def test_csv_blocks_join_to_the_whole_table(tmp_path: Path) -> None:
    ds = xr.Dataset(
        {"v": (("scenario", "member", "time", "link"), np.arange(2 * 5 * 3, dtype=float).reshape(1, 2, 5, 3))},
        coords={
            "scenario": ["s"],
            "member": [0, 1],
            "time": pd.date_range("2025-01-01", periods=5),
            "link": [0, 1, 2],
            "link_x": ("link", list("abc")),
        },
    )
    path = tmp_path / "r.nc"
    ds.to_netcdf(path, engine="h5netcdf")
    whole = ds["v"].to_dataframe(name="v").reset_index()[["scenario", "member", "time", "link", "link_x", "v"]].to_csv(index=False)
    for rows in (1, 4, 7, 1000):
        assert b"".join(csv_blocks(path, "v", rows=rows)).decode() == whole
