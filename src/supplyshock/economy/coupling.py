r"""Couple physical magnet shortfalls to the ARIO model.

A physical model gives, per ensemble member, time, country and end-use sector, the share
of magnet demand that is unmet (``shortfall`` in [0, 1]). This module turns it into a
production-capacity constraint on the mapped MRIO industries, runs the ARIO model and
returns lost gross output and lost value added, split into *direct* (the constrained
industries' own loss) and *indirect* (every other industry).

Capacity loss of MRIO industry ``(g, k)`` (region ``g``, sector ``k``) at step ``t``:

.. math::

    \Delta_{gk}(t) = d_k \,
    \frac{\sum_{c \to g} \sum_e q_{ce}\, w_{ek}\, \mathrm{shortfall}_{ce}(t)}
         {\sum_{c \to g} \sum_e q_{ce}\, w_{ek}}

where ``c -> g`` are the countries mapped to region ``g`` (``magnet_country_map.csv``),
``w_ek`` the share of end use ``e``'s magnet demand embodied in sector ``k``
(``magnet_sector_map.csv``; judgement, labelled ``assumption``), ``q_ce`` the magnet
demand of country ``c`` for end use ``e`` (optional; equal weights by default) and
``d_k`` the share of sector ``k``'s output that depends on magnets (``magnet_dependence``,
default :data:`DEFAULT_MAGNET_DEPENDENCE`).

References
----------
Hallegatte (2008) doi:10.1111/j.1539-6924.2008.01046.x; Guan et al. (2020)
doi:10.1038/s41562-020-0896-8; Juhel (2024) JOSS doi:10.21105/joss.06547.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import xarray as xr

from supplyshock.economy.model import ARIOModel
from supplyshock.economy.mrio import MRIO, load_default_mrio
from supplyshock.economy.params import ARIOParams
from supplyshock.errors import DataError, ScenarioError

__all__ = [
    "DEFAULT_MAGNET_DEPENDENCE",
    "load_country_map",
    "load_sector_map",
    "run_coupled",
    "shortfall_to_capacity_loss",
]

#: Share of each WIOD sector's output that cannot be produced without NdFeB magnets when
#: the magnet shortfall is total. Judgement (assumption), see docs/economy.md.
DEFAULT_MAGNET_DEPENDENCE: dict[str, float] = {"TRN": 0.10, "ELE": 0.05, "OMF": 0.02}

SECTOR_MAP_COLUMNS = ("end_use_sector", "mrio_sector", "weight", "source", "note")
COUNTRY_MAP_COLUMNS = ("country", "mrio_region", "source")
SHORTFALL_DIMS = ("member", "time", "country", "end_use_sector")


def _read_packaged(name: str) -> pd.DataFrame:
    ref = resources.files("supplyshock").joinpath("data", "mrio", name)
    with ref.open("r", encoding="utf-8") as fh:
        return pd.read_csv(fh)


def load_sector_map() -> pd.DataFrame:
    """The bundled end-use sector -> WIOD sector map (``magnet_sector_map.csv``)."""
    return _read_packaged("magnet_sector_map.csv")


def load_country_map() -> pd.DataFrame:
    """The bundled country -> WIOD region map (``magnet_country_map.csv``)."""
    return _read_packaged("magnet_country_map.csv")


def _check_maps(sector_map: pd.DataFrame, country_map: pd.DataFrame, mrio: MRIO) -> tuple[pd.DataFrame, pd.DataFrame]:
    miss = [c for c in SECTOR_MAP_COLUMNS if c not in sector_map.columns]
    if miss:
        raise DataError(f"sector map lacks columns {miss}; expected {list(SECTOR_MAP_COLUMNS)}")
    miss = [c for c in COUNTRY_MAP_COLUMNS if c not in country_map.columns]
    if miss:
        raise DataError(f"country map lacks columns {miss}; expected {list(COUNTRY_MAP_COLUMNS)}")
    bad = sorted(set(sector_map["mrio_sector"]) - set(mrio.sectors))
    if bad:
        raise DataError(
            f"sector map names MRIO sectors {bad} that are not in {mrio.name!r} (sectors "
            f"{list(mrio.sectors)}); fix the mrio_sector column or use a matching table"
        )
    bad = sorted(set(country_map["mrio_region"]) - set(mrio.regions))
    if bad:
        raise DataError(
            f"country map names MRIO regions {bad} that are not in {mrio.name!r} (regions "
            f"{list(mrio.regions)}); fix the mrio_region column or use a matching table"
        )
    w = pd.to_numeric(sector_map["weight"], errors="coerce")
    if w.isna().any() or (w < 0).any():
        raise DataError("sector map: weight must be a number >= 0 in every row")
    sums = sector_map.assign(weight=w).groupby("end_use_sector")["weight"].sum()
    off = sums[(sums - 1.0).abs() > 1e-6]
    if len(off):
        raise DataError(f"sector map: weights of each end-use sector must sum to 1; they do not for {off.to_dict()}")
    if country_map["country"].duplicated().any():
        dup = sorted(country_map.loc[country_map["country"].duplicated(), "country"])
        raise DataError(f"country map lists countries more than once: {dup}")
    return sector_map.assign(weight=w), country_map


def shortfall_to_capacity_loss(
    shortfall: xr.DataArray,
    mrio: MRIO | None = None,
    *,
    sector_map: pd.DataFrame | None = None,
    country_map: pd.DataFrame | None = None,
    magnet_dependence: float | Mapping[str, float] | None = None,
    magnet_demand: xr.DataArray | None = None,
) -> xr.DataArray:
    """Turn a magnet shortfall into a capacity loss of MRIO industries.

    Parameters
    ----------
    shortfall : xarray.DataArray
        Dims ``(member, time, country, end_use_sector)`` (``member`` optional), values in
        [0, 1]; 1 = all magnet demand unmet.
    mrio : MRIO, optional
        Default: :func:`~supplyshock.economy.mrio.load_default_mrio`.
    sector_map, country_map : DataFrame, optional
        Default: the bundled maps (:func:`load_sector_map`, :func:`load_country_map`).
    magnet_dependence : float or mapping of MRIO sector to float, optional
        Share of a sector's output that depends on magnets (``d_k``); sectors missing from
        a mapping get 0. Default :data:`DEFAULT_MAGNET_DEPENDENCE`.
    magnet_demand : xarray.DataArray, optional
        Magnet demand ``q`` on ``(country, end_use_sector)`` used to weight shortfalls;
        default: equal weights.

    Returns
    -------
    xarray.DataArray
        Capacity loss share on ``(member, time, region, sector)``.

    Raises
    ------
    DataError
        Maps with unknown sectors/regions or wrong columns; countries or end uses of the
        shortfall missing from the maps.
    ScenarioError
        Shortfall with wrong dims or values outside [0, 1].
    """
    mrio = mrio or load_default_mrio()
    smap, cmap = _check_maps(
        load_sector_map() if sector_map is None else sector_map,
        load_country_map() if country_map is None else country_map,
        mrio,
    )
    sf = _check_shortfall(shortfall)
    vals = np.asarray(sf.values, dtype=np.float64)
    countries = [str(c) for c in sf["country"].values]
    uses = [str(e) for e in sf["end_use_sector"].values]
    cmat, wmat = _mapping_matrices(countries, uses, smap, cmap, mrio)
    q = _demand_weights(magnet_demand, countries, uses)
    dvec = _dependence(magnet_dependence, mrio)
    # weights per (country, end use, region, sector)
    wt = q[:, :, None, None] * cmat[:, None, :, None] * wmat[None, :, None, :]
    num = np.einsum("mtce,cegk->mtgk", vals, wt)
    den = wt.sum(axis=(0, 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        loss = np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0) * dvec[None, None, None, :]
    return xr.DataArray(
        np.clip(loss, 0.0, 1.0),
        dims=("member", "time", "region", "sector"),
        coords={
            "member": sf["member"].values,
            "time": sf["time"].values,
            "region": list(mrio.regions),
            "sector": list(mrio.sectors),
        },
        name="capacity_loss",
        attrs={"units": "1", "description": "share of production capacity lost"},
    )


def _check_shortfall(shortfall: xr.DataArray) -> xr.DataArray:
    """The shortfall on :data:`SHORTFALL_DIMS` (``member`` added if missing), values checked."""
    sf = shortfall
    if "member" not in sf.dims:
        sf = sf.expand_dims(member=[0])
    if set(sf.dims) != set(SHORTFALL_DIMS):
        raise ScenarioError(f"shortfall must have dims {SHORTFALL_DIMS} (member optional), got {sf.dims}")
    sf = sf.transpose(*SHORTFALL_DIMS)
    vals = np.asarray(sf.values, dtype=np.float64)
    if not np.isfinite(vals).all() or (vals < 0).any() or (vals > 1).any():
        raise ScenarioError(
            f"shortfall values must be finite and in [0, 1] (1 = all demand unmet); got range [{np.nanmin(vals):.4g}, {np.nanmax(vals):.4g}]"
        )
    return sf


def _mapping_matrices(
    countries: list[str], uses: list[str], smap: pd.DataFrame, cmap: pd.DataFrame, mrio: MRIO
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """``C[c, g]`` (country -> region, 0/1) and ``W[e, k]`` (end use -> sector weights)."""
    bad_c = sorted(set(countries) - set(cmap["country"].astype(str)))
    if bad_c:
        raise DataError(
            f"shortfall countries {bad_c} are not in the country map (known: {sorted(cmap['country'].astype(str))}); add rows to the country map"
        )
    bad_e = sorted(set(uses) - set(smap["end_use_sector"].astype(str)))
    if bad_e:
        raise DataError(
            f"shortfall end-use sectors {bad_e} are not in the sector map (known: "
            f"{sorted(set(smap['end_use_sector'].astype(str)))}); add rows to the sector map"
        )
    cmat = np.zeros((len(countries), mrio.n_regions))
    reg_of = dict(zip(cmap["country"].astype(str), cmap["mrio_region"].astype(str), strict=True))
    for ci, c in enumerate(countries):
        cmat[ci, mrio.regions.index(reg_of[c])] = 1.0
    wmat = np.zeros((len(uses), mrio.n_sectors))
    for e, k, wt in zip(
        smap["end_use_sector"].astype(str),
        smap["mrio_sector"].astype(str),
        smap["weight"].to_numpy(dtype=np.float64),
        strict=True,
    ):
        if e in uses:
            wmat[uses.index(e), mrio.sectors.index(k)] += wt
    return cmat, wmat


def _demand_weights(magnet_demand: xr.DataArray | None, countries: list[str], uses: list[str]) -> npt.NDArray[np.float64]:
    """``q[c, e]``: magnet demand weighting the shortfalls (equal weights by default)."""
    if magnet_demand is None:
        return np.ones((len(countries), len(uses)))
    q = np.asarray(
        magnet_demand.sel(country=countries, end_use_sector=uses).transpose("country", "end_use_sector").values,
        dtype=np.float64,
    )
    if (q < 0).any() or not np.isfinite(q).all():
        raise DataError("magnet_demand must be finite and >= 0")
    return q


def _dependence(magnet_dependence: float | Mapping[str, float] | None, mrio: MRIO) -> npt.NDArray[np.float64]:
    """``d_k`` per MRIO sector (sectors missing from a mapping get 0)."""
    dep = DEFAULT_MAGNET_DEPENDENCE if magnet_dependence is None else magnet_dependence
    if isinstance(dep, Mapping):
        bad = sorted(set(dep) - set(mrio.sectors))
        if bad:
            raise DataError(f"magnet_dependence names sectors {bad} not in the MRIO ({list(mrio.sectors)})")
        dvec = np.array([float(dep.get(k, 0.0)) for k in mrio.sectors])
    else:
        dvec = np.full(mrio.n_sectors, float(dep))
    if ((dvec < 0) | (dvec > 1)).any():
        raise ScenarioError("magnet_dependence values must be in [0, 1]")
    return dvec


def run_coupled(
    shortfall: xr.DataArray,
    mrio: MRIO | None = None,
    *,
    sector_map: pd.DataFrame | None = None,
    country_map: pd.DataFrame | None = None,
    magnet_dependence: float | Mapping[str, float] | None = None,
    magnet_demand: xr.DataArray | None = None,
    steps_per_period: int = 1,
    params: ARIOParams | None = None,
    **model_kwargs: Any,
) -> xr.Dataset:
    """Run the ARIO model under a magnet shortfall and return output and value-added losses.

    Each period of ``shortfall``'s ``time`` axis is held for ``steps_per_period`` model
    steps (1 if the shortfall is daily; e.g. 30 for monthly data with daily steps); losses
    are summed back to the periods of the input.

    Parameters
    ----------
    shortfall : xarray.DataArray
        See :func:`shortfall_to_capacity_loss`.
    mrio : MRIO, optional
        Default: the bundled WIOD table.
    sector_map, country_map, magnet_dependence, magnet_demand
        See :func:`shortfall_to_capacity_loss`.
    steps_per_period : int
        Model steps per shortfall period.
    params : ARIOParams, optional
        Model parameters.
    **model_kwargs
        Passed to :class:`~supplyshock.economy.model.ARIOModel` (e.g. ``rationing``,
        ``input_criticality``).

    Returns
    -------
    xarray.Dataset
        On ``(member, time, region, sector)``: ``capacity_loss`` (mean over the period),
        ``output_loss_direct``, ``output_loss_indirect``, ``value_added_loss_direct``,
        ``value_added_loss_indirect`` (table unit per period; positive = loss against the
        baseline), and ``direct`` (bool: industry constrained at some time in the member).
    """
    if steps_per_period < 1:
        raise ScenarioError(f"steps_per_period must be >= 1, got {steps_per_period}")
    mrio = mrio or load_default_mrio()
    loss = shortfall_to_capacity_loss(
        shortfall,
        mrio,
        sector_map=sector_map,
        country_map=country_map,
        magnet_dependence=magnet_dependence,
        magnet_demand=magnet_demand,
    )
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

    ds = xr.Dataset(
        {
            "capacity_loss": loss,
            "output_loss_direct": var(np.where(d3, lost_p, 0.0), "gross output lost by constrained industries"),
            "output_loss_indirect": var(np.where(d3, 0.0, lost_p), "gross output lost by all other industries"),
            "value_added_loss_direct": var(np.where(d3, lost_p * va, 0.0), "value added lost by constrained industries"),
            "value_added_loss_indirect": var(np.where(d3, 0.0, lost_p * va), "value added lost by all other industries"),
            "direct": xr.Variable(
                ("member", "region", "sector"),
                direct.reshape(m, mrio.n_regions, mrio.n_sectors),
            ),
        },
        coords=loss.coords,
        attrs={
            "mrio": mrio.name,
            "steps_per_period": steps_per_period,
            "model": "ARIO (supplyshock.economy)",
        },
    )
    return ds
