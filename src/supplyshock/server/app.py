"""The FastAPI application factory: settings, state, guards, error answers and the routers.

The routes live in :mod:`supplyshock.server.routes`, one router per resource; what a
running server holds (run store, jobs, caches) in :mod:`supplyshock.server.state`; how
errors are answered in :mod:`supplyshock.server.problems`.

Every request passes, from the outside in: CORS (only when ``cors_origins`` are
configured; closed by default), the per-client rate limit, the token check (when the
server has a token), the body size limit, then the routes. See ``docs/security.md``.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from supplyshock._version import __version__
from supplyshock.analysis.memory import MemoryBudgetError
from supplyshock.errors import StoreError, SupplyShockError
from supplyshock.server.jobs import JobManager
from supplyshock.server.problems import error_response, install_error_handlers
from supplyshock.server.routes import ROUTERS
from supplyshock.server.safety import BodySizeLimit, RateLimit, TokenAuth, redact
from supplyshock.server.state import ServerConfig, ServerState

__all__ = ["DESCRIPTION", "create_app"]

#: The API's description in its OpenAPI schema.
DESCRIPTION = (
    "Run export-control scenarios on critical-mineral supply chains and fetch who runs short, when, "
    "by how much and at what cost. Runs are jobs: POST /api/runs, follow /api/jobs/{job_id} "
    "(or its /events stream), then fetch /api/runs/{run_id}/summary, results.csv, results.nc or report."
)


def _config(config: ServerConfig | None, settings: dict[str, Any]) -> ServerConfig:
    if config is None:
        if "data_dir" not in settings:
            raise TypeError("create_app needs a ServerConfig or data_dir=...")
        config = ServerConfig(**{**settings, "data_dir": Path(settings["data_dir"])})
    return dataclasses.replace(config, data_dir=Path(config.data_dir).expanduser())


def create_app(config: ServerConfig | None = None, **settings: Any) -> FastAPI:
    """Make the supplyshock web application.

    Parameters
    ----------
    config
        Server settings; or give them as keyword arguments (``data_dir`` is needed).
    **settings
        Fields of :class:`~supplyshock.server.state.ServerConfig`, when ``config`` is not
        given.

    Returns
    -------
    fastapi.FastAPI
        The application; its job workers start with the first run request and stop when
        the application shuts down. Its state is ``app.state.supplyshock``.

    Examples
    --------
    >>> from fastapi.testclient import TestClient  # doctest: +SKIP
    >>> client = TestClient(create_app(data_dir="/tmp/ss"))  # doctest: +SKIP
    >>> client.get("/api/scenarios").json()[0]["name"]  # doctest: +SKIP
    'baseline'
    """
    config = _config(config, settings)
    config.data_dir.mkdir(parents=True, exist_ok=True)
    state = ServerState(config=config, jobs=JobManager(config.workers, config.queue_size))

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await asyncio.to_thread(state.jobs.shutdown)

    app = FastAPI(title="supplyshock", version=__version__, description=DESCRIPTION, lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.supplyshock = state
    # the last added is the outermost
    app.add_middleware(BodySizeLimit, max_bytes=config.max_body_bytes)
    app.add_middleware(TokenAuth, token=config.token)
    app.add_middleware(RateLimit, per_minute=config.rate_per_minute, runs_per_minute=config.runs_per_minute)
    if config.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(config.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "X-Supplyshock-Token"],
        )
    for router in ROUTERS:
        app.include_router(router)
    install_error_handlers(app, ROUTERS)
    _install_package_errors(app, state)
    return app


def _install_package_errors(app: FastAPI, state: ServerState) -> None:
    """Answer the package's own errors escaping a route (never a 500, never a server path)."""

    @app.exception_handler(MemoryBudgetError)
    async def too_big(request: Request, exc: MemoryBudgetError) -> JSONResponse:
        return error_response(422, redact(str(exc), state.root))

    @app.exception_handler(StoreError)
    async def store_unavailable(request: Request, exc: StoreError) -> JSONResponse:
        response = error_response(503, f"the run store cannot be used now: {redact(' '.join(str(exc).split()), state.root)}")
        response.headers["Retry-After"] = "5"
        return response

    @app.exception_handler(SupplyShockError)
    async def bad_input(request: Request, exc: SupplyShockError) -> JSONResponse:
        return error_response(422, redact(" ".join(str(exc).split()), state.root))
