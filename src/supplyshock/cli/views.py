"""What ``run`` and ``compare`` print: tables that fit 100 columns, with names, units and the one headline total.

Every number comes from :mod:`supplyshock.analysis` (one definition of each metric); this
module chooses columns, headers, widths and words. Tables are made for a terminal of 100
columns: long names wrap at spaces inside their column (:data:`NAME_WIDTH`), codes that
would be too wide are abbreviated with a legend printed under the table, and a table cut
to ``--top`` rows says how many more there are and how to see them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
from rich.console import RenderableType

from supplyshock.analysis.labels import Labels
from supplyshock.analysis.narrative import money_bn
from supplyshock.cli.output import table

__all__ = [
    "MAX_COLUMNS",
    "bands_frames",
    "countries_frame",
    "countries_view",
    "economy_view",
    "headline_loss_text",
    "headline_tables",
    "prices_view",
    "sectors_view",
    "top_hint",
]

#: The width every table is made to fit.
MAX_COLUMNS = 100
#: Widest a name column grows before its names wrap onto a second line.
NAME_WIDTH = 22
#: Letters that stand for materials in the headers of a multi-material country table.
_KEYS = "abcdefghij"


def day_date(ds: xr.Dataset, day: float) -> str | None:
    """Day of the horizon -> ISO date (None: never)."""
    if day is None or not np.isfinite(day):
        return None
    return (pd.Timestamp(ds["time"].values[0]) + pd.Timedelta(days=int(day))).date().isoformat()


def top_hint(shown: int, total: int, what: str) -> str | None:
    """``"5 more countries not shown: --top 12 shows all."`` when a table was cut, else None."""
    if shown >= total:
        return None
    return f"{total - shown} more {what} not shown: --top {total} shows all (--json lists every row)."


def band_text(p50: float, p05: float, p95: float, members: int) -> str:
    """``"85.2 [53.0-133]"`` (USD bn; the band only when there are several members)."""
    if members > 1 and np.isfinite(p05) and np.isfinite(p95):
        return f"{money_bn(p50)} [{money_bn(p05)}-{money_bn(p95)}]"
    return money_bn(p50)


def headline_loss_text(eco: xr.Dataset | None, *, chunked: bool, members: int) -> str:
    """THE headline total: value added lost through the input-output model, p50 with its p5-p95 band."""
    from supplyshock.analysis.narrative import loss_band

    if eco is None:
        if chunked:
            return "Value added lost: not computed for ensembles run in chunks (the shortfalls in tonnes are below)."
        return "Value added lost: not valued (the dataset gives no value of output per tonne, or --no-economy); shortfalls in tonnes below."
    va = loss_band(eco)
    go = loss_band(eco, "output_lost_usd")["p50"]
    band = f" (p5-p95 {money_bn(va['p05'])} to {money_bn(va['p95'])} bn)" if members > 1 else ""
    year = eco.attrs.get("price_year", "")
    return (
        f"Headline: value added lost USD {money_bn(va['p50'])} bn{band}, US dollars of {year}, directly and through "
        f"supply chains (input-output model). Gross output lost: USD {money_bn(go)} bn."
    )


def countries_frame(ds: xr.Dataset, eco: xr.Dataset | None, labels: Labels) -> pd.DataFrame:
    """The country table with names and dates (:func:`supplyshock.analysis.tidy.country_ranking`)."""
    from supplyshock.analysis.tidy import country_ranking

    return country_ranking(ds, eco)


def _tonne_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if c.startswith("shortfall_t")]


def countries_view(ds: xr.Dataset, eco: xr.Dataset | None, labels: Labels, top: int, note: str) -> list[RenderableType]:
    """Who is hurt, one row per country, worst loss first (the table and its legend and hint)."""
    frame = countries_frame(ds, eco, labels)
    members = int(ds.sizes["member"])
    shown = frame.head(top)
    tonnes = sorted(_tonne_columns(frame), key=lambda c: -float(frame[c].to_numpy().sum()))
    rows = pd.DataFrame(index=pd.Index(shown["country_name"], name="country"))
    rows["first stop"] = shown["first_stoppage_date"].to_numpy()
    rows["days\nshort"] = shown["days_short"].to_numpy()
    rows["peak\n%"] = shown["peak_shortfall_pct"].to_numpy()
    legend: list[str] = []
    if tonnes == ["shortfall_t"]:
        rows["short (t)"] = shown["shortfall_t"].to_numpy()
    else:
        for key, col in zip(_KEYS, tonnes[:2], strict=False):
            rows[f"short\nt [{key}]"] = shown[col].to_numpy()
            legend.append(f"[{key}] {labels.product(col.removeprefix('shortfall_t_'))}")
        if len(tonnes) > 2:
            legend.append(f"{len(tonnes) - 2} other materials in --json")
    if eco is not None:
        head = "value added lost, USD bn" + (" p50 [p5-p95]" if members > 1 else "")
        rows[head] = [
            band_text(a, b, c, members)
            for a, b, c in shown[["value_added_lost_usd_p50", "value_added_lost_usd_p05", "value_added_lost_usd_p95"]].to_numpy()
        ]
    title = f"Who is hurt, by country: worst loss first{note}" if eco is not None else f"Who runs short, by country{note}"
    formats = {c: ",.0f" for c in rows.columns if c.startswith(("short", "days", "peak"))}
    out: list[RenderableType] = [table(rows, title, formats=formats, max_widths={"country": 20})]
    notes = []
    if legend:
        notes.append("Tonnes short: " + "; ".join(legend) + ".")
    notes.append("first stop = first day the least-stocked plants of any sector stop; days short = the worst sector's.")
    hint = top_hint(len(shown), len(frame), "countries")
    if hint:
        notes.append(hint)
    out.append(" ".join(notes))
    return out


def sectors_view(outcome_summary: pd.DataFrame, ds: xr.Dataset, labels: Labels, top: int, note: str) -> list[RenderableType]:
    """Who runs short, one row per (country, sector), in the run summary's order (largest output at risk first)."""
    short = outcome_summary[outcome_summary["cumulative_shortfall_t"] > 0]
    if not len(short):
        return [f"No country or sector runs short over {ds.sizes['time']} days{note}."]
    frame = short.reset_index()
    stop = "first_stoppage_day" if "first_stoppage_day" in frame else "days_to_first_shortfall"
    shown = frame.head(top)
    rows = pd.DataFrame(
        {
            "country": [labels.country(c) for c in shown["country"]],
            "sector": [labels.sector(s) for s in shown["sector"]],
            "first short": [day_date(ds, d) for d in shown["days_to_first_shortfall"]],
            "first stop": [day_date(ds, d) for d in shown[stop]] if stop == "first_stoppage_day" else None,
            "days\nshort": shown["days_short"].to_numpy() if "days_short" in shown else np.nan,
            "peak\n%": shown["peak_shortfall_pct"].to_numpy(),
            "short\n(t)": shown["cumulative_shortfall_t"].to_numpy(),
        }
    ).set_index(["country", "sector"])
    if stop != "first_stoppage_day":
        rows = rows.drop(columns="first stop")
    title = (
        f"Who runs short, by sector: largest output at risk first{note} ({len(short)} of {len(outcome_summary)} country-sectors "
        "short; each sector's tonnes are of its own material)"
    )
    formats = {"days\nshort": ",.0f", "peak\n%": ",.0f", "short\n(t)": ",.1f"}
    out: list[RenderableType] = [table(rows, title, formats=formats, max_widths={"country": 16, "sector": NAME_WIDTH})]
    hint = top_hint(len(shown), len(frame), "country-sectors")
    if hint:
        out.append(hint)
    return out


