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

# tables are wide; when output is not a terminal (pipes, CI logs) do not cut them to 80 columns
console = Console(width=None if sys.stdout.isatty() else 160)
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
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for results (default: ./supplyshock-out/<run id>).",
)
@click.option(
    "--store",
    "store_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Run store file (default: $SUPPLYSHOCK_HOME/runs.duckdb).",
)
@click.option("--no-store", is_flag=True, help="Do not record the run in the store.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON instead of tables.")
@click.option("--top", type=click.IntRange(1, 1000), default=15, help="Rows of the shortfall table to show.")
@click.option(
    "--chunk-size",
    type=click.IntRange(1, 100_000),
    default=500,
    show_default=True,
    help="Members simulated at once; larger ensembles run in chunks and keep per-member metrics only.",
)
@click.option("--backend", type=click.Choice(["local", "ray"]), default="local", show_default=True)
@click.option("--ray-address", default=None, help="Ray cluster address (default: start a local cluster).")
@click.option(
    "--workdir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for finished chunks; a killed run started again resumes from them.",
)
@click.option("--report", "with_report", is_flag=True, help="Also write a self-contained HTML report next to the results.")
@click.option(
    "--economy",
    "with_economy",
    is_flag=True,
    help="Also propagate the shortfall through the input-output model (WIOD 2011) and show lost output and value added.",
)
@_handle_errors
def run(
    scenario: str,
    members: int | None,
    out_dir: Path | None,
    store_path: Path | None,
    no_store: bool,
    as_json: bool,
    top: int,
    chunk_size: int,
    backend: str,
    ray_address: str | None,
    workdir: Path | None,
    with_report: bool,
    with_economy: bool,
) -> None:
    """Run SCENARIO (a built-in name or a YAML file) and summarise who runs short."""
    from supplyshock.analysis.summary import china_exports_monthly, price_peaks, summarise
    from supplyshock.engine import run_scenario
    from supplyshock.scenario import load_scenario
    from supplyshock.store import RunStore, new_run_id, save_results

    sc = load_scenario(scenario)
    n = members or sc.members
    if n > chunk_size or backend == "ray" or workdir is not None:
        _run_chunked(
            sc, n, chunk_size=chunk_size, backend=backend, ray_address=ray_address, workdir=workdir, out_dir=out_dir, as_json=as_json, top=top
        )
        return
    with Progress(
        TextColumn(f"[bold]{sc.name}[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("days"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=False,
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
    eco_table = None
    if with_economy:
        from supplyshock.analysis.economy import economic_impact, economic_summary

        eco = economic_impact(ds)
        save_results(eco, folder / "economy.nc")
        eco_table = economic_summary(eco)
    report_path = None
    if with_report:
        from supplyshock.cli_report import report_after_run

        report_path = report_after_run(ds, folder, run_id=run_id)
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
        if eco_table is not None:
            payload["economy_usd_million"] = json.loads(eco_table.reset_index().to_json(orient="records"))
        click.echo(json.dumps(payload, indent=2))
        return
    short = summary[summary["cumulative_shortfall_t"] > 0]
    show = short.head(top)[
        ["first_shortfall_date", "days_to_first_shortfall", "peak_shortfall_pct", "cumulative_shortfall_t", "lost_output_usd"]
    ].copy()
    show["lost_output_usd"] = show["lost_output_usd"] / 1e9
    show = show.rename(
        columns={
            "first_shortfall_date": "first short",
            "days_to_first_shortfall": "days",
            "peak_shortfall_pct": "peak %",
            "cumulative_shortfall_t": "short (t)",
            "lost_output_usd": "lost output (USD bn)",
        }
    )
    m = ds.sizes["member"]
    note = f" (median of {m} members)" if m > 1 else ""
    if m > 1:
        _print_bands(ds, top)
    if len(show):
        console.print(_table(show, f"Who runs short, worst first{note} ({len(short)} of {len(summary)} region-sectors short)"))
    else:
        console.print(f"No region or sector runs short over {sc.horizon_days} days{note}.")
    ex = exports[["total", "baseline", "change_pct"]].rename(
        columns={"total": "exports (t)", "baseline": "baseline (t)", "change_pct": "vs baseline %"}
    )
    for col in ("USA",):
        if col in exports:
            ex.insert(1, "to USA (t)", exports[col])
    console.print(_table(ex, "China's magnet exports by month"))
    pk = prices[prices["peak_index"] > 1.001].copy()
    if len(pk):
        console.print(_table(pk, "Price peaks (index, 1 = baseline)", floats="{:,.2f}"))
    if eco_table is not None:
        show_eco = eco_table.head(top).rename(columns=lambda c: c.replace("_loss", "").replace("_", " "))
        console.print(
            _table(
                show_eco,
                "Lost gross output and value added through the input-output model "
                "(WIOD 2011, USD million; direct = magnet-using industries, indirect = the rest)",
                floats="{:,.0f}",
            )
        )
    total_lost = float(summary["lost_output_usd"].sum())
    console.print(f"Total lost output: USD {total_lost / 1e9:,.1f} bn (upper bound: see docs/data.md on values per tonne)")
    console.print(f"Results: {results_path}" + ("" if no_store else f"   run id: {run_id}"))
    if report_path is not None:
        console.print(f"Report: {report_path}")


def _run_chunked(
    sc: Any, n: int, *, chunk_size: int, backend: str, ray_address: str | None, workdir: Path | None, out_dir: Path | None, as_json: bool, top: int
) -> None:
    from supplyshock.analysis.ensemble import metric_bands
    from supplyshock.analysis.ensembles import run_ensemble
    from supplyshock.store import new_run_id, save_results

    with Progress(
        TextColumn(f"[bold]{sc.name}[/] x {n} members"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("chunks"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        disable=as_json,
    ) as bar:
        task = bar.add_task("ensemble", total=None)
        ens = run_ensemble(
            sc,
            members=n,
            chunk_size=chunk_size,
            backend=backend,
            ray_address=ray_address,
            workdir=workdir,
            progress=lambda d, t: bar.update(task, completed=d, total=t),
        )
    folder = out_dir or Path("supplyshock-out") / new_run_id()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "ensemble.nc"
    save_results(ens, path)
    if as_json:
        bands = metric_bands(ens)
        click.echo(json.dumps({"results": str(path), "members": n, "bands": json.loads(bands.reset_index().to_json(orient="records"))}, indent=2))
        return
    _print_bands(ens, top)
    q = ens["china_magnet_exports_t"].quantile([0.05, 0.5, 0.95], dim="member")
    exp = pd.DataFrame(q.values.T, index=pd.DatetimeIndex(q["month"].values).strftime("%Y-%m"), columns=["p5", "p50", "p95"])
    console.print(_table(exp, "China's magnet exports by month (t), quantiles over members"))
    console.print(f"Results (per-member metrics): {path}")


def _print_bands(ds: Any, top: int) -> None:
    from supplyshock.analysis.ensemble import metric_bands, shortfall_probability

    bands = metric_bands(ds)
    bands = bands[bands["p_short"] > 0].head(top)
    if not len(bands):
        return
    tab = pd.DataFrame(
        {
            "P(short)": bands["p_short"],
            "first short day p5/p50/p95": [
                "/".join("-" if not np.isfinite(v) else f"{v:.0f}" for v in r)
                for r in bands[["days_to_first_shortfall_p5", "days_to_first_shortfall_p50", "days_to_first_shortfall_p95"]].to_numpy()
            ],
            "peak % p50 [p5, p95]": [
                f"{b:.1f} [{a:.1f}, {c:.1f}]"
                for a, b, c in bands[["peak_shortfall_pct_p5", "peak_shortfall_pct_p50", "peak_shortfall_pct_p95"]].to_numpy()
            ],
            "lost USD bn p50 [p5, p95]": [
                f"{b / 1e9:.1f} [{a / 1e9:.1f}, {c / 1e9:.1f}]"
                for a, b, c in bands[["lost_output_usd_p5", "lost_output_usd_p50", "lost_output_usd_p95"]].to_numpy()
            ],
        },
        index=bands.index,
    )
    console.print(_table(tab, f"Ensemble of {ds.sizes['member']} members: quantile bands", floats="{:.2f}"))
    prob = shortfall_probability(ds)
    times = pd.DatetimeIndex(prob["time"].values)
    month_ends = pd.Series(times, index=times).groupby(times.to_period("M")).max()
    picked = prob.sel(time=month_ends.to_numpy())
    rows = {}
    for c, sct in bands.index:
        rows[(c, sct)] = picked.sel(country=c, sector=sct).values
    sel = pd.DataFrame.from_dict(rows, orient="index", columns=[t.strftime("%Y-%m") for t in month_ends])
    sel.index = pd.MultiIndex.from_tuples(list(rows), names=["country", "sector"])
    console.print(_table(sel, "Probability of a shortfall by each month end", floats="{:.2f}"))


# ---------------------------------------------------------------------- sensitivity and sweeps
@main.command()
@click.argument("scenario")
@click.option("--method", type=click.Choice(["sobol", "morris"]), default="sobol", show_default=True)
@click.option(
    "-N",
    "--base-samples",
    "n",
    type=click.IntRange(2, 65_536),
    default=64,
    show_default=True,
    help="Base sample size (Sobol runs N*(k+2) members, Morris N*(k+1)).",
)
@click.option("--chunk-size", type=click.IntRange(1, 100_000), default=500, show_default=True)
@click.option("--backend", type=click.Choice(["local", "ray"]), default="local", show_default=True)
@click.option("--json", "as_json", is_flag=True)
@_handle_errors
def sensitivity(scenario: str, method: str, n: int, chunk_size: int, backend: str, as_json: bool) -> None:
    """Sobol or Morris indices of headline outputs w.r.t. the scenario's uncertain parameters."""
    from supplyshock.analysis.sensitivity import OUTPUTS
    from supplyshock.analysis.sensitivity import sensitivity as compute
    from supplyshock.scenario import load_scenario

    sc = load_scenario(scenario)
    with Progress(
        TextColumn(f"[bold]{sc.name}[/] {method}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("chunks"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        disable=as_json,
    ) as bar:
        task = bar.add_task("sa", total=None)
        df = compute(sc, method=method, n=n, chunk_size=chunk_size, backend=backend, progress=lambda d, t: bar.update(task, completed=d, total=t))
    if as_json:
        click.echo(df.to_json(orient="records", indent=2))
        return
    for out, desc in OUTPUTS.items():
        sub = df[df["output"] == out].drop(columns=["output"]).set_index("parameter")
        console.print(_table(sub, f"{out}: {desc} ({df.attrs['runs']} runs)", floats="{:.3f}"))


@main.command()
@click.argument("spec_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--store", "store_path", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--backend", type=click.Choice(["local", "ray"]), default="local", show_default=True)
@click.option("--ray-address", default=None)
@click.option("--metric", default="total_shortfall_t", show_default=True, help="Metric shown in the grid table.")
@click.option(
    "--plot",
    "plot_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write a heatmap (PNG) of the metric over the first two axes.",
)
@_handle_errors
def sweep(spec_file: Path, store_path: Path | None, backend: str, ray_address: str | None, metric: str, plot_path: Path | None) -> None:
    """Run a sweep over scenario variants (SPEC_FILE); points already in the store are not rerun."""
    from supplyshock.analysis.sweep import load_sweep, run_sweep
    from supplyshock.store import RunStore

    spec = load_sweep(spec_file)
    store = RunStore(store_path) if store_path else RunStore()
    with Progress(
        TextColumn(f"[bold]{spec.name}[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("points"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console,
    ) as bar:
        task = bar.add_task("sweep", total=None)
        grid = run_sweep(spec, store=store, backend=backend, ray_address=ray_address, progress=lambda d, t: bar.update(task, completed=d, total=t))
    if metric not in grid.columns:
        raise click.BadParameter(f"unknown metric {metric!r}; known: {', '.join(c for c in grid.columns if c not in [a.name for a in spec.axes])}")
    axes = [a.name for a in spec.axes]
    if len(axes) >= 2:
        table = grid.pivot_table(index=axes[0], columns=axes[1:], values=metric, aggfunc="median")
        table.columns = [" ".join(map(str, c)) if isinstance(c, tuple) else str(c) for c in table.columns]
    else:
        table = grid.set_index(axes[0])[[metric]]
    console.print(_table(table, f"{spec.name}: {metric} (sweep id {spec.sweep_id})", floats="{:,.1f}"))
    if plot_path is not None:
        _heatmap(grid, axes, metric, plot_path)
        console.print(f"Heatmap: {plot_path}")


def _heatmap(grid: pd.DataFrame, axes: list[str], metric: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tab = grid.pivot_table(index=axes[0], columns=axes[1], values=metric, aggfunc="median") if len(axes) >= 2 else grid.set_index(axes[0])[[metric]]
    fig, ax = plt.subplots(figsize=(6, 4.5))
    im = ax.imshow(tab.to_numpy(dtype=float), aspect="auto", origin="lower", cmap="viridis")
    ax.set_xticks(range(tab.shape[1]), [str(c) for c in tab.columns])
    ax.set_yticks(range(tab.shape[0]), [str(i) for i in tab.index])
    ax.set_xlabel(axes[1] if len(axes) >= 2 else "")
    ax.set_ylabel(axes[0])
    fig.colorbar(im, ax=ax, label=metric)
    ax.set_title(metric)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)


# ---------------------------------------------------------------------- observations
@main.command()
@click.argument("backtest", default="cn-2025-controls")
@click.option("--observed", default=None, help="Observed series file (default: the backtest's).")
@click.option("--fit-until", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="Cut-off date (YYYY-MM-DD).")
@click.option(
    "--plot", "plot_path", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Write model against observed (PNG), cut-off marked."
)
@click.option("--json", "as_json", is_flag=True)
@_handle_errors
def backtest(backtest: str, observed: str | None, fit_until: Any, plot_path: Path | None, as_json: bool) -> None:
    """Fit a BACKTEST's parameters up to the cut-off and report the error after it.

    BACKTEST is a built-in backtest (cn-2025-controls, cn-2010-quota) or a spec file.
    """
    from supplyshock.analysis.backtest import load_backtest, plot_backtest, run_backtest

    spec = load_backtest(backtest)
    with Progress(TextColumn(f"[bold]{spec.name}[/] fitting"), BarColumn(), TimeElapsedColumn(), console=err_console, disable=as_json) as bar:
        bar.add_task("fit", total=None)
        res = run_backtest(spec, fit_until=fit_until.date() if fit_until else None, observed=observed)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "fitted": res.fitted,
                    "objective": res.objective,
                    "n_fit": res.n_fit,
                    "errors": json.loads(res.errors.to_json(orient="records")),
                    "points": json.loads(res.points.to_json(orient="records")),
                },
                indent=2,
                default=str,
            )
        )
        return
    console.print(
        f"[bold]{res.spec.name}[/]: fitted on {res.n_fit} observations up to {res.spec.fit_until} "
        f"(objective: sum of squared log errors = {res.objective:.4f}; grid of {len(res.grid)} + least squares)"
    )
    console.print(_table(pd.DataFrame({"value": res.fitted}).rename_axis("parameter"), "Fitted parameters", floats="{:.3f}"))
    pts = res.points.copy()
    pts["sample"] = np.where(pts["in_sample"], "fit", "test")
    console.print(_table(pts.set_index(["series", "period"])[["kind", "observed", "model", "sample"]], "Model against observed", floats="{:,.1f}"))
    console.print(_table(res.errors.set_index("series"), "Out-of-sample error (after the cut-off)", floats="{:,.1f}"))
    if plot_path is not None:
        plot_backtest(res, plot_path)
        console.print(f"Plot: {plot_path}")


@main.command()
@click.argument("scenario")
@click.option("--observed", default="china-exports-2025", show_default=True, help="Observed series file or shipped name.")
@_handle_errors
def commitments(scenario: str, observed: str) -> None:
    """Check SCENARIO's commitments month by month against observed trade."""
    from supplyshock.analysis.commitments import check_commitments
    from supplyshock.network import load_network
    from supplyshock.observed import load_observed, to_model_codes
    from supplyshock.scenario import apply_overrides, load_scenario

    sc = load_scenario(scenario)
    net = apply_overrides(load_network(sc.dataset), sc)
    table = check_commitments(sc, net, to_model_codes(load_observed(observed)))
    if not len(table):
        click.echo(f"{sc.name}: no commitments stated in its agreements")
        return
    for (agr, i), sub in table.groupby(["agreement", "commitment"]):
        label = sub["label"].iloc[0]
        console.print(
            _table(sub.set_index("month")[["status", "observed_t", "threshold_t", "gap_t"]], f"{agr} commitment {i}: {label}", floats="{:,.1f}")
        )


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
    console.print(
        f"[bold]{dataset}[/]: {len(net.countries)} countries, {len(net.products)} products, "
        f"{len(net.processes)} processes, {len(net.sectors)} end-use sectors, {len(net.link_flow0)} trade links"
    )
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
    click.echo(f"balanced: {len(bal)} nodes within relative tolerance {BALANCE_TOLERANCE:.0e} (max {bal['relative'].max():.1e})")


def _register_runs() -> None:
    from supplyshock.cli_observed import observed
    from supplyshock.cli_report import report, serve
    from supplyshock.cli_risk import risk
    from supplyshock.cli_runs import runs

    for cmd in (runs, observed, report, serve, risk):
        main.add_command(cmd)


_register_runs()


if __name__ == "__main__":  # pragma: no cover
    main(prog_name=os.path.basename(sys.argv[0]))
