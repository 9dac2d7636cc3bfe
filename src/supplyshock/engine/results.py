"""The result variables (one definition each) and the labelled :class:`xarray.Dataset`.

:data:`VARIABLES` says, for every variable a run can record, its dimensions, unit,
meaning and how it is read from a day's flows. :class:`Recorder` keeps the chosen ones
day by day; :func:`to_dataset` labels them: every dimension always present (``scenario``,
``member``, ``time``, ``country``, ``product``, ``sector``, ``link``, ``market``), units
in the attributes.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import xarray as xr

from supplyshock._version import __version__
from supplyshock.engine.setup import Setup
from supplyshock.engine.step import DayFlows
from supplyshock.network import SupplyNetwork

__all__ = ["RECORDABLE", "VARIABLES", "Recorder", "Variable", "headlines_json", "to_dataset"]


@dataclass(frozen=True)
class Variable:
    """A recordable result variable."""

    grid: str  # "node" (country, product), "sector" (country, sector), "link", "market" (market, product)
    units: str
    description: str
    read: Callable[[DayFlows, Setup], np.ndarray]


VARIABLES: dict[str, Variable] = {
    "inventory": Variable("node", "t", "Closing commercial stock", lambda f, s: f.stock),
    "production": Variable("node", "t", "Output of processes", lambda f, s: f.produced),
    "process_use": Variable("node", "t", "Inputs consumed by processes", lambda f, s: f.consumed),
    "imports": Variable("node", "t", "Shipments arriving", lambda f, s: f.imports),
    "exports": Variable("node", "t", "Shipments leaving", lambda f, s: f.exports),
    "final_use": Variable("node", "t", "Deliveries to end-use sectors", lambda f, s: f.delivered_fd),
    "release": Variable("node", "t", "Strategic stock released into the commercial stock", lambda f, s: f.release),
    "demand": Variable("sector", "t", "End-use demand after substitution", lambda f, s: f.demand),
    "delivered": Variable("sector", "t", "End-use deliveries", lambda f, s: f.delivered),
    "shortfall": Variable("sector", "t", "End-use demand not met", lambda f, s: f.shortfall),
    "stopped_share": Variable(
        "sector", "1", "Share of the sector's demand at plants stopped for lack of the product (cohorts dry)", lambda f, s: f.stopped
    ),
    "output_loss_share": Variable(
        "sector",
        "1",
        "Share of the sector's output lost for lack of the product (each cohort: shortfall share ** line_loss_exponent)",
        lambda f, s: f.output_loss,
    ),
    "user_inventory": Variable("sector", "t", "Stocks held by the end users' cohorts (plants and their suppliers)", lambda f, s: f.user_stock),
    "output_at_risk": Variable(
        "sector",
        "USD",
        "Shortfall x value of output per tonne (USD at the price year of values.csv; an upper bound)",
        lambda f, s: f.shortfall * s.value_q,
    ),
    "trade": Variable("link", "t", "Shipments on each link (by shipping day)", lambda f, s: f.ship),
    "spot_trade": Variable("link", "t", "Of which spot shipments to rerouting buyers", lambda f, s: f.spot),
    "indirect_trade": Variable(
        "link",
        "t",
        "Of which controlled material reaching the buyer through third countries (leakage): not in the exporter's customs exports",
        lambda f, s: f.leaked,
    ),
    "price_index": Variable("market", "1", "Price relative to baseline, per market and product", lambda f, s: f.price),
}
#: Every variable a run can record.
RECORDABLE = tuple(VARIABLES)

_DIMS = {
    "node": ("scenario", "member", "time", "country", "product"),
    "sector": ("scenario", "member", "time", "country", "sector"),
    "link": ("scenario", "member", "time", "link"),
    "market": ("scenario", "member", "time", "market", "product"),
}


class Recorder:
    """Keeps chosen variables day by day (time-major, one contiguous block per day)."""

    def __init__(self, setup: Setup, record: tuple[str, ...]) -> None:
        unknown = sorted(set(record) - set(VARIABLES))
        if unknown:
            raise ValueError(f"unknown result variable(s) {unknown}; recordable: {', '.join(RECORDABLE)}")
        s = setup
        size = {"node": s.node_c.size, "sector": s.q_c.size, "link": s.links.n, "market": s.n_markets * s.P}
        self.setup = s
        self.arrays = {k: np.zeros((s.days, s.members, size[VARIABLES[k].grid])) for k in record}

    def __call__(self, flows: DayFlows) -> None:
        """Store one day (quantities times the day's baseline level: tonnes)."""
        for name, arr in self.arrays.items():
            value = VARIABLES[name].read(flows, self.setup)
            arr[flows.day] = value * flows.level if VARIABLES[name].units in ("t", "USD") else value

    def full_grids(self) -> dict[str, np.ndarray]:
        """Arrays on full grids with (member, time) leading: (M, T, ...)."""
        s = self.setup
        T, M, C, P, S = s.days, s.members, s.C, s.P, s.S
        N, Q = s.node_c.size, s.q_c.size
        gather_n = np.full(C * P, N)
        gather_n[s.node_c * P + s.node_p] = np.arange(N)
        gather_q = np.full(C * S, Q)
        gather_q[s.q_c * S + s.q_s] = np.arange(Q)
        out: dict[str, np.ndarray] = {}
        for name, arr in self.arrays.items():
            grid = VARIABLES[name].grid
            if grid in ("node", "sector"):
                gather, n_cols = (gather_n, P) if grid == "node" else (gather_q, S)
                ext = np.concatenate([arr, np.zeros((T, M, 1))], axis=2)
                out[name] = np.take(ext, gather, axis=2).reshape(T, M, C, n_cols).transpose(1, 0, 2, 3)
            elif grid == "link":
                out[name] = arr.transpose(1, 0, 2)
            else:
                out[name] = arr.reshape(T, M, s.n_markets, P).transpose(1, 0, 2, 3)
        return out


def headlines_json(net: SupplyNetwork) -> str:
    """The dataset's headline flows with their baseline (t/yr, at the base-year level), as JSON."""
    assert net.meta is not None
    out = []
    for h in net.meta.headlines:
        e, p = net.countries.index(h.exporter), net.products.index(h.product)
        base = float(net.link_flow0[(net.link_exporter == e) & (net.link_product == p)].sum())
        out.append({"id": h.id, "label": h.label, "exporter": h.exporter, "product": h.product, "importers": list(h.importers), "baseline_t": base})
    return json.dumps(out)


def _column_by(net: SupplyNetwork, table: str, key: str, column: str, order: list[str]) -> list[str]:
    """A text column of a dataset table in the order of ``order`` ('' where absent)."""
    df = net.tables[table]
    if column not in df.columns:
        return ["" for _ in order]
    by = dict(zip(df[key].astype(str), df[column].astype(str), strict=True))
    return [by.get(k, "") for k in order]


def to_dataset(
    arrays: dict[str, np.ndarray],
    setup: Setup,
    net: SupplyNetwork,
    *,
    scenario_name: str,
    scenario_json: str,
    scenario_sha256: str,
    dataset: str,
    seed: int,
    start: dt.date,
) -> xr.Dataset:
    """Label engine arrays: every dimension always present, units in attributes.

    Besides the recorded variables the Dataset holds what a report needs without running
    anything: ``value_per_t``, ``price0``, the baseline node flows (``baseline_*``, t/day)
    and, in the attributes, the dataset's headline flows.
    """
    links = setup.links
    M = setup.members
    coords = {
        "scenario": [scenario_name],
        "member": np.arange(M),
        "time": setup.policy.dates.astype("datetime64[ns]"),
        "country": net.countries,
        "product": net.products,
        "sector": net.sectors,
        "link": np.arange(links.n),
        "market": net.markets,
        "link_exporter": ("link", [net.countries[i] for i in links.exporter]),
        "link_importer": ("link", [net.countries[i] for i in links.importer]),
        "link_product": ("link", [net.products[i] for i in links.product]),
        "link_baseline_t": ("link", links.flow0),
        "country_market": ("country", [net.markets[i] for i in net.country_market]),
        "country_mrio_region": ("country", _column_by(net, "countries", "country", "mrio_region", net.countries)),
        "sector_mrio_sector": ("sector", _column_by(net, "sectors", "sector", "mrio_sector", net.sectors)),
        "sector_product": ("sector", [net.products[i] for i in net.sector_product]),
    }
    data_vars = {}
    for name, arr in arrays.items():
        var = VARIABLES[name]
        data_vars[name] = xr.Variable(_DIMS[var.grid], arr[None], attrs={"units": var.units, "description": var.description})
    ds = xr.Dataset(data_vars, coords=coords)
    ds["value_per_t"] = xr.Variable(("country", "sector"), net.value_per_t, attrs={"units": "USD/t"})
    ds["value_price_year"] = xr.Variable(
        ("country", "sector"), net.value_price_year, attrs={"units": "year", "description": "price year of value_per_t (NaN: not given)"}
    )
    ds["price0"] = xr.Variable(("product",), net.price0, attrs={"units": "USD/t", "description": "baseline price, NaN where no source"})
    ds["price_cap"] = xr.Variable(
        ("member",), setup.p["price_index_max"], attrs={"units": "1", "description": "ceiling of the price index; a price at it is a model failure"}
    )
    ds["growth_level"] = xr.Variable(
        ("member", "time"),
        np.stack([setup.growth_factor(t)[:, 0] for t in range(setup.days)], axis=1),
        attrs={"units": "1", "description": "level of demand, capacity and baseline trade relative to the base year (demand growth)"},
    )
    day = 1.0 / 365.0
    for name, values in (
        ("baseline_production", net.production0),
        ("baseline_process_use", net.consumption0),
        ("baseline_final_use", net.final_demand0),
    ):
        ds[name] = xr.Variable(
            ("country", "product"), values * day, attrs={"units": "t/day", "description": "Baseline daily flow at the base-year level"}
        )
    ds["baseline_demand"] = xr.Variable(
        ("country", "sector"), net.demand0 * day, attrs={"units": "t/day", "description": "Baseline end-use demand at the base-year level"}
    )
    assert net.meta is not None
    ds.attrs.update(
        {
            "supplyshock_version": __version__,
            "scenario_name": scenario_name,
            "scenario_sha256": scenario_sha256,
            "dataset": dataset,
            "seed": int(seed),
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "scenario_json": scenario_json,
            "start": start.isoformat(),
            "horizon_days": int(setup.days),
            "headlines_json": json.dumps(
                [
                    {"id": h.id, "label": h.label, "exporter": h.exporter, "product": h.product, "importers": list(h.importers)}
                    for h in net.meta.headlines
                ]
            ),
        }
    )
    return ds