def headline_tables(ds: xr.Dataset) -> list[tuple[dict[str, str], pd.DataFrame]]:
    """Each headline flow the dataset declares, by month: (its id, label and units; the table).

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


def headline_view(meta: dict[str, str], monthly: pd.DataFrame, labels: Labels, note: str) -> RenderableType:
    """A headline flow by month, importers by name."""
    units = meta["units"]
    names = {"total": f"total ({units})", "baseline": f"baseline ({units})", "change_pct": "vs baseline %"}
    names.update({c: f"to {labels.country(c)} ({units})" for c in monthly.columns if c not in names})
    return table(monthly.rename(columns=names), f"{meta['label']} by month{note}", formats={"vs baseline %": "+,.1f"}, floats=",.0f")


def bands_frames(ds: xr.Dataset, top: int) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """Quantile bands of the country-sectors that may run short, and P(short) by each month end.

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


def bands_view(ds: xr.Dataset, labels: Labels, top: int) -> list[RenderableType]:
    """The ensemble: when each sector first runs short (p5/p50/p95 dates) and P(short) by month end (%, 12 columns at most)."""
    frames = bands_frames(ds, top)
    if frames is None:
        return []
    bands, by_month = frames
    idx = pd.MultiIndex.from_tuples(
        [(i + 1, labels.country(c), labels.sector(s)) for i, (c, s) in enumerate(bands.index)], names=["#", "country", "sector"]
    )

    def short_date(day: float) -> str:
        d = day_date(ds, day)
        return "-" if d is None else d[5:]

    first = [" ".join(short_date(v) for v in row) for row in bands[[f"days_to_first_shortfall_p{q}" for q in (5, 50, 95)]].to_numpy()]
    pk = bands[["peak_shortfall_pct_p5", "peak_shortfall_pct_p50", "peak_shortfall_pct_p95"]].to_numpy()
    peak = [f"{b:.0f} [{a:.0f}-{c:.0f}]" for a, b, c in pk]
    shown = pd.DataFrame({"P(short) %": bands["p_short"].to_numpy() * 100, "first short\np5 p50 p95": first, "peak % [p5-p95]": peak}, index=idx)
    members = ds.sizes["member"]
    out: list[RenderableType] = [
        table(
            shown,
            f"Ensemble of {members} members: when each sector runs short (dates MM-DD)",
            formats={"P(short) %": ",.0f"},
            max_widths={"country": 16, "sector": NAME_WIDTH},
        )
    ]
    cols = list(by_month.columns)
    step = int(np.ceil(len(cols) / 12))
    picked = cols[step - 1 :: step] if step > 1 else cols
    month_table = (by_month[picked] * 100).round(0)
    month_table.index = pd.Index(range(1, len(bands) + 1), name="#")
    month_table.columns = [pd.Period(c, "M").strftime("%b\n%y") for c in picked]
    every = "" if step == 1 else f", every {step} months"
    out.append(table(month_table, f"Probability of a shortfall by each month end (% of members{every}); rows # as above", floats=",.0f"))
    return out


