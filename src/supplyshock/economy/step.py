r"""One ARIO step, phase by phase, as functions named after their symbols.

Notation (see :mod:`supplyshock.economy.structure`): industries ``i = (r, p)``; packed
entries ``k = (p, f)`` (input product ``p`` of buyer industry ``f``); ``D`` demand addressed
to each industry (orders of the previous step plus final demand); ``\Delta`` capacity
loss; ``\tilde\Omega`` normalised stocks; ``\omega`` supplier weights; ``G`` order scale.
Industry arrays are product-major ``(S, R, M)``, entry arrays ``(K, M)``, member axis last.

One step ``t`` in BoARIO 0.7.2's order (:func:`advance` composes the phases):

1. :func:`overproduction` (``t > 1``): ``\alpha`` moves towards ``\alpha^{max}`` under
   scarcity, back to ``\alpha^b`` otherwise;
2. :func:`production_capacity` ``x^{cap}`` and :func:`optimal_production` ``x^{opt}``;
3. :func:`leontief_production` (or :func:`pichler_production`) ``x^a``: inputs in stock
   limit output;
4. rationing, :func:`delivery_ratio` (or :func:`priority_delivery_ratios`): each buyer
   receives a share of its order; :func:`update_stock` with what was received and used;
   :func:`final_demand_unmet`;
5. orders for the next step: :func:`inventory_orders`, split across suppliers by
   :func:`supplier_weights` (:func:`order_scale`), summed per supplier by
   :func:`intermediate_demand`; final demand moves with :func:`final_demand_multiplier`.

The functions are pure except where a docstring says "in place": the stock update and
the writing of block products into preallocated arrays, kept in place because they are the
largest arrays of a step.

References
----------
Hallegatte, S. (2008). An adaptive regional input-output model and its application to the
assessment of the economic cost of Katrina. Risk Analysis 28(3), 779-799.
doi:10.1111/j.1539-6924.2008.01046.x
Guan, D. et al. (2020). Global supply-chain effects of COVID-19 control measures. Nature
Human Behaviour 4, 577-587. doi:10.1038/s41562-020-0896-8
Pichler, A., Pangallo, M., del Rio-Chanona, R. M., Lafond, F. and Farmer, J. D. (2022).
Forecasting the propagation of pandemic shocks with a dynamic input-output model. Journal
of Economic Dynamics and Control 144, 104527. doi:10.1016/j.jedc.2022.104527
Juhel, S. (2024). BoARIO: A Python package implementing the ARIO indirect economic cost
model. Journal of Open Source Software 9(94), 6547. doi:10.21105/joss.06547
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from supplyshock.economy import trade_caps as tc
from supplyshock.economy._types import FloatArray, IntArray
from supplyshock.economy.params import BOARIO_ALLCLOSE_ATOL, BOARIO_ALLCLOSE_RTOL, FinalDemandResponse
from supplyshock.economy.state import ARIOState
from supplyshock.economy.structure import BindingInputs, CoefficientBlocks, Structure

__all__ = [
    "advance",
    "delivery_ratio",
    "final_demand_at",
    "final_demand_multiplier",
    "final_demand_totals",
    "final_demand_unmet",
    "intermediate_demand",
    "inventory_orders",
    "leontief_production",
    "optimal_production",
    "order_scale",
    "overproduction",
    "pichler_production",
    "priority_delivery_ratios",
    "production_capacity",
    "supplier_sums",
    "supplier_weights",
    "update_stock",
    "update_stock_boario",
]


# --- 1-2. overproduction, capacity ------------------------------------------------------
def overproduction(
    alpha: FloatArray, D: FloatArray, x_prev: FloatArray, alpha_base: FloatArray, alpha_max: FloatArray, alpha_tau: FloatArray
) -> FloatArray:
    r"""Overproduction factor after one step (Hallegatte 2008; BoARIO).

    .. math::

        \zeta = \frac{D - x^a_{t-1}}{D}, \qquad
        \alpha \leftarrow \max\Bigl(1,\ \alpha + \begin{cases}
            (\alpha^{max} - \alpha)\,\zeta / \tau_\alpha & \zeta \ne 0 \\
            (\alpha^b - \alpha) / \tau_\alpha & \zeta = 0
        \end{cases}\Bigr)

    with ``\zeta = 0`` where ``D = 0``. Returns a new array of ``alpha``'s dtype.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        zeta = np.where(D != 0, (D - x_prev) / D, 0.0)
    zeta[np.isnan(zeta)] = 0.0
    inv_tau = 1.0 / alpha_tau
    change = (alpha_max - alpha) * zeta * inv_tau + (alpha_base - alpha) * (zeta == 0) * inv_tau
    new = np.add(alpha, change, out=np.empty_like(alpha))
    new[new < 1.0] = 1.0
    return new


