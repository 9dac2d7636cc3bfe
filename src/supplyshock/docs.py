"""The reference tables of ``docs/``, generated from the code and the schema.

``docs/scenario-format.md`` and ``docs/data.md`` hold blocks between markers::

    <!-- generated: NAME -->
    ...
    <!-- end generated -->

whose content is written here from the one place each fact lives: the event models
(their fields and descriptions), the scenario model, the parameter table and the dataset
tables of :mod:`supplyshock.schema`. ``python -m supplyshock.docs`` rewrites the blocks;
``python -m supplyshock.docs --check`` (and the test suite) fails when a block differs
from what the code says.
"""

from __future__ import annotations

import argparse
import re
import sys
import types
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from supplyshock.scenario.events import EVENT_TYPES, ExportControl
from supplyshock.scenario.events.agreement import AgreementChange, Commitment, TariffChange
from supplyshock.scenario.events.licence import ApprovalStep, Whitelist
from supplyshock.scenario.model import Override, Scenario
from supplyshock.scenario.uncertainty import Correlation, Uncertain
from supplyshock.schema import TABLES, markdown_columns, markdown_parameters, markdown_table

__all__ = ["BLOCK", "field_table", "generated_blocks", "update_file"]

#: A generated block in a Markdown file.
BLOCK = re.compile(r"(<!-- generated: (?P<name>[\w.-]+) -->\n)(?P<body>.*?)(<!-- end generated -->)", re.S)


def _type_text(info: FieldInfo) -> str:
    """A reader's name for a field's type and constraints."""
    ann = info.annotation
    lo = hi = None
    for m in info.metadata:
        lo = getattr(m, "ge", lo) if getattr(m, "ge", None) is not None else lo
        hi = getattr(m, "le", hi) if getattr(m, "le", None) is not None else hi
    return _ann_text(ann, lo, hi)


def _ann_text(ann: Any, lo: Any = None, hi: Any = None) -> str:
    origin = typing.get_origin(ann)
    args = typing.get_args(ann)
    if origin is typing.Annotated:
        inner, *meta = args
        for m in meta:
            for c in getattr(m, "metadata", [m]):
                lo = getattr(c, "ge", lo) if getattr(c, "ge", None) is not None else lo
                hi = getattr(c, "le", hi) if getattr(c, "le", None) is not None else hi
        return _ann_text(inner, lo, hi)
    if origin in (typing.Union, types.UnionType):
        parts = [_ann_text(a) for a in args if a is not type(None)]
        return " or ".join(dict.fromkeys(parts))
    if origin is typing.Literal:
        return ", ".join(f"`{a}`" for a in args)
    if origin is list:
        inner = _ann_text(args[0]) if args else ""
        return {"string": "list of codes", "": "list"}.get(inner, f"list of {inner}")
    if origin is dict:
        return "mapping"
    if ann is float:
        if lo == 0 and hi == 1:
            return "share 0-1"
        if lo is not None:
            return f"number >= {lo:g}"
        return "number"
    if ann is int:
        if lo is not None and hi is not None:
            return f"integer {lo} to {hi:,}"
        return f"integer >= {lo}" if lo is not None else "integer"
    if ann is bool:
        return "true/false"
    if ann is str:
        return "string"
    name = getattr(ann, "__name__", str(ann))
    return {"date": "date (YYYY-MM-DD)"}.get(name, name)


def _default_text(info: FieldInfo) -> str:
    if info.is_required():
        return "required"
    if info.default_factory is not None:
        value = info.default_factory()  # type: ignore[call-arg]
        return f"`{value!r}`".replace("'", '"') if value != [] else "`[]`"
    if info.default is None or info.default is PydanticUndefined:
        return "none"
    if isinstance(info.default, str):
        return f'`"{info.default}"`'
    if isinstance(info.default, bool):
        return f"`{str(info.default).lower()}`"
    return f"`{info.default!r}`"


