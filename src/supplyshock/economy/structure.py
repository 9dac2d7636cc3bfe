r"""The static arrays one ARIO step reads, built once from the table and the parameters.

Notation (daily flows; yearly table divided by ``steps_per_year``): industries
``i = (r, p)``, ``N = R S``; ``A`` technical coefficients; ``A^S_{pf} = \sum_r A_{(r,p)f}``;
``s_p`` inventory target in days; ``\psi``, ``\tau_{INV}``; ``x_0`` baseline output.

Packing. Only the entries ``k = (p, f)`` with ``A^S_{pf} > 0`` are stored, product-major
(entries ``offsets[p] .. offsets[p + 1]`` belong to product ``p``), member axis last.
Industry vectors are held product-major too, shape ``(S, R, M)``, so that the suppliers of
product ``p`` are the contiguous block ``[p]``. ``A`` is kept as one dense ``(R x K_p)``
block per product (:class:`CoefficientBlocks`): the two sums a step needs are per-product
BLAS products with ``(K_p x M)`` member matrices, and no ``N x N`` temporary is formed.

Stocks are held normalised, ``\tilde\Omega_{pf} = \Omega_{pf} / (s_p A^S_{pf})`` (in units
of the buyer's daily output they cover), which makes the production constraint a single
minimum over the binding inputs (:class:`BindingInputs`).

References
----------
Hallegatte (2008) doi:10.1111/j.1539-6924.2008.01046.x; Guan et al. (2020)
doi:10.1038/s41562-020-0896-8; Pichler et al. (2022) doi:10.1016/j.jedc.2022.104527;
Juhel (2024) JOSS doi:10.21105/joss.06547 (BoARIO's ``TECHNOLOGY_THRESHOLD`` and inventory
rules).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from supplyshock.economy._types import BoolArray, FloatArray, IntArray
from supplyshock.economy.mrio import MRIO
from supplyshock.economy.params import (
    BOARIO_ALLCLOSE_ATOL,
    CRITICALITY_WEIGHT,
    TECHNOLOGY_THRESHOLD,
    ARIOParams,
    FinalDemandResponse,
    Rationing,
    per_member,
)
from supplyshock.errors import ScenarioError

__all__ = [
    "BindingInputs",
    "CoefficientBlocks",
    "MemberParameters",
    "Structure",
    "build_structure",
    "criticality_weights",
    "inventory_targets",
]


@dataclass(frozen=True, eq=False)
class CoefficientBlocks:
    r"""Technical coefficients ``A`` as one dense ``(R x K_p)`` block per product ``p``.

    Block ``p`` holds ``A_{(r,p)f}`` for every region ``r`` and the ``K_p`` buyers ``f``
    with ``A^S_{pf} > 0``, i.e. the packed entries ``offsets[p] .. offsets[p + 1]``.
    """

    blocks: list[FloatArray]
    offsets: IntArray

    @property
    def n_entries(self) -> int:
        """``K``, the number of packed entries."""
        return int(self.offsets[-1])

    def sum_over_suppliers(self, w: FloatArray, out: FloatArray) -> FloatArray:
        r"""``out_{(p,f)} = \sum_{i \in p} w_i A_{if}``: per entry, over the suppliers of ``p``.

        ``w`` is an industry array ``(S, R, M)``, ``out`` an entry array ``(K, M)``
        (written in place and returned).
        """
        off = self.offsets
        for q, a in enumerate(self.blocks):
            if off[q + 1] > off[q]:
                np.matmul(a.T, w[q], out=out[off[q] : off[q + 1]])
        return out

    def sum_over_buyers(self, g: FloatArray, out: FloatArray) -> FloatArray:
        r"""``out_i = \sum_f A_{if} g_{(p,f)}`` for ``i = (r, p)``: per supplier, over buyers.

        ``g`` is an entry array ``(K, M)``, ``out`` an industry array ``(S, R, M)``
        (written in place and returned).
        """
        off = self.offsets
        for q, a in enumerate(self.blocks):
            if off[q + 1] > off[q]:
                np.matmul(a, g[off[q] : off[q + 1]], out=out[q])
            else:
                out[q] = 0.0
        return out

    def masked(self, keep: Sequence[npt.NDArray[np.bool_]]) -> CoefficientBlocks:
        """The same blocks with the entries where ``keep[p]`` is False set to 0."""
        return CoefficientBlocks([np.ascontiguousarray(a * k) for a, k in zip(self.blocks, keep, strict=True)], self.offsets)


@dataclass(frozen=True, eq=False)
class BindingInputs:
    """Index table for the minimum over binding inputs, per buyer column.

    ``columns`` are the (product-major flat) buyer industries with at least one input above
    BoARIO's threshold; row ``j`` of ``index`` lists the packed entries of column
    ``columns[j]``, padded with ``K`` (the row of the stock that holds ``+inf``), so the
    minimum over inputs is one gather and one reduction.
    """

    columns: IntArray
    index: IntArray


@dataclass(frozen=True, eq=False)
class MemberParameters:
    """Parameters that may differ between ensemble members, each of shape ``(M,)``."""

    psi: FloatArray
    tau_inv: FloatArray
    alpha_base: FloatArray
    alpha_max: FloatArray
    alpha_tau: FloatArray


@dataclass(frozen=True, eq=False)
class Structure:
    """Everything a step reads that does not change during a run.

    Industry arrays are product-major ``(S, R, ...)``; entry arrays are packed ``(K, ...)``
    (see the module docstring). Arrays are float64; ``dtype`` is the working precision of
    the state and of the per-step work arrays.
    """

    n_regions: int
    n_sectors: int
    n_members: int
    dtype: np.dtype[Any]
    boario_compat: bool
    alt_orders: bool
    final_demand_response: FinalDemandResponse | None
    members: MemberParameters
    #: ``x_0`` per step, public order ``(N,)``, and product-major ``(S, R, 1)``.
    x0: FloatArray
    x0_pm: FloatArray
    value_added_share: FloatArray
    #: ``s_p`` in steps, ``(S,)``; ``inf`` = never constraining.
    inventory_days: FloatArray
    A: CoefficientBlocks
    #: ``A`` restricted to the buyers served first (rationing priorities), else None.
    A_priority: CoefficientBlocks | None
    #: Product ``p``, buyer ``f`` (public order) and buyer (product-major flat) of each entry.
    entry_product: IntArray
    entry_buyer: IntArray
    entry_buyer_pm: IntArray
    #: ``A^S_{pf}``, ``1 / (s_p A^S_{pf})``, ``1 / s_p`` per entry, ``(K, 1)`` (0 if ``s_p = inf``).
    A_S: FloatArray
    inv_sA: FloatArray
    inv_s: FloatArray
    #: BoARIO's allclose ``atol`` on the normalised stock gap, ``(K, 1)``.
    gap_atol: FloatArray
    #: ``s_p / tau_INV`` per entry and member, ``(K, M)``.
    gap_coef: FloatArray
    entry_finite: BoolArray
    has_infinite: bool
    #: BoARIO's allclose on the stock gap meets NaN (``0 * inf``) and never holds.
    infinite_blocks_shortcut: bool
    binding: BindingInputs
    #: Pichler et al. (2022) binding weight ``beta`` per entry ``(K, 1)``; None = Leontief.
    beta: FloatArray | None
    #: Final demand ``(N, R_b)``; ``Y_T[p, s, b]`` from supplier region ``s`` to consumer ``b``
    #: and its transpose ``(S, R_b, R_s)``; baseline final and intermediate demand ``(S, R, 1)``.
    Yb: FloatArray
    Y_T: FloatArray
    Y_Tt: FloatArray
    fd0_pm: FloatArray
    d_int0_pm: FloatArray
    #: Domestic final demand ``Y_T[p, r, r]`` ``(S, R, 1)`` with ``domestic_first``, else None.
    Y_dom: FloatArray | None

    @property
    def n_entries(self) -> int:
        """``K``, the number of packed entries."""
        return self.A.n_entries

    def to_pm(self, v: FloatArray) -> FloatArray:
        """Public ``(N,)`` industry vector -> product-major ``(S, R)``."""
        return to_product_major(v, self.n_regions, self.n_sectors)

    def to_public(self, v: FloatArray) -> FloatArray:
        """Internal ``(S, R, M)`` -> public ``(M, N)``."""
        return v.transpose(2, 1, 0).reshape(self.n_members, self.n_regions * self.n_sectors)


def to_product_major(v: FloatArray, n_regions: int, n_sectors: int) -> FloatArray:
    """Public ``(N,)`` industry vector (region-major) -> product-major ``(S, R)``."""
    return np.ascontiguousarray(v.reshape(n_regions, n_sectors).T)


def member_parameters(p: ARIOParams, m: int) -> MemberParameters:
    """Per-member parameters, checked (``model="base"``: ``psi = tau_INV = 1``)."""
    if p.model == "base":
        psi, tau_inv = np.ones(m), np.ones(m)
    else:
        psi = per_member(p.psi, m, "psi")
        tau_inv = per_member(p.inventory_restoration_tau, m, "inventory_restoration_tau")
    if (psi > 1.0).any() or (psi <= 0.0).any():
        raise ScenarioError(f"psi must be in (0, 1], got {psi}")
    if (tau_inv < 1.0).any():
        raise ScenarioError(f"inventory_restoration_tau must be >= 1 step, got {tau_inv}")
    out = MemberParameters(
        psi=psi,
        tau_inv=tau_inv,
        alpha_base=per_member(p.alpha_base, m, "alpha_base"),
        alpha_max=per_member(p.alpha_max, m, "alpha_max"),
        alpha_tau=per_member(p.alpha_tau, m, "alpha_tau"),
    )
    if (out.alpha_tau <= 0).any():
        raise ScenarioError("alpha_tau must be > 0")
    return out


def _check_sectors(names: Sequence[str], sectors: Sequence[str], what: str) -> None:
    unknown = sorted(set(names) - set(sectors))
    if unknown:
        raise ScenarioError(f"{what} names unknown sectors {unknown}; known: {list(sectors)}")


def inventory_targets(sectors: Sequence[str], p: ARIOParams, *, boario_compat: bool) -> FloatArray:
    """Inventory target ``s_p`` in steps of use per product, ``(S,)``.

    ``main_inv_dur`` everywhere, overridden by ``inventory_days`` and by ``inf`` for
    ``infinite_inventory_sectors``. Targets <= 1 step are an error, or (BoARIO) become 2.
    """
    sectors = list(sectors)
    inv_days = np.full(len(sectors), float(p.main_inv_dur))
    if p.inventory_days is not None:
        _check_sectors(list(p.inventory_days), sectors, "inventory_days")
        for k, v in p.inventory_days.items():
            inv_days[sectors.index(k)] = float(v)
    _check_sectors(p.infinite_inventory_sectors, sectors, "infinite_inventory_sectors")
    for k in p.infinite_inventory_sectors:
        inv_days[sectors.index(k)] = np.inf
    if (inv_days <= 1).any():
        if not boario_compat:
            raise ScenarioError(f"inventory durations must be > 1 step, got {inv_days}")
        warnings.warn("inventory duration <= 1 step replaced by 2 (BoARIO behaviour)", stacklevel=4)
        inv_days[inv_days <= 1] = 2.0
    return inv_days


def criticality_weights(crit: pd.DataFrame | npt.ArrayLike, sectors: Sequence[str], n_regions: int) -> FloatArray:
    """Pichler et al. (2022) binding weights ``beta`` per (input product, buyer industry), ``(S, N)``.

    ``crit`` is a DataFrame (rows = input products, columns = buyer sectors, every sector
    present) or an ``(S, S)`` / ``(S, N)`` array of ``"critical"`` (1), ``"important"``
    (0.5), ``"non-critical"`` (0) or numbers in [0, 1]; ``(S, S)`` is repeated per region.
    """
    secs = list(sectors)
    s, n = len(secs), len(secs) * n_regions
    if isinstance(crit, pd.DataFrame):
        unknown = sorted((set(map(str, crit.index)) | set(map(str, crit.columns))) - set(secs))
        if unknown:
            raise ScenarioError(f"input_criticality names unknown sectors {unknown}; known: {secs}")
        missing = sorted((set(secs) - set(map(str, crit.index))) | (set(secs) - set(map(str, crit.columns))))
        if missing:
            raise ScenarioError(f"input_criticality must cover every sector as input (rows) and buyer (columns); missing: {missing}")
        raw = crit.reindex(index=secs, columns=secs).to_numpy()
    else:
        raw = np.asarray(crit)
    weights = np.empty(raw.shape, dtype=np.float64)
    wf = weights.reshape(-1)
    for k, v in enumerate(raw.reshape(-1)):
        if isinstance(v, str):
            key = v.strip().lower()
            if key not in CRITICALITY_WEIGHT:
                raise ScenarioError(
                    f"input_criticality value {v!r} not understood; use 'critical', 'important', 'non-critical' or a number in [0, 1]"
                )
            wf[k] = CRITICALITY_WEIGHT[key]
        else:
            wf[k] = float(v)
    if ((weights < 0) | (weights > 1) | ~np.isfinite(weights)).any():
        raise ScenarioError("input_criticality weights must be in [0, 1]")
    if weights.shape == (s, s):
        weights = np.tile(weights, (1, n_regions))
    elif weights.shape != (s, n):
        raise ScenarioError(f"input_criticality must be (S x S) = ({s}, {s}) or (S x N) = ({s}, {n}), got {weights.shape}")
    return weights


def _binding_inputs(binding_k: BoolArray, prod_k: IntArray, col_pm: IntArray) -> BindingInputs:
    """The padded (column, input) index table of the entries where ``binding_k`` holds."""
    k_total = prod_k.size
    sel = np.nonzero(binding_k)[0]
    order = sel[np.lexsort((prod_k[sel], col_pm[sel]))]
    cols_sorted = col_pm[order]
    starts = np.nonzero(np.r_[True, cols_sorted[1:] != cols_sorted[:-1]])[0]
    columns = cols_sorted[starts] if order.size else np.zeros(0, dtype=np.intp)
    cnt = np.diff(np.r_[starts, order.size])
    width = int(cnt.max()) if cnt.size else 0
    slot = np.arange(order.size) - np.repeat(starts, cnt)
    # padding points at row K of the stock, which holds +inf
    index = np.full((starts.size, width), k_total, dtype=np.intp)
    index[np.repeat(np.arange(starts.size), cnt), slot] = order
    return BindingInputs(columns=columns, index=index)


@dataclass(frozen=True, eq=False)
class _Packed:
    """Intermediate result of :func:`_pack_coefficients`."""

    A: CoefficientBlocks
    a_s: FloatArray  # (S, N) yearly A^S
    mask: BoolArray  # (S, N) A^S > 0
    threshold: BoolArray  # (S, N) Z^S above BoARIO's technology threshold
    prod_k: IntArray
    col_k: IntArray
    col_pm: IntArray


def _pack_coefficients(mrio: MRIO, x0: FloatArray) -> _Packed:
    """Per-product blocks of ``A`` over the entries with ``A^S_{pf} > 0``."""
    r, s, n = mrio.n_regions, mrio.n_sectors, mrio.n_industries
    x_year = mrio.x
    z3 = mrio.Z.reshape(r, s, n)
    z_c = z3.sum(axis=0)  # yearly Z^S (S, N)
    safe_x = np.where(x_year > 0, x_year, 1.0)
    a_s = np.where(x_year[None, :] > 0, z_c / safe_x[None, :], 0.0)
    mask = a_s > 0
    prod_k, col_k = np.nonzero(mask)
    offsets = np.concatenate([[0], np.cumsum(mask.sum(axis=1))]).astype(np.intp)
    blocks = []
    for q in range(s):
        cols = col_k[offsets[q] : offsets[q + 1]]
        blocks.append(np.ascontiguousarray(z3[:, q, cols] / safe_x[cols][None, :]))
    return _Packed(
        A=CoefficientBlocks(blocks, offsets),
        a_s=a_s,
        mask=mask,
        threshold=z_c > x0[None, :] * TECHNOLOGY_THRESHOLD,
        prod_k=prod_k,
        col_k=col_k,
        col_pm=(col_k % s) * r + col_k // s,
    )


def _priority_blocks(
    packed: _Packed,
    sectors: Sequence[str],
    n_regions: int,
    rationing: Rationing,
    priority_sectors: Sequence[str] | None,
) -> CoefficientBlocks:
    """``A`` restricted to the buyers served first: same-region buyers or priority sectors."""
    r, s = n_regions, len(sectors)
    off, col_k = packed.A.offsets, packed.col_k
    if rationing == "sectors_first":
        if not priority_sectors:
            raise ScenarioError("rationing='sectors_first' needs priority_sectors")
        _check_sectors(priority_sectors, sectors, "priority_sectors")
        pri_sec = np.isin(np.arange(s), [list(sectors).index(k) for k in priority_sectors])
    keep: list[npt.NDArray[np.bool_]] = []
    for q in range(s):
        sl = slice(off[q], off[q + 1])
        if rationing == "domestic_first":
            keep.append(col_k[sl][None, :] // s == np.arange(r)[:, None])
        else:
            keep.append(np.broadcast_to(pri_sec[col_k[sl] % s][None, :], (r, sl.stop - sl.start)))
    return packed.A.masked(keep)


def _inventory_coefficients(
    packed: _Packed, inv_days: FloatArray, tau_inv: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, BoolArray]:
    """``1 / (s A^S)``, ``1 / s``, BoARIO's gap ``atol``, ``s / tau_INV``, finite target; per entry."""
    as_k = packed.a_s[packed.mask]
    s_k = inv_days[packed.prod_k]
    fin_k = np.isfinite(inv_days)[packed.prod_k]
    with np.errstate(divide="ignore", invalid="ignore"):
        inv_sA = np.where(fin_k, 1.0 / (s_k * as_k), 0.0)[:, None]
        inv_s = np.where(fin_k, 1.0 / s_k, 0.0)[:, None]
        atol_n = np.where(fin_k, BOARIO_ALLCLOSE_ATOL / (s_k * as_k), np.inf)[:, None]
    gap_coef = np.where(fin_k, s_k, 0.0)[:, None] / tau_inv[None, :]
    return inv_sA, inv_s, atol_n, gap_coef, fin_k


