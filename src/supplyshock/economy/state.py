r"""What changes from one ARIO step to the next: :class:`ARIOState` and the baseline.

All arrays hold every member at once, member axis last; industry arrays are product-major
``(S, R, M)``, entry arrays packed ``(K, M)`` (see :mod:`supplyshock.economy.structure`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from supplyshock.economy._types import BoolArray, FloatArray
from supplyshock.economy.structure import Structure

__all__ = ["ARIOState", "baseline_state"]


@dataclass(eq=False)
class ARIOState:
    r"""The state of all members between two steps.

    Attributes
    ----------
    stock_full : ndarray (K + 1, M)
        Normalised stocks ``\tilde\Omega_{pf} = \Omega_{pf} / (s_p A^S_{pf})`` (days of the
        buyer's output they cover) plus a last row of ``+inf``, the padding of the minimum
        over binding inputs. Updated in place by the step.
    orders : ndarray (K, M)
        ``G_{pf}``, the order scale of the last step: buyer ``f`` ordered
        ``O_{if} = \omega_i A_{if} G_{pf}`` from supplier ``i = (r, p)``.
    supplier_weight : ndarray (S, R, M)
        ``\omega_i`` used to split those orders (``x^{cap}_i / x_{0,i}`` with ``alt``).
    alpha : ndarray (S, R, M)
        Overproduction factor.
    production : ndarray (S, R, M)
        Realised production ``x^a`` of the last step.
    fd_multiplier : ndarray (M, R_b, S)
        Final-demand response ``\phi_{bp}`` (1 = baseline).
    final_demand : ndarray (S, R, M)
        Final demand addressed to each supplier for the next step.
    demand : ndarray (S, R, M)
        ``D``: intermediate orders of the last step plus ``final_demand``.
    step : int
        Steps done since the baseline.
    had_shortage : ndarray (M,) of bool
        Whether inventories ever constrained production of the member.
    """

    stock_full: FloatArray
    orders: FloatArray
    supplier_weight: FloatArray
    alpha: FloatArray
    production: FloatArray
    fd_multiplier: FloatArray
    final_demand: FloatArray
    demand: FloatArray
    step: int
    had_shortage: BoolArray

    @property
    def stock(self) -> FloatArray:
        r"""``\tilde\Omega``, ``(K, M)``: a view of ``stock_full`` without the padding row."""
        return self.stock_full[:-1]


def baseline_state(st: Structure) -> ARIOState:
    r"""Every member at the baseline equilibrium of ``st``.

    Stocks at target (``\tilde\Omega = x_0``, ``inf`` for infinite inventories), orders of
    "step -1" equal to the table's flows (``\omega = 1``, ``G_{pf} = x_{0,f}``), production
    ``x_0``, ``alpha = alpha_base``, final demand at the table's level.
    """
    m, r, s, k, dt = st.n_members, st.n_regions, st.n_sectors, st.n_entries, st.dtype
    x0_k = st.x0[st.entry_buyer][:, None]
    stock_full = np.empty((k + 1, m), dtype=dt)
    stock_full[k] = np.inf
    stock_full[:k] = x0_k
    if st.has_infinite:
        stock_full[:k][~st.entry_finite] = np.inf
    orders = np.empty((k, m), dtype=dt)
    orders[...] = x0_k
    alpha = np.empty((s, r, m), dtype=dt)
    alpha[...] = st.members.alpha_base[None, None, :]
    production = np.empty((s, r, m), dtype=dt)
    production[...] = st.x0_pm
    final_demand = np.empty((s, r, m), dtype=dt)
    final_demand[...] = st.fd0_pm
    return ARIOState(
        stock_full=stock_full,
        orders=orders,
        supplier_weight=np.ones((s, r, m), dtype=dt),
        alpha=alpha,
        production=production,
        fd_multiplier=np.ones((m, r, s), dtype=dt),
        final_demand=final_demand,
        demand=st.d_int0_pm + final_demand,
        step=0,
        had_shortage=np.zeros(m, dtype=bool),
    )
