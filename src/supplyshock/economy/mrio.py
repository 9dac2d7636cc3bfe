"""Multi-regional input-output (MRIO) tables for the ARIO model: container, loaders, checks.

An :class:`MRIO` holds one yearly table in the monetary unit of its source:

* ``Z`` (N x N): intermediate flows, rows = supplying industry, columns = buying industry;
* ``Y`` (N x R*F): final demand, columns = (consuming region, final-demand category);
* ``x`` (N,): gross output,

with industries ordered ``(region, sector)`` region-major and both levels sorted
lexicographically (the order BoARIO uses). Loaders accept a :mod:`pymrio` ``IOSystem``
(EXIOBASE, OECD ICIO, Eora, WIOD, ... all parse into one), plain DataFrames, or the
bundled WIOD 2011 aggregate (:func:`load_default_mrio`). Every loader validates the table
and raises :class:`supplyshock.errors.DataError` with a message saying what is wrong and
how to fix it.

References
----------
Timmer, M. P., Dietzenbacher, E., Los, B., Stehrer, R. and de Vries, G. J. (2015). An
illustrated user guide to the World Input-Output Database: the case of global automotive
production. Review of International Economics 23(3), 575-605. doi:10.1111/roie.12178
Stadler, K. (2021). Pymrio - A Python based multi-regional input-output analysis toolbox.
Journal of Open Research Software 9(1), 8. doi:10.5334/jors.251
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from supplyshock.economy._types import FloatArray
from supplyshock.errors import DataError

__all__ = [
    "MRIO",
    "from_arrays",
    "from_dataframes",
    "from_pymrio",
    "load_default_mrio",
]

#: Relative tolerance of the row balance check ``sum(Z, axis=1) + sum(Y, axis=1) == x``.
DEFAULT_BALANCE_RTOL = 0.01

DEFAULT_MRIO_FILE = "wiod2013_2011_8reg_7sec.csv"


@dataclass(frozen=True, eq=False)
class MRIO:
    """A validated, lexicographically ordered MRIO table (yearly flows).

    Build it with :func:`from_pymrio`, :func:`from_dataframes`, :func:`from_arrays` or
    :func:`load_default_mrio` rather than directly: those validate and sort.

    Attributes
    ----------
    Z : ndarray, shape (N, N)
        Intermediate flows, supplier rows and buyer columns.
    Y : ndarray, shape (N, R * F)
        Final demand; column ``b * F + k`` is category ``k`` of consuming region ``b``.
    x : ndarray, shape (N,)
        Gross output.
    regions, sectors, fd_categories : tuple of str
        Sorted labels; industry ``r * S + s`` is ``(regions[r], sectors[s])``.
    name : str
        Free-text name of the table.
    unit : str
        Monetary unit of the flows (e.g. ``"USD million"``).
    meta : dict
        Provenance (source, year, adjustments made while loading).
    """

    Z: FloatArray
    Y: FloatArray
    x: FloatArray
    regions: tuple[str, ...]
    sectors: tuple[str, ...]
    fd_categories: tuple[str, ...]
    name: str = "mrio"
    unit: str = "unknown"
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def n_regions(self) -> int:
        """Number of regions R."""
        return len(self.regions)

    @property
    def n_sectors(self) -> int:
        """Number of sectors (products) S."""
        return len(self.sectors)

    @property
    def n_industries(self) -> int:
        """Number of industries N = R * S."""
        return len(self.regions) * len(self.sectors)

    @property
    def industries(self) -> pd.MultiIndex:
        """The ``(region, sector)`` index of the industries."""
        return pd.MultiIndex.from_product([self.regions, self.sectors], names=["region", "sector"])

    @property
    def value_added(self) -> FloatArray:
        """Value added ``x - sum(Z, axis=0)`` per industry (yearly)."""
        return np.asarray(self.x - self.Z.sum(axis=0), dtype=np.float64)

    @property
    def A(self) -> FloatArray:
        """Technical coefficients ``A = Z diag(x)^-1`` (0 where ``x == 0``)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            a = np.where(self.x[None, :] > 0, self.Z / self.x[None, :], 0.0)
        return np.asarray(a, dtype=np.float64)

    def industry_index(self, region: str, sector: str) -> int:
        """Position of industry ``(region, sector)``; raise DataError if unknown."""
        try:
            r = self.regions.index(region)
        except ValueError:
            raise DataError(f"unknown region {region!r}; the MRIO {self.name!r} has regions {list(self.regions)}") from None
        try:
            s = self.sectors.index(sector)
        except ValueError:
            raise DataError(f"unknown sector {sector!r}; the MRIO {self.name!r} has sectors {list(self.sectors)}") from None
        return r * self.n_sectors + s

    def to_dataframes(self) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
        """Return ``(Z, Y, x)`` as labelled pandas objects."""
        ind = self.industries
        fdi = pd.MultiIndex.from_product([self.regions, self.fd_categories], names=["region", "category"])
        return (
            pd.DataFrame(self.Z, index=ind, columns=ind),
            pd.DataFrame(self.Y, index=ind, columns=fdi),
            pd.Series(self.x, index=ind, name="indout"),
        )

    def to_pymrio(self) -> Any:
        """Return a :class:`pymrio.IOSystem` with ``Z``, ``Y``, ``x`` and ``A`` set.

        Requires the optional dependency :mod:`pymrio` (e.g. for running BoARIO on the
        same table).
        """
        import pymrio

        z, y, x = self.to_dataframes()
        io = pymrio.IOSystem(Z=z, Y=y, x=x.to_frame("indout"), name=self.name)
        io.A = pymrio.calc_A(z, x.to_frame("indout"))
        return io


