"""``supplyshock data``: inspect the embedded datasets (or a folder of your own tables)."""

from __future__ import annotations

import click
import pandas as pd

from supplyshock.cli.options import dataset_option
from supplyshock.cli.output import console, echo_json, group, records, table
from supplyshock.schema import BASES

__all__ = ["data"]


@group()
def data() -> None:
    """Inspect the embedded datasets (or a folder of your own tables)."""


@data.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
def data_list(as_json: bool) -> None:
    """List the embedded datasets: what each covers and the built-in scenarios that use it."""
    from supplyshock.network import list_datasets, load_network
    from supplyshock.scenario import builtin_scenarios, load_scenario

    uses: dict[str, list[str]] = {}
    for name in builtin_scenarios():
        ds = load_scenario(name).dataset
        for d in ds if isinstance(ds, list) else [ds]:
            uses.setdefault(d, []).append(name)
    rows = []
    for name in list_datasets():
        net = load_network(name, check=False)
        meta = net.meta
        rows.append(
            {
                "dataset": name,
                "title": meta.title if meta is not None else "",
                "base year": meta.base_year if meta is not None else None,
                "countries": len(net.countries),
                "products": len(net.products),
                "sectors": len(net.sectors),
                "scenarios": ", ".join(sorted(uses.get(name, []))),
            }
        )
    frame = pd.DataFrame(rows).set_index("dataset")
    if as_json:
        echo_json(records(frame))
        return
    shown = frame.assign(
        title=frame["title"].str.split(" (", n=1, regex=False).str[0],
        scenarios=[len(v.split(", ")) if v else 0 for v in frame["scenarios"]],
    )
    console().print(table(shown, f"{len(frame)} embedded datasets (supplyshock data show --dataset NAME for one; --json for the scenarios)"))


@data.command("show")
@dataset_option
@click.option("--table", "table_name", default=None, help="Show one table in full.")
def data_show(dataset: str, table_name: str | None) -> None:
    """Summarise a dataset: stages, capacities, trade, demand by sector."""
    from supplyshock.network import load_network

    net = load_network(dataset, check=False)
    out = console()
    if table_name:
        if table_name not in net.tables:
            raise click.BadParameter(f"unknown table {table_name!r}; tables: {', '.join(net.tables)}", param_hint="--table")
        df = net.tables[table_name].drop(columns=[c for c in net.tables[table_name].columns if "source" in c])
        out.print(table(df.set_index(df.columns[0]), f"{dataset}: {table_name}", floats=",.3f"))
        return
    out.print(
        f"{dataset}: {len(net.countries)} countries, {len(net.products)} products, "
        f"{len(net.processes)} processes, {len(net.sectors)} end-use sectors, {len(net.link_flow0)} trade links",
    )
    year = f" ({net.meta.base_year})" if net.meta is not None and net.meta.base_year else ""
    fac = net.tables["facilities"].pivot_table(index="country", columns="process", values="output_t", aggfunc="sum", fill_value=0.0)
    out.print(table(fac[[p for p in net.processes if p in fac.columns]], f"Output by stage, t/yr{year}", floats=",.0f"))
    tr = net.tables["trade"][["exporter", "importer", "product", "flow_t", "transit_days"]]
    out.print(table(tr.set_index(["exporter", "importer"]), "Trade links, t/yr", floats=",.0f"))
    dem = net.tables["demand"].pivot_table(index="country", columns="sector", values="demand_t", aggfunc="sum", fill_value=0.0)
    out.print(table(dem[[s for s in net.sectors if s in dem.columns]], "Demand by end-use sector, t/yr", floats=",.0f"))


@data.command("sources")
@dataset_option
@click.option("--table", "table_name", default=None, help="Only this table.")
@click.option("--basis", type=click.Choice(list(BASES)), default=None, help="Only figures on this basis.")
def data_sources(dataset: str, table_name: str | None, basis: str | None) -> None:
    """List every figure's source, with its basis (reported, derived, fitted, assumption, definition).

    One line per figure when piped (to grep); wrapped to the terminal's width, continued
    lines indented, in a terminal.
    """
    import shutil
    import sys
    import textwrap

    from supplyshock.network import load_network

    src = load_network(dataset, check=False).sources()
    if table_name:
        src = src[src["table"] == table_name]
    if basis:
        src = src[src["basis"] == basis]
    width = shutil.get_terminal_size().columns if sys.stdout.isatty() else 0
    for rec in src.to_dict("records"):
        line = f"{rec['table']}:{rec['key']} [{rec['basis']}] {rec['source']}"
        click.echo(textwrap.fill(line, width=width, subsequent_indent="    ", break_on_hyphens=False) if width else line)
    counts = src["basis"].value_counts().to_dict()
    click.echo(f"{len(src)} figures: " + ", ".join(f"{v} {k}" for k, v in sorted(counts.items())))


@data.command("check")
@dataset_option
def data_check(dataset: str) -> None:
    """Check the baseline balance: production + imports = use + exports + stock change."""
    from supplyshock.network import BALANCE_TOLERANCE, load_network

    net = load_network(dataset, check=False)
    bal = net.balance()
    show = bal[["production", "imports", "process_use", "final_use", "exports", "residual"]]
    console().print(table(show, f"{dataset}: baseline balance per (country, product), t/yr"))
    if not bal["ok"].all():
        net.check()  # raises DataError naming each node that does not balance
    click.echo(f"balanced: {len(bal)} nodes within relative tolerance {BALANCE_TOLERANCE:.0e} (max {bal['relative'].max():.1e})")
