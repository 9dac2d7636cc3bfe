"""Benchmark the time-to-survive LPs (a script, not a test).

    python benchmarks/bench_tts.py [--sizes 100 300 1000 3000 10000] [--sample 200] [--full] [--workers 2]

1. The default dataset: TTS of every node (facilities, trade links, exporters), with and
   without the performance impact for a 90-day TTR; wall time of the whole call
   (building the LP included). Target: <= 5 s on 2 cores.
2. Synthetic networks of growing size (nodes = facilities + baseline links + exporter
   nodes, i.e. the LPs to solve): three-tier chains (mine -> refine -> make) in product
   families, each family's makers also using another family's refined product, with
   balanced baseline flows, capacity = output / 0.85 and 30 days of cover. For each
   size: time to build the network and the sparse LP, the median time of one TTS LP over
   ``--sample`` nodes, and the time for every node, measured when the sample is every
   node (or with ``--full``), otherwise extrapolated (marked ``est``). ``--workers`` runs
   the nodes in that many processes.
"""

from __future__ import annotations

import argparse
import os
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np
import pandas as pd

from supplyshock.analysis.tts import Node, TTSModel, network_nodes, time_to_survive
from supplyshock.network import SupplyNetwork, load_network

_MODEL: TTSModel | None = None


def synthetic_network(families: int, countries: int = 40, seed: int = 0) -> SupplyNetwork:
    """A balanced three-tier network with ``families`` product families."""
    rng = np.random.default_rng(seed)
    cs = [f"C{i:03d}" for i in range(countries)]
    products, recipes, facilities, trade, demand, values, stocks, sectors = [], [], [], [], [], [], [], []
    other = (np.arange(families) + 1 + rng.integers(0, max(1, families - 1), families)) % families
    need: dict[tuple[str, str], float] = {}  # (country, product) -> t/yr used by processes + end use
    producers: dict[str, list[tuple[str, float]]] = {}
    for f in range(families):
        for tier, stage in (("raw", "mining"), ("mid", "refining"), ("fin", "making")):
            products.append({"product": f"{tier}{f}", "stage": stage, "name": f"{tier}{f}", "unit": "t"})
        sectors.append({"sector": f"use{f}", "name": f"use{f}", "mrio_sector": "X", "product": f"fin{f}"})
        recipes += [
            {"process": f"mine{f}", "product": f"raw{f}", "role": "output", "quantity": 1.0},
            {"process": f"refine{f}", "product": f"raw{f}", "role": "input", "quantity": 1.5},
            {"process": f"refine{f}", "product": f"mid{f}", "role": "output", "quantity": 1.0},
            {"process": f"make{f}", "product": f"mid{f}", "role": "input", "quantity": 1.0},
            {"process": f"make{f}", "product": f"fin{f}", "role": "output", "quantity": 1.0},
        ]
        if other[f] != f:
            recipes.append({"process": f"make{f}", "product": f"mid{other[f]}", "role": "input", "quantity": 0.2})
        for tier, n in (("mine", 3), ("refine", 2), ("make", 3)):
            who = rng.choice(countries, n, replace=False)
            w = rng.dirichlet(np.ones(n))
            producers[f"{tier}{f}"] = [(cs[i], float(s)) for i, s in zip(who, w, strict=True)]
        for i in rng.choice(countries, 5, replace=False):
            d = float(rng.uniform(50, 500))
            demand.append({"country": cs[i], "sector": f"use{f}", "product": f"fin{f}", "demand_t": d})
            values.append({"country": cs[i], "sector": f"use{f}", "value_usd_per_t": float(rng.uniform(1e4, 1e6))})
            need[(cs[i], f"fin{f}")] = need.get((cs[i], f"fin{f}"), 0.0) + d
    recipe_in: dict[str, dict[str, float]] = {}
    for r in recipes:
        if r["role"] == "input":
            recipe_in.setdefault(str(r["process"]), {})[str(r["product"])] = float(r["quantity"])  # type: ignore[arg-type]

    def supply(product: str, process: str) -> None:
        users = {c: q for (c, p), q in need.items() if p == product}
        total = sum(users.values())
        for c, share in producers[process]:
            out = total * share
            facilities.append({"country": c, "process": process, "output_t": out, "capacity_t": out / 0.85, "capacity_source": "synthetic"})
            for inp, q in recipe_in.get(process, {}).items():
                need[(c, inp)] = need.get((c, inp), 0.0) + out * q
            for u, q in users.items():
                if u != c and q * share > 0:
                    trade.append({"exporter": c, "importer": u, "product": product, "flow_t": q * share, "transit_days": 20.0})

    for f in range(families):
        supply(f"fin{f}", f"make{f}")
    for f in range(families):
        supply(f"mid{f}", f"refine{f}")
    for f in range(families):
        supply(f"raw{f}", f"mine{f}")
    for (c, p), _ in need.items():
        stocks.append({"country": c, "product": p, "cover_days": 30.0})
    tr = (
        pd.DataFrame(trade)
        .groupby(["exporter", "importer", "product"], as_index=False)
        .agg(flow_t=("flow_t", "sum"), transit_days=("transit_days", "first"))
    )
    tables: dict[str, list[dict[str, Any]]] = {
        "countries": [{"country": c, "name": c, "mrio_region": c} for c in cs],
        "products": products,
        "sectors": sectors,
        "recipes": recipes,
        "recipe_overrides": [],
        "facilities": facilities,
        "trade": tr.to_dict("records"),
        "demand": demand,
        "values": values,
        "stocks": stocks,
        "strategic_stocks": [],
        "prices": [],
        "parameters": [{"name": "utilisation", "value": 0.85, "unit": "share", "description": "synthetic"}],
    }
    return SupplyNetwork.from_records(f"synthetic-{families}", tables)


