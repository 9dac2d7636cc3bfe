"""Material flows from mines to end-use sectors, as Sankey nodes and links.

The same diagram is drawn twice: under the scenario (the run's daily flows, median
member) and in the baseline (the flows the Dataset records for the network before any
event: ``baseline_production``, ``baseline_process_use``, ``baseline_final_use`` and the
coordinate ``link_baseline_t``). Nothing is run: both come from the results Dataset.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr

from supplyshock.report.data import ReportError, clean_number, product_stages

__all__ = ["BASELINE_VARIABLES", "FlowTotals", "baseline_days", "baseline_totals", "has_baseline_flows", "sankey_flows", "scenario_totals"]

#: What a Dataset holds for the baseline diagram (t/day on (country, product); t/yr per link).
BASELINE_VARIABLES: tuple[str, ...] = ("baseline_process_use", "baseline_final_use", "link_baseline_t")
#: Links under this share of the largest are left out: they only clutter the diagram.
SLIVER = 1e-6
_DAYS_PER_YEAR = 365.0


@dataclass(frozen=True)
class FlowTotals:
    """Tonnes over the horizon that the diagram draws.

    Attributes
    ----------
    process_use, final_use : ndarray (country, product)
        Inputs consumed by processes; deliveries to end users.
    trade : ndarray (link,)
        Shipments on each link.
    delivered : ndarray (country, sector)
        Deliveries to end-use sectors.
    """

    process_use: np.ndarray
    final_use: np.ndarray
    trade: np.ndarray
    delivered: np.ndarray


def _total(da: xr.DataArray, dims: tuple[str, ...]) -> np.ndarray:
    return np.asarray(da.sum("time").transpose(*dims).values, dtype=float)


def scenario_totals(ds: xr.Dataset) -> FlowTotals:
    """The run's flows over the horizon, median member of each day.

    Parameters
    ----------
    ds
        A results dataset.

    Returns
    -------
    FlowTotals
    """
    sub = ds[["process_use", "final_use", "trade", "delivered"]].isel(scenario=0).median("member")
    return FlowTotals(
        process_use=_total(sub["process_use"], ("country", "product")),
        final_use=_total(sub["final_use"], ("country", "product")),
        trade=_total(sub["trade"], ("link",)),
        delivered=_total(sub["delivered"], ("country", "sector")),
    )


def has_baseline_flows(ds: xr.Dataset) -> bool:
    """Whether a Dataset records the baseline flows (results saved since they are recorded)."""
    return all(name in ds.variables for name in BASELINE_VARIABLES)


def baseline_days(ds: xr.Dataset) -> float:
    """Days of baseline flow over the horizon.

    The baseline rates are those of the base year; where the run lets demand grow (and
    capacities and baseline trade with it, the Dataset's ``growth_level`` per member and
    day), each day counts by its level (median member).
    """
    if "growth_level" in ds.variables:
        return float(ds["growth_level"].median("member").sum("time"))
    return float(ds.sizes["time"])


def _baseline_delivered(ds: xr.Dataset, final_use: np.ndarray) -> np.ndarray:
    """Baseline deliveries per (country, sector) over the horizon.

    In the baseline every sector gets its demand. The Dataset records ``baseline_demand``
    (country, sector) when the engine writes it; otherwise each country's baseline final
    use is split over its sectors in the shares of the run's own demand (which differ from
    the baseline's only where substitution cuts one sector more than another).
    """
    days = baseline_days(ds)
    if "baseline_demand" in ds.variables:
        return np.asarray(ds["baseline_demand"].transpose("country", "sector").values, dtype=float) * days
    demand = _total(ds["demand"].isel(scenario=0).median("member"), ("country", "sector"))
    per_country = demand.sum(axis=1, keepdims=True)
    shares = np.divide(demand, per_country, out=np.zeros_like(demand), where=per_country > 0)
    return shares * final_use.sum(axis=1, keepdims=True)


def baseline_totals(ds: xr.Dataset) -> FlowTotals:
    """The baseline flows over the horizon, from the Dataset's baseline variables.

    Parameters
    ----------
    ds
        A results dataset.

    Returns
    -------
    FlowTotals

    Raises
    ------
    ReportError
        When the Dataset does not record the baseline flows (see
        :func:`has_baseline_flows`).
    """
    if not has_baseline_flows(ds):
        raise ReportError(f"these results do not record the baseline flows ({', '.join(BASELINE_VARIABLES)}); run the scenario again")
    days = baseline_days(ds)
    final_use = np.asarray(ds["baseline_final_use"].transpose("country", "product").values, dtype=float) * days
    return FlowTotals(
        process_use=np.asarray(ds["baseline_process_use"].transpose("country", "product").values, dtype=float) * days,
        final_use=final_use,
        trade=np.asarray(ds["link_baseline_t"].values, dtype=float) * days / _DAYS_PER_YEAR,
        delivered=_baseline_delivered(ds, final_use),
    )


class _Graph:
    """Nodes keyed by (stage, key) in order of first use, and links summed by node pair."""

    def __init__(self, names: Mapping[str, str]) -> None:
        self.names = names
        self.index: dict[tuple[str, str], int] = {}
        self.labels: list[str] = []
        self.stages: list[str] = []
        self.links: dict[tuple[int, int], float] = {}

    def node(self, stage: str, key: str) -> int:
        if (stage, key) not in self.index:
            self.index[(stage, key)] = len(self.labels)
            self.labels.append(f"{stage}: {self.names.get(key, key)}")
            self.stages.append(stage)
        return self.index[(stage, key)]

    def add(self, a: int, b: int, value: float) -> None:
        if value > 1e-9:
            self.links[(a, b)] = self.links.get((a, b), 0.0) + value

    def trimmed(self) -> _Graph:
        """The graph without slivers and without the nodes they leave unconnected."""
        biggest = max(self.links.values(), default=0.0)
        links = {k: v for k, v in self.links.items() if v >= biggest * SLIVER}
        used = sorted({a for a, _ in links} | {b for _, b in links})
        renumber = {old: new for new, old in enumerate(used)}
        out = _Graph(self.names)
        out.labels = [self.labels[i] for i in used]
        out.stages = [self.stages[i] for i in used]
        out.links = {(renumber[a], renumber[b]): v for (a, b), v in links.items()}
        return out


def _chain(graph: _Graph, ds: xr.Dataset, totals: FlowTotals, stages: Sequence[tuple[str, list[str]]]) -> None:
    """Each stage's products from where they are made to where they are used (trade or at home)."""
    countries = [str(c) for c in ds["country"].values]
    products = [str(p) for p in ds["product"].values]
    exporter = np.array([str(x) for x in ds["link_exporter"].values])
    importer = np.array([str(x) for x in ds["link_importer"].values])
    link_product = np.array([str(x) for x in ds["link_product"].values])
    last = len(stages) - 1
    for k, (stage, members) in enumerate(stages):
        nxt = stages[k + 1][0] if k < last else "use"
        used = totals.final_use if k == last else totals.process_use
        for p in members:
            pi = products.index(p)
            for ci, c in enumerate(countries):
                need = float(used[ci, pi])
                if need <= 0:
                    continue
                imported = 0.0
                for j in np.flatnonzero((importer == c) & (link_product == p)):
                    imported += float(totals.trade[j])
                    graph.add(graph.node(stage, str(exporter[j])), graph.node(nxt, c), float(totals.trade[j]))
                graph.add(graph.node(stage, c), graph.node(nxt, c), max(need - imported, 0.0))
    sectors = [str(s) for s in ds["sector"].values]
    for ci, c in enumerate(countries):
        for si, s in enumerate(sectors):
            graph.add(graph.node("use", c), graph.node("sector", s), float(totals.delivered[ci, si]))