def build_structure(
    mrio: MRIO,
    p: ARIOParams,
    *,
    n_members: int,
    boario_compat: bool,
    rationing: Rationing,
    priority_sectors: Sequence[str] | None,
    input_criticality: pd.DataFrame | npt.ArrayLike | None,
    final_demand_response: FinalDemandResponse | None,
    dtype: np.dtype[Any],
) -> Structure:
    """Check the parameters and build the :class:`Structure` of ``mrio``.

    Raises
    ------
    ScenarioError
        Parameters out of range, unknown sector labels, malformed criticality.
    """
    r, s, n = mrio.n_regions, mrio.n_sectors, mrio.n_industries
    steply = 1.0 / p.steps_per_year
    members = member_parameters(p, n_members)
    inv_days = inventory_targets(mrio.sectors, p, boario_compat=boario_compat)
    finite = np.isfinite(inv_days)
    x0 = mrio.x * steply
    packed = _pack_coefficients(mrio, x0)
    inv_sA, inv_s, atol_n, gap_coef, fin_k = _inventory_coefficients(packed, inv_days, members.tau_inv)
    # final demand by consuming region, and product-major Y_T[p, s, b]
    yb = (mrio.Y * steply).reshape(n, r, len(mrio.fd_categories)).sum(axis=2)
    y_t = np.ascontiguousarray(yb.reshape(r, s, r).transpose(1, 0, 2))
    safe_x = np.where(mrio.x > 0, mrio.x, 1.0)
    beta = None
    if input_criticality is not None:
        beta = (criticality_weights(input_criticality, mrio.sectors, r) * packed.threshold)[packed.mask][:, None]
    a_pri, y_dom = None, None
    if rationing != "proportional":
        a_pri = _priority_blocks(packed, mrio.sectors, r, rationing, priority_sectors)
        if rationing == "domestic_first":
            y_dom = np.ascontiguousarray(y_t[:, np.arange(r), np.arange(r)])[:, :, None]
    return Structure(
        n_regions=r,
        n_sectors=s,
        n_members=n_members,
        dtype=dtype,
        boario_compat=boario_compat,
        alt_orders=p.order_type == "alt",
        final_demand_response=final_demand_response,
        members=members,
        x0=x0,
        x0_pm=to_product_major(x0, r, s)[:, :, None],
        value_added_share=np.where(mrio.x > 0, (mrio.x - mrio.Z.sum(axis=0)) / safe_x, 0.0),
        inventory_days=inv_days,
        A=packed.A,
        A_priority=a_pri,
        entry_product=packed.prod_k,
        entry_buyer=packed.col_k,
        entry_buyer_pm=packed.col_pm,
        A_S=packed.a_s[packed.mask][:, None],
        inv_sA=inv_sA,
        inv_s=inv_s,
        gap_atol=atol_n,
        gap_coef=gap_coef,
        entry_finite=fin_k,
        has_infinite=bool((~finite).any()),
        infinite_blocks_shortcut=bool(((~finite)[:, None] & ~packed.mask).any()),
        binding=_binding_inputs(packed.threshold[packed.mask], packed.prod_k, packed.col_pm),
        beta=beta,
        Yb=yb,
        Y_T=y_t,
        Y_Tt=np.ascontiguousarray(y_t.transpose(0, 2, 1)),
        fd0_pm=y_t.sum(axis=2)[:, :, None],
        d_int0_pm=to_product_major(mrio.Z.sum(axis=1) * steply, r, s)[:, :, None],
        Y_dom=y_dom,
    )