def _init(net: SupplyNetwork) -> None:
    global _MODEL
    _MODEL = TTSModel(net)


def _solve(node: Node) -> float:
    assert _MODEL is not None
    return _MODEL.tts(node)


def run_nodes(net: SupplyNetwork, model: TTSModel, nodes: list[Node], workers: int) -> list[float]:
    if workers <= 1:
        return [model.tts(n) for n in nodes]
    with ProcessPoolExecutor(workers, initializer=_init, initargs=(net,)) as pool:
        return list(pool.map(_solve, nodes, chunksize=max(1, len(nodes) // (4 * workers))))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[100, 300, 1000, 3000, 10000], help="target node counts")
    ap.add_argument("--sample", type=int, default=200, help="nodes timed per size (all if fewer)")
    ap.add_argument("--full", action="store_true", help="solve every node at every size")
    ap.add_argument("--workers", type=int, default=1, help="processes for the synthetic node loop")
    args = ap.parse_args()
    print(f"cores available: {os.cpu_count()}; sched affinity: {len(os.sched_getaffinity(0))}")

    # 1. default dataset
    t0 = time.perf_counter()
    net = load_network("rare-earths")
    t_load = time.perf_counter() - t0
    print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())} (wall times grow with other jobs; CPU times less so)")
    for ttr in (None, 90.0):
        t0, c0 = time.perf_counter(), time.process_time()
        tab = time_to_survive(net, ttr=ttr)
        dt, dc = time.perf_counter() - t0, time.process_time() - c0
        extra = "TTS + PI (TTR 90 d)" if ttr else "TTS only"
        print(
            f"rare-earths: {len(tab)} nodes, {extra}: {dt:.3f} s wall, {dc:.3f} s CPU (load {t_load:.3f} s); "
            f"{int(np.isfinite(tab['tts_days']).sum())} finite"
        )

    # 2. synthetic scaling (about 43 nodes per family)
    print(f"\n{'nodes':>7} {'fam':>5} {'vars':>7} {'rows':>7} {'net s':>7} {'LP build s':>10} {'ms/LP':>8} {'CPU ms/LP':>9} {'all nodes s':>12}")
    for size in args.sizes:
        fam = max(1, round(size / 43))
        t0 = time.perf_counter()
        snet = synthetic_network(fam)
        t_net = time.perf_counter() - t0
        t0 = time.perf_counter()
        model = TTSModel(snet)
        t_build = time.perf_counter() - t0
        nodes = network_nodes(snet)
        rng = np.random.default_rng(1)
        full = args.full or len(nodes) <= args.sample
        pick = nodes if full else [nodes[i] for i in rng.choice(len(nodes), args.sample, replace=False)]
        t0, c0 = time.perf_counter(), time.process_time()
        res = run_nodes(snet, model, pick, args.workers)
        t_run, c_run = time.perf_counter() - t0, time.process_time() - c0
        per = t_run / len(pick)
        total = f"{t_run:.2f}" if full else f"{per * len(nodes):.1f} est"
        nrows = model._A_tts_flow.shape[0]
        print(
            f"{len(nodes):>7} {fam:>5} {model.n_flow + 1:>7} {nrows:>7} {t_net:>7.2f} {t_build:>10.3f} {per * 1e3:>8.2f} "
            f"{c_run / len(pick) * 1e3:>9.2f} {total:>12}"
            f"   ({int(np.isfinite(res).sum())}/{len(res)} finite)"
        )


if __name__ == "__main__":
    main()
