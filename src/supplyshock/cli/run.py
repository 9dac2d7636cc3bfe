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
import pandas as pd
from rich.console import RenderableType

from supplyshock.cli import views
from supplyshock.cli.options import BACKEND, run_store_option
from supplyshock.cli.output import command, console, echo_json, err_console, progress, records, table

if TYPE_CHECKING:
    import xarray as xr

    from supplyshock.analysis.labels import Labels
    from supplyshock.analysis.pipeline import RunOutcome, RunRequest

__all__ = ["run", "scenarios", "validate"]


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
@click.option(
    "--top",
    type=click.IntRange(1, 1000),
    default=15,
    show_default=True,
    help="Rows of each table to show (a cut table says how many more there are; --json lists every row).",
)
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
@click.option(
    "--report",
    "with_report",
    is_flag=True,
    help="Also write a self-contained HTML report next to the results (of a chunked ensemble: from the daily results of its first members).",
)
@click.option(
    "--economy/--no-economy",
    "with_economy",
    default=True,
    show_default=True,
    help="Value the losses through the input-output model (WIOD 2011): the headline value added lost, with its band.",
)
@click.option(
    "--memory-budget",
    default=None,
    help="Most memory the run may use: 4GB, 512MB, 75% (of the available memory) or none; default $SUPPLYSHOCK_MEMORY_BUDGET, "
    "else half of the available memory. Above it a run is refused with its estimate, or an ensemble gets smaller chunks.",
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
    memory_budget: str | None,
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
        memory_budget=memory_budget,
    )
    _check_request(request, with_report=with_report)
    for warning in ensemble_warnings(request.scenario, request.n_members, explicit=members is not None):
        err_console().print(f"Warning: {warning}", soft_wrap=True)
    outcome = _execute(request, quiet=as_json)
    report_path, report_note = _write_report(outcome, request) if with_report else (None, "")
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
        out.print(f"Report: {report_path}{report_note}")


#: Members whose daily results make the report of a chunked ensemble (at most).
REPORT_MEMBERS = 20
#: File of those daily results, in the run folder.
SAMPLE_FILE = "daily-sample.nc"


def _check_request(request: RunRequest, *, with_report: bool) -> None:
    """Refuse, before running, what a run could not deliver."""
    if with_report:
        importlib.import_module("supplyshock.report")  # a missing extra fails now, not after the run
        if not request.chunked:  # the report copies the daily results: counted before anything runs
            from supplyshock.analysis.memory import MemoryBudget, memory_budget, plan_run

            mb = request.memory_budget
            budget = mb if isinstance(mb, MemoryBudget) else memory_budget(mb)
            plan_run(request.scenario, request.n_members, chunk_size=None, economy=request.economy, report=True, budget=budget)


def _execute(request: RunRequest, *, quiet: bool) -> RunOutcome:
    """Run the pipeline behind a progress bar (days, or chunks of an ensemble); say what was changed to fit."""
    from supplyshock.analysis.pipeline import execute

    def notice(text: str) -> None:
        err_console().print(f"Note: {text}", soft_wrap=True)

    sc = request.scenario
    if request.chunked:
        with progress(f"{sc.name} x {request.n_members} members", "chunks", disable=quiet) as bar:
            return execute(request, chunk_progress=bar, notice=notice)
    with progress(sc.name, "days", total=sc.horizon_days, disable=quiet) as bar:
        return execute(request, progress=bar, notice=notice)


def _write_report(outcome: RunOutcome, request: RunRequest) -> tuple[Path, str]:
    """Write the HTML report into the run folder; its path and what it shows.

    Of the saved results; or, for a chunked ensemble (per-member metrics only), of the
    daily results of its first members (:data:`REPORT_MEMBERS` at most, as many as fit
    the memory budget), saved beside them as :data:`SAMPLE_FILE`.
    """
    from supplyshock.analysis.memory import MemoryBudget, estimate, memory_budget
    from supplyshock.report import report_for_run
    from supplyshock.store import open_results, save_results

    run_id = outcome.run_id if outcome.recorded else None
    if not outcome.chunked:
        saved = open_results(outcome.results_path)
        return report_for_run(saved, outcome.folder, run_id=run_id, economy=outcome.economy), ""
    from supplyshock.analysis.chunks import daily_members

    budget = request.memory_budget if isinstance(request.memory_budget, MemoryBudget) else memory_budget(request.memory_budget)
    fits = REPORT_MEMBERS
    if budget.limit is not None:
        fits = estimate(request.scenario, REPORT_MEMBERS, economy=request.economy).largest_vectorised(budget.limit)
    first = max(1, min(REPORT_MEMBERS, request.n_members, fits))
    sample = daily_members(request.scenario, request.n_members, first, params=request.params)
    eco = None
    if request.economy:
        from supplyshock.analysis.economy import economic_impact, has_values

        eco = economic_impact(sample) if has_values(sample) else None
    save_results(sample, outcome.folder / SAMPLE_FILE)
    path = report_for_run(open_results(outcome.folder / SAMPLE_FILE), outcome.folder, run_id=run_id, economy=eco)
    return path, f" (daily charts of members 0-{first - 1} of {request.n_members}, saved in {SAMPLE_FILE}; tables above: all members)"


# ---------------------------------------------------------------------- what a run shows


def _members_note(ds: xr.Dataset) -> str:
    m = int(ds.sizes["member"])
    return f" (median of {m} members)" if m > 1 else ""


def headline_loss_text(outcome: RunOutcome) -> str:
    """The one headline loss: value added lost through the input-output model, p50 [p5-p95]."""
    return views.headline_loss_text(outcome.economy, chunked=outcome.chunked, members=int(outcome.results.sizes["member"]))


