"""Seeded synthetic MRIO tables with one dominant supplier of a critical product.

Used for tests, parity checks against BoARIO and benchmarks. The construction mirrors a
concentrated critical-mineral supply chain (e.g. rare-earth magnets): one region
supplies most of every other region's purchases of product 0, which only a minority of
sectors use, in small amounts.

Construction (all draws from ``np.random.default_rng(seed)``):

1. Input recipe ``c[p, (b, j)]``: the share of product ``p`` in the output of industry
   ``(b, j)``. Each column draws a random subset of products (probability ``density``,
   plus its own product) with exponential weights; its total intermediate share is
   uniform in ``[0.35, 0.65]``, so value added is positive and ``(I - A)`` invertible.
2. Critical product 0: used by a share ``critical_users`` of sectors, with a coefficient
   uniform in ``[0.005, 0.03]`` taken out of their other inputs.
3. Sourcing ``W[p, s, b]`` (share of region ``b``'s purchases of ``p`` bought from
   region ``s``): ``home_bias`` domestic, imports spread with lognormal supplier
   weights. For product 0 the dominant region 0 supplies ``critical_share`` of every other
   region, the buyer itself 5 %, the rest the others; region 0 sources it only at home.
4. ``A[(s, p), (b, j)] = c[p, (b, j)] W[p, s, b]``; final demand
   ``Y[(s, p), b] = level_b f_p W[p, s, b]`` with ``f`` Dirichlet (1 % weight on product
   0); ``x = (I - A)^{-1} Y 1`` and ``Z = A diag(x)``: the table balances exactly.

The same parameters and seed always give the same table.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from supplyshock.economy._types import FloatArray
from supplyshock.economy.mrio import MRIO, from_arrays
from supplyshock.economy.params import CapacityShock
from supplyshock.errors import ScenarioError

__all__ = ["SyntheticCase", "critical_supplier_shock", "synthetic_mrio"]


@dataclass(frozen=True)
class SyntheticCase:
    """A synthetic table plus the labels of its dominant supplier and critical product."""

    mrio: MRIO
    dominant_region: str
    critical_sector: str
    seed: int


def _input_recipe(rng: np.random.Generator, r_n: int, s_n: int, density: float, critical_users: float) -> FloatArray:
    """Steps 1-2: ``c[p, (b, j)]``, the share of product ``p`` in the output of industry ``(b, j)``."""
    n = r_n * s_n
    own = np.tile(np.arange(s_n), r_n)
    used = rng.random((s_n, n)) < density
    used[own, np.arange(n)] = True
    used[0, :] = False
    weights = rng.exponential(1.0, (s_n, n)) * used
    # the critical sector's own product is excluded: give input-less columns product 1
    empty = weights.sum(axis=0) == 0
    weights[1, empty] = 1.0
    weights /= weights.sum(axis=0, keepdims=True)
    inter = rng.uniform(0.35, 0.65, n)
    # critical product 0
    users = rng.random(s_n) < critical_users
    users[0] = False
    crit = np.where(users[own], rng.uniform(0.005, 0.03, n), 0.0)
    recipe = weights * (inter - crit)[None, :]
    recipe[0, :] = crit
    return recipe


def _sourcing_shares(rng: np.random.Generator, r_n: int, s_n: int, home_bias: float, critical_share: float) -> FloatArray:
    """Step 3: ``W[p, s, b]``, the share of region ``b``'s purchases of ``p`` bought from ``s``."""
    sup = rng.lognormal(0.0, 1.0, (s_n, r_n))
    w = np.empty((s_n, r_n, r_n))
    for b in range(r_n):
        imp = sup.copy()
        imp[:, b] = 0.0
        imp /= imp.sum(axis=1, keepdims=True)
        w[:, :, b] = (1.0 - home_bias) * imp
        w[:, b, b] = home_bias
    for b in range(1, r_n):
        rest = sup[0].copy()
        rest[[0, b]] = 0.0
        w[0, :, b] = rest / rest.sum() * (1.0 - critical_share - 0.05)
        w[0, 0, b] = critical_share
        w[0, b, b] = 0.05
    w[0, :, 0] = 0.0
    w[0, 0, 0] = 1.0
    return w