def field_table(model: type[BaseModel], *, skip: tuple[str, ...] = ("type",), only_own: type[BaseModel] | None = None) -> str:
    """The Markdown table of a model's fields: key, type, default, meaning.

    Parameters
    ----------
    model : pydantic model class
    skip : tuple of str
        Fields left out (the event ``type`` tag).
    only_own : model class, optional
        Leave out the fields this base class declares (they are documented with it).
    """
    inherited = set(only_own.model_fields) if only_own is not None else set()
    lines = ["| key | type | default | meaning |", "|---|---|---|---|"]
    for name, info in model.model_fields.items():
        if name in skip or name in inherited:
            continue
        key = info.alias or name
        kind = "list of events (see below)" if name == "events" and model is Scenario else _type_text(info)
        desc = " ".join((info.description or "").split()).replace("|", "\\|")
        lines.append(f"| `{key}` | {kind} | {_default_text(info)} | {desc} |")
    return "\n".join(lines)


def _events_table() -> str:
    lines = ["| `type` | what it models |", "|---|---|"]
    lines += [f"| `{name}` | {cls.summary} |" for name, cls in EVENT_TYPES.items()]
    return "\n".join(lines)


def generated_blocks() -> dict[str, str]:
    """Every generated block's name and content (without the markers)."""
    blocks = {
        "scenario": field_table(Scenario, skip=()),
        "events": _events_table(),
        "controls": field_table(ExportControl, skip=("type",)),
        "override": field_table(Override, skip=()),
        "approval-step": field_table(ApprovalStep, skip=()),
        "whitelist": field_table(Whitelist, skip=()),
        "agreement-change": field_table(AgreementChange, skip=()),
        "tariff-change": field_table(TariffChange, skip=()),
        "commitment": field_table(Commitment, skip=()),
        "uncertain": field_table(Uncertain, skip=()),
        "correlation": field_table(Correlation, skip=()),
        "parameters": markdown_parameters(),
        "tables": markdown_columns().rstrip("\n"),
    }
    for name in TABLES:
        blocks[f"table.{name}"] = markdown_table(name)
    for name, cls in EVENT_TYPES.items():
        base = ExportControl if issubclass(cls, ExportControl) else None
        blocks[f"event.{name}"] = field_table(cls, only_own=base)
    return blocks


def update_file(path: Path, blocks: dict[str, str], *, check: bool) -> list[str]:
    """Rewrite (or with ``check``, compare) the generated blocks of one file; return the names that differ."""
    text = path.read_text(encoding="utf-8")
    stale: list[str] = []

    def repl(m: re.Match[str]) -> str:
        name = m.group("name")
        if name not in blocks:
            stale.append(f"{name} (unknown block)")
            return m.group(0)
        body = blocks[name].rstrip("\n") + "\n"
        if m.group("body") != body:
            stale.append(name)
        return f"{m.group(1)}{body}{m.group(4)}"

    new = BLOCK.sub(repl, text)
    if not check and new != text:
        path.write_text(new, encoding="utf-8")
    return stale


def main(argv: list[str] | None = None) -> int:
    """Rewrite the generated blocks of docs/ (``--check``: only report stale ones, exit 1)."""
    ap = argparse.ArgumentParser(prog="python -m supplyshock.docs", description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--check", action="store_true", help="fail when a generated block is out of date; change nothing")
    ap.add_argument("--docs", type=Path, default=Path(__file__).resolve().parents[2] / "docs", help="the docs folder")
    args = ap.parse_args(argv)
    blocks = generated_blocks()
    stale: list[str] = []
    for path in sorted(args.docs.glob("*.md")):
        stale += [f"{path.name}: {b}" for b in update_file(path, blocks, check=args.check)]
    if stale:
        print(("out of date: " if args.check else "rewritten: ") + ", ".join(stale))
        return 1 if args.check else 0
    print("docs up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