def production_capacity(x0: FloatArray, Delta: FloatArray, alpha: FloatArray) -> FloatArray:
    r"""``x^{cap} = x_0 (1 - \Delta) \alpha``: capacity after losses, with overproduction."""
    return x0 * (1.0 - Delta) * alpha


def optimal_production(D: FloatArray, x_cap: FloatArray) -> FloatArray:
    r"""``x^{opt} = \min(D, x^{cap})``: what would be produced with unlimited inputs."""
    return np.fmin(D, x_cap)


# --- 3. inventory-constrained production ------------------------------------------------
def leontief_production(x_opt: FloatArray, stock_full: FloatArray, psi: FloatArray, binding: BindingInputs) -> FloatArray:
    r"""Realised production under Leontief inputs (Hallegatte 2008; BoARIO).

    .. math::

        x^a_f = \min\Bigl(x^{opt}_f,\ \min_p \frac{\tilde\Omega_{pf}}{\psi}\Bigr)
              = x^{opt}_f \min\Bigl(1,\ \min_p \frac{\Omega_{pf}}{\psi s_p A^S_{pf} x^{opt}_f}\Bigr)

    over the binding inputs ``p`` of ``f`` (``Z^S_{pf} > 10^{-5} x_{0,f}``, BoARIO's
    threshold).
    """
    x_a = x_opt.copy()
    if binding.columns.size:
        xa_flat = x_a.reshape(-1, x_a.shape[-1])
        lim = stock_full[binding.index].min(axis=1)
        lim /= psi
        xa_flat[binding.columns] = np.minimum(xa_flat[binding.columns], lim)
    return x_a


def pichler_production(
    x_opt: FloatArray, stock: FloatArray, psi: FloatArray, beta: FloatArray, binding: BindingInputs, entry_buyer_pm: IntArray, dtype: Any
) -> FloatArray:
    r"""Realised production with Pichler et al. (2022) input criticality.

    .. math::

        x^a_f = x^{opt}_f + \min_p \beta_{pf} \min\Bigl(\frac{\tilde\Omega_{pf}}{\psi} - x^{opt}_f,\ 0\Bigr)

    ``\beta = 1`` (critical) is :func:`leontief_production`; ``\beta = 1/2`` (important)
    gives ``x^a \le (x^{opt} + \tilde\Omega/\psi) / 2``; ``\beta = 0`` never binds.
    """
    m = x_opt.shape[-1]
    k = stock.shape[0]
    x_a = x_opt.copy()
    if binding.columns.size:
        xa_flat = x_a.reshape(-1, m)
        gap = np.zeros((k + 1, m), dtype=dtype)  # row K: padding (0 = no constraint)
        gk = gap[:k]
        np.divide(stock, psi, out=gk)
        gk -= x_opt.reshape(-1, m)[entry_buyer_pm]
        np.minimum(gk, 0.0, out=gk)
        gk *= beta
        xa_flat[binding.columns] += gap[binding.index].min(axis=1)
    return x_a


# --- 4. rationing, stocks, unmet final demand -------------------------------------------
def delivery_ratio(x_a: FloatArray, D: FloatArray) -> FloatArray:
    r"""``r_i = x^a_i / D_i`` (0 where ``D_i = 0``): proportional rationing, every buyer of ``i`` gets this share."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(D > 0, x_a / D, 0.0)


def priority_delivery_ratios(x_a: FloatArray, D: FloatArray, D_1: FloatArray) -> tuple[FloatArray, FloatArray]:
    r"""Ratios with the priority demand ``D_1`` served first, the rest ``D - D_1`` after.

    .. math::

        D_1 \leftarrow \min(D_1, D), \quad
        r^1_i = \min\Bigl(1, \frac{x^a_i}{D_{1,i}}\Bigr), \quad
        r^2_i = \min\Bigl(1, \frac{(x^a_i - D_{1,i})^+}{D_i - D_{1,i}}\Bigr)

    (0 where the denominator is 0). ``D_1`` is clipped in place.
    """
    np.minimum(D_1, D, out=D_1)
    with np.errstate(divide="ignore", invalid="ignore"):
        r1 = np.where(D_1 > 0, np.minimum(x_a / D_1, 1.0), 0.0)
        d2 = D - D_1
        r2 = np.where(d2 > 0, np.minimum(np.maximum(x_a - D_1, 0.0) / d2, 1.0), 0.0)
    return r1, r2


def supplier_weights(x_cap: FloatArray, x0: FloatArray, alt: bool) -> FloatArray:
    r"""``\omega_i = x^{cap}_i / x_{0,i}`` (``alt``, Guan et al. 2020; 1 where ``x_0 = 0``), else 1 (``noalt``).

    Orders of ``p`` are split across its suppliers in proportion to ``\omega_i A_{if}``.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = np.where(x0 != 0, x_cap / np.where(x0 != 0, x0, 1.0), 1.0)
    return rho if alt else np.ones_like(rho)


