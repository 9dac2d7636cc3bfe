"""Core ARIO dynamics: equilibrium, shocks, recovery, ensembles, errors."""

from __future__ import annotations

import numpy as np
import pytest

from supplyshock.economy import (
    MRIO,
    ARIOModel,
    ARIOParams,
    CapacityShock,
    capacity_loss_profile,
)
from supplyshock.errors import ScenarioError


def test_no_shock_stays_at_baseline(synth_small: MRIO) -> None:
    for compat in (False, True):
        res = ARIOModel(synth_small, boario_compat=compat).run(60)
        np.testing.assert_allclose(
            res.production[0],
            np.broadcast_to(res.baseline_production, res.production[0].shape),
            rtol=1e-12,
        )
        assert np.abs(res.final_demand_unmet).max() < 1e-9 * res.baseline_production.max()


def test_capacity_shock_cuts_and_recovers(small_table: MRIO) -> None:
    m = ARIOModel(small_table)
    shock = CapacityShock("A", "m", 0.5, occurrence=2, duration=20, recovery_tau=10)
    res = m.run(400, shocks=[shock])
    i = small_table.industry_index("A", "m")
    x0 = res.baseline_production[i]
    cap = res.production_capacity[0, :, i]
    # capacity: full loss on [2, 22), then linear recovery; alpha >= 1 so cap >= profile
    assert cap[1] == pytest.approx(x0)
    assert cap[2] == pytest.approx(0.5 * x0)
    assert res.production[0, 2:22, i].max() <= 0.5 * x0 * 1.25 + 1e-12
    # others hit through missing inputs: A|p and B|p buy m
    assert res.production[0, :, small_table.industry_index("B", "p")].min() < (res.baseline_production[small_table.industry_index("B", "p")])
    # back near baseline long after the shock
    np.testing.assert_allclose(res.production[0, -1], res.baseline_production, rtol=2e-2)
    assert res.final_demand_unmet[0, 2:40].sum() > 0


def test_capacity_loss_profile_native_and_boario() -> None:
    p = capacity_loss_profile(12, occurrence=2, duration=3, recovery_tau=4)
    np.testing.assert_allclose(p, [0, 0, 1, 1, 1, 0.75, 0.5, 0.25, 0, 0, 0, 0])
    b = capacity_loss_profile(14, occurrence=2, duration=3, recovery_tau=4, boario_timing=True)
    np.testing.assert_allclose(b, [0, 0, 0, 1, 1, 1, 1, 1, 0.75, 0.5, 0.25, 0, 0, 0])


def test_members_equal_independent_runs(synth_small: MRIO) -> None:
    shares = [0.3, 0.9, 0.0]
    params = ARIOParams(psi=[0.8, 0.9, 0.8], inventory_restoration_tau=[60, 30, 60])
    ens = ARIOModel(synth_small, params, n_members=3).run(80, shocks=[CapacityShock("r00_dominant", "s000_critical", shares, 3, 30, 10)])
    for k, (sh, psi, tau) in enumerate(zip(shares, [0.8, 0.9, 0.8], [60, 30, 60], strict=True)):
        single = ARIOModel(synth_small, ARIOParams(psi=psi, inventory_restoration_tau=tau)).run(
            80, shocks=[CapacityShock("r00_dominant", "s000_critical", sh, 3, 30, 10)]
        )
        np.testing.assert_allclose(ens.production[k], single.production[0], rtol=1e-10)
        np.testing.assert_allclose(ens.final_demand_unmet[k], single.final_demand_unmet[0], rtol=1e-9, atol=1e-9)
    # member 2 had no shock
    np.testing.assert_allclose(ens.production[2], np.broadcast_to(ens.baseline_production, (80, 40)), rtol=1e-12)
    assert not np.allclose(ens.production[0], ens.production[1])


def test_shock_on_subset_of_members(synth_small: MRIO) -> None:
    shock = CapacityShock("r01", "s003", 0.7, 2, 10, 0, members=[1])
    res = ARIOModel(synth_small, n_members=2).run(30, shocks=[shock])
    np.testing.assert_allclose(res.production[0], np.broadcast_to(res.baseline_production, (30, 40)), rtol=1e-12)
    assert res.production[1].min() < res.baseline_production.min() or (res.production[1] < res.baseline_production[None] * 0.99).any()


def test_rerun_and_reset_are_reproducible(synth_small: MRIO) -> None:
    m = ARIOModel(synth_small, n_members=2)
    shock = CapacityShock("r00_dominant", "s000_critical", 0.8, 2, 20, 5)
    a = m.run(50, shocks=[shock])
    b = m.run(50, shocks=[shock])
    np.testing.assert_array_equal(a.production, b.production)
    m.reset()
    np.testing.assert_array_equal(m.production, np.repeat(a.baseline_production[None], 2, 0))
    # continuing without reset differs from a fresh start
    c = m.run(10, reset=False)
    assert c.production.shape == (2, 10, synth_small.n_industries)