def _fail(msg: str) -> DataError:
    return DataError(msg)


def _validate(
    z: FloatArray,
    y: FloatArray,
    x: FloatArray,
    *,
    name: str,
    balance_rtol: float,
    negative_final_demand: Literal["raise", "clip"],
    rebalance: bool,
    labels: list[str],
) -> tuple[FloatArray, FloatArray, dict[str, Any]]:
    """Check shapes, finiteness, signs and the row balance; return (Y, x, notes)."""
    n = z.shape[0]
    notes: dict[str, Any] = {}
    if z.shape != (n, n):
        raise _fail(f"{name}: Z must be square (industries x industries), got shape {z.shape}")
    if y.shape[0] != n or x.shape != (n,):
        raise _fail(
            f"{name}: Y has {y.shape[0]} rows and x has shape {x.shape}, but Z has {n} "
            "industries; all three must share the same (region, sector) index"
        )
    for sym, arr in (("Z", z), ("Y", y), ("x", x)):
        if not np.isfinite(arr).all():
            bad = int((~np.isfinite(arr)).sum())
            raise _fail(f"{name}: {sym} has {bad} NaN or infinite entries; fill or drop them")
    if (z < 0).any():
        i, j = np.argwhere(z < 0)[0]
        raise _fail(
            f"{name}: Z has {int((z < 0).sum())} negative flows (first: {labels[i]} -> "
            f"{labels[j]} = {z[i, j]:.6g}); intermediate flows must be >= 0 - correct the "
            "table or move the negative entries to final demand"
        )
    if (x < 0).any():
        i = int(np.argmax(x < 0))
        raise _fail(f"{name}: gross output x is negative for {labels[i]} ({x[i]:.6g})")
    rows = z.sum(axis=1) + y.sum(axis=1)
    scale = np.maximum(np.abs(x), 1e-12 * max(float(np.abs(x).max(initial=0.0)), 1.0))
    rel = np.abs(rows - x) / scale
    if rel.max(initial=0.0) > balance_rtol:
        i = int(np.argmax(rel))
        raise _fail(
            f"{name}: the table does not balance: for {labels[i]} sum(Z row) + sum(Y row) = "
            f"{rows[i]:.6g} but x = {x[i]:.6g} (relative gap {rel[i]:.3g} > balance_rtol="
            f"{balance_rtol}); check that x is gross output in the same unit as Z and Y, or "
            "raise balance_rtol if the source is known to be unbalanced"
        )
    if (y < 0).any():
        n_neg = int((y < 0).sum())
        if negative_final_demand == "raise":
            i, j = np.argwhere(y < 0)[0]
            raise _fail(
                f"{name}: Y has {n_neg} negative final-demand entries (first: row {labels[i]}, "
                f"column {j}, {y[i, j]:.6g}), typically inventory drawdowns; pass "
                "negative_final_demand='clip' to set them to 0 (and rebalance=True to "
                "recompute x)"
            )
        notes["negative_final_demand_clipped"] = {
            "entries": n_neg,
            "total": float(y[y < 0].sum()),
        }
        y = np.where(y < 0, 0.0, y)
        rows = z.sum(axis=1) + y.sum(axis=1)
    notes["max_row_imbalance_rel"] = float(rel.max(initial=0.0))
    if rebalance:
        x = rows.astype(np.float64)
        notes["rebalanced"] = "x set to row sums of Z + Y"
    va = x - z.sum(axis=0)
    if (va < -balance_rtol * np.maximum(x, 1e-300)).any():
        i = int(np.argmin(va))
        raise _fail(
            f"{name}: column sum of Z exceeds gross output for {labels[i]} (value added "
            f"{va[i]:.6g}); a column must not buy more inputs than it produces"
        )
    return y, x, notes


