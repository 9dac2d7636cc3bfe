"""Benchmark the material engine (a script, not a test).

    python benchmarks/bench_engine.py [--members 1000] [--repeat 3]

Times (1) one 365-day run of ``cn-2025-april-controls`` (engine only, and end to end
including loading and labelling), (2) ``--members`` ensemble members at once, each with
its own behavioural parameters, recording only the end-use variables, and reports the
peak resident memory.
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np

from supplyshock.engine import build_links, compile_policy, run, simulate
from supplyshock.network import load_network
from supplyshock.scenario import apply_overrides, load_scenario


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--members", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    sc = load_scenario("cn-2025-april-controls")
    net = apply_overrides(load_network(sc.dataset), sc)
    links = build_links(net)
    policy = compile_policy(net, sc, links)

    single = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        simulate(net, links, policy, members=1)
        single.append(time.perf_counter() - t0)
    e2e = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        run("cn-2025-april-controls")
        e2e.append(time.perf_counter() - t0)
    print(f"one run, 365 days, {links.n} links: engine {min(single):.3f} s (best of {args.repeat}), end to end {min(e2e):.3f} s")

    rng = np.random.default_rng(0)
    M = args.members
    params = {
        "switching_lag_days": rng.uniform(20, 120, M),
        "approval_scale": rng.uniform(0.5, 1.5, M),
        "cover_scale": rng.uniform(0.5, 1.5, M),
        "price_flexibility": rng.uniform(0.2, 0.6, M),
    }
    t0 = time.perf_counter()
    traj = simulate(net, links, policy, members=M, params=params, record=("demand", "shortfall", "output_at_risk", "trade"))
    dt = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    short = traj.arrays["shortfall"].sum(axis=(1, 2, 3))
    print(
        f"{M} members x 365 days: {dt:.2f} s ({dt / M * 1e3:.2f} ms per member); peak RSS {peak:.0f} MiB; "
        f"total shortfall p5/p50/p95 = {np.percentile(short, 5):.0f}/{np.percentile(short, 50):.0f}/"
        f"{np.percentile(short, 95):.0f} t"
    )


if __name__ == "__main__":
    main()