def _positions(graph: _Graph, columns: Sequence[str]) -> tuple[list[float], list[float]]:
    """Place nodes: one column per stage, each column's nodes stacked by size, largest on top."""
    n = len(graph.labels)
    out_flow, in_flow = [0.0] * n, [0.0] * n
    for (a, b), v in graph.links.items():
        out_flow[a] += v
        in_flow[b] += v
    size = [max(o, i) for o, i in zip(out_flow, in_flow, strict=True)]
    xs, ys = [0.0] * n, [0.0] * n
    gap = 0.02
    for col, name in enumerate(columns):
        column = sorted((i for i, st in enumerate(graph.stages) if st == name), key=lambda i: -size[i])
        total = sum(size[i] for i in column) or 1.0
        span = max(1.0 - gap * len(column), 0.3)
        y = 0.0
        for i in column:
            h = size[i] / total * span
            xs[i] = min(max(col / max(len(columns) - 1, 1), 0.001), 0.999)
            ys[i] = min(max(y + h / 2, 0.001), 0.999)
            y += h + gap
    return xs, ys


def sankey_flows(ds: xr.Dataset, names: Mapping[str, str] | None = None, *, baseline: bool = False) -> dict[str, Any]:
    """Material flows over the horizon, from mines to end-use sectors.

    The chain is read stage by stage (e.g. mining, separation, metal, magnet, then use and
    sector): each stage's products flow from the country that makes them to the country
    that uses them, by trade (the links) or at home (use less imports, never negative);
    the last stage's product flows to the country's end users (final use), and from there
    to end-use sectors (deliveries). Values are tonnes of each stage's products summed
    over the horizon, so widths shrink along the chain as mass is refined away.

    Parameters
    ----------
    ds
        A results dataset.
    names
        Country names by code, for labels.
    baseline
        Draw the baseline flows (:func:`baseline_totals`) instead of the run's (median
        member, :func:`scenario_totals`).

    Returns
    -------
    dict
        ``labels`` (node labels), ``stages`` (each node's stage), ``columns`` (the
        stages in diagram order), ``x``, ``y`` (node positions), ``source``, ``target``,
        ``value`` (links), and ``total_t`` per stage transition.

    Raises
    ------
    ReportError
        ``baseline=True`` on results that do not record the baseline flows.
    """
    totals = baseline_totals(ds) if baseline else scenario_totals(ds)
    stages = product_stages(ds)
    graph = _Graph(dict(names or {}))
    _chain(graph, ds, totals, stages)
    graph = graph.trimmed()
    pairs = sorted(graph.links)
    by_step: dict[str, float] = {}
    for a, b in pairs:
        key = f"{graph.stages[a]}→{graph.stages[b]}"
        by_step[key] = by_step.get(key, 0.0) + graph.links[(a, b)]
    columns = [name for name, _ in stages] + ["use", "sector"]
    xs, ys = _positions(graph, columns)
    return {
        "labels": graph.labels,
        "stages": graph.stages,
        "columns": columns,
        "x": [round(v, 4) for v in xs],
        "y": [round(v, 4) for v in ys],
        "source": [a for a, _ in pairs],
        "target": [b for _, b in pairs],
        "value": [clean_number(graph.links[p]) for p in pairs],
        "total_t": {k: clean_number(v) for k, v in by_step.items()},
    }
