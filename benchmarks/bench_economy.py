#!/usr/bin/env python3
"""Benchmark supplyshock.economy against BoARIO 0.7.2 on the same synthetic cases.

Cases (seeded, :func:`supplyshock.economy.synthetic_mrio`): 20 x 50 = 1,000 industries and
50 x 100 = 5,000 industries; shock: 80 % capacity cut of the dominant supplier of the
critical product at step 5 for 90 steps, 30 steps of linear recovery; BoARIO
``ARIOPsiModel`` defaults (``order_type="alt"``).

For each case the script runs, each in a fresh subprocess (so peak RSS is per run):

* BoARIO (model + simulation init, then ``sim.loop()``);
* supplyshock in BoARIO-compatible mode (1 member), checked against BoARIO's production;
* supplyshock with 100 members stepped together, each with a different shock share in
  [0.5, 0.95] (first case only; ``--ensemble-dtype`` float64 (default) or float32).

Reported: per-step time (loop time / steps), total time including init, peak RSS (MiB;
``ru_maxrss`` of the subprocess, which includes the Python interpreter and imports).

Usage::

    python benchmarks/bench_economy.py                       # both cases, 365 steps
    python benchmarks/bench_economy.py --sizes 20x50 --steps 365
    python benchmarks/bench_economy.py --skip-boario-5000    # skip the 4-12 min BoARIO run
    python benchmarks/bench_economy.py --boario-blas-threads 1   # BoARIO with 1 BLAS thread

supplyshock limits BLAS to one thread while stepping (``ARIOModel(blas_threads=1)``); on a
busy machine BoARIO is much faster with ``--boario-blas-threads 1`` too, so report both.

Output: a table on stdout and ``--json PATH`` (optional) with all figures.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SHOCK = {"share": 0.8, "occurrence": 5, "duration": 90, "recovery_tau": 30}


def _worker(engine: str, regions: int, sectors: int, steps: int, members: int, out: str) -> None:
    """Run one engine on one case in this process and write figures to ``out``."""
    import logging
    import resource
    import warnings

    import numpy as np
    import pandas as pd

    from supplyshock.economy import ARIOModel, CapacityShock, synthetic_mrio

    case = synthetic_mrio(regions, sectors, seed=42)
    mrio = case.mrio
    res: dict[str, Any] = {"engine": engine, "n": mrio.n_industries, "members": members}
    if engine == "boario":
        from boario.event import from_series
        from boario.extended_models import ARIOPsiModel
        from boario.simulation import Simulation

        warnings.simplefilter("ignore")
        logging.getLogger("boario").setLevel(logging.WARNING)
        io = mrio.to_pymrio()
        t0 = time.perf_counter()
        model = ARIOPsiModel(io, order_type="alt")
        with tempfile.TemporaryDirectory() as tmp:
            sim = Simulation(model, n_temporal_units_to_sim=steps, boario_output_dir=tmp)
            impact = pd.Series(
                SHOCK["share"],
                index=pd.MultiIndex.from_tuples([(case.dominant_region, case.critical_sector)], names=["region", "sector"]),
            )
            sim.add_event(
                from_series(
                    impact,
                    event_type="arbitrary",
                    occurrence=SHOCK["occurrence"],
                    duration=SHOCK["duration"],
                    recovery_tau=SHOCK["recovery_tau"],
                    recovery_function="linear",
                )
            )
            t1 = time.perf_counter()
            sim.loop()
            t2 = time.perf_counter()
            prod = sim.production_realised.to_numpy()
        np.save(out + ".prod.npy", prod)
    else:
        # ensemble members differ: shares spread over [0.5, 0.95] (one member: 0.8)
        share = np.linspace(0.5, 0.95, members) if members > 1 else SHOCK["share"]
        shock = CapacityShock(
            case.dominant_region,
            case.critical_sector,
            share,
            SHOCK["occurrence"],
            SHOCK["duration"],
            SHOCK["recovery_tau"],
        )
        t0 = time.perf_counter()
        model = ARIOModel(
            mrio,
            n_members=members,
            boario_compat=(engine == "compat"),
            dtype="float32" if engine == "native32" else "float64",
        )
        t1 = time.perf_counter()
        r = model.run(steps, shocks=[shock], record=("production",))
        t2 = time.perf_counter()
        np.save(out + ".prod.npy", r.production[0])
    res.update(
        init_s=t1 - t0,
        loop_s=t2 - t1,
        total_s=t2 - t0,
        per_step_ms=1000 * (t2 - t1) / steps,
        peak_rss_mib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    )
    Path(out).write_text(json.dumps(res))


def _run(engine: str, regions: int, sectors: int, steps: int, members: int, blas: int | None = None) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as fh:
        out = fh.name
    cmd = [
        sys.executable,
        __file__,
        "--worker",
        engine,
        str(regions),
        str(sectors),
        str(steps),
        str(members),
        out,
    ]
    env = dict(os.environ)
    if blas is not None:  # BLAS threads of the worker (set before numpy is imported)
        env.update(OPENBLAS_NUM_THREADS=str(blas), OMP_NUM_THREADS=str(blas), MKL_NUM_THREADS=str(blas))
    subprocess.run(cmd, check=True, env=env)
    res: dict[str, Any] = json.loads(Path(out).read_text())
    res["prod_file"] = out + ".prod.npy"
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="20x50,50x100", help="comma list of RxS")
    ap.add_argument("--steps", type=int, default=365)
    ap.add_argument("--members", type=int, default=100, help="ensemble size (run on the first case)")
    ap.add_argument("--skip-boario-5000", action="store_true")
    ap.add_argument("--no-boario", action="store_true", help="run supplyshock only")
    ap.add_argument(
        "--boario-blas-threads",
        type=int,
        default=None,
        help="OPENBLAS_NUM_THREADS for the BoARIO runs (default: BLAS default)",
    )
    ap.add_argument(
        "--ensemble-dtype",
        choices=["float64", "float32"],
        default="float64",
        help="working precision of the ensemble run",
    )
    ap.add_argument("--json", help="write all figures to this file")
    ap.add_argument("--worker", nargs=6, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker:
        eng, r, s, st, m, out = a.worker
        _worker(eng, int(r), int(s), int(st), int(m), out)
        return

    import numpy as np

    rows: list[dict[str, Any]] = []
    sizes = a.sizes.split(",")
    for size in sizes:
        r, s = (int(v) for v in size.lower().split("x"))
        n = r * s
        ours = _run("compat", r, s, a.steps, 1)
        rows.append(ours)
        print(json.dumps(ours), flush=True)
        if not (a.no_boario or (a.skip_boario_5000 and n >= 5000)):
            bo = _run("boario", r, s, a.steps, 1, blas=a.boario_blas_threads)
            rows.append(bo)
            print(json.dumps(bo), flush=True)
            p_ours, p_bo = np.load(ours["prod_file"]), np.load(bo["prod_file"])
            ours["max_rel_diff_vs_boario"] = float(np.max(np.abs(p_ours - p_bo) / p_bo))
            ours["speedup_per_step"] = bo["per_step_ms"] / ours["per_step_ms"]
        if size == sizes[0] and a.members > 1:  # ensemble on the first (smallest) case
            eng = "native32" if a.ensemble_dtype == "float32" else "native"
            ens = _run(eng, r, s, a.steps, a.members)
            rows.append(ens)
            print(json.dumps(ens), flush=True)
            bo_rows = [x for x in rows if x["engine"] == "boario" and x["n"] == n]
            if bo_rows:
                ens["per_member_total_s"] = ens["total_s"] / a.members
                ens["cheaper_per_member_vs_boario_run"] = bo_rows[0]["total_s"] / (ens["total_s"] / a.members)
    print()
    hdr = f"{'engine':8} {'N':>6} {'M':>4} {'init s':>8} {'loop s':>8} {'ms/step':>9} {'MiB':>7}"
    print(hdr)
    for x in rows:
        print(f"{x['engine']:8} {x['n']:6d} {x['members']:4d} {x['init_s']:8.3f} {x['loop_s']:8.2f} {x['per_step_ms']:9.3f} {x['peak_rss_mib']:7.0f}")
    for x in rows:
        if "speedup_per_step" in x:
            print(
                f"N={x['n']}: supplyshock (boario_compat) {x['speedup_per_step']:.1f}x faster per "
                f"step than BoARIO; max relative production difference "
                f"{x['max_rel_diff_vs_boario']:.2e}"
            )
        if "cheaper_per_member_vs_boario_run" in x:
            print(
                f"N={x['n']}: {x['members']} members stepped together cost "
                f"{x['per_member_total_s']:.3f} s per member vs one BoARIO run -> "
                f"{x['cheaper_per_member_vs_boario_run']:.0f}x cheaper per member"
            )
    for x in rows:  # temporary files of the workers
        prod = x.pop("prod_file")
        Path(prod).unlink(missing_ok=True)
        Path(prod.removesuffix(".prod.npy")).unlink(missing_ok=True)
    if a.json:
        Path(a.json).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
