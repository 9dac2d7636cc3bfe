"""The numbers behind the report and the dashboard, read from one results Dataset.

Every function takes a results :class:`xarray.Dataset` as made by
:func:`supplyshock.run` (dimensions ``scenario, member, time, country, product, sector,
link, market``) and returns plain Python data (lists, dicts, floats) ready for JSON or
for plotly. Nothing here runs the engine: what a report shows is in the Dataset (its
variables, its baseline flows and, in its attributes, the scenario and the headline
flows), plus the names and sources of an embedded dataset's tables.

Ensembles are summarised over members: the median and, when there is more than one
member, the 5th and 95th percentiles of each series (computed member by member *after*
aggregating, so a band of a regional total is the band of that total).
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
from pydantic import ValidationError

from supplyshock.analysis.labels import Labels
from supplyshock.analysis.metrics import headline_flows
from supplyshock.analysis.summary import headline_monthly
from supplyshock.errors import SupplyShockError
from supplyshock.network import list_datasets, load_network
from supplyshock.report.style import Style
from supplyshock.scenario import EventDescription, Scenario

__all__ = [
    "BAND_QUANTILES",
    "ReportError",
    "assumptions",
    "band_series",
    "clean_number",
    "country_names",
    "dates_iso",
    "headline_flow_tables",
    "hurt_table",
    "price_series",
    "product_stages",
    "results_scenario",
    "timeline_events",
]

#: Quantiles of the ensemble bands: the 5th and 95th percentiles around the median.
BAND_QUANTILES: tuple[float, float, float] = (0.05, 0.5, 0.95)
#: Significant digits kept in series sent to plotly or JSON.
SIGNIFICANT_DIGITS = 6


class ReportError(SupplyShockError):
    """A report cannot be made from the given results."""


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


# ---------------------------------------------------------------------- the scenario
def results_scenario(ds: xr.Dataset) -> Scenario | None:
    """Return the scenario a run was made with (its ``scenario_json`` attribute).

    Parameters
    ----------
    ds
        A results dataset. Results saved before the attribute was renamed hold the same
        JSON under ``scenario_yaml``; it is read too.

    Returns
    -------
    Scenario or None
        The validated scenario; None when the Dataset holds none.

    Raises
    ------
    ReportError
        When the Dataset holds scenario text this version cannot read.
    """
    text = ds.attrs.get("scenario_json", ds.attrs.get("scenario_yaml", ""))
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        return Scenario.model_validate_json(text)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "scenario"
        raise ReportError(
            f"the results hold a scenario this version of supplyshock cannot read ({exc.error_count()} problem(s); "
            f"first, at {where}: {first.get('msg', 'invalid')}); run the scenario again with this version"
        ) from None


def timeline_events(scenario: Scenario | None) -> list[EventDescription]:
    """A scenario's events as the timeline shows them, in the scenario's order.

    Parameters
    ----------
    scenario
        From :func:`results_scenario` (None: no events).

    Returns
    -------
    list of EventDescription
        Each event's own :meth:`~supplyshock.scenario.events.base.EventModel.describe`.
    """
    if scenario is None:
        return []
    return [ev.describe(i, scenario.start) for i, ev in enumerate(scenario.events)]


# ---------------------------------------------------------------------- series with bands
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
        A results dataset; its markets are named by the dataset (e.g. ``china``,
        ``outside_china``).

    Returns
    -------
    dict
        ``{"<market>/<product>": {"median": [...], ...}, ...}`` in market then product
        order (1 = baseline price).
    """
    out: dict[str, dict[str, list[float | None]]] = {}
    for market in ds["market"].values:
        part = band_series(ds, "price_index", "product", select={"market": market}, drop_zero=False)
        for product in ds["product"].values:
            out[f"{market}/{product}"] = part[str(product)]
    return out


# ---------------------------------------------------------------------- tables
def headline_flow_tables(ds: xr.Dataset) -> list[dict[str, Any]]:
    """The dataset's headline flows by month (e.g. China's magnet exports), median member.

    Parameters
    ----------
    ds
        A results dataset; its ``headlines_json`` attribute names the flows.

    Returns
    -------
    list of dict
        One per headline flow: ``id``, ``label``, ``columns`` (``total``, one per named
        importer, ``baseline``, ``change_pct``) and ``rows`` (``month`` and ``values`` in
        column order; tonnes, the change in %), from
        :func:`supplyshock.analysis.summary.headline_monthly`. Empty when the dataset
        declares none.
    """
    out = []
    for head in headline_flows(ds):
        monthly = headline_monthly(ds, head.id)
        rows = [{"month": str(month), "values": _clean_list(values)} for month, values in zip(monthly.index, monthly.to_numpy(), strict=True)]
        out.append({"id": head.id, "label": head.label, "columns": [str(c) for c in monthly.columns], "rows": rows})
    return out


