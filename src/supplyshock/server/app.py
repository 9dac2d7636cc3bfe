"""The FastAPI application: REST API, run jobs, results, reports and the dashboard.

Everything the server writes or reads on behalf of a request lives in its data
directory: the run store ``runs.duckdb``, results ``results/<run id>.nc`` and reports
``reports/<run id>.html``. Scenarios come from the built-in list or from request text;
a scenario may only use an embedded dataset (never a folder path).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import json
import threading
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import pandas as pd
import xarray as xr
from fastapi import FastAPI, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response, StreamingResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from supplyshock.errors import SupplyShockError
from supplyshock.server.jobs import Job, JobManager, QueueFull
from supplyshock.server.models import (
    MAX_MEMBER_DAYS,
    MAX_YAML_CHARS,
    DatasetInfo,
    ErrorResponse,
    Health,
    JobInfo,
    ProblemInfo,
    RunInfo,
    RunRequest,
    RunSummary,
    ScenarioDetail,
    ScenarioInfo,
    SourceRow,
    ValidateRequest,
    ValidateResponse,
)
from supplyshock.server.safety import MAX_BODY_BYTES, RUN_ID_PATTERN, BodySizeLimit, UnsafeInput, check_run_id, check_yaml, inside
from supplyshock.server.scenarios import SettingError, apply_settings, key_parameters

__all__ = ["CSV_VARIABLES", "ServerConfig", "ServerState", "create_app"]

#: Variables the CSV endpoint exports.
CSV_VARIABLES: tuple[str, ...] = (
    "shortfall",
    "demand",
    "delivered",
    "lost_output",
    "inventory",
    "production",
    "imports",
    "exports",
    "final_use",
    "release",
    "process_use",
    "price_index",
    "trade",
)
CsvVariable = Literal[
    "shortfall",
    "demand",
    "delivered",
    "lost_output",
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
_JOB_ID_PATTERN = r"^[0-9a-f]{32}$"
RunIdParam = Annotated[str, PathParam(pattern=RUN_ID_PATTERN, description="A run id or a unique prefix of one.")]
_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
_ERR: dict[str, Any] = {"model": ErrorResponse}
#: Most bytes of encoded answers (summaries, CSV) kept in memory.
_MAX_ENCODED_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True)
class ServerConfig:
    """Settings of a server.

    Attributes
    ----------
    data_dir
        The only directory the server reads or writes for requests.
    workers
        Jobs that may run at once.
    queue_size
        Jobs that may wait; a further run request is answered 429.
    max_body_bytes
        Largest request body (413 beyond).
    cached_runs
        Results datasets kept in memory for fast queries.
    max_member_days
        Most members x simulated days of one run (422 beyond).
    sse_timeout
        Seconds a progress stream stays open at most.
    """

    data_dir: Path
    workers: int = 2
    queue_size: int = 8
    max_body_bytes: int = MAX_BODY_BYTES
    cached_runs: int = 8
    sse_timeout: float = 3600.0
    max_member_days: int = MAX_MEMBER_DAYS


@dataclass
class ServerState:
    """What a running server holds: its config, run store, jobs and caches."""

    config: ServerConfig
    jobs: JobManager
    store_lock: threading.Lock = field(default_factory=threading.Lock)
    cache_lock: threading.Lock = field(default_factory=threading.Lock)
    datasets: OrderedDict[str, xr.Dataset] = field(default_factory=OrderedDict)
    summaries: dict[tuple[str, bool], dict[str, Any]] = field(default_factory=dict)
    encoded: dict[tuple[str, str], bytes] = field(default_factory=dict)
    known_runs: set[str] = field(default_factory=set)

    @property
    def root(self) -> Path:
        """The data directory, resolved."""
        return self.config.data_dir.resolve()

    def store(self) -> Any:
        """Return the server's run store (``runs.duckdb`` in the data directory)."""
        from supplyshock.store import RunStore

        return RunStore(inside(self.root, "runs.duckdb"))

    def resolve_run(self, run_id: str) -> str:
        """Return the full id of a run of this server, or raise 404."""
        check_run_id(run_id)
        if run_id in self.known_runs:
            return run_id
        store = self.store()
        if not store.path.exists():
            raise HTTPException(404, f"no run {run_id}: this server has recorded no runs yet")
        try:
            with self.store_lock:
                full = str(store.resolve(run_id))
        except SupplyShockError as exc:
            raise HTTPException(404, " ".join(str(exc).split())) from None
        self.known_runs.add(full)
        return full

    def results_path(self, run_id: str) -> Path:
        """Return the results file of a run, checked to lie in the data directory."""
        path = inside(self.root, "results", f"{run_id}.nc")
        if not path.is_file():
            raise HTTPException(404, f"results of run {run_id} are missing from the data directory")
        return path

    def load(self, run_id: str) -> xr.Dataset:
        """Return a run's results, from the cache when possible."""
        with self.cache_lock:
            if run_id in self.datasets:
                self.datasets.move_to_end(run_id)
                return self.datasets[run_id]
        from supplyshock.store import open_results

        try:
            ds = open_results(self.results_path(run_id))
        except SupplyShockError as exc:
            raise HTTPException(404, " ".join(str(exc).split())) from None
        self.remember(run_id, ds)
        return ds

    def remember(self, run_id: str, ds: xr.Dataset) -> None:
        """Keep a run's results in the cache (the oldest leave beyond ``cached_runs``)."""
        with self.cache_lock:
            self.known_runs.add(run_id)
            self.datasets[run_id] = ds
            self.datasets.move_to_end(run_id)
            while len(self.datasets) > self.config.cached_runs:
                old, _ = self.datasets.popitem(last=False)
                for key in [k for k in self.summaries if k[0] == old]:
                    del self.summaries[key]
                for key2 in [k for k in self.encoded if k[0] == old]:
                    del self.encoded[key2]

    def cached_bytes(self, run_id: str, what: str, make: Callable[[], bytes]) -> bytes:
        """Return an encoded answer about a run, made once while the run stays cached."""
        with self.cache_lock:
            found = self.encoded.get((run_id, what))
        if found is not None:
            return found
        body = make()
        with self.cache_lock:
            if run_id in self.datasets:
                self.encoded[(run_id, what)] = body
                while sum(len(b) for b in self.encoded.values()) > _MAX_ENCODED_BYTES and len(self.encoded) > 1:
                    del self.encoded[next(iter(self.encoded))]
        return body


