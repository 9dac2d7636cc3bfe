"""Runs: ``POST /api/runs`` starts a job, ``/api/jobs`` follows it, ``/api/runs/...`` serves its results.

Large answers stream: ``results.csv`` is written block by block from the results file,
``results.nc`` is sent from the file. A job runs its scenario through the one run pipeline
(:func:`supplyshock.analysis.pipeline.execute`: run, summary, save, record), into the
folder ``results/<job id>/`` of the data directory and the server's run store, exactly
as the command line and the Python API run theirs.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable, Hashable, Iterator, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

import pandas as pd
import xarray as xr
from fastapi import APIRouter, HTTPException, Query
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, Response, StreamingResponse
from pydantic import ValidationError

from supplyshock.analysis import pipeline
from supplyshock.analysis.memory import plan_run
from supplyshock.scenario import Scenario
from supplyshock.server.catalogue import builtin, read_scenario_text
from supplyshock.server.jobs import Job, QueueFull
from supplyshock.server.models import JobInfo, RunInfo, RunRequest, RunSummary
from supplyshock.server.problems import ERR, ScenarioProblems, Unprocessable
from supplyshock.server.safety import RUN_ID_PATTERN, inside
from supplyshock.server.scenarios import apply_settings
from supplyshock.server.state import ServerState, StateDep
from supplyshock.server.summary import run_summary as summarise_run
from supplyshock.store.results import long_blocks

__all__ = ["CSV_VARIABLES", "RunIdParam", "router"]

#: Variables the CSV endpoint exports.
CsvVariable = Literal[
    "shortfall",
    "demand",
    "delivered",
    "output_at_risk",
    "inventory",
    "production",
    "imports",
    "exports",
    "final_use",
    "release",
    "process_use",
    "price_index",
    "trade",
]
CSV_VARIABLES: tuple[str, ...] = get_args(CsvVariable)
RunIdParam = Annotated[str, PathParam(pattern=RUN_ID_PATTERN, description="A run id or a unique prefix of one.")]
JobIdParam = Annotated[str, PathParam(pattern=r"^[0-9a-f]{32}$")]
#: Seconds between keep-alive comments on a quiet progress stream.
KEEP_ALIVE_SECONDS = 15.0

router = APIRouter()


# ---------------------------------------------------------------------- starting a run
def _base_scenario(body: RunRequest) -> Scenario:
    """The built-in scenario named, or the scenario text given (422 with its problems)."""
    if body.scenario is not None:
        found = builtin().get(body.scenario)
        if found is None:
            raise HTTPException(404, f"no built-in scenario {body.scenario!r}; built-ins: {', '.join(builtin())}")
        return found[0]
    scenario, problems = read_scenario_text(body.yaml or "")
    if scenario is None:
        raise ScenarioProblems(problems)
    return scenario


def _scenario_to_run(body: RunRequest, max_member_days: int) -> Scenario:
    """The scenario with the request's settings (a setting that does not apply is a ConsistencyError: 422)."""
    base = _base_scenario(body)
    try:
        sc = apply_settings(base, approval=body.approval, delay_days=body.delay_days, duration_days=body.duration_days, members=body.members)
    except ValidationError as exc:
        raise Unprocessable(f"the settings make an invalid scenario: {' '.join(str(exc).split())[:500]}") from None
    if sc.members * sc.horizon_days > max_member_days:
        raise Unprocessable(
            f"{sc.members} members x {sc.horizon_days} days is more than this server runs ({max_member_days} member-days); use fewer members"
        )
    return sc


def _work(state: ServerState, scenario: Scenario, params: dict[str, float], label: dict[str, Any]) -> Callable[[Job], str]:
    """The job: the run pipeline into ``results/<job id>/`` and the server's store."""

    def work(job: Job) -> str:
        request = pipeline.RunRequest(
            scenario=scenario,
            members=scenario.members,
            params=params or None,
            out_dir=inside(state.root, "results", job.job_id),
            store=state.store(),
            label={**label, "job_id": job.job_id},
            memory_budget=state.config.run_budget(),
        )
        outcome = pipeline.execute(request, progress=job.report)
        state.remember(outcome.run_id, outcome.results, outcome.results_path)
        return outcome.run_id

    return work


