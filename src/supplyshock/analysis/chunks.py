"""Large ensembles in chunks: bounded memory, local or Ray backend, resumable.

Members are sampled all at once (so member *i* is the same whatever the chunking or the
backend), then simulated chunk by chunk. Each chunk is reduced at once to per-member
headline metrics plus counts of members short by each date, written to the work
directory as it finishes (atomically), and skipped when the run is started again with the
same inputs: a run killed mid-way resumes with no chunk computed twice, none lost, none
duplicated.

With ``economy=True`` each chunk also goes through the input-output model (daily output
losses of its members, then :func:`~supplyshock.analysis.economy.economic_impact`) and
keeps each member's losses summed over the horizon; :func:`ensemble_economy` gives them
back as an economy Dataset. Before any chunk runs, the ensemble's peak memory is estimated
(:mod:`supplyshock.analysis.memory`): above the budget the chunk size is lowered (and
said), or the ensemble refused when even one member per chunk would not fit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr

from supplyshock._version import __version__
from supplyshock.analysis.backends import EnsembleError, map_jobs
from supplyshock.analysis.memory import MemoryBudget, memory_budget, plan_run
from supplyshock.analysis.metrics import SHORTFALL_THRESHOLD, headline_flows, metrics_observers, observed_metrics
from supplyshock.atomic import atomic_write_bytes, atomic_write_text
from supplyshock.engine import member_values, prepare, simulate
from supplyshock.engine.results import headlines_json
from supplyshock.scenario import Scenario, scenario_sha256

__all__ = ["ECONOMY_PREFIX", "EnsembleError", "chunk_bounds", "daily_members", "ensemble_economy", "reduce_chunk", "run_ensemble"]

#: Prefix of the per-member economy variables of a chunked ensemble.
ECONOMY_PREFIX = "economy_"
#: Losses kept per member (summed over the horizon) from the input-output model.
_ECONOMY_VARS = ("output_loss_direct", "output_loss_indirect", "value_added_loss_direct", "value_added_loss_indirect")


@dataclass(frozen=True)
class _Job:
    scenario_json: str
    params: dict[str, np.ndarray]
    start: int
    stop: int
    threshold: float
    economy: bool = False


def chunk_bounds(members: int, chunk_size: int) -> list[tuple[int, int]]:
    """Member ranges [start, stop) of each chunk."""
    if chunk_size < 1:
        raise EnsembleError("chunk size must be >= 1")
    return [(s, min(s + chunk_size, members)) for s in range(0, members, chunk_size)]


def reduce_chunk(job: _Job) -> xr.Dataset:
    """Simulate one chunk of members and reduce it to metrics as it runs (runs in a worker)."""
    scenario = Scenario.model_validate_json(job.scenario_json)
    prep = prepare(scenario)
    net = prep.network
    heads = headline_flows({"headlines_json": headlines_json(net)})
    shortfall, flows = metrics_observers(heads, net.countries, net.products, threshold=job.threshold)
    params = {k: v[job.start : job.stop] for k, v in job.params.items()}
    traj = simulate(
        net,
        prep.links,
        prep.policy,
        members=job.stop - job.start,
        params=params,
        allocation=scenario.allocation,
        record=("output_loss_share",) if job.economy else (),
        observers=(shortfall, flows),
    )
    ds = observed_metrics(shortfall, flows, countries=net.countries, sectors=net.sectors, dates=prep.policy.dates, member_start=job.start)
    if params:
        names = sorted(params)
        ds["parameter_value"] = (("member", "parameter"), np.stack([params[k] for k in names], axis=1))
        ds = ds.assign_coords(parameter=names)
    if job.economy:
        from supplyshock.engine.run import label

        ds = _with_economy(ds, label(traj, prep, params))
    return ds


def _with_economy(ds: xr.Dataset, daily: xr.Dataset) -> xr.Dataset:
    """Add a chunk's losses through the input-output model, per member summed over the horizon."""
    from supplyshock.analysis.economy import economic_impact, has_values

    ds["baseline_demand"] = daily["baseline_demand"]
    ds["value_per_t"] = daily["value_per_t"]
    ds = ds.assign_coords(country_mrio_region=daily["country_mrio_region"])
    if not has_values(daily):
        return ds
    eco = economic_impact(daily)
    totals = eco[list(_ECONOMY_VARS)].sum("time")
    for name in _ECONOMY_VARS:
        ds[ECONOMY_PREFIX + name] = (("member", "eco_region", "eco_sector"), totals[name].transpose("member", "region", "sector").values)
    ds = ds.assign_coords(eco_region=eco["region"].values, eco_sector=eco["sector"].values)
    ds.attrs["economy_attrs_json"] = json.dumps({k: (v.item() if hasattr(v, "item") else v) for k, v in eco.attrs.items()})
    return ds


