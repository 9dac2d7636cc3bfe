"""``supplyshock run``, ``validate`` and ``scenarios``: run a scenario, check one, list them.

``run`` is a thin layer over :func:`supplyshock.analysis.pipeline.execute` (the one run
pipeline: run -> summary -> economy -> save -> record), for vectorised and chunked runs
alike; this module only chooses what to show.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import numpy as np
import pandas as pd
from rich.console import RenderableType

from supplyshock.cli.options import BACKEND, run_store_option
from supplyshock.cli.output import command, console, echo_json, err_console, progress, records, table

if TYPE_CHECKING:
    import xarray as xr

    from supplyshock.analysis.pipeline import RunOutcome, RunRequest

__all__ = ["run", "scenarios", "validate"]

#: Columns of the "who runs short" table, with their headers.
SHORT_COLUMNS = {
    "first_shortfall_date": "first short",
    "first_stoppage_day": "first stop (day)",
    "days_short": "days short",
    "peak_shortfall_pct": "peak %",
    "cumulative_shortfall_t": "short (t)",
    "output_at_risk_usd": "at risk* (USD bn)",
}


@command()
@click.argument("scenario")
@click.option("--members", type=click.IntRange(1, 100_000), default=None, help="Ensemble members (default: the scenario's).")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for results (default: ./supplyshock-out/<run id>); never one holding another run's results.",
)
@run_store_option
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
@click.option("--backend", type=BACKEND, default="local", show_default=True)
@click.option("--ray-address", default=None, help="Ray cluster address (default: start a local cluster).")
@click.option(
    "--workdir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for finished chunks; a killed run started again resumes from them.",
)
@click.option("--report", "with_report", is_flag=True, help="Also write a self-contained HTML report next to the results.")
@click.option(
    "--economy/--no-economy",
    "with_economy",
    default=True,
    show_default=True,
    help="Value the losses through the input-output model (WIOD 2011): the headline value added lost, with its band.",
)
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
    from supplyshock.analysis.metrics import member_metrics
    from supplyshock.analysis.pipeline import RunRequest, ensemble_warnings
    from supplyshock.scenario import load_scenario
    from supplyshock.store import RunStore

    sc = load_scenario(scenario)
    request = RunRequest(
        scenario=sc,
        members=members,
        chunk_size=chunk_size,
        backend=backend,
        ray_address=ray_address,
        workdir=workdir,
        economy=with_economy,
        out_dir=out_dir,
        store=None if no_store else RunStore(store_path),
    )
    _check_request(request, with_report=with_report)
    for warning in ensemble_warnings(request.scenario, request.n_members, explicit=members is not None):
        err_console().print(f"Warning: {warning}", soft_wrap=True)
    outcome = _execute(request, quiet=as_json)
    report_path = _write_report(outcome) if with_report else None
    metrics = member_metrics(outcome.results)  # replayed once, shared by every table below
    if as_json:
        echo_json(_payload(outcome, metrics, report_path))
        return
    out = console()
    for part in _tables(outcome, metrics, top):
        out.print(part)
    if outcome.chunked:
        out.print(f"Results (per-member metrics): {outcome.results_path}" + (f"   run id: {outcome.run_id}" if outcome.recorded else ""))
    else:
        out.print(f"Results: {outcome.results_path}" + (f"   run id: {outcome.run_id}" if outcome.recorded else ""))
    if report_path is not None:
        out.print(f"Report: {report_path}")


def _check_request(request: RunRequest, *, with_report: bool) -> None:
    """Refuse, before running, what a run could not deliver."""
    from supplyshock.errors import ConsistencyError

    if request.chunked:
        wanted = ["--report"] if with_report else []
        if wanted:
            why = [f"{request.n_members} members, --chunk-size {request.chunk_size}"]
            why += [f"--backend {request.backend}"] if request.backend != "local" else []
            why += ["--workdir"] if request.workdir is not None else []
            verb = "needs" if len(wanted) == 1 else "need"
            raise ConsistencyError(
                f"{' and '.join(wanted)} {verb} daily results, but this run goes in chunks and keeps per-member metrics only "
                f"({', '.join(why)}); raise --chunk-size to at least --members and drop --backend ray and --workdir"
            )
    if with_report:
        importlib.import_module("supplyshock.report")  # a missing extra fails now, not after the run


def _execute(request: RunRequest, *, quiet: bool) -> RunOutcome:
    """Run the pipeline behind a progress bar (days, or chunks of an ensemble)."""
    from supplyshock.analysis.pipeline import execute

    sc = request.scenario
    if request.chunked:
        with progress(f"{sc.name} x {request.n_members} members", "chunks", disable=quiet) as bar:
            return execute(request, chunk_progress=bar)
    with progress(sc.name, "days", total=sc.horizon_days, disable=quiet) as bar:
        return execute(request, progress=bar)


def _write_report(outcome: RunOutcome) -> Path:
    """Write the HTML report of the saved results into the run folder."""
    from supplyshock.report import report_for_run
    from supplyshock.store import open_results

    saved = open_results(outcome.results_path)
    return report_for_run(saved, outcome.folder, run_id=outcome.run_id if outcome.recorded else None)


# ---------------------------------------------------------------------- what a run shows


def _members_note(ds: xr.Dataset) -> str:
    m = int(ds.sizes["member"])
    return f" (median of {m} members)" if m > 1 else ""


def _short_table(outcome: RunOutcome, top: int) -> RenderableType:
    summary = outcome.summary
    short = summary[summary["cumulative_shortfall_t"] > 0]
    note = _members_note(outcome.results)
    if not len(short):
        return f"No region or sector runs short over {outcome.results.sizes['time']} days{note}."
    show = short.head(top)[list(SHORT_COLUMNS)].copy()
    show["output_at_risk_usd"] = show["output_at_risk_usd"] / 1e9
    return table(
        show.rename(columns=SHORT_COLUMNS),
        f"Who runs short, worst first{note} ({len(short)} of {len(summary)} region-sectors short; "
        "* output at risk = shortfall x value per tonne, an upper bound)",
    )


def headline_tables(ds: xr.Dataset) -> list[tuple[dict[str, str], pd.DataFrame]]:
    """Each headline flow the dataset declares, by month: (its id, label and units; the table).

    Parameters
    ----------
    ds : Dataset
        Results or per-member metrics.

    Returns
    -------
    list of (dict, DataFrame)
        Index ``month``; columns ``total``, one per named importer, ``baseline``,
        ``change_pct`` (see :func:`supplyshock.analysis.summary.headline_monthly`).
    """
    from supplyshock.analysis.metrics import headline_flows
    from supplyshock.analysis.summary import headline_monthly

    out = []
    for head in headline_flows(ds):
        monthly = headline_monthly(ds, head.id)
        meta = {"id": str(monthly.attrs.get("id", head.id)), "label": str(monthly.attrs.get("label", head.label)), "units": "t"}
        out.append((meta, monthly.rename_axis("month")))
    return out


def _headline_table(meta: dict[str, str], monthly: pd.DataFrame, note: str) -> RenderableType:
    units = meta["units"]
    names = {"total": f"total ({units})", "baseline": f"baseline ({units})", "change_pct": "vs baseline %"}
    names.update({c: f"to {c} ({units})" for c in monthly.columns if c not in names})
    return table(monthly.rename(columns=names), f"{meta['label']} by month{note}")


def bands_frames(ds: xr.Dataset, top: int) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """Quantile bands of the region-sectors that may run short, and P(short) by each month end.

    Parameters
    ----------
    ds : Dataset
        Results or per-member metrics of an ensemble.
    top : int
        Region-sectors kept (worst median lost output first).

    Returns
    -------
    (DataFrame, DataFrame) or None
        :func:`~supplyshock.analysis.bands.metric_bands` rows with ``p_short > 0``, and
        the shortfall probability on (country, sector) x month end (columns
        ``YYYY-MM``); None when no member runs short anywhere.
    """
    from supplyshock.analysis.bands import metric_bands, shortfall_probability

    bands = metric_bands(ds)
    bands = bands[bands["p_short"] > 0].head(top)
    if not len(bands):
        return None
    prob = shortfall_probability(ds)
    times = pd.DatetimeIndex(prob["time"].values)
    month_ends = pd.Series(times, index=times).groupby(times.to_period("M")).max()
    picked = prob.sel(time=month_ends.to_numpy())
    rows = [picked.sel(country=c, sector=s).values for c, s in bands.index]
    by_month = pd.DataFrame(rows, index=bands.index, columns=[t.strftime("%Y-%m") for t in month_ends])
    return bands, by_month


def _bands_tables(ds: xr.Dataset, top: int) -> list[RenderableType]:
    frames = bands_frames(ds, top)
    if frames is None:
        return []
    bands, by_month = frames

    def triple(metric: str, scale: float = 1.0, digits: int = 1) -> list[str]:
        cols = [f"{metric}_p5", f"{metric}_p50", f"{metric}_p95"]
        out = []
        for lo, mid, hi in bands[cols].to_numpy() / scale:
            out.append(f"{mid:.{digits}f} [{lo:.{digits}f}, {hi:.{digits}f}]")
        return out

    days = [
        "/".join("-" if not np.isfinite(v) else f"{v:.0f}" for v in row)
        for row in bands[[f"days_to_first_shortfall_p{q}" for q in (5, 50, 95)]].to_numpy()
    ]
    shown = pd.DataFrame(
        {
            "P(short)": bands["p_short"],
            "first short day p5/p50/p95": days,
            "peak % p50 [p5, p95]": triple("peak_shortfall_pct"),
            "at risk* USD bn p50 [p5, p95]": triple("output_at_risk_usd", 1e9),
        },
        index=bands.index,
    )
    return [
        table(shown, f"Ensemble of {ds.sizes['member']} members: quantile bands", floats=".2f"),
        table(by_month, "Probability of a shortfall by each month end", floats=".2f"),
    ]


def _total_at_risk(metrics: xr.Dataset) -> float:
    """Output at risk over all region-sectors (median over members), USD: an upper bound, not the headline."""
    from supplyshock.analysis.metrics import member_totals

    return float(member_totals(metrics)["total_output_at_risk_usd"].median())


def headline_loss_text(outcome: RunOutcome) -> str:
    """The one headline loss: value added lost through the input-output model, p50 [p5-p95]."""
    from supplyshock.analysis.summary import loss_bands

    if outcome.economy is None:
        if outcome.chunked:
            return "Value added lost: not computed for ensembles run in chunks (shortfalls in tonnes below)."
        return "Value added lost: not valued (the dataset gives no value of output per tonne, or --no-economy); shortfalls in tonnes below."
    b = loss_bands(outcome.economy) / 1e9
    cur = str(outcome.economy.attrs.get("currency", "USD"))
    va, go = b.loc["value_added_lost_usd"], b.loc["output_lost_usd"]
    return (
        f"Value added lost: {va['p50']:,.1f} bn {cur} (p5-p95 {va['p05']:,.1f}-{va['p95']:,.1f}); "
        f"gross output lost {go['p50']:,.1f} bn ({go['p05']:,.1f}-{go['p95']:,.1f}); "
        "input-output model, direct and through supply chains"
    )


def _tables(outcome: RunOutcome, metrics: xr.Dataset, top: int) -> list[RenderableType]:
    """Everything a run prints, in order (``metrics``: the run's per-member metrics)."""
    from supplyshock.analysis.metrics import PRICE_RISE_SHOWN
    from supplyshock.analysis.summary import price_peaks

    ds = outcome.results
    note = _members_note(ds)
    parts: list[RenderableType] = [headline_loss_text(outcome)]
    if ds.sizes["member"] > 1:
        parts += _bands_tables(metrics, top)
    parts.append(_short_table(outcome, top))
    parts += [_headline_table(meta, monthly, note) for meta, monthly in headline_tables(ds)]
    if "price_index" in ds:
        peaks = price_peaks(ds, min_rise=PRICE_RISE_SHOWN)
        if len(peaks):
            parts.append(table(peaks, f"Price peaks (index, 1 = baseline; USD/kg where a baseline price is known){note}", floats=",.2f"))
            failed = peaks[peaks["at_cap_share"] > 0]
            if len(failed):
                which = ", ".join(
                    f"{key[1]} ({key[0]}, {share:.0%} of members)" for key, share in zip(failed.index, failed["at_cap_share"], strict=True)
                )
                parts.append(f"Model failure: prices reach the ceiling price_index_max for {which}; those prices are not results.")
    if outcome.economy is not None:
        parts.append(_economy_table(outcome.economy, top))
    parts.append(f"Output at risk (shortfall x value per tonne, an upper bound, not the loss): USD {_total_at_risk(metrics) / 1e9:,.1f} bn{note}")
    return parts


def _economy_table(eco: xr.Dataset, top: int) -> RenderableType:
    from supplyshock.analysis.economy import economic_summary

    shown = (economic_summary(eco).head(top) / 1e6).rename(columns=lambda c: c.replace("_loss", "").replace("_usd", "").replace("_", " "))
    return table(
        shown,
        f"Gross output and value added lost by region and sector (USD million, {eco.attrs.get('currency', 'USD')}; "
        "direct = the industries short of the material, indirect = the rest), median over members",
        floats=",.0f",
    )


def _null_dates(summary: pd.DataFrame) -> pd.DataFrame:
    """The summary with missing first-shortfall dates as None (``null`` in JSON), not ``""``."""
    dates = summary["first_shortfall_date"].astype(object)
    return summary.assign(first_shortfall_date=dates.where(dates.notna() & (dates != ""), None))


def _payload(outcome: RunOutcome, metrics: xr.Dataset, report_path: Path | None) -> dict[str, Any]:
    """What ``--json`` prints: everything the tables show (``null`` where a value is missing)."""
    from supplyshock.analysis.metrics import PRICE_RISE_SHOWN
    from supplyshock.analysis.summary import price_peaks

    ds = outcome.results
    payload: dict[str, Any] = {
        "run_id": outcome.run_id,
        "recorded": outcome.recorded,
        "results": str(outcome.results_path),
        "chunked": outcome.chunked,
        "members": int(ds.sizes["member"]),
        "summary": records(_null_dates(outcome.summary)),
        "headlines": [
            {**meta, "months": {str(m): row for m, row in zip(monthly.index, records(monthly, index=False), strict=True)}}
            for meta, monthly in headline_tables(ds)
        ],
        "price_peaks": records(price_peaks(ds, min_rise=PRICE_RISE_SHOWN)) if "price_index" in ds else None,
        "total_output_at_risk_usd": _total_at_risk(metrics),
        "losses": None,
    }
    if ds.sizes["member"] > 1:
        frames = bands_frames(metrics, top=len(outcome.summary))
        payload["bands"] = records(frames[0]) if frames is not None else []
        payload["shortfall_probability_by_month_end"] = records(frames[1]) if frames is not None else []
    if outcome.economy is not None:
        from supplyshock.analysis.economy import economic_summary
        from supplyshock.analysis.summary import country_table, loss_bands

        payload["losses"] = {
            "currency": outcome.economy.attrs.get("currency"),
            "bands": records(loss_bands(outcome.economy)),
            "by_region_sector_usd": records(economic_summary(outcome.economy)),
            "by_country": records(country_table(ds, outcome.economy)),
        }
    payload["report"] = str(report_path) if report_path is not None else None
    return payload


# ---------------------------------------------------------------------- validate, scenarios


@command()
@click.argument("file")
@click.pass_context
def validate(ctx: click.Context, file: str) -> None:
    """Check a scenario FILE (or built-in name); list every problem with its line and a hint."""
    from supplyshock.scenario import validate_file

    scenario, problems = validate_file(file)
    if problems:
        err = err_console()
        for p in problems:
            err.print(str(p), soft_wrap=True)
        err.print(f"{len(problems)} problem(s); nothing was run.")
        ctx.exit(2)
    assert scenario is not None
    click.echo(f"{file}: valid ({len(scenario.events)} events, {scenario.start} + {scenario.horizon_days} days)")


@command()
def scenarios() -> None:
    """List the built-in scenarios."""
    from supplyshock.scenario import builtin_scenarios, load_scenario

    rows = []
    for name in sorted(builtin_scenarios()):
        sc = load_scenario(name)
        rows.append(
            {"name": name, "start": sc.start, "days": sc.horizon_days, "events": len(sc.events), "description": " ".join(sc.description.split())[:90]}
        )
    frame = pd.DataFrame(rows, columns=["name", "start", "days", "events", "description"]).set_index("name")
    console().print(table(frame, "Built-in scenarios"))
