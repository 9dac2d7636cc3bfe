"""``supplyshock risk``: supply-risk indicators and time-to-survive, ranked.

The group is registered on the main command line with ``main.add_command(risk)``.

* ``supplyshock risk indicators`` ranks products and elements by the EU supply-risk
  indicator computed from the dataset, with concentration and import reliance.
* ``supplyshock risk tts`` ranks nodes (facilities, trade links, exporters) by their
  LP time-to-survive, with the performance impact for ``--ttr`` days and, with
  ``--simulate``, the engine's first-shortfall day beside it.

A user error prints one line, ``Error: <message>``, on stderr and exits with status 2.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import click
import numpy as np
import pandas as pd
from rich.console import Console
from rich.table import Table

from supplyshock.cli_common import ErrorGroup

__all__ = ["risk"]

_PIPE_WIDTH = 200
_SORTS = {"sr": ("sr", False), "hhi": ("hhi", False), "ir": ("ir_eu", False), "hhi_wgi": ("hhi_wgi_gs", False), "product": ("product", True)}


_RiskGroup = ErrorGroup


def _console() -> Console:
    console = Console(highlight=False)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console = Console(highlight=False, width=_PIPE_WIDTH)
    return console


def _fmt(v: Any, spec: str) -> str:
    if isinstance(v, bool | np.bool_):
        return "yes" if v else ""
    if isinstance(v, float | np.floating):
        if math.isnan(v):
            return "-"
        if math.isinf(v):
            return "inf"
        return format(float(v), spec)
    return str(v)


def _table(df: pd.DataFrame, title: str, formats: dict[str, str]) -> Table:
    tab = Table(title=title, title_justify="left")
    for col in df.columns:
        numeric = pd.api.types.is_numeric_dtype(df[col]) and not pd.api.types.is_bool_dtype(df[col])
        tab.add_column(str(col), justify="right" if numeric else "left")
    for rec in df.itertuples(index=False):
        tab.add_row(*[_fmt(v, formats.get(str(c), ",.2f")) for c, v in zip(df.columns, rec, strict=True)])
    return tab


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = json.loads(df.replace([np.inf, -np.inf], None).to_json(orient="records"))
    return out


_dataset_opt = click.option("--dataset", default="rare-earths", show_default=True, help="Dataset name or folder.")


@click.group(cls=_RiskGroup)
def risk() -> None:
    """Where the chain is fragile: supply-risk indicators and time-to-survive."""


@risk.command("indicators")
@_dataset_opt
@click.option(
    "--sort",
    "sort",
    type=click.Choice(sorted(_SORTS)),
    default="sr",
    show_default=True,
    help="Rank by EU supply risk, concentration, EU import reliance, governance-weighted HHI, or product.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the indicators as JSON.")
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the tidy table of every indicator (risk_table) to this CSV file.",
)
@click.option(
    "--store",
    "store_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Run store file (default: $SUPPLYSHOCK_HOME/runs.duckdb).",
)
@click.option("--no-store", is_flag=True, help="Do not record the indicators in the store.")
def indicators(dataset: str, sort: str, as_json: bool, out: Path | None, store_path: Path | None, no_store: bool) -> None:
    """Rank products and elements by the EU supply-risk indicator computed from the dataset."""
    from supplyshock.analysis.risk import (
        MissingInputError,
        country_governance,
        eu_supply_risk,
        import_reliance,
        load_risk_inputs,
        risk_table,
        usgs_supply_risk,
    )
    from supplyshock.network import load_network

    net = load_network(dataset, check=False)
    inputs = load_risk_inputs()
    eu = eu_supply_risk(net, inputs, on_missing="report")
    col, asc = _SORTS[sort]
    eu = eu.sort_values([col, "product", "material"], ascending=[asc, True, True], na_position="last", kind="stable")
    ir = import_reliance(net)
    ir = ir[ir["import_reliance"] > 0].sort_values(["import_reliance", "apparent_t"], ascending=False)
    try:
        gov = country_governance(net, inputs).reset_index()
        gov_note = ""
    except MissingInputError as exc:
        gov = pd.DataFrame()
        gov_note = str(exc)
    usgs_msg = ""
    usgs_partial = pd.DataFrame()
    try:
        usgs_supply_risk(net, inputs)
    except MissingInputError as exc:
        usgs_msg = str(exc)
        usgs_partial = exc.partial.reset_index() if exc.partial is not None else pd.DataFrame()
    table_all = risk_table(net, inputs)
    if out is not None:
        table_all.to_csv(out, index=False)
    stored = ""
    if not no_store:
        from supplyshock.store import RunStore

        store = RunStore(store_path) if store_path else RunStore()
        stored = store.record_analysis("risk-indicators", table_all, dataset=dataset, params={"sort": sort})
    if as_json:
        click.echo(
            json.dumps(
                {
                    "dataset": dataset,
                    "sort": sort,
                    "eu_supply_risk": _records(eu),
                    "import_reliance": _records(ir),
                    "governance": _records(gov) if len(gov) else gov_note,
                    "usgs_2021": {"error": usgs_msg, "computable_inputs": _records(usgs_partial)},
                },
                indent=2,
            )
        )
        return
    con = _console()
    show = eu.assign(top=[f"{c} {s:.0%}" if isinstance(c, str) and c else "-" for c, s in zip(eu["top_country"], eu["top_share"], strict=True)])
    show = show[
        [
            "product",
            "material",
            "stage",
            "eu_stage",
            "hhi",
            "top",
            "ir_eu",
            "hhi_wgi_gs",
            "hhi_wgi_eu",
            "eol_rir",
            "si_sr",
            "sr",
            "sr_published",
            "missing",
        ]
    ]
    show = show.rename(
        columns={
            "material": "element",
            "eu_stage": "EU stage",
            "ir_eu": "IR (EU)",
            "hhi_wgi_gs": "HHI_WGI GS",
            "hhi_wgi_eu": "HHI_WGI EU",
            "eol_rir": "EoL_RIR",
            "si_sr": "SI_SR",
            "sr": "SR",
            "sr_published": "SR EU 2023",
        }
    )
    if not show["missing"].astype(bool).any():
        show = show.drop(columns=["missing"])
    con.print(
        _table(
            show,
            f"{dataset}: EU supply risk (Blengini et al. 2017) per product and element, ranked by {sort}",
            {"hhi": ".3f", "IR (EU)": ".0%", "EoL_RIR": ".0%", "SI_SR": ".2f", "SR": ".2f", "SR EU 2023": ".1f"},
        )
    )
    con.print(
        "EU stages: extraction ~ mining, processing ~ separation; the EU published no SR for the metal and magnet "
        "stages. EoL_RIR and SI_SR are the element's (EU 2023, all uses). Governance: WGI 2016-2020, 5 - 2*mean, "
        "aggregates MML/EUR/ROW by assumption (wgi_regions.csv).",
        soft_wrap=True,
    )
    irs = ir[["country", "product", "production_t", "imports_t", "exports_t", "import_reliance"]]
    con.print(
        _table(
            irs,
            "Import reliance (imports - exports) / apparent consumption, countries with IR > 0",
            {"production_t": ",.0f", "imports_t": ",.0f", "exports_t": ",.0f", "import_reliance": ".0%"},
        )
    )
    if gov_note:
        con.print(f"Governance: {gov_note}", soft_wrap=True)
    if usgs_msg:
        con.print(f"USGS 2021: {usgs_msg}", soft_wrap=True)
    if stored:
        con.print(f"Recorded in the store as {stored}")


@risk.command("tts")
@_dataset_opt
@click.option(
    "--ttr",
    type=click.FloatRange(min=0.0),
    default=None,
    help="Time to recover (days), the same for every node: adds performance impact and the TTS < TTR flag.",
)
@click.option(
    "--kind", "kinds", type=click.Choice(["facility", "link", "exports"]), multiple=True, help="Node kinds to cut (repeatable; default all)."
)
@click.option("--strategic", is_flag=True, help="Count strategic stocks as available.")
@click.option("--no-transit", is_flag=True, help="Do not count goods in transit at the start as stock.")
@click.option("--reexport", is_flag=True, help="Let countries export what they import.")
@click.option("--simulate", is_flag=True, help="Also run the engine with each node cut and show its first-shortfall day.")
@click.option("--horizon", type=click.IntRange(1, 3650), default=365, show_default=True, help="Engine horizon, days (with --simulate).")
@click.option("--top", type=click.IntRange(1, 10_000), default=30, show_default=True, help="Rows to show.")
@click.option("--json", "as_json", is_flag=True, help="Print the table as JSON.")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Also write the table to this CSV.")
@click.option(
    "--store",
    "store_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Run store file (default: $SUPPLYSHOCK_HOME/runs.duckdb).",
)
@click.option("--no-store", is_flag=True, help="Do not record the table in the store.")
def tts(
    dataset: str,
    ttr: float | None,
    kinds: tuple[str, ...],
    strategic: bool,
    no_transit: bool,
    reexport: bool,
    simulate: bool,
    horizon: int,
    top: int,
    as_json: bool,
    out: Path | None,
    store_path: Path | None,
    no_store: bool,
) -> None:
    """Rank nodes by LP time-to-survive (Simchi-Levi et al. 2015) when each is cut."""
    from supplyshock.analysis.tts import TTSModel, compare_summary, compare_tts, network_nodes, time_to_survive
    from supplyshock.network import load_network

    net = load_network(dataset, check=False)
    model = TTSModel(net, strategic=strategic, in_transit=not no_transit, reexport=reexport)
    nodes = network_nodes(net, kinds or ("facility", "link", "exports"))
    table = time_to_survive(net, nodes, ttr=ttr, model=model)
    if simulate:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        with Progress(
            TextColumn("[bold]engine runs[/]"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=Console(stderr=True), disable=as_json
        ) as bar:
            task = bar.add_task("simulate", total=len(nodes))
            cmp = compare_tts(net, nodes, horizon_days=horizon, model=model, progress=lambda k: bar.update(task, completed=k))
        summ = compare_summary(cmp)
        table = table.join(summ[["sim_first_shortfall_day", "first_short", "short_region_sectors"]])
    if out is not None:
        table.to_csv(out)
    if not no_store:
        from supplyshock.store import RunStore

        store = RunStore(store_path) if store_path else RunStore()
        store.record_analysis(
            "time-to-survive",
            table.reset_index(),
            dataset=dataset,
            params={"ttr": ttr, "strategic": strategic, "in_transit": not no_transit, "reexport": reexport},
        )
    if as_json:
        click.echo(
            json.dumps(
                {
                    "dataset": dataset,
                    "ttr_days": ttr,
                    "strategic": strategic,
                    "in_transit": not no_transit,
                    "reexport": reexport,
                    "nodes": _records(table.reset_index()),
                },
                indent=2,
            )
        )
        return
    con = _console()
    cols = ["node", "stage", "baseline_t", "tts_days"]
    if ttr is not None:
        cols += ["lost_t", "pi_usd", "rei", "vulnerable"]
    if simulate:
        cols += ["sim_first_shortfall_day", "first_short"]
    show = (
        table.reset_index()[cols]
        .head(top)
        .rename(
            columns={
                "baseline_t": "baseline t/yr",
                "tts_days": "TTS (days)",
                "lost_t": "lost t",
                "pi_usd": "PI (USD bn)",
                "rei": "REI",
                "vulnerable": "TTS < TTR",
                "sim_first_shortfall_day": "engine: first short day",
                "first_short": "who",
            }
        )
    )
    if "PI (USD bn)" in show:
        show["PI (USD bn)"] = show["PI (USD bn)"] / 1e9
    finite = int(np.isfinite(table["tts_days"]).sum())
    con.print(
        _table(
            show,
            f"{dataset}: time-to-survive per node, shortest first ({finite} of {len(table)} nodes finite; "
            f"inf = demand met for {model.max_days:.0f} days)",
            {"baseline t/yr": ",.0f", "TTS (days)": ",.1f", "lost t": ",.0f", "PI (USD bn)": ",.2f", "REI": ".2f", "engine: first short day": ",.0f"},
        )
    )
    if ttr is not None:
        n_vul = int(table["vulnerable"].sum())
        con.print(f"{n_vul} node(s) with TTS < TTR = {ttr:g} days. PI = least value-weighted lost end-use demand over the TTR.")
    else:
        con.print("Give --ttr DAYS for the performance impact and the TTS < TTR flag.")