def from_arrays(
    Z: npt.ArrayLike,
    Y: npt.ArrayLike,
    x: npt.ArrayLike,
    *,
    regions: list[str] | tuple[str, ...],
    sectors: list[str] | tuple[str, ...],
    fd_categories: list[str] | tuple[str, ...] = ("final_demand",),
    name: str = "mrio",
    unit: str = "unknown",
    balance_rtol: float = DEFAULT_BALANCE_RTOL,
    negative_final_demand: Literal["raise", "clip"] = "raise",
    rebalance: bool = False,
    meta: dict[str, Any] | None = None,
) -> MRIO:
    """Build an :class:`MRIO` from numpy arrays in ``(region, sector)`` region-major order.

    Labels are sorted lexicographically and the arrays permuted accordingly.

    Parameters
    ----------
    Z, Y, x : array_like
        Yearly intermediate flows (N x N), final demand (N x R*F, columns region-major:
        ``(region, category)``) and gross output (N,).
    regions, sectors, fd_categories : sequence of str
        Labels in the order of the arrays.
    name, unit : str
        Metadata.
    balance_rtol : float
        Largest accepted relative gap between ``Z.sum(1) + Y.sum(1)`` and ``x``.
    negative_final_demand : {"raise", "clip"}
        What to do with negative final demand entries.
    rebalance : bool
        If True, replace ``x`` by the row sums of ``Z + Y`` (so the table is an exact
        equilibrium of the dynamic model) after the balance check.
    meta : dict, optional
        Provenance to store.

    Returns
    -------
    MRIO

    Raises
    ------
    DataError
        Shapes disagree, duplicated labels, negative or non-finite flows, or the table does
        not balance within ``balance_rtol``.
    """
    z = np.asarray(Z, dtype=np.float64)
    y = np.asarray(Y, dtype=np.float64)
    xv = np.asarray(x, dtype=np.float64).reshape(-1)
    regs, secs, cats = [str(r) for r in regions], [str(s) for s in sectors], [str(c) for c in fd_categories]
    for what, lab in (("regions", regs), ("sectors", secs), ("fd_categories", cats)):
        if len(set(lab)) != len(lab) or not lab:
            raise _fail(f"{name}: {what} must be non-empty and unique, got {lab}")
    n_r, n_s, n_f = len(regs), len(secs), len(cats)
    if z.shape != (n_r * n_s, n_r * n_s):
        raise _fail(f"{name}: Z has shape {z.shape} but {n_r} regions x {n_s} sectors need ({n_r * n_s}, {n_r * n_s})")
    if y.ndim != 2 or y.shape[1] != n_r * n_f:
        raise _fail(f"{name}: Y has shape {y.shape} but {n_r} regions x {n_f} final-demand categories need {n_r * n_f} columns")
    r_ord, s_ord, f_ord = np.argsort(regs), np.argsort(secs), np.argsort(cats)
    perm = (r_ord[:, None] * n_s + s_ord[None, :]).reshape(-1)
    fperm = (r_ord[:, None] * n_f + f_ord[None, :]).reshape(-1)
    identity = np.array_equal(perm, np.arange(perm.size)) and np.array_equal(fperm, np.arange(fperm.size))
    if identity:  # own copies: the MRIO must not alias the caller's arrays
        z, y, xv = z.copy(), y.copy(), xv.copy()
    else:
        z, y, xv = z[np.ix_(perm, perm)], y[np.ix_(perm, fperm)], xv[perm]
    regs_s = tuple(regs[i] for i in r_ord)
    secs_s = tuple(secs[i] for i in s_ord)
    cats_s = tuple(cats[i] for i in f_ord)
    labels = [f"{r}|{s}" for r in regs_s for s in secs_s]
    y, xv, notes = _validate(
        z,
        y,
        xv,
        name=name,
        balance_rtol=balance_rtol,
        negative_final_demand=negative_final_demand,
        rebalance=rebalance,
        labels=labels,
    )
    full_meta = dict(meta or {})
    full_meta.update(notes)
    return MRIO(
        Z=np.ascontiguousarray(z),
        Y=np.ascontiguousarray(y),
        x=np.ascontiguousarray(xv),
        regions=regs_s,
        sectors=secs_s,
        fd_categories=cats_s,
        name=name,
        unit=unit,
        meta=full_meta,
    )


