"""Large ensembles in chunks: bounded memory, local or Ray backend, resumable.

Members are sampled all at once (so member *i* is the same whatever the chunking or the
backend), then simulated chunk by chunk. Each chunk is reduced at once to per-member
headline metrics plus counts of members short by each date, written to the work
directory as it finishes (atomically), and skipped when the run is started again with the
same inputs: a run killed mid-way resumes with no chunk computed twice, none lost, none
duplicated.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from supplyshock.analysis.summary import SHORTFALL_THRESHOLD
from supplyshock.engine.compile import build_links, compile_policy
from supplyshock.engine.run import member_parameters
from supplyshock.engine.simulate import simulate
from supplyshock.errors import SupplyShockError
from supplyshock.network import load_network
from supplyshock.scenario import Scenario, apply_overrides

__all__ = ["EnsembleError", "chunk_bounds", "reduce_chunk", "run_ensemble"]


class EnsembleError(SupplyShockError):
    """An ensemble cannot run (bad backend, unreachable cluster, stale work directory)."""


@dataclass(frozen=True)
class _Job:
    scenario_json: str
    params: dict[str, np.ndarray]
    start: int
    stop: int
    threshold: float


def chunk_bounds(members: int, chunk_size: int) -> list[tuple[int, int]]:
    """Member ranges [start, stop) of each chunk."""
    if chunk_size < 1:
        raise EnsembleError("chunk size must be >= 1")
    return [(s, min(s + chunk_size, members)) for s in range(0, members, chunk_size)]


def reduce_chunk(job: _Job) -> xr.Dataset:
    """Simulate one chunk of members and reduce it to metrics (runs in a worker)."""
    scenario = Scenario.model_validate_json(job.scenario_json)
    net = apply_overrides(load_network(scenario.dataset), scenario)
    links = build_links(net)
    policy = compile_policy(net, scenario, links)
    n = job.stop - job.start
    params = {k: v[job.start : job.stop] for k, v in job.params.items()}
    traj = simulate(net, links, policy, members=n, params=params, allocation=scenario.allocation, record=(), metrics_threshold=job.threshold)
    a = traj.arrays
    first = np.where(a["first_shortfall_day"] >= 0, a["first_shortfall_day"], np.nan).astype(float)
    months = policy.dates.astype("datetime64[M]")
    umonths, inv = np.unique(months, return_inverse=True)
    monthly = np.zeros((n, umonths.size))
    np.add.at(monthly.T, inv, a["china_magnet_exports"].T)
    member = np.arange(job.start, job.stop)
    dims_ms = ("member", "country", "sector")
    ds = xr.Dataset(
        {
            "days_to_first_shortfall": (dims_ms, first),
            "peak_shortfall_pct": (dims_ms, a["peak_shortfall_ratio"] * 100),
            "cumulative_shortfall_t": (dims_ms, a["cumulative_shortfall"]),
            "lost_output_usd": (dims_ms, a["cumulative_lost_output"]),
            "short_count": (("time", "country", "sector"), a["short_count"]),
            "china_magnet_exports_t": (("member", "month"), monthly),
        },
        coords={
            "member": member,
            "country": net.countries,
            "sector": net.sectors,
            "time": policy.dates.astype("datetime64[ns]"),
            "month": umonths.astype("datetime64[ns]"),
        },
    )
    if params:
        names = sorted(params)
        ds["parameter_value"] = (("member", "parameter"), np.stack([params[k] for k in names], axis=1))
        ds = ds.assign_coords(parameter=names)
    return ds


def _run_key(scenario: Scenario, members: int, chunk_size: int, params: Mapping[str, np.ndarray], threshold: float) -> str:
    h = hashlib.sha256()
    h.update(scenario.model_dump_json(by_alias=True).encode())
    h.update(f"{members}|{chunk_size}|{threshold}".encode())
    for k in sorted(params):
        h.update(k.encode())
        h.update(np.ascontiguousarray(params[k], dtype=float).tobytes())
    return h.hexdigest()[:16]


def _write_atomic(ds: xr.Dataset, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    ds.to_netcdf(tmp, engine="h5netcdf")
    os.replace(tmp, path)


def _combine(parts: list[xr.Dataset], members: int, scenario: Scenario) -> xr.Dataset:
    member_vars = [v for v in parts[0].data_vars if "member" in parts[0][v].dims]
    out = xr.concat([p[member_vars] for p in parts], dim="member")
    out["short_count"] = sum((p["short_count"] for p in parts[1:]), parts[0]["short_count"])
    out["shortfall_probability"] = out["short_count"] / members
    out["shortfall_probability"].attrs = {"units": "1", "description": "share of members short on or before the date"}
    out.attrs.update(
        {"scenario_name": scenario.name, "members": members, "seed": scenario.seed, "scenario_yaml": scenario.model_dump_json(by_alias=True)}
    )
    if out.sizes["member"] != members or not np.array_equal(out["member"].values, np.arange(members)):
        raise EnsembleError("chunks do not cover every member exactly once; delete the work directory and rerun")
    return out


def run_ensemble(
    scenario: Scenario,
    *,
    members: int | None = None,
    params: Mapping[str, np.ndarray | float] | None = None,
    chunk_size: int = 500,
    backend: str = "local",
    ray_address: str | None = None,
    workdir: Path | None = None,
    threshold: float = SHORTFALL_THRESHOLD,
    progress: Callable[[int, int], None] | None = None,
    on_chunk: Callable[[int], None] | None = None,
    workers: int | None = None,
) -> xr.Dataset:
    """Run an ensemble in chunks and return per-member metrics and shortfall probabilities.

    Parameters
    ----------
    scenario : Scenario
        Its ``uncertain`` parameters are sampled for every member (seeded).
    members : int, optional
        Ensemble size (default: ``scenario.members``).
    params : mapping, optional
        Fixed engine parameters (scalars or arrays of shape (members,)); override samples.
    chunk_size : int
        Members simulated at once; bounds memory (about 0.35 MB per member for 365 days).
    backend : {"local", "ray"}
        ``ray`` sends chunks to a Ray cluster (``ray_address``; ``None`` starts a local one).
    workdir : Path, optional
        Where finished chunks are written; a rerun with the same inputs reuses them.
    progress : callable(done, total), optional
    on_chunk : callable(index), optional
        Called when a chunk has been *computed* (not when it is reused).
    workers : int, optional
        Processes of the local backend (default: one per CPU, at most one per chunk).

    Returns
    -------
    Dataset
        ``days_to_first_shortfall``, ``peak_shortfall_pct``, ``cumulative_shortfall_t``,
        ``lost_output_usd`` on (member, country, sector); ``china_magnet_exports_t`` on
        (member, month); ``shortfall_probability`` on (time, country, sector);
        ``parameter_value`` on (member, parameter) when parameters vary.
    """
    n = int(members or scenario.members)
    drawn = member_parameters(scenario, n)
    drawn.update({k: np.broadcast_to(np.asarray(v, dtype=float), (n,)).copy() for k, v in (params or {}).items()})
    bounds = chunk_bounds(n, chunk_size)
    key = _run_key(scenario, n, chunk_size, drawn, threshold)
    scen_json = scenario.model_dump_json(by_alias=True)
    jobs = [_Job(scen_json, drawn, a, b, threshold) for a, b in bounds]
    chunk_dir: Path | None = None
    if workdir is not None:
        chunk_dir = Path(workdir) / f"ensemble-{key}"
        chunk_dir.mkdir(parents=True, exist_ok=True)
        for stale in chunk_dir.glob(".chunk-*.tmp"):  # half-written by a run that was killed
            stale.unlink(missing_ok=True)
        manifest = chunk_dir / "manifest.json"
        if not manifest.exists():
            manifest.write_text(json.dumps({"scenario": scenario.name, "members": n, "chunk_size": chunk_size, "chunks": len(bounds), "key": key}))
    parts: dict[int, xr.Dataset] = {}
    todo: list[int] = []
    for i in range(len(jobs)):
        path = chunk_dir / f"chunk-{i:05d}.nc" if chunk_dir else None
        if path is not None and path.exists():
            with xr.open_dataset(path, engine="h5netcdf") as f:
                parts[i] = f.load()
        else:
            todo.append(i)
    done = len(parts)
    if progress:
        progress(done, len(jobs))

    def finish(i: int, ds: xr.Dataset) -> None:
        nonlocal done
        if chunk_dir is not None:
            _write_atomic(ds, chunk_dir / f"chunk-{i:05d}.nc")
            with open(chunk_dir / "computed.log", "a", encoding="utf-8") as fh:
                fh.write(f"{i}\n")
        if on_chunk:
            on_chunk(i)
        parts[i] = ds
        done += 1
        if progress:
            progress(done, len(jobs))

    if backend == "local":
        n_workers = min(workers or os.cpu_count() or 1, len(todo))
        if n_workers <= 1:
            for i in todo:
                finish(i, reduce_chunk(jobs[i]))
        else:
            import multiprocessing as mp
            from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

            with ProcessPoolExecutor(n_workers, mp_context=mp.get_context("fork")) as pool:
                running = {pool.submit(reduce_chunk, jobs[i]): i for i in todo}
                while running:
                    ready, _ = wait(list(running), return_when=FIRST_COMPLETED)
                    for fut in ready:
                        finish(running.pop(fut), fut.result())
    elif backend == "ray":
        _run_ray(jobs, todo, finish, ray_address)
    else:
        raise EnsembleError(f"unknown backend {backend!r}; use 'local' or 'ray'")
    return _combine([parts[i] for i in range(len(jobs))], n, scenario)


def _check_reachable(address: str, timeout: float = 3.0) -> None:
    """Fail fast (instead of Ray's long retries) when nothing listens at host:port."""
    import socket

    host, _, port = address.rpartition(":")
    try:
        with socket.create_connection((host or "127.0.0.1", int(port)), timeout=timeout):
            return
    except (OSError, ValueError) as exc:
        raise EnsembleError(
            f"cannot reach the Ray cluster at {address!r} ({exc}); start it with `ray start --head` or drop --ray-address to start a local cluster"
        ) from None


def _run_ray(jobs: list[_Job], todo: list[int], finish: Callable[[int, xr.Dataset], None], address: str | None) -> None:
    try:
        import ray
    except ImportError:
        raise EnsembleError("the ray backend needs Ray: pip install 'supplyshock[ray]'") from None
    started_here = False
    if address and address != "auto" and not address.startswith("ray://"):
        _check_reachable(address)
    if not ray.is_initialized():
        try:
            if address:
                ray.init(address=address, ignore_reinit_error=True, log_to_driver=False)
            else:
                ray.init(ignore_reinit_error=True, log_to_driver=False, include_dashboard=False, num_cpus=os.cpu_count())
        except Exception as exc:  # ray raises ConnectionError, RuntimeError, ... depending on the failure
            raise EnsembleError(
                f"cannot connect to the Ray cluster at {address!r}: {str(exc).splitlines()[0]}; "
                "start it with `ray start --head` or drop --ray-address for a local cluster"
            ) from None
        started_here = True
    try:
        remote = ray.remote(reduce_chunk)
        pending: dict[Any, int] = {remote.remote(jobs[i]): i for i in todo}
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1)
            for ref in ready:
                i = pending.pop(ref)
                finish(i, ray.get(ref))
    finally:
        if started_here and address is None:
            ray.shutdown()
