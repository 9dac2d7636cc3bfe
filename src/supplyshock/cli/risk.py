"""``supplyshock risk``: supply-risk indicators and time-to-survive, ranked.

* ``supplyshock risk indicators`` ranks products and elements by the EU supply-risk
  indicator computed from the dataset, with concentration and import reliance.
* ``supplyshock risk tts`` ranks nodes (facilities, trade links, exporters) by their
  LP time-to-survive, with the performance impact for ``--ttr`` days and, with
  ``--simulate``, the engine's first-shortfall day beside it.
"""

from __future__ import annotations

from pathlib import Path

import click
import numpy as np
import pandas as pd

from supplyshock.cli.options import dataset_option, run_store_option
from supplyshock.cli.output import console, echo_json, group, progress, records, table

__all__ = ["risk"]

_SORTS = {"sr": ("sr", False), "hhi": ("hhi", False), "ir": ("ir_eu", False), "hhi_wgi": ("hhi_wgi_gs", False), "product": ("product", True)}

#: Columns of the supply-risk table, with their headers.
_EU_COLUMNS = {
    "product": "product",
    "material": "element",
    "stage": "stage",
    "eu_stage": "EU stage",
    "hhi": "hhi",
    "top": "top",
    "ir_eu": "IR (EU)",
    "hhi_wgi_gs": "HHI_WGI GS",
    "hhi_wgi_eu": "HHI_WGI EU",
    "eol_rir": "EoL_RIR",
    "si_sr": "SI_SR",
    "sr": "SR",
    "sr_published": "SR EU 2023",
    "missing": "missing",
}
#: Columns of the time-to-survive table, with their headers.
_TTS_COLUMNS = {
    "node": "node",
    "stage": "stage",
    "baseline_t": "baseline t/yr",
    "tts_days": "TTS (days)",
    "lost_t": "lost t",
    "pi_usd": "PI (USD bn)",
    "rei": "REI",
    "vulnerable": "TTS < TTR",
    "sim_first_shortfall_day": "engine: first short day",
    "first_short": "who",
}


@group()
def risk() -> None:
    """Where the chain is fragile: supply-risk indicators and time-to-survive."""


@risk.command("indicators")
@dataset_option
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
@run_store_option
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
        gov, gov_note = pd.DataFrame(), str(exc)
    usgs_msg, usgs_partial = "", pd.DataFrame()
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

        stored = RunStore(store_path).record_analysis("risk-indicators", table_all, dataset=dataset, params={"sort": sort})
    if as_json:
        echo_json(
            {
                "dataset": dataset,
                "sort": sort,
                "eu_supply_risk": records(eu, index=False),
                "import_reliance": records(ir, index=False),
                "governance": records(gov, index=False) if len(gov) else gov_note,
                "usgs_2021": {"error": usgs_msg, "computable_inputs": records(usgs_partial, index=False)},
            }
        )
        return
    con = console()
    show = eu.assign(top=[f"{c} {s:.0%}" if isinstance(c, str) and c else "-" for c, s in zip(eu["top_country"], eu["top_share"], strict=True)])
    show = show[list(_EU_COLUMNS)]
    if not show["missing"].astype(bool).any():
        show = show.drop(columns=["missing"])
    con.print(
        table(
            show,
            f"{dataset}: EU supply risk (Blengini et al. 2017) per product and element, ranked by {sort}",
            index=False,
            floats=",.2f",
            formats={"hhi": ".3f", "ir_eu": ".0%", "eol_rir": ".0%", "si_sr": ".2f", "sr": ".2f", "sr_published": ".1f"},
            headers=_EU_COLUMNS,
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
        table(
            irs,
            "Import reliance (imports - exports) / apparent consumption, countries with IR > 0",
            index=False,
            floats=",.2f",
            formats={"production_t": ",.0f", "imports_t": ",.0f", "exports_t": ",.0f", "import_reliance": ".0%"},
        )
    )
    if gov_note:
        con.print(f"Governance: {gov_note}", soft_wrap=True)
    if usgs_msg:
        con.print(f"USGS 2021: {usgs_msg}", soft_wrap=True)
    if stored:
        con.print(f"Recorded in the store as {stored}")


@risk.command("tts")
@dataset_option
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
@run_store_option
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
    ranked = time_to_survive(net, nodes, ttr=ttr, model=model)
    if simulate:
        with progress("engine runs", "nodes", total=len(nodes), disable=as_json) as bar:
            cmp = compare_tts(net, nodes, horizon_days=horizon, model=model, progress=bar)
        ranked = ranked.join(compare_summary(cmp)[["sim_first_shortfall_day", "first_short", "short_region_sectors"]])
    if out is not None:
        ranked.to_csv(out)
    settings = {"ttr": ttr, "strategic": strategic, "in_transit": not no_transit, "reexport": reexport}
    if not no_store:
        from supplyshock.store import RunStore

        RunStore(store_path).record_analysis("time-to-survive", ranked.reset_index(), dataset=dataset, params=settings)
    if as_json:
        echo_json(
            {
                "dataset": dataset,
                "ttr_days": ttr,
                **{k: v for k, v in settings.items() if k != "ttr"},
                "nodes": records(ranked.reset_index(), index=False),
            }
        )
        return
    _print_tts(ranked, dataset=dataset, ttr=ttr, simulate=simulate, top=top, max_days=model.max_days)


def _print_tts(ranked: pd.DataFrame, *, dataset: str, ttr: float | None, simulate: bool, top: int, max_days: float) -> None:
    """The time-to-survive table and its notes."""
    cols = ["node", "stage", "baseline_t", "tts_days"]
    if ttr is not None:
        cols += ["lost_t", "pi_usd", "rei", "vulnerable"]
    if simulate:
        cols += ["sim_first_shortfall_day", "first_short"]
    show = ranked.reset_index()[cols].head(top)
    if "pi_usd" in show:
        show["pi_usd"] = show["pi_usd"] / 1e9
    finite = int(np.isfinite(ranked["tts_days"]).sum())
    con = console()
    con.print(
        table(
            show,
            f"{dataset}: time-to-survive per node, shortest first ({finite} of {len(ranked)} nodes finite; inf = demand met for {max_days:.0f} days)",
            index=False,
            floats=",.2f",
            formats={"baseline_t": ",.0f", "tts_days": ",.1f", "lost_t": ",.0f", "pi_usd": ",.2f", "rei": ".2f", "sim_first_shortfall_day": ",.0f"},
            headers=_TTS_COLUMNS,
        )
    )
    if ttr is not None:
        n_vul = int(ranked["vulnerable"].sum())
        con.print(f"{n_vul} node(s) with TTS < TTR = {ttr:g} days. PI = least value-weighted lost end-use demand over the TTR.")
    else:
        con.print("Give --ttr DAYS for the performance impact and the TTS < TTR flag.")