def supplier_sums(A: CoefficientBlocks, weights: Sequence[FloatArray], dtype: Any) -> list[FloatArray]:
    r"""``\sum_{i \in p} w_i A_{if}`` per entry ``(p, f)``, for each weight ``w`` in ``weights``.

    With one member the sums share one pass over ``A`` (memory-bound); with many they are
    computed apart (compute-bound, and each result stays contiguous).
    """
    m, k = weights[0].shape[-1], A.n_entries
    if m == 1 and len(weights) > 1:
        both = np.empty((k, len(weights) * m), dtype=dtype)
        A.sum_over_suppliers(np.concatenate(tuple(weights), axis=2), both)
        return [both[:, j * m : (j + 1) * m] for j in range(len(weights))]
    return [A.sum_over_suppliers(w, np.empty((k, m), dtype=dtype)) for w in weights]


def update_stock(stock: FloatArray, received: FloatArray, x_a_k: FloatArray, inv_sA: FloatArray, inv_s: FloatArray) -> None:
    r"""``\tilde\Omega \mathrel{+}= \text{received} / (s A^S) - x^a / s`` (in place).

    That is ``\Omega_{pf} \mathrel{+}= \text{received}_{pf} - A^S_{pf} x^a_f`` in value units;
    ``received`` is overwritten.
    """
    received *= inv_sA
    stock += received
    np.multiply(x_a_k, inv_s, out=received)
    stock -= received


def update_stock_boario(stock: FloatArray, received: FloatArray, x_a_k: FloatArray, A_S: FloatArray, inv_sA: FloatArray) -> None:
    r"""BoARIO's stock update (in place): as :func:`update_stock`, skipped for a member where
    ``numpy.allclose(received, A^S x^a)``. ``received`` is overwritten.
    """
    use = A_S * x_a_k
    received -= use  # change of stock, value units
    close = (np.abs(received) <= BOARIO_ALLCLOSE_ATOL + BOARIO_ALLCLOSE_RTOL * use).all(axis=0)
    if not close.all():
        upd = ~close
        stock[:, upd] += received[:, upd] * inv_sA


def final_demand_unmet(Y_Tt: FloatArray, r: FloatArray, phi: FloatArray | None) -> FloatArray:
    r"""Unmet final demand of region ``b`` for product ``p``, ``(S, R_b, M)``.

    .. math:: u_{pb} = \phi_{bp} \sum_s Y_{(s,p)b} (1 - r_{(s,p)})

    ``phi`` is product-major ``(S, R_b, M)``, None for fixed final demand (``\phi = 1``).
    """
    unmet = np.matmul(Y_Tt, 1.0 - r)
    return unmet if phi is None else unmet * phi


# --- 5. orders and final demand for the next step ---------------------------------------
def inventory_orders(
    x_opt_k: FloatArray,
    x_a_k: FloatArray,
    stock: FloatArray,
    gap_coef: FloatArray,
    boario_gap_atol: FloatArray | None = None,
    boario_never_close: bool = False,
) -> FloatArray:
    r"""Orders per entry, over ``A^S``: ``h_{pf} = O^S_{pf} / A^S_{pf}`` (Guan et al. 2020; BoARIO).

    .. math::

        O^S_{pf} = \frac{1}{\tau_{INV}} \bigl(s_p A^S_{pf} x^{opt}_f - \Omega_{pf}\bigr)^+ + A^S_{pf} x^a_f
        \iff h_{pf} = \frac{s_p}{\tau_{INV}} \bigl(x^{opt}_f - \tilde\Omega_{pf}\bigr)^+ + x^a_f

    ``gap_coef`` is ``s_p / \tau_{INV}``. With ``boario_gap_atol`` (BoARIO mode) the gap of a
    member is 0 where ``numpy.allclose(stock, target)``, unless ``boario_never_close``.
    """
    h = x_opt_k - stock
    close = None
    if boario_gap_atol is not None and not boario_never_close:
        close = (np.abs(h) <= boario_gap_atol + BOARIO_ALLCLOSE_RTOL * x_opt_k).all(axis=0)
    np.maximum(h, 0.0, out=h)
    h *= gap_coef
    if close is not None and close.any():
        h[:, close] = 0.0
    h += x_a_k
    return h


