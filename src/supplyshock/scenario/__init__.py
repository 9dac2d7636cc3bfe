"""Scenarios: typed policy events on a timeline, read from YAML, compiled to daily arrays."""

from supplyshock.scenario.events import EVENT_CLASSES, EVENT_TYPES, Event, EventDescription
from supplyshock.scenario.loader import (
    Problem,
    apply_overrides,
    base_network,
    builtin_scenarios,
    load_scenario,
    scenario_network,
    scenario_sha256,
    scenario_text,
    validate_file,
    validate_text,
)
from supplyshock.scenario.model import Override, Scenario
from supplyshock.scenario.policy import Policy, compile_policy

__all__ = [
    "EVENT_CLASSES",
    "EVENT_TYPES",
    "Event",
    "EventDescription",
    "Override",
    "Policy",
    "Problem",
    "Scenario",
    "apply_overrides",
    "base_network",
    "builtin_scenarios",
    "compile_policy",
    "load_scenario",
    "scenario_network",
    "scenario_sha256",
    "scenario_text",
    "validate_file",
    "validate_text",
]