# ---------------------------------------------------------------------- the dataset's tables
@functools.lru_cache(maxsize=8)
def _dataset_tables(dataset: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame] | None:
    """The countries and products tables and the sources of an embedded dataset (cached).

    None for a dataset that is not embedded (a folder, or one built in code): its names,
    stages and sources are then not known to a report.
    """
    if dataset not in list_datasets():
        return None
    net = load_network(dataset, check=False)
    return net.tables["countries"].copy(), net.tables["products"].copy(), net.sources()


def country_names(dataset: str) -> dict[str, str]:
    """Return country names by code for an embedded dataset.

    Parameters
    ----------
    dataset
        The dataset name (``ds.attrs["dataset"]``).

    Returns
    -------
    dict
        ``{code: name}``; empty when the dataset is not embedded.
    """
    tables = _dataset_tables(dataset)
    if tables is None:
        return {}
    return {str(r["country"]): str(r["name"]) for r in tables[0].to_dict("records")}


def product_stages(ds: xr.Dataset) -> list[tuple[str, list[str]]]:
    """Products grouped by stage, in supply-chain order.

    Parameters
    ----------
    ds
        A results dataset.

    Returns
    -------
    list of (stage, products)
        From the embedded dataset's products table; each product its own stage when the
        dataset is not embedded.
    """
    products = [str(p) for p in ds["product"].values]
    tables = _dataset_tables(str(ds.attrs.get("dataset", "")))
    stage_of = {str(r["product"]): str(r["stage"]) for r in tables[1].to_dict("records")} if tables is not None else {}
    order: dict[str, list[str]] = {}
    for p in products:
        order.setdefault(stage_of.get(p, p), []).append(p)
    return list(order.items())


def _assumption_labels(value: Any) -> Iterator[str]:
    """Every ``label`` inside an event (whitelists, commitments ...) that states an ASSUMPTION."""
    if isinstance(value, Mapping):
        label = value.get("label")
        if isinstance(label, str) and "ASSUMPTION" in label.upper():
            yield label
        for item in value.values():
            yield from _assumption_labels(item)
    elif isinstance(value, list):
        for item in value:
            yield from _assumption_labels(item)


