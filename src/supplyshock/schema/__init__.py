"""The schema, kept as data: every parameter and every dataset table, in one place.

Three CSV files beside this module declare what the code reads:

- ``parameters.csv``: each parameter's name, scope (``engine``: read by the daily model and
  may differ per ensemble member; ``dataset``: read when the network is built), unit,
  default, bounds, whether a scenario may declare it uncertain, and what it does;
- ``tables.csv``: each dataset table, whether it is required and its key columns;
- ``columns.csv``: each table's columns with type, unit, whether required and whether
  negative values are refused;
- ``metrics.csv``: each result metric a run reports, its unit, its level (``sector``: per
  member, country and end-use sector; ``loss``: money lost through the input-output model,
  per member and in total or per country) and its meaning.

Validation (datasets, scenario ``parameters:`` and ``uncertain:``), the engine's defaults,
the list of uncertain parameters and the tables in ``docs/`` are all derived from these
files (as PyPSA derives its components from ``component_attrs/*.csv``); a test fails when
the docs and the schema disagree.

Examples
--------
>>> from supplyshock import schema
>>> schema.PARAMETERS["utilisation"].default
0.85
>>> schema.PARAMETERS["utilisation"].check(1.2)
'utilisation = 1.2 must be <= 1'
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from importlib import resources
from typing import Literal

__all__ = [
    "BASES",
    "COLUMNS",
    "METRICS",
    "PARAMETERS",
    "TABLES",
    "Column",
    "Metric",
    "Parameter",
    "Table",
    "defaults",
    "engine_parameters",
    "markdown_columns",
    "markdown_parameters",
    "markdown_table",
    "uncertain_parameters",
]


def _read(name: str) -> list[dict[str, str]]:
    text = (resources.files("supplyshock.schema") / name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@dataclass(frozen=True)
class Parameter:
    """One parameter: where it acts, its unit, default, bounds and meaning."""

    name: str
    scope: Literal["engine", "dataset"]
    unit: str
    default: float
    minimum: float | None
    minimum_exclusive: bool
    maximum: float | None
    uncertain: bool
    description: str

    def check(self, value: float) -> str | None:
        """A message when ``value`` is outside the bounds, else None."""
        if self.minimum is not None:
            if self.minimum_exclusive and not value > self.minimum:
                return f"{self.name} = {value:g} must be > {self.minimum:g}"
            if not self.minimum_exclusive and not value >= self.minimum:
                return f"{self.name} = {value:g} must be >= {self.minimum:g}"
        if self.maximum is not None and not value <= self.maximum:
            return f"{self.name} = {value:g} must be <= {self.maximum:g}"
        return None

    @property
    def bounds_text(self) -> str:
        """The allowed range in words, e.g. ``> 0``, ``>= 2``, ``(0, 1]``."""
        lo = None if self.minimum is None else f"{'>' if self.minimum_exclusive else '>='} {self.minimum:g}"
        if self.maximum is None:
            return lo or "any"
        if self.minimum is None:
            return f"<= {self.maximum:g}"
        left = "(" if self.minimum_exclusive else "["
        return f"{left}{self.minimum:g}, {self.maximum:g}]"


@dataclass(frozen=True)
class Column:
    """One column of a dataset table."""

    table: str
    name: str
    dtype: Literal["code", "text", "float"]
    unit: str
    required: bool
    nonnegative: bool
    description: str


@dataclass(frozen=True)
class Table:
    """One dataset table (a CSV file of a dataset folder)."""

    name: str
    required: bool
    key: tuple[str, ...]
    description: str
    columns: tuple[Column, ...]

    @property
    def required_columns(self) -> list[str]:
        """Columns every file of this table must have."""
        return [c.name for c in self.columns if c.required]

    @property
    def numeric_columns(self) -> list[str]:
        """Columns read as numbers."""
        return [c.name for c in self.columns if c.dtype == "float"]

    @property
    def nonnegative_columns(self) -> list[str]:
        """Numeric columns that must be >= 0."""
        return [c.name for c in self.columns if c.nonnegative]


def _opt_float(text: str) -> float | None:
    return float(text) if text.strip() else None


def _load_parameters() -> dict[str, Parameter]:
    out: dict[str, Parameter] = {}
    for row in _read("parameters.csv"):
        scope = row["scope"]
        if scope not in ("engine", "dataset"):
            raise ValueError(f"schema/parameters.csv: {row['name']}: unknown scope {scope!r}")
        out[row["name"]] = Parameter(
            name=row["name"],
            scope=scope,  # type: ignore[arg-type]
            unit=row["unit"],
            default=float(row["default"]),
            minimum=_opt_float(row["minimum"]),
            minimum_exclusive=row["minimum_exclusive"] == "yes",
            maximum=_opt_float(row["maximum"]),
            uncertain=row["uncertain"] == "yes",
            description=row["description"],
        )
    return out


def _load_tables() -> tuple[dict[str, Table], list[Column]]:
    cols = [
        Column(
            table=r["table"],
            name=r["column"],
            dtype=r["dtype"],  # type: ignore[arg-type]
            unit=r["unit"],
            required=r["required"] == "yes",
            nonnegative=r["nonnegative"] == "yes",
            description=r["description"],
        )
        for r in _read("columns.csv")
    ]
    tables = {
        r["table"]: Table(
            name=r["table"],
            required=r["required"] == "yes",
            key=tuple(k.strip() for k in r["key"].split(",") if k.strip()),
            description=r["description"],
            columns=tuple(c for c in cols if c.table == r["table"]),
        )
        for r in _read("tables.csv")
    }
    return tables, cols


#: What a figure's ``basis`` column may say, and what each word means. ``override`` and
#: ``default`` are set by the code (a scenario's override, a schema default), never in a file.
BASES: dict[str, str] = {
    "reported": "taken from the cited source as published",
    "derived": "computed from reported figures (the source says how)",
    "fitted": "estimated by a backtest on the observations the source names",
    "assumption": "no figure found; a stated assumption a scenario may change",
    "definition": "true by definition (a unit, an identity)",
}


@dataclass(frozen=True)
class Metric:
    """One result metric: unit, level and meaning."""

    name: str
    unit: str
    level: Literal["sector", "loss"]
    description: str


def _load_metrics() -> dict[str, Metric]:
    out: dict[str, Metric] = {}
    for row in _read("metrics.csv"):
        if row["level"] not in ("sector", "loss"):
            raise ValueError(f"schema/metrics.csv: {row['name']}: unknown level {row['level']!r}")
        out[row["name"]] = Metric(row["name"], row["unit"], row["level"], row["description"])  # type: ignore[arg-type]
    return out


#: Every result metric, by name, in display order.
METRICS: dict[str, Metric] = _load_metrics()

#: Every parameter the code reads, by name.
PARAMETERS: dict[str, Parameter] = _load_parameters()
#: Every dataset table, by name, in file order.
TABLES, COLUMNS = _load_tables()


def engine_parameters() -> tuple[str, ...]:
    """Names of the parameters the daily model reads (they may differ per member)."""
    return tuple(n for n, p in PARAMETERS.items() if p.scope == "engine")


def uncertain_parameters() -> tuple[str, ...]:
    """Names of the parameters a scenario may declare uncertain."""
    return tuple(n for n, p in PARAMETERS.items() if p.uncertain)


def defaults() -> dict[str, float]:
    """The default value of every declared parameter."""
    return {n: p.default for n, p in PARAMETERS.items()}


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def markdown_parameters() -> str:
    """The parameter table as Markdown (the block generated into ``docs/``)."""
    lines = [
        "| name | scope | unit | default | allowed | may be uncertain | what it does |",
        "|---|---|---|---|---|---|---|",
    ]
    for p in PARAMETERS.values():
        lines.append(
            f"| `{p.name}` | {p.scope} | {p.unit} | {p.default:g} | {p.bounds_text} | {'yes' if p.uncertain else 'no'} | {_cell(p.description)} |"
        )
    return "\n".join(lines)


def markdown_table(name: str) -> str:
    """One dataset table's columns as Markdown (with whether it is required and its key)."""
    t = TABLES[name]
    req = "required" if t.required else "optional"
    out = [f"{_cell(t.description)} ({req}; one row per {', '.join(t.key)})", ""]
    out.append("| column | type | unit | required | >= 0 | meaning |")
    out.append("|---|---|---|---|---|---|")
    for c in t.columns:
        out.append(
            f"| `{c.name}` | {c.dtype} | {c.unit} | {'yes' if c.required else 'no'} | {'yes' if c.nonnegative else ''} | {_cell(c.description)} |"
        )
    return "\n".join(out)


def markdown_columns() -> str:
    """Every dataset table and its columns as Markdown."""
    return "\n\n".join(f"#### `{name}.csv`\n\n{markdown_table(name)}" for name in TABLES) + "\n"