@functools.lru_cache(maxsize=1)
def _builtin() -> dict[str, tuple[Any, str]]:
    """Built-in scenarios by name: (Scenario, YAML text)."""
    from supplyshock.scenario import builtin_scenarios, load_scenario

    out: dict[str, tuple[Any, str]] = {}
    for name, path in sorted(builtin_scenarios().items()):
        out[name] = (load_scenario(name), path.read_text(encoding="utf-8"))
    return out


@functools.lru_cache(maxsize=1)
def _datasets() -> list[dict[str, Any]]:
    """The embedded datasets, described once."""
    from supplyshock.network import list_datasets, load_network

    out = []
    for name in list_datasets():
        net = load_network(name, check=False)
        counts = net.sources()["basis"].astype(str).value_counts()
        out.append(
            {
                "name": name,
                "countries": list(net.countries),
                "products": list(net.products),
                "sectors": list(net.sectors),
                "sources": {str(k): int(v) for k, v in counts.items()},
            }
        )
    return out


@functools.lru_cache(maxsize=4)
def _sources(name: str) -> pd.DataFrame:
    from supplyshock.network import load_network

    return load_network(name, check=False).sources()


def _scenario_info(scenario: Any) -> dict[str, Any]:
    return {
        "name": scenario.name,
        "description": " ".join(scenario.description.split()),
        "dataset": scenario.dataset,
        "start": scenario.start.isoformat(),
        "horizon_days": int(scenario.horizon_days),
        "members": int(scenario.members),
        "events": len(scenario.events),
        "parameters": key_parameters(scenario),
    }


def _problems(problems: list[Any]) -> list[ProblemInfo]:
    return [ProblemInfo(path=p.path, line=p.line, message=p.message, hint=p.hint) for p in problems]


def _validate_text(text: str) -> tuple[Any, list[ProblemInfo]]:
    """Validate scenario text safely: (Scenario or None, problems)."""
    from supplyshock.network import list_datasets
    from supplyshock.scenario import validate_text

    try:
        check_yaml(text, list_datasets(), max_chars=MAX_YAML_CHARS)
    except UnsafeInput as exc:
        return None, [ProblemInfo(path="", message=str(exc))]
    try:
        scenario, problems = validate_text(text, "scenario")
    except (SupplyShockError, ValueError, TypeError, KeyError, RecursionError) as exc:
        return None, [ProblemInfo(path="", message=f"cannot read the scenario: {' '.join(str(exc).split())}")]
    return scenario, _problems(problems)