def test_overlapping_shocks_combine_by_max(small_table: MRIO) -> None:
    s1 = CapacityShock("A", "m", 0.3, 1, 5, 0)
    s2 = CapacityShock("A", "m", 0.6, 3, 5, 0)
    res = ARIOModel(small_table).run(12, shocks=[s1, s2], record=["production_capacity"])
    i = small_table.industry_index("A", "m")
    x0 = res.baseline_production[i]
    rel = res.production_capacity[0, :, i] / x0
    # rel = alpha * (1 - delta) with 1 <= alpha <= 1.25
    assert rel[1] == pytest.approx(0.7, rel=1e-12)  # alpha = 1 until step 2
    assert 0.7 <= rel[2] < 0.71
    # from step 3 the max of both shocks (0.6) applies until s2 ends at step 8
    assert 0.4 <= rel[3] < 0.41 and rel[7] < 0.5
    assert 1.0 <= rel[8] <= 1.25


def test_exogenous_capacity_loss_array(small_table: MRIO) -> None:
    n = small_table.n_industries
    loss = np.zeros((20, n))
    loss[5:10, 0] = 0.5
    res = ARIOModel(small_table).run(20, capacity_loss=loss, record=["production_capacity"])
    cap = res.production_capacity[0, :, 0] / res.baseline_production[0]
    assert cap[4] == pytest.approx(1.0) and cap[5] == pytest.approx(0.5, rel=0.01)


def test_to_dataset_and_frames(small_table: MRIO) -> None:
    res = ARIOModel(small_table, n_members=2).run(5, record=["production", "final_demand_unmet", "overproduction"])
    ds = res.to_dataset()
    assert ds["production"].dims == ("member", "time", "region", "sector")
    assert ds.sizes == {"member": 2, "time": 5, "region": 2, "sector": 2}
    assert ds["overproduction"].attrs["units"] == "1"
    assert res.frame("production").shape == (5, 4)
    with pytest.raises(AttributeError, match="no record 'demand'"):
        _ = res.demand


@pytest.mark.parametrize(
    ("shock", "match"),
    [
        (CapacityShock("A", "m", 0.5, 18, 5, 0), "outside the horizon"),
        (CapacityShock("A", "m", 0.5, -1, 5, 0), "outside the horizon"),
        (CapacityShock("Z", "m", 0.5, 1, 5, 0), "unknown regions"),
        (CapacityShock("A", "zz", 0.5, 1, 5, 0), "sectors"),
        (CapacityShock("A", "m", 1.5, 1, 5, 0), r"share must be in \[0, 1\]"),
        (CapacityShock("A", "m", [0.1, 0.2, 0.3], 1, 5, 0), "one per member"),
    ],
)
def test_bad_shocks_raise(small_table: MRIO, shock: CapacityShock, match: str) -> None:
    with pytest.raises(ScenarioError, match=match):
        ARIOModel(small_table, n_members=2).run(20, shocks=[shock])


def test_bad_parameters_raise(small_table: MRIO) -> None:
    with pytest.raises(ScenarioError, match="psi"):
        ARIOModel(small_table, ARIOParams(psi=1.5))
    with pytest.raises(ScenarioError, match="order_type"):
        ARIOModel(small_table, ARIOParams(order_type="best"))  # type: ignore[arg-type]
    with pytest.raises(ScenarioError, match="unknown sectors"):
        ARIOModel(small_table, ARIOParams(inventory_days={"nope": 10}))
    with pytest.raises(ScenarioError, match="capacity_loss must have shape"):
        ARIOModel(small_table).run(5, capacity_loss=np.zeros((4, 4)))
    with pytest.raises(ScenarioError, match="unknown records"):
        ARIOModel(small_table).run(5, record=["nope"])  # type: ignore[list-item]


def test_infinite_inventory_never_constrains(small_table: MRIO) -> None:
    shock = CapacityShock("A", "m", 0.9, 1, 50, 0)
    base = ARIOModel(small_table).run(60, shocks=[shock])
    inf = ARIOModel(small_table, ARIOParams(infinite_inventory_sectors=["m"])).run(60, shocks=[shock])
    j = small_table.industry_index("B", "p")
    assert inf.production[0, :, j].min() >= base.production[0, :, j].min()
    # with infinite m inventories B|p is never input-constrained by m
    np.testing.assert_allclose(
        inf.production[0, :, j].min(),
        min(inf.baseline_production[j], inf.demand[0, :, j].min()),
        rtol=1e-9,
    )


def test_base_model_orders_whole_gap(synth_small: MRIO) -> None:
    shock = CapacityShock("r00_dominant", "s000_critical", 0.8, 2, 20, 5)
    psi = ARIOModel(synth_small).run(60, shocks=[shock])
    base = ARIOModel(synth_small, ARIOParams(model="base")).run(60, shocks=[shock])
    assert not np.allclose(psi.production, base.production)


def test_float32_matches_float64(synth_small: MRIO) -> None:
    shock = CapacityShock("r00_dominant", "s000_critical", [0.5, 0.9], 3, 40, 10)
    params = ARIOParams(psi=[0.8, 0.7])
    r64 = ARIOModel(synth_small, params, n_members=2).run(120, shocks=[shock])
    model32 = ARIOModel(synth_small, params, n_members=2, dtype="float32")
    r32 = model32.run(120, shocks=[shock])
    assert model32.state.stock.dtype == np.float32  # state really is single precision
    np.testing.assert_allclose(r32.production, r64.production, rtol=1e-4)
    with pytest.raises(ScenarioError, match="float64"):
        ARIOModel(synth_small, boario_compat=True, dtype="float32")
