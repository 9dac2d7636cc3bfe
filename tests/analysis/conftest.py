"""Small hand-checkable networks built in memory for the risk and time-to-survive tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from supplyshock.network import SupplyNetwork

Rows = list[dict[str, Any]]


def build_network(
    *,
    countries: list[str],
    products: list[tuple[str, str]],
    recipes: Rows,
    facilities: Rows,
    trade: Rows,
    demand: Rows,
    stocks: Rows,
    values: Rows | None = None,
    strategic: Rows | None = None,
) -> SupplyNetwork:
    """A SupplyNetwork from plain rows (every figure sourced 'test')."""
    tables: dict[str, Rows] = {
        "countries": [{"country": c, "name": c, "mrio_region": c} for c in countries],
        "products": [{"product": p, "stage": s, "name": p, "unit": "t"} for p, s in products],
        "sectors": [{"sector": f"use_{p}", "name": p, "mrio_sector": "X", "product": p} for p, _ in products],
        "recipes": recipes,
        "recipe_overrides": [],
        "facilities": [{"capacity_source": "test", **f} for f in facilities],
        "trade": [{"transit_days": 1.0, **t} for t in trade],
        "demand": [{"sector": f"use_{d['product']}", **d} for d in demand],
        "values": values or [{"country": d["country"], "sector": f"use_{d['product']}", "value_usd_per_t": 1000.0} for d in demand],
        "stocks": stocks,
        "strategic_stocks": strategic or [],
        "prices": [],
        "parameters": [{"name": "utilisation", "value": 1.0, "unit": "share", "description": "test"}],
    }
    for name in ("recipes", "facilities", "trade", "demand", "values", "stocks", "strategic_stocks", "parameters"):
        tables[name] = [{"basis": "assumption", "source": "test", **r} for r in tables[name]]
    return SupplyNetwork.from_records("test", tables)


@pytest.fixture
def make_network() -> Callable[..., SupplyNetwork]:
    """The builder, as a fixture."""
    return build_network


@pytest.fixture
def two_suppliers() -> SupplyNetwork:
    """A and B make a widget (capacity 60 and 70 t/yr) for D (demand 100 t/yr, stock 10 t)."""
    return build_network(
        countries=["A", "B", "D"],
        products=[("widget", "make")],
        recipes=[{"process": "make", "product": "widget", "role": "output", "quantity": 1.0}],
        facilities=[
            {"country": "A", "process": "make", "output_t": 50.0, "capacity_t": 60.0},
            {"country": "B", "process": "make", "output_t": 50.0, "capacity_t": 70.0},
        ],
        trade=[
            {"exporter": "A", "importer": "D", "product": "widget", "flow_t": 50.0},
            {"exporter": "B", "importer": "D", "product": "widget", "flow_t": 50.0},
        ],
        demand=[{"country": "D", "product": "widget", "demand_t": 100.0}],
        # D: 36.5 days x 100 t/yr = 10 t; A and B hold nothing
        stocks=[
            {"country": "D", "product": "widget", "cover_days": 36.5},
            {"country": "A", "product": "widget", "cover_days": 0.0},
            {"country": "B", "product": "widget", "cover_days": 0.0},
        ],
        strategic=[{"country": "D", "product": "widget", "cover_days": 73.0}],
    )


@pytest.fixture
def mine_refinery() -> SupplyNetwork:
    """X mines ore (capacity 100 t/yr) for Y, which refines 2 t ore into 1 t metal (demand 40 t/yr).

    Stocks: Y ore 73 days x 80 t/yr = 16 t, Y metal 36.5 days x 40 t/yr = 4 t, X ore 18.25
    days x 80 t/yr exports = 4 t.
    """
    return build_network(
        countries=["X", "Y"],
        products=[("ore", "mining"), ("metal", "refining")],
        recipes=[
            {"process": "mine", "product": "ore", "role": "output", "quantity": 1.0},
            {"process": "refine", "product": "ore", "role": "input", "quantity": 2.0},
            {"process": "refine", "product": "metal", "role": "output", "quantity": 1.0},
        ],
        facilities=[
            {"country": "X", "process": "mine", "output_t": 80.0, "capacity_t": 100.0},
            {"country": "Y", "process": "refine", "output_t": 40.0, "capacity_t": 50.0},
        ],
        trade=[{"exporter": "X", "importer": "Y", "product": "ore", "flow_t": 80.0}],
        demand=[{"country": "Y", "product": "metal", "demand_t": 40.0}],
        stocks=[
            {"country": "Y", "product": "ore", "cover_days": 73.0},
            {"country": "Y", "product": "metal", "cover_days": 36.5},
            {"country": "X", "product": "ore", "cover_days": 18.25},
        ],
    )
