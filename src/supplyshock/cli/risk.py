"""``supplyshock risk``: supply-risk indicators and time-to-survive, ranked.

* ``supplyshock risk indicators`` ranks the products and elements of every embedded
  dataset together (or of the ``--dataset`` given) by the EU supply-risk indicator
  computed from the data, with concentration and import reliance.
* ``supplyshock risk tts`` ranks nodes (facilities, trade links, exporters) by their
  LP time-to-survive, an optimistic bound (perfect reallocation), beside the engine's
  first shortfall for the same cut, with the performance impact for ``--ttr`` days.

Output fits :data:`WIDTH` columns; ``--json`` holds everything the tables show.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import numpy as np
import pandas as pd
from rich.console import Console

from supplyshock.cli.options import dataset_option, run_store_option
from supplyshock.cli.output import console, echo_json, group, progress, records, table

if TYPE_CHECKING:
    from supplyshock.analysis.risk import RiskInputs

__all__ = ["WIDTH", "risk"]

#: Widest line the ``risk`` commands print (tables are squeezed and text wrapped to fit).
WIDTH = 100

_SORTS = {"sr": ("sr", False), "hhi": ("hhi", False), "ir": ("ir_eu", False), "hhi_wgi": ("hhi_wgi_gs", False), "product": ("product", True)}

#: Columns of the supply-risk table, with their (short) headers; the legend says what each is.
_EU_COLUMNS = {
    "product": "product",
    "material": "element",
    "stage": "stage",
    "hhi": "HHI",
    "top": "top",
    "ir_eu": "IR\nEU",
    "hhi_wgi_gs": "HHI\nWGI",
    "sr": "SR",
    "sr_published": "EU\n2023",
}
#: Columns of the time-to-survive table, with their headers.
_TTS_COLUMNS = {
    "node": "node",
    "stage": "stage",
    "baseline_t": "baseline\nt/yr",
    "tts_days": "TTS\nbound\n(days)",
    "engine_first_shortfall_days": "engine\nfirst\nshortfall\n(days)",
    "engine_first_short": "who",
    "lost_t": "lost t",
    "pi_usd": "PI\nUSD bn",
    "rei": "REI",
    "vulnerable": "TTS <\nTTR",
}


@group()
def risk() -> None:
    """Where the chain is fragile: supply-risk indicators and time-to-survive."""


@risk.command("indicators")
@click.option(
    "--dataset",
    "datasets",
    multiple=True,
    help="Dataset name or folder (repeatable; default: every embedded dataset, ranked together).",
)
@click.option(
    "--sort",
    "sort",
    type=click.Choice(sorted(_SORTS)),
    default="sr",
    show_default=True,
    help="Rank by EU supply risk, concentration, EU import reliance, governance-weighted HHI, or product.",
)
@click.option("--top", type=click.IntRange(1, 10_000), default=25, show_default=True, help="Rows of the import-reliance table to show.")
@click.option("--json", "as_json", is_flag=True, help="Print the indicators as JSON (everything the tables show, null where missing).")
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the tidy table of every indicator (risk_table, one block per dataset) to this CSV file.",
)
@run_store_option
@click.option("--no-store", is_flag=True, help="Do not record the indicators in the store.")
def indicators(datasets: tuple[str, ...], sort: str, top: int, as_json: bool, out: Path | None, store_path: Path | None, no_store: bool) -> None:
    """Rank the products of every dataset together by the EU supply-risk indicator, with concentration and import reliance."""
    from supplyshock.analysis.risk import (
        MissingInputError,
        country_governance,
        import_reliance,
        load_risk_inputs,
        rank_datasets,
        risk_table,
        usgs_supply_risk,
    )
    from supplyshock.errors import DataError
    from supplyshock.network import list_datasets, load_network

    names = list(datasets) or list_datasets()
    nets = [load_network(name, check=False) for name in names]
    inputs = load_risk_inputs()
    col, asc = _SORTS[sort]
    eu = rank_datasets(nets, inputs, by=col, ascending=asc)
    irs, govs, usgs_parts, tidy = [], [], [], []
    gov_notes: dict[str, str] = {}
    usgs_msg = ""
    for net in nets:
        ir = import_reliance(net)
        irs.append(ir[ir["import_reliance"] > 0].assign(dataset=net.name))
        try:
            govs.append(country_governance(net, inputs).reset_index().assign(dataset=net.name))
        except MissingInputError as exc:
            gov_notes[net.name] = str(exc)
        try:
            usgs_supply_risk(net, inputs)
        except MissingInputError as exc:
            usgs_msg = usgs_msg or str(exc).split(". Only the published")[0]
            if exc.partial is not None:
                usgs_parts.append(exc.partial.reset_index().assign(dataset=net.name))
        except DataError as exc:
            usgs_parts.append(pd.DataFrame({"dataset": [net.name], "error": [str(exc)]}))
        tidy.append(risk_table(net, inputs).assign(dataset=net.name))
    ir_all = pd.concat(irs, ignore_index=True).sort_values(["import_reliance", "apparent_t"], ascending=False, kind="stable")
    ir_all = ir_all[["dataset", *[c for c in ir_all.columns if c != "dataset"]]]
    table_all = pd.concat(tidy, ignore_index=True)
    table_all = table_all[["dataset", *[c for c in table_all.columns if c != "dataset"]]]
    if out is not None:
        table_all.to_csv(out, index=False)
    stored = ""
    if not no_store:
        from supplyshock.store import RunStore

        stored = RunStore(store_path).record_analysis("risk-indicators", table_all, dataset=",".join(names), params={"sort": sort, "datasets": names})
    legend = _legend(inputs)
    if as_json:
        echo_json(
            {
                "datasets": names,
                "sort": sort,
                "legend": legend,
                "eu_bloc": {str(d): str(b) or None for d, b in eu.groupby("dataset")["eu_bloc"].first().items()},
                "eu_supply_risk": _records(eu),
                "import_reliance": _records(ir_all),
                "governance": _records(pd.concat(govs, ignore_index=True)) if govs else [],
                "governance_missing": gov_notes,
                "usgs_2021": {
                    "error": usgs_msg or None,
                    "computable_inputs": _records(pd.concat(usgs_parts, ignore_index=True)) if usgs_parts else [],
                },
            }
        )
        return
    con = console()
    top_cells = pd.Series(
        [f"{c} {s:.0%}" if isinstance(c, str) and c else None for c, s in zip(eu["top_country"], eu["top_share"], strict=True)], index=eu.index
    )
    show = eu.assign(top=top_cells, material=eu["material"].replace("", None))
    show = show[list(_EU_COLUMNS)]
    _print(
        con,
        table(
            show,
            f"EU supply risk (Blengini et al. 2017) of {len(nets)} dataset(s), per product and element, ranked by {sort}",
            index=False,
            floats=",.2f",
            formats={"hhi": ".2f", "ir_eu": ".0%", "hhi_wgi_gs": ".1f", "sr": ".2f", "sr_published": ".1f"},
            headers=_EU_COLUMNS,
        ),
    )
    for field, text in legend.items():
        header = _EU_COLUMNS.get(field, "").replace("\n", " ")
        _print(con, f"{header} ({field}): {text}" if header else text)
    shown = ir_all.head(top)[["dataset", "country", "product", "production_t", "imports_t", "exports_t", "import_reliance"]]
    _print(
        con,
        table(
            shown,
            f"Import reliance (imports - exports) / apparent consumption, IR > 0: {len(shown)} of {len(ir_all)} (--top; --json has all)",
            index=False,
            floats=",.0f",
            formats={"import_reliance": ".0%"},
            headers={"production_t": "production\nt/yr", "imports_t": "imports\nt/yr", "exports_t": "exports\nt/yr", "import_reliance": "IR"},
        ),
    )
    for name, note in gov_notes.items():
        _print(con, f"Governance ({name}): {note}")
    if usgs_msg:
        _print(con, f"USGS 2021: {usgs_msg}. Published overall scores and the computable inputs: --json.")
    if stored:
        _print(con, f"Recorded in the store as {stored}")


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON records with null for every missing value, empty text included."""
    return records(frame.astype(object).where(frame.notna() & (frame != ""), None), index=False)