def order_scale(h: FloatArray, A_S: FloatArray, c: FloatArray, all_positive: bool, dtype: Any) -> FloatArray:
    r"""``G_{pf} = A^S_{pf} h_{pf} / c_{pf}``, ``c_{pf} = \sum_{i \in p} \omega_i A_{if}`` (``alt`` orders).

    Buyer ``f`` then orders ``O_{if} = \omega_i A_{if} G_{pf}`` from supplier ``i``, which
    sums to ``O^S_{pf}`` over the suppliers of ``p`` (Guan et al. 2020). ``G = 0`` where
    ``c = 0``; ``all_positive`` says no ``c`` is 0 (the fast path). ``h`` is overwritten.
    """
    h *= A_S
    if all_positive:
        h /= c
        return h
    G = np.zeros(h.shape, dtype=dtype)
    np.divide(h, c, out=G, where=c > 0)
    return G


def intermediate_demand(A: CoefficientBlocks, G: FloatArray, omega: FloatArray, dtype: Any) -> FloatArray:
    r"""``D^{int}_i = \omega_i \sum_f A_{if} G_{pf}``: orders addressed to supplier ``i = (r, p)``."""
    s, r, m = omega.shape
    d_int = A.sum_over_buyers(G, np.empty((s, r, m), dtype=dtype))
    d_int *= omega
    return d_int


def final_demand_multiplier(phi: FloatArray, unmet: FloatArray, Y_T: FloatArray, response: FinalDemandResponse) -> FloatArray:
    r"""Final-demand response (see :class:`~supplyshock.economy.params.FinalDemandResponse`).

    .. math::

        \phi_{bp} \leftarrow \mathrm{clip}\Bigl(\phi_{bp} + \frac{1 - e\,u_{bp} / (\phi_{bp} \sum_s Y_{(s,p)b}) - \phi_{bp}}{\tau},\ 0,\ 1\Bigr)

    ``phi`` is ``(M, R_b, S)``, ``unmet`` ``(S, R_b, M)``.
    """
    fd_by = Y_T.sum(axis=1)[:, :, None] * phi.transpose(2, 1, 0)  # (S, R_b, M)
    with np.errstate(divide="ignore", invalid="ignore"):
        u = np.where(fd_by > 0, unmet / fd_by, 0.0).transpose(2, 1, 0)  # (M, R_b, S)
    new = phi + (1.0 - response.elasticity * u - phi) / response.tau
    np.clip(new, 0.0, 1.0, out=new)
    return new


def final_demand_totals(fd0: FloatArray, Y_T: FloatArray, phi: FloatArray | None, m: int) -> FloatArray:
    r"""Final demand addressed to each supplier ``i = (s, p)``: ``\sum_b Y_{(s,p)b} \phi_{bp}``, ``(S, R, M)``.

    ``phi`` None means fixed final demand (``fd0``, ``(S, R, 1)``, repeated per member).
    """
    if phi is None:
        return np.repeat(fd0, m, axis=2)
    return np.einsum("psb,mbp->psm", Y_T, phi)


# --- the step ----------------------------------------------------------------------------
def final_demand_at(st: Structure, state: ARIOState, caps: Sequence[tc.CompiledCap], t: int) -> FloatArray:
    """Final demand addressed to each supplier at step ``t``, ``(S, R, M)``.

    :func:`final_demand_totals` less what the trade caps block; the state's own array when
    neither a final-demand response nor a cap can change it.
    """
    if st.final_demand_response is None and not caps:
        return state.final_demand
    phi = state.fd_multiplier
    tot = final_demand_totals(st.fd0_pm, st.Y_T, None if st.final_demand_response is None else phi, st.n_members)
    tc.subtract_blocked_final_demand(tot, caps, st.Yb, phi, st.n_sectors, t)
    return tot


def _ration(st: Structure, state: ARIOState, x_a: FloatArray) -> tuple[FloatArray, FloatArray | None, FloatArray | None]:
    """Delivery ratios ``(r, r^1, unmet correction)``; ``r^1`` and the correction with priorities only.

    With priorities ``r`` is the ratio of the other buyers, ``r^1`` that of the priority
    buyers, and the correction moves domestic final demand from ``r`` to ``r^1``.
    """
    D = state.demand
    if st.A_priority is None:
        return delivery_ratio(x_a, D), None, None
    s, r, m = D.shape
    phi_pm = state.fd_multiplier.transpose(2, 1, 0)
    D_1 = intermediate_demand(st.A_priority, state.orders, state.supplier_weight, st.dtype)
    if st.Y_dom is not None:
        D_1 += st.Y_dom * phi_pm
    r1, r2 = priority_delivery_ratios(x_a, D, D_1)
    unmet_corr = np.zeros((s, r, m), dtype=st.dtype)
    if st.Y_dom is not None:
        # domestic final demand got r1 instead of r2 (consumer region = supplier region)
        unmet_corr -= st.Y_dom * phi_pm * (r1 - r2)
    return r2, r1, unmet_corr


