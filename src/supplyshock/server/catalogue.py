"""What the server offers before anything runs: embedded datasets, built-in scenarios, checked scenario text.

Datasets and built-in scenarios are read once per process (they are package data).
Scenario text from a request is checked by :func:`read_scenario_text`: first for safety
(size, YAML expansion, embedded datasets only), then by the scenario validator.
"""

from __future__ import annotations

import functools
from typing import Any

import pandas as pd

from supplyshock.errors import SupplyShockError
from supplyshock.network import list_datasets, load_network
from supplyshock.scenario import Problem, Scenario, builtin_scenarios, load_scenario, validate_text
from supplyshock.server.models import MAX_YAML_CHARS, ProblemInfo
from supplyshock.server.safety import UnsafeInput, check_yaml
from supplyshock.server.scenarios import key_parameters

__all__ = ["builtin", "dataset_sources", "datasets", "read_scenario_text", "scenario_info"]


@functools.lru_cache(maxsize=1)
def builtin() -> dict[str, tuple[Scenario, str]]:
    """Built-in scenarios by name: (Scenario, YAML text)."""
    return {name: (load_scenario(name), path.read_text(encoding="utf-8")) for name, path in sorted(builtin_scenarios().items())}


@functools.lru_cache(maxsize=1)
def datasets() -> list[dict[str, Any]]:
    """The embedded datasets, described once (fields of :class:`~supplyshock.server.models.DatasetInfo`)."""
    out = []
    for name in list_datasets():
        net = load_network(name, check=False)
        counts = net.sources()["basis"].astype(str).value_counts()
        out.append(
            {
                "name": name,
                "countries": list(net.countries),
                "products": list(net.products),
                "sectors": list(net.sectors),
                "sources": {str(k): int(v) for k, v in counts.items()},
            }
        )
    return out


@functools.lru_cache(maxsize=4)
def dataset_sources(name: str) -> pd.DataFrame:
    """The source of every figure of an embedded dataset."""
    return load_network(name, check=False).sources()


def scenario_info(scenario: Scenario) -> dict[str, Any]:
    """A scenario as the API lists it (fields of :class:`~supplyshock.server.models.ScenarioInfo`)."""
    return {
        "name": scenario.name,
        "description": " ".join(scenario.description.split()),
        "dataset": scenario.dataset_name,
        "datasets": scenario.dataset if isinstance(scenario.dataset, list) else [scenario.dataset],
        "start": scenario.start.isoformat(),
        "horizon_days": int(scenario.horizon_days),
        "members": int(scenario.members),
        "events": len(scenario.events),
        "parameters": key_parameters(scenario),
    }


def _problems(problems: list[Problem]) -> list[ProblemInfo]:
    return [ProblemInfo(path=p.path, line=p.line, message=p.message, hint=p.hint) for p in problems]


def read_scenario_text(text: str) -> tuple[Scenario | None, list[ProblemInfo]]:
    """Check scenario text from a request safely, then validate it.

    Parameters
    ----------
    text
        Scenario YAML.

    Returns
    -------
    tuple
        The scenario (None when it has problems) and its problems.
    """
    try:
        check_yaml(text, list_datasets(), max_chars=MAX_YAML_CHARS)
    except UnsafeInput as exc:
        return None, [ProblemInfo(path="", message=str(exc))]
    try:
        scenario, problems = validate_text(text, "scenario")
    except (SupplyShockError, ValueError, TypeError, KeyError, RecursionError) as exc:
        return None, [ProblemInfo(path="", message=f"cannot read the scenario: {' '.join(str(exc).split())}")]
    return scenario, _problems(problems)
