"""Options shared by several command groups (one definition each)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

__all__ = ["BACKEND", "dataset_option", "json_option", "run_store_option"]

F = TypeVar("F", bound=Callable[..., Any])

#: The ``--backend`` choices of ensemble commands.
BACKEND = click.Choice(["local", "ray"])


def dataset_option(fn: F) -> F:
    """``--dataset NAME|FOLDER`` (default :data:`~supplyshock.network.DEFAULT_DATASET`)."""
    from supplyshock.network import DEFAULT_DATASET

    return click.option("--dataset", default=DEFAULT_DATASET, show_default=True, help="Dataset name or folder.")(fn)


def run_store_option(fn: F) -> F:
    """``--store PATH``: the run store file (or a folder holding ``runs.duckdb``), as ``store_path``."""
    return click.option(
        "--store",
        "store_path",
        type=click.Path(path_type=Path),
        default=None,
        help="Run store file (default: $SUPPLYSHOCK_HOME/runs.duckdb, else ~/.local/share/supplyshock/runs.duckdb).",
    )(fn)


def json_option(fn: F) -> F:
    """``--json``: print the results as JSON instead of tables, as ``as_json``."""
    return click.option("--json", "as_json", is_flag=True, help="Print the results as JSON instead of tables.")(fn)
