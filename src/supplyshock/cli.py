"""The ``supplyshock`` command: a thin layer over the Python API.

Every command catches supplyshock's own errors and prints one clear line (no traceback),
exiting with status 2.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
import numpy as np
import pandas as pd
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from supplyshock.errors import SupplyShockError

F = TypeVar("F", bound=Callable[..., Any])

console = Console()
err_console = Console(stderr=True)


def _handle_errors(fn: F) -> F:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except SupplyShockError as exc:
            err_console.print(f"[bold red]error:[/] {exc}", markup=True, highlight=False, soft_wrap=True)
            sys.exit(2)

    return wrapper  # type: ignore[return-value]


def _table(df: pd.DataFrame, title: str, *, floats: str = "{:,.1f}") -> Table:
    tab = Table(title=title, title_justify="left", show_lines=False)
    index_names = [str(n) for n in (df.index.names if df.index.nlevels > 1 else [df.index.name or ""])]
    for name in index_names:
        tab.add_column(name, style="bold")
    for col in df.columns:
        tab.add_column(str(col), justify="right")
    for idx, row in df.iterrows():
        keys = list(idx) if isinstance(idx, tuple) else [idx]
        cells = []
        for v in row.to_numpy():
            if isinstance(v, float | np.floating):
                cells.append("-" if not np.isfinite(v) else floats.format(v))
            else:
                cells.append(str(v))
        tab.add_row(*[str(k) for k in keys], *cells)
    return tab


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="supplyshock")
def main() -> None:
    """Simulate export controls on critical minerals: who runs short, when, by how much, at what cost."""


# ---------------------------------------------------------------------- run
@main.command()
@click.argument("scenario")
@click.option("--members", type=click.IntRange(1, 100_000), default=None, help="Ensemble members (default: the scenario's).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for results (default: ./supplyshock-out/<run id>).")
@click.option("--store", "store_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Run store file (default: $SUPPLYSHOCK_HOME/runs.duckdb).")
@click.option("--no-store", is_flag=True, help="Do not record the run in the store.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON instead of tables.")
@click.option("--top", type=click.IntRange(1, 1000), default=15, help="Rows of the shortfall table to show.")
@_handle_errors
def run(scenario: str, members: int | None, out_dir: Path | None, store_path: Path | None, no_store: bool,
        as_json: bool, top: int) -> None:
    """Run SCENARIO (a built-in name or a YAML file) and summarise who runs short."""
    from supplyshock.analysis.summary import china_exports_monthly, price_peaks, summarise
    from supplyshock.engine import run_scenario
    from supplyshock.scenario import load_scenario
    from supplyshock.store import RunStore, new_run_id, save_results

    sc = load_scenario(scenario)
    with Progress(
        TextColumn(f"[bold]{sc.name}[/]"), BarColumn(), MofNCompleteColumn(), TextColumn("days"),
        TimeElapsedColumn(), TimeRemainingColumn(), console=err_console, transient=False,
        disable=as_json,
    ) as bar:
        task = bar.add_task("simulate", total=sc.horizon_days)
        ds = run_scenario(sc, members=members, progress=lambda d: bar.update(task, completed=d))
    summary = summarise(ds)
    run_id = new_run_id()
    folder = out_dir or Path("supplyshock-out") / run_id
    folder.mkdir(parents=True, exist_ok=True)
    results_path = folder / "results.nc"
    save_results(ds, results_path)
    if not no_store:
        store = RunStore(store_path) if store_path else RunStore()
        run_id = store.record_run(ds, results_path=results_path, summary=summary.reset_index(), run_id=run_id)
    exports = china_exports_monthly(ds)
    prices = price_peaks(ds)
    if as_json:
        payload = {
            "run_id": run_id,
            "results": str(results_path),
            "summary": json.loads(summary.reset_index().to_json(orient="records")),
            "china_magnet_exports_monthly": json.loads(
                exports[["total", "baseline", "change_pct"]].set_axis(exports.index.astype(str)).to_json(orient="index")
            ),
            "price_peaks": json.loads(prices.reset_index().to_json(orient="records")),
        }
        click.echo(json.dumps(payload, indent=2))
        return
    short = summary[summary["cumulative_shortfall_t"] > 0]
    show = short.head(top)[["first_shortfall_date", "days_to_first_shortfall", "peak_shortfall_pct",
                            "cumulative_shortfall_t", "lost_output_usd"]].copy()
    show["lost_output_usd"] = show["lost_output_usd"] / 1e9
    show = show.rename(columns={"first_shortfall_date": "first short", "days_to_first_shortfall": "days",
                                "peak_shortfall_pct": "peak %", "cumulative_shortfall_t": "short (t)",
                                "lost_output_usd": "lost output (USD bn)"})
    m = ds.sizes["member"]
    note = f" (median of {m} members)" if m > 1 else ""
    if len(show):
        console.print(_table(show, f"Who runs short, worst first{note} ({len(short)} of {len(summary)} region-sectors short)"))
    else:
        console.print(f"No region or sector runs short over {sc.horizon_days} days{note}.")
    ex = exports[["total", "baseline", "change_pct"]].rename(
        columns={"total": "exports (t)", "baseline": "baseline (t)", "change_pct": "vs baseline %"})
    for col in ("USA",):
        if col in exports:
            ex.insert(1, "to USA (t)", exports[col])
    console.print(_table(ex, "China's magnet exports by month"))
    pk = prices[prices["peak_index"] > 1.001].copy()
    if len(pk):
        console.print(_table(pk, "Price peaks (index, 1 = baseline)", floats="{:,.2f}"))
    total_lost = float(summary["lost_output_usd"].sum())
    console.print(f"Total lost output: USD {total_lost / 1e9:,.1f} bn (upper bound: see docs/data.md on values per tonne)")
    console.print(f"Results: {results_path}" + ("" if no_store else f"   run id: {run_id}"))


# ---------------------------------------------------------------------- validate
@main.command()
@click.argument("file")
@_handle_errors
def validate(file: str) -> None:
    """Check a scenario FILE (or built-in name); list every problem with its line and a hint."""
    from supplyshock.scenario import validate_file

    scenario, problems = validate_file(file)
    if problems:
        for p in problems:
            err_console.print(str(p), markup=False, highlight=False, soft_wrap=True)
        err_console.print(f"{len(problems)} problem(s); nothing was run.", markup=False)
        sys.exit(2)
    assert scenario is not None
    click.echo(f"{file}: valid ({len(scenario.events)} events, {scenario.start} + {scenario.horizon_days} days)")


@main.command()
def scenarios() -> None:
    """List the built-in scenarios."""
    from supplyshock.scenario import builtin_scenarios, load_scenario

    tab = Table(title="Built-in scenarios", title_justify="left")
    tab.add_column("name", style="bold")
    tab.add_column("start")
    tab.add_column("days", justify="right")
    tab.add_column("events", justify="right")
    tab.add_column("description")
    for name in sorted(builtin_scenarios()):
        sc = load_scenario(name)
        tab.add_row(name, str(sc.start), str(sc.horizon_days), str(len(sc.events)), " ".join(sc.description.split())[:90])
    console.print(tab)


# ---------------------------------------------------------------------- data
@main.group()
def data() -> None:
    """Inspect the embedded datasets (or a folder of your own tables)."""


_dataset_opt = click.option("--dataset", default="rare-earths", show_default=True, help="Dataset name or folder.")


@data.command("show")
@_dataset_opt
@click.option("--table", "table", default=None, help="Show one table in full.")
@_handle_errors
def data_show(dataset: str, table: str | None) -> None:
    """Summarise a dataset: stages, capacities, trade, demand by sector."""
    from supplyshock.network import load_network

    net = load_network(dataset, check=False)
    if table:
        if table not in net.tables:
            raise click.BadParameter(f"unknown table {table!r}; tables: {', '.join(net.tables)}")
        df = net.tables[table].drop(columns=[c for c in net.tables[table].columns if "source" in c])
        console.print(_table(df.set_index(df.columns[0]), f"{dataset}: {table}", floats="{:,.3f}"))
        return
    console.print(f"[bold]{dataset}[/]: {len(net.countries)} countries, {len(net.products)} products, "
                  f"{len(net.processes)} processes, {len(net.sectors)} end-use sectors, {len(net.link_flow0)} trade links")
    fac = net.tables["facilities"].pivot_table(index="country", columns="process", values="output_t", aggfunc="sum", fill_value=0.0)
    console.print(_table(fac[[p for p in net.processes if p in fac.columns]], "Output by stage, t/yr (2024)", floats="{:,.0f}"))
    tr = net.tables["trade"][["exporter", "importer", "product", "flow_t", "transit_days"]]
    console.print(_table(tr.set_index(["exporter", "importer"]), "Trade links, t/yr", floats="{:,.0f}"))
    dem = net.tables["demand"].pivot_table(index="country", columns="sector", values="demand_t", aggfunc="sum", fill_value=0.0)
    console.print(_table(dem[[s for s in net.sectors if s in dem.columns]], "Magnet demand by end-use sector, t/yr", floats="{:,.0f}"))


@data.command("sources")
@_dataset_opt
@click.option("--table", "table", default=None, help="Only this table.")
@click.option("--basis", type=click.Choice(["reported", "derived", "assumption", "definition"]), default=None)
@_handle_errors
def data_sources(dataset: str, table: str | None, basis: str | None) -> None:
    """List every figure's source, with its basis (reported, derived, assumption)."""
    from supplyshock.network import load_network

    src = load_network(dataset, check=False).sources()
    if table:
        src = src[src["table"] == table]
    if basis:
        src = src[src["basis"] == basis]
    for rec in src.to_dict("records"):
        click.echo(f"{rec['table']}:{rec['key']} [{rec['basis']}] {rec['source']}")
    counts = src["basis"].value_counts().to_dict()
    click.echo(f"{len(src)} figures: " + ", ".join(f"{v} {k}" for k, v in sorted(counts.items())))


@data.command("check")
@_dataset_opt
@_handle_errors
def data_check(dataset: str) -> None:
    """Check the baseline balance: production + imports = use + exports + stock change."""
    from supplyshock.network import BALANCE_TOLERANCE, load_network

    net = load_network(dataset, check=False)
    bal = net.balance()
    show = bal[["production", "imports", "process_use", "final_use", "exports", "residual"]]
    console.print(_table(show, f"{dataset}: baseline balance per (country, product), t/yr", floats="{:,.1f}"))
    bad = bal[~bal["ok"]]
    if len(bad):
        net.check()
    click.echo(f"balanced: {len(bal)} nodes within relative tolerance {BALANCE_TOLERANCE:.0e} "
               f"(max {bal['relative'].max():.1e})")


def _register_runs() -> None:
    try:
        from supplyshock.cli_runs import runs
    except ImportError:  # pragma: no cover - the module ships with the package
        return
    main.add_command(runs)


_register_runs()


if __name__ == "__main__":  # pragma: no cover
    main(prog_name=os.path.basename(sys.argv[0]))
