"""``supplyshock sensitivity``, ``sweep``, ``backtest`` and ``commitments``: analyses over many runs or observations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import numpy as np
import pandas as pd

from supplyshock.cli.options import BACKEND, json_option, run_store_option
from supplyshock.cli.output import command, console, echo_json, progress, records, table

__all__ = ["backtest", "commitments", "sensitivity", "sweep"]


@command()
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
@click.option("--backend", type=BACKEND, default="local", show_default=True)
@json_option
def sensitivity(scenario: str, method: str, n: int, chunk_size: int, backend: str, as_json: bool) -> None:
    """Sobol or Morris indices of headline outputs w.r.t. the scenario's uncertain parameters."""
    from supplyshock.analysis.metrics import TOTALS
    from supplyshock.analysis.sensitivity import sensitivity as compute
    from supplyshock.scenario import load_scenario

    sc = load_scenario(scenario)
    with progress(f"{sc.name} {method}", "chunks", disable=as_json) as bar:
        df = compute(sc, method=method, n=n, chunk_size=chunk_size, backend=backend, progress=bar)
    if as_json:
        echo_json(records(df, index=False))
        return
    out = console()
    for name, desc in TOTALS.items():
        sub = df[df["output"] == name].drop(columns=["output"]).set_index("parameter")
        out.print(table(sub, f"{name}: {desc} ({df.attrs['runs']} runs)", floats=".3f"))


def _sweep_metrics() -> list[str]:
    from supplyshock.analysis.metrics import TOTALS

    return [m for t in TOTALS for m in (t, f"{t}_p5", f"{t}_p95")]


@command()
@click.argument("spec_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@run_store_option
@click.option("--backend", type=BACKEND, default="local", show_default=True)
@click.option("--ray-address", default=None)
@click.option("--metric", default="total_shortfall_t", show_default=True, help="Metric shown in the grid table.")
@click.option(
    "--plot",
    "plot_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write a heatmap (PNG) of the metric over the first two axes.",
)
def sweep(spec_file: Path, store_path: Path | None, backend: str, ray_address: str | None, metric: str, plot_path: Path | None) -> None:
    """Run a sweep over scenario variants (SPEC_FILE); points already in the store are not rerun."""
    from supplyshock.analysis.sweep import load_sweep, run_sweep
    from supplyshock.store import RunStore

    if metric not in _sweep_metrics():
        raise click.BadParameter(f"unknown metric {metric!r}; known: {', '.join(_sweep_metrics())}", param_hint="--metric")
    spec = load_sweep(spec_file)
    store = RunStore(store_path)
    with progress(spec.name, "points") as bar:
        grid = run_sweep(spec, store=store, backend=backend, ray_address=ray_address, progress=bar)
    axes = [a.name for a in spec.axes]
    if metric not in grid.columns:
        raise click.BadParameter(f"metric {metric!r} is not in this sweep; known: {', '.join(c for c in grid.columns if c not in axes)}")
    console().print(table(_grid_table(grid, axes, metric), f"{spec.name}: {metric} (sweep id {spec.sweep_id})"))
    if plot_path is not None:
        _heatmap(grid, axes, metric, plot_path)
        console().print(f"Heatmap: {plot_path}")


def _grid_table(grid: pd.DataFrame, axes: list[str], metric: str) -> pd.DataFrame:
    """The metric over the first axis (rows) and the others (columns), median over repeats."""
    if len(axes) < 2:
        return grid.set_index(axes[0])[[metric]]
    tab = grid.pivot_table(index=axes[0], columns=axes[1:], values=metric, aggfunc="median")
    tab.columns = [" ".join(map(str, c)) if isinstance(c, tuple) else str(c) for c in tab.columns]
    return tab


def _heatmap(grid: pd.DataFrame, axes: list[str], metric: str, path: Path) -> None:
    """Write the metric over the first two axes as a heatmap (PNG)."""
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


@command()
@click.argument("backtest", default="cn-2025-controls")
@click.option("--observed", default=None, help="Observed series file (default: the backtest's).")
@click.option("--fit-until", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="Cut-off date (YYYY-MM-DD).")
@click.option(
    "--plot", "plot_path", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Write model against observed (PNG), cut-off marked."
)
@json_option
def backtest(backtest: str, observed: str | None, fit_until: Any, plot_path: Path | None, as_json: bool) -> None:
    """Fit a BACKTEST's parameters up to the cut-off and report the error after it.

    BACKTEST is a built-in backtest (cn-2025-controls, cn-2010-quota) or a spec file.
    """
    from supplyshock.analysis.backtest import load_backtest, plot_backtest, run_backtest

    spec = load_backtest(backtest)
    with progress(f"{spec.name} fitting", disable=as_json):
        res = run_backtest(spec, fit_until=fit_until.date() if fit_until else None, observed=observed)
    if as_json:
        echo_json(
            {
                "fitted": res.fitted,
                "objective": res.objective,
                "n_fit": res.n_fit,
                "errors": records(res.errors, index=False),
                "points": records(res.points, index=False),
            }
        )
        return
    out = console()
    out.print(
        f"{res.spec.name}: fitted on {res.n_fit} observations up to {res.spec.fit_until} "
        f"(objective: sum of squared log errors = {res.objective:.4f}; grid of {len(res.grid)} + least squares)",
    )
    out.print(table(pd.DataFrame({"value": res.fitted}).rename_axis("parameter"), "Fitted parameters", floats=".3f"))
    pts = res.points.copy()
    pts["sample"] = np.where(pts["in_sample"], "fit", "test")
    out.print(table(pts.set_index(["series", "period"])[["kind", "observed", "model", "sample"]], "Model against observed"))
    out.print(table(res.errors.set_index("series"), "Out-of-sample error (after the cut-off)"))
    if plot_path is not None:
        plot_backtest(res, plot_path)
        out.print(f"Plot: {plot_path}")


@command()
@click.argument("scenario")
@click.option("--observed", default="china-exports-2025", show_default=True, help="Observed series file or shipped name.")
def commitments(scenario: str, observed: str) -> None:
    """Check SCENARIO's commitments month by month against observed trade."""
    from supplyshock.analysis.commitments import check_commitments
    from supplyshock.network import load_network
    from supplyshock.observed import load_observed, to_model_codes
    from supplyshock.scenario import apply_overrides, load_scenario

    sc = load_scenario(scenario)
    net = apply_overrides(load_network(sc.dataset), sc)
    frame = check_commitments(sc, net, to_model_codes(load_observed(observed)))
    if not len(frame):
        click.echo(f"{sc.name}: no commitments stated in its agreements")
        return
    out = console()
    for (agreement, i), sub in frame.groupby(["agreement", "commitment"]):
        label = sub["label"].iloc[0]
        out.print(table(sub.set_index("month")[["status", "observed_t", "threshold_t", "gap_t"]], f"{agreement} commitment {i}: {label}"))
