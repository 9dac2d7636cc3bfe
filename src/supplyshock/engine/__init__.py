"""The simulation engine: scenario -> daily policy arrays -> material model -> Dataset."""

from supplyshock.engine.compile import Links, Policy, build_links, compile_policy
from supplyshock.engine.run import run, run_scenario
from supplyshock.engine.simulate import BEHAVIOUR_PARAMETERS, RECORDABLE, Trajectories, simulate

__all__ = [
    "BEHAVIOUR_PARAMETERS",
    "RECORDABLE",
    "Links",
    "Policy",
    "Trajectories",
    "build_links",
    "compile_policy",
    "run",
    "run_scenario",
    "simulate",
]
