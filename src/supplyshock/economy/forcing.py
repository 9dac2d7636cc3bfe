r"""Capacity losses over a run: shocks and exogenous arrays compiled to the per-step ``\Delta``.

``\Delta_i(t)`` is the share of industry ``i``'s capacity lost at step ``t``; shocks and the
exogenous ``capacity_loss`` array combine by maximum, as several events do in BoARIO.

References
----------
Hallegatte (2008) doi:10.1111/j.1539-6924.2008.01046.x; Juhel (2024) JOSS
doi:10.21105/joss.06547 (``EventArbitraryProd`` and its timing).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from supplyshock.economy._types import FloatArray, IntArray
from supplyshock.economy.mrio import MRIO
from supplyshock.economy.params import BOARIO_RECOVERY_DIGITS, CapacityShock, capacity_loss_profile, per_member
from supplyshock.errors import ScenarioError

__all__ = ["CompiledShock", "capacity_loss_at", "check_capacity_loss", "compile_shocks"]


@dataclass(frozen=True, eq=False)
class CompiledShock:
    """A capacity shock as arrays: loss ``value[t, member]`` on the industries ``industries_pm``."""

    value: FloatArray  # (T, M): share x profile
    members: IntArray
    industries_pm: IntArray  # product-major flat industry indices


def _check_shock(k: int, sh: CapacityShock, mrio: MRIO, n_steps: int, boario_compat: bool) -> None:
    regs = [sh.region] if isinstance(sh.region, str) else list(sh.region)
    secs = [sh.sector] if isinstance(sh.sector, str) else list(sh.sector)
    bad_r = sorted(set(regs) - set(mrio.regions))
    bad_s = sorted(set(secs) - set(mrio.sectors))
    if bad_r or bad_s:
        raise ScenarioError(
            f"shocks[{k}] names unknown regions {bad_r} / sectors {bad_s}; the MRIO has regions {list(mrio.regions)} and sectors {list(mrio.sectors)}"
        )
    if sh.duration < 0 or sh.recovery_tau < 0:
        raise ScenarioError(f"shocks[{k}]: duration and recovery_tau must be >= 0")
    lo = 1 if boario_compat else 0
    if not (lo <= sh.occurrence < n_steps) or sh.occurrence + sh.duration > n_steps:
        raise ScenarioError(
            f"shocks[{k}] is outside the horizon: occurrence={sh.occurrence}, "
            f"duration={sh.duration} but the run has {n_steps} steps (need "
            f"{lo} <= occurrence and occurrence + duration <= {n_steps}); shorten the "
            "shock or run more steps"
        )


def compile_shocks(shocks: Sequence[CapacityShock], mrio: MRIO, n_members: int, n_steps: int, *, boario_compat: bool) -> list[CompiledShock]:
    """Check ``shocks`` and turn each into a :class:`CompiledShock` over ``n_steps`` steps.

    With ``boario_compat`` the timing is BoARIO's (see
    :func:`~supplyshock.economy.params.capacity_loss_profile`) and the recovery phase of
    ``share x profile`` is rounded to BoARIO's 6 digits.

    Raises
    ------
    ScenarioError
        Unknown labels, shares outside [0, 1], shocks outside the horizon, bad members.
    """
    out = []
    m, r, s = n_members, mrio.n_regions, mrio.n_sectors
    for k, sh in enumerate(shocks):
        _check_shock(k, sh, mrio, n_steps, boario_compat)
        share = per_member(sh.share, m, f"shocks[{k}].share")
        if ((share < 0) | (share > 1)).any():
            raise ScenarioError(f"shocks[{k}].share must be in [0, 1], got {share}")
        members = np.arange(m) if sh.members is None else np.asarray(sh.members, dtype=np.intp)
        if members.size and (members.min() < 0 or members.max() >= m):
            raise ScenarioError(f"shocks[{k}].members must be in [0, {m})")
        regs = [sh.region] if isinstance(sh.region, str) else list(sh.region)
        secs = [sh.sector] if isinstance(sh.sector, str) else list(sh.sector)
        ind = [mrio.industry_index(rg, sc) for rg in regs for sc in secs]
        ind_pm = np.array(sorted((i % s) * r + i // s for i in ind))
        prof = capacity_loss_profile(
            n_steps,
            occurrence=sh.occurrence,
            duration=sh.duration,
            recovery_tau=sh.recovery_tau,
            boario_timing=boario_compat,
        )
        # value per (step, member): share * profile (BoARIO rounds the recovery phase)
        val = prof[:, None] * share[None, :]
        if boario_compat and sh.recovery_tau > 0:
            rec_start = sh.occurrence + sh.duration + 2
            val[rec_start:] = np.round(val[rec_start:], BOARIO_RECOVERY_DIGITS)
        out.append(CompiledShock(val, members, ind_pm))
    return out


def check_capacity_loss(capacity_loss: npt.ArrayLike, n_steps: int, n_members: int, n_industries: int) -> FloatArray:
    """The exogenous capacity loss as a ``(T, 1 or M, N)`` array with values in [0, 1].

    Raises
    ------
    ScenarioError
        Another shape, or values outside [0, 1].
    """
    la = np.asarray(capacity_loss, dtype=np.float64)
    n = n_industries
    if la.shape == (n_steps, n):
        la = la[:, None, :]
    if la.shape not in ((n_steps, 1, n), (n_steps, n_members, n)):
        raise ScenarioError(f"capacity_loss must have shape ({n_steps}, {n}) or ({n_steps}, {n_members}, {n}), got {np.shape(capacity_loss)}")
    if ((la < 0) | (la > 1) | ~np.isfinite(la)).any():
        raise ScenarioError("capacity_loss values must be in [0, 1]")
    return la


def capacity_loss_at(t: int, delta: FloatArray, loss: FloatArray | None, shocks: Sequence[CompiledShock]) -> FloatArray:
    r"""Write ``\Delta(t) = \max(\text{loss}_t, \max_{\text{shocks}} \text{value}_t)`` into ``delta``.

    ``delta`` is product-major ``(S, R, M)`` and is overwritten (and returned).
    """
    s, r, m = delta.shape
    dflat = delta.reshape(s * r, m)
    delta[...] = 0.0
    if loss is not None:
        lt = loss[t]  # (M or 1, N)
        np.maximum(delta, lt.reshape(-1, r, s).transpose(2, 1, 0), out=delta)
    for sh in shocks:
        v = sh.value[t]
        if v.any():
            idx = np.ix_(sh.industries_pm, sh.members)
            dflat[idx] = np.maximum(dflat[idx], v[sh.members][None, :])
    return delta