def _scenario_assumptions(scenario: Scenario) -> list[dict[str, str]]:
    rows = []
    for i, ev in enumerate(scenario.events):
        dumped = ev.model_dump(mode="json", by_alias=True)
        if "ASSUMPTION" in json.dumps(dumped).upper():
            notes = [ev.source, *_assumption_labels(dumped)]
            rows.append({"table": "scenario", "key": ev.label(i), "basis": "assumption", "source": " ".join(" ".join(notes).split())})
    for name, value in scenario.parameters.items():
        rows.append({"table": "scenario", "key": f"parameters/{name}", "basis": "assumption", "source": f"set to {value:g} by the scenario"})
    return rows


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
        and the scenario's parameter settings.
    """
    rows: list[dict[str, str]] = []
    tables = _dataset_tables(str(ds.attrs.get("dataset", "")))
    if tables is not None:
        src = tables[2]
        src = src[src["basis"].astype(str).isin(list(basis))]
        rows.extend({k: " ".join(str(r[k]).split()) for k in ("table", "key", "basis", "source")} for r in src.to_dict("records"))
    scenario = results_scenario(ds)
    if "assumption" in basis and scenario is not None:
        rows.extend(_scenario_assumptions(scenario))
    return rows


# ---------------------------------------------------------------------- who is hurt, at a glance
def _iso(ds: xr.Dataset, day: Any) -> str | None:
    if day is None or not np.isfinite(float(day)):
        return None
    return (pd.Timestamp(ds["time"].values[0]) + pd.Timedelta(days=int(day))).date().isoformat()


def hurt_table(
    ds: xr.Dataset,
    eco: xr.Dataset | None,
    labels: Labels,
    style: Style,
    *,
    countries: pd.DataFrame | None = None,
    sectors: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """Who is hurt, one row per country with its sectors beneath: the table the report and the dashboard draw.

    Every number is from :func:`~supplyshock.analysis.summary.country_table` (countries)
    and :func:`~supplyshock.analysis.summary.summarise` (sectors): medians over members,
    value added lost with its p5-p95 band.

    Returns
    -------
    dict
        ``columns`` (``key``, ``label``, ``type``: text, date, number or band; ``unit``),
        ``rows`` (one per country with demand, worst loss first: ``key`` (code),
        ``colour``, ``cells`` by column key, ``sectors``: the country's sectors that run
        short, each with ``cells``), ``sort`` (the default sort column) and
        ``materials`` (``[code, name]`` of the materials with a tonnes column: the two
        most short; the others' tonnes are in each sector row).
    """
    from supplyshock.analysis.metrics import sector_products
    from supplyshock.analysis.summary import country_table, summarise

    countries = country_table(ds, eco) if countries is None else countries
    sectors = summarise(ds) if sectors is None else sectors
    of = sector_products(ds)
    tonne_cols = [c for c in countries.columns if c.startswith("shortfall_t")]
    tonne_cols.sort(key=lambda c: -float(countries[c].to_numpy().sum()))
    shown = tonne_cols[:2]
    materials = [(c.removeprefix("shortfall_t").removeprefix("_"), c) for c in shown]
    columns: list[dict[str, Any]] = [
        {"key": "name", "label": "country", "type": "text"},
        {"key": "first_stop", "label": "first stop", "type": "date"},
        {"key": "first_short", "label": "first short", "type": "date"},
        {"key": "days_short", "label": "days short", "type": "number", "unit": "days"},
        {"key": "peak_pct", "label": "peak % of demand", "type": "number", "unit": "%"},
    ]
    for product, col in materials:
        label = f"short, {labels.product(product)} (t)" if product else "short (t)"
        columns.append({"key": col, "label": label, "type": "number", "unit": "t"})
    has_eco = "value_added_lost_usd_p50" in countries
    if has_eco:
        columns.append({"key": "va", "label": "value added lost (USD bn)", "type": "band", "unit": "USD bn"})
    short = sectors[sectors["cumulative_shortfall_t"] > 0]
    stop_col = "first_stoppage_day" if "first_stoppage_day" in short else "days_to_first_shortfall"
    rows = []
    for code, r in countries.iterrows():
        c = str(code)
        cells: dict[str, Any] = {
            "name": labels.country(c),
            "first_stop": _iso(ds, r.get("first_stoppage_day", np.nan)),
            "first_short": _iso(ds, r.get("first_shortfall_day", np.nan)),
            "days_short": clean_number(r.get("days_short", np.nan)),
            "peak_pct": clean_number(r.get("peak_shortfall_pct", np.nan)),
        }
        for _, col in materials:
            cells[col] = clean_number(r[col])
        if has_eco:
            cells["va"] = {q: clean_number(float(r[f"value_added_lost_usd_{q}"]) / 1e9) for q in ("p05", "p50", "p95")}
        mine = short[short.index.get_level_values("country") == c].sort_values(stop_col, na_position="last")
        sector_rows = []
        for key, sr in mine.iterrows():
            s = str(key[1]) if isinstance(key, tuple) else str(key)
            material = of.get(s, "")
            scells: dict[str, Any] = {
                "name": labels.sector(str(s)),
                "first_stop": _iso(ds, sr.get(stop_col, np.nan)),
                "first_short": _iso(ds, sr.get("days_to_first_shortfall", np.nan)),
                "days_short": clean_number(sr.get("days_short", np.nan)),
                "peak_pct": clean_number(sr.get("peak_shortfall_pct", np.nan)),
                "tonnes": clean_number(sr["cumulative_shortfall_t"]),
                "material": labels.product(material) if material else "",
            }
            sector_rows.append({"key": str(s), "title": labels.sector(str(s), short=False), "cells": scells})
        rows.append({"key": c, "colour": style.colour(c), "cells": cells, "sectors": sector_rows})
    return {
        "columns": columns,
        "rows": rows,
        "sort": "va" if has_eco else (materials[0][1] if materials else "days_short"),
        "materials": [[p, labels.product(p) if p else ""] for p, _ in materials],
    }
