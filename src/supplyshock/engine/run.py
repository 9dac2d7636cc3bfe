"""Run a scenario and return one labelled :class:`xarray.Dataset`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
import xarray as xr

from supplyshock.engine.compile import build_links, compile_policy
from supplyshock.engine.simulate import NODE_VARS, RECORDABLE, SECTOR_VARS, Trajectories, simulate
from supplyshock.network import SupplyNetwork, load_network
from supplyshock.scenario import Scenario, apply_overrides, load_scenario, scenario_sha256
from supplyshock.scenario.uncertainty import sample

__all__ = ["member_parameters", "run", "run_scenario", "to_dataset"]

UNITS = {
    "inventory": ("t", "Closing commercial stock"),
    "production": ("t", "Output of processes"),
    "process_use": ("t", "Inputs consumed by processes"),
    "imports": ("t", "Shipments arriving"),
    "exports": ("t", "Shipments leaving"),
    "final_use": ("t", "Deliveries to end-use sectors"),
    "release": ("t", "Strategic stock released into the commercial stock"),
    "demand": ("t", "End-use demand after substitution"),
    "delivered": ("t", "End-use deliveries"),
    "shortfall": ("t", "End-use demand not met"),
    "lost_output": ("USD", "Shortfall x value of output per tonne (USD at the price year of values.csv)"),
    "trade": ("t", "Shipments on each link (by shipping day)"),
    "price_index": ("1", "Price relative to baseline, per market and product"),
}


def to_dataset(traj: Trajectories, net: SupplyNetwork, scenario: Scenario, dates: np.ndarray) -> xr.Dataset:
    """Label engine arrays: every dimension always present, units in attributes."""
    from supplyshock import __version__

    coords = {
        "scenario": [scenario.name],
        "member": np.arange(traj.members),
        "time": dates.astype("datetime64[ns]"),
        "country": net.countries,
        "product": net.products,
        "sector": net.sectors,
        "link": np.arange(traj.links.n),
        "market": ["china", "outside_china"],
        "link_exporter": ("link", [net.countries[i] for i in traj.links.exporter]),
        "link_importer": ("link", [net.countries[i] for i in traj.links.importer]),
        "link_product": ("link", [net.products[i] for i in traj.links.product]),
        "link_baseline_t": ("link", traj.links.flow0),
    }
    data_vars = {}
    for name, arr in traj.arrays.items():
        dims: tuple[str, ...]
        if name in NODE_VARS:
            dims = ("scenario", "member", "time", "country", "product")
        elif name in SECTOR_VARS:
            dims = ("scenario", "member", "time", "country", "sector")
        elif name == "trade":
            dims = ("scenario", "member", "time", "link")
        else:
            dims = ("scenario", "member", "time", "market", "product")
        units, desc = UNITS[name]
        data_vars[name] = xr.Variable(dims, arr[None], attrs={"units": units, "description": desc})
    ds = xr.Dataset(data_vars, coords=coords)
    ds["value_per_t"] = xr.Variable(("country", "sector"), net.value_per_t, attrs={"units": "USD/t"})
    ds["price0"] = xr.Variable(("product",), net.price0, attrs={"units": "USD/t", "description": "2024 price, NaN where no source"})
    ds.attrs.update(
        {
            "supplyshock_version": __version__,
            "scenario_name": scenario.name,
            "scenario_sha256": scenario_sha256(scenario),
            "dataset": scenario.dataset,
            "seed": int(scenario.seed),
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "scenario_yaml": scenario.model_dump_json(by_alias=True),
            "start": scenario.start.isoformat(),
            "horizon_days": int(scenario.horizon_days),
        }
    )
    return ds


def run_scenario(
    scenario: Scenario,
    network: SupplyNetwork | None = None,
    *,
    members: int | None = None,
    params: Mapping[str, np.ndarray | float] | None = None,
    record: tuple[str, ...] = RECORDABLE,
    progress: Callable[[int], None] | None = None,
    check: bool = False,
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
        Engine parameters per member (see :data:`supplyshock.engine.BEHAVIOUR_PARAMETERS`).
    record, progress, check
        As in :func:`supplyshock.engine.simulate`.
    """
    net = apply_overrides(network or load_network(scenario.dataset), scenario)
    links = build_links(net)
    policy = compile_policy(net, scenario, links)
    n = members or scenario.members
    drawn = member_parameters(scenario, n)
    drawn.update({k: np.broadcast_to(np.asarray(v, dtype=float), (n,)).copy() for k, v in (params or {}).items()})
    traj = simulate(
        net,
        links,
        policy,
        members=n,
        params=drawn,
        allocation=scenario.allocation,
        record=record,
        progress=progress,
        check=check,
    )
    ds = to_dataset(traj, net, scenario, policy.dates)
    if drawn:
        names = sorted(drawn)
        ds["parameter_value"] = xr.Variable(
            ("member", "parameter"),
            np.stack([drawn[k] for k in names], axis=1),
            attrs={"description": "Engine parameter values of each member (sampled or given)"},
        )
        ds = ds.assign_coords(parameter=names)
    return ds


def member_parameters(scenario: Scenario, members: int) -> dict[str, np.ndarray]:
    """The scenario's uncertain parameters sampled for ``members`` members (seeded).

    Members are drawn all at once, so member i has the same values whatever the chunking
    of a later run.
    """
    if not scenario.uncertain:
        return {}
    return sample(scenario.uncertain, scenario.correlation, members, seed=scenario.seed, method=scenario.sampler)


def run(
    scenario: str | Path | Scenario,
    *,
    network: SupplyNetwork | None = None,
    members: int | None = None,
    params: Mapping[str, np.ndarray | float] | None = None,
    progress: Callable[[int], None] | None = None,
    check: bool = False,
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