def _total_at_risk(metrics: xr.Dataset) -> float:
    """Output at risk over all country-sectors (median over members), USD: an upper bound, not the headline."""
    from supplyshock.analysis.metrics import member_totals

    return float(member_totals(metrics)["total_output_at_risk_usd"].median())


def _summary_sentences(outcome: RunOutcome, countries: pd.DataFrame, labels: Labels) -> list[str]:
    from supplyshock.analysis.narrative import written_summary
    from supplyshock.analysis.summary import country_table

    if outcome.chunked:
        return []
    ct = country_table(outcome.results, outcome.economy)
    return written_summary(outcome.results, outcome.economy, countries=ct, sectors=outcome.summary, labels=labels)


def _tables(outcome: RunOutcome, metrics: xr.Dataset, top: int) -> list[RenderableType]:
    """Everything a run prints, in order (``metrics``: the run's per-member metrics)."""
    from supplyshock.analysis.labels import labels_for, period_text

    ds = outcome.results
    labels = labels_for(ds)
    note = _members_note(ds)
    countries = views.countries_frame(ds, outcome.economy, labels)
    members = int(ds.sizes["member"])
    name = str(ds.attrs.get("scenario_name", outcome.run_id))
    parts: list[RenderableType] = [
        f"{name}: simulated {period_text(ds)}, {members} member{'s' if members != 1 else ''}.",
        headline_loss_text(outcome),
    ]
    sentences = _summary_sentences(outcome, countries, labels)
    if sentences:
        parts.append("In short: " + " ".join(sentences))
    parts += views.countries_view(ds, outcome.economy, labels, top, note)
    parts += views.sectors_view(outcome.summary, ds, labels, top, note)
    if members > 1:
        parts += views.bands_view(metrics, labels, top)
    parts += [views.headline_view(meta, monthly, labels, note) for meta, monthly in views.headline_tables(ds)]
    if "price_index" in ds:
        parts += views.prices_view(ds, labels, top, note)
    if outcome.economy is not None:
        parts += views.economy_view(outcome.economy, labels, top)
    parts.append(
        f"Details: output at risk (shortfall x value of output per tonne, an upper bound, not the loss): "
        f"USD {_total_at_risk(metrics) / 1e9:,.1f} bn{note}."
    )
    return parts


def _payload(outcome: RunOutcome, metrics: xr.Dataset, report_path: Path | None) -> dict[str, Any]:
    """What ``--json`` prints: everything the tables show, every row (``null`` where a value is missing)."""
    from supplyshock.analysis.labels import labels_for
    from supplyshock.analysis.metrics import PRICE_RISE_SHOWN
    from supplyshock.analysis.narrative import ceiling_notes
    from supplyshock.analysis.summary import price_peaks

    ds = outcome.results
    labels = labels_for(ds)
    times = pd.DatetimeIndex(ds["time"].values)
    countries = views.countries_frame(ds, outcome.economy, labels)
    payload: dict[str, Any] = {
        "run_id": outcome.run_id,
        "recorded": outcome.recorded,
        "results": str(outcome.results_path),
        "chunked": outcome.chunked,
        "scenario": str(ds.attrs.get("scenario_name", "")),
        "dataset": str(ds.attrs.get("dataset", "")),
        "members": int(ds.sizes["member"]),
        "period": {"start": times[0].date().isoformat(), "end": times[-1].date().isoformat(), "days": len(times)},
        "headline": None,
        "summary_text": _summary_sentences(outcome, countries, labels) or None,
        "countries": records(countries),
        "summary": records(views.sectors_frame(outcome.summary, ds, labels)),
        "headlines": [
            {
                **meta,
                "columns": {str(c): (f"to {labels.country(c)}" if c not in ("total", "baseline", "change_pct") else str(c)) for c in monthly.columns},
                "months": {str(m): row for m, row in zip(monthly.index, records(monthly, index=False), strict=True)},
            }
            for meta, monthly in views.headline_tables(ds)
        ],
        "price_peaks": None,
        "total_output_at_risk_usd": _total_at_risk(metrics),
        "losses": None,
    }
    if "price_index" in ds:
        peaks = price_peaks(ds, min_rise=PRICE_RISE_SHOWN)
        peaks = peaks.assign(
            market_name=[labels.market(m) for m, _ in peaks.index],
            product_name=[labels.product(p) for _, p in peaks.index],
            ceiling=ceiling_notes(ds, peaks).replace("", None).to_numpy(),
        )
        payload["price_peaks"] = records(peaks)
    if ds.sizes["member"] > 1:
        frames = views.bands_frames(metrics, top=len(outcome.summary))
        payload["bands"] = records(frames[0]) if frames is not None else []
        payload["shortfall_probability_by_month_end"] = records(frames[1]) if frames is not None else []
    if outcome.economy is not None:
        from supplyshock.analysis.economy import economic_summary
        from supplyshock.analysis.narrative import loss_band
        from supplyshock.analysis.summary import loss_bands

        bands = loss_bands(outcome.economy)
        payload["headline"] = {
            "metric": "value_added_lost_usd",
            "currency": outcome.economy.attrs.get("currency"),
            "price_year": outcome.economy.attrs.get("price_year"),
            **loss_band(outcome.economy),
        }
        by_rs = economic_summary(outcome.economy)
        by_rs = by_rs.assign(region_name=[labels.region(r) for r, _ in by_rs.index], sector_name=[labels.mrio_sector(s) for _, s in by_rs.index])
        payload["losses"] = {
            "currency": outcome.economy.attrs.get("currency"),
            "bands": records(bands),
            "by_region_sector_usd": records(by_rs),
            "by_country": records(countries),
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