def _error(status: int, detail: str, problems: list[ProblemInfo] | None = None) -> JSONResponse:
    body = ErrorResponse(detail=detail, problems=problems or [])
    return JSONResponse(body.model_dump(), status_code=status)


def _summary(state: ServerState, run_id: str, series: bool) -> dict[str, Any]:
    key = (run_id, series)
    with state.cache_lock:
        if key in state.summaries:
            return state.summaries[key]
    from supplyshock.analysis.summary import price_peaks
    from supplyshock.report.data import band_series, country_names, dates_iso, headline, price_series, ranked_shortfalls

    ds = state.load(run_id)
    with state.store_lock:
        record = state.store().get_run(run_id)
    names = country_names(str(ds.attrs.get("dataset", "")))
    ranked = ranked_shortfalls(ds, names)
    peaks = price_peaks(ds).reset_index()
    peaks = peaks[peaks["peak_index"] > 1.001]
    out: dict[str, Any] = {
        "run_id": run_id,
        "scenario": str(ds.attrs.get("scenario_name", "")),
        "dataset": str(ds.attrs.get("dataset", "")),
        "members": int(ds.sizes["member"]),
        "created": str(ds.attrs.get("created", "")),
        "params": dict(record.get("params") or {}),
        "headline": headline(ds, ranked),
        "ranked": ranked,
        "price_peaks": json.loads(peaks.to_json(orient="records")),
        "dates": [],
        "series": {},
    }
    if series:
        final = str(ds["product"].values[-1])
        out["dates"] = dates_iso(ds)
        out["series"] = {
            "shortfall_region": band_series(ds, "shortfall", "country"),
            "lost_output_region": band_series(ds, "lost_output", "country", cumulative=True),
            "stocks_final": band_series(ds, "inventory", "country", select={"product": final}),
            "prices": {k: v for k, v in price_series(ds).items() if k.endswith("/" + final)},
        }
    with state.cache_lock:
        state.summaries[key] = out
    return out


def _work(state: ServerState, scenario: Any, params: dict[str, float], request: dict[str, Any]) -> Callable[[Job], str]:
    def work(job: Job) -> str:
        from supplyshock.analysis.summary import summarise
        from supplyshock.engine import run
        from supplyshock.store import new_run_id, save_results

        ds = run(scenario, members=scenario.members, params=params or None, progress=job.report)
        run_id = new_run_id()
        path = inside(state.root, "results", f"{run_id}.nc")
        save_results(ds, path)
        with state.store_lock:
            run_id = state.store().record_run(
                ds, results_path=path, summary=summarise(ds).reset_index(), params={**request, "job_id": job.job_id}, run_id=run_id
            )
        state.remember(run_id, ds)
        return str(run_id)

    return work


