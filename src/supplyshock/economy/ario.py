r"""ARIO-family daily dynamic input-output model, vectorised over ensemble members.

The model follows the Adaptive Regional Input-Output model (Hallegatte 2008) with the
order module of Guan et al. (2020) as implemented in BoARIO 0.7.2 (``ARIOPsiModel`` and
``ARIOBaseModel``), plus extensions: bilateral trade caps, Pichler et al. (2022)
critical / important / non-critical inputs, rationing priorities and a final-demand
response. ``M`` ensemble members (different shocks and parameters) step together.

Notation (daily flows; yearly table divided by ``steps_per_year``): industries
``i = (r, p)``, ``N = R S``; ``A`` technical coefficients; ``A^S_{pf} = \sum_r A_{(r,p)f}``;
``s_p`` inventory target in days; ``\psi``, ``\tau_{INV}``; ``x_0`` baseline output.

One step ``t`` (BoARIO's order):

1. overproduction (``t > 1``): ``\zeta = (D - x^a_{t-1})/D``;
   ``\alpha \mathrel{+}= (\alpha^{max}-\alpha)\zeta/\tau_\alpha`` if ``\zeta \ne 0``, else
   ``(\alpha^b-\alpha)/\tau_\alpha``; ``\alpha \ge 1``;
2. capacity ``x^{cap} = \alpha (1-\Delta) x_0``; ``x^{opt} = \min(D, x^{cap})`` where ``D``
   is the demand ordered at the end of the previous step plus final demand;
3. production ``x^a_f = x^{opt}_f \min(1, \min_p \Omega_{pf} / (\psi s_p A^S_{pf}
   x^{opt}_f))`` over inputs above BoARIO's threshold (``Z^S_{pf} > 10^{-5} x_{0,f}``);
4. proportional rationing: each buyer of ``i`` (orders and final demand) receives the share
   ``x^a_i / D_i`` of its order; inventories (pooled by product) are updated
   ``\Omega \mathrel{+}= \text{received} - A^S x^a``;
5. orders for the next step: ``O^S_{pf} = \frac{1}{\tau_{INV}} (s_p A^S_{pf} x^{opt}_f -
   \Omega_{pf})^+ + A^S_{pf} x^a_f``, split across the suppliers of ``p`` in proportion to
   ``Z_{0,if}`` (``noalt``) or ``Z_{0,if} x^{cap}_i / x_{0,i}`` (``alt``).

Internally the stock is held normalised, ``\tilde\Omega_{pf} = \Omega_{pf} / (s_p A^S_{pf})``
(in units of the buyer's daily output it covers), which makes the production constraint a
single minimum, ``x^a = \min(x^{opt}, \min_p \tilde\Omega_p / \psi)``. Only the entries
``(p, f)`` with ``A^S_{pf} > 0`` are stored, member axis last; the order and delivery sums are
per-product BLAS products of the ``(R x K_p)`` blocks of ``A`` with ``(K_p x M)`` member
matrices: no ``N x N`` temporary is formed per step.

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

import ctypes
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
import xarray as xr

from supplyshock.economy.mrio import MRIO
from supplyshock.errors import ScenarioError

__all__ = [
    "ARIOModel",
    "ARIOParams",
    "ARIOResult",
    "CapacityShock",
    "FinalDemandResponse",
    "TradeCap",
    "capacity_loss_profile",
]

FloatArray = npt.NDArray[np.float64]


class _BlasThreads:
    """Temporarily limit the threads of numpy's OpenBLAS (threadpoolctl if installed).

    The per-step products are small (``R x K_p`` blocks); multithreaded BLAS only adds
    synchronisation and stalls badly on a busy machine. Does nothing if the library or
    its symbols cannot be found.
    """

    _lib: Any = None
    _searched = False

    def __init__(self, n: int | None) -> None:
        self.n = n
        self._ctl: Any = None
        self._prev: int | None = None

    @classmethod
    def _find(cls) -> Any:
        if cls._searched:
            return cls._lib
        cls._searched = True
        try:
            with open("/proc/self/maps", encoding="utf-8") as fh:
                paths = {ln.split()[-1] for ln in fh if "openblas" in ln and ".so" in ln}
        except OSError:
            return None
        for path in sorted(paths):
            try:
                lib = ctypes.CDLL(path)
            except OSError:
                continue
            for pre in ("scipy_openblas_", "openblas_"):
                for suf in ("64_", ""):
                    get = getattr(lib, f"{pre}get_num_threads{suf}", None)
                    put = getattr(lib, f"{pre}set_num_threads{suf}", None)
                    if get is not None and put is not None:
                        cls._lib = (get, put)
                        return cls._lib
        return None

    def __enter__(self) -> None:
        if self.n is None:
            return
        try:
            from threadpoolctl import threadpool_limits  # type: ignore[import-not-found,unused-ignore]

            self._ctl = threadpool_limits(limits=self.n, user_api="blas")
            return
        except ImportError:
            pass
        lib = self._find()
        if lib is not None:
            get, put = lib
            self._prev = int(get())
            put(int(self.n))

    def __exit__(self, *exc: object) -> None:
        if self._ctl is not None:
            self._ctl.restore_original_limits()
        elif self._prev is not None and self._lib is not None:
            self._lib[1](self._prev)


#: BoARIO's TECHNOLOGY_THRESHOLD: inputs below this share of daily output never constrain.
TECHNOLOGY_THRESHOLD = 1e-5
#: Digits BoARIO rounds arbitrary-production recovery to (EVENT_ARBITRARY_PRECISION).
BOARIO_RECOVERY_DIGITS = 6
#: numpy.allclose defaults, used by BoARIO to skip inventory updates and stock gaps.
_RTOL, _ATOL = 1e-5, 1e-8

OrderType = Literal["alt", "noalt"]
Rationing = Literal["proportional", "domestic_first", "sectors_first"]
Record = Literal[
    "production",
    "production_capacity",
    "demand",
    "final_demand_unmet",
    "overproduction",
    "final_demand",
]
DEFAULT_RECORDS: tuple[Record, ...] = (
    "production",
    "production_capacity",
    "demand",
    "final_demand_unmet",
)

_CRITICALITY_WEIGHT = {"critical": 1.0, "important": 0.5, "non-critical": 0.0, "noncritical": 0.0}


@dataclass(frozen=True)
class ARIOParams:
    """Parameters of the ARIO model (BoARIO ``ARIOPsiModel`` defaults).

    Scalar parameters may also be given as sequences of length ``n_members`` to vary them
    across ensemble members.

    Parameters
    ----------
    model : {"psi", "base"}
        ``"psi"`` = ``ARIOPsiModel`` (threshold ``psi`` and restoration time);
        ``"base"`` = ``ARIOBaseModel`` (``psi = 1``, orders close the whole gap at once).
    order_type : {"alt", "noalt"}
        Supplier shares re-weighted by capacity (``alt``, Guan et al. 2020) or fixed.
    psi : float or sequence
        Share of the target inventory below which production is constrained (<= 1).
    inventory_restoration_tau : float or sequence
        Days to close an inventory gap (``tau_INV``).
    alpha_base, alpha_max, alpha_tau : float or sequence
        Overproduction base, maximum and characteristic time (days).
    main_inv_dur : float
        Inventory target in days of use for every product not in ``inventory_days``.
    inventory_days : mapping of str to float, optional
        Inventory target per product (sector label); ``inf`` = never constraining.
    infinite_inventory_sectors : sequence of str
        Products whose inventories are infinite (never constraining).
    steps_per_year : int
        Divisor turning yearly tables into per-step flows (365 = daily).
    monetary_factor : float
        Unit of the table in currency units (10**6 = millions); recorded as metadata.
    """

    model: Literal["psi", "base"] = "psi"
    order_type: OrderType = "alt"
    psi: float | Sequence[float] = 0.8
    inventory_restoration_tau: float | Sequence[float] = 60.0
    alpha_base: float | Sequence[float] = 1.0
    alpha_max: float | Sequence[float] = 1.25
    alpha_tau: float | Sequence[float] = 365.0
    main_inv_dur: float = 90.0
    inventory_days: Mapping[str, float] | None = None
    infinite_inventory_sectors: Sequence[str] = ()
    steps_per_year: int = 365
    monetary_factor: float = 1e6


@dataclass(frozen=True)
class CapacityShock:
    """Loss of production capacity of some industries (BoARIO ``EventArbitraryProd``).

    The share ``share`` of capacity is lost from step ``occurrence`` for ``duration`` steps,
    then recovers linearly over ``recovery_tau`` steps (see :func:`capacity_loss_profile`).
    Several shocks on one industry combine by maximum, as in BoARIO.

    Parameters
    ----------
    region, sector : str or sequence of str
        The industries hit are all ``(region, sector)`` pairs of the two lists.
    share : float or sequence of float
        Share of capacity lost, in [0, 1]; a sequence gives one value per member.
    occurrence, duration, recovery_tau : int
        Timing in steps.
    members : sequence of int, optional
        Members hit (default: all).
    """

    region: str | Sequence[str]
    sector: str | Sequence[str]
    share: float | Sequence[float]
    occurrence: int
    duration: int
    recovery_tau: int = 0
    members: Sequence[int] | None = None


@dataclass(frozen=True)
class TradeCap:
    """A cap on the flows of one product from an exporter region to an importer region.

    At step ``t`` the share ``blocked[t]`` (in [0, 1]) of the importer's orders and final
    demand addressed to industry ``(exporter, sector)`` is blocked: the weight of this
    supplier in the importer's sourcing is multiplied by ``1 - blocked[t]``. With
    ``order_type="alt"`` importers re-route the blocked orders to the remaining suppliers
    of the product in proportion to their capacity; with ``"noalt"`` the blocked orders
    are lost. Blocked final demand is unmet. The exporter's own (domestic) buyers and
    other importers are unaffected, unlike a capacity shock.

    Parameters
    ----------
    exporter, importer : str
        Regions. ``importer="*"`` applies the cap to every region except the exporter.
    sector : str
        Product (sector label).
    blocked : float or sequence of float
        Blocked share; a scalar is constant from ``start``; a sequence gives the value for
        steps ``start, start+1, ...`` (0 afterwards).
    start : int
        First step of the cap.
    members : sequence of int, optional
        Members subject to the cap (default: all).
    """

    exporter: str
    importer: str
    sector: str
    blocked: float | Sequence[float]
    start: int = 0
    members: Sequence[int] | None = None


@dataclass(frozen=True)
class FinalDemandResponse:
    r"""Quantity response of final demand to unmet final demand (no prices).

    Final demand of region ``b`` for product ``p`` is ``Y_0 \phi_{bp}(t)`` with
    ``\phi_{bp}(t+1) = \phi_{bp}(t) + (1 - e\,u_{bp}(t) - \phi_{bp}(t)) / \tau`` where
    ``u_{bp}(t)`` is the unmet share of that final demand at step ``t``: consumers who
    cannot buy a product cut their orders of it in proportion to the shortfall
    (elasticity ``e``) and return to baseline with time constant ``tau`` once supply
    recovers. ``e = 0`` is BoARIO's fixed final demand.

    Parameters
    ----------
    elasticity : float
        ``e`` in [0, 1].
    tau : float
        Adjustment time in steps (>= 1).
    """

    elasticity: float = 1.0
    tau: float = 30.0


def capacity_loss_profile(
    n_steps: int,
    *,
    occurrence: int,
    duration: int,
    recovery_tau: int,
    boario_timing: bool = False,
) -> FloatArray:
    """Fraction of a shock's ``share`` in force at each step (length ``n_steps``).

    Native timing: 1 on ``[occurrence, occurrence + duration)``, then linear recovery,
    ``1 - (k + 1) / recovery_tau`` at step ``occurrence + duration + k`` (0 after
    ``recovery_tau`` steps; no recovery phase if ``recovery_tau == 0``).

    BoARIO 0.7.2 timing (``boario_timing=True``): the simulation applies the loss one step
    late and holds it two steps longer, i.e. 1 on ``[occurrence + 1, occurrence + duration
    + 2]``, then ``1 - (t - occurrence - duration - 2) / recovery_tau`` until it reaches
    0 at ``occurrence + duration + recovery_tau + 2``. Rounding to 6 digits happens on the
    product with the share (see :meth:`ARIOModel.run`).

    Returns
    -------
    ndarray, shape (n_steps,)
    """
    t = np.arange(n_steps, dtype=np.float64)
    prof = np.zeros(n_steps)
    if boario_timing:
        on = (t >= occurrence + 1) & (t <= occurrence + duration + 1)
        prof[on] = 1.0
        if recovery_tau > 0:
            k = t - (occurrence + duration + 2)
            rec = (k >= 0) & (k < recovery_tau)
            prof[rec] = 1.0 - k[rec] / recovery_tau
        return prof
    prof[(t >= occurrence) & (t < occurrence + duration)] = 1.0
    if recovery_tau > 0:
        k = t - (occurrence + duration)
        rec = (k >= 0) & (k < recovery_tau)
        prof[rec] = 1.0 - (k[rec] + 1.0) / recovery_tau
    return prof


@dataclass
class ARIOResult:
    """Trajectories of one run, member-leading arrays plus labels.

    Attributes
    ----------
    production, production_capacity, demand, final_demand : ndarray (M, T, N)
        Realised production, capacity, total demand addressed to each industry, final
        demand addressed to each industry (per step, table unit).
    final_demand_unmet : ndarray (M, T, R, S)
        Final demand of consuming region ``r`` for product ``s`` not delivered (BoARIO's
        ``final_demand_unmet``).
    overproduction : ndarray (M, T, N)
        Overproduction factor ``alpha``.
    baseline_production : ndarray (N,)
        ``x_0`` per step.
    value_added_share : ndarray (N,)
        Value added per unit of output in the table.
    """

    regions: tuple[str, ...]
    sectors: tuple[str, ...]
    n_steps: int
    n_members: int
    baseline_production: FloatArray
    value_added_share: FloatArray
    unit: str
    records: dict[str, FloatArray] = field(default_factory=dict)

    def __getattr__(self, name: str) -> FloatArray:
        recs = self.__dict__.get("records", {})
        if name in recs:
            return recs[name]  # type: ignore[no-any-return,unused-ignore]
        raise AttributeError(f"ARIOResult has no record {name!r}; available: {sorted(recs)} (pass it in `record=` to ARIOModel.run)")

    @property
    def industries(self) -> pd.MultiIndex:
        """The ``(region, sector)`` industry index."""
        return pd.MultiIndex.from_product([self.regions, self.sectors], names=["region", "sector"])

    def frame(self, name: str, member: int = 0) -> pd.DataFrame:
        """One record of one member as a ``step x (region, sector)`` DataFrame (BoARIO-like)."""
        arr = self.records[name][member]
        return pd.DataFrame(
            arr.reshape(arr.shape[0], -1),
            index=pd.RangeIndex(arr.shape[0], name="step"),
            columns=self.industries,
        )

    def to_dataset(self) -> xr.Dataset:
        """All records as an :class:`xarray.Dataset` on ``(member, time, region, sector)``.

        For ``final_demand_unmet`` ``region`` is the consuming region and ``sector`` the
        product. Units (table unit per step) are in ``attrs``.
        """
        m, t = self.n_members, self.n_steps
        r, s = len(self.regions), len(self.sectors)
        coords = {
            "member": np.arange(m),
            "time": np.arange(t),
            "region": list(self.regions),
            "sector": list(self.sectors),
        }
        dims = ("member", "time", "region", "sector")
        data = {k: xr.Variable(dims, v.reshape(m, t, r, s), attrs={"units": f"{self.unit} per step"}) for k, v in self.records.items()}
        if "overproduction" in data:
            data["overproduction"].attrs["units"] = "1"
        ds = xr.Dataset(data, coords=coords)
        ds["baseline_production"] = xr.Variable(("region", "sector"), self.baseline_production.reshape(r, s))
        return ds


def _per_member(value: float | Sequence[float], m: int, name: str) -> FloatArray:
    arr = np.asarray(value, dtype=np.float64).reshape(-1)
    if arr.size == 1:
        return np.full(m, float(arr[0]))
    if arr.size != m:
        raise ScenarioError(f"parameter {name!r} has {arr.size} values but the model has {m} members; give one value or one per member")
    return arr.copy()


_ALL_RECORDS = (
    "production",
    "production_capacity",
    "demand",
    "final_demand_unmet",
    "overproduction",
    "final_demand",
)


@dataclass
class _Cap:
    """A compiled trade cap: supplier (product, exporter), packed importer entries."""

    product: int
    exporter: int
    importer: int
    k_local: npt.NDArray[np.intp]  # entries of the product block bought by the importer
    a_vals: FloatArray  # A[(exporter, product), buyer] for those entries
    blocked: FloatArray  # (T + 1, M)


class ARIOModel:
    """ARIO model over an :class:`~supplyshock.economy.mrio.MRIO`, with ``n_members`` members.

    Build once, then call :meth:`run` as often as needed (each run starts from the
    baseline; :meth:`reset` does it explicitly).

    Parameters
    ----------
    mrio : MRIO
        The table.
    params : ARIOParams, optional
        Model parameters (BoARIO defaults).
    n_members : int
        Ensemble size ``M``.
    boario_compat : bool
        Reproduce BoARIO 0.7.2 exactly: shock timing lag (see
        :func:`capacity_loss_profile`), recovery rounded to 6 digits, inventory updates and
        stock gaps skipped when within ``numpy.allclose`` of the target, inventory
        durations <= 1 step replaced by 2. Off (default): the textbook dynamics.
    rationing : {"proportional", "domestic_first", "sectors_first"}
        ``proportional`` (BoARIO); ``domestic_first``: buyers (industries and final
        demand) in the supplier's region are served first, the rest proportionally;
        ``sectors_first``: buyer industries of ``priority_sectors`` (in any region) first.
    priority_sectors : sequence of str, optional
        Sectors served first with ``rationing="sectors_first"``.
    input_criticality : DataFrame or ndarray, optional
        Pichler et al. (2022) classification of inputs: rows = input products, columns =
        buyer sectors (S x S), values ``"critical"`` (binds fully), ``"important"`` (binds
        by half), ``"non-critical"`` (never binds) or a binding weight in [0, 1]. An
        ``(S, N)`` array gives one column per buyer industry. Default: all critical
        (Leontief, as BoARIO).
    final_demand_response : FinalDemandResponse, optional
        Lets final demand fall with its unmet share (default: fixed final demand).
    dtype : {"float64", "float32"}
        Working precision of the state. ``float32`` halves memory traffic for large
        ensembles (results agree with float64 to ~1e-5 relative); BoARIO-compatible mode
        needs ``float64``.
    blas_threads : int or None
        Threads numpy's BLAS may use while :meth:`run` steps (restored afterwards). The
        per-step matrix products are small, so 1 (default) is fastest; ``None`` leaves the
        setting alone.

    References
    ----------
    Hallegatte (2008) doi:10.1111/j.1539-6924.2008.01046.x; Guan et al. (2020)
    doi:10.1038/s41562-020-0896-8; Pichler et al. (2022) JEDC 144:104527; Juhel (2024)
    JOSS doi:10.21105/joss.06547.

    Examples
    --------
    >>> from supplyshock.economy import ARIOModel, CapacityShock, load_default_mrio
    >>> model = ARIOModel(load_default_mrio(), n_members=2)
    >>> shock = CapacityShock("CHN", "MIN", share=[0.2, 0.5], occurrence=5, duration=30,
    ...                       recovery_tau=30)
    >>> res = model.run(120, shocks=[shock])
    >>> res.production.shape
    (2, 120, 56)
    """

    def __init__(
        self,
        mrio: MRIO,
        params: ARIOParams | None = None,
        *,
        n_members: int = 1,
        boario_compat: bool = False,
        rationing: Rationing = "proportional",
        priority_sectors: Sequence[str] | None = None,
        input_criticality: pd.DataFrame | npt.ArrayLike | None = None,
        final_demand_response: FinalDemandResponse | None = None,
        dtype: Literal["float64", "float32"] = "float64",
        blas_threads: int | None = 1,
    ) -> None:
        p = params or ARIOParams()
        if dtype not in ("float64", "float32"):
            raise ScenarioError(f"dtype must be 'float64' or 'float32', got {dtype!r}")
        if dtype == "float32" and boario_compat:
            raise ScenarioError("boario_compat=True needs dtype='float64'")
        self._dt = np.dtype(dtype)
        self.blas_threads = blas_threads
        if n_members < 1:
            raise ScenarioError(f"n_members must be >= 1, got {n_members}")
        if p.model not in ("psi", "base"):
            raise ScenarioError(f"params.model must be 'psi' or 'base', got {p.model!r}")
        if p.order_type not in ("alt", "noalt"):
            raise ScenarioError(f"params.order_type must be 'alt' or 'noalt', got {p.order_type!r}")
        if rationing not in ("proportional", "domestic_first", "sectors_first"):
            raise ScenarioError(f"rationing must be 'proportional', 'domestic_first' or 'sectors_first', got {rationing!r}")
        self.mrio = mrio
        self.params = p
        self.n_members = m = int(n_members)
        self.boario_compat = bool(boario_compat)
        self.rationing: Rationing = rationing
        self.final_demand_response = final_demand_response
        r, s = mrio.n_regions, mrio.n_sectors
        n = r * s
        self.n_regions, self.n_sectors, self.n_industries = r, s, n
        nf = len(mrio.fd_categories)
        steply = 1.0 / p.steps_per_year

        # --- parameters per member (member axis last internally) ------------------------
        if p.model == "base":
            self._psi = np.ones(m)
            self._tau_inv = np.ones(m)
        else:
            self._psi = _per_member(p.psi, m, "psi")
            self._tau_inv = _per_member(p.inventory_restoration_tau, m, "inventory_restoration_tau")
        if (self._psi > 1.0).any() or (self._psi <= 0.0).any():
            raise ScenarioError(f"psi must be in (0, 1], got {self._psi}")
        if (self._tau_inv < 1.0).any():
            raise ScenarioError(f"inventory_restoration_tau must be >= 1 step, got {self._tau_inv}")
        self._alpha_base = _per_member(p.alpha_base, m, "alpha_base")
        self._alpha_max = _per_member(p.alpha_max, m, "alpha_max")
        self._alpha_tau = _per_member(p.alpha_tau, m, "alpha_tau")
        if (self._alpha_tau <= 0).any():
            raise ScenarioError("alpha_tau must be > 0")

        # --- inventories (days per product) ---------------------------------------------
        inv_days = np.full(s, float(p.main_inv_dur))
        if p.inventory_days is not None:
            unknown = sorted(set(p.inventory_days) - set(mrio.sectors))
            if unknown:
                raise ScenarioError(f"inventory_days names unknown sectors {unknown}; known: {list(mrio.sectors)}")
            for k, v in p.inventory_days.items():
                inv_days[mrio.sectors.index(k)] = float(v)
        unknown = sorted(set(p.infinite_inventory_sectors) - set(mrio.sectors))
        if unknown:
            raise ScenarioError(f"infinite_inventory_sectors names unknown sectors {unknown}; known: {list(mrio.sectors)}")
        for k in p.infinite_inventory_sectors:
            inv_days[mrio.sectors.index(k)] = np.inf
        if (inv_days <= 1).any():
            if self.boario_compat:
                warnings.warn("inventory duration <= 1 step replaced by 2 (BoARIO behaviour)", stacklevel=2)
                inv_days[inv_days <= 1] = 2.0
            else:
                raise ScenarioError(f"inventory durations must be > 1 step, got {inv_days}")
        self.inventory_days = inv_days
        finite = np.isfinite(inv_days)

        # --- packed technical coefficients -------------------------------------------------
        # Entries k = (p, f) with A^S_pf > 0, product-major; industry vectors are held
        # product-major too, shape (S, R, M), so that the suppliers of product p are the
        # contiguous block [p].
        x_year = mrio.x
        self._x0 = x_year * steply  # public order (N,)
        x0_pm = self._pm(self._x0)  # (S, R)
        self._x0_pm = x0_pm[:, :, None]
        z3 = mrio.Z.reshape(r, s, n)
        z_c = z3.sum(axis=0)  # yearly Z^S (S, N)
        safe_x = np.where(x_year > 0, x_year, 1.0)
        a_s = np.where(x_year[None, :] > 0, z_c / safe_x[None, :], 0.0)
        mask = a_s > 0
        prod_k, col_k = np.nonzero(mask)
        counts = mask.sum(axis=1)
        self._off = np.concatenate([[0], np.cumsum(counts)]).astype(np.intp)
        self._K = int(self._off[-1])
        self._prod_k = prod_k
        self._col_k = col_k  # buyer industry, public index
        self._col_pm = (col_k % s) * r + col_k // s  # buyer industry, product-major flat
        self._Ap: list[FloatArray] = []
        for q in range(s):
            cols = col_k[self._off[q] : self._off[q + 1]]
            self._Ap.append(np.ascontiguousarray(z3[:, q, cols] / safe_x[cols][None, :]))
        as_k = a_s[mask]
        self._AS_k = as_k[:, None]
        thr = z_c > self._x0[None, :] * TECHNOLOGY_THRESHOLD
        thr_k = thr[mask]
        s_k = inv_days[prod_k]
        fin_k = finite[prod_k]
        with np.errstate(divide="ignore", invalid="ignore"):
            self._inv_sA = np.where(fin_k, 1.0 / (s_k * as_k), 0.0)[:, None]
            self._inv_s = np.where(fin_k, 1.0 / s_k, 0.0)[:, None]
            self._atol_n = np.where(fin_k, _ATOL / (s_k * as_k), np.inf)[:, None]
        self._gap_coef = np.where(fin_k, s_k, 0.0)[:, None] / self._tau_inv[None, :]
        self._fin_k = fin_k
        self._has_infinite = bool((~finite).any())
        # BoARIO's allclose on the stock gap sees NaN (0 * inf) wherever an infinite-inventory
        # product has a zero coefficient: the shortcut is then never taken.
        self._inf_blocks_shortcut = bool(((~finite)[:, None] & ~mask).any())
        # column-wise minimum over binding inputs: permutation to column-major + reduceat
        sel = np.nonzero(thr_k)[0]
        order = sel[np.lexsort((prod_k[sel], self._col_pm[sel]))]
        self._min_order = order
        cols_sorted = self._col_pm[order]
        starts = np.nonzero(np.r_[True, cols_sorted[1:] != cols_sorted[:-1]])[0]
        self._min_cols = cols_sorted[starts] if order.size else np.zeros(0, dtype=np.intp)
        # padded (column, input) index table: min over inputs = one gather + one reduction
        cnt = np.diff(np.r_[starts, order.size])
        width = int(cnt.max()) if cnt.size else 0
        slot = np.arange(order.size) - np.repeat(starts, cnt)
        # padding points at row K of the stock, which holds +inf
        self._min_idx = np.full((starts.size, width), self._K, dtype=np.intp)
        self._min_idx[np.repeat(np.arange(starts.size), cnt), slot] = order

        # --- final demand ------------------------------------------------------------------
        y = mrio.Y * steply
        yb = y.reshape(n, r, nf).sum(axis=2)  # (N, R_b) by consuming region
        self._Yb = yb
        # Y_T[p, s, b]: product p from supplier region s to consumer region b
        self._Y_T = np.ascontiguousarray(yb.reshape(r, s, r).transpose(1, 0, 2))
        self._Y_Tt = np.ascontiguousarray(self._Y_T.transpose(0, 2, 1))  # (S, R_b, R_s)
        self._fd_tot0_pm = self._Y_T.sum(axis=2)[:, :, None]  # (S, R, 1)
        va = x_year - mrio.Z.sum(axis=0)
        self._va_share = np.where(x_year > 0, va / safe_x, 0.0)
        self._d_int0_pm = self._pm(mrio.Z.sum(axis=1) * steply)[:, :, None]

        # --- Pichler criticality ----------------------------------------------------------
        self._beta: FloatArray | None = None
        if input_criticality is not None:
            self._beta = (self._compile_criticality(input_criticality) * thr)[mask][:, None]

        # --- rationing priorities ----------------------------------------------------------
        self._Ap_pri: list[FloatArray] | None = None
        self._Y_dom: FloatArray | None = None
        if rationing != "proportional":
            region_k = col_k // s
            if rationing == "sectors_first":
                if not priority_sectors:
                    raise ScenarioError("rationing='sectors_first' needs priority_sectors")
                unknown = sorted(set(priority_sectors) - set(mrio.sectors))
                if unknown:
                    raise ScenarioError(f"priority_sectors names unknown sectors {unknown}; known: {list(mrio.sectors)}")
                pri_sec = np.isin(np.arange(s), [mrio.sectors.index(k) for k in priority_sectors])
            self._Ap_pri = []
            for q in range(s):
                sl = slice(self._off[q], self._off[q + 1])
                if rationing == "domestic_first":
                    pm = region_k[sl][None, :] == np.arange(r)[:, None]
                else:
                    pm = np.broadcast_to(pri_sec[col_k[sl] % s][None, :], (r, sl.stop - sl.start))
                self._Ap_pri.append(np.ascontiguousarray(self._Ap[q] * pm))
            if rationing == "domestic_first":
                # domestic final demand Y_dom[p, r] = Y_T[p, r, r]
                self._Y_dom = np.ascontiguousarray(self._Y_T[:, np.arange(r), np.arange(r)])[:, :, None]
        self.reset()

    def _cast_static(self) -> None:
        """Cast the arrays used per step to the working dtype (float32 ensembles)."""
        dt = self._dt
        for name in (
            "_psi",
            "_tau_inv",
            "_alpha_base",
            "_alpha_max",
            "_alpha_tau",
            "_x0_pm",
            "_AS_k",
            "_inv_sA",
            "_inv_s",
            "_atol_n",
            "_gap_coef",
            "_Y_T",
            "_Y_Tt",
            "_fd_tot0_pm",
            "_d_int0_pm",
            "_beta",
            "_Y_dom",
            "_Yb",
        ):
            val = getattr(self, name)
            if val is not None:
                setattr(self, name, np.ascontiguousarray(val, dtype=dt))
        self._Ap = [np.ascontiguousarray(a, dtype=dt) for a in self._Ap]
        if self._Ap_pri is not None:
            self._Ap_pri = [np.ascontiguousarray(a, dtype=dt) for a in self._Ap_pri]

    # ------------------------------------------------------------------------------------
    def _pm(self, v: FloatArray) -> FloatArray:
        """Public (N,) industry vector -> product-major (S, R)."""
        return np.ascontiguousarray(v.reshape(self.n_regions, self.n_sectors).T)

    def _public(self, v: FloatArray) -> FloatArray:
        """Internal (S, R, M) -> public (M, N)."""
        return v.transpose(2, 1, 0).reshape(self.n_members, self.n_industries)

    def _compile_criticality(self, crit: pd.DataFrame | npt.ArrayLike) -> FloatArray:
        s, n = self.n_sectors, self.n_industries
        secs = list(self.mrio.sectors)
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
                if key not in _CRITICALITY_WEIGHT:
                    raise ScenarioError(
                        f"input_criticality value {v!r} not understood; use 'critical', 'important', 'non-critical' or a number in [0, 1]"
                    )
                wf[k] = _CRITICALITY_WEIGHT[key]
            else:
                wf[k] = float(v)
        if ((weights < 0) | (weights > 1) | ~np.isfinite(weights)).any():
            raise ScenarioError("input_criticality weights must be in [0, 1]")
        if weights.shape == (s, s):
            weights = np.tile(weights, (1, self.n_regions))
        elif weights.shape != (s, n):
            raise ScenarioError(f"input_criticality must be (S x S) = ({s}, {s}) or (S x N) = ({s}, {n}), got {weights.shape}")
        return weights

    # ------------------------------------------------------------------------------------
    def reset(self) -> None:
        """Return every member to the baseline equilibrium (no rebuild of static arrays)."""
        m, r, s, k = self.n_members, self.n_regions, self.n_sectors, self._K
        x0_k = self._x0[self._col_k][:, None]
        # normalised stock (see module docstring) plus one row of +inf used as padding by
        # the column-wise minimum in the production step
        self._inv_full = np.empty((k + 1, m), dtype=self._dt)
        self._inv_full[k] = np.inf
        self._inv = self._inv_full[:k]
        self._inv[...] = x0_k
        if self._has_infinite:
            self._inv[~self._fin_k] = np.inf
        # orders placed "at step -1": O_if = Z0_if = w_i A_if G_pf with w = 1, G = x0_f
        self._G = np.empty((k, m), dtype=self._dt)
        self._G[...] = x0_k
        self._omega = np.ones((s, r, m), dtype=self._dt)
        self._alpha = np.empty((s, r, m), dtype=self._dt)
        self._alpha[...] = self._alpha_base[None, None, :]
        self._x = np.empty((s, r, m), dtype=self._dt)
        self._x[...] = self._x0_pm
        self._fd_mult = np.ones((m, r, s), dtype=self._dt)  # final-demand response phi[b, p]
        self._fd_tot = np.empty((s, r, m), dtype=self._dt)
        self._fd_tot[...] = self._fd_tot0_pm
        self._D = self._d_int0_pm + self._fd_tot
        self.step_count = 0
        self.had_shortage = np.zeros(m, dtype=bool)

    @property
    def production(self) -> FloatArray:
        """Production of the last step, (M, N)."""
        return self._public(self._x)

    @property
    def demand(self) -> FloatArray:
        """Total demand addressed to each industry for the next step, (M, N)."""
        return self._public(self._D)

    @property
    def alpha(self) -> FloatArray:
        """Overproduction factor, (M, N)."""
        return self._public(self._alpha)

    @property
    def inventory(self) -> FloatArray:
        """Input inventories in table units per step of use, (M, S, N), pooled by product."""
        m, s, n = self.n_members, self.n_sectors, self.n_industries
        out = np.zeros((m, s, n))
        val = self._inv * self._AS_k * self.inventory_days[self._prod_k][:, None]
        out[:, self._prod_k, self._col_k] = val.T
        return out

    # ------------------------------------------------------------------------------------
    def _compile_shocks(self, shocks: Sequence[CapacityShock], n_steps: int) -> list[tuple[FloatArray, npt.NDArray[np.intp], npt.NDArray[np.intp]]]:
        out = []
        m, r = self.n_members, self.n_regions
        for k, sh in enumerate(shocks):
            regs = [sh.region] if isinstance(sh.region, str) else list(sh.region)
            secs = [sh.sector] if isinstance(sh.sector, str) else list(sh.sector)
            bad_r = sorted(set(regs) - set(self.mrio.regions))
            bad_s = sorted(set(secs) - set(self.mrio.sectors))
            if bad_r or bad_s:
                raise ScenarioError(
                    f"shocks[{k}] names unknown regions {bad_r} / sectors {bad_s}; the MRIO has "
                    f"regions {list(self.mrio.regions)} and sectors {list(self.mrio.sectors)}"
                )
            if sh.duration < 0 or sh.recovery_tau < 0:
                raise ScenarioError(f"shocks[{k}]: duration and recovery_tau must be >= 0")
            lo = 1 if self.boario_compat else 0
            if not (lo <= sh.occurrence < n_steps) or sh.occurrence + sh.duration > n_steps:
                raise ScenarioError(
                    f"shocks[{k}] is outside the horizon: occurrence={sh.occurrence}, "
                    f"duration={sh.duration} but the run has {n_steps} steps (need "
                    f"{lo} <= occurrence and occurrence + duration <= {n_steps}); shorten the "
                    "shock or run more steps"
                )
            share = _per_member(sh.share, m, f"shocks[{k}].share")
            if ((share < 0) | (share > 1)).any():
                raise ScenarioError(f"shocks[{k}].share must be in [0, 1], got {share}")
            members = np.arange(m) if sh.members is None else np.asarray(sh.members, dtype=np.intp)
            if members.size and (members.min() < 0 or members.max() >= m):
                raise ScenarioError(f"shocks[{k}].members must be in [0, {m})")
            ind = [self.mrio.industry_index(rg, sc) for rg in regs for sc in secs]
            ind_pm = np.array(sorted((i % self.n_sectors) * r + i // self.n_sectors for i in ind))
            prof = capacity_loss_profile(
                n_steps,
                occurrence=sh.occurrence,
                duration=sh.duration,
                recovery_tau=sh.recovery_tau,
                boario_timing=self.boario_compat,
            )
            # value per (step, member): share * profile (BoARIO rounds the recovery phase)
            val = prof[:, None] * share[None, :]
            if self.boario_compat and sh.recovery_tau > 0:
                rec_start = sh.occurrence + sh.duration + 2
                val[rec_start:] = np.round(val[rec_start:], BOARIO_RECOVERY_DIGITS)
            out.append((val, members, ind_pm))
        return out

    def _compile_caps(self, caps: Sequence[TradeCap], n_steps: int) -> list[_Cap]:
        out: list[_Cap] = []
        m, s = self.n_members, self.n_sectors
        regs = self.mrio.regions
        for k, c in enumerate(caps):
            if c.exporter not in regs or (c.importer != "*" and c.importer not in regs):
                raise ScenarioError(f"trade_caps[{k}] names unknown region(s) {c.exporter!r} -> {c.importer!r}; known regions: {list(regs)}")
            if c.sector not in self.mrio.sectors:
                raise ScenarioError(f"trade_caps[{k}] names unknown sector {c.sector!r}; known: {list(self.mrio.sectors)}")
            if c.exporter == c.importer:
                raise ScenarioError(
                    f"trade_caps[{k}]: exporter and importer are both {c.exporter!r}; a trade cap restricts flows between two different regions"
                )
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
            members = np.arange(m) if c.members is None else np.asarray(c.members, dtype=np.intp)
            blocked = np.zeros((n_steps + 1, m))
            blocked[:, members] = series[:, None]
            e = regs.index(c.exporter)
            q = self.mrio.sectors.index(c.sector)
            importers = [i for i in range(len(regs)) if i != e] if c.importer == "*" else [regs.index(c.importer)]
            sl = slice(self._off[q], self._off[q + 1])
            reg_cols = self._col_k[sl] // s
            for bi in importers:
                loc = np.nonzero(reg_cols == bi)[0]
                out.append(
                    _Cap(
                        product=q,
                        exporter=e,
                        importer=bi,
                        k_local=loc,
                        a_vals=self._Ap[q][e, loc],
                        blocked=blocked,
                    )
                )
        return out

    # ------------------------------------------------------------------------------------
    def run(
        self,
        n_steps: int,
        *,
        shocks: Sequence[CapacityShock] = (),
        trade_caps: Sequence[TradeCap] = (),
        capacity_loss: npt.ArrayLike | None = None,
        record: Sequence[Record] = DEFAULT_RECORDS,
        reset: bool = True,
    ) -> ARIOResult:
        """Simulate ``n_steps`` steps for all members and return the recorded trajectories.

        Parameters
        ----------
        n_steps : int
            Number of steps (days with the default ``steps_per_year=365``).
        shocks : sequence of CapacityShock
            Capacity shocks (combined with each other and ``capacity_loss`` by maximum).
        trade_caps : sequence of TradeCap
            Bilateral trade caps.
        capacity_loss : array_like, optional
            Exogenous capacity loss share, shape ``(n_steps, N)`` or ``(n_steps, M, N)``,
            values in [0, 1], applied as given (no timing shift).
        record : sequence of str
            Which trajectories to keep (see :class:`ARIOResult`).
        reset : bool
            Start from the baseline (default). False continues from the current state.

        Returns
        -------
        ARIOResult

        Raises
        ------
        ScenarioError
            Unknown labels, shares outside [0, 1], shocks outside the horizon, wrong shapes.
        """
        if n_steps < 1:
            raise ScenarioError(f"n_steps must be >= 1, got {n_steps}")
        m, n, r, s = self.n_members, self.n_industries, self.n_regions, self.n_sectors
        bad = sorted(set(record) - set(_ALL_RECORDS))
        if bad:
            raise ScenarioError(f"unknown records {bad}; choose from {sorted(_ALL_RECORDS)}")
        comp = self._compile_shocks(shocks, n_steps)
        caps = self._compile_caps(trade_caps, n_steps)
        if caps and self.rationing == "sectors_first":
            raise ScenarioError(
                "trade_caps cannot be combined with rationing='sectors_first' (not implemented); use 'proportional' or 'domestic_first'"
            )
        loss_arr: FloatArray | None = None
        if capacity_loss is not None:
            la = np.asarray(capacity_loss, dtype=np.float64)
            if la.shape == (n_steps, n):
                la = la[:, None, :]
            if la.shape not in ((n_steps, 1, n), (n_steps, m, n)):
                raise ScenarioError(f"capacity_loss must have shape ({n_steps}, {n}) or ({n_steps}, {m}, {n}), got {np.shape(capacity_loss)}")
            if ((la < 0) | (la > 1) | ~np.isfinite(la)).any():
                raise ScenarioError("capacity_loss values must be in [0, 1]")
            loss_arr = la
        if reset:
            self.reset()
        if caps or self.final_demand_response is not None:
            fd_new = self._final_demand_totals(caps, 0)
            self._D = self._D - self._fd_tot + fd_new
            self._fd_tot = fd_new
        recs: dict[str, FloatArray] = {}
        for k in record:
            shape = (m, n_steps, r, s) if k == "final_demand_unmet" else (m, n_steps, n)
            recs[k] = np.empty(shape)
        delta = np.zeros((s, r, m), dtype=self._dt)
        with _BlasThreads(self.blas_threads):
            self._loop(n_steps, delta, loss_arr, comp, caps, recs)
        return ARIOResult(
            regions=self.mrio.regions,
            sectors=self.mrio.sectors,
            n_steps=n_steps,
            n_members=m,
            baseline_production=self._x0.copy(),
            value_added_share=np.asarray(self._va_share, dtype=np.float64),
            unit=self.mrio.unit,
            records=recs,
        )

    def _loop(
        self,
        n_steps: int,
        delta: FloatArray,
        loss_arr: FloatArray | None,
        comp: list[tuple[FloatArray, npt.NDArray[np.intp], npt.NDArray[np.intp]]],
        caps: list[_Cap],
        recs: dict[str, FloatArray],
    ) -> None:
        r, s, m = self.n_regions, self.n_sectors, self.n_members
        dflat = delta.reshape(s * r, m)
        for t in range(n_steps):
            delta[...] = 0.0
            if loss_arr is not None:
                lt = loss_arr[t]  # (M or 1, N)
                np.maximum(delta, lt.reshape(-1, r, s).transpose(2, 1, 0), out=delta)
            for val, members, ind in comp:
                v = val[t]
                if v.any():
                    idx = np.ix_(ind, members)
                    dflat[idx] = np.maximum(dflat[idx], v[members][None, :])
            out = self._step(delta, caps, t)
            for name, arr in recs.items():
                if name == "final_demand_unmet":
                    arr[:, t] = out[name]
                else:
                    arr[:, t] = self._public(out[name])

    # ------------------------------------------------------------------------------------
    def _rows_times_ap(self, w: FloatArray, ap: list[FloatArray], out: FloatArray) -> None:
        """``out[k in p] = Ap[p].T @ w[p]``: sum over the suppliers of p, per entry (p, f)."""
        off = self._off
        for q in range(self.n_sectors):
            if off[q + 1] > off[q]:
                np.matmul(ap[q].T, w[q], out=out[off[q] : off[q + 1]])

    def _ap_times_entries(self, g: FloatArray, ap: list[FloatArray], out: FloatArray) -> None:
        """``out[p] = Ap[p] @ g[k in p]``: sum over buyers f, per supplier (r, p)."""
        off = self._off
        for q in range(self.n_sectors):
            if off[q + 1] > off[q]:
                np.matmul(ap[q], g[off[q] : off[q + 1]], out=out[q])
            else:
                out[q] = 0.0

    def _step(self, delta: FloatArray, caps: list[_Cap], t: int) -> dict[str, FloatArray]:
        m, r, s, k = self.n_members, self.n_regions, self.n_sectors, self._K
        x0 = self._x0_pm
        compat = self.boario_compat
        demand = self._D
        step = self.step_count
        col = self._col_pm

        # 0. overproduction, from the previous step's production (BoARIO: t > 1)
        if step > 1:
            with np.errstate(divide="ignore", invalid="ignore"):
                zeta = np.where(demand != 0, (demand - self._x) / demand, 0.0)
            zeta[np.isnan(zeta)] = 0.0
            inv_tau = 1.0 / self._alpha_tau
            alpha = self._alpha
            chg = (self._alpha_max - alpha) * zeta * inv_tau + (self._alpha_base - alpha) * (zeta == 0) * inv_tau
            alpha += chg
            alpha[alpha < 1.0] = 1.0

        # 1. capacity and optimal production
        cap = x0 * (1.0 - delta) * self._alpha
        x_opt = np.fmin(demand, cap)
        xo_flat = x_opt.reshape(s * r, m)

        # 2. inventory-constrained production
        inv = self._inv
        x_a = x_opt.copy()
        xa_flat = x_a.reshape(s * r, m)
        cols = self._min_cols
        if cols.size and self._beta is None:
            lim = self._inv_full[self._min_idx].min(axis=1)
            lim /= self._psi
            xa_flat[cols] = np.minimum(xa_flat[cols], lim)
        elif cols.size:
            gap = np.zeros((k + 1, m), dtype=self._dt)  # row K: padding (0 = no constraint)
            gk = gap[:k]
            np.divide(inv, self._psi, out=gk)
            gk -= xo_flat[col]
            np.minimum(gk, 0.0, out=gk)
            gk *= self._beta
            xa_flat[cols] += gap[self._min_idx].min(axis=1)
        self.had_shortage |= (x_a < x_opt).any(axis=(0, 1))

        # 3. rationing -> delivery ratios (per supplier; per buyer group with priorities)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(demand > 0, x_a / demand, 0.0)
        omega_prev = self._omega
        g_prev = self._G
        fd_corr: FloatArray | None = None
        r1: FloatArray | None = None
        if self.rationing != "proportional":
            r1, ratio, fd_corr = self._priority_ratios(x_a, demand, g_prev, omega_prev)
        # supplier weights of the next orders (alt: by capacity); computed here so that the
        # delivered share (e_mat) and the order normaliser (c_mat) share one pass over A
        alt = self.params.order_type == "alt"
        with np.errstate(divide="ignore", invalid="ignore"):
            rho = np.where(x0 != 0, cap / np.where(x0 != 0, x0, 1.0), 1.0)
        omega = rho if alt else np.ones_like(rho)
        if alt and m == 1:  # memory-bound: one pass over A for both sums
            both = np.empty((k, 2 * m), dtype=self._dt)
            self._rows_times_ap(np.concatenate((ratio * omega_prev, omega), axis=2), self._Ap, both)
            e_mat, c_mat = both[:, :m], both[:, m:]
        elif alt:  # compute-bound: keep both results contiguous
            e_mat = np.empty((k, m), dtype=self._dt)
            c_mat = np.empty((k, m), dtype=self._dt)
            self._rows_times_ap(ratio * omega_prev, self._Ap, e_mat)
            self._rows_times_ap(omega, self._Ap, c_mat)
        else:
            e_mat = np.empty((k, m), dtype=self._dt)
            self._rows_times_ap(ratio * omega_prev, self._Ap, e_mat)
        if r1 is not None:
            assert self._Ap_pri is not None
            extra = np.empty((k, m), dtype=self._dt)
            self._rows_times_ap((r1 - ratio) * omega_prev, self._Ap_pri, extra)
            e_mat += extra
        # e_mat[(p, f)] = sum_{i in p} r_i w_i A_if: share of f's orders of p delivered
        for c in caps:
            # orders of the capped importer carried the factor (1 - blocked) when placed
            bp = c.blocked[t - 1] if t > 0 else np.zeros(m)
            rr = ratio[c.product, c.exporter] * omega_prev[c.product, c.exporter] * bp
            e_mat[self._off[c.product] + c.k_local] -= c.a_vals[:, None] * rr[None, :]
        e_mat *= g_prev  # received, value units
        xa_k = xa_flat[col]
        if compat:
            use = self._AS_k * xa_k
            e_mat -= use  # change of stock, value units
            close = (np.abs(e_mat) <= _ATOL + _RTOL * use).all(axis=0)
            if not close.all():
                upd = ~close
                inv[:, upd] += e_mat[:, upd] * self._inv_sA
        else:
            # normalised: inv += received / (s A^S) - x_a / s
            e_mat *= self._inv_sA
            inv += e_mat
            np.multiply(xa_k, self._inv_s, out=e_mat)
            inv -= e_mat
        if self._beta is not None:
            np.maximum(inv, 0.0, out=inv)

        # final demand unmet, by consuming region and product
        fd_mult = self._fd_mult
        undeliv = 1.0 - ratio  # (S, R_s, M)
        if self.final_demand_response is None:
            unmet = np.matmul(self._Y_Tt, undeliv)  # (S, R_b, M)
            fd_by = None
        else:
            phi = fd_mult.transpose(2, 1, 0)  # (S, R_b, M)
            unmet = np.matmul(self._Y_Tt, undeliv) * phi
            fd_by = self._Y_T.sum(axis=1)[:, :, None] * phi  # (S, R_b, M)
        if fd_corr is not None:
            unmet += fd_corr
        for c in caps:
            # blocked final demand was never addressed to the supplier: it is unmet
            yv = self._Yb[c.exporter * s + c.product, c.importer] * fd_mult[:, c.importer, c.product]
            unmet[c.product, c.importer] += c.blocked[t] * yv * ratio[c.product, c.exporter]
        np.maximum(unmet, 0.0, out=unmet)

        # 4. orders for the next step
        xo_k = xo_flat[col]
        h = xo_k - inv  # (K, M)
        if compat:
            close_g = (np.abs(h) <= self._atol_n + _RTOL * xo_k).all(axis=0)
            if self._inf_blocks_shortcut:
                close_g[:] = False
        np.maximum(h, 0.0, out=h)
        h *= self._gap_coef
        if compat and close_g.any():
            h[:, close_g] = 0.0
        h += xa_k
        kap = [(c, c.blocked[t]) for c in caps]
        if alt:
            for c, bl in kap:
                ks = self._off[c.product] + c.k_local
                c_mat[ks] -= c.a_vals[:, None] * (bl * omega[c.product, c.exporter])[None, :]
            h *= self._AS_k
            if not caps and not (omega == 0).any():  # then every c_mat entry is > 0
                g = h
                g /= c_mat
            else:
                g = np.zeros((k, m), dtype=self._dt)
                np.divide(h, c_mat, out=g, where=c_mat > 0)
        else:
            g = h
        d_int = np.empty((s, r, m), dtype=self._dt)
        self._ap_times_entries(g, self._Ap, d_int)
        d_int *= omega
        for c, bl in kap:
            ks = self._off[c.product] + c.k_local
            corr = c.a_vals @ g[ks]
            d_int[c.product, c.exporter] -= bl * omega[c.product, c.exporter] * corr
        np.maximum(d_int, 0.0, out=d_int)

        # final demand for the next step
        if self.final_demand_response is not None:
            fdr = self.final_demand_response
            assert fd_by is not None
            with np.errstate(divide="ignore", invalid="ignore"):
                u = np.where(fd_by > 0, unmet / fd_by, 0.0).transpose(2, 1, 0)  # (M, R_b, S)
            self._fd_mult = fd_mult + (1.0 - fdr.elasticity * u - fd_mult) / fdr.tau
            np.clip(self._fd_mult, 0.0, 1.0, out=self._fd_mult)
        fd_tot_now = self._fd_tot
        self._fd_tot = self._final_demand_totals(caps, t + 1)
        self._G = g
        self._omega = omega
        self._D = d_int + self._fd_tot
        self._x = x_a
        self.step_count = step + 1
        return {
            "production": x_a,
            "production_capacity": cap,
            "demand": demand,
            "final_demand_unmet": unmet.transpose(2, 1, 0),  # (M, R_b, S)
            "overproduction": self._alpha,
            "final_demand": fd_tot_now,
        }

    def _final_demand_totals(self, caps: list[_Cap], t: int) -> FloatArray:
        """Final demand addressed to each supplier at step ``t``, (S, R, M)."""
        m, s = self.n_members, self.n_sectors
        if self.final_demand_response is None and not caps:
            return self._fd_tot
        # Y_T[p, s, b] * phi[m, b, p] summed over b -> (S, R_s, M)
        tot = np.repeat(self._fd_tot0_pm, m, axis=2) if self.final_demand_response is None else np.einsum("psb,mbp->psm", self._Y_T, self._fd_mult)
        for c in caps:
            yv = self._Yb[c.exporter * s + c.product, c.importer] * self._fd_mult[:, c.importer, c.product]
            tot[c.product, c.exporter] -= c.blocked[t] * yv
        return tot

    def _priority_ratios(
        self,
        x_a: FloatArray,
        demand: FloatArray,
        g_prev: FloatArray,
        omega_prev: FloatArray,
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Delivery ratios with priority buyers served first.

        Returns ``(r1, r2, unmet_corr)``: the ratio for priority buyers and for the others
        (S, R, M), and the correction to unmet final demand computed with ``r2``
        (S, R_b, M).
        """
        m, r, s = self.n_members, self.n_regions, self.n_sectors
        assert self._Ap_pri is not None
        d1 = np.empty((s, r, m), dtype=self._dt)
        self._ap_times_entries(g_prev, self._Ap_pri, d1)
        d1 *= omega_prev
        if self._Y_dom is not None:
            d1 += self._Y_dom * self._fd_mult.transpose(2, 1, 0)
        np.minimum(d1, demand, out=d1)
        with np.errstate(divide="ignore", invalid="ignore"):
            r1 = np.where(d1 > 0, np.minimum(x_a / d1, 1.0), 0.0)
            d2 = demand - d1
            r2 = np.where(d2 > 0, np.minimum(np.maximum(x_a - d1, 0.0) / d2, 1.0), 0.0)
        unmet_corr = np.zeros((s, r, m), dtype=self._dt)
        if self._Y_dom is not None:
            # domestic final demand got r1 instead of r2 (consumer region = supplier region)
            unmet_corr -= self._Y_dom * self._fd_mult.transpose(2, 1, 0) * (r1 - r2)
        return r1, r2, unmet_corr
