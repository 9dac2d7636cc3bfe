"""The simulation engine: fixed arrays, an explicit state, a pure daily step, the time loop.

Layers: :mod:`~supplyshock.engine.setup` (what a run holds fixed),
:mod:`~supplyshock.engine.state` (what changes), :mod:`~supplyshock.engine.step` (one
day), :mod:`~supplyshock.engine.simulate` (the loop), :mod:`~supplyshock.engine.results`
(variables and labels), :mod:`~supplyshock.engine.guards` (invariants),
:mod:`~supplyshock.engine.run` (scenario in, Dataset out). The engine knows no mineral
and no country: markets and headline flows come from the dataset.
"""

from supplyshock.engine.results import RECORDABLE, VARIABLES, to_dataset
from supplyshock.engine.run import Prepared, member_values, prepare, run, run_scenario
from supplyshock.engine.setup import Setup, build_setup, initial_stocks, member_parameters
from supplyshock.engine.simulate import Observer, Trajectories, run_days, simulate
from supplyshock.engine.state import State, initial_state
from supplyshock.engine.step import DayFlows, step
from supplyshock.network import Links, build_links
from supplyshock.scenario.policy import Policy, compile_policy

__all__ = [
    "RECORDABLE",
    "VARIABLES",
    "DayFlows",
    "Links",
    "Observer",
    "Policy",
    "Prepared",
    "Setup",
    "State",
    "Trajectories",
    "build_links",
    "build_setup",
    "compile_policy",
    "initial_state",
    "initial_stocks",
    "member_parameters",
    "member_values",
    "prepare",
    "run",
    "run_days",
    "run_scenario",
    "simulate",
    "step",
    "to_dataset",
]
