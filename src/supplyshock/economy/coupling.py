r"""Couple the material model's output losses to the ARIO model.

The material model gives, per ensemble member, day, country ``c`` and end-use sector ``e``,
the share of the sector's material-using output that is lost (``output_loss_share``: plants
stopped or running short, convex at plant level). Each (country, end-use sector) carries a
*value at stake* ``V_ce``: the yearly value of the output that needs the material (its
material demand in tonnes times the value of output per tonne, which datasets derive from
the material content per unit of product and the unit's value). This module turns both into
a loss of production capacity of the MRIO industries the countries and sectors map to, runs
the ARIO model and returns gross output and value added lost, split into *direct* (the
constrained industries' own loss) and *indirect* (every other industry, through supply
chains and demand).

Capacity lost by MRIO industry ``(g, k)`` (region ``g``, sector ``k``) on day ``t``:

.. math::

    \Delta_{gk}(t) = \min\Bigl(1, \frac{\sum_{c \to g}\sum_{e \to k} \ell_{ce}(t)\, V_{ce}(t)}{x_{gk}}\Bigr)

where ``c -> g`` are the countries in region ``g`` (a dataset's ``countries.mrio_region``),
``e -> k`` the end-use sectors in MRIO sector ``k`` (``sectors.mrio_sector``), ``l`` the
output loss share and ``x`` the table's gross output. Nothing here knows a mineral: the
maps and values are data.

References
----------
Hallegatte, S. (2008). An adaptive regional input-output model and its application to the
assessment of the economic cost of Katrina. Risk Analysis 28(3), 779-799.
doi:10.1111/j.1539-6924.2008.01046.x
Guan, D. et al. (2020). Global supply-chain effects of COVID-19 control measures. Nature
Human Behaviour 4, 577-587. doi:10.1038/s41562-020-0896-8
Juhel, S. (2024). BoARIO: A Python package implementing the ARIO indirect economic cost
model. Journal of Open Source Software 9(98), 6547. doi:10.21105/joss.06547
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt
import xarray as xr

from supplyshock.economy.model import ARIOModel
from supplyshock.economy.mrio import MRIO, load_default_mrio
from supplyshock.economy.params import ARIOParams
from supplyshock.errors import DataError, ScenarioError

__all__ = ["LOSS_DIMS", "capacity_loss", "run_coupled"]

#: Dimensions of the output loss share the coupling takes (``member`` optional).
LOSS_DIMS = ("member", "time", "country", "sector")


def _check_loss(loss_share: xr.DataArray) -> xr.DataArray:
    """The loss share on :data:`LOSS_DIMS` (``member`` added if missing), values checked."""
    ls = loss_share
    if "member" not in ls.dims:
        ls = ls.expand_dims(member=[0])
    if set(ls.dims) != set(LOSS_DIMS):
        raise ScenarioError(f"output loss share must have dims {LOSS_DIMS} (member optional), got {ls.dims}")
    ls = ls.transpose(*LOSS_DIMS)
    vals = np.asarray(ls.values, dtype=np.float64)
    if not np.isfinite(vals).all() or (vals < 0).any() or (vals > 1).any():
        raise ScenarioError(
            f"output loss shares must be finite and in [0, 1] (1 = all output that needs the material lost); "
            f"got range [{np.nanmin(vals):.4g}, {np.nanmax(vals):.4g}]"
        )
    return ls


def _map_matrix(items: list[str], target_of: Mapping[str, str], targets: tuple[str, ...], what: str, column: str) -> npt.NDArray[np.float64]:
    """0/1 matrix (items x targets) of a one-to-one-or-many map; unknown targets are a DataError."""
    missing = [i for i in items if i not in target_of]
    if missing:
        raise DataError(f"{what} {missing} have no {column}; give every {what[:-1]} a {column}")
    bad = sorted({str(target_of[i]) for i in items} - set(targets))
    if bad:
        raise DataError(f"{column} values {bad} are not in the input-output table (it has {list(targets)}); fix the {column} column")
    out = np.zeros((len(items), len(targets)))
    for n, i in enumerate(items):
        out[n, targets.index(str(target_of[i]))] = 1.0
    return out


def capacity_loss(
    loss_share: xr.DataArray,
    value_at_stake: xr.DataArray,
    region_of: Mapping[str, str],
    mrio_sector_of: Mapping[str, str],
    mrio: MRIO | None = None,
) -> xr.DataArray:
    """Turn output loss shares into a loss of production capacity of MRIO industries.

    Parameters
    ----------
    loss_share : xarray.DataArray
        Dims ``(member, time, country, sector)`` (``member`` optional), values in [0, 1].
    value_at_stake : xarray.DataArray
        Yearly value of the output that needs the material, in the MRIO's unit and prices;
        dims ``(country, sector)`` or, where it changes over time (demand growth),
        ``(member, time, country, sector)``.
    region_of, mrio_sector_of : mapping
        Country -> MRIO region, end-use sector -> MRIO sector.
    mrio : MRIO, optional
        Default: :func:`~supplyshock.economy.mrio.load_default_mrio`.

    Returns
    -------
    xarray.DataArray
        Capacity loss share on ``(member, time, region, sector)``, with attribute
        ``stake_share_max``: the largest value at stake relative to the industry's gross
        output (above 1 the stake is clipped: the data claim more output than the table has).
    """
    mrio = mrio or load_default_mrio()
    ls = _check_loss(loss_share)
    countries = [str(c) for c in ls["country"].values]
    sectors = [str(s) for s in ls["sector"].values]
    stake = value_at_stake
    if set(stake.dims) == {"country", "sector"}:
        v = stake.sel(country=countries, sector=sectors).transpose("country", "sector").values[None, None]
    else:
        v = stake.sel(country=countries, sector=sectors).transpose(*LOSS_DIMS).values
    v = np.asarray(v, dtype=np.float64)
    if not np.isfinite(v).all() or (v < 0).any():
        raise DataError("value at stake must be finite and >= 0 for every country and sector")
    cmat = _map_matrix(countries, region_of, mrio.regions, "countries", "mrio_region")
    smat = _map_matrix(sectors, mrio_sector_of, mrio.sectors, "sectors", "mrio_sector")
    lost = np.einsum("mtce,mtce,cg,ek->mtgk", np.asarray(ls.values, dtype=np.float64), np.broadcast_to(v, ls.shape), cmat, smat)
    stake_gk = np.einsum("mtce,cg,ek->mtgk", np.broadcast_to(v, ls.shape), cmat, smat)
    x = mrio.x.reshape(mrio.n_regions, mrio.n_sectors)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(x > 0, lost / np.where(x > 0, x, 1.0), 0.0)
        stake_share = np.where(x > 0, stake_gk / np.where(x > 0, x, 1.0), 0.0)
    return xr.DataArray(
        np.clip(share, 0.0, 1.0),
        dims=("member", "time", "region", "sector"),
        coords={"member": ls["member"].values, "time": ls["time"].values, "region": list(mrio.regions), "sector": list(mrio.sectors)},
        name="capacity_loss",
        attrs={"units": "1", "description": "share of production capacity lost", "stake_share_max": float(stake_share.max(initial=0.0))},
    )


def run_coupled(
    loss_share: xr.DataArray,
    value_at_stake: xr.DataArray,
    region_of: Mapping[str, str],
    mrio_sector_of: Mapping[str, str],
    mrio: MRIO | None = None,
    *,
    steps_per_period: int = 1,
    params: ARIOParams | None = None,
    **model_kwargs: Any,
) -> xr.Dataset:
    """Run the ARIO model under the capacity losses of :func:`capacity_loss`.

    Each period of the loss's ``time`` axis is held for ``steps_per_period`` model steps (1
    for daily results); losses are summed back to the periods of the input.

    Parameters
    ----------
    loss_share, value_at_stake, region_of, mrio_sector_of, mrio
        See :func:`capacity_loss`.
    steps_per_period : int
        Model steps per period.
    params : ARIOParams, optional
        Model parameters.
    **model_kwargs
        Passed to :class:`~supplyshock.economy.model.ARIOModel` (e.g. ``rationing``,
        ``input_criticality``).

    Returns
    -------
    xarray.Dataset
        On ``(member, time, region, sector)``: ``capacity_loss``, ``output_loss_direct``,
        ``output_loss_indirect``, ``value_added_loss_direct``, ``value_added_loss_indirect``
        (table unit per period; positive = loss against the baseline) and ``direct`` (bool:
        industry constrained at some time in the member).
    """
    if steps_per_period < 1:
        raise ScenarioError(f"steps_per_period must be >= 1, got {steps_per_period}")
    mrio = mrio or load_default_mrio()
    loss = capacity_loss(loss_share, value_at_stake, region_of, mrio_sector_of, mrio)
    m, t_n = loss.sizes["member"], loss.sizes["time"]
    n = mrio.n_industries
    arr = np.asarray(loss.values).reshape(m, t_n, n)
    steps = t_n * steps_per_period
    cap_loss: npt.NDArray[np.float64] = np.repeat(arr, steps_per_period, axis=1).transpose(1, 0, 2)
    model = ARIOModel(mrio, params, n_members=m, **model_kwargs)
    res = model.run(steps, capacity_loss=cap_loss, record=("production",))
    lost = res.baseline_production[None, None, :] - res.production  # (M, steps, N)
    lost_p = lost.reshape(m, t_n, steps_per_period, n).sum(axis=2)
    direct = np.asarray((arr > 0).any(axis=1))  # (M, N)
    va = res.value_added_share[None, None, :]
    d3 = direct[:, None, :]
    shape = (m, t_n, mrio.n_regions, mrio.n_sectors)
    dims = ("member", "time", "region", "sector")
    unit = f"{mrio.unit} per period"

    def var(a: npt.NDArray[np.float64], desc: str) -> xr.Variable:
        return xr.Variable(dims, a.reshape(shape), attrs={"units": unit, "description": desc})

    return xr.Dataset(
        {
            "capacity_loss": loss,
            "output_loss_direct": var(np.where(d3, lost_p, 0.0), "gross output lost by constrained industries"),
            "output_loss_indirect": var(np.where(d3, 0.0, lost_p), "gross output lost by all other industries"),
            "value_added_loss_direct": var(np.where(d3, lost_p * va, 0.0), "value added lost by constrained industries"),
            "value_added_loss_indirect": var(np.where(d3, 0.0, lost_p * va), "value added lost by all other industries"),
            "direct": xr.Variable(("member", "region", "sector"), direct.reshape(m, mrio.n_regions, mrio.n_sectors)),
        },
        coords=loss.coords,
        attrs={"mrio": mrio.name, "steps_per_period": steps_per_period, "model": "ARIO (supplyshock.economy)"},
    )
