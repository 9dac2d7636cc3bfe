"""Helpers of the observed-series tests (a module with a unique name, importable from the tests)."""

from __future__ import annotations

from pathlib import Path

HEADER = "period,series,exporter,importer,product,value,unit,yoy_change_pct,mom_change_pct,source,note\n"


def write(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` and return the path."""
    path.write_text(text, encoding="utf-8")
    return path
