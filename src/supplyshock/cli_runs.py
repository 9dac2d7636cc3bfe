"""``supplyshock runs``: list, show, export and delete recorded runs.

The group is registered on the main command line with ``main.add_command(runs)``. Every
subcommand takes ``--store PATH`` to use another store file than the default one (see
:func:`supplyshock.store.default_store_path`). A user error prints one line,
``Error: <message>``, on stderr and exits with status 2.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

import click
import pandas as pd
from rich.console import Console
from rich.table import Table

from supplyshock.cli_common import ErrorGroup
from supplyshock.store import EXPORT_FORMATS, SUMMARY_METRICS, RunStore

__all__ = ["runs"]

F = TypeVar("F", bound=Callable[..., Any])

_PIPE_WIDTH = 160
_METRIC_HEADERS = {
    "days_to_first_shortfall": "days to first\nshortfall",
    "peak_shortfall_pct": "peak\nshortfall %",
    "cumulative_shortfall_t": "cumulative\nshortfall (t)",
    "lost_output_usd": "lost output\n(USD)",
}


_RunsGroup = ErrorGroup


def _store_option(func: F) -> F:
    return click.option(
        "--store",
        "store_path",
        type=click.Path(path_type=Path, dir_okay=True),
        default=None,
        help="Run store file (default: $SUPPLYSHOCK_HOME/runs.duckdb, else ~/.local/share/supplyshock/runs.duckdb).",
    )(func)


def _console() -> Console:
    # Built per call so that output goes to the sys.stdout of the moment (CliRunner).
    console = Console(highlight=False)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        # Piped or captured output: do not squeeze tables into 80 columns.
        console = Console(highlight=False, width=_PIPE_WIDTH)
    return console


def _fmt(value: Any) -> str:
    """Format a cell for display."""
    if value is None:
        return "-"
    if isinstance(value, float):
        if math.isnan(value):
            return "-"
        return f"{value:,.4g}" if abs(value) < 1e4 else f"{value:,.0f}"
    if isinstance(value, pd.Timestamp | datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


@click.group(name="runs", cls=_RunsGroup)
def runs() -> None:
    """List, inspect, export and delete recorded runs.

    A run id may be shortened to any prefix that names a single run, as in git.
    """


@runs.command(name="list")
@_store_option
def list_cmd(store_path: Path | None) -> None:
    """List the recorded runs, newest first."""
    store = RunStore(store_path)
    frame = store.list_runs()
    console = _console()
    if frame.empty:
        console.print(f"No runs recorded in {store.path}.")
        return
    table = Table(title=f"Runs in {store.path}", title_justify="left")
    table.add_column("id", no_wrap=True, style="bold")
    table.add_column("scenario", overflow="fold")
    table.add_column("dataset", overflow="fold")
    table.add_column("members", justify="right")
    table.add_column("created (UTC)", no_wrap=True)
    table.add_column("status", overflow="fold")
    for row in frame.itertuples(index=False):
        table.add_row(
            str(row.run_id),
            str(row.scenario_name),
            str(row.dataset),
            str(row.members),
            _fmt(row.created),
            str(row.status),
        )
    console.print(table)


@runs.command(name="show")
@click.argument("run_id")
@click.option("--yaml", "show_yaml", is_flag=True, help="Also print the scenario file.")
@_store_option
def show_cmd(run_id: str, show_yaml: bool, store_path: Path | None) -> None:
    """Show the metadata and summary metrics of run RUN_ID."""
    store = RunStore(store_path)
    record = store.get_run(run_id)
    console = _console()

    meta = Table(show_header=False, title=f"Run {record['run_id']}", title_justify="left")
    meta.add_column("field", style="bold", no_wrap=True)
    meta.add_column("value", overflow="fold")
    fields: Sequence[tuple[str, Any]] = (
        ("scenario", record["scenario_name"]),
        ("scenario sha256", record["scenario_sha256"]),
        ("dataset", record["dataset"]),
        ("seed", record["seed"]),
        ("members", record["members"]),
        ("period", f"{_fmt(record['start'])} .. {_fmt(record['end'])}"),
        ("created (UTC)", _fmt(record["created"])),
        ("recorded (UTC)", _fmt(record["recorded"])),
        ("status", record["status"]),
        ("supplyshock", record["supplyshock_version"]),
        ("results", record["results_path"]),
        ("params", json.dumps(record["params"], sort_keys=True)),
    )
    for name, value in fields:
        meta.add_row(name, _fmt(value))
    console.print(meta)

    summary: pd.DataFrame = record["summary"]
    if summary.empty:
        console.print("No summary recorded.")
    else:
        table = Table(title="Summary", title_justify="left")
        for col in ("country", "sector", "statistic"):
            table.add_column(col, no_wrap=True)
        for col in SUMMARY_METRICS:
            table.add_column(_METRIC_HEADERS.get(col, col), justify="right")
        for row in summary.itertuples(index=False):
            cells = [_fmt(getattr(row, col)) for col in ("country", "sector", "statistic")]
            for col in SUMMARY_METRICS:
                value = getattr(row, col)
                if col != "days_to_first_shortfall":
                    cells.append(_fmt(value))
                elif pd.isna(value):
                    cells.append("none")
                else:
                    cells.append(f"{_fmt(value)} ({_fmt(row.first_shortfall_date)})")
            table.add_row(*cells)
        console.print(table)
    if show_yaml:
        console.print("Scenario:", style="bold")
        click.echo(record["scenario_yaml"].rstrip("\n"))


@runs.command(name="export")
@click.argument("run_id")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(EXPORT_FORMATS),
    default="csv",
    show_default=True,
    help="File format.",
)
@click.option(
    "--out",
    "out",
    type=click.Path(path_type=Path, file_okay=False),
    required=True,
    help="Output directory; receives <variable>.<format> per variable and manifest.json.",
)
@click.option(
    "--variable",
    "variables",
    multiple=True,
    help="Variable to export (repeatable); all when omitted.",
)
@_store_option
def export_cmd(run_id: str, fmt: str, out: Path, variables: tuple[str, ...], store_path: Path | None) -> None:
    """Export the results of run RUN_ID as long-form files, one per variable."""
    store = RunStore(store_path)
    written = store.export(run_id, fmt, out, variables=list(variables) or None)
    for path in written:
        click.echo(str(path))


@runs.command(name="delete")
@click.argument("run_id")
@click.option("--purge", is_flag=True, help="Also delete the run's results file.")
@click.option("--yes", "-y", "assume_yes", is_flag=True, help="Do not ask for confirmation.")
@_store_option
def delete_cmd(run_id: str, purge: bool, assume_yes: bool, store_path: Path | None) -> None:
    """Delete the record of run RUN_ID (and with --purge its results file)."""
    store = RunStore(store_path)
    full_id = store.resolve(run_id)
    if not assume_yes:
        what = f"run {full_id}" + (" and its results file" if purge else "")
        click.confirm(f"Delete {what}?", abort=True, err=True)
    store.delete_run(full_id, delete_results=purge)
    click.echo(f"Deleted run {full_id}.")
