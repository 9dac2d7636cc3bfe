"""The time loop: the initial state, then one :func:`~supplyshock.engine.step.step` a day.

No pandas inside the loop; all randomness (uncertain parameters) enters through the
per-member parameter arrays, so the same inputs give identical results. What a run keeps
is chosen by the caller: daily arrays (``record``) and/or observers that reduce each day
as it happens (e.g. the headline metrics of a large ensemble, without daily arrays).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from supplyshock.engine.guards import check_day, checks_enabled
from supplyshock.engine.results import RECORDABLE, Recorder
from supplyshock.engine.setup import Setup, build_setup
from supplyshock.engine.state import State, initial_state
from supplyshock.engine.step import DayFlows, step
from supplyshock.network import Links, SupplyNetwork
from supplyshock.scenario.policy import Policy

__all__ = ["Observer", "Trajectories", "run_days", "simulate"]


class Observer(Protocol):
    """Something that watches every day of a run (e.g. an online metric accumulator)."""

    def start(self, setup: Setup) -> None:
        """Called once before the first day."""

    def update(self, flows: DayFlows) -> None:
        """Called after every day."""


@dataclass
class Trajectories:
    """Recorded arrays on full grids, each with a leading (member, time) pair of axes."""

    arrays: dict[str, np.ndarray]
    setup: Setup
    state: State

    @property
    def links(self) -> Links:
        """The run's trade links."""
        return self.setup.links

    @property
    def members(self) -> int:
        """Ensemble size."""
        return self.setup.members

    @property
    def days(self) -> int:
        """Days simulated."""
        return self.setup.days


def run_days(
    setup: Setup,
    state: State,
    *,
    until: int | None = None,
    observers: Sequence[Callable[[DayFlows], None]] = (),
    progress: Callable[[int], None] | None = None,
    check: bool | None = None,
) -> State:
    """Advance ``state`` day by day (in place) up to day ``until`` (default: the horizon).

    Parameters
    ----------
    setup, state
        The run's fixed arrays and its current state.
    until : int, optional
        Stop before this day index.
    observers : sequence of callables
        Each is called with every day's :class:`DayFlows`.
    progress : callable, optional
        Called with the number of days done after each day.
    check : bool, optional
        Check invariants each day (default: the ``SUPPLYSHOCK_RUNTIME_CHECKS`` setting).
    """
    end = setup.days if until is None else min(until, setup.days)
    guard = checks_enabled(check)
    while state.day < end:
        state, flows = step(setup, state, inplace=True)
        if guard:
            check_day(flows)
        for obs in observers:
            obs(flows)
        if progress is not None:
            progress(state.day)
    return state


def simulate(
    net: SupplyNetwork,
    links: Links,
    policy: Policy,
    *,
    members: int = 1,
    params: Mapping[str, np.ndarray | float] | None = None,
    allocation: str = "pro_rata",
    record: tuple[str, ...] = RECORDABLE,
    observers: Sequence[Observer] = (),
    progress: Callable[[int], None] | None = None,
    check: bool | None = None,
) -> Trajectories:
    """Run the material model over the whole horizon.

    Parameters
    ----------
    net : SupplyNetwork
        The dataset (after the scenario's overrides).
    links, policy : Links, Policy
        From :func:`~supplyshock.network.build_links` and
        :func:`~supplyshock.scenario.policy.compile_policy`.
    members : int
        Ensemble size M (the leading axis of every array).
    params : mapping, optional
        Engine parameters (see :func:`supplyshock.schema.engine_parameters`), scalars or
        arrays of shape (M,); missing ones come from the dataset, else the schema default.
    allocation : {"pro_rata", "domestic_first"}
        How a node's stock is shared between its final demand and export claims.
    record : tuple of str
        Variables to keep day by day (see :data:`~supplyshock.engine.results.VARIABLES`).
    observers : sequence of Observer
        Watch every day (``start(setup)`` first, then ``update(flows)``).
    progress : callable, optional
        Called with the number of days done after each day.
    check : bool, optional
        Verify invariants every step (raises :class:`~supplyshock.errors.InvariantError`);
        default: the ``SUPPLYSHOCK_RUNTIME_CHECKS`` environment setting.

    Returns
    -------
    Trajectories
    """
    setup = build_setup(net, links, policy, members=members, params=params, allocation=allocation)
    recorder = Recorder(setup, tuple(record))
    for obs in observers:
        obs.start(setup)
    calls: list[Callable[[DayFlows], None]] = [recorder] if record else []
    calls += [obs.update for obs in observers]
    state = run_days(setup, initial_state(setup), observers=calls, progress=progress, check=check)
    return Trajectories(arrays=recorder.full_grids(), setup=setup, state=state)
