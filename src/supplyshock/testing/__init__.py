"""Helpers for testing code that uses supplyshock (as ``xarray.testing`` is for xarray).

- :func:`toy_network`: a two-country, two-product chain small enough to reason about by
  hand, on which the whole pipeline runs (run, summary, ensemble, report, server);
- :func:`assert_mass_balanced`, :func:`assert_nonnegative`: invariants of a results
  Dataset;
- :mod:`supplyshock.testing.strategies`: hypothesis strategies for networks and
  scenarios (needs ``hypothesis``).

Determinism, stated precisely
-----------------------------
- The same inputs, seed and batch shape give bit-identical results (every backend).
- Across batch shapes (members run together or apart, other chunk sizes, the local pool or
  Ray) results agree within ``BATCH_RTOL`` relative and ``BATCH_ATOL`` absolute: BLAS and
  SIMD kernels may sum in another order for another array shape (seen: one unit in the
  last place on numpy 2.4.6), and nothing promises bit equality there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from supplyshock.network import DatasetMeta, Headline, SupplyNetwork
from supplyshock.network.tables import write_dataset

__all__ = [
    "BATCH_ATOL",
    "BATCH_RTOL",
    "RESPONSES_OFF",
    "TOY",
    "assert_mass_balanced",
    "assert_nonnegative",
    "toy_dataset",
    "toy_network",
    "toy_records",
]

#: Relative tolerance between results of the same members computed in batches of other shapes.
BATCH_RTOL = 1e-9
#: Absolute tolerance (in the variable's unit, t for flows) for values that are zero in one batch.
BATCH_ATOL = 1e-9

#: Scenario parameters that switch off demand growth and every price-driven response (leakage,
#: embedded supply, demand destruction, substitution, thrifting, price foresight), so that a
#: test moves only the mechanism it checks.
RESPONSES_OFF: dict[str, float] = {
    "demand_growth_per_year": 0.0,
    "leakage_max": 0.0,
    "embedded_supply_max": 0.0,
    "demand_price_elasticity": 0.0,
    "substitution_max": 0.0,
    "thrifting_rate_per_year": 0.0,
    "price_foresight_days": 0.0,
}

#: Name of the toy dataset (scenarios for it use ``dataset: toy`` and pass the network).
TOY = "toy"


def toy_records(*, cover_days: float = 30.0) -> dict[str, list[dict[str, Any]]]:
    """The tables of the toy network as row dicts.

    Country ``AAA`` mines 100 t/yr of ``ore``, refines 60 t into 30 t of ``metal`` (recipe
    2 t ore per t metal), uses 20 t and exports 10 t of metal and 40 t of ore to ``BBB``,
    which refines the ore into 20 t of metal and uses 30 t. Every node balances.
    """
    return {
        "countries": [
            {"country": "AAA", "name": "Exporter", "mrio_region": "R1", "market": "inside"},
            {"country": "BBB", "name": "Importer", "mrio_region": "R2", "market": "outside"},
        ],
        "products": [
            {"product": "ore", "stage": "mining", "name": "Ore", "unit": "t"},
            {"product": "metal", "stage": "refining", "name": "Metal", "unit": "t"},
        ],
        "sectors": [{"sector": "industry", "name": "Industry", "mrio_sector": "MAN", "product": "metal"}],
        "recipes": [
            {"process": "mine", "product": "ore", "role": "output", "quantity": 1.0},
            {"process": "refine", "product": "ore", "role": "input", "quantity": 2.0},
            {"process": "refine", "product": "metal", "role": "output", "quantity": 1.0},
        ],
        "facilities": [
            {"country": "AAA", "process": "mine", "output_t": 100.0, "capacity_t": 0.0, "capacity_source": "derived: output / utilisation"},
            {"country": "AAA", "process": "refine", "output_t": 30.0, "capacity_t": 0.0, "capacity_source": "derived: output / utilisation"},
            {"country": "BBB", "process": "refine", "output_t": 20.0, "capacity_t": 0.0, "capacity_source": "derived: output / utilisation"},
        ],
        "trade": [
            {"exporter": "AAA", "importer": "BBB", "product": "ore", "flow_t": 40.0, "transit_days": 10.0},
            {"exporter": "AAA", "importer": "BBB", "product": "metal", "flow_t": 10.0, "transit_days": 5.0},
        ],
        "demand": [
            {"country": "AAA", "sector": "industry", "product": "metal", "demand_t": 20.0},
            {"country": "BBB", "sector": "industry", "product": "metal", "demand_t": 30.0},
        ],
        "values": [
            {"country": "AAA", "sector": "industry", "value_usd_per_t": 1000.0},
            {"country": "BBB", "sector": "industry", "value_usd_per_t": 1000.0},
        ],
        "stocks": [{"country": c, "product": p, "cover_days": cover_days} for c in ("AAA", "BBB") for p in ("ore", "metal")],
        "prices": [{"product": "metal", "price_usd_per_t": 10_000.0}],
        "parameters": [{"name": "utilisation", "value": 0.8, "unit": "share", "description": "toy"}],
    }


def toy_network(*, cover_days: float = 30.0) -> SupplyNetwork:
    """The toy network (see :func:`toy_records`), checked.

    Examples
    --------
    >>> net = toy_network()
    >>> net.countries, net.products, net.markets
    (['AAA', 'BBB'], ['ore', 'metal'], ['inside', 'outside'])
    """
    meta = DatasetMeta(
        name=TOY, title="Toy two-country chain", headlines=(Headline("aaa_metal_exports", "AAA's metal exports", "AAA", "metal", ("BBB",)),)
    )
    net = SupplyNetwork.from_records(TOY, toy_records(cover_days=cover_days), meta=meta)
    net.check()
    return net


def toy_dataset(folder: str | Path, *, cover_days: float = 30.0) -> Path:
    """Write the toy network as a dataset folder; a scenario names it with ``dataset: <folder>``.

    Every path that loads a dataset by name (chunked ensembles in worker processes, the
    server, the report) then runs on the toy network.
    """
    net = toy_network(cover_days=cover_days)
    assert net.meta is not None
    return write_dataset(net.tables, net.meta, Path(folder))


def assert_nonnegative(ds: xr.Dataset) -> None:
    """No negative or non-finite stock, flow or price in a results Dataset."""
    __tracebackhide__ = True
    for name, var in ds.data_vars.items():
        if var.dtype.kind != "f" or name in ("price0", "days_to_first_shortfall", "value_price_year"):
            continue
        v = var.values
        assert np.isfinite(v).all(), f"{name}: not finite"
        assert (v >= 0).all(), f"{name}: negative values (min {v.min()})"


def assert_mass_balanced(ds: xr.Dataset, *, rtol: float = 1e-9) -> None:
    """Per member, node and day: opening stock + production + imports + releases
    - process use - final use - exports = closing stock (within ``rtol`` of throughput).

    Needs the node variables recorded (the default). With demand growth the quantities are
    in tonnes at each day's baseline level: they are divided by it first (the growth of the
    level itself is not a flow).
    """
    __tracebackhide__ = True
    sub = ds.isel(scenario=0)
    level = sub["growth_level"].values[:, :, None, None] if "growth_level" in sub else 1.0
    close = sub["inventory"].values / level
    opening = np.concatenate([close[:, :1] * np.nan, close[:, :-1]], axis=1)
    inflow = (sub["production"].values + sub["imports"].values) / level + sub["release"].values / level
    outflow = (sub["process_use"].values + sub["final_use"].values + sub["exports"].values) / level
    resid = (opening + inflow - outflow - close)[:, 1:]
    scale = np.maximum(1.0, np.abs(opening[:, 1:]) + inflow[:, 1:])
    worst = float(np.nanmax(np.abs(resid) / scale, initial=0.0))
    assert worst <= rtol, f"mass balance violated: worst relative residual {worst:.3e}"
