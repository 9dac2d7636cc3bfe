"""The numbers behind the report and the dashboard, computed from one results dataset.

Every function takes a results :class:`xarray.Dataset` as made by
:func:`supplyshock.run` (dimensions ``scenario, member, time, country, product, sector,
link, market``) and returns plain Python data (lists, dicts, floats) ready for JSON or
for plotly. Ensembles are summarised over members: the median and, when there is more
than one member, the 5th and 95th percentiles of each series (computed member by member
*after* aggregating, so a band of a regional total is the band of that total).
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

__all__ = [
    "BAND_QUANTILES",
    "ScenarioEvent",
    "assumptions",
    "band_series",
    "baseline_dataset",
    "clean_number",
    "country_names",
    "dates_iso",
    "headline",
    "price_series",
    "ranked_shortfalls",
    "sankey_flows",
    "scenario_dict",
    "scenario_events",
]

#: Quantiles of the ensemble bands: the 5th and 95th percentiles around the median.
BAND_QUANTILES: tuple[float, float, float] = (0.05, 0.5, 0.95)
_BAND_KEYS: tuple[str, str, str] = ("p05", "median", "p95")
#: Significant digits kept in series sent to plotly or JSON.
SIGNIFICANT_DIGITS = 6


def clean_number(value: Any) -> float | None:
    """Return ``value`` as a float rounded to six significant digits, None when not finite.

    Parameters
    ----------
    value
        A number (numpy or Python).

    Returns
    -------
    float or None
        The rounded number; ``None`` for NaN or infinity (JSON has no NaN).
    """
    x = float(value)
    if not math.isfinite(x):
        return None
    if x == 0.0:
        return 0.0
    digits = SIGNIFICANT_DIGITS - 1 - math.floor(math.log10(abs(x)))
    return round(x, max(digits, 0)) if digits > 0 else float(round(x, digits))


def _clean_list(values: Iterable[Any]) -> list[float | None]:
    return [clean_number(v) for v in values]


def dates_iso(ds: xr.Dataset) -> list[str]:
    """Return the simulated days as ISO dates (``YYYY-MM-DD``).

    Parameters
    ----------
    ds
        A results dataset.

    Returns
    -------
    list of str
        One date per simulated day.
    """
    return [pd.Timestamp(t).date().isoformat() for t in ds["time"].values]


def scenario_dict(ds: xr.Dataset) -> dict[str, Any]:
    """Return the scenario a dataset was run with, as a plain dict.

    Parameters
    ----------
    ds
        A results dataset; its ``scenario_yaml`` attribute holds the scenario (JSON, which
        is also YAML).

    Returns
    -------
    dict
        The scenario's fields; an empty dict when the attribute is missing or unreadable.
    """
    text = ds.attrs.get("scenario_yaml", "")
    if not isinstance(text, str) or not text.strip():
        return {}
    try:
        out = json.loads(text)
    except ValueError:
        import yaml

        try:
            out = yaml.safe_load(text)
        except yaml.YAMLError:
            return {}
    return out if isinstance(out, dict) else {}


@dataclass(frozen=True)
class ScenarioEvent:
    """One scenario event placed on the timeline.

    Attributes
    ----------
    kind
        The event type (``licence``, ``export_ban``, ``agreement``...).
    label
        A short name: the event's id, else its type and index.
    start, end
        First day and the first day after it (ISO dates); ``end`` is None for an event
        open to the end of the horizon, and equals ``start`` for a one-day event.
    details
        One line describing its settings (products, approval, delay...).
    source
        Where the event comes from, as written in the scenario.
    """

    kind: str
    label: str
    start: str
    end: str | None
    details: str
    source: str = ""
    steps: list[tuple[str, float]] = field(default_factory=list)


def _add_days(day: str, days: float) -> str:
    return (pd.Timestamp(day) + pd.Timedelta(days=float(days))).date().isoformat()


def _codes(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def scenario_events(scenario: Mapping[str, Any]) -> list[ScenarioEvent]:
    """List a scenario's events for the timeline.

    Parameters
    ----------
    scenario
        The scenario as a dict (see :func:`scenario_dict`).

    Returns
    -------
    list of ScenarioEvent
        In the scenario's order.
    """
    out: list[ScenarioEvent] = []
    for i, ev in enumerate(scenario.get("events") or []):
        if not isinstance(ev, Mapping):
            continue
        kind = str(ev.get("type", "event"))
        label = str(ev.get("id") or f"{kind} {i + 1}")
        source = " ".join(str(ev.get("source") or "").split())
        steps: list[tuple[str, float]] = []
        start = str(ev.get("start") or ev.get("date") or ev.get("decided") or scenario.get("start", ""))
        end: str | None = str(ev["end"]) if ev.get("end") else None
        bits: list[str] = []
        if kind in ("export_ban", "licence", "quota"):
            bits.append(f"{ev.get('exporter', '?')} → {_codes(ev.get('destinations', 'all'))}: {_codes(ev.get('products', []))}")
            if float(ev.get("coverage", 1.0)) != 1.0:
                bits.append(f"coverage {float(ev['coverage']):.0%}")
        if kind == "licence":
            approval = ev.get("approval", 0.0)
            if isinstance(approval, list):
                steps = [(str(s.get("from") or s.get("date")), float(s.get("share", 0.0))) for s in approval if isinstance(s, Mapping)]
                bits.append("approval " + ", ".join(f"{share:.0%} from {day}" for day, share in steps))
            else:
                bits.append(f"approval {float(approval):.0%}")
            bits.append(f"delay {float(ev.get('delay_days', 0.0)):g} days")
            if ev.get("whitelist"):
                bits.append(f"{len(ev['whitelist'])} whitelist(s)")
        elif kind == "quota":
            if ev.get("share_of_baseline") is not None:
                bits.append(f"quota {float(ev['share_of_baseline']):.0%} of baseline")
            else:
                bits.append(f"quota {float(ev.get('tonnes_per_year') or 0):,.0f} t/yr")
        elif kind == "tariff":
            bits.append(f"{_codes(ev.get('importer'))} on {ev.get('exporter')}: {_codes(ev.get('products', []))} at {float(ev.get('rate', 0)):.0%}")
        elif kind == "agreement":
            end = start
            bits.append("parties " + _codes(ev.get("parties", [])))
            for ch in ev.get("changes") or []:
                if isinstance(ch, Mapping):
                    what = "lift" if ch.get("lift") else ", ".join(f"{k} {ch[k]}" for k in ("approval", "delay_days") if ch.get(k) is not None)
                    bits.append(f"{ch.get('event')}: {what}")
            for tc in ev.get("tariff_changes") or []:
                if isinstance(tc, Mapping):
                    bits.append(f"{tc.get('event')} → {tc.get('rate')}")
        elif kind == "stockpile_release":
            end = _add_days(start, float(ev.get("days", 1)))
            bits.append(f"{ev.get('country')} releases {float(ev.get('share_of_stockpile', 1.0)):.0%} of its {ev.get('product')} stockpile")
        elif kind == "capacity_change":
            start = _add_days(start, float(ev.get("lead_time_days", 0.0)))
            end = _add_days(start, float(ev.get("ramp_days", 0.0)) or 1.0)
            bits.append(f"{ev.get('country')} {ev.get('process')} {float(ev.get('tonnes_per_year', 0)):+,.0f} t/yr")
        elif kind == "substitution":
            bits.append(f"{_codes(ev.get('sectors', 'all'))} in {_codes(ev.get('countries', 'all'))}: -{float(ev.get('reduction', 0)):.0%}")
        out.append(ScenarioEvent(kind=kind, label=label, start=start, end=end, details="; ".join(bits), source=source, steps=steps))
    return out


def _sum_to(da: xr.DataArray, keep: Sequence[Hashable]) -> xr.DataArray:
    drop = [d for d in da.dims if d not in keep]
    return da.sum(drop) if drop else da


def band_series(
    ds: xr.Dataset,
    variable: str,
    by: str,
    *,
    select: Mapping[str, Any] | None = None,
    cumulative: bool = False,
    drop_zero: bool = True,
) -> dict[str, dict[str, list[float | None]]]:
    """Daily series of a variable per key of one dimension, with ensemble bands.

    Parameters
    ----------
    ds
        A results dataset.
    variable
        A variable with dimensions ``(scenario, member, time, ...)``.
    by
        The dimension to keep (``country``, ``sector``, ``product``, ``market``); every
        other dimension but member and time is summed over.
    select
        Labels to select first, e.g. ``{"product": "ndfeb_magnet"}``.
    cumulative
        Accumulate over time (e.g. lost output to date).
    drop_zero
        Leave out keys whose series is zero throughout.

    Returns
    -------
    dict
        ``{key: {"median": [...], "p05": [...], "p95": [...]}}``, keys ordered by their
        total, largest first; ``p05``/``p95`` only when there is more than one member.
    """
    da = ds[variable].isel(scenario=0)
    if select:
        da = da.sel(dict(select))
    da = _sum_to(da, ("member", "time", by))
    if cumulative:
        da = da.cumsum("time")
    da = da.transpose("member", "time", by)
    values = np.asarray(da.values, dtype=float)
    keys = [str(k) for k in da[by].values]
    members = values.shape[0]
    # (3, time, key): p05, median, p95 over members
    qs = np.quantile(values, BAND_QUANTILES, axis=0) if members > 1 else np.stack([values[0], values[0], values[0]])
    totals = np.nansum(np.abs(qs[1]), axis=0)
    order = np.argsort(-totals, kind="stable")
    out: dict[str, dict[str, list[float | None]]] = {}
    for j in order:
        if drop_zero and not np.any(np.abs(qs[:, :, j]) > 1e-9):
            continue
        entry = {"median": _clean_list(qs[1, :, j])}
        if members > 1:
            entry["p05"] = _clean_list(qs[0, :, j])
            entry["p95"] = _clean_list(qs[2, :, j])
        out[keys[j]] = entry
    return out


def price_series(ds: xr.Dataset) -> dict[str, dict[str, list[float | None]]]:
    """Daily price index per ``market/product``, with ensemble bands.

    Parameters
    ----------
    ds
        A results dataset.

    Returns
    -------
    dict
        ``{"china/ndfeb_magnet": {"median": [...], ...}, ...}`` in market then product
        order (1 = baseline price).
    """
    out: dict[str, dict[str, list[float | None]]] = {}
    for market in ds["market"].values:
        part = band_series(ds, "price_index", "product", select={"market": market}, drop_zero=False)
        for product in ds["product"].values:
            out[f"{market}/{product}"] = part[str(product)]
    return out


def ranked_shortfalls(ds: xr.Dataset, names: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """Who runs short when: every region-sector that runs short, earliest first.

    Parameters
    ----------
    ds
        A results dataset.
    names
        Country names by code, for display.

    Returns
    -------
    list of dict
        One row per (country, sector) with a shortfall: ``rank``, ``country``,
        ``country_name``, ``sector``, ``first_shortfall_date``, ``days_to_first_shortfall``,
        ``peak_shortfall_pct``, ``cumulative_shortfall_t``, ``lost_output_usd`` (medians
        over members, as :func:`supplyshock.summarise`). Sorted by first shortfall, then
        by peak shortfall (largest first).
    """
    from supplyshock.analysis.summary import summarise

    table = summarise(ds).reset_index()
    table = table[(table["cumulative_shortfall_t"] > 0) & table["days_to_first_shortfall"].notna()]
    table = table.sort_values(["days_to_first_shortfall", "peak_shortfall_pct"], ascending=[True, False], kind="stable")
    rows: list[dict[str, Any]] = []
    for rank, rec in enumerate(table.to_dict("records"), start=1):
        code = str(rec["country"])
        rows.append(
            {
                "rank": rank,
                "country": code,
                "country_name": (names or {}).get(code, code),
                "sector": str(rec["sector"]),
                "first_shortfall_date": str(rec["first_shortfall_date"]),
                "days_to_first_shortfall": int(rec["days_to_first_shortfall"]),
                "peak_shortfall_pct": clean_number(rec["peak_shortfall_pct"]),
                "cumulative_shortfall_t": clean_number(rec["cumulative_shortfall_t"]),
                "lost_output_usd": clean_number(rec["lost_output_usd"]),
            }
        )
    return rows


def headline(ds: xr.Dataset, ranked: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Headline figures of a run.

    Parameters
    ----------
    ds
        A results dataset.
    ranked
        Its rows from :func:`ranked_shortfalls`.

    Returns
    -------
    dict
        ``region_sectors_short`` (count), ``first_short`` (the first row, or None),
        ``peak_shortfall_pct`` (largest), ``cumulative_shortfall_t`` and
        ``lost_output_usd`` (totals of the median rows), ``members`` and ``days``.
    """
    return {
        "region_sectors_short": len(ranked),
        "first_short": dict(ranked[0]) if ranked else None,
        "peak_shortfall_pct": clean_number(max((r["peak_shortfall_pct"] or 0.0 for r in ranked), default=0.0)),
        "cumulative_shortfall_t": clean_number(sum(r["cumulative_shortfall_t"] or 0.0 for r in ranked)),
        "lost_output_usd": clean_number(sum(r["lost_output_usd"] or 0.0 for r in ranked)),
        "members": int(ds.sizes["member"]),
        "days": int(ds.sizes["time"]),
    }