def _legend(inputs: RiskInputs) -> dict[str, str]:
    """What each column of the supply-risk table means (shown under it and in --json)."""
    regions = ", ".join(str(r) for r in inputs.wgi_regions["region"])
    return {
        "hhi": "production concentration, sum of squared country shares of the product's output (0-1)",
        "top": "largest producer and its share of output (top_country, top_share)",
        "ir_eu": "import reliance of the dataset's EU countries as one bloc (eu_bloc; blocs.csv), 0-1",
        "hhi_wgi_gs": "HHI of global supply weighted by governance (WGI 2016-2020 rescaled 5 - 2*mean, 0-10; "
        f"aggregates {regions} by assumption, wgi_regions.csv)",
        "sr": "EU supply risk computed from the dataset: [HHI_WGI GS * IR/2 + HHI_WGI EU * (1 - IR/2)] * (1 - EoL_RIR) * SI_SR "
        "(EoL_RIR, SI_SR: the element's, EU 2023)",
        "sr_published": "EU 2023 published SR at the product's EU stage (material_map.csv; none: the EU assessed no such stage)",
        "missing": "'-' = not computable or not published; --json has every column and names the missing inputs of each row",
    }


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
@click.option(
    "--end-use-restriction/--no-end-use-restriction",
    default=True,
    show_default=True,
    help="When a link or an exporter is cut, third countries may not pass the exporter's material on to the cut "
    "destinations (end-user declarations); --no-end-use-restriction gives the unrestricted LP, for comparison.",
)
@click.option(
    "--engine",
    "engine",
    type=click.Choice(["top", "all", "none"]),
    default="top",
    show_default=True,
    help="Run the engine with each node cut for its first shortfall: for the --top nodes listed, every node, or none.",
)
@click.option("--horizon", type=click.IntRange(1, 3650), default=365, show_default=True, help="Engine horizon, days.")
@click.option("--top", type=click.IntRange(1, 10_000), default=30, show_default=True, help="Rows to show (and engine runs with --engine top).")
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
    end_use_restriction: bool,
    engine: str,
    horizon: int,
    top: int,
    as_json: bool,
    out: Path | None,
    store_path: Path | None,
    no_store: bool,
) -> None:
    """Rank nodes by LP time-to-survive (Simchi-Levi et al. 2015), an optimistic bound, beside the engine's first shortfall."""
    from supplyshock.analysis.tts import TTSModel, engine_first_shortfall, network_nodes, time_to_survive
    from supplyshock.network import load_network

    net = load_network(dataset, check=False)
    model = TTSModel(net, strategic=strategic, in_transit=not no_transit, reexport=reexport, end_use_restriction=end_use_restriction)
    nodes = network_nodes(net, kinds or ("facility", "link", "exports"))
    ranked = time_to_survive(net, nodes, ttr=ttr, model=model)
    by_label = {n.label: n for n in nodes}
    run_labels = [] if engine == "none" or ranked.empty else list(ranked.index if engine == "all" else ranked.index[:top])
    with progress("engine runs", "nodes", total=len(run_labels), disable=as_json or not run_labels) as bar:
        eng = engine_first_shortfall(
            net, [by_label[x] for x in run_labels], horizon_days=horizon, end_use_restriction=end_use_restriction, progress=bar
        )
    ranked = ranked.join(eng.drop(columns=["engine_horizon_days"]))
    ranked["engine_short_region_sectors"] = ranked["engine_short_region_sectors"].astype("Int64")
    ranked.insert(list(ranked.columns).index("tts_days") + 1, "engine_run", ranked.index.isin(run_labels))
    if out is not None:
        ranked.to_csv(out)
    settings = {
        "ttr": ttr,
        "strategic": strategic,
        "in_transit": not no_transit,
        "reexport": reexport,
        "end_use_restriction": end_use_restriction,
        "engine": engine,
        "horizon_days": horizon,
    }
    if not no_store:
        from supplyshock.store import RunStore

        RunStore(store_path).record_analysis("time-to-survive", ranked.reset_index(), dataset=dataset, params=settings)
    engine_scope = {"top": f"the first {min(top, len(ranked))} nodes by TTS", "all": "every node", "none": "no node"}[engine]
    if as_json:
        echo_json(
            {
                "dataset": dataset,
                "ttr_days": ttr,
                **{k: v for k, v in settings.items() if k != "ttr"},
                "tts_note": _TTS_NOTE,
                "max_days": model.max_days,
                "tts_days_null": f"infinite: demand met for max_days ({model.max_days:g}) days ('inf' in the table)",
                "engine_note": f"engine_first_shortfall_days: the engine run with the node cut on day 0, for {engine_scope} "
                f"(engine_run); null where not run or where no region-sector runs short within {horizon} days",
                "nodes": _records(ranked.reset_index()),
            }
        )
        return
    _print_tts(ranked, dataset=dataset, ttr=ttr, top=top, max_days=model.max_days, horizon=horizon, engine_scope=engine_scope)


