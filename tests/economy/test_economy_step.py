"""The phases of one ARIO step, each against its formula on hand-checked numbers."""

from __future__ import annotations

import numpy as np
import pytest
import threadpoolctl

import supplyshock.economy.model as model_module
from supplyshock.economy import MRIO, ARIOModel, CapacityShock
from supplyshock.economy.step import (
    delivery_ratio,
    inventory_orders,
    leontief_production,
    order_scale,
    overproduction,
    priority_delivery_ratios,
    production_capacity,
    supplier_weights,
)
from supplyshock.economy.structure import BindingInputs


def test_coefficient_blocks_are_the_dense_A(small_table: MRIO, rng: np.random.Generator) -> None:
    """Both block sums equal the dense products with ``A`` (2 regions x 2 sectors)."""
    st = ARIOModel(small_table, n_members=3).structure
    r, s, n, m = st.n_regions, st.n_sectors, small_table.n_industries, 3
    a = small_table.A  # (N, N), rows = supplier (r, p) region-major
    w = rng.uniform(0.5, 1.5, (s, r, m))  # product-major industry weights
    got = st.A.sum_over_suppliers(w, np.empty((st.n_entries, m)))
    a3 = a.reshape(r, s, n)
    for k, (p, f) in enumerate(zip(st.entry_product, st.entry_buyer, strict=True)):
        np.testing.assert_allclose(got[k], (a3[:, p, f][:, None] * w[p]).sum(axis=0), rtol=1e-13)
    g = rng.uniform(0.5, 1.5, (st.n_entries, m))
    g_dense = np.zeros((s, n, m))
    g_dense[st.entry_product, st.entry_buyer] = g
    out = st.A.sum_over_buyers(g, np.empty((s, r, m)))
    for i in range(n):
        reg, p = divmod(i, s)
        np.testing.assert_allclose(out[p, reg], a[i] @ g_dense[p], rtol=1e-13)


def test_overproduction_rule() -> None:
    """Scarcity 20 %: alpha rises by (1.25 - 1) 0.2 / 10; no scarcity: back towards base; floor 1."""
    one = np.ones(1)
    alpha = np.array([[[1.0], [1.1], [1.0]]])
    demand = np.array([[[100.0], [50.0], [50.0]]])
    x_prev = np.array([[[80.0], [50.0], [60.0]]])
    new = overproduction(alpha, demand, x_prev, one, 1.25 * one, 10.0 * one)
    np.testing.assert_allclose(new.ravel(), [1.0 + 0.25 * 0.2 / 10, 1.1 + (1.0 - 1.1) / 10, 1.0])
    assert alpha[0, 0, 0] == 1.0  # input untouched


def test_capacity_and_leontief_production() -> None:
    """x_a = min(x_opt, min_p stock / psi) over binding inputs only."""
    x0 = np.array([[[10.0], [20.0]]])  # one product, two regions
    cap = production_capacity(x0, np.array([[[0.5], [0.0]]]), np.ones((1, 2, 1)))
    np.testing.assert_array_equal(cap.ravel(), [5.0, 20.0])
    # buyer 1 has two binding inputs (entries 0, 1), buyer 0 none; row 2 = +inf padding
    stock_full = np.array([[12.0], [8.0], [np.inf]])
    binding = BindingInputs(columns=np.array([1]), index=np.array([[0, 1]]))
    x_a = leontief_production(cap, stock_full, np.array([0.8]), binding)
    np.testing.assert_array_equal(x_a.ravel(), [5.0, min(20.0, 8.0 / 0.8)])


def test_rationing_ratios() -> None:
    x_a, demand = np.array([[[6.0], [0.0], [5.0]]]), np.array([[[8.0], [0.0], [5.0]]])
    np.testing.assert_array_equal(delivery_ratio(x_a, demand).ravel(), [0.75, 0.0, 1.0])
    d1 = np.array([[[4.0], [0.0], [9.0]]])  # priority demand, clipped to the demand
    r1, r2 = priority_delivery_ratios(x_a, demand, d1)
    np.testing.assert_array_equal(r1.ravel(), [1.0, 0.0, 5.0 / 5.0])
    np.testing.assert_array_equal(r2.ravel(), [0.5, 0.0, 0.0])


def test_orders_and_supplier_weights() -> None:
    """h = s/tau (x_opt - stock)^+ + x_a; alt weights x_cap / x0 (1 where x0 = 0)."""
    x_opt_k, x_a_k = np.array([[10.0], [10.0]]), np.array([[9.0], [9.0]])
    stock = np.array([[7.0], [12.0]])
    gap_coef = np.array([[90.0 / 60.0], [90.0 / 60.0]])
    h = inventory_orders(x_opt_k, x_a_k, stock, gap_coef)
    np.testing.assert_allclose(h.ravel(), [1.5 * 3.0 + 9.0, 9.0])
    w = supplier_weights(np.array([[[5.0], [3.0]]]), np.array([[[10.0], [0.0]]]), alt=True)
    np.testing.assert_array_equal(w.ravel(), [0.5, 1.0])
    assert (supplier_weights(w, w, alt=False) == 1.0).all()
    g = order_scale(np.array([[2.0], [2.0]]), np.array([[0.5], [0.5]]), np.array([[0.25], [0.0]]), False, np.float64)
    np.testing.assert_array_equal(g.ravel(), [4.0, 0.0])


def _blas_threads() -> int:
    return max(int(x["num_threads"]) for x in threadpoolctl.threadpool_info() if x["user_api"] == "blas")


def test_blas_threads_limited_while_stepping(small_table: MRIO, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[int] = []
    real = model_module.advance

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(_blas_threads())
        return real(*args, **kwargs)

    monkeypatch.setattr(model_module, "advance", spy)
    before = _blas_threads()
    ARIOModel(small_table).run(3, shocks=[CapacityShock("A", "m", 0.5, 1, 1)])
    assert seen == [1, 1, 1]
    assert _blas_threads() == before
    seen.clear()
    ARIOModel(small_table, blas_threads=None).run(2)
    assert seen == [before, before]