@functools.lru_cache(maxsize=8)
def _network_tables(dataset: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame] | None:
    """The countries and products tables and the sources of an embedded dataset (cached)."""
    from supplyshock.errors import SupplyShockError
    from supplyshock.network import list_datasets, load_network

    if dataset not in list_datasets():
        return None
    try:
        net = load_network(dataset, check=False)
        return net.tables["countries"].copy(), net.tables["products"].copy(), net.sources()
    except (SupplyShockError, KeyError, OSError):
        return None


def country_names(dataset: str) -> dict[str, str]:
    """Return country names by code for an embedded dataset (codes themselves if unknown).

    Parameters
    ----------
    dataset
        The dataset name (``ds.attrs["dataset"]``).

    Returns
    -------
    dict
        ``{code: name}``; empty when the dataset cannot be loaded.
    """
    tables = _network_tables(dataset)
    if tables is None:
        return {}
    return {str(r["country"]): str(r["name"]) for r in tables[0].to_dict("records")}


def assumptions(ds: xr.Dataset, *, basis: Sequence[str] = ("assumption",)) -> list[dict[str, str]]:
    """The figures of a run's dataset and scenario that rest on the given bases, with sources.

    Parameters
    ----------
    ds
        A results dataset; its ``dataset`` attribute names the embedded dataset.
    basis
        Bases to keep (``assumption``, ``derived``, ``reported``, ``definition``).

    Returns
    -------
    list of dict
        ``table``, ``key``, ``basis``, ``source``: the dataset's
        :meth:`~supplyshock.network.SupplyNetwork.sources` rows on those bases, then (for
        ``assumption``) the scenario events whose source or labels state an ASSUMPTION,
        and the scenario's parameter overrides.
    """
    rows: list[dict[str, str]] = []
    tables = _network_tables(str(ds.attrs.get("dataset", "")))
    if tables is not None:
        src = tables[2]
        src = src[src["basis"].astype(str).isin(list(basis))]
        rows.extend({k: " ".join(str(r[k]).split()) for k in ("table", "key", "basis", "source")} for r in src.to_dict("records"))
    if "assumption" in basis:
        scenario = scenario_dict(ds)
        for i, ev in enumerate(scenario.get("events") or []):
            if not isinstance(ev, Mapping):
                continue
            text = json.dumps(ev, default=str)
            if "ASSUMPTION" in text.upper():
                label = str(ev.get("id") or f"event {i + 1}")
                notes = [str(ev.get("source") or "")]
                for key in ("whitelist", "commitments"):
                    for item in ev.get(key) or []:
                        if isinstance(item, Mapping) and "ASSUMPTION" in str(item.get("label", "")).upper():
                            notes.append(str(item["label"]))
                rows.append({"table": "scenario", "key": label, "basis": "assumption", "source": " ".join(" ".join(notes).split())})
        for name, value in (scenario.get("parameters") or {}).items():
            rows.append({"table": "scenario", "key": f"parameters/{name}", "basis": "assumption", "source": f"set to {value} by the scenario"})
    return rows


