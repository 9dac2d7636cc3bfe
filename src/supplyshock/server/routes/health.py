"""``/api/health`` and ``/api/datasets``: liveness, job capacity and the embedded datasets."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from fastapi import Path as PathParam

from supplyshock._version import __version__
from supplyshock.network import list_datasets
from supplyshock.schema import BASES
from supplyshock.server import catalogue
from supplyshock.server.models import DatasetInfo, Health, SourceRow
from supplyshock.server.problems import ERR
from supplyshock.server.state import StateDep

__all__ = ["NAME_PATTERN", "router"]

#: Names of datasets and scenarios in URLs.
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"

#: A figure's basis in a query (the vocabulary is the schema's).
BASIS_PATTERN = "^(" + "|".join(BASES) + ")$"

router = APIRouter()


@router.get("/api/health", response_model=Health, tags=["server"])
def health(state: StateDep) -> dict[str, Any]:
    """Liveness and job capacity."""
    running, queued = state.jobs.counts()
    return {
        "status": "ok",
        "version": __version__,
        "workers": state.config.workers,
        "queue_size": state.config.queue_size,
        "running": running,
        "queued": queued,
    }


@router.get("/api/datasets", response_model=list[DatasetInfo], tags=["catalogue"])
def datasets() -> list[dict[str, Any]]:
    """The embedded datasets."""
    return catalogue.datasets()


@router.get("/api/datasets/{name}/sources", response_model=list[SourceRow], tags=["catalogue"], responses={404: ERR, 422: ERR})
def dataset_sources(
    name: Annotated[str, PathParam(pattern=NAME_PATTERN)],
    basis: Annotated[str | None, Query(pattern=BASIS_PATTERN, description="One of the bases in schema.BASES.")] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
) -> list[dict[str, Any]]:
    """The source of every figure of a dataset, optionally of one basis only."""
    if name not in list_datasets():
        raise HTTPException(404, f"no dataset {name!r}; datasets: {', '.join(list_datasets())}")
    src = catalogue.dataset_sources(name)
    if basis is not None:
        src = src[src["basis"] == basis]
    return [{str(k): str(v) for k, v in r.items()} for r in src.head(limit).to_dict("records")]
