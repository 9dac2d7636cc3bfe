"""The analyst's desk: run history, a run's overview, comparisons, downloads and scenarios with new settings.

* ``GET /api/history``: the recorded runs, named after what changed, with their headline loss;
* ``GET /api/runs/{run_id}/overview``: what the dashboard draws of a run (the report's
  sentences, table and charts);
* ``GET /api/runs/{run_id}/ranking.csv|.xlsx``: who is hurt, one row per country (the
  workbook adds the sectors);
* ``GET /api/runs/{run_id}/tidy.csv|.parquet``: the daily results as one tidy table of
  several variables, units in the header, rounded;
* ``GET /api/compare`` (JSON), ``/api/compare.csv``, ``/api/compare.xlsx``,
  ``/api/compare/report`` (HTML): two or more runs against a reference;
* ``POST /api/scenarios/apply``: a scenario with new settings (schedules step by step,
  stock cover in days), named after them, as YAML to run or save.
"""

from __future__ import annotations

import io
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Annotated, Any, Literal

import pandas as pd
import xarray as xr
import yaml
from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from supplyshock.analysis.compare import RunView, compare_countries, compare_totals, comparison_long, jsonable, load_view, name_runs, run_name
from supplyshock.server.catalogue import builtin, read_scenario_text
from supplyshock.server.models import ApplyRequest, ApplyResponse, CompareResult, HistoryEntry, RunOverview
from supplyshock.server.problems import ERR, ScenarioProblems, Unprocessable
from supplyshock.server.routes.runs import RunIdParam, run_fields
from supplyshock.server.safety import RUN_ID_PATTERN, contained
from supplyshock.server.scenarios import apply_settings, cover_days
from supplyshock.server.state import ServerState, StateDep

__all__ = ["MAX_COMPARED", "router"]

#: Most runs one comparison takes.
MAX_COMPARED = 8
#: Runs listed in the history at most (newest first).
MAX_HISTORY = 200

router = APIRouter()
_ECONOMIES: OrderedDict[Path, xr.Dataset | None] = OrderedDict()
_ECONOMY_LOCK = threading.Lock()
_ONE_RUN = RUN_ID_PATTERN.strip("^$")
RunsQuery = Annotated[
    str,
    Query(
        pattern=f"^{_ONE_RUN}(,{_ONE_RUN}){{1,{MAX_COMPARED - 1}}}$",
        description=f"Run ids (or unique prefixes) separated by commas: 2 to {MAX_COMPARED}, the reference first unless 'reference' says.",
    ),
]
ReferenceQuery = Annotated[str | None, Query(pattern=RUN_ID_PATTERN, description="The reference run (default: the first listed).")]


def _economy(state: ServerState, run_id: str) -> xr.Dataset | None:
    """A run's economy from its folder (``economy.nc`` beside its results), None when it was not valued; a few kept in memory."""
    from supplyshock.analysis.pipeline import ECONOMY_FILE
    from supplyshock.store import open_results

    path = contained(state.root, state.results_path(run_id).parent / ECONOMY_FILE)
    with _ECONOMY_LOCK:
        if path in _ECONOMIES:
            _ECONOMIES.move_to_end(path)
            return _ECONOMIES[path]
    eco = open_results(path) if path.is_file() else None
    with _ECONOMY_LOCK:
        _ECONOMIES[path] = eco
        while len(_ECONOMIES) > state.config.cached_runs:
            _ECONOMIES.popitem(last=False)
    return eco


def _params(state: ServerState, run_id: str) -> dict[str, Any]:
    return dict(state.store().get_run(run_id).get("params") or {})


def _daily(state: ServerState, run_id: str) -> xr.Dataset:
    ds = state.load(run_id)
    if "shortfall" not in ds.data_vars:
        raise HTTPException(404, f"run {run_id} keeps per-member metrics only (it ran in chunks): it has no daily results to show")
    return ds


# ---------------------------------------------------------------------- history
@router.get("/api/history", response_model=list[HistoryEntry], tags=["results"])
def history(state: StateDep) -> list[dict[str, Any]]:
    """The runs this server recorded, newest first: each named after what changed, with its headline loss and band."""
    store = state.store()
    if not store.path.exists():
        return []
    out = []
    for r in store.list_runs().head(MAX_HISTORY).to_dict("records"):
        record = store.get_run(str(r["run_id"]))
        params = dict(record.get("params") or {})
        totals = record.get("totals")
        loss = None
        if isinstance(totals, pd.DataFrame) and len(totals):
            rows = totals[(totals["metric"] == "value_added_lost_usd") & (totals["country"].fillna("") == "")]
            if len(rows):
                loss = {str(k): float(v) for k, v in zip(rows["statistic"], rows["value"], strict=True)}
        out.append(
            {
                **run_fields(r),
                "name": run_name(str(r["scenario_name"]), params),
                "params": params,
                "value_added_lost_usd": loss,
            }
        )
    return out


