"""Run a scenario: compile it, simulate it, label the results (one :class:`xarray.Dataset`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr

from supplyshock.engine.results import RECORDABLE, to_dataset
from supplyshock.engine.simulate import Observer, Trajectories, simulate
from supplyshock.network import Links, SupplyNetwork, build_links
from supplyshock.scenario import Policy, Scenario, compile_policy, load_scenario, scenario_network, scenario_sha256
from supplyshock.scenario.uncertainty import draw_members

__all__ = ["Prepared", "member_values", "prepare", "run", "run_scenario"]


@dataclass(frozen=True)
class Prepared:
    """A scenario made ready to simulate: its network (overrides applied), links and policy."""

    scenario: Scenario
    network: SupplyNetwork
    links: Links
    policy: Policy


def prepare(scenario: Scenario, network: SupplyNetwork | None = None) -> Prepared:
    """Apply the scenario's overrides to its dataset, build the links, compile the policy."""
    net = scenario_network(scenario, network)
    links = build_links(net)
    return Prepared(scenario, net, links, compile_policy(net, scenario, links))


def member_values(scenario: Scenario, members: int, params: Mapping[str, np.ndarray | float] | None = None) -> dict[str, np.ndarray]:
    """Per-member parameter values: the scenario's draws, replaced by ``params`` where given."""
    drawn = draw_members(scenario.uncertain, scenario.correlation, members, seed=scenario.seed, method=scenario.sampler)
    drawn.update({k: np.broadcast_to(np.asarray(v, dtype=float), (members,)).copy() for k, v in (params or {}).items()})
    return drawn


def run_scenario(
    scenario: Scenario,
    network: SupplyNetwork | None = None,
    *,
    members: int | None = None,
    params: Mapping[str, np.ndarray | float] | None = None,
    record: tuple[str, ...] = RECORDABLE,
    observers: Sequence[Observer] = (),
    progress: Callable[[int], None] | None = None,
    check: bool | None = None,
) -> xr.Dataset:
    """Run a validated :class:`Scenario` and return the labelled results.

    Parameters
    ----------
    scenario : Scenario
    network : SupplyNetwork, optional
        Defaults to the scenario's dataset. The scenario's overrides are applied to it.
    members : int, optional
        Ensemble size; defaults to ``scenario.members``.
    params : mapping, optional
        Engine parameters per member (replace the scenario's draws).
    record, observers, progress, check
        As in :func:`supplyshock.engine.simulate`.
    """
    prep = prepare(scenario, network)
    n = members or scenario.members
    values = member_values(scenario, n, params)
    traj = simulate(
        prep.network,
        prep.links,
        prep.policy,
        members=n,
        params=values,
        allocation=scenario.allocation,
        record=record,
        observers=observers,
        progress=progress,
        check=check,
    )
    return label(traj, prep, values)


def label(traj: Trajectories, prep: Prepared, values: Mapping[str, np.ndarray]) -> xr.Dataset:
    """The labelled Dataset of a finished simulation (with each member's parameter values)."""
    sc = prep.scenario
    ds = to_dataset(
        traj.arrays,
        traj.setup,
        prep.network,
        scenario_name=sc.name,
        scenario_json=sc.model_dump_json(by_alias=True),
        scenario_sha256=scenario_sha256(sc),
        dataset=sc.dataset_name,
        seed=sc.seed,
        start=sc.start,
    )
    if values:
        names = sorted(values)
        ds["parameter_value"] = xr.Variable(
            ("member", "parameter"),
            np.stack([values[k] for k in names], axis=1),
            attrs={"description": "Engine parameter values of each member (sampled or given)"},
        )
        ds = ds.assign_coords(parameter=names)
    return ds


def run(
    scenario: str | Path | Scenario,
    *,
    network: SupplyNetwork | None = None,
    members: int | None = None,
    params: Mapping[str, np.ndarray | float] | None = None,
    progress: Callable[[int], None] | None = None,
    check: bool | None = None,
) -> xr.Dataset:
    """Run a built-in scenario by name, a scenario file, or a :class:`Scenario`.

    Examples
    --------
    >>> ds = run("baseline")
    >>> sorted(ds.sizes)[:3]
    ['country', 'link', 'market']
    """
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    return run_scenario(sc, network, members=members, params=params, progress=progress, check=check)