def _two_level(idx: pd.Index, what: str, name: str) -> tuple[list[str], list[str]]:
    if not isinstance(idx, pd.MultiIndex) or idx.nlevels != 2:
        raise _fail(
            f"{name}: the {what} must be a 2-level MultiIndex (region, sector) or "
            f"(region, category), got {type(idx).__name__} with {idx.nlevels} level(s)"
        )
    if idx.has_duplicates:
        raise _fail(f"{name}: the {what} has duplicated labels")
    a = [str(v) for v in idx.get_level_values(0).unique()]
    b = [str(v) for v in idx.get_level_values(1).unique()]
    full = pd.MultiIndex.from_product([a, b])
    if len(full) != len(idx):
        raise _fail(
            f"{name}: the {what} is not a full (region x sector) product: {len(idx)} labels "
            f"for {len(a)} x {len(b)}; every region must list every sector"
        )
    return a, b


def from_dataframes(
    Z: pd.DataFrame,
    Y: pd.DataFrame,
    x: pd.Series | pd.DataFrame,
    *,
    name: str = "mrio",
    unit: str = "unknown",
    balance_rtol: float = DEFAULT_BALANCE_RTOL,
    negative_final_demand: Literal["raise", "clip"] = "raise",
    rebalance: bool = False,
    meta: dict[str, Any] | None = None,
) -> MRIO:
    """Build an :class:`MRIO` from labelled DataFrames (pymrio layout).

    Parameters
    ----------
    Z : DataFrame
        Intermediate flows; index and columns a ``(region, sector)`` MultiIndex.
    Y : DataFrame
        Final demand; index ``(region, sector)``, columns ``(region, category)``.
    x : Series or one-column DataFrame
        Gross output indexed by ``(region, sector)``.
    name, unit, balance_rtol, negative_final_demand, rebalance, meta
        See :func:`from_arrays`.

    Returns
    -------
    MRIO

    Raises
    ------
    DataError
        Index mismatch, negative flows, or an unbalanced table.
    """
    regs, secs = _two_level(Z.index, "Z index", name)
    if not Z.columns.equals(Z.index):
        try:
            Z = Z.reindex(columns=Z.index)
        except (ValueError, TypeError) as err:
            raise _fail(f"{name}: Z columns must be the same industries as its index") from err
        if Z.isna().any().any():
            raise _fail(f"{name}: Z columns must be the same industries as its index")
    yr, cats = _two_level(Y.columns, "Y columns", name)
    if set(yr) != set(regs):
        raise _fail(f"{name}: final-demand regions {sorted(yr)} differ from industry regions {sorted(regs)}")
    xs = x.iloc[:, 0] if isinstance(x, pd.DataFrame) else x
    ind = pd.MultiIndex.from_product([regs, secs])
    fdi = pd.MultiIndex.from_product([regs, cats])
    try:
        zz = Z.reindex(index=ind, columns=ind)
        yy = Y.reindex(index=ind, columns=fdi)
        xx = xs.reindex(ind)
    except (ValueError, TypeError) as err:
        raise _fail(f"{name}: cannot align Z, Y and x on (region, sector): {err}") from err
    for sym, obj in (("Z", zz), ("Y", yy), ("x", xx)):
        if obj.isna().to_numpy().any():
            raise _fail(
                f"{name}: {sym} lacks some (region, sector) labels present in Z's index (or holds NaN); Z, Y and x must cover the same industries"
            )
    return from_arrays(
        zz.to_numpy(dtype=np.float64),
        yy.to_numpy(dtype=np.float64),
        xx.to_numpy(dtype=np.float64),
        regions=regs,
        sectors=secs,
        fd_categories=cats,
        name=name,
        unit=unit,
        balance_rtol=balance_rtol,
        negative_final_demand=negative_final_demand,
        rebalance=rebalance,
        meta=meta,
    )