def ensemble_economy(ds: xr.Dataset) -> xr.Dataset | None:
    """The losses through the input-output model of a chunked ensemble, or None without them.

    Returns
    -------
    Dataset or None
        ``output_loss_direct``, ``output_loss_indirect``, ``value_added_loss_direct``,
        ``value_added_loss_indirect`` on (member, time, region, sector) with one ``time``
        step, the first day, holding the sum over the horizon (attribute ``time_total``),
        so :func:`~supplyshock.analysis.economy.economic_summary` and
        :func:`~supplyshock.analysis.economy.member_losses` read it as they read a daily one.
    """
    names = [ECONOMY_PREFIX + n for n in _ECONOMY_VARS]
    if not all(n in ds for n in names):
        return None
    eco = xr.Dataset(
        {n: (("member", "region", "sector"), ds[ECONOMY_PREFIX + n].values) for n in _ECONOMY_VARS},
        coords={"member": ds["member"].values, "region": ds["eco_region"].values, "sector": ds["eco_sector"].values},
    )
    eco = eco.expand_dims(time=ds["time"].values[:1]).transpose("member", "time", "region", "sector")
    eco.attrs.update(json.loads(str(ds.attrs.get("economy_attrs_json", "{}"))))
    eco.attrs["time_total"] = f"the single time step holds the sum over the {ds.sizes['time']} days of the horizon"
    return eco


def daily_members(
    scenario: Scenario,
    members: int,
    first: int,
    *,
    params: Mapping[str, np.ndarray | float] | None = None,
) -> xr.Dataset:
    """Daily results of the first ``first`` members of an ensemble of ``members``.

    Members are drawn all at once, as in :func:`run_ensemble`, so member *i* here is
    member *i* of the chunked ensemble: its daily paths, e.g. for the report of an
    ensemble too large to keep every member's days.

    Parameters
    ----------
    scenario : Scenario
    members : int
        The ensemble's size (the draws depend on it).
    first : int
        How many members to simulate with daily results.
    params : mapping, optional
        Fixed engine parameters, as given to :func:`run_ensemble`.

    Returns
    -------
    Dataset
        As :func:`supplyshock.engine.run.run_scenario` returns, for members ``0 .. first - 1``.
    """
    from supplyshock.engine.run import run_scenario

    k = max(1, min(int(first), int(members)))
    drawn = member_values(scenario, int(members), params)
    return run_scenario(scenario, members=k, params={name: values[:k] for name, values in drawn.items()})


def _run_key(scenario: Scenario, members: int, chunk_size: int, params: Mapping[str, np.ndarray], threshold: float, economy: bool = False) -> str:
    h = hashlib.sha256()
    h.update(scenario.model_dump_json(by_alias=True).encode())
    h.update(f"{members}|{chunk_size}|{threshold}".encode())
    if economy:
        h.update(b"|economy")
    for k in sorted(params):
        h.update(k.encode())
        h.update(np.ascontiguousarray(params[k], dtype=float).tobytes())
    return h.hexdigest()[:16]


def _read_chunk(path: Path, job: _Job) -> xr.Dataset | None:
    """A finished chunk from the work directory, or None when it is damaged or not this chunk's."""
    try:
        with xr.open_dataset(path, engine="h5netcdf") as f:
            ds = f.load()
    except Exception:  # a damaged file (h5py raises OSError, KeyError, ValueError...): compute the chunk again
        return None
    members = ds["member"].values if "member" in ds.coords else np.array([])
    if not np.array_equal(members, np.arange(job.start, job.stop)):
        return None
    return ds


def _write_atomic(ds: xr.Dataset, path: Path) -> None:
    """Write a finished chunk: its file image is made in memory, then written with plain
    file writes and renamed into place (a full disk is an error, never a crash of HDF5)."""
    atomic_write_bytes(path, bytes(ds.to_netcdf(engine="h5netcdf")))