# ---------------------------------------------------------------------- one run
@router.get("/api/runs/{run_id}/overview", response_model=RunOverview, tags=["results"], responses={400: ERR, 404: ERR, 422: ERR})
def overview(run_id: RunIdParam, state: StateDep) -> Response:
    """What the dashboard draws of a run: its name, the period, three sentences, the headline loss and band, who is hurt, the charts."""
    from supplyshock.server.summary import run_overview

    rid = state.resolve_run(run_id)

    def make() -> bytes:
        body = run_overview(_daily(state, rid), _economy(state, rid), rid, _params(state, rid))
        return RunOverview.model_validate(body).model_dump_json().encode()

    return Response(state.cached_bytes(rid, "overview", make), media_type="application/json")


def _ranking(state: ServerState, rid: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    from supplyshock.analysis.labels import labels_for
    from supplyshock.analysis.metrics import sector_products
    from supplyshock.analysis.summary import summarise
    from supplyshock.analysis.tidy import country_ranking, day_date, ranking_with_units, round_frame

    ds = _daily(state, rid)
    countries = ranking_with_units(country_ranking(ds, _economy(state, rid)), ds)
    labels = labels_for(ds)
    sectors = summarise(ds).reset_index()
    of = sector_products(ds)
    sectors.insert(1, "country_name", [labels.country(c) for c in sectors["country"]])
    sectors.insert(3, "sector_name", [labels.sector(s, short=False) for s in sectors["sector"]])
    sectors.insert(4, "material", [labels.product(of[s]) if s in of else "" for s in sectors["sector"]])
    if "first_stoppage_day" in sectors:
        sectors["first_stoppage_date"] = [day_date(ds, d) for d in sectors["first_stoppage_day"]]
    return countries, round_frame(sectors)


def _download(body: bytes, media: str, filename: str) -> Response:
    return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PARQUET = "application/vnd.apache.parquet"
LevelQuery = Annotated[
    Literal["sector", "product", "market"],
    Query(description="Rows per (date, country, sector), (date, country, product) or (date, market, product)."),
]


@router.get(
    "/api/runs/{run_id}/ranking.{fmt}",
    tags=["results"],
    response_class=Response,
    responses={
        200: {
            "content": {"text/csv": {"schema": {"type": "string"}}, XLSX: {"schema": {"type": "string", "format": "binary"}}},
            "description": "Who is hurt: one row per country, worst loss first, units in the headers (the workbook adds the sectors).",
        },
        400: ERR,
        404: ERR,
        422: ERR,
    },
)
def ranking(run_id: RunIdParam, fmt: Literal["csv", "xlsx"], state: StateDep) -> Response:
    """Who is hurt, one row per country, worst loss first: CSV, or an Excel workbook with the sectors on a second sheet."""
    from supplyshock.analysis.tidy import workbook

    rid = state.resolve_run(run_id)

    def make() -> bytes:
        countries, sectors = _ranking(state, rid)
        if fmt == "csv":
            return str(countries.to_csv(index=False)).encode()
        return workbook({"countries": countries, "sectors": sectors})

    media = "text/csv" if fmt == "csv" else XLSX
    return _download(state.cached_bytes(rid, f"ranking-{fmt}", make), media, f"{rid}-ranking.{fmt}")


@router.get(
    "/api/runs/{run_id}/tidy.{fmt}",
    tags=["results"],
    response_class=Response,
    responses={
        200: {
            "content": {"text/csv": {"schema": {"type": "string"}}, PARQUET: {"schema": {"type": "string", "format": "binary"}}},
            "description": "The daily results as one tidy table: several variables, units in the header, six significant digits.",
        },
        400: ERR,
        404: ERR,
        422: ERR,
    },
)
def tidy(
    run_id: RunIdParam,
    fmt: Literal["csv", "parquet"],
    state: StateDep,
    level: LevelQuery = "sector",
) -> Response:
    """The daily results as one tidy table of several variables (median, and p5/p95 for ensembles), units in the header, rounded."""
    from supplyshock.analysis.tidy import tidy_results

    rid = state.resolve_run(run_id)

    def make() -> bytes:
        frame = tidy_results(_daily(state, rid), level)
        if fmt == "csv":
            return str(frame.to_csv(index=False)).encode()
        buf = io.BytesIO()
        frame.to_parquet(buf, index=False)
        return buf.getvalue()

    media = "text/csv" if fmt == "csv" else PARQUET
    return _download(state.cached_bytes(rid, f"tidy-{level}-{fmt}", make), media, f"{rid}-{level}.{fmt}")


# ---------------------------------------------------------------------- comparisons
def _views(state: ServerState, runs: str, reference: str | None) -> tuple[list[RunView], int]:
    asked = [r.strip() for r in runs.split(",") if r.strip()]
    if not 2 <= len(asked) <= MAX_COMPARED:
        raise Unprocessable(f"compare takes 2 to {MAX_COMPARED} runs separated by commas; got {len(asked)}")
    ids = [state.resolve_run(r) for r in asked]
    if len(set(ids)) < len(ids):
        raise Unprocessable("the same run is listed twice")
    ref = state.resolve_run(reference) if reference else ids[0]
    if ref not in ids:
        ids.insert(0, ref)
        if len(ids) > MAX_COMPARED:
            raise Unprocessable(f"compare takes at most {MAX_COMPARED} runs, the reference included")
    views = []
    for rid in ids:
        params = _params(state, rid)
        ds = _daily(state, rid)
        view = load_view(rid, run_name(str(ds.attrs.get("scenario_name", rid)), params), state.results_path(rid), ds, params)
        view.economy = _economy(state, rid)
        views.append(view)
    r = ids.index(ref)
    name_runs(views, r)
    return views, r


@router.get("/api/compare", response_model=CompareResult, tags=["results"], responses={400: ERR, 404: ERR, 422: ERR})
def compare(runs: RunsQuery, state: StateDep, reference: ReferenceQuery = None) -> dict[str, Any]:
    """Two or more runs against a reference: each run's totals and each country's loss, with the differences, sentences and charts."""
    from supplyshock.analysis.labels import labels_for
    from supplyshock.report.compare import comparison_figures, comparison_sentences

    views, ref = _views(state, runs, reference)
    labels = labels_for(views[ref].results)
    totals = compare_totals(views, ref)
    countries = compare_countries(views, ref, labels)
    return {
        "reference": views[ref].run_id,
        "runs": jsonable(totals.reset_index()),
        "countries": jsonable(countries),
        "sentences": comparison_sentences(totals, ref),
        "figures": comparison_figures(views, totals, countries, ref, labels),
    }


@router.get(
    "/api/compare.{fmt}",
    tags=["results"],
    response_class=Response,
    responses={
        200: {
            "content": {"text/csv": {"schema": {"type": "string"}}, XLSX: {"schema": {"type": "string", "format": "binary"}}},
            "description": "The comparison as one tidy table (run, country, metric, unit, value, reference value, difference); "
            "the workbook adds runs and countries.",
        },
        400: ERR,
        404: ERR,
        422: ERR,
    },
)
def compare_download(fmt: Literal["csv", "xlsx"], runs: RunsQuery, state: StateDep, reference: ReferenceQuery = None) -> Response:
    """The comparison as a tidy CSV, or an Excel workbook (runs, countries, tidy)."""
    from supplyshock.analysis.tidy import workbook

    views, ref = _views(state, runs, reference)
    totals = compare_totals(views, ref)
    countries = compare_countries(views, ref)
    long = comparison_long(totals, countries)
    name = f"compare-{views[ref].run_id}.{fmt}"
    if fmt == "csv":
        return _download(str(long.to_csv(index=False)).encode(), "text/csv", name)
    return _download(workbook({"runs": totals.reset_index(), "countries": countries, "tidy": long}), XLSX, name)


@router.get(
    "/api/compare/report",
    response_class=Response,
    tags=["results"],
    responses={
        200: {"content": {"text/html": {"schema": {"type": "string"}}}, "description": "The self-contained comparison report."},
        400: ERR,
        404: ERR,
        422: ERR,
    },
)
def compare_report(runs: RunsQuery, state: StateDep, reference: ReferenceQuery = None) -> HTMLResponse:
    """The comparison as a self-contained HTML report."""
    from supplyshock.report.compare import render_comparison

    views, ref = _views(state, runs, reference)
    return HTMLResponse(render_comparison(views, ref), headers={"Content-Disposition": f'inline; filename="compare-{views[ref].run_id}.html"'})


# ---------------------------------------------------------------------- scenarios with new settings
@router.post("/api/scenarios/apply", response_model=ApplyResponse, tags=["scenarios"], responses={400: ERR, 404: ERR, 413: ERR, 422: ERR})
def apply(body: ApplyRequest) -> dict[str, Any]:
    """A scenario with new settings (approval schedules step by step, delay, duration, stock cover in days), named after them, as YAML."""
    if body.scenario is not None:
        found = builtin().get(body.scenario)
        if found is None:
            raise HTTPException(404, f"no built-in scenario {body.scenario!r}; built-ins: {', '.join(builtin())}")
        base = found[0]
    else:
        read, problems = read_scenario_text(body.yaml or "")
        if read is None:
            raise ScenarioProblems(problems)
        base = read
    days = cover_days(base)
    if body.cover_days is not None and days is None:
        raise Unprocessable(f"scenario {base.name!r}: its dataset keeps no cohorts of end users, so stock cover in days does not apply")
    try:
        sc = apply_settings(
            base,
            approval=body.approval,
            approval_steps=body.approval_steps,
            group_approval=body.group_approval,
            delay_days=body.delay_days,
            duration_days=body.duration_days,
            members=body.members,
            cover_days_set=body.cover_days,
        )
    except ValidationError as exc:
        raise Unprocessable(f"the settings make an invalid scenario: {' '.join(str(exc).split())[:500]}") from None
    spec = sc.model_dump(mode="json", by_alias=True, exclude_none=True)
    text = yaml.safe_dump(spec, sort_keys=False, allow_unicode=True, width=100)
    changes = sc.name[len(base.name) :].lstrip(", ").split(", ") if sc.name != base.name else []
    scale = round(float(body.cover_days) / days, 4) if body.cover_days is not None and days else None
    return {"name": sc.name, "yaml": text, "changes": changes, "cover_scale": scale, "members": sc.members}