def from_pymrio(
    io: Any,
    *,
    name: str | None = None,
    unit: str | None = None,
    balance_rtol: float = DEFAULT_BALANCE_RTOL,
    negative_final_demand: Literal["raise", "clip"] = "raise",
    rebalance: bool = False,
) -> MRIO:
    """Build an :class:`MRIO` from a :class:`pymrio.IOSystem`.

    Any table pymrio can parse works: ``pymrio.parse_exiobase3(path)``,
    ``pymrio.parse_oecd(path)``, ``pymrio.parse_eora26(path)``, ``pymrio.parse_wiod(path)``,
    ``pymrio.load_test()``. If ``x`` is missing it is computed with ``io.calc_system()``
    semantics (``x = Z 1 + Y 1``).

    Parameters
    ----------
    io : pymrio.IOSystem
        The system; needs ``Z`` and ``Y`` (``x`` optional).
    name, unit : str, optional
        Default to ``io.name`` and ``io.unit`` (first entry) when available.
    balance_rtol, negative_final_demand, rebalance
        See :func:`from_arrays`.

    Returns
    -------
    MRIO

    Raises
    ------
    DataError
        ``Z`` or ``Y`` missing, or any check of :func:`from_dataframes` fails.
    """
    z = getattr(io, "Z", None)
    y = getattr(io, "Y", None)
    nm = name or str(getattr(io, "name", None) or "pymrio")
    if z is None or y is None:
        raise _fail(f"{nm}: the IOSystem has no Z or Y; call io.calc_all() (or io.reset_to_flows() then io.calc_all()) before loading it")
    x = getattr(io, "x", None)
    if x is None:
        x = z.sum(axis=1) + y.sum(axis=1)
    un = unit
    if un is None:
        u = getattr(io, "unit", None)
        un = str(u.iloc[0, 0]) if isinstance(u, pd.DataFrame) and u.size else "unknown"
    return from_dataframes(
        z,
        y,
        x,
        name=nm,
        unit=un,
        balance_rtol=balance_rtol,
        negative_final_demand=negative_final_demand,
        rebalance=rebalance,
        meta={"source": "pymrio.IOSystem", "pymrio_name": nm},
    )


