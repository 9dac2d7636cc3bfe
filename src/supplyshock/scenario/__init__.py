"""Scenarios: typed policy events on a timeline, read from YAML."""

from supplyshock.scenario.loader import (
    Problem,
    apply_overrides,
    builtin_scenarios,
    load_scenario,
    scenario_sha256,
    scenario_text,
    validate_file,
    validate_text,
)
from supplyshock.scenario.models import EVENT_TYPES, Scenario

__all__ = [
    "EVENT_TYPES",
    "Problem",
    "Scenario",
    "apply_overrides",
    "builtin_scenarios",
    "load_scenario",
    "scenario_sha256",
    "scenario_text",
    "validate_file",
    "validate_text",
]
