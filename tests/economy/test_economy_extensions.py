"""Beyond BoARIO: trade caps, input criticality, rationing priorities, demand response."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from supplyshock.economy import (
    MRIO,
    ARIOModel,
    ARIOParams,
    CapacityShock,
    FinalDemandResponse,
    TradeCap,
)
from supplyshock.errors import ScenarioError

A_M, A_P, B_M, B_P = 0, 1, 2, 3  # industry positions in the two-region table
RECORDS = ["production", "production_capacity", "demand", "final_demand_unmet"]


def min_rel(res: object, member: int = 0) -> np.ndarray:
    prod = res.production[member]  # type: ignore[attr-defined]
    return prod.min(axis=0) / res.baseline_production  # type: ignore[attr-defined]


def input_constrained(res: object, j: int) -> bool:
    """True if industry j produced less than min(demand, capacity) at some step."""
    prod = res.production[0, :, j]  # type: ignore[attr-defined]
    opt = np.minimum(res.demand[0, :, j], res.production_capacity[0, :, j])  # type: ignore[attr-defined]
    return bool((prod < opt * (1 - 1e-9)).any())


def test_export_ban_leaves_domestic_users_supplied(small_table: MRIO) -> None:
    model = ARIOModel(small_table)
    ban = model.run(150, trade_caps=[TradeCap("A", "B", "m", 1.0, start=2)], record=RECORDS)
    # the importer's user of m runs short; the exporter's own user never does
    assert input_constrained(ban, B_P)
    assert not input_constrained(ban, A_P)
    assert min_rel(ban)[B_P] < 0.5
    # a capacity shock of similar size at the exporter starves its domestic user too
    cut = model.run(150, shocks=[CapacityShock("A", "m", 0.6, 2, 148)], record=RECORDS)
    assert input_constrained(cut, A_P)
    # alt orders re-route B's purchases of m to B|m, which overproduces
    assert ban.production[0, 20:, B_M].max() > ban.baseline_production[B_M] * 1.001
    # blocked final demand of B for A's m is unmet
    assert ban.final_demand_unmet[0, 10:, 1, 0].min() > 0


def test_trade_cap_time_profile_and_members(small_table: MRIO) -> None:
    blocked = [0.0, 1.0, 1.0, 1.0, 0.5] + [0.0] * 5
    cap = TradeCap("A", "*", "m", blocked, start=5, members=[1])
    res = ARIOModel(small_table, n_members=2).run(120, trade_caps=[cap], record=RECORDS)
    np.testing.assert_allclose(res.production[0], np.broadcast_to(res.baseline_production, (120, 4)), rtol=1e-12)
    # final demand of B for A|m is blocked exactly while the cap is on
    fd = res.final_demand_unmet[1, :, 1, 0]
    assert fd[5] == pytest.approx(0.0, abs=1e-12)
    y_ab = small_table.Y[A_M, 1] / 365  # B's daily final demand for A's m
    # blocked share is unmet (plus any rationing by the re-routed supplier B|m)
    assert fd[6] >= y_ab * (1 - 1e-9) and fd[9] >= 0.5 * y_ab * (1 - 1e-9)
    assert fd[9] < fd[6]


def test_noalt_trade_cap_loses_orders(small_table: MRIO) -> None:
    cap = [TradeCap("A", "B", "m", 1.0, start=2)]
    alt = ARIOModel(small_table).run(100, trade_caps=cap)
    noalt = ARIOModel(small_table, ARIOParams(order_type="noalt")).run(100, trade_caps=cap)
    # without re-routing B|p ends up shorter of m
    assert min_rel(noalt)[B_P] < min_rel(alt)[B_P]


@pytest.mark.parametrize(
    ("cap", "match"),
    [
        (TradeCap("A", "C", "m", 1.0), "unknown region"),
        (TradeCap("A", "B", "q", 1.0), "unknown sector"),
        (TradeCap("A", "A", "m", 1.0), "two different regions"),
        (TradeCap("A", "B", "m", 1.0, start=50), "outside the horizon"),
        (TradeCap("A", "B", "m", [0.5] * 30, start=10), "beyond the horizon"),
        (TradeCap("A", "B", "m", 1.5), r"in \[0, 1\]"),
    ],
)
def test_bad_trade_caps(small_table: MRIO, cap: TradeCap, match: str) -> None:
    with pytest.raises(ScenarioError, match=match):
        ARIOModel(small_table).run(20, trade_caps=[cap])


def test_pichler_criticality_orders_losses(small_table: MRIO) -> None:
    shock = [CapacityShock("A", "m", 0.9, 2, 148)]
    out = {}
    for lab in ("critical", "important", "non-critical"):
        crit = pd.DataFrame(lab, index=["m", "p"], columns=["m", "p"])
        out[lab] = min_rel(ARIOModel(small_table, input_criticality=crit).run(150, shocks=shock))
    default = min_rel(ARIOModel(small_table).run(150, shocks=shock))
    np.testing.assert_allclose(out["critical"], default, rtol=1e-12)  # Leontief = BoARIO
    assert out["critical"][B_P] < out["important"][B_P] < out["non-critical"][B_P]
    # non-critical inputs never bind: B|p only loses demand, not supply
    assert out["non-critical"][B_P] > 0.9


def test_pichler_important_binds_by_half(small_table: MRIO) -> None:
    """Important input: x = x_opt + (Omega / (psi s A^S) - x_opt) / 2 when short."""
    crit = np.array([[0.5, 0.5], [0.0, 0.0]])  # input m important, input p non-critical
    model = ARIOModel(small_table, input_criticality=crit)
    model.run(40, shocks=[CapacityShock("A", "m", 0.9, 2, 38)])
    # state before one more step, then the step itself
    a_s = (small_table.Z[A_M, B_P] + small_table.Z[B_M, B_P]) / small_table.x[B_P]
    cover = model.inventory[0, 0, B_P] / (90.0 * a_s)  # days of B|p output its m stock covers
    nxt = model.run(1, reset=False, shocks=[], record=RECORDS)
    x_opt = min(nxt.demand[0, 0, B_P], nxt.production_capacity[0, 0, B_P])
    assert cover / 0.8 < x_opt  # m is short for B|p
    expected = x_opt + 0.5 * (cover / 0.8 - x_opt)
    assert nxt.production[0, 0, B_P] == pytest.approx(expected, rel=1e-9)
    shock = CapacityShock("A", "m", 0.9, 2, 148)
    full = ARIOModel(small_table, input_criticality=2 * crit).run(150, shocks=[shock], record=RECORDS)
    half = ARIOModel(small_table, input_criticality=crit).run(150, shocks=[shock], record=RECORDS)
    assert min_rel(full)[B_P] < min_rel(half)[B_P] < 1.0


def test_criticality_validation(small_table: MRIO) -> None:
    with pytest.raises(ScenarioError, match="not understood"):
        ARIOModel(small_table, input_criticality=np.array([["vital", "critical"]] * 2))
    with pytest.raises(ScenarioError, match=r"\(S x S\)"):
        ARIOModel(small_table, input_criticality=np.ones((3, 3)))
    with pytest.raises(ScenarioError, match="unknown sectors"):
        ARIOModel(small_table, input_criticality=pd.DataFrame(1.0, index=["m", "x"], columns=["m", "p"]))


def test_domestic_first_protects_domestic_buyers(small_table: MRIO) -> None:
    shock = [CapacityShock("A", "m", 0.7, 2, 148)]
    prop = ARIOModel(small_table).run(150, shocks=shock, record=RECORDS)
    dom = ARIOModel(small_table, rationing="domestic_first").run(150, shocks=shock, record=RECORDS)
    assert min_rel(dom)[A_P] > min_rel(prop)[A_P] + 0.1
    assert min_rel(dom)[B_P] < min_rel(prop)[B_P]
    # A's households are served before B's
    assert dom.final_demand_unmet[0, :, 0, 0].sum() < prop.final_demand_unmet[0, :, 0, 0].sum()


def test_sectors_first_protects_named_buyers(small_table: MRIO) -> None:
    shock = [CapacityShock("A", "m", 0.7, 2, 148)]
    prop = ARIOModel(small_table).run(150, shocks=shock, record=RECORDS)
    pri = ARIOModel(small_table, rationing="sectors_first", priority_sectors=["p"]).run(150, shocks=shock, record=RECORDS)
    assert min_rel(pri)[A_P] > min_rel(prop)[A_P]
    assert min_rel(pri)[B_P] > min_rel(prop)[B_P]
    # final demand for m is served last
    assert pri.final_demand_unmet[0, :, :, 0].sum() > prop.final_demand_unmet[0, :, :, 0].sum()


def test_rationing_with_no_shock_is_baseline(small_table: MRIO) -> None:
    for kw in ({"rationing": "domestic_first"}, {"rationing": "sectors_first", "priority_sectors": ["m"]}):
        res = ARIOModel(small_table, **kw).run(30)  # type: ignore[arg-type]
        np.testing.assert_allclose(res.production[0], np.broadcast_to(res.baseline_production, (30, 4)), rtol=1e-10)


def test_rationing_validation(small_table: MRIO) -> None:
    with pytest.raises(ScenarioError, match="needs priority_sectors"):
        ARIOModel(small_table, rationing="sectors_first")
    with pytest.raises(ScenarioError, match="unknown sectors"):
        ARIOModel(small_table, rationing="sectors_first", priority_sectors=["zz"])
    with pytest.raises(ScenarioError, match="rationing must be"):
        ARIOModel(small_table, rationing="lottery")  # type: ignore[arg-type]
    m = ARIOModel(small_table, rationing="sectors_first", priority_sectors=["p"])
    with pytest.raises(ScenarioError, match="cannot be combined"):
        m.run(10, trade_caps=[TradeCap("A", "B", "m", 1.0)])


def test_final_demand_response(small_table: MRIO) -> None:
    shock = [CapacityShock("A", "m", 0.7, 2, 148)]
    rec = ["production", "final_demand_unmet", "final_demand"]
    fixed = ARIOModel(small_table).run(150, shocks=shock, record=rec)
    resp = ARIOModel(small_table, final_demand_response=FinalDemandResponse(1.0, 10.0)).run(150, shocks=shock, record=rec)
    zero = ARIOModel(small_table, final_demand_response=FinalDemandResponse(0.0, 10.0)).run(150, shocks=shock, record=rec)
    np.testing.assert_allclose(zero.production, fixed.production, rtol=1e-10)
    assert resp.final_demand_unmet.sum() < 0.6 * fixed.final_demand_unmet.sum()
    assert resp.final_demand[0, -1].sum() < fixed.final_demand[0, -1].sum()
    np.testing.assert_allclose(fixed.final_demand[0], fixed.final_demand[0, :1].repeat(150, 0))
