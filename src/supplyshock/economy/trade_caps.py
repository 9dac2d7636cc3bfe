r"""Bilateral trade caps: compiled form and their term in each phase of a step.

A cap blocks the share ``b(t)`` of importer ``B``'s purchases of product ``p`` from
exporter ``E``: in the importer's sourcing the weight of supplier ``i = (E, p)`` is
multiplied by ``1 - b(t)``. With the order split ``O_{if} = \omega_i A_{if} G_{pf}`` this
subtracts, for every buyer ``f`` in ``B`` (the cap's entries ``k``):

* from the delivered share, ``b(t-1)\, r_i \omega^{prev}_i A_{if}`` (orders carried the
  factor when placed);
* from the order normaliser ``c_{pf}``, ``b(t)\, \omega_i A_{if}`` (``alt``: the blocked
  orders go to the other suppliers);
* from the intermediate demand of ``i``, ``b(t)\, \omega_i \sum_f A_{if} G_{pf}``;
* from the final demand addressed to ``i``, ``b(t)\, Y_{iB} \phi_{Bp}``, which is unmet.

Every function here corrects, in place, the array a step phase of
:mod:`supplyshock.economy.step` computed without caps. Caps are not in BoARIO.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from supplyshock.economy._types import FloatArray, IntArray
from supplyshock.economy.mrio import MRIO
from supplyshock.economy.params import TradeCap
from supplyshock.economy.structure import Structure
from supplyshock.errors import ScenarioError

__all__ = [
    "CompiledCap",
    "add_blocked_final_demand_unmet",
    "compile_trade_caps",
    "correct_delivered_share",
    "correct_intermediate_demand",
    "correct_order_normaliser",
    "subtract_blocked_final_demand",
]


@dataclass(frozen=True, eq=False)
class CompiledCap:
    """One (exporter, importer) pair of a trade cap, as indices into the packed arrays."""

    product: int
    exporter: int
    importer: int
    #: Packed entries ``(product, f)`` of the buyers ``f`` in the importer region.
    entries: IntArray
    #: ``A[(exporter, product), f]`` for those entries.
    a_vals: FloatArray
    #: Blocked share per step and member, ``(T + 1, M)``.
    blocked: FloatArray

    @property
    def supplier(self) -> tuple[int, int]:
        """The capped supplier, product-major ``(product, exporter)``."""
        return self.product, self.exporter


def _blocked_series(k: int, c: TradeCap, n_steps: int, n_members: int) -> FloatArray:
    """``blocked[t, member]`` over ``n_steps + 1`` steps (0 outside the cap)."""
    if not 0 <= c.start < n_steps:
        raise ScenarioError(f"trade_caps[{k}] starts at step {c.start}, outside the horizon [0, {n_steps})")
    b = np.asarray(c.blocked, dtype=np.float64).reshape(-1)
    if ((b < 0) | (b > 1) | ~np.isfinite(b)).any():
        raise ScenarioError(f"trade_caps[{k}].blocked must be in [0, 1]")
    series = np.zeros(n_steps + 1)
    if b.size == 1:
        series[c.start :] = b[0]
    else:
        if c.start + b.size > n_steps:
            raise ScenarioError(f"trade_caps[{k}].blocked has {b.size} values from step {c.start}, beyond the horizon of {n_steps} steps")
        series[c.start : c.start + b.size] = b
    members = np.arange(n_members) if c.members is None else np.asarray(c.members, dtype=np.intp)
    blocked = np.zeros((n_steps + 1, n_members))
    blocked[:, members] = series[:, None]
    return blocked


def compile_trade_caps(caps: Sequence[TradeCap], mrio: MRIO, st: Structure, n_steps: int) -> list[CompiledCap]:
    """Check ``caps`` and compile one :class:`CompiledCap` per (exporter, importer) pair.

    Raises
    ------
    ScenarioError
        Unknown labels, exporter == importer, a cap outside the horizon, shares outside [0, 1].
    """
    out: list[CompiledCap] = []
    regs, s = mrio.regions, st.n_sectors
    off = st.A.offsets
    for k, c in enumerate(caps):
        if c.exporter not in regs or (c.importer != "*" and c.importer not in regs):
            raise ScenarioError(f"trade_caps[{k}] names unknown region(s) {c.exporter!r} -> {c.importer!r}; known regions: {list(regs)}")
        if c.sector not in mrio.sectors:
            raise ScenarioError(f"trade_caps[{k}] names unknown sector {c.sector!r}; known: {list(mrio.sectors)}")
        if c.exporter == c.importer:
            raise ScenarioError(
                f"trade_caps[{k}]: exporter and importer are both {c.exporter!r}; a trade cap restricts flows between two different regions"
            )
        blocked = _blocked_series(k, c, n_steps, st.n_members)
        e = regs.index(c.exporter)
        q = mrio.sectors.index(c.sector)
        importers = [i for i in range(len(regs)) if i != e] if c.importer == "*" else [regs.index(c.importer)]
        reg_cols = st.entry_buyer[off[q] : off[q + 1]] // s
        for bi in importers:
            loc = np.nonzero(reg_cols == bi)[0]
            out.append(CompiledCap(q, e, bi, off[q] + loc, st.A.blocks[q][e, loc], blocked))
    return out


def correct_delivered_share(e: FloatArray, caps: Sequence[CompiledCap], ratio: FloatArray, omega_prev: FloatArray, t: int) -> None:
    r"""``e_{(p,f)} \mathrel{-}= b(t-1)\, r_i \omega^{prev}_i A_{if}`` for the capped entries."""
    for c in caps:
        bp = c.blocked[t - 1] if t > 0 else np.zeros(e.shape[1])
        rr = ratio[c.supplier] * omega_prev[c.supplier] * bp
        e[c.entries] -= c.a_vals[:, None] * rr[None, :]


def add_blocked_final_demand_unmet(
    unmet: FloatArray, caps: Sequence[CompiledCap], Yb: FloatArray, phi: FloatArray, ratio: FloatArray, n_sectors: int, t: int
) -> None:
    r"""``u_{pB} \mathrel{+}= b(t)\, Y_{iB} \phi_{Bp} r_i``: blocked final demand never reached ``i``."""
    for c in caps:
        yv = Yb[c.exporter * n_sectors + c.product, c.importer] * phi[:, c.importer, c.product]
        unmet[c.product, c.importer] += c.blocked[t] * yv * ratio[c.supplier]


def correct_order_normaliser(c_norm: FloatArray, caps: Sequence[CompiledCap], omega: FloatArray, t: int) -> None:
    r"""``c_{(p,f)} \mathrel{-}= b(t)\, \omega_i A_{if}``: the importer's weight of ``i`` is cut."""
    for c in caps:
        c_norm[c.entries] -= c.a_vals[:, None] * (c.blocked[t] * omega[c.supplier])[None, :]


def correct_intermediate_demand(d_int: FloatArray, caps: Sequence[CompiledCap], G: FloatArray, omega: FloatArray, t: int) -> None:
    r"""``D^{int}_i \mathrel{-}= b(t)\, \omega_i \sum_{f \in B} A_{if} G_{pf}``."""
    for c in caps:
        corr = c.a_vals @ G[c.entries]
        d_int[c.supplier] -= c.blocked[t] * omega[c.supplier] * corr


def subtract_blocked_final_demand(fd: FloatArray, caps: Sequence[CompiledCap], Yb: FloatArray, phi: FloatArray, n_sectors: int, t: int) -> None:
    r"""``FD_i \mathrel{-}= b(t)\, Y_{iB} \phi_{Bp}``: final demand addressed to ``i`` at step ``t``."""
    for c in caps:
        yv = Yb[c.exporter * n_sectors + c.product, c.importer] * phi[:, c.importer, c.product]
        fd[c.supplier] -= c.blocked[t] * yv
