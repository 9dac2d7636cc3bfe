"""supplyshock: who runs short when a country restricts exports of a critical mineral.

Examples
--------
>>> import supplyshock as ss
>>> net = ss.load_network("rare-earths")
>>> scenario = ss.load_scenario("cn-2025-april-controls")
>>> ds = ss.run(scenario, network=net)
>>> table = ss.summarise(ds)
>>> money = ss.economic_impact(ds)  # lost output and value added through the MRIO
"""

from supplyshock._version import __version__
from supplyshock.analysis.economy import economic_impact
from supplyshock.analysis.memory import run  # the engine's run, after the memory check
from supplyshock.analysis.summary import summarise
from supplyshock.engine import run_scenario
from supplyshock.network import SupplyNetwork, list_datasets, load_network
from supplyshock.scenario import Scenario, builtin_scenarios, load_scenario, validate_file

__all__ = [
    "Scenario",
    "SupplyNetwork",
    "__version__",
    "builtin_scenarios",
    "economic_impact",
    "list_datasets",
    "load_network",
    "load_scenario",
    "run",
    "run_scenario",
    "summarise",
    "validate_file",
]