def read_wide_csv(path_or_buffer: Any, *, name: str = "mrio", **kwargs: Any) -> MRIO:
    """Read an MRIO in the bundled wide CSV layout (see ``data/mrio/README.md``).

    Rows and intermediate columns are labelled ``REG|SEC``; final-demand columns
    ``FD|REG``; the column ``TOTAL_OUTPUT`` is gross output. Rows that are not industries
    (value added, totals) are ignored. ``kwargs`` go to :func:`from_arrays`.
    """
    df = pd.read_csv(path_or_buffer, index_col=0)
    ind_cols = [c for c in df.columns if "|" in c and not c.startswith("FD|")]
    fd_cols = [c for c in df.columns if c.startswith("FD|")]
    if "TOTAL_OUTPUT" not in df.columns or not ind_cols or not fd_cols:
        raise _fail(f"{name}: expected columns 'REG|SEC', 'FD|REG' and 'TOTAL_OUTPUT' in the wide CSV")
    missing = [c for c in ind_cols if c not in df.index]
    if missing:
        raise _fail(f"{name}: industry rows missing from the CSV: {missing[:5]}")
    pairs = [c.split("|", 1) for c in ind_cols]
    regions = list(dict.fromkeys(p[0] for p in pairs))
    sectors = list(dict.fromkeys(p[1] for p in pairs))
    order = [f"{r}|{s}" for r in regions for s in sectors]
    if set(order) != set(ind_cols):
        raise _fail(f"{name}: industry columns are not a full region x sector product")
    fd_order = [f"FD|{r}" for r in regions]
    if set(fd_order) != set(fd_cols):
        raise _fail(f"{name}: final-demand columns {fd_cols} do not match regions {regions}")
    return from_arrays(
        df.loc[order, order].to_numpy(dtype=np.float64),
        df.loc[order, fd_order].to_numpy(dtype=np.float64),
        df.loc[order, "TOTAL_OUTPUT"].to_numpy(dtype=np.float64),
        regions=regions,
        sectors=sectors,
        fd_categories=("final_demand",),
        name=name,
        **kwargs,
    )


def load_default_mrio(*, rebalance: bool = True) -> MRIO:
    """Load the bundled WIOD 2013-release table for 2011, 8 regions x 7 sectors (USD million).

    Regions: CHN, DEU, EU_other, JPN, KOR, RoW_agg, TWN, USA. Sectors: AGR, ELE, MET,
    MIN, OMF, SRV, TRN (WIOD c-codes in ``data/mrio/README.md``). The source carries 3
    negative final-demand entries (net inventory drawdowns); they are set to 0. With
    ``rebalance=True`` (default) gross output is then recomputed as the row sums of
    ``Z + Y`` (the published rows balance within 0.38 %), so that the table is an exact
    equilibrium of the dynamic model.

    Returns
    -------
    MRIO

    References
    ----------
    Timmer et al. (2015), Review of International Economics 23(3), 575-605.
    doi:10.1111/roie.12178
    """
    ref = resources.files("supplyshock").joinpath("data", "mrio", DEFAULT_MRIO_FILE)
    with ref.open("r", encoding="utf-8") as fh:
        return read_wide_csv(
            fh,
            name="WIOD2013_2011_8reg_7sec",
            unit="USD million (current prices)",
            negative_final_demand="clip",
            rebalance=rebalance,
            meta={
                "source": "WIOD 2013 release, wiot_2011, aggregated to 8 regions x 7 sectors",
                "citation": "Timmer et al. (2015), Rev. Int. Econ. 23(3), doi:10.1111/roie.12178",
                "year": 2011,
            },
        )
