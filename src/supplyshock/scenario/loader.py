"""Read and validate scenario files.

Validation happens in two tiers (PyPSA's pattern): *parse* (YAML syntax, types, ranges,
unknown keys) and *reference* (codes known to the dataset, dates inside the horizon,
agreements naming existing controls). Every problem is reported with the file, the key
path, the line and a hint; :func:`validate_file` returns them all, :func:`load_scenario`
raises :class:`~supplyshock.errors.ScenarioError` listing them.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from supplyshock.errors import ScenarioError
from supplyshock.network import SupplyNetwork
from supplyshock.safeyaml import MAX_FILE_BYTES, YamlProblem, parse_yaml, read_text_file
from supplyshock.scenario.events import EVENT_TYPES
from supplyshock.scenario.events.base import CheckContext
from supplyshock.scenario.model import Scenario
from supplyshock.scenario.uncertainty import sample
from supplyshock.schema import PARAMETERS

__all__ = ["Problem", "builtin_scenarios", "load_scenario", "scenario_text", "validate_file", "validate_text"]


@dataclass(frozen=True)
class Problem:
    """One problem in a scenario file."""

    file: str
    path: str
    line: int | None
    message: str
    hint: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        key = f" {self.path}:" if self.path else ""
        hint = f" (hint: {self.hint})" if self.hint else ""
        return f"{where}:{key} {self.message}{hint}"


def builtin_scenarios() -> dict[str, Path]:
    """Names and paths of the scenarios shipped with the package."""
    folder = resources.files("supplyshock") / "scenario" / "builtin"
    return {Path(str(p)).stem: Path(str(p)) for p in folder.iterdir() if str(p).endswith(".yaml")}


def scenario_text(name_or_path: str | Path) -> tuple[str, str]:
    """Return (label, text) of a built-in scenario name or a file path.

    Raises
    ------
    ScenarioError
        No such file (and no such built-in), a folder or a device, a file too large or
        not UTF-8.
    """
    builtins = builtin_scenarios()
    if isinstance(name_or_path, str) and name_or_path in builtins:
        path = builtins[name_or_path]
    else:
        path = Path(name_or_path)
        if not path.exists():
            raise ScenarioError(f"{name_or_path}: no such file and not a built-in scenario; built-ins: {', '.join(sorted(builtins))}")
    return str(path), read_text_file(path, what="scenario", error=ScenarioError, max_bytes=MAX_FILE_BYTES)


def _line_for(lines: dict[tuple[Any, ...], int], loc: tuple[Any, ...]) -> int | None:
    for n in range(len(loc), -1, -1):
        if loc[:n] in lines:
            return lines[loc[:n]]
    return None


def _key_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


_HINTS = {
    "extra_forbidden": "remove the key or check its spelling against docs/scenario-format.md",
    "missing": "add the key",
    "less_than_equal": "use a smaller value",
    "greater_than_equal": "use a larger value",
    "date_from_datetime_parsing": "write dates as YYYY-MM-DD",
    "date_parsing": "write dates as YYYY-MM-DD",
    "union_tag_invalid": "type must be one of " + ", ".join(EVENT_TYPES),
    "union_tag_not_found": "every event needs a 'type'",
}


def _parse(text: str, label: str) -> tuple[Scenario | None, list[Problem], dict[tuple[Any, ...], int]]:
    try:
        doc = parse_yaml(text)
    except YamlProblem as exc:
        return None, [Problem(label, "", exc.line, exc.message, exc.hint)], {}
    data = doc.data
    if not isinstance(data, dict):
        return None, [Problem(label, "", 1, "a scenario must be a YAML mapping (name: ..., start: ..., events: [...])")], {}
    lines = doc.line_index()
    try:
        return Scenario.model_validate(data), [], lines
    except ValidationError as exc:
        problems = []
        seen: set[str] = set()
        for err in exc.errors():
            # drop the names pydantic gives the alternatives of a union (e.g. 'constrained-float',
            # 'list[ApprovalStep]'): one problem per key, not one per alternative
            loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and _UNION_MEMBER.match(p)))
            # drop the discriminator tag pydantic inserts into event paths
            clean = loc
            if len(loc) > 2 and loc[0] == "events" and loc[2] in _TAGS:
                clean = (*loc[:2], *loc[3:])
            msg = err["msg"]
            if err["type"] == "extra_forbidden":
                msg = "unknown key"
            key = _key_path(clean)
            if key in seen:
                continue
            seen.add(key)
            problems.append(Problem(label, key, _line_for(lines, clean), msg, _hint(err)))
        return None, problems, lines


#: Hints of keys whose bounds need saying in words.
_FIELD_HINTS = {"horizon_days": "a run covers 1 to 3650 days (ten years); split a longer study into several runs"}


def _hint(err: Any) -> str:
    """The hint of a validation error: the key's own, else by the error (a bound of 1 is a share's)."""
    field = next((p for p in reversed(err["loc"]) if isinstance(p, str)), "")
    if field in _FIELD_HINTS:
        return _FIELD_HINTS[field]
    if err["type"] == "less_than_equal":
        return "use a smaller value (shares lie between 0 and 1)" if (err.get("ctx") or {}).get("le") == 1 else "use a smaller value"
    return _HINTS.get(err["type"], "")


_UNION_MEMBER = re.compile(r"^(constrained-|function-|list\[|dict\[|float$|int$|str$|bool$|date$)")
_TAGS = set(EVENT_TYPES)


def _reference_checks(s: Scenario, net: SupplyNetwork, label: str, lines: dict[tuple[Any, ...], int]) -> list[Problem]:
    problems: list[Problem] = []

    def add(loc: tuple[Any, ...], msg: str, hint: str = "") -> None:
        problems.append(Problem(label, _key_path(loc), _line_for(lines, loc), msg, hint))

    ids = {e.id: e for e in s.events if e.id}
    seen_ids: set[str] = set()
    for i, ev in enumerate(s.events):
        if ev.id:
            if ev.id in seen_ids:
                add(("events", i, "id"), f"event id {ev.id!r} is used twice", "give every event its own id")
            seen_ids.add(ev.id)
        prefix: tuple[Any, ...] = ("events", i)
        ctx = CheckContext(
            countries=set(net.countries),
            products=set(net.products),
            processes=set(net.processes),
            sectors=set(net.sectors),
            start=s.start,
            end=s.end,
            events_by_id=ids,
            report=lambda loc, msg, hint, prefix=prefix: add((*prefix, *loc), msg, hint),  # type: ignore[misc]
        )
        ev.check(ctx)
    for name, value in s.parameters.items():
        spec = PARAMETERS.get(name)
        if spec is None and name not in net.params:
            known = sorted(set(PARAMETERS) | set(net.params))
            add(("parameters", name), f"unknown parameter {name!r}", f"known: {', '.join(known)}")
            continue
        problem = spec.check(value) if spec is not None else (f"{name} = {value:g} must be >= 0" if value < 0 else None)
        if problem:
            bounds = f"allowed: {spec.bounds_text}" if spec is not None else "allowed: >= 0"
            add(("parameters", name), problem, bounds)
    if s.uncertain:
        try:
            sample(s.uncertain, s.correlation, 2, seed=s.seed, method="random")
        except ValueError as exc:
            add(("correlation",), str(exc), "weaken the correlations")
    return problems


def validate_text(text: str, label: str = "<scenario>", *, network: SupplyNetwork | None = None) -> tuple[Scenario | None, list[Problem]]:
    """Validate scenario text; return the scenario (None if invalid) and all problems.

    Parameters
    ----------
    text : str
        The scenario YAML.
    label : str
        Its name in messages (a file name).
    network : SupplyNetwork, optional
        Check references against this network instead of the scenario's ``dataset``.
    """
    from supplyshock.errors import DataError

    scenario, problems, lines = _parse(text, label)
    if scenario is None:
        return None, problems
    try:
        net = network if network is not None else base_network(scenario)
    except DataError as exc:
        return None, [Problem(label, "dataset", _line_for(lines, ("dataset",)), str(exc))]
    problems = _reference_checks(scenario, net, label, lines)
    if not problems and (scenario.overrides or scenario.parameters):
        try:
            apply_overrides(net, scenario)
        except DataError as exc:
            problems.append(Problem(label, "overrides", _line_for(lines, ("overrides",)), str(exc)))
    return (scenario if not problems else None), problems


def validate_file(name_or_path: str | Path) -> tuple[Scenario | None, list[Problem]]:
    """Validate a scenario file or built-in name; return it (or None) and all problems."""
    label, text = scenario_text(name_or_path)
    return validate_text(text, label)


def _with_parameters(net: SupplyNetwork, parameters: dict[str, float], *, only_known: bool = False) -> SupplyNetwork:
    names = [k for k in parameters if not only_known or k in net.params or k in PARAMETERS]
    if not names:
        return net
    items: list[dict[str, Any]] = [{"table": "parameters", "match": {"name": k}, "set": {"value": parameters[k]}} for k in names]
    return net.with_overrides(items, origin="parameters")


def apply_overrides(net: SupplyNetwork, scenario: Scenario) -> SupplyNetwork:
    """The dataset with the scenario's ``parameters`` and ``overrides`` applied."""
    out = _with_parameters(net, scenario.parameters)
    if scenario.overrides:
        out = out.with_overrides([o.model_dump() for o in scenario.overrides], origin="overrides")
    if out is not net:
        out.check()
    return out