def prices_view(ds: xr.Dataset, labels: Labels, top: int, note: str) -> list[RenderableType]:
    """Price peaks that rose, by market and product, in USD/kg where known; peaks the ceiling sets are named model failures."""
    from supplyshock.analysis.metrics import PRICE_RISE_SHOWN
    from supplyshock.analysis.narrative import ceiling_notes
    from supplyshock.analysis.summary import price_peaks

    peaks = price_peaks(ds, min_rise=PRICE_RISE_SHOWN)
    if not len(peaks):
        return []
    notes = ceiling_notes(ds, peaks)
    peaks = peaks.assign(_note=notes.to_numpy(), _capped=(notes != "").to_numpy()).sort_values(["_capped", "peak_index"], ascending=False)
    total = len(peaks)
    failed = peaks[peaks["_capped"]]
    peaks = peaks.head(max(top, len(failed)))
    members = int(ds.sizes["member"])
    rows = pd.DataFrame(
        {
            "market": [labels.market(m) for m, _ in peaks.index],
            "product": [labels.product(p) for _, p in peaks.index],
            "peak index" + (" p50 [p5-p95]" if members > 1 else ""): [
                f"{b:,.2f} [{a:,.2f}-{c:,.2f}]" if members > 1 else f"{b:,.2f}"
                for a, b, c in peaks[["peak_index_p05", "peak_index", "peak_index_p95"]].to_numpy()
            ],
            "USD/kg": peaks["peak_usd_per_kg"].to_numpy(),
            "date": peaks["peak_date"].to_numpy(),
            "at the ceiling": [n.upper() if n == "model failure" else n for n in peaks["_note"]],
        }
    ).set_index(["market", "product"])
    out: list[RenderableType] = [
        table(rows, f"Price peaks, largest rise first (index, 1 = baseline){note}", formats={"USD/kg": ",.0f"}, max_widths={"product": NAME_WIDTH})
    ]
    hint = top_hint(len(peaks), total, "price peaks")
    if hint:
        out.append(hint)
    if len(failed):
        which = ", ".join(f"{labels.product(p)} ({labels.market(m)})" for m, p in failed.index)
        out.append(
            f"Model failure: prices reach, or come within 5% of, the ceiling price_index_max (in the median member, or in "
            f"some members) for {which}: those prices are set by the ceiling, not by the market, and are not results."
        )
    return out