def _balanced_flows(rng: np.random.Generator, recipe: FloatArray, w: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Step 4: ``Z = A diag(x)``, final demand by consuming region ``(N, R)`` and ``x = (I - A)^{-1} Y 1``."""
    s_n, r_n = int(w.shape[0]), int(w.shape[1])
    n = r_n * s_n
    # A[(s, p), (b, j)] = recipe[p, (b, j)] * W[p, s, b]
    buyer_region = np.repeat(np.arange(r_n), s_n)
    a = np.empty((n, n))
    for s in range(r_n):
        a[s * s_n : (s + 1) * s_n, :] = recipe * w[:, s, :][:, buyer_region]
    level = rng.uniform(5e4, 5e5, r_n)
    share = rng.dirichlet(np.ones(s_n))
    share[0] *= 0.01
    share /= share.sum()
    yb = np.empty((n, r_n))
    for s in range(r_n):
        yb[s * s_n : (s + 1) * s_n, :] = share[:, None] * w[:, s, :] * level[None, :]
    # x = (I - A)^-1 Y 1, built in place to keep the peak memory at ~2 N x N arrays
    diag = a.diagonal().copy()
    np.negative(a, out=a)
    a.flat[:: n + 1] += 1.0
    x = np.linalg.solve(a, yb.sum(axis=1))
    np.negative(a, out=a)
    a.flat[:: n + 1] = diag
    z = a
    z *= x[None, :]
    return z, yb, x


def synthetic_mrio(
    n_regions: int = 20,
    n_sectors: int = 50,
    *,
    seed: int = 42,
    n_fd_categories: int = 1,
    density: float = 0.3,
    home_bias: float = 0.6,
    critical_share: float = 0.7,
    critical_users: float = 0.2,
) -> SyntheticCase:
    """Build a seeded synthetic MRIO with a dominant supplier of a critical product.

    Parameters
    ----------
    n_regions, n_sectors : int
        Size (``n_regions >= 3``, ``n_sectors >= 2``).
    seed : int
        Seed of ``np.random.default_rng``.
    n_fd_categories : int
        Final-demand categories per region (demand split equally).
    density : float
        Probability that a product is an input of a given industry.
    home_bias : float
        Domestic share of purchases (non-critical products).
    critical_share : float
        Share of the dominant region in every other region's purchases of the critical
        product (``<= 0.95``).
    critical_users : float
        Share of sectors that use the critical product.

    Returns
    -------
    SyntheticCase
        Regions ``r00_dominant, r01, ...``; sectors ``s000_critical, s001, ...``; unit
        "million currency units"; yearly flows.
    """
    if n_regions < 3 or n_sectors < 2:
        raise ScenarioError("synthetic_mrio needs n_regions >= 3 and n_sectors >= 2")
    if not 0 < critical_share <= 0.95 or not 0 <= home_bias < 1 or not 0 < density <= 1:
        raise ScenarioError("synthetic_mrio: need 0 < critical_share <= 0.95, 0 <= home_bias < 1, 0 < density <= 1")
    rng = np.random.default_rng(seed)
    r_n, s_n = n_regions, n_sectors
    regions = ["r00_dominant"] + [f"r{k:02d}" for k in range(1, r_n)]
    sectors = ["s000_critical"] + [f"s{k:03d}" for k in range(1, s_n)]
    # the draws happen in this order: recipe, sourcing, final demand
    recipe = _input_recipe(rng, r_n, s_n, density, critical_users)
    w = _sourcing_shares(rng, r_n, s_n, home_bias, critical_share)
    z, yb, x = _balanced_flows(rng, recipe, w)
    f = n_fd_categories
    y = np.repeat(yb / f, f, axis=1)
    mrio = from_arrays(
        z,
        y,
        x,
        regions=regions,
        sectors=sectors,
        fd_categories=[f"fd{k}" for k in range(f)],
        name=f"synthetic_{r_n}x{s_n}_seed{seed}",
        unit="million currency units",
        balance_rtol=1e-9,
        meta={
            "seed": seed,
            "density": density,
            "home_bias": home_bias,
            "critical_share": critical_share,
            "critical_users": critical_users,
        },
    )
    return SyntheticCase(mrio, regions[0], sectors[0], seed)


def critical_supplier_shock(
    case: SyntheticCase,
    *,
    share: float = 0.8,
    occurrence: int = 5,
    duration: int = 90,
    recovery_tau: int = 30,
) -> CapacityShock:
    """The reference shock: the dominant supplier of the critical product loses capacity.

    Defaults: 80 % from step 5 for 90 steps, then 30 steps of linear recovery.
    """
    return CapacityShock(
        case.dominant_region,
        case.critical_sector,
        share=share,
        occurrence=occurrence,
        duration=duration,
        recovery_tau=recovery_tau,
    )
