"""A small YAML writer that keeps comments: scenario drafts carry their provenance as comments."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

__all__ = ["block", "comment", "scalar"]

_PLAIN = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]*$")
_RESERVED = {"yes", "no", "on", "off", "true", "false", "null", "y", "n", "all"}


def scalar(value: Any) -> str:
    """One value as YAML flow text (strings quoted unless they are plain codes)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(round(value, 10))
    if isinstance(value, list):
        return "[" + ", ".join(scalar(v) for v in value) + "]"
    text = str(value)
    if _PLAIN.match(text) and (text.lower() not in _RESERVED or text == "all"):
        return text
    return json.dumps(text, ensure_ascii=False)


def comment(text: str, indent: int) -> list[str]:
    """Comment lines (a long text is wrapped at about 110 characters)."""
    words = " ".join(str(text).split()).split(" ")
    lines: list[str] = []
    cur = ""
    for w in words:
        if cur and len(cur) + len(w) > 110:
            lines.append(cur)
            cur = w
        else:
            cur = f"{cur} {w}".strip()
    if cur:
        lines.append(cur)
    return [" " * indent + "# " + line for line in lines]


def block(data: dict[str, Any], indent: int, first_prefix: str = "") -> list[str]:
    """A mapping as block YAML; nested lists of mappings are written as block sequences."""
    lines: list[str] = []
    pad = " " * indent
    for k, (key, value) in enumerate(data.items()):
        lead = (first_prefix if k == 0 else " " * len(first_prefix)) if first_prefix else ""
        if isinstance(value, list) and value and isinstance(value[0], dict):
            lines.append(f"{pad}{lead}{key}:")
            for item in value:
                lines += block(item, indent + len(lead) + 2, "- ")
        else:
            lines.append(f"{pad}{lead}{key}: {scalar(value)}")
    return lines
