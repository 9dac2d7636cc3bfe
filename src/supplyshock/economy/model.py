r"""ARIO-family daily dynamic input-output model, vectorised over ensemble members.

The model follows the Adaptive Regional Input-Output model (Hallegatte 2008) with the
order module of Guan et al. (2020) as implemented in BoARIO 0.7.2 (``ARIOPsiModel`` and
``ARIOBaseModel``), plus extensions: bilateral trade caps, Pichler et al. (2022)
critical / important / non-critical inputs, rationing priorities and a final-demand
response. ``M`` ensemble members (different shocks and parameters) step together.

Where things live:

* :mod:`~supplyshock.economy.params`: what the user gives (parameters, shocks, caps);
* :mod:`~supplyshock.economy.structure`: the static arrays built once from the table
  (packed coefficients, inventory targets, final demand);
* :mod:`~supplyshock.economy.state`: what changes from step to step;
* :mod:`~supplyshock.economy.step`: the phases of one step, with their formulas;
* :mod:`~supplyshock.economy.forcing` and :mod:`~supplyshock.economy.trade_caps`: shocks
  and caps compiled for a run;
* this module: :class:`ARIOModel`, which checks its options, builds the structure once
  and runs the step loop;
* :mod:`~supplyshock.economy.result`: the trajectories of a run.

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

from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from threadpoolctl import threadpool_limits

from supplyshock.economy._types import BoolArray, FloatArray
from supplyshock.economy.forcing import CompiledShock, capacity_loss_at, check_capacity_loss, compile_shocks
from supplyshock.economy.mrio import MRIO
from supplyshock.economy.params import (
    ALL_RECORDS,
    DEFAULT_RECORDS,
    ARIOParams,
    CapacityShock,
    FinalDemandResponse,
    Rationing,
    Record,
    TradeCap,
)
from supplyshock.economy.result import ARIOResult
from supplyshock.economy.state import ARIOState, baseline_state
from supplyshock.economy.step import advance, final_demand_at
from supplyshock.economy.structure import Structure, build_structure
from supplyshock.economy.trade_caps import CompiledCap, compile_trade_caps
from supplyshock.errors import ScenarioError

__all__ = ["ARIOModel"]


def _check_options(p: ARIOParams, n_members: int, boario_compat: bool, rationing: str, dtype: str) -> None:
    if dtype not in ("float64", "float32"):
        raise ScenarioError(f"dtype must be 'float64' or 'float32', got {dtype!r}")
    if dtype == "float32" and boario_compat:
        raise ScenarioError("boario_compat=True needs dtype='float64'")
    if n_members < 1:
        raise ScenarioError(f"n_members must be >= 1, got {n_members}")
    if p.model not in ("psi", "base"):
        raise ScenarioError(f"params.model must be 'psi' or 'base', got {p.model!r}")
    if p.order_type not in ("alt", "noalt"):
        raise ScenarioError(f"params.order_type must be 'alt' or 'noalt', got {p.order_type!r}")
    if rationing not in ("proportional", "domestic_first", "sectors_first"):
        raise ScenarioError(f"rationing must be 'proportional', 'domestic_first' or 'sectors_first', got {rationing!r}")


def _blas_limit(n: int | None) -> AbstractContextManager[Any]:
    """Limit numpy's BLAS to ``n`` threads inside the block (``None``: leave it alone)."""
    return nullcontext() if n is None else threadpool_limits(limits=n, user_api="blas")


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
        Precision the state and the per-step work arrays are allocated in (the static
        coefficients stay float64, and so do arrays computed from them). ``float32``
        results agree with float64 to ~1e-5 relative; BoARIO-compatible mode needs
        ``float64``.
    blas_threads : int or None
        Threads numpy's BLAS may use while :meth:`run` steps (through ``threadpoolctl``;
        restored afterwards). The per-step matrix products are small, so 1 (default) is
        fastest; ``None`` leaves the setting alone.

    Attributes
    ----------
    structure : Structure
        The static arrays a step reads (:mod:`supplyshock.economy.structure`).
    state : ARIOState
        The current state of every member (:mod:`supplyshock.economy.state`).
    inventory_days : ndarray (S,)
        Inventory target per product in steps.

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
        _check_options(p, n_members, boario_compat, rationing, dtype)
        self.mrio = mrio
        self.params = p
        self.n_members = int(n_members)
        self.boario_compat = bool(boario_compat)
        self.rationing: Rationing = rationing
        self.final_demand_response = final_demand_response
        self.blas_threads = blas_threads
        self.n_regions, self.n_sectors, self.n_industries = mrio.n_regions, mrio.n_sectors, mrio.n_industries
        self.structure: Structure = build_structure(
            mrio,
            p,
            n_members=self.n_members,
            boario_compat=self.boario_compat,
            rationing=rationing,
            priority_sectors=priority_sectors,
            input_criticality=input_criticality,
            final_demand_response=final_demand_response,
            dtype=np.dtype(dtype),
        )
        self.inventory_days = self.structure.inventory_days
        self.state: ARIOState = baseline_state(self.structure)

    def reset(self) -> None:
        """Return every member to the baseline equilibrium (no rebuild of static arrays)."""
        self.state = baseline_state(self.structure)

    # --- views of the state -------------------------------------------------------------
    @property
    def step_count(self) -> int:
        """Steps done since the baseline."""
        return self.state.step

    @property
    def had_shortage(self) -> BoolArray:
        """Whether inventories ever constrained production, per member, (M,)."""
        return self.state.had_shortage

    @property
    def production(self) -> FloatArray:
        """Production of the last step, (M, N)."""
        return self.structure.to_public(self.state.production)

    @property
    def demand(self) -> FloatArray:
        """Total demand addressed to each industry for the next step, (M, N)."""
        return self.structure.to_public(self.state.demand)

    @property
    def alpha(self) -> FloatArray:
        """Overproduction factor, (M, N)."""
        return self.structure.to_public(self.state.alpha)

    @property
    def inventory(self) -> FloatArray:
        """Input inventories in table units per step of use, (M, S, N), pooled by product."""
        st = self.structure
        out = np.zeros((self.n_members, self.n_sectors, self.n_industries))
        val = self.state.stock * st.A_S * st.inventory_days[st.entry_product][:, None]
        out[:, st.entry_product, st.entry_buyer] = val.T
        return out

    # --- running ------------------------------------------------------------------------
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
        bad = sorted(set(record) - set(ALL_RECORDS))
        if bad:
            raise ScenarioError(f"unknown records {bad}; choose from {sorted(ALL_RECORDS)}")
        shocks_c = compile_shocks(shocks, self.mrio, m, n_steps, boario_compat=self.boario_compat)
        caps = compile_trade_caps(trade_caps, self.mrio, self.structure, n_steps)
        if caps and self.rationing == "sectors_first":
            raise ScenarioError(
                "trade_caps cannot be combined with rationing='sectors_first' (not implemented); use 'proportional' or 'domestic_first'"
            )
        loss = None if capacity_loss is None else check_capacity_loss(capacity_loss, n_steps, m, n)
        if reset:
            self.reset()
        self._start_final_demand(caps)
        recs: dict[str, FloatArray] = {k: np.empty((m, n_steps, r, s) if k == "final_demand_unmet" else (m, n_steps, n)) for k in record}
        with _blas_limit(self.blas_threads):
            self._run_steps(n_steps, loss, shocks_c, caps, recs)
        return ARIOResult(
            regions=self.mrio.regions,
            sectors=self.mrio.sectors,
            n_steps=n_steps,
            n_members=m,
            baseline_production=self.structure.x0.copy(),
            value_added_share=np.asarray(self.structure.value_added_share, dtype=np.float64),
            unit=self.mrio.unit,
            records=recs,
        )

    def _start_final_demand(self, caps: Sequence[CompiledCap]) -> None:
        """Final demand of the first step under the run's caps and final-demand response."""
        st, state = self.structure, self.state
        if caps or st.final_demand_response is not None:
            fd_new = final_demand_at(st, state, caps, 0)
            state.demand = state.demand - state.final_demand + fd_new
            state.final_demand = fd_new

    def _run_steps(
        self,
        n_steps: int,
        loss: FloatArray | None,
        shocks: Sequence[CompiledShock],
        caps: Sequence[CompiledCap],
        recs: dict[str, FloatArray],
    ) -> None:
        st = self.structure
        delta = np.zeros((st.n_sectors, st.n_regions, st.n_members), dtype=st.dtype)
        for t in range(n_steps):
            capacity_loss_at(t, delta, loss, shocks)
            out = advance(st, self.state, delta, caps, t)
            for name, arr in recs.items():
                arr[:, t] = out[name] if name == "final_demand_unmet" else st.to_public(out[name])
