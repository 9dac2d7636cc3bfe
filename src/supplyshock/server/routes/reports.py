"""``/api/runs/{run_id}/report``: a run's self-contained HTML report, made on first request."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse

from supplyshock.report import write_report
from supplyshock.server.problems import ERR
from supplyshock.server.routes.runs import RunIdParam
from supplyshock.server.safety import inside
from supplyshock.server.state import StateDep

__all__ = ["router"]

router = APIRouter(tags=["results"])


@router.get(
    "/api/runs/{run_id}/report",
    response_class=FileResponse,
    responses={
        200: {"content": {"text/html": {"schema": {"type": "string"}}}, "description": "The self-contained HTML report."},
        400: ERR,
        404: ERR,
        422: ERR,
    },
)
def report(run_id: RunIdParam, state: StateDep) -> FileResponse:
    """A run's self-contained HTML report (made on first request, then kept)."""
    rid = state.resolve_run(run_id)
    path = inside(state.root, "reports", f"{rid}.html")
    if not path.is_file():
        write_report(state.load(rid), path, run_id=rid)
    return FileResponse(path, media_type="text/html")