#: What the time-to-survive is, wherever it is shown.
_TTS_NOTE = (
    "TTS is an optimistic bound: the LP assumes perfect reallocation (the cut and its length known on day 0, every "
    "stock pooled, instant shipping on uncapacitated links, early demand served from later output). The engine's "
    "first shortfall for the same cut comes earlier or at the same time."
)


def _print_tts(ranked: pd.DataFrame, *, dataset: str, ttr: float | None, top: int, max_days: float, horizon: int, engine_scope: str) -> None:
    """The time-to-survive table and its notes."""
    cols = ["node", "stage", "baseline_t", "tts_days", "engine_first_shortfall_days", "engine_first_short"]
    if ttr is not None:  # the stage (the product in the label says it) makes room for the impact columns
        cols = [c for c in cols if c != "stage"] + ["lost_t", "pi_usd", "rei", "vulnerable"]
    show = ranked.reset_index().head(top)
    show["engine_first_shortfall_days"] = [
        (f"{d:,.0f}" if np.isfinite(d) else f"> {horizon}") if ran else "-"
        for d, ran in zip(show["engine_first_shortfall_days"], show["engine_run"], strict=True)
    ]
    show = show[cols]
    if "pi_usd" in show:
        show["pi_usd"] = show["pi_usd"] / 1e9
    finite = int(np.isfinite(ranked["tts_days"]).sum())
    con = console()
    tab = table(
        show,
        f"{dataset}: time-to-survive per node, shortest first ({finite} of {len(ranked)} finite; inf = demand met for {max_days:.0f} days)",
        index=False,
        floats=",.2f",
        formats={"baseline_t": ",.0f", "tts_days": ",.1f", "lost_t": ",.0f", "pi_usd": ",.2f", "rei": ".2f"},
        headers=_TTS_COLUMNS,
        justify={"engine_first_shortfall_days": "right"},
    )
    tab.columns[0].no_wrap = True  # labels are never cut; the other columns wrap to fit
    _print(con, tab)
    for text in (
        _TTS_NOTE,
        f"Engine first shortfall (days of full supply before the first short day, any region-sector; who = the countries "
        f"short that day): run for {engine_scope}; '-' not run (--engine all for every node), '> {horizon}' none short "
        f"within the {horizon}-day horizon.",
    ):
        _print(con, text)
    if ttr is not None:
        n_vul = int(ranked["vulnerable"].sum())
        _print(con, f"{n_vul} node(s) with TTS < TTR = {ttr:g} days. PI = least value-weighted lost end-use demand over the TTR.")
    else:
        _print(con, "Give --ttr DAYS for the performance impact and the TTS < TTR flag.")


def _print(con: Console, obj: Any) -> None:
    """Print a table or a text no wider than :data:`WIDTH` (or the terminal, if narrower)."""
    con.print(obj, width=min(WIDTH, con.width))