def _stages(ds: xr.Dataset) -> list[tuple[str, list[str]]]:
    """Group products by stage, in supply-chain order (from the dataset's products table)."""
    products = [str(p) for p in ds["product"].values]
    tables = _network_tables(str(ds.attrs.get("dataset", "")))
    stage_of = {str(r["product"]): str(r["stage"]) for r in tables[1].to_dict("records")} if tables is not None else {}
    order: list[tuple[str, list[str]]] = []
    for p in products:
        stage = stage_of.get(p, p)
        for name, members in order:
            if name == stage:
                members.append(p)
                break
        else:
            order.append((stage, [p]))
    return order


def sankey_flows(ds: xr.Dataset, names: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Material flows over the horizon, from mines to end-use sectors (median member).

    The chain is read stage by stage (mining, separation, metal, magnet, use, sector):
    each stage's products flow from the country that makes them to the country that uses
    them, by trade (the ``trade`` links) or at home (use less imports, never negative);
    the last stage's product flows to the country's end users (``final_use``), and from
    there to end-use sectors (``delivered``). Values are tonnes of each stage's products
    summed over the horizon, so widths shrink along the chain as mass is refined away.

    Parameters
    ----------
    ds
        A results dataset.
    names
        Country names by code, for labels.

    Returns
    -------
    dict
        ``labels`` (node labels), ``stages`` (each node's stage), ``source``,
        ``target``, ``value`` (links), and ``total_t`` per stage transition.
    """
    sub = ds.isel(scenario=0).median("member")
    countries = [str(c) for c in ds["country"].values]
    nm = dict(names or {})
    stages = _stages(ds)
    index: dict[tuple[str, str], int] = {}
    labels: list[str] = []
    node_stage: list[str] = []

    def node(stage: str, key: str, label: str) -> int:
        if (stage, key) not in index:
            index[(stage, key)] = len(labels)
            labels.append(label)
            node_stage.append(stage)
        return index[(stage, key)]

    links: dict[tuple[int, int], float] = {}

    def add(a: int, b: int, v: float) -> None:
        if v > 1e-9:
            links[(a, b)] = links.get((a, b), 0.0) + v

    products_all = [str(p) for p in ds["product"].values]
    use_total = np.asarray(sub["process_use"].sum("time").transpose("country", "product").values, dtype=float)
    final_total = np.asarray(sub["final_use"].sum("time").transpose("country", "product").values, dtype=float)
    trade_total = sub["trade"].sum("time")
    exporter = [str(x) for x in ds["link_exporter"].values]
    importer = [str(x) for x in ds["link_importer"].values]
    link_product = [str(x) for x in ds["link_product"].values]
    trade_values = np.asarray(trade_total.values, dtype=float)
    last = len(stages) - 1
    for k, (stage, products) in enumerate(stages):
        nxt = stages[k + 1][0] if k < last else "use"
        for p in products:
            used = final_total if k == last else use_total
            for ci, c in enumerate(countries):
                need = float(used[ci, products_all.index(p)])
                if need <= 0:
                    continue
                imported = 0.0
                for i in np.flatnonzero([(importer[j] == c and link_product[j] == p) for j in range(len(link_product))]):
                    v = float(trade_values[i])
                    imported += v
                    e = exporter[i]
                    add(node(stage, e, f"{stage}: {nm.get(e, e)}"), node(nxt, c, f"{nxt}: {nm.get(c, c)}"), v)
                add(node(stage, c, f"{stage}: {nm.get(c, c)}"), node(nxt, c, f"{nxt}: {nm.get(c, c)}"), max(need - imported, 0.0))
    delivered = np.asarray(sub["delivered"].sum("time").transpose("country", "sector").values, dtype=float)
    sectors = [str(s) for s in ds["sector"].values]
    for ci, c in enumerate(countries):
        for si, s in enumerate(sectors):
            add(node("use", c, f"use: {nm.get(c, c)}"), node("sector", s, f"sector: {s}"), float(delivered[ci, si]))
    # Drop slivers (under a millionth of the largest link): they only clutter the diagram.
    biggest = max(links.values(), default=0.0)
    links = {k: v for k, v in links.items() if v >= biggest * 1e-6}
    used_nodes = sorted({a for a, _ in links} | {b for _, b in links})
    renumber = {old: new for new, old in enumerate(used_nodes)}
    labels = [labels[i] for i in used_nodes]
    node_stage = [node_stage[i] for i in used_nodes]
    links = {(renumber[a], renumber[b]): v for (a, b), v in links.items()}
    pairs = sorted(links)
    totals: dict[str, float] = {}
    for a, b in pairs:
        key = f"{node_stage[a]}→{node_stage[b]}"
        totals[key] = totals.get(key, 0.0) + links[(a, b)]
    # Place nodes: one column per stage, each column's nodes stacked by size, largest on top.
    columns = [name for name, _ in stages] + ["use", "sector"]
    size = [0.0] * len(labels)
    inflow = [0.0] * len(labels)
    for (a, b), v in links.items():
        size[a] += v
        inflow[b] += v
    size = [max(o, i) for o, i in zip(size, inflow, strict=True)]
    xs = [0.0] * len(labels)
    ys = [0.0] * len(labels)
    for col, name in enumerate(columns):
        column = sorted((n for n, st in enumerate(node_stage) if st == name), key=lambda n: -size[n])
        total = sum(size[n] for n in column) or 1.0
        gap = 0.02
        span = max(1.0 - gap * len(column), 0.3)
        y = 0.0
        for n in column:
            h = size[n] / total * span
            xs[n] = min(max(col / max(len(columns) - 1, 1), 0.001), 0.999)
            ys[n] = min(max(y + h / 2, 0.001), 0.999)
            y += h + gap
    return {
        "labels": labels,
        "stages": node_stage,
        "x": [round(v, 4) for v in xs],
        "y": [round(v, 4) for v in ys],
        "source": [a for a, _ in pairs],
        "target": [b for _, b in pairs],
        "value": [clean_number(links[p]) for p in pairs],
        "total_t": {k: clean_number(v) for k, v in totals.items()},
    }


def baseline_dataset(ds: xr.Dataset) -> xr.Dataset | None:
    """Run the counterfactual of a run: the same scenario with no policy events.

    Parameters
    ----------
    ds
        A results dataset.

    Returns
    -------
    xarray.Dataset or None
        One member of the scenario without its events (same dataset, start, horizon,
        parameters and overrides); None when the scenario cannot be rebuilt or its
        dataset is not embedded.
    """
    from pydantic import ValidationError

    from supplyshock.engine import run
    from supplyshock.errors import SupplyShockError
    from supplyshock.network import list_datasets
    from supplyshock.scenario import Scenario

    spec = scenario_dict(ds)
    if not spec or str(spec.get("dataset", "rare-earths")) not in list_datasets():
        return None
    spec = {**spec, "events": [], "members": 1}
    for key in ("uncertain", "correlation"):
        spec.pop(key, None)
    try:
        scenario = Scenario.model_validate(spec)
        return run(scenario, members=1)
    except (ValidationError, SupplyShockError, ValueError, KeyError):
        return None
