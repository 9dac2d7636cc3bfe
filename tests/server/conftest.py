"""Fixtures of the server tests: an app on a temporary data directory, and its client."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's notice that its test client moves to httpx2
    from fastapi.testclient import TestClient

from server_helpers import wait_for_job

from supplyshock.server import ServerConfig, create_app


@pytest.fixture
def wait() -> Any:
    """The function that polls a job until it has finished."""
    return wait_for_job


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def client(data_dir: Path) -> Iterator[TestClient]:
    app = create_app(ServerConfig(data_dir=data_dir, workers=1, queue_size=1))
    with TestClient(app) as c:
        yield c


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, str, dict[str, Any]]]:
    """A client whose server has one finished run of the April controls (three members)."""
    app = create_app(ServerConfig(data_dir=tmp_path_factory.mktemp("server") / "data", workers=1, queue_size=2))
    with TestClient(app) as c:
        job = c.post("/api/runs", json={"scenario": "cn-2025-april-controls", "members": 3, "approval": 0.25, "cover_scale": 0.8})
        assert job.status_code == 202, job.text
        info = wait_for_job(c, job.json()["job_id"])
        assert info["status"] == "done", info
        yield c, info["run_id"], info