def _combine(parts: list[xr.Dataset], members: int, scenario: Scenario) -> xr.Dataset:
    member_vars = [v for v in parts[0].data_vars if "member" in parts[0][v].dims]
    out = xr.concat([p[member_vars] for p in parts], dim="member")
    out["short_count"] = sum((p["short_count"] for p in parts[1:]), parts[0]["short_count"])
    out["short_count"].attrs = parts[0]["short_count"].attrs
    out["has_demand"] = parts[0]["has_demand"]
    for name in ("baseline_demand", "value_per_t"):
        if name in parts[0]:
            out[name] = parts[0][name]
    if "country_mrio_region" in parts[0].coords:
        out = out.assign_coords(country_mrio_region=parts[0]["country_mrio_region"])
    if "economy_attrs_json" in parts[0].attrs:
        out.attrs["economy_attrs_json"] = parts[0].attrs["economy_attrs_json"]
    out.attrs.update(
        {
            "supplyshock_version": __version__,
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "scenario_sha256": scenario_sha256(scenario),
            "scenario_name": scenario.name,
            "members": members,
            "seed": scenario.seed,
            "scenario_json": scenario.model_dump_json(by_alias=True),
            "headlines_json": parts[0].attrs.get("headlines_json", "[]"),
            "dataset": scenario.dataset_name,
            "start": scenario.start.isoformat(),
            "horizon_days": scenario.horizon_days,
        }
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
    economy: bool = False,
    budget: MemoryBudget | str | None = None,
    notice: Callable[[str], None] | None = None,
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
    economy : bool
        Also value each member's output losses through the input-output model (see
        :func:`ensemble_economy`).
    budget : MemoryBudget or str, optional
        The memory budget (see :func:`~supplyshock.analysis.memory.memory_budget`); above
        it the chunk size is lowered, or the ensemble refused.
    notice : callable(str), optional
        Told when the chunk size is lowered to fit the budget.

    Returns
    -------
    Dataset
        ``days_to_first_shortfall``, ``peak_shortfall_pct``, ``cumulative_shortfall_t``,
        ``output_at_risk_usd`` on (member, country, sector); ``short_count`` on (time,
        country, sector); ``flow_<id>`` per headline flow of the dataset; ``parameter_value``
        on (member, parameter) when parameters vary (see
        :func:`supplyshock.analysis.metrics.member_metrics`); with ``economy``, the
        members' losses through the input-output model (:func:`ensemble_economy`).

    Raises
    ------
    MemoryBudgetError
        When even chunks of one member would exceed the memory budget.
    """
    n = int(members or scenario.members)
    if chunk_size < 1:
        raise EnsembleError("chunk size must be >= 1")
    in_flight = (workers or os.cpu_count() or 1) if backend == "local" else (os.cpu_count() or 1)
    limit = budget if isinstance(budget, MemoryBudget) else memory_budget(budget)
    if limit.limit is not None:  # no budget, no estimate (e.g. sweep points, checked once by the sweep)
        plan = plan_run(scenario, n, chunk_size=min(chunk_size, n), workers=in_flight, economy=economy, budget=limit)
        if plan.note and notice is not None:
            notice(plan.note)
        chunk_size = int(plan.chunk_size or chunk_size)
    drawn = member_values(scenario, n, params)
    bounds = chunk_bounds(n, chunk_size)
    key = _run_key(scenario, n, chunk_size, drawn, threshold, economy)
    scen_json = scenario.model_dump_json(by_alias=True)
    jobs = [_Job(scen_json, drawn, a, b, threshold, economy) for a, b in bounds]
    chunk_dir: Path | None = None
    if workdir is not None:
        chunk_dir = Path(workdir) / f"ensemble-{key}"
        chunk_dir.mkdir(parents=True, exist_ok=True)
        for stale in chunk_dir.glob(".chunk-*.tmp"):  # half-written by a run that was killed
            stale.unlink(missing_ok=True)
        manifest = chunk_dir / "manifest.json"
        if not manifest.exists():
            about = {"scenario": scenario.name, "members": n, "chunk_size": chunk_size, "chunks": len(bounds), "key": key}
            atomic_write_text(manifest, json.dumps(about))
    parts: dict[int, xr.Dataset] = {}
    todo: list[int] = []
    for i in range(len(jobs)):
        path = chunk_dir / f"chunk-{i:05d}.nc" if chunk_dir else None
        found = _read_chunk(path, jobs[i]) if path is not None and path.exists() else None
        if found is not None:
            parts[i] = found
        else:
            if path is not None and path.exists() and notice is not None:
                notice(f"{path.name} in {chunk_dir} cannot be read or does not match its members: computed again")
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

    map_jobs(reduce_chunk, jobs, finish, todo=todo, backend=backend, ray_address=ray_address, workers=workers)
    return _combine([parts[i] for i in range(len(jobs))], n, scenario)
