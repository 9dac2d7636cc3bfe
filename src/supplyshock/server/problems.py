"""Error answers: every error is JSON ``{"detail": ..., "problems": [...]}`` with a 4xx status.

:func:`install_error_handlers` maps what routes raise to answers:

* HTTP errors (404, 405 with every allowed method, 413, 429 ...) keep their status;
* request validation errors are 422, one problem per field;
* :class:`ScenarioProblems` (scenario text with problems) is 422 with each problem;
* :class:`~supplyshock.errors.ConsistencyError` (e.g. a setting that does not apply to the
  scenario) is 422;
* :class:`~supplyshock.server.safety.UnsafeInput` (a path or text the server refuses) is 400.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute, Match

from supplyshock.errors import ConsistencyError
from supplyshock.server.models import ErrorResponse, ProblemInfo
from supplyshock.server.safety import UnsafeInput, redact

__all__ = ["ERR", "ScenarioProblems", "Unprocessable", "error_response", "install_error_handlers"]

#: The documented body of an error answer (for ``responses={status: ERR}``).
ERR: dict[str, Any] = {"model": ErrorResponse}


class Unprocessable(HTTPException):
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


def error_response(status: int, detail: str, problems: list[ProblemInfo] | None = None) -> JSONResponse:
    """An error answer with its status (absolute paths taken out of its messages)."""
    shown = [p.model_copy(update={"message": redact(p.message)}) for p in problems or []]
    body = ErrorResponse(detail=redact(detail), problems=shown)
    return JSONResponse(body.model_dump(), status_code=status)


def _allowed_methods(routes: Iterable[BaseRoute], request: Request) -> list[str]:
    """Every method of every route matching the request's path (Starlette names only the first route's)."""
    allowed: set[str] = set()
    for route in routes:
        match, _ = route.matches(request.scope)
        if match != Match.NONE:
            allowed |= set(getattr(route, "methods", None) or ())
    return sorted(allowed)


def install_error_handlers(app: FastAPI, routers: Iterable[APIRouter] = ()) -> None:
    """Answer every error the routes raise as JSON (see the module's description).

    Parameters
    ----------
    app
        The application.
    routers
        The routers it includes (without prefix): a 405 answer names every method their
        routes allow for the path.
    """
    routes = [*app.router.routes, *(route for router in routers for route in router.routes)]

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else json.dumps(exc.detail)
        if exc.status_code == 400 and detail == "There was an error parsing the body":
            detail = "the request body could not be read: send JSON text (UTF-8) with Content-Type: application/json"
        if exc.status_code == 405:
            allowed = _allowed_methods(routes, request)
            response = error_response(405, f"method {request.method} is not allowed here; allowed: {', '.join(allowed)}")
            response.headers["Allow"] = ", ".join(allowed)
            return response
        response = error_response(exc.status_code, detail)
        for k, v in (exc.headers or {}).items():
            response.headers[k] = v
        return response

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [ProblemInfo(path=".".join(str(p) for p in e.get("loc", ())), message=str(e.get("msg", "invalid"))) for e in exc.errors()]
        detail = "; ".join(f"{p.path}: {p.message}" for p in problems)[:2000] or "invalid request"
        return error_response(422, f"invalid request: {detail}", problems)

    @app.exception_handler(ScenarioProblems)
    async def scenario_problems(request: Request, exc: ScenarioProblems) -> JSONResponse:
        return error_response(422, str(exc), exc.problems)

    @app.exception_handler(ConsistencyError)
    async def inconsistent(request: Request, exc: ConsistencyError) -> JSONResponse:
        return error_response(422, " ".join(str(exc).split()))

    @app.exception_handler(UnsafeInput)
    async def unsafe_input(request: Request, exc: UnsafeInput) -> JSONResponse:
        return error_response(400, str(exc))