def base_network(scenario: Scenario) -> SupplyNetwork:
    """The dataset(s) a scenario names, before its overrides.

    Several datasets are combined into one network (:func:`supplyshock.network.combine`),
    each after the scenario's ``parameters`` (so a parameter the datasets disagree on can
    be set once in the scenario); the combined network is returned with those parameters
    applied, so :func:`apply_overrides` only adds the table overrides.
    """
    from supplyshock.network import combine, load_network

    if not isinstance(scenario.dataset, list):
        return load_network(scenario.dataset)
    parts = [_with_parameters(load_network(n), scenario.parameters, only_known=True) for n in scenario.dataset]
    return combine(parts)


def scenario_network(scenario: Scenario, network: SupplyNetwork | None = None) -> SupplyNetwork:
    """The network a scenario runs on: its dataset(s) (or ``network``) with its parameters and overrides applied."""
    return apply_overrides(network if network is not None else base_network(scenario), scenario)


def load_scenario(name_or_path: str | Path) -> Scenario:
    """Load and validate a scenario by built-in name or file path.

    Raises
    ------
    ScenarioError
        Listing every problem found (file:line: key: message (hint)).

    Examples
    --------
    >>> load_scenario("baseline").events
    []
    """
    label, text = scenario_text(name_or_path)
    scenario, problems = validate_text(text, label)
    if scenario is None:
        if len(problems) == 1:
            raise ScenarioError(str(problems[0]))
        raise ScenarioError(f"{label}: {len(problems)} problems:\n" + "\n".join(f"  {p}" for p in problems))
    return scenario


def scenario_sha256(scenario: Scenario) -> str:
    """A stable hash of the scenario's content (for the run store)."""
    return hashlib.sha256(scenario.model_dump_json(by_alias=True).encode()).hexdigest()
