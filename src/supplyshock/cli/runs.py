"""``supplyshock runs``: list, show, export, delete and check recorded runs.

Every subcommand takes ``--store PATH`` to use another store file than the default one
(see :func:`supplyshock.store.default_store_path`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import pandas as pd

from supplyshock.cli.options import run_store_option
from supplyshock.cli.output import console, group, table
from supplyshock.store import EXPORT_FORMATS, RunStore
from supplyshock.store.runs import CHANGED_STATUS

__all__ = ["runs"]


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
    """List the recorded runs, newest first (their dataset and settings: runs show ID)."""
    store = RunStore(store_path)
    frame = store.list_runs()
    out = console()
    if frame.empty:
        out.print(f"No runs recorded in {store.path}.")
        return
    shown = frame[["run_id", "scenario_name", "members", "created", "status", "owner"]].fillna({"owner": ""})
    shown = shown.assign(created=[pd.Timestamp(c).strftime("%Y-%m-%d %H:%M") for c in shown["created"]])
    headers = {"run_id": "id", "scenario_name": "scenario", "created": "created (UTC)", "owner": "recorded by", "members": "mem-\nbers"}
    widths = {"owner": 12}
    out.print(table(shown, f"Runs in {store.path}", index=False, headers=headers, max_widths=widths, no_wrap=("run_id", "created", "status")))


@runs.command(name="show")
@click.argument("run_id")
@click.option("--yaml", "show_yaml", is_flag=True, help="Also print the scenario file.")
@click.option("--top", type=click.IntRange(1, 10_000), default=15, show_default=True, help="Country-sectors shown (a cut table says how many more).")
@run_store_option
def show_cmd(run_id: str, show_yaml: bool, top: int, store_path: Path | None) -> None:
    """Show the metadata, the headline loss and who runs short in run RUN_ID."""
    store = RunStore(store_path)
    record = store.get_run(run_id)
    out = console()
    out.print(table(_metadata(record), f"Run {record['run_id']}", show_header=False, floats=_number))
    loss = _headline_loss(record)
    if loss:
        out.print(loss)
    summary: pd.DataFrame = record["summary"]
    if summary.empty:
        out.print("No summary recorded.")
    else:
        _print_summary(out, record, summary, top)
    if show_yaml:
        out.print("Scenario:", style="bold")
        click.echo(str(record["scenario_json"]).rstrip("\n"))


def _headline_loss(record: dict[str, Any]) -> str | None:
    """The recorded headline loss: value added lost, p50 with its p5-p95 band (None when the run was not valued)."""
    from supplyshock.analysis.narrative import money_bn

    totals = record.get("totals")
    if not isinstance(totals, pd.DataFrame) or totals.empty:
        return None
    rows = totals[(totals["metric"] == "value_added_lost_usd") & (totals["country"].fillna("") == "")]
    if rows.empty:
        return None
    q = {str(k): float(v) for k, v in zip(rows["statistic"], rows["value"], strict=True)}
    band = f" (p5-p95 {money_bn(q['p05'])} to {money_bn(q['p95'])} bn)" if "p05" in q and int(record["members"]) > 1 else ""
    return f"Headline: value added lost USD {money_bn(q.get('p50', float('nan')))} bn{band}, directly and through supply chains."


def _print_summary(out: Any, record: dict[str, Any], summary: pd.DataFrame, top: int) -> None:
    """Who runs short: the country-sectors with a shortfall (median member), by name, largest output at risk first."""
    from supplyshock.analysis.labels import labels_for
    from supplyshock.cli.views import top_hint

    labels = labels_for(str(record["dataset"]))
    median = summary[summary["statistic"] == summary["statistic"].iloc[0]]
    short = median[median["cumulative_shortfall_t"] > 0].sort_values(["output_at_risk_usd", "cumulative_shortfall_t"], ascending=False)
    if short.empty:
        out.print(f"Nobody runs short ({len(median)} country-sectors with demand).")
        return
    shown = short.head(top)
    rows = pd.DataFrame(
        {
            "country": [labels.country(c) for c in shown["country"]],
            "sector": [labels.sector(s) for s in shown["sector"]],
            "first short": [d.isoformat() if d is not None and not pd.isna(d) else None for d in shown["first_shortfall_date"]],
            "days\nshort": shown["days_short"].to_numpy() if "days_short" in shown else float("nan"),
            "peak\n%": shown["peak_shortfall_pct"].to_numpy(),
            "short\n(t)": shown["cumulative_shortfall_t"].to_numpy(),
        }
    ).set_index(["country", "sector"])
    title = f"Who runs short ({median['statistic'].iloc[0]} member; {len(short)} of {len(median)} country-sectors; largest output at risk first)"
    formats = {"days\nshort": ",.0f", "peak\n%": ",.0f", "short\n(t)": ",.1f"}
    out.print(table(rows, title, formats=formats, max_widths={"country": 20, "sector": 24}, no_wrap=("first short",)))
    hint = top_hint(len(shown), len(short), "country-sectors")
    if hint:
        out.print(hint.replace(" (--json lists every row)", ""))


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
