"""``supplyshock compare RUN_A RUN_B [...]``: recorded runs side by side, their difference against a reference, and a comparison report.

Runs are named after what changed (the settings recorded with them, or how their
scenario differs from the reference's). The numbers are those of
:mod:`supplyshock.analysis.compare`; the report is :mod:`supplyshock.report.compare`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import numpy as np
import pandas as pd

from supplyshock.cli.options import run_store_option
from supplyshock.cli.output import CommandError, command, console, echo_json, records, table

__all__ = ["compare"]


def _bn(usd: float) -> float:
    return float(usd) / 1e9 if np.isfinite(usd) else float("nan")


@command()
@click.argument("runs", nargs=-1, required=True)
@click.option("--reference", default=None, help="The run the others are compared against (an id or prefix; default: the first).")
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Comparison report to write (default: compare-<reference id>.html in the current folder).",
)
@click.option("--no-report", is_flag=True, help="Print the comparison only; write no report.")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Also write the comparison as a tidy CSV.")
@click.option(
    "--xlsx",
    "xlsx_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write it as an Excel workbook (runs, countries, tidy).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as JSON instead of tables.")
@click.option("--top", type=click.IntRange(1, 1000), default=15, show_default=True, help="Countries shown in the terminal.")
@run_store_option
def compare(
    runs: tuple[str, ...],
    reference: str | None,
    out: Path | None,
    no_report: bool,
    csv_path: Path | None,
    xlsx_path: Path | None,
    as_json: bool,
    top: int,
    store_path: Path | None,
) -> None:
    """Compare recorded RUNS (ids or unique prefixes, two or more) against a reference run.

    Prints each run's headline loss with its band and its difference from the reference,
    then the loss of each country in every run; writes a self-contained comparison report
    (charts of the losses, by country and over time) and, if asked, the comparison as a
    tidy CSV or an Excel workbook.
    """
    from supplyshock.analysis.compare import compare_countries, compare_totals, comparison_long, load_view, name_runs, run_name
    from supplyshock.analysis.labels import labels_for
    from supplyshock.store import RunStore

    if len(runs) < 2:
        raise CommandError(f"compare needs two runs or more, got {len(runs)}; list them with `supplyshock runs list`")
    store = RunStore(store_path)
    ids = [store.resolve(r) for r in runs]
    if len(set(ids)) < len(ids):
        raise CommandError("the same run is named twice; give each run once")
    ref_id = store.resolve(reference) if reference else ids[0]
    if ref_id not in ids:
        ids.insert(0, ref_id)
    views = []
    for rid in ids:
        rec = store.get_run(rid)
        name = run_name(str(rec["scenario_name"]), rec.get("params") or {})
        views.append(load_view(rid, name, Path(str(rec["results_path"])), store.load_results(rid)))
    ref = ids.index(ref_id)
    name_runs(views, ref)
    labels = labels_for(views[ref].results)
    totals = compare_totals(views, ref)
    countries = compare_countries(views, ref, labels)
    tidy = comparison_long(totals, countries)
    written: list[Path] = []
    if csv_path is not None:
        csv_path.parent.mkdir(parents=True, exist_ok=True)
        tidy.to_csv(csv_path, index=False)
        written.append(csv_path)
    if xlsx_path is not None:
        from supplyshock.analysis.tidy import workbook

        xlsx_path.parent.mkdir(parents=True, exist_ok=True)
        xlsx_path.write_bytes(workbook({"runs": totals.reset_index(), "countries": countries, "tidy": tidy}))
        written.append(xlsx_path)
    report_path = None
    if not no_report:
        from supplyshock.report.compare import write_comparison

        report_path = write_comparison(views, out or Path(f"compare-{ref_id}.html"), ref)
    if as_json:
        echo_json(
            {
                "reference": ref_id,
                "runs": records(totals),
                "countries": records(countries, index=False),
                "report": str(report_path) if report_path else None,
                "files": [str(p) for p in written],
            }
        )
        return
    for part in _views(totals, countries, ref, top):
        console().print(part)
    for path in [*written, *([report_path] if report_path else [])]:
        console().print(f"Wrote {path}")


def _views(totals: pd.DataFrame, countries: pd.DataFrame, ref: int, top: int) -> list[Any]:
    """The runs table (letters, names, losses, differences), the legend and the countries table."""
    from supplyshock.cli.views import band_text, top_hint

    letters = [chr(ord("A") + i) for i in range(len(totals))]
    names = list(totals.index)
    rows = pd.DataFrame(
        {
            "run": [f"{n} (reference)" if i == ref else n for i, n in enumerate(names)],
            "value added lost, USD bn p50 [p5-p95]": [
                band_text(a, b, c, int(m))
                for a, b, c, m in totals[["value_added_lost_usd_p50", "value_added_lost_usd_p05", "value_added_lost_usd_p95", "members"]].to_numpy()
            ],
            "vs ref., USD bn": [np.nan if i == ref else _bn(v) for i, v in enumerate(totals["value_added_lost_usd_p50_diff"])],
            "first stop": [d or "never" for d in totals["first_stoppage_date"]],
            "countries\nshort": totals["countries_short"].to_numpy(),
        },
        index=pd.Index(letters, name=""),
    )
    parts: list[Any] = [
        f"Comparing {len(names)} runs against {names[ref]} (reference).",
        table(rows, "Runs", formats={"vs ref., USD bn": "+,.2f", "countries\nshort": ",.0f"}, max_widths={"run": 34}),
    ]
    order = countries[countries["run"] == names[ref]].sort_values("value_added_lost_usd_p50", ascending=False)["country"].tolist()
    order += [c for c in dict.fromkeys(countries["country"]) if c not in order]
    shown = order[:top]
    by = pd.DataFrame(index=pd.Index([countries.loc[countries["country"] == c, "country_name"].iloc[0] for c in shown], name="country"))
    for i, (letter, name) in enumerate(zip(letters, names, strict=True)):
        part = countries[countries["run"] == name].set_index("country").reindex(shown)
        if i == ref:
            by[f"{letter} lost\nUSD bn"] = part["value_added_lost_usd_p50"].to_numpy() / 1e9
        else:
            by[f"{letter} vs ref.\nUSD bn"] = part["value_added_lost_usd_p50_diff"].to_numpy() / 1e9
    formats = {c: ("+,.2f" if "vs" in c else ",.2f") for c in by.columns}
    title = f"Value added lost by country: the reference ({letters[ref]}) and each run's difference"
    parts.append(table(by, title, formats=formats, max_widths={"country": 22}))
    hint = top_hint(len(shown), len(order), "countries")
    if hint:
        parts.append(hint)
    return parts