def advance(st: Structure, state: ARIOState, Delta: FloatArray, caps: Sequence[tc.CompiledCap], t: int) -> dict[str, FloatArray]:
    """Advance every member by one step (BoARIO's order); ``state`` is updated in place.

    ``Delta`` is the capacity loss in force, ``(S, R, M)``; ``t`` the step of the run (for
    the trade caps). Returns this step's records (industry arrays ``(S, R, M)``;
    ``final_demand_unmet`` ``(M, R_b, S)``).
    """
    mp, col, m, dt = st.members, st.entry_buyer_pm, st.n_members, st.dtype
    D, omega_prev, G_prev = state.demand, state.supplier_weight, state.orders
    if state.step > 1:
        state.alpha = overproduction(state.alpha, D, state.production, mp.alpha_base, mp.alpha_max, mp.alpha_tau)
    x_cap = production_capacity(st.x0_pm, Delta, state.alpha)
    x_opt = optimal_production(D, x_cap)
    if st.beta is None:
        x_a = leontief_production(x_opt, state.stock_full, mp.psi, st.binding)
    else:
        x_a = pichler_production(x_opt, state.stock, mp.psi, st.beta, st.binding, col, dt)
    state.had_shortage |= (x_a < x_opt).any(axis=(0, 1))

    # rationing; the supplier weights of the next orders share the pass over A
    r, r1, unmet_corr = _ration(st, state, x_a)
    omega = supplier_weights(x_cap, st.x0_pm, st.alt_orders)
    sums = supplier_sums(st.A, (r * omega_prev, omega) if st.alt_orders else (r * omega_prev,), dt)
    received = sums[0]  # share of f's orders of p delivered, per unit of G
    if r1 is not None:
        assert st.A_priority is not None
        received += st.A_priority.sum_over_suppliers((r1 - r) * omega_prev, np.empty(received.shape, dtype=dt))
    tc.correct_delivered_share(received, caps, r, omega_prev, t)
    received *= G_prev  # value units
    x_a_k = x_a.reshape(-1, m)[col]
    if st.boario_compat:
        update_stock_boario(state.stock, received, x_a_k, st.A_S, st.inv_sA)
    else:
        update_stock(state.stock, received, x_a_k, st.inv_sA, st.inv_s)
    if st.beta is not None:
        np.maximum(state.stock, 0.0, out=state.stock)

    phi = state.fd_multiplier
    unmet = final_demand_unmet(st.Y_Tt, r, None if st.final_demand_response is None else phi.transpose(2, 1, 0))
    if unmet_corr is not None:
        unmet += unmet_corr
    tc.add_blocked_final_demand_unmet(unmet, caps, st.Yb, phi, r, st.n_sectors, t)
    np.maximum(unmet, 0.0, out=unmet)

    # orders for the next step
    h = inventory_orders(
        x_opt.reshape(-1, m)[col],
        x_a_k,
        state.stock,
        st.gap_coef,
        st.gap_atol if st.boario_compat else None,
        st.infinite_blocks_shortcut,
    )
    if st.alt_orders:
        tc.correct_order_normaliser(sums[1], caps, omega, t)
        G = order_scale(h, st.A_S, sums[1], not caps and not (omega == 0).any(), dt)
    else:
        G = h
    d_int = intermediate_demand(st.A, G, omega, dt)
    tc.correct_intermediate_demand(d_int, caps, G, omega, t)
    np.maximum(d_int, 0.0, out=d_int)

    if st.final_demand_response is not None:
        state.fd_multiplier = final_demand_multiplier(phi, unmet, st.Y_T, st.final_demand_response)
    fd_now = state.final_demand
    state.final_demand = final_demand_at(st, state, caps, t + 1)
    state.orders, state.supplier_weight, state.production = G, omega, x_a
    state.demand = d_int + state.final_demand
    state.step += 1
    return {
        "production": x_a,
        "production_capacity": x_cap,
        "demand": D,
        "final_demand_unmet": unmet.transpose(2, 1, 0),  # (M, R_b, S)
        "overproduction": state.alpha,
        "final_demand": fd_now,
    }