@router.post("/api/runs", response_model=JobInfo, status_code=202, tags=["runs"], responses={400: ERR, 404: ERR, 413: ERR, 422: ERR, 429: ERR})
def start_run(body: RunRequest, state: StateDep) -> dict[str, Any]:
    """Start a run as a job; answers at once with the job (202), 429 when the queue is full,
    422 when the run would need more memory than the server's budget allows."""
    sc = _scenario_to_run(body, state.config.max_member_days)
    plan_run(sc, sc.members, chunk_size=None, economy=True, budget=state.config.run_budget())  # MemoryBudgetError: 422
    label = body.model_dump(exclude_none=True, exclude={"yaml"})
    label["scenario"] = sc.name
    params = {"cover_scale": float(body.cover_scale)} if body.cover_scale is not None else {}
    try:
        job = state.jobs.submit(sc.name, sc.horizon_days, _work(state, sc, params, label), label)
    except QueueFull as exc:
        raise HTTPException(429, str(exc), headers={"Retry-After": "5"}) from None
    return job.as_dict()


# ---------------------------------------------------------------------- jobs
@router.get("/api/jobs", response_model=list[JobInfo], tags=["runs"])
def jobs(state: StateDep) -> list[dict[str, Any]]:
    """Every job this server knows, oldest first."""
    return [j.as_dict() for j in state.jobs.list()]


def _job(state: ServerState, job_id: str) -> Job:
    job = state.jobs.get(job_id)
    if job is None:
        raise HTTPException(404, f"no job {job_id}")
    return job


@router.get("/api/jobs/{job_id}", response_model=JobInfo, tags=["runs"], responses={404: ERR, 422: ERR})
def job_status(job_id: JobIdParam, state: StateDep) -> dict[str, Any]:
    """A job's status and progress (poll this, or stream /events)."""
    return _job(state, job_id).as_dict()


async def _progress_events(job: Job, timeout: float) -> AsyncIterator[bytes]:
    """Server-sent ``progress`` events on every change of the job, until it ends (or ``timeout`` seconds)."""
    seen = -1
    deadline = time.monotonic() + timeout
    last_sent = time.monotonic()
    while time.monotonic() < deadline:
        if job.version != seen:
            seen = job.version
            info = job.as_dict()
            yield f"event: progress\ndata: {json.dumps(info)}\n\n".encode()
            last_sent = time.monotonic()
            if info["status"] in ("done", "failed", "cancelled"):
                return
        elif time.monotonic() - last_sent > KEEP_ALIVE_SECONDS:
            yield b": keep-alive\n\n"
            last_sent = time.monotonic()
        await asyncio.sleep(0.1)


