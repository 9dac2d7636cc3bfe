"""Benchmark large ensembles (a script, not a test).

    python benchmarks/bench_ensemble.py [--members 10000] [--chunk-size 500] [--workers 2]

Runs ``cn-2025-april-controls`` with every member drawing its own approval share scale,
processing delay scale, days of stock and switching lag, through the chunked local
backend (one process per core), and reports wall time, peak memory (this process and its
workers) and the scaling with members and chunk size.
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np

from supplyshock import load_scenario
from supplyshock.analysis.chunks import run_ensemble
from supplyshock.scenario.uncertainty import Uncertain


def _scenario():  # type: ignore[no-untyped-def]
    sc = load_scenario("cn-2025-april-controls")
    return sc.model_copy(
        update={
            "uncertain": [
                Uncertain(name="approval_scale", dist="uniform", low=0.3, high=1.7),
                Uncertain(name="delay_scale", dist="triangular", low=0.5, mode=1.0, high=1.5),
                Uncertain(name="cover_scale", dist="lognormal", mean=0.0, sd=0.3, low=0.4, high=2.5),
                Uncertain(name="switching_lag_days", dist="uniform", low=20, high=150),
            ]
        }
    )


def _peak_mib() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, kids


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--members", type=int, default=10_000)
    ap.add_argument("--chunk-size", type=int, default=500)
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--scaling", action="store_true", help="also time 1k/2k/5k members and chunk sizes 100-2000")
    args = ap.parse_args()
    sc = _scenario()
    t0 = time.perf_counter()
    ens = run_ensemble(sc, members=args.members, chunk_size=args.chunk_size, workers=args.workers)
    dt = time.perf_counter() - t0
    own, kids = _peak_mib()
    tot = ens["cumulative_shortfall_t"].sum(("country", "sector")).values
    print(
        f"{args.members} members x 365 days, chunk {args.chunk_size}: {dt:.1f} s "
        f"({dt / args.members * 1e3:.2f} ms per member); peak RSS main {own:.0f} MiB, largest worker {kids:.0f} MiB; "
        f"total shortfall p5/p50/p95 {np.percentile(tot, 5):.0f}/{np.percentile(tot, 50):.0f}/{np.percentile(tot, 95):.0f} t"
    )
    if args.scaling:
        for m in (1000, 2000, 5000):
            t0 = time.perf_counter()
            run_ensemble(sc, members=m, chunk_size=args.chunk_size, workers=args.workers)
            print(f"  members {m}: {time.perf_counter() - t0:.1f} s")
        for c in (100, 250, 1000, 2000):
            t0 = time.perf_counter()
            run_ensemble(sc, members=2000, chunk_size=c, workers=args.workers)
            print(f"  2000 members, chunk {c}: {time.perf_counter() - t0:.1f} s; peak worker RSS {_peak_mib()[1]:.0f} MiB")


if __name__ == "__main__":
    main()