def create_app(config: ServerConfig | None = None, **settings: Any) -> FastAPI:
    """Make the supplyshock web application.

    Parameters
    ----------
    config
        Server settings; or give them as keyword arguments (``data_dir`` is needed).
    **settings
        Fields of :class:`ServerConfig`, when ``config`` is not given.

    Returns
    -------
    fastapi.FastAPI
        The application; its job workers start with the first run request and stop when
        the application shuts down.

    Examples
    --------
    >>> from fastapi.testclient import TestClient  # doctest: +SKIP
    >>> client = TestClient(create_app(data_dir="/tmp/ss"))  # doctest: +SKIP
    >>> client.get("/api/scenarios").json()[0]["name"]  # doctest: +SKIP
    'baseline'
    """
    from supplyshock import __version__

    if config is None:
        if "data_dir" not in settings:
            raise TypeError("create_app needs a ServerConfig or data_dir=...")
        settings["data_dir"] = Path(settings["data_dir"]).expanduser()
        config = ServerConfig(**settings)
    config = dataclasses.replace(config, data_dir=Path(config.data_dir).expanduser())
    config.data_dir.mkdir(parents=True, exist_ok=True)
    state = ServerState(config=config, jobs=JobManager(config.workers, config.queue_size))

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await asyncio.to_thread(state.jobs.shutdown)

    app = FastAPI(
        title="supplyshock",
        version=__version__,
        description=(
            "Run export-control scenarios on critical-mineral supply chains and fetch who runs short, when, "
            "by how much and at what cost. Runs are jobs: POST /api/runs, follow /api/jobs/{job_id} "
            "(or its /events stream), then fetch /api/runs/{run_id}/summary, results.csv, results.nc or report."
        ),
        lifespan=lifespan,
    )
    app.state.supplyshock = state
    app.add_middleware(BodySizeLimit, max_bytes=config.max_body_bytes)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else json.dumps(exc.detail)
        if exc.status_code == 400 and detail == "There was an error parsing the body":
            detail = "the request body could not be read: send JSON text (UTF-8) with Content-Type: application/json"
        response = _error(exc.status_code, detail)
        for k, v in (exc.headers or {}).items():
            response.headers[k] = v
        if exc.status_code == 405:
            # Starlette names only the first route matching the path; name every method of every route
            allowed: set[str] = set()
            for route in app.router.routes:
                match, _ = route.matches(request.scope)
                if match != Match.NONE:
                    allowed |= set(getattr(route, "methods", None) or ())
            response.headers["Allow"] = ", ".join(sorted(allowed))
            response.body = response.render(
                ErrorResponse(detail=f"method {request.method} is not allowed here; allowed: {', '.join(sorted(allowed))}").model_dump()
            )
            response.headers["content-length"] = str(len(response.body))
        return response

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [ProblemInfo(path=".".join(str(p) for p in e.get("loc", ())), message=str(e.get("msg", "invalid"))) for e in exc.errors()]
        detail = "; ".join(f"{p.path}: {p.message}" for p in problems)[:2000] or "invalid request"
        return _error(422, f"invalid request: {detail}", problems)

    @app.exception_handler(ScenarioProblems)
    async def scenario_problems(request: Request, exc: ScenarioProblems) -> JSONResponse:
        return _error(422, str(exc), exc.problems)

    @app.exception_handler(UnsafeInput)
    async def unsafe_input(request: Request, exc: UnsafeInput) -> JSONResponse:
        return _error(400, str(exc))

    # ------------------------------------------------------------------ pages
    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def dashboard() -> HTMLResponse:
        from supplyshock.server.dashboard import DASHBOARD_HTML

        return HTMLResponse(DASHBOARD_HTML)

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return Response(status_code=204)

    @app.get("/static/plotly.min.js", include_in_schema=False)
    def plotly_bundle() -> Response:
        from supplyshock.report import plotly_js

        return Response(plotly_js(), media_type="text/javascript", headers={"Cache-Control": "public, max-age=86400"})

    # ------------------------------------------------------------------ catalogue
    @app.get("/api/health", response_model=Health, tags=["server"])
    def health() -> dict[str, Any]:
        """Liveness and job capacity."""
        running, queued = state.jobs.counts()
        return {
            "status": "ok",
            "version": __version__,
            "workers": config.workers,
            "queue_size": config.queue_size,
            "running": running,
            "queued": queued,
        }

    @app.get("/api/datasets", response_model=list[DatasetInfo], tags=["catalogue"])
    def datasets() -> list[dict[str, Any]]:
        """The embedded datasets."""
        return _datasets()

    @app.get("/api/datasets/{name}/sources", response_model=list[SourceRow], tags=["catalogue"], responses={404: _ERR, 422: _ERR})
    def dataset_sources(
        name: Annotated[str, PathParam(pattern=_NAME_PATTERN)],
        basis: Annotated[Literal["assumption", "derived", "reported", "definition"] | None, Query()] = None,
        limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
    ) -> list[dict[str, Any]]:
        """The source of every figure of a dataset, optionally of one basis only."""
        from supplyshock.network import list_datasets

        if name not in list_datasets():
            raise HTTPException(404, f"no dataset {name!r}; datasets: {', '.join(list_datasets())}")
        src = _sources(name)
        if basis is not None:
            src = src[src["basis"] == basis]
        return [{str(k): str(v) for k, v in r.items()} for r in src.head(limit).to_dict("records")]

    @app.get("/api/scenarios", response_model=list[ScenarioInfo], tags=["scenarios"])
    def scenarios() -> list[dict[str, Any]]:
        """The built-in scenarios, with the values of the settings the dashboard can change."""
        return [_scenario_info(sc) for sc, _ in _builtin().values()]

    @app.get("/api/scenarios/{name}", response_model=ScenarioDetail, tags=["scenarios"], responses={404: _ERR, 422: _ERR})
    def scenario(name: Annotated[str, PathParam(pattern=_NAME_PATTERN)]) -> dict[str, Any]:
        """One built-in scenario with its YAML text."""
        found = _builtin().get(name)
        if found is None:
            raise HTTPException(404, f"no built-in scenario {name!r}; built-ins: {', '.join(_builtin())}")
        return {**_scenario_info(found[0]), "yaml": found[1]}

    @app.post("/api/validate", response_model=ValidateResponse, tags=["scenarios"], responses={400: _ERR, 413: _ERR, 422: _ERR})
    def validate(body: ValidateRequest) -> dict[str, Any]:
        """Check a scenario: every problem with its key path, line and a hint. Nothing is run."""
        sc, problems = _validate_text(body.yaml)
        if sc is None:
            return {"valid": False, "problems": problems or [ProblemInfo(path="", message="invalid scenario")]}
        return {
            "valid": True,
            "problems": [],
            "name": sc.name,
            "start": sc.start.isoformat(),
            "horizon_days": int(sc.horizon_days),
            "events": len(sc.events),
        }

    # ------------------------------------------------------------------ jobs
    @app.post("/api/runs", response_model=JobInfo, status_code=202, tags=["runs"], responses={400: _ERR, 404: _ERR, 413: _ERR, 422: _ERR, 429: _ERR})
    def start_run(body: RunRequest) -> dict[str, Any]:
        """Start a run as a job; answers at once with the job (202), or 429 when the queue is full."""
        if body.scenario is not None:
            found = _builtin().get(body.scenario)
            if found is None:
                raise HTTPException(404, f"no built-in scenario {body.scenario!r}; built-ins: {', '.join(_builtin())}")
            base = found[0]
        else:
            base, problems = _validate_text(body.yaml or "")
            if base is None:
                raise ScenarioProblems(problems)
        try:
            sc = apply_settings(base, approval=body.approval, delay_days=body.delay_days, duration_days=body.duration_days, members=body.members)
        except SettingError as exc:
            raise _Unprocessable(str(exc)) from None
        except ValidationError as exc:
            raise _Unprocessable(f"the settings make an invalid scenario: {' '.join(str(exc).split())[:500]}") from None
        if sc.members * sc.horizon_days > config.max_member_days:
            raise _Unprocessable(
                f"{sc.members} members x {sc.horizon_days} days is more than this server runs "
                f"({config.max_member_days} member-days); use fewer members"
            )
        request = body.model_dump(exclude_none=True, exclude={"yaml"})
        request["scenario"] = sc.name
        params = {"cover_scale": float(body.cover_scale)} if body.cover_scale is not None else {}
        try:
            job = state.jobs.submit(sc.name, sc.horizon_days, _work(state, sc, params, request), request)
        except QueueFull as exc:
            raise HTTPException(429, str(exc), headers={"Retry-After": "5"}) from None
        return job.as_dict()

    @app.get("/api/jobs", response_model=list[JobInfo], tags=["runs"])
    def jobs() -> list[dict[str, Any]]:
        """Every job this server knows, oldest first."""
        return [j.as_dict() for j in state.jobs.list()]

    def _job(job_id: str) -> Job:
        job = state.jobs.get(job_id)
        if job is None:
            raise HTTPException(404, f"no job {job_id}")
        return job

    @app.get("/api/jobs/{job_id}", response_model=JobInfo, tags=["runs"], responses={404: _ERR, 422: _ERR})
    def job_status(job_id: Annotated[str, PathParam(pattern=_JOB_ID_PATTERN)]) -> dict[str, Any]:
        """A job's status and progress (poll this, or stream /events)."""
        return _job(job_id).as_dict()

    @app.get(
        "/api/jobs/{job_id}/events",
        tags=["runs"],
        response_class=StreamingResponse,
        responses={
            200: {
                "content": {"text/event-stream": {"schema": {"type": "string"}}},
                "description": "Server-sent events named 'progress', each with the job's JSON status; the stream ends when the job has.",
            },
            404: _ERR,
            422: _ERR,
        },
    )
    async def job_events(job_id: Annotated[str, PathParam(pattern=_JOB_ID_PATTERN)]) -> StreamingResponse:
        """Stream a job's progress as server-sent events until it is done, failed or cancelled."""
        job = _job(job_id)

        async def stream() -> AsyncIterator[bytes]:
            seen = -1
            deadline = time.monotonic() + config.sse_timeout
            last_sent = time.monotonic()
            while time.monotonic() < deadline:
                if job.version != seen:
                    seen = job.version
                    info = job.as_dict()
                    yield f"event: progress\ndata: {json.dumps(info)}\n\n".encode()
                    last_sent = time.monotonic()
                    if info["status"] in ("done", "failed", "cancelled"):
                        return
                elif time.monotonic() - last_sent > 15:
                    yield b": keep-alive\n\n"
                    last_sent = time.monotonic()
                await asyncio.sleep(0.1)

        return StreamingResponse(stream(), media_type="text/event-stream", headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    # ------------------------------------------------------------------ results
    @app.get("/api/runs", response_model=list[RunInfo], tags=["results"])
    def runs() -> list[dict[str, Any]]:
        """The runs recorded by this server, newest first."""
        store = state.store()
        if not store.path.exists():
            return []
        with state.store_lock:
            table = store.list_runs()
        out = []
        for r in table.to_dict("records"):
            out.append(
                {
                    "run_id": str(r["run_id"]),
                    "scenario_name": str(r["scenario_name"]),
                    "dataset": str(r["dataset"]),
                    "members": int(r["members"]),
                    "start": str(pd.Timestamp(r["start"]).date()),
                    "end": str(pd.Timestamp(r["end"]).date()),
                    "created": str(r["created"]),
                    "status": str(r["status"]),
                }
            )
        return out

    @app.get("/api/runs/{run_id}/summary", response_model=RunSummary, tags=["results"], responses={400: _ERR, 404: _ERR, 422: _ERR})
    def run_summary(run_id: RunIdParam, series: Annotated[bool, Query(description="Include daily series for charts.")] = True) -> Response:
        """Headline figures, who runs short when, price peaks and (optionally) the dashboard's daily series."""
        rid = state.resolve_run(run_id)

        def make() -> bytes:
            return RunSummary.model_validate(_summary(state, rid, series)).model_dump_json().encode()

        return Response(state.cached_bytes(rid, f"summary-{series}", make), media_type="application/json")

    @app.get(
        "/api/runs/{run_id}/results.csv",
        tags=["results"],
        response_class=Response,
        responses={
            200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "One variable in long form."},
            400: _ERR,
            404: _ERR,
            422: _ERR,
        },
    )
    def results_csv(run_id: RunIdParam, variable: Annotated[CsvVariable, Query()] = "shortfall") -> Response:
        """One variable of a run's results as CSV (one column per dimension, then the value)."""
        rid = state.resolve_run(run_id)

        def make() -> bytes:
            ds = state.load(rid)
            frame = ds[variable].to_dataframe(name=variable).reset_index()
            dims = [str(d) for d in ds[variable].dims]
            coords = [str(c) for c in frame.columns if str(c) not in dims and str(c) != variable]
            return str(frame[[*dims, *coords, variable]].to_csv(index=False)).encode()

        return Response(
            state.cached_bytes(rid, f"csv-{variable}", make),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{rid}-{variable}.csv"'},
        )

    @app.get(
        "/api/runs/{run_id}/results.nc",
        tags=["results"],
        response_class=FileResponse,
        responses={
            200: {
                "content": {"application/x-netcdf": {"schema": {"type": "string", "format": "binary"}}},
                "description": "The full results (netCDF4/HDF5).",
            },
            400: _ERR,
            404: _ERR,
            422: _ERR,
        },
    )
    def results_nc(run_id: RunIdParam) -> FileResponse:
        """A run's full results as a netCDF file."""
        rid = state.resolve_run(run_id)
        return FileResponse(state.results_path(rid), media_type="application/x-netcdf", filename=f"{rid}.nc")

    @app.get(
        "/api/runs/{run_id}/report",
        tags=["results"],
        response_class=FileResponse,
        responses={
            200: {"content": {"text/html": {"schema": {"type": "string"}}}, "description": "The self-contained HTML report."},
            400: _ERR,
            404: _ERR,
            422: _ERR,
        },
    )
    def report(run_id: RunIdParam) -> FileResponse:
        """A run's self-contained HTML report (made on first request, then kept)."""
        from supplyshock.report import write_report

        rid = state.resolve_run(run_id)
        path = inside(state.root, "reports", f"{rid}.html")
        if not path.is_file():
            write_report(state.load(rid), path, run_id=rid)
        return FileResponse(path, media_type="text/html")

    return app


class _Unprocessable(HTTPException):
    """A request whose fields are well-formed but do not fit the scenario (422)."""

    def __init__(self, detail: str) -> None:
        super().__init__(status_code=422, detail=detail)


class ScenarioProblems(Exception):
    """Scenario text in a request has problems (answered 422 with each problem)."""

    def __init__(self, problems: list[ProblemInfo]) -> None:
        self.problems = problems or [ProblemInfo(path="", message="invalid scenario")]
        detail = f"the scenario has {len(self.problems)} problem(s): " + "; ".join(
            f"{p.path + ': ' if p.path else ''}{p.message}" for p in self.problems[:5]
        )
        super().__init__(detail[:2000])
