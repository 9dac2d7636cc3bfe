"""``supplyshock runs``: list, show, export, delete and check recorded runs.

Every subcommand takes ``--store PATH`` to use another store file than the default one
(see :func:`supplyshock.store.default_store_path`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

import click
import pandas as pd

from supplyshock.cli.options import run_store_option
from supplyshock.cli.output import console, group, table
from supplyshock.store import EXPORT_FORMATS, SUMMARY_METRICS, RunStore
from supplyshock.store.runs import CHANGED_STATUS

__all__ = ["runs"]

_METRIC_HEADERS = {
    "days_to_first_shortfall": "days to first\nshortfall",
    "peak_shortfall_pct": "peak\nshortfall %",
    "cumulative_shortfall_t": "cumulative\nshortfall (t)",
    "output_at_risk_usd": "lost output\n(USD)",
}


def _number(value: float) -> str:
    """Four significant digits below 10,000, whole numbers above."""
    return f"{value:,.4g}" if abs(value) < 1e4 else f"{value:,.0f}"


@group(name="runs")
def runs() -> None:
    """List, inspect, export, delete and check recorded runs.

    A run id may be shortened to any prefix that names a single run, as in git.
    """


@runs.command(name="list")
@run_store_option
def list_cmd(store_path: Path | None) -> None:
    """List the recorded runs, newest first."""
    store = RunStore(store_path)
    frame = store.list_runs()
    out = console()
    if frame.empty:
        out.print(f"No runs recorded in {store.path}.")
        return
    shown = frame[["run_id", "scenario_name", "dataset", "members", "created", "status", "owner"]].fillna({"owner": ""})
    headers = {"run_id": "id", "scenario_name": "scenario", "created": "created (UTC)", "owner": "recorded by"}
    out.print(table(shown, f"Runs in {store.path}", index=False, headers=headers))


@runs.command(name="show")
@click.argument("run_id")
@click.option("--yaml", "show_yaml", is_flag=True, help="Also print the scenario file.")
@run_store_option
def show_cmd(run_id: str, show_yaml: bool, store_path: Path | None) -> None:
    """Show the metadata and summary metrics of run RUN_ID."""
    store = RunStore(store_path)
    record = store.get_run(run_id)
    out = console()
    out.print(table(_metadata(record), f"Run {record['run_id']}", show_header=False, floats=_number))
    summary: pd.DataFrame = record["summary"]
    if summary.empty:
        out.print("No summary recorded.")
    else:
        shown = summary[["country", "sector", "statistic", *SUMMARY_METRICS]].astype(object)
        shown["days_to_first_shortfall"] = [
            "none" if pd.isna(d) else f"{_number(d)} ({date.isoformat()})"
            for d, date in zip(summary["days_to_first_shortfall"], summary["first_shortfall_date"], strict=True)
        ]
        justify: dict[str, Literal["left", "right"]] = dict.fromkeys(SUMMARY_METRICS, "right")
        out.print(table(shown, "Summary", index=False, floats=_number, headers=_METRIC_HEADERS, justify=justify))
    if show_yaml:
        out.print("Scenario:", style="bold")
        click.echo(str(record["scenario_json"]).rstrip("\n"))


def _metadata(record: dict[str, Any]) -> pd.DataFrame:
    """The run's metadata as (field, value) rows."""
    fields = {
        "scenario": record["scenario_name"],
        "scenario sha256": record["scenario_sha256"],
        "dataset": record["dataset"],
        "seed": record["seed"],
        "members": record["members"],
        "period": f"{record['start']} .. {record['end']}",
        "created (UTC)": record["created"],
        "recorded (UTC)": record["recorded"],
        "status": record["status"],
        "supplyshock": record["supplyshock_version"],
        "results": record["results_path"],
        "results sha256": record.get("results_sha256") or "(not recorded)",
        "recorded by": " ".join(str(record.get(k) or "") for k in ("owner", "origin")).strip() or "(not recorded)",
        "params": json.dumps(record["params"], sort_keys=True),
    }
    return pd.DataFrame({"value": pd.Series(fields, dtype=object)}).rename_axis("field")


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
@run_store_option
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
@run_store_option
def delete_cmd(run_id: str, purge: bool, assume_yes: bool, store_path: Path | None) -> None:
    """Delete the record of run RUN_ID (and with --purge its results file)."""
    store = RunStore(store_path)
    full_id = store.resolve(run_id)
    if not assume_yes:
        what = f"run {full_id}" + (" and its results file" if purge else "")
        click.confirm(f"Delete {what}?", abort=True, err=True)
    store.delete_run(full_id, delete_results=purge)
    click.echo(f"Deleted run {full_id}.")


@runs.command(name="check")
@click.option("--repair", is_flag=True, help="Also repair: delete records whose file is gone, mark changed ones, record missing checksums.")
@run_store_option
@click.pass_context
def check_cmd(ctx: click.Context, repair: bool, store_path: Path | None) -> None:
    """Check every run's results file against its record (exists, same checksum).

    Exit status 0 when the store is consistent (after --repair: when it has been made so),
    1 when problems remain.
    """
    store = RunStore(store_path)
    found = store.check(repair=repair)
    out = console()
    listed = store.list_runs()
    total = len(listed)
    marked = int((listed["status"] == CHANGED_STATUS).sum()) if total else 0
    if found.empty:
        also = f" ({marked} marked {CHANGED_STATUS!r}: their files changed after they were recorded; see runs list)" if marked else ""
        out.print(f"{total} run(s) in {store.path}: consistent; every recorded results file is there and unchanged{also}.")
        return
    shown = found if repair else found.drop(columns=["action"])
    out.print(table(shown, f"Problems in {store.path}", index=False, headers={"run_id": "id", "scenario_name": "scenario", "results_path": "file"}))
    if repair:
        out.print(f"Repaired {len(found)} problem(s); the store is consistent: no record points at a missing or changed file.")
        return
    click.echo(f"{len(found)} problem(s) in {total} run(s); repair with `supplyshock runs check --repair`.", err=True)
    ctx.exit(1)
