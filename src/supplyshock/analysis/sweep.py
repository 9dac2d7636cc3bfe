"""Sweeps over scenario variants (a grid of event fields and parameters).

A sweep spec (YAML)::

    name: approval-x-duration
    scenario: cn-2025-april-controls
    members: 1
    axes:
      - name: approval
        path: events.cn-magnet-licence.approval
        values: [0.0, 0.25, 0.5, 0.75, 1.0]
      - name: duration_days
        path: events.cn-magnet-licence.duration_days
        values: [30, 90, 180, 365]

A ``path`` is ``events.<event id>.<field>`` (``duration_days`` sets ``end`` to ``start``
plus that many days), ``parameters.<dataset parameter>`` or ``engine.<engine
parameter>``. Every point is a scenario; its headline outputs land in the run store keyed
by the sweep and the point's values (one row per point: a point recorded twice is kept
once), so a sweep stopped mid-way, even killed, and run again computes only the missing
points. The memory of one point is estimated once, before the first point runs, against
the memory budget (:mod:`supplyshock.analysis.memory`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from supplyshock.analysis.backends import map_jobs
from supplyshock.analysis.chunks import run_ensemble
from supplyshock.analysis.memory import plan_run
from supplyshock.analysis.metrics import TOTALS, member_totals
from supplyshock.errors import ScenarioError
from supplyshock.safeyaml import load_yaml_file
from supplyshock.scenario import Scenario, load_scenario, validate_text
from supplyshock.schema import engine_parameters

__all__ = ["Axis", "SweepSpec", "load_sweep", "point_scenario", "run_sweep"]

MAX_POINTS = 10_000


class Axis(BaseModel):
    """One axis of the grid."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    path: str
    values: list[float | str] = Field(min_length=1)


class SweepSpec(BaseModel):
    """A sweep: a scenario, a grid of axes, and members per point."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    scenario: str
    members: Annotated[int, Field(ge=1, le=10_000)] = 1
    axes: list[Axis] = Field(min_length=1, max_length=4)

    @property
    def sweep_id(self) -> str:
        """Stable id of the sweep (name + content hash)."""
        return f"{self.name}-{hashlib.sha256(self.model_dump_json().encode()).hexdigest()[:10]}"


def load_sweep(path: str | Path) -> SweepSpec:
    """Read and validate a sweep spec file."""
    p = Path(path)
    data = load_yaml_file(p, what="sweep spec", error=ScenarioError)
    try:
        spec = SweepSpec.model_validate(data)
    except ValidationError as exc:
        msgs = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ScenarioError(f"{p}: {msgs}") from None
    n = int(np.prod([len(a.values) for a in spec.axes]))
    if n > MAX_POINTS:
        raise ScenarioError(f"{p}: the grid has {n} points, more than {MAX_POINTS}; use fewer values")
    if spec.scenario and not Path(spec.scenario).is_absolute() and (p.parent / spec.scenario).is_file():
        spec = spec.model_copy(update={"scenario": str(p.parent / spec.scenario)})
    return spec


def point_scenario(base: Scenario, axes: list[Axis], values: tuple[Any, ...]) -> tuple[Scenario, dict[str, float]]:
    """The scenario of one grid point and the engine parameters it sets."""
    data = json.loads(base.model_dump_json(by_alias=True))
    engine: dict[str, float] = {}
    for axis, value in zip(axes, values, strict=True):
        parts = axis.path.split(".")
        if parts[0] == "engine" and len(parts) == 2:
            if parts[1] not in engine_parameters():
                raise ScenarioError(f"axis {axis.name}: unknown engine parameter {parts[1]!r}")
            engine[parts[1]] = float(value)
        elif parts[0] == "parameters" and len(parts) == 2:
            data.setdefault("parameters", {})[parts[1]] = float(value)
        elif parts[0] == "events" and len(parts) == 3:
            events = [e for e in data["events"] if e.get("id") == parts[1]]
            if not events:
                raise ScenarioError(f"axis {axis.name}: no event with id {parts[1]!r} in scenario {base.name!r}")
            ev = events[0]
            if parts[2] == "duration_days":
                start = dt.date.fromisoformat(ev["start"])
                ev["end"] = (start + dt.timedelta(days=int(value))).isoformat()
            else:
                ev[parts[2]] = value
        else:
            raise ScenarioError(f"axis {axis.name}: path {axis.path!r} must be events.<id>.<field>, parameters.<name> or engine.<name>")
    text = yaml.safe_dump(data, sort_keys=False)
    sc, problems = validate_text(text, f"sweep point {dict(zip([a.name for a in axes], values, strict=True))}")
    if sc is None:
        raise ScenarioError("; ".join(str(p) for p in problems))
    return sc, engine


def run_sweep(
    spec: SweepSpec,
    *,
    store: Any,
    backend: str = "local",
    ray_address: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    on_point: Callable[[dict[str, Any]], None] | None = None,
) -> pd.DataFrame:
    """Run every missing point of a sweep and return the whole grid from the store.

    Parameters
    ----------
    spec : SweepSpec
    store : RunStore
        Where points are recorded (keyed by ``spec.sweep_id`` and the point's values).
    backend : {"local", "ray"}
        With ``ray`` the points run as Ray tasks.
    on_point : callable, optional
        Called with each point's values when it has been computed.

    Raises
    ------
    MemoryBudgetError
        When one point would need more memory than the budget (nothing is run).
    """
    base = load_scenario(spec.scenario)
    plan_run(base, spec.members, chunk_size=spec.members, economy=False)  # every point has the base's sizes
    grid = list(itertools.product(*[a.values for a in spec.axes]))
    names = [a.name for a in spec.axes]
    done_df = store.sweep_points(spec.sweep_id)
    done = set()
    if len(done_df):
        done = {json.dumps({n: r[n] for n in names}, sort_keys=True, default=str) for r in done_df.to_dict("records")}
    todo = []
    for values in grid:
        point = dict(zip(names, values, strict=True))
        if json.dumps(point, sort_keys=True, default=str) not in done:
            sc, engine = point_scenario(base, spec.axes, values)
            todo.append((point, sc, engine))
    total, count = len(grid), len(grid) - len(todo)
    if progress:
        progress(count, total)

    def record(point: dict[str, Any], metrics: dict[str, float]) -> None:
        nonlocal count
        store.record_sweep_point(spec.sweep_id, point, metrics, scenario_name=base.name, members=spec.members)
        count += 1
        if on_point:
            on_point(point)
        if progress:
            progress(count, total)

    jobs = [(sc.model_dump_json(by_alias=True), engine, spec.members) for _point, sc, engine in todo]
    map_jobs(_point_job, jobs, lambda i, metrics: record(todo[i][0], metrics), backend=backend, ray_address=ray_address, workers=1)
    out = store.sweep_points(spec.sweep_id)
    return out[[*names, *[c for c in out.columns if c not in names]]]


def _point_job(job: tuple[str, dict[str, float], int]) -> dict[str, float]:
    return _point_metrics(*job)


def _point_metrics(scenario_json: str, engine: dict[str, float], members: int) -> dict[str, float]:
    sc = Scenario.model_validate_json(scenario_json)
    ens = run_ensemble(sc, members=members, params=engine or None, chunk_size=max(members, 1), budget="none")  # checked once by run_sweep
    vals = member_totals(ens)
    out: dict[str, float] = {}
    for name in TOTALS:
        v = vals[name].to_numpy(dtype=float)
        out[name] = float(np.median(v))
        if members > 1:
            out[f"{name}_p5"] = float(np.percentile(v, 5))
            out[f"{name}_p95"] = float(np.percentile(v, 95))
    return out
