"""What a user gives the ARIO model: parameters, shocks, trade caps, final-demand response.

Plain frozen dataclasses (no numpy state), the constants BoARIO 0.7.2 hard-codes, and the
names of the records a run can keep. :mod:`supplyshock.economy.model` turns them into the
arrays one step reads.

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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np

from supplyshock.economy._types import FloatArray
from supplyshock.errors import ScenarioError

__all__ = [
    "ALL_RECORDS",
    "BOARIO_ALLCLOSE_ATOL",
    "BOARIO_ALLCLOSE_RTOL",
    "BOARIO_RECOVERY_DIGITS",
    "CRITICALITY_WEIGHT",
    "DEFAULT_RECORDS",
    "TECHNOLOGY_THRESHOLD",
    "ARIOParams",
    "CapacityShock",
    "FinalDemandResponse",
    "OrderType",
    "Rationing",
    "Record",
    "TradeCap",
    "capacity_loss_profile",
    "per_member",
]

#: BoARIO's TECHNOLOGY_THRESHOLD: inputs below this share of daily output never constrain.
TECHNOLOGY_THRESHOLD = 1e-5
#: Digits BoARIO rounds arbitrary-production recovery to (EVENT_ARBITRARY_PRECISION).
BOARIO_RECOVERY_DIGITS = 6
#: numpy.allclose defaults, used by BoARIO to skip inventory updates and stock gaps.
BOARIO_ALLCLOSE_RTOL, BOARIO_ALLCLOSE_ATOL = 1e-5, 1e-8

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
#: Every record a run can keep (see :class:`~supplyshock.economy.result.ARIOResult`).
ALL_RECORDS: tuple[Record, ...] = get_args(Record)
DEFAULT_RECORDS: tuple[Record, ...] = (
    "production",
    "production_capacity",
    "demand",
    "final_demand_unmet",
)

#: Binding weight of each Pichler et al. (2022) input class.
CRITICALITY_WEIGHT = {"critical": 1.0, "important": 0.5, "non-critical": 0.0, "noncritical": 0.0}


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
        Overproduction base, maximum and characteristic time (days) (Hallegatte 2008).
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

    References
    ----------
    Hallegatte (2008) doi:10.1111/j.1539-6924.2008.01046.x; Guan et al. (2020)
    doi:10.1038/s41562-020-0896-8; Juhel (2024) JOSS doi:10.21105/joss.06547 (BoARIO's
    ``ARIOPsiModel`` and ``ARIOBaseModel``, whose defaults these are).
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

    References
    ----------
    Hallegatte (2008) doi:10.1111/j.1539-6924.2008.01046.x (production-capacity losses);
    Juhel (2024) JOSS doi:10.21105/joss.06547 (``EventArbitraryProd``).
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
    of the product in proportion to their capacity (Guan et al. 2020); with ``"noalt"``
    the blocked orders are lost. Blocked final demand is unmet. The exporter's own
    (domestic) buyers and other importers are unaffected, unlike a capacity shock.

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

    References
    ----------
    Guan et al. (2020) doi:10.1038/s41562-020-0896-8 (capacity-weighted re-sourcing).
    Not in BoARIO.
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

    References
    ----------
    Pichler et al. (2022) doi:10.1016/j.jedc.2022.104527 adjust consumption to income and
    expectations; this is a simpler quantity rule. Not in BoARIO.
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


def per_member(value: float | Sequence[float], m: int, name: str) -> FloatArray:
    """One value per member: a scalar repeated ``m`` times, or a sequence of length ``m``.

    Raises
    ------
    ScenarioError
        A sequence of another length.
    """
    arr = np.asarray(value, dtype=np.float64).reshape(-1)
    if arr.size == 1:
        return np.full(m, float(arr[0]))
    if arr.size != m:
        raise ScenarioError(f"parameter {name!r} has {arr.size} values but the model has {m} members; give one value or one per member")
    return arr.copy()
