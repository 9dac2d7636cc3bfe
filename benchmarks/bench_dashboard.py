"""Benchmark the dashboard and the API (a script, not a test).

    python benchmarks/bench_dashboard.py [--repeat 3] [--threads 8] [--requests 400] [--seconds 20]

Starts ``supplyshock serve`` on a free port of 127.0.0.1 with a temporary data directory,
then measures:

1. the dashboard's round trip for a default run: from the click on "Run" (a POST of the
   default scenario, ``cn-2025-april-controls``, one member) to every chart drawn, timed
   in the browser (``window.ssTiming``) and from Python; Debian's chromium driven by
   Playwright (``/usr/bin/chromium``; skipped when missing);
2. the API's throughput for results queries under concurrent load from a local client:
   ``--threads`` threads, each with its own ``httpx.Client``, share ``--requests``
   requests (stopping after ``--seconds`` at most) per endpoint: the summary without
   series, the summary with the chart series, and one variable as CSV. Answers are
   served from the server's in-memory cache after the first.

Prints one line per figure. Nothing is written outside the temporary directory.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

CHROMIUM = Path(os.environ.get("SUPPLYSHOCK_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def free_port() -> int:
    """Return a port that was free on 127.0.0.1 a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(data_dir: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    """Start the server and wait until it answers (60 s at most)."""
    out = open(log, "wb")  # noqa: SIM115 - the child keeps writing to it
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "supplyshock.server",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--data-dir",
            str(data_dir),
            "--workers",
            "2",
            "--queue",
            "8",
            "--log-level",
            "warning",
        ],
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"server did not start; its output:\n{log.read_text(errors='replace')}")


def dashboard_round_trips(url: str, repeat: int) -> tuple[list[float], list[float], str]:
    """Run the default scenario from the dashboard ``repeat`` times; return browser and wall times (s) and the last run id."""
    from playwright.sync_api import sync_playwright

    browser_times: list[float] = []
    wall_times: list[float] = []
    run_id = ""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        t0 = time.perf_counter()
        page.goto(url + "/")
        page.wait_for_selector("body[data-state=ready]", timeout=60_000)
        print(f"dashboard page load (HTML + plotly.js + scenario list): {time.perf_counter() - t0:.2f} s")
        for _ in range(repeat):
            before = page.get_attribute("body", "data-run-id")
            t0 = time.perf_counter()
            page.click("#run")
            page.wait_for_function(
                "(prev) => document.body.dataset.state === 'done' && document.body.dataset.runId !== prev", arg=before, timeout=120_000
            )
            wall_times.append(time.perf_counter() - t0)
            timing = page.evaluate("window.ssTiming")
            browser_times.append((timing["drawn"] - timing["requested"]) / 1000)
            run_id = str(page.get_attribute("body", "data-run-id"))
        browser.close()
    return browser_times, wall_times, run_id


def load(url: str, threads: int, requests: int, seconds: float) -> dict[str, Any]:
    """GET ``url`` ``requests`` times from ``threads`` threads (``seconds`` at most); return the figures."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    remaining = [requests]
    deadline = time.monotonic() + seconds
    size = [0]

    def worker() -> None:
        with httpx.Client(timeout=30) as client:
            while time.monotonic() < deadline:
                with lock:
                    if remaining[0] <= 0:
                        return
                    remaining[0] -= 1
                t0 = time.perf_counter()
                try:
                    response = client.get(url)
                    ok = response.status_code == 200
                    size[0] = len(response.content)
                except httpx.HTTPError:
                    ok = False
                dt = time.perf_counter() - t0
                with lock:
                    latencies.append(dt)
                    if not ok:
                        errors[0] += 1

    httpx.get(url, timeout=60)  # warm the server's cache
    t0 = time.perf_counter()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.perf_counter() - t0
    ordered = sorted(latencies)
    return {
        "n": len(latencies),
        "errors": errors[0],
        "rate": len(latencies) / elapsed if elapsed else 0.0,
        "p50": ordered[len(ordered) // 2] if ordered else float("nan"),
        "p95": ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] if ordered else float("nan"),
        "bytes": size[0],
    }


def main() -> None:
    """Run the benchmark and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=3, help="dashboard round trips (default 3)")
    ap.add_argument("--threads", type=int, default=8, help="concurrent client threads (default 8)")
    ap.add_argument("--requests", type=int, default=400, help="requests per endpoint (default 400)")
    ap.add_argument("--seconds", type=float, default=20.0, help="time limit per endpoint in seconds (default 20)")
    args = ap.parse_args()
    args.threads = max(1, min(args.threads, 64))
    args.requests = max(1, min(args.requests, 100_000))
    with tempfile.TemporaryDirectory(prefix="supplyshock-bench-") as tmp:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        t0 = time.perf_counter()
        proc = start_server(Path(tmp) / "data", port, Path(tmp) / "server.log")
        print(f"server ready in {time.perf_counter() - t0:.2f} s at {url} (2 workers)")
        try:
            run_id = ""
            if CHROMIUM.exists():
                browser_times, wall_times, run_id = dashboard_round_trips(url, args.repeat)
                print(
                    f"dashboard round trip, default run (click -> job -> progress -> summary -> 4 charts drawn), {args.repeat} runs: "
                    f"median {statistics.median(browser_times):.2f} s (min {min(browser_times):.2f}, max {max(browser_times):.2f}) "
                    f"in the browser; median {statistics.median(wall_times):.2f} s seen from Python"
                )
            else:
                print(f"dashboard round trip: skipped, no chromium at {CHROMIUM} (bash .ci/browser-setup.sh)")
            if not run_id:
                job = httpx.post(url + "/api/runs", json={"scenario": "cn-2025-april-controls"}, timeout=30).json()
                while (info := httpx.get(f"{url}/api/jobs/{job['job_id']}", timeout=30).json())["status"] not in ("done", "failed"):
                    time.sleep(0.1)
                run_id = info["run_id"]
            for label, path in (
                ("summary, no series", f"/api/runs/{run_id}/summary?series=false"),
                ("summary with chart series", f"/api/runs/{run_id}/summary"),
                ("results.csv (shortfall)", f"/api/runs/{run_id}/results.csv?variable=shortfall"),
            ):
                r = load(url + path, args.threads, args.requests, args.seconds)
                print(
                    f"API {label}: {r['rate']:.0f} requests/s with {args.threads} threads ({r['n']} requests, {r['errors']} errors), "
                    f"latency p50 {r['p50'] * 1e3:.1f} ms, p95 {r['p95'] * 1e3:.1f} ms, {r['bytes'] / 1e3:.0f} kB each"
                )
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    main()
