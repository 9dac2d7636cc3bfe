"""Helpers of the server tests (a module of its own: each test folder has a conftest)."""

from __future__ import annotations

import warnings
from typing import Any

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's notice that its test client moves to httpx2
    from fastapi.testclient import TestClient

__all__ = ["wait_for_job"]


def wait_for_job(client: TestClient, job_id: str, timeout: float = 60.0) -> dict[str, Any]:
    """Poll a job until it has finished; return its last status."""
    import time

    deadline = time.monotonic() + timeout
    info: dict[str, Any] = {}
    while time.monotonic() < deadline:
        info = client.get(f"/api/jobs/{job_id}").json()
        if info["status"] in ("done", "failed", "cancelled"):
            return info
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish in {timeout} s: {info}")