@router.get(
    "/api/jobs/{job_id}/events",
    tags=["runs"],
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
            "description": "Server-sent events named 'progress', each with the job's JSON status; the stream ends when the job has.",
        },
        404: ERR,
        422: ERR,
    },
)
async def job_events(job_id: JobIdParam, state: StateDep) -> StreamingResponse:
    """Stream a job's progress as server-sent events until it is done, failed or cancelled."""
    job = _job(state, job_id)
    return StreamingResponse(
        _progress_events(job, state.config.sse_timeout),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


# ---------------------------------------------------------------------- recorded runs and their results
def run_fields(r: Mapping[Hashable, Any]) -> dict[str, Any]:
    """The fields of a run-store row every listing of runs shows (RunInfo, HistoryEntry)."""
    return {
        "run_id": str(r["run_id"]),
        "scenario_name": str(r["scenario_name"]),
        "dataset": str(r["dataset"]),
        "members": int(r["members"]),
        "start": str(pd.Timestamp(r["start"]).date()),
        "end": str(pd.Timestamp(r["end"]).date()),
        "created": str(r["created"]),
        "status": str(r["status"]),
    }


@router.get("/api/runs", response_model=list[RunInfo], tags=["results"])
def runs(state: StateDep) -> list[dict[str, Any]]:
    """The runs recorded by this server, newest first."""
    store = state.store()
    if not store.path.exists():
        return []
    return [run_fields(r) for r in store.list_runs().to_dict("records")]


@router.get("/api/runs/{run_id}/summary", response_model=RunSummary, tags=["results"], responses={400: ERR, 404: ERR, 422: ERR})
def run_summary(
    run_id: RunIdParam, state: StateDep, series: Annotated[bool, Query(description="Include daily series for charts.")] = True
) -> Response:
    """Headline figures, who runs short when, price peaks and (optionally) the dashboard's daily series."""
    rid = state.resolve_run(run_id)

    def summary() -> dict[str, Any]:
        params = dict(state.store().get_run(rid).get("params") or {})
        return summarise_run(state.load(rid), rid, params, series=series)

    def make() -> bytes:
        return RunSummary.model_validate(state.cached_summary(rid, series, summary)).model_dump_json().encode()

    return Response(state.cached_bytes(rid, f"summary-{series}", make), media_type="application/json")


@router.get(
    "/api/runs/{run_id}/results.csv",
    tags=["results"],
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "One variable in long form (streamed)."},
        400: ERR,
        404: ERR,
        422: ERR,
    },
)
def results_csv(run_id: RunIdParam, state: StateDep, variable: Annotated[CsvVariable, Query()] = "shortfall") -> StreamingResponse:
    """One variable of a run's results as CSV (one column per dimension, then the value).

    Streamed from the results file in blocks of about :data:`CSV_BLOCK_ROWS` rows, so a
    large variable is never built in memory.
    """
    rid = state.resolve_run(run_id)
    path = state.results_path(rid)
    try:
        with xr.open_dataset(path, engine="h5netcdf") as ds:
            found = variable in ds.data_vars and {"member", "time"} <= set(ds[variable].dims)
    except OSError as exc:
        raise HTTPException(404, f"results of run {rid} cannot be read: {state.redact(str(exc))}") from None
    if not found:
        raise HTTPException(404, f"run {rid} has no daily variable {variable!r} (a run in chunks keeps per-member metrics only)")
    return StreamingResponse(
        csv_blocks(path, variable),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{rid}-{variable}.csv"'},
    )


#: Rows of CSV made at once by :func:`csv_blocks`.
CSV_BLOCK_ROWS = 20_000


def csv_blocks(path: Path, variable: str, rows: int = CSV_BLOCK_ROWS) -> Iterator[bytes]:
    """A daily variable of a results file as CSV text, block by block (members, then days).

    Parameters
    ----------
    path
        The results file.
    variable
        A variable with ``member`` and ``time`` dimensions.
    rows
        About how many rows one block holds.

    Yields
    ------
    bytes
        The header with the first block, then further blocks; together the same text as
        the whole variable's long table (``to_dataframe``) written at once.
    """
    with xr.open_dataset(path, engine="h5netcdf") as ds:
        for i, frame in enumerate(long_blocks(ds[variable], variable, rows)):
            yield frame.to_csv(index=False, header=i == 0).encode()


@router.get(
    "/api/runs/{run_id}/results.nc",
    tags=["results"],
    response_class=FileResponse,
    responses={
        200: {
            "content": {"application/x-netcdf": {"schema": {"type": "string", "format": "binary"}}},
            "description": "The full results (netCDF4/HDF5).",
        },
        400: ERR,
        404: ERR,
        422: ERR,
    },
)
def results_nc(run_id: RunIdParam, state: StateDep) -> FileResponse:
    """A run's full results as a netCDF file."""
    rid = state.resolve_run(run_id)
    return FileResponse(state.results_path(rid), media_type="application/x-netcdf", filename=f"{rid}.nc")
