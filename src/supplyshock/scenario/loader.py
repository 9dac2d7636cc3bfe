"""Read and validate scenario files.

Validation happens in two tiers (PyPSA's pattern): *parse* (YAML syntax, types, ranges,
unknown keys) and *reference* (codes known to the dataset, dates inside the horizon,
agreements naming existing controls). Every problem is reported with the file, the key
path, the line and a hint; :func:`validate_file` returns them all, :func:`load_scenario`
raises :class:`~supplyshock.errors.ScenarioError` listing them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from supplyshock.errors import ScenarioError
from supplyshock.network import SupplyNetwork
from supplyshock.scenario.models import (
    Agreement,
    CapacityChange,
    Quota,
    Scenario,
    StockpileRelease,
    Substitution,
    Tariff,
    _Control,
)
from supplyshock.scenario.uncertainty import MINIMUM, POSITIVE, sample

__all__ = ["Problem", "builtin_scenarios", "load_scenario", "scenario_text", "validate_file", "validate_text"]

MAX_FILE_BYTES = 1_000_000


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
    """Return (label, text) of a built-in scenario name or a file path."""
    builtins = builtin_scenarios()
    if isinstance(name_or_path, str) and name_or_path in builtins:
        path = builtins[name_or_path]
    else:
        path = Path(name_or_path)
        if not path.is_file():
            raise ScenarioError(f"{name_or_path}: no such file and not a built-in scenario; built-ins: {', '.join(sorted(builtins))}")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ScenarioError(f"{path}: file larger than {MAX_FILE_BYTES} bytes; a scenario is a short YAML file")
    try:
        return str(path), path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ScenarioError(f"{path}: not UTF-8 text; save the scenario as UTF-8 YAML") from None


def _line_index(node: yaml.Node | None, prefix: tuple[Any, ...], out: dict[tuple[Any, ...], int]) -> None:
    """Map key paths to line numbers (1-based) of a composed YAML document."""
    if node is None:
        return
    out.setdefault(prefix, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            out[(*prefix, k.value)] = k.start_mark.line + 1
            _line_index(v, (*prefix, k.value), out)
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            _line_index(v, (*prefix, i), out)


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
    "less_than_equal": "use a smaller value (shares lie between 0 and 1)",
    "greater_than_equal": "use a larger value",
    "date_from_datetime_parsing": "write dates as YYYY-MM-DD",
    "date_parsing": "write dates as YYYY-MM-DD",
    "union_tag_invalid": "type must be one of export_ban, licence, quota, tariff, agreement, stockpile_release, capacity_change, substitution",
    "union_tag_not_found": "every event needs a 'type'",
}


def _parse(text: str, label: str) -> tuple[Scenario | None, list[Problem]]:
    try:
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        msg = getattr(exc, "problem", None) or str(exc)
        return None, [Problem(label, "", line, f"not valid YAML: {msg}", "check indentation and quoting")]
    except ValueError as exc:  # e.g. an impossible date such as 2025-02-30
        return None, [Problem(label, "", None, f"not valid YAML: {exc}", "write dates as YYYY-MM-DD with a real day")]
    if not isinstance(data, dict):
        return None, [Problem(label, "", 1, "a scenario must be a YAML mapping (name: ..., start: ..., events: [...])")]
    lines: dict[tuple[Any, ...], int] = {}
    _line_index(node, (), lines)
    try:
        return Scenario.model_validate(data), []
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
            problems.append(Problem(label, key, _line_for(lines, clean), msg, _HINTS.get(err["type"], "")))
        return None, problems


_UNION_MEMBER = re.compile(r"^(constrained-|function-|list\[|dict\[|float$|int$|str$|bool$|date$)")
_TAGS = {"export_ban", "licence", "quota", "tariff", "agreement", "stockpile_release", "capacity_change", "substitution"}


def _reference_checks(s: Scenario, net: SupplyNetwork, label: str, lines: dict[tuple[Any, ...], int]) -> list[Problem]:
    problems: list[Problem] = []
    countries, products = set(net.countries), set(net.products)
    processes, sectors = set(net.processes), set(net.sectors)
    end = s.end

    def add(loc: tuple[Any, ...], msg: str, hint: str = "") -> None:
        problems.append(Problem(label, _key_path(loc), _line_for(lines, loc), msg, hint))

    def codes(loc: tuple[Any, ...], values: Any, known: set[str], what: str) -> None:
        if values == "all":
            return
        for i, v in enumerate([values] if isinstance(values, str) else values):
            if v not in known:
                plural = {"country": "countries", "process": "processes"}.get(what, what + "s")
                add((*loc, i) if not isinstance(values, str) else loc, f"unknown {what} {v!r}", f"known {plural}: {', '.join(sorted(known))}")

    def in_horizon(loc: tuple[Any, ...], d: dt.date | None, what: str = "date") -> None:
        if d is not None and not (s.start <= d < end):
            add(
                loc,
                f"{what} {d} is outside the horizon {s.start} .. {end - dt.timedelta(days=1)}",
                "move the date inside the horizon or change start/horizon_days",
            )

    ids = {e.id: e for e in s.events if e.id}
    seen_ids: set[str] = set()
    for i, ev in enumerate(s.events):
        if ev.id:
            if ev.id in seen_ids:
                add(("events", i, "id"), f"event id {ev.id!r} is used twice", "give every event its own id")
            seen_ids.add(ev.id)
        loc: tuple[Any, ...] = ("events", i)
        if isinstance(ev, _Control):
            codes((*loc, "exporter"), ev.exporter, countries, "country")
            codes((*loc, "products"), ev.products, products, "product")
            codes((*loc, "destinations"), ev.destinations, countries, "country")
            in_horizon((*loc, "start"), ev.start, "start")
            if isinstance(ev, Quota) and ev.share_of_baseline is None and ev.tonnes_per_year == 0:
                pass
            wl = getattr(ev, "whitelist", [])
            for k, w in enumerate(wl):
                codes((*loc, "whitelist", k, "importer"), w.importer, countries, "country")
        elif isinstance(ev, Tariff):
            codes((*loc, "exporter"), ev.exporter, countries, "country")
            codes((*loc, "importer"), ev.importer, countries, "country")
            codes((*loc, "products"), ev.products, products, "product")
            in_horizon((*loc, "start"), ev.start, "start")
        elif isinstance(ev, Agreement):
            in_horizon((*loc, "date"), ev.date)
            codes((*loc, "parties"), ev.parties, countries, "country")
            for k, ch in enumerate(ev.changes):
                target = ids.get(ch.event)
                if not isinstance(target, _Control):
                    add((*loc, "changes", k, "event"), f"no control with id {ch.event!r}", "give the control an 'id' and refer to it here")
            for k, tc in enumerate(ev.tariff_changes):
                if not isinstance(ids.get(str(tc.get("event"))), Tariff):
                    add((*loc, "tariff_changes", k, "event"), f"no tariff with id {tc.get('event')!r}")
                rate = tc.get("rate")
                if not isinstance(rate, int | float) or rate < 0:
                    add((*loc, "tariff_changes", k, "rate"), f"rate {rate!r} must be a number >= 0")
            for k, cm in enumerate(ev.commitments):
                codes((*loc, "commitments", k, "exporter"), cm.exporter, countries, "country")
                codes((*loc, "commitments", k, "importer"), cm.importer, countries, "country")
                codes((*loc, "commitments", k, "product"), cm.product, products, "product")
        elif isinstance(ev, StockpileRelease):
            codes((*loc, "country"), ev.country, countries, "country")
            codes((*loc, "product"), ev.product, products, "product")
            in_horizon((*loc, "start"), ev.start, "start")
        elif isinstance(ev, CapacityChange):
            codes((*loc, "country"), ev.country, countries, "country")
            codes((*loc, "process"), ev.process, processes, "process")
            in_horizon((*loc, "decided"), ev.decided, "decided")
        elif isinstance(ev, Substitution):
            codes((*loc, "countries"), ev.countries, countries, "country")
            codes((*loc, "sectors"), ev.sectors, sectors, "sector")
            in_horizon((*loc, "start"), ev.start, "start")
    for name, value in s.parameters.items():
        if name not in net.params:
            add(("parameters", name), f"unknown parameter {name!r}", f"known: {', '.join(sorted(net.params))}")
        elif name in MINIMUM and value < MINIMUM[name]:
            add(("parameters", name), f"{name} = {value} must be >= {MINIMUM[name]} (numerical stability)")
        elif name in POSITIVE and value <= 0:
            add(("parameters", name), f"{name} = {value} must be > 0")
        elif value < 0:
            add(("parameters", name), f"{name} = {value} must be >= 0")
    if s.uncertain:
        try:
            sample(s.uncertain, s.correlation, 2, seed=s.seed, method="random")
        except ValueError as exc:
            add(("correlation",), str(exc), "weaken the correlations")
    return problems


def validate_text(text: str, label: str = "<scenario>") -> tuple[Scenario | None, list[Problem]]:
    """Validate scenario text; return the scenario (None if invalid) and all problems."""
    from supplyshock.errors import DataError
    from supplyshock.network import load_network

    scenario, problems = _parse(text, label)
    if scenario is None:
        return None, problems
    lines: dict[tuple[Any, ...], int] = {}
    _line_index(yaml.compose(text), (), lines)
    try:
        net = load_network(scenario.dataset)
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


def apply_overrides(net: SupplyNetwork, scenario: Scenario) -> SupplyNetwork:
    """The dataset with the scenario's ``parameters`` and ``overrides`` applied."""
    params: list[dict[str, Any]] = [{"table": "parameters", "match": {"name": k}, "set": {"value": v}} for k, v in scenario.parameters.items()]
    out = net
    if params:
        out = out.with_overrides(params, origin="parameters")
    if scenario.overrides:
        out = out.with_overrides([o.model_dump() for o in scenario.overrides], origin="overrides")
    if out is not net:
        out.check()
    return out


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
