"""Hypothesis strategies for supply networks and scenarios (needs ``hypothesis``).

- :func:`networks`: random balanced two-stage chains (ore -> metal) over 2-4 countries;
- :func:`events` and :func:`scenarios`: random valid scenarios on any network.

Examples
--------
>>> from hypothesis import given
>>> from supplyshock.testing.strategies import networks
>>> @given(networks())
... def test_balanced(net):
...     net.check()
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import yaml
from hypothesis import note
from hypothesis import strategies as st

from supplyshock.network import SupplyNetwork
from supplyshock.scenario import Scenario, validate_text
from supplyshock.testing import toy_records

__all__ = ["events", "networks", "scenarios"]

START = dt.date(2025, 1, 1)


@st.composite
def networks(draw: st.DrawFn, *, max_countries: int = 4, min_cover_days: float = 0.0) -> SupplyNetwork:
    """A random balanced chain: country C0 mines all ore; every country refines some; C0 exports ore and metal.

    Parameters
    ----------
    max_countries : int
        At most this many countries (at least 2).
    min_cover_days : float
        Smallest days of cover of a stock (0 allows nodes without stock, where even the
        baseline cannot hold: a node with no stock reroutes at the first hiccup).
    """
    k = draw(st.integers(2, max_countries))
    codes = [f"C{i}" for i in range(k)]
    flows = st.floats(1.0, 1_000.0, allow_nan=False)
    refined = [draw(flows) for _ in codes]  # metal made per country (t/yr)
    metal_exports = [0.0] + [draw(st.floats(0.0, refined[0] / k)) for _ in codes[1:]]
    rec = toy_records()
    rec["countries"] = [{"country": c, "name": c, "mrio_region": "R", "market": "inside" if i == 0 else "outside"} for i, c in enumerate(codes)]
    rec["facilities"] = [
        {"country": "C0", "process": "mine", "output_t": 2.0 * sum(refined), "capacity_t": 0.0, "capacity_source": "derived: output / utilisation"}
    ]
    rec["facilities"] += [
        {"country": c, "process": "refine", "output_t": refined[i], "capacity_t": 0.0, "capacity_source": "derived: output / utilisation"}
        for i, c in enumerate(codes)
    ]
    rec["trade"] = [
        {"exporter": "C0", "importer": c, "product": "ore", "flow_t": 2.0 * refined[i], "transit_days": float(draw(st.integers(1, 40)))}
        for i, c in enumerate(codes)
        if i > 0
    ]
    rec["trade"] += [
        {"exporter": "C0", "importer": c, "product": "metal", "flow_t": metal_exports[i], "transit_days": float(draw(st.integers(1, 40)))}
        for i, c in enumerate(codes)
        if i > 0 and metal_exports[i] > 0
    ]
    demand = [refined[0] - sum(metal_exports)] + [refined[i] + metal_exports[i] for i in range(1, k)]
    rec["demand"] = [{"country": c, "sector": "industry", "product": "metal", "demand_t": d} for c, d in zip(codes, demand, strict=True)]
    rec["values"] = [{"country": c, "sector": "industry", "value_usd_per_t": 1000.0} for c in codes]
    days = st.floats(min_cover_days, 90.0)
    rec["stocks"] = [{"country": c, "product": p, "cover_days": draw(days)} for c in codes for p in ("ore", "metal")]
    rec["strategic_stocks"] = [{"country": c, "product": "metal", "cover_days": draw(days)} for c in codes[1:] if draw(st.booleans())]
    net = SupplyNetwork.from_records("random", rec)
    net.check()
    return net


def _dates(horizon: int) -> st.SearchStrategy[dt.date]:
    return st.integers(0, horizon - 1).map(lambda d: START + dt.timedelta(days=d))


def _subsets(xs: list[str]) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(xs), min_size=1, max_size=len(xs), unique=True)


@st.composite
def _control(draw: st.DrawFn, net: SupplyNetwork, horizon: int) -> dict[str, Any]:
    start = draw(_dates(horizon))
    ev: dict[str, Any] = {
        "exporter": draw(st.sampled_from(net.countries)),
        "products": draw(_subsets(net.products)),
        "destinations": draw(st.one_of(st.just("all"), _subsets(net.countries))),
        "start": start.isoformat(),
        "coverage": draw(st.floats(0.0, 1.0)),
    }
    if draw(st.booleans()):
        ev["end"] = (start + dt.timedelta(days=draw(st.integers(1, 120)))).isoformat()
    if draw(st.booleans()):
        ev["announced"] = (start - dt.timedelta(days=draw(st.integers(0, 30)))).isoformat()
    return ev


@st.composite
def events(draw: st.DrawFn, net: SupplyNetwork, *, horizon: int = 90) -> dict[str, Any]:
    """One random valid event on ``net`` (as a YAML-ready dict)."""
    kind = draw(st.sampled_from(["export_ban", "licence", "quota", "stockpile_release", "capacity_change", "substitution"]))
    shares = st.floats(0.0, 1.0)
    if kind == "export_ban":
        return {"type": kind, **draw(_control(net, horizon))}
    if kind == "licence":
        ev = {"type": kind, **draw(_control(net, horizon)), "delay_days": draw(st.integers(0, 80))}
        if draw(st.booleans()):
            ev["approval"] = draw(shares)
        else:
            steps = sorted(draw(st.lists(_dates(horizon), min_size=1, max_size=3)))
            ev["approval"] = [{"from": d.isoformat(), "share": draw(shares)} for d in steps]
        if draw(st.booleans()):
            ev["whitelist"] = [
                {
                    "importer": draw(st.sampled_from(net.countries)),
                    "share_of_demand": draw(shares),
                    "from": draw(_dates(horizon)).isoformat(),
                    "approval": draw(shares),
                    "delay_days": draw(st.integers(0, 30)),
                }
            ]
        return ev
    if kind == "quota":
        ev = {"type": kind, **draw(_control(net, horizon))}
        if draw(st.booleans()):
            ev["share_of_baseline"] = draw(shares)
        else:
            ev["tonnes_per_year"] = draw(st.floats(0, 100_000))
        return ev
    if kind == "stockpile_release":
        return {
            "type": kind,
            "country": draw(st.sampled_from(net.countries)),
            "product": draw(st.sampled_from(net.products)),
            "start": draw(_dates(horizon)).isoformat(),
            "days": draw(st.integers(1, 120)),
            "share_of_stockpile": draw(shares),
        }
    if kind == "capacity_change":
        country = draw(st.sampled_from(net.countries))
        process = draw(st.sampled_from(net.processes))
        cap = float(net.capacity[net.countries.index(country), net.processes.index(process)])
        return {
            "type": kind,
            "country": country,
            "process": process,
            "tonnes_per_year": draw(st.floats(-1.5 * cap - 1_000, 50_000)),  # removals may exceed what exists
            "decided": draw(_dates(horizon)).isoformat(),
            "lead_time_days": draw(st.integers(0, 60)),
            "ramp_days": draw(st.integers(0, 60)),
        }
    return {
        "type": "substitution",
        "countries": draw(st.one_of(st.just("all"), _subsets(net.countries))),
        "sectors": draw(st.one_of(st.just("all"), _subsets(net.sectors))),
        "reduction": draw(shares),
        "start": draw(_dates(horizon)).isoformat(),
        "ramp_days": draw(st.integers(0, 120)),
    }


@st.composite
def scenarios(draw: st.DrawFn, net: SupplyNetwork, *, horizon: int = 90, max_events: int = 3) -> Scenario:
    """A random valid scenario on ``net`` with 1 to ``max_events`` events."""
    data = {
        "name": "random",
        "dataset": net.name,
        "start": START.isoformat(),
        "horizon_days": horizon,
        "events": draw(st.lists(events(net, horizon=horizon), min_size=1, max_size=max_events)),
        "allocation": draw(st.sampled_from(["pro_rata", "domestic_first"])),
    }
    note(repr(data))
    sc, problems = validate_text(yaml.safe_dump(data), "random.yaml", network=net)
    assert not problems, [str(p) for p in problems]
    assert sc is not None
    return sc
