"""``/``: the dashboard page (``templates/dashboard.html``) and ``/static/...``: its files.

The page loads plotly.js from the server itself (``/static/plotly.min.js``, the bundle of
the installed plotly package), so it works without internet access; its script and
style are ``static/dashboard.js`` and ``static/dashboard.css``; ``/static/analyst.js`` (the
"who is hurt" table, charts with empty states and PNG/SVG export) is the report's own.
"""

from __future__ import annotations

import functools
from importlib import resources

import jinja2
from fastapi import APIRouter, HTTPException
from fastapi.responses import HTMLResponse, Response

from supplyshock._version import __version__
from supplyshock.report import plotly_js
from supplyshock.server.models import MAX_MEMBERS
from supplyshock.server.state import StateDep

__all__ = ["STATIC_FILES", "router"]

#: The files served under ``/static/``, with their media types.
STATIC_FILES: dict[str, str] = {
    "plotly.min.js": "text/javascript",
    "analyst.js": "text/javascript",
    "dashboard.js": "text/javascript",
    "dashboard.css": "text/css",
}
_CACHE = {"Cache-Control": "public, max-age=86400"}

router = APIRouter(include_in_schema=False)


@functools.lru_cache(maxsize=1)
def _templates() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.PackageLoader("supplyshock.server", "templates"), autoescape=True, undefined=jinja2.StrictUndefined)


@functools.lru_cache(maxsize=4)
def _page(default_scenario: str) -> str:
    return _templates().get_template("dashboard.html").render(version=__version__, default_scenario=default_scenario, max_members=MAX_MEMBERS)


@functools.lru_cache(maxsize=len(STATIC_FILES))
def _static(name: str) -> str:
    if name == "plotly.min.js":
        return plotly_js()
    if name == "analyst.js":  # shared with the report: one implementation of the table and the charts' export
        return resources.files("supplyshock.report").joinpath("templates", name).read_text(encoding="utf-8")
    return resources.files("supplyshock.server").joinpath("static", name).read_text(encoding="utf-8")


@router.get("/", response_class=HTMLResponse)
def dashboard(state: StateDep) -> HTMLResponse:
    """The dashboard page."""
    return HTMLResponse(_page(state.config.default_scenario))


@router.get("/favicon.ico")
def favicon() -> Response:
    """No icon."""
    return Response(status_code=204)


@router.get("/static/{name}")
def static(name: str) -> Response:
    """One of the :data:`STATIC_FILES` (kept by browsers for a day)."""
    media_type = STATIC_FILES.get(name)
    if media_type is None:
        raise HTTPException(404, f"no static file {name[:80]!r}")
    return Response(_static(name), media_type=media_type, headers=_CACHE)
