"""Safety: sizes, paths, YAML bombs, the bounded job pool."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from supplyshock.server import ServerConfig, create_app
from supplyshock.server.jobs import Job, JobManager, QueueFull
from supplyshock.server.safety import MAX_YAML_NODES, UnsafeInput, check_yaml, inside

TRAVERSALS = [
    "/api/runs/..%2F..%2Fetc%2Fpasswd/results.nc",
    "/api/runs/%2e%2e/results.nc",
    "/api/runs/..%5c..%5cetc/summary",
    "/api/runs/a.b/report",
    "/api/runs/%00/summary",
    "/api/runs/x%2Fy/results.csv",
    "/api/scenarios/..%2F..%2Fsecret",
    "/api/datasets/..%2F..%2Fetc/sources",
    "/static/..%2F..%2F..%2Fetc%2Fpasswd",
    "/api/runs/" + "a" * 65 + "/summary",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_path_traversal_is_refused(client: TestClient, path: str) -> None:
    answer = client.get(path)
    assert 400 <= answer.status_code < 500, (path, answer.status_code)
    assert "root:" not in answer.text
    assert answer.json()["detail"]


def test_nothing_is_written_outside_the_data_directory(client: TestClient, data_dir: Path, tmp_path: Path, wait: object) -> None:
    before = {p for p in tmp_path.rglob("*") if not p.is_relative_to(data_dir)}
    client.post("/api/runs", json={"yaml": "name: x\nstart: 2025-01-01\ndataset: " + str(tmp_path) + "\n"})
    client.get("/api/runs/..%2F..%2Fx/report")
    after = {p for p in tmp_path.rglob("*") if not p.is_relative_to(data_dir)}
    assert before == after
    assert {p.name for p in data_dir.iterdir()} <= {"runs.duckdb", "results", "reports", "runs.duckdb.wal"}


def test_inside_refuses_escapes_and_symlinks(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "results").mkdir(parents=True)
    assert inside(root, "results", "a.nc") == (root / "results" / "a.nc").resolve()
    for parts in (("..", "x"), ("/etc/passwd",), ("results", "..", "..", "x"), ("a\x00b",), ("",)):
        with pytest.raises(UnsafeInput):
            inside(root, *parts)
    outside = tmp_path / "secret.nc"
    outside.write_text("secret")
    os.symlink(outside, root / "results" / "link.nc")
    with pytest.raises(UnsafeInput, match="outside"):
        inside(root, "results", "link.nc")


def test_body_size_limit(data_dir: Path) -> None:
    app = create_app(ServerConfig(data_dir=data_dir, max_body_bytes=1000))
    with TestClient(app) as client:
        big = client.post("/api/validate", json={"yaml": "x" * 2000})
        assert big.status_code == 413 and "limit of 1000 bytes" in big.json()["detail"]

        def chunks() -> object:
            for _ in range(5):
                yield b"x" * 400

        streamed = client.post("/api/validate", content=chunks(), headers={"content-type": "application/json"})
        assert streamed.status_code == 413
        small = client.post("/api/validate", json={"yaml": "name: x"})
        assert small.status_code == 200


def test_long_yaml_is_refused_by_the_model(client: TestClient) -> None:
    answer = client.post("/api/validate", json={"yaml": "#" * 100_001})
    assert answer.status_code == 422 and "at most 100000 characters" in answer.json()["detail"]


def test_yaml_checks() -> None:
    bomb = "a: &a [1,1,1,1,1,1,1,1,1,1]\n" + "".join(f"{b}: &{b} [{', '.join([f'*{a}'] * 10)}]\n" for a, b in zip("abcde", "bcdef", strict=True))
    with pytest.raises(UnsafeInput, match=f"more than {MAX_YAML_NODES:,} values"):
        check_yaml(bomb, ["rare-earths"], max_chars=10_000)
    with pytest.raises(UnsafeInput, match="nests deeper than"):
        check_yaml("[" * 1500 + "]" * 1500, ["rare-earths"], max_chars=100_000)
    with pytest.raises(UnsafeInput, match="not one of"):
        check_yaml("name: x\ndataset: [a]\n", ["rare-earths"], max_chars=1000)
    with pytest.raises(UnsafeInput, match="longer than"):
        check_yaml("x" * 11, ["rare-earths"], max_chars=10)
    with pytest.raises(UnsafeInput, match="empty"):
        check_yaml("# nothing", ["rare-earths"], max_chars=100)
    assert check_yaml("name: x\nstart: 2025-01-01\n", ["rare-earths"], max_chars=100)["name"] == "x"


def test_job_pool_runs_at_most_n_at_once_and_queues_the_rest() -> None:
    pool = JobManager(workers=2, queue_size=1)
    release = threading.Event()
    lock = threading.Lock()
    running = [0]
    peak = [0]

    def work(job: Job) -> str:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        for day in range(1, 4):
            job.report(day)
        release.wait(10)
        with lock:
            running[0] -= 1
        return "run-" + job.job_id[:4]

    jobs = [pool.submit("s", 3, work) for _ in range(3)]
    with pytest.raises(QueueFull, match="waiting"):
        pool.submit("s", 3, work)
    deadline = time.monotonic() + 5
    while pool.counts() != (2, 1) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert pool.counts() == (2, 1)
    release.set()
    for job in jobs:
        while not job.finished_state and time.monotonic() < deadline + 5:
            job.wait_change(job.version, 0.1)
    assert [j.status for j in jobs] == ["done"] * 3
    assert peak[0] == 2
    assert all(j.run_id and j.as_dict()["progress"] == 1.0 for j in jobs)
    pool.shutdown()


def test_shutdown_cancels_running_and_queued_jobs() -> None:
    pool = JobManager(workers=1, queue_size=2)
    started = threading.Event()

    def slow(job: Job) -> str:
        started.set()
        for day in range(10_000):
            job.report(day % 10)
            time.sleep(0.001)
        return "never"

    def boom(job: Job) -> str:
        raise RuntimeError("engine failure")

    running = pool.submit("slow", 10, slow)
    queued = pool.submit("slow", 10, slow)
    assert started.wait(5)
    pool.shutdown()
    assert running.status == "cancelled" and queued.status == "cancelled"
    with pytest.raises(QueueFull, match="shutting down"):
        pool.submit("s", 1, slow)
    other = JobManager(workers=1, queue_size=0)
    failed = other.submit("boom", 1, boom)
    deadline = time.monotonic() + 5
    while not failed.finished_state and time.monotonic() < deadline:
        failed.wait_change(failed.version, 0.1)
    assert failed.status == "failed" and "RuntimeError: engine failure" in (failed.error or "")
    other.shutdown()