def economy_view(eco: xr.Dataset, labels: Labels, top: int) -> list[RenderableType]:
    """Value added and gross output lost by region and sector of the input-output table, names for codes, with a glossary."""
    from supplyshock.analysis.economy import economic_summary
    from supplyshock.analysis.labels import mrio_glossary

    summ = economic_summary(eco)
    shown = summ.head(top)
    rows = pd.DataFrame(
        {
            "region": [labels.region(r) for r, _ in shown.index],
            "sector": [labels.mrio_sector(s) for _, s in shown.index],
            "value added lost, direct": shown["value_added_loss_direct_usd"].to_numpy() / 1e9,
            "indirect": shown["value_added_loss_indirect_usd"].to_numpy() / 1e9,
            "total": shown["value_added_loss_total_usd"].to_numpy() / 1e9,
            "gross output lost": shown["output_loss_total_usd"].to_numpy() / 1e9,
        }
    ).set_index(["region", "sector"])
    title = (
        f"Losses by region and sector of the input-output table (USD bn of {eco.attrs.get('price_year', '')}, median over members; "
        "direct = industries short of the material, indirect = the rest)"
    )
    out: list[RenderableType] = [table(rows, title, floats=",.2f", max_widths={"region": 18, "sector": 20})]
    gl = mrio_glossary()
    used = {r for r, _ in shown.index} | {s for _, s in shown.index}
    terms = [f"{row['name']} = {row['definition']}" for row in gl.to_dict("records") if row["code"] in used and row["name"] != row["definition"]]
    if terms:
        out.append("Glossary (WIOD 2013 regions and sectors): " + "; ".join(terms) + ".")
    hint = top_hint(len(shown), len(summ), "region-sectors")
    if hint:
        out.append(hint)
    return out


def payload_countries(ds: xr.Dataset, eco: xr.Dataset | None, labels: Labels) -> pd.DataFrame:
    """Every country row (with names and dates) for ``--json``."""
    return countries_frame(ds, eco, labels)


def sectors_frame(summary: pd.DataFrame, ds: xr.Dataset, labels: Labels) -> pd.DataFrame:
    """Every (country, sector) row of the run summary with names, dates and material, for ``--json``."""
    from supplyshock.analysis.metrics import sector_products

    out = summary.copy()
    dates = out["first_shortfall_date"].astype(object)
    out["first_shortfall_date"] = dates.where(dates.notna() & (dates != ""), None)
    if "first_stoppage_day" in out:
        out["first_stoppage_date"] = [day_date(ds, d) for d in out["first_stoppage_day"]]
    of = sector_products(ds)
    idx = out.index
    out.insert(0, "material", [of.get(str(s), "") or None for _, s in idx])
    out.insert(0, "sector_name", [labels.sector(s, short=False) for _, s in idx])
    out.insert(0, "country_name", [labels.country(c) for c, _ in idx])
    return out


def json_ready(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows for ``--json`` (see :func:`supplyshock.cli.output.records`)."""
    from supplyshock.cli.output import records

    return records(frame)
