"""``/api/scenarios`` and ``/api/validate``: the built-in scenarios, and checking scenario text."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException
from fastapi import Path as PathParam

from supplyshock.server.catalogue import builtin, read_scenario_text, scenario_info
from supplyshock.server.models import ProblemInfo, ScenarioDetail, ScenarioInfo, ValidateRequest, ValidateResponse
from supplyshock.server.problems import ERR
from supplyshock.server.routes.health import NAME_PATTERN

__all__ = ["router"]

router = APIRouter(tags=["scenarios"])


@router.get("/api/scenarios", response_model=list[ScenarioInfo])
def scenarios() -> list[dict[str, Any]]:
    """The built-in scenarios, with the values of the settings the dashboard can change."""
    return [scenario_info(sc) for sc, _ in builtin().values()]


@router.get("/api/scenarios/{name}", response_model=ScenarioDetail, responses={404: ERR, 422: ERR})
def scenario(name: Annotated[str, PathParam(pattern=NAME_PATTERN)]) -> dict[str, Any]:
    """One built-in scenario with its YAML text."""
    found = builtin().get(name)
    if found is None:
        raise HTTPException(404, f"no built-in scenario {name!r}; built-ins: {', '.join(builtin())}")
    return {**scenario_info(found[0]), "yaml": found[1]}


@router.post("/api/validate", response_model=ValidateResponse, responses={400: ERR, 413: ERR, 422: ERR})
def validate(body: ValidateRequest) -> dict[str, Any]:
    """Check a scenario: every problem with its key path, line and a hint. Nothing is run."""
    sc, problems = read_scenario_text(body.yaml)
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
