"""Read and check the tables of a dataset folder against the schema.

Every dataset is a folder of CSV files (one per table of :data:`supplyshock.schema.TABLES`)
plus an optional ``dataset.yaml`` of metadata (title, base year, the flows a summary
headlines). Embedded datasets live in ``supplyshock/data/<folder>/``; a user's own is any
folder with the same files (see ``docs/data.md``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from supplyshock.errors import DataError
from supplyshock.safeyaml import load_yaml_file
from supplyshock.schema import BASES, TABLES

__all__ = [
    "DATASETS",
    "DatasetMeta",
    "Headline",
    "dataset_dir",
    "frames_from_records",
    "list_datasets",
    "read_meta",
    "read_tables",
    "write_dataset",
]


def _embedded() -> dict[str, str]:
    """Embedded datasets: every folder of ``supplyshock/data`` with a ``dataset.yaml``, by its name."""
    root = Path(str(resources.files("supplyshock") / "data"))
    out: dict[str, str] = {}
    for meta in sorted(root.glob("*/dataset.yaml")):
        data = load_yaml_file(meta, what="dataset metadata", error=DataError)
        name = str(data.get("name") or meta.parent.name) if isinstance(data, dict) else meta.parent.name
        out[name] = meta.parent.name
    return out


#: Embedded datasets: name -> folder under ``supplyshock/data`` (found by their ``dataset.yaml``).
DATASETS = _embedded()


def list_datasets() -> list[str]:
    """Names of the datasets embedded in the package."""
    return sorted(DATASETS)


def dataset_dir(name_or_path: str | Path) -> Path:
    """The folder of an embedded dataset name or of a user's folder path."""
    if isinstance(name_or_path, str) and name_or_path in DATASETS:
        return Path(str(resources.files("supplyshock") / "data" / DATASETS[name_or_path]))
    path = Path(name_or_path)
    if not path.is_dir():
        raise DataError(
            f"dataset {str(name_or_path)!r}: not an embedded dataset ({', '.join(list_datasets())}) "
            "nor a folder of CSV tables; pass one of those names or a folder path"
        )
    return path


@dataclass(frozen=True)
class Headline:
    """A flow a summary reports month by month (e.g. China's magnet exports)."""

    id: str
    label: str
    exporter: str
    product: str
    importers: tuple[str, ...] = ()


@dataclass(frozen=True)
class DatasetMeta:
    """What ``dataset.yaml`` says of a dataset."""

    name: str
    title: str = ""
    base_year: int | None = None
    headlines: tuple[Headline, ...] = field(default_factory=tuple)


def read_meta(folder: Path, name: str) -> DatasetMeta:
    """Read ``dataset.yaml`` (optional: absent means no title and no headline flows)."""
    path = folder / "dataset.yaml"
    if not path.exists():
        return DatasetMeta(name=name)
    data = load_yaml_file(path, what="dataset metadata", error=DataError)
    if not isinstance(data, dict):
        raise DataError(f"{path}: must be a mapping (name:, title:, headlines: [...])")
    heads = []
    for i, h in enumerate(data.get("headlines") or []):
        if not isinstance(h, dict) or not {"id", "exporter", "product"} <= set(h):
            raise DataError(f"{path}: headlines[{i}]: needs id, exporter and product (and optionally label, importers)")
        heads.append(
            Headline(
                id=str(h["id"]),
                label=str(h.get("label") or h["id"]),
                exporter=str(h["exporter"]),
                product=str(h["product"]),
                importers=tuple(str(c) for c in h.get("importers") or ()),
            )
        )
    base_year = data.get("base_year")
    return DatasetMeta(
        name=str(data.get("name") or name),
        title=str(data.get("title") or ""),
        base_year=int(base_year) if base_year is not None else None,
        headlines=tuple(heads),
    )


def _line_of(mask: pd.Series) -> int:
    """1-based file line of the first True row (header is line 1)."""
    return int(np.flatnonzero(mask.to_numpy())[0]) + 2


def _check_frame(df: pd.DataFrame, name: str, where: str) -> pd.DataFrame:
    """Check one table's columns and numbers; return it with numeric columns as floats."""
    table = TABLES[name]
    missing = [c for c in table.required_columns if c not in df.columns]
    if missing:
        raise DataError(f"{where}: missing column(s) {', '.join(missing)}; required: {', '.join(table.required_columns)}")
    required = set(table.required_columns)
    for col in table.numeric_columns:
        if col not in df.columns:
            continue
        values = pd.to_numeric(df[col], errors="coerce")
        blank = df[col].isna() | (df[col].astype(str).str.strip() == "")
        bad = (values.isna() | ~np.isfinite(values)) & ~(blank & (col not in required))  # optional columns may be left empty
        if bad.any():
            i = _line_of(bad)
            raise DataError(f"{where}: line {i}, field {col!r}: {df[col].iloc[i - 2]!r} is not a number; write a plain number")
        if col in table.nonnegative_columns and (values.fillna(0.0) < 0).any():
            i = _line_of(values < 0)
            raise DataError(f"{where}: line {i}, field {col!r}: {values.iloc[i - 2]} is negative; quantities, capacities and days must be >= 0")
        df[col] = values.astype(float)
    if "basis" in df.columns:
        unknown = ~df["basis"].astype(str).isin(list(BASES))
        if unknown.any():
            i = _line_of(unknown)
            raise DataError(f"{where}: line {i}, field 'basis': {df['basis'].iloc[i - 2]!r} is not a basis; write one of {', '.join(BASES)}")
    if "source" in df.columns:
        empty = df["source"].astype(str).str.strip() == ""
        if empty.any():
            raise DataError(f"{where}: line {_line_of(empty)}, field 'source' is empty; every figure needs a source")
    df.attrs["path"] = where
    return df


def _empty(name: str) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in TABLES[name].required_columns})


def read_tables(folder: Path) -> dict[str, pd.DataFrame]:
    """Read every table of a dataset folder (optional tables may be absent)."""
    tables: dict[str, pd.DataFrame] = {}
    for name, table in TABLES.items():
        path = folder / f"{name}.csv"
        if not path.exists():
            if not table.required:
                tables[name] = _empty(name)
                continue
            raise DataError(f"{path}: missing; every dataset needs {name}.csv (columns {', '.join(table.required_columns)})")
        try:
            df = pd.read_csv(path, dtype=str, keep_default_na=False)
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
            raise DataError(f"{path}: cannot be read as CSV ({exc}); fix the file's quoting or encoding") from None
        tables[name] = _check_frame(df, name, str(path))
    return tables


def frames_from_records(records: dict[str, list[dict[str, Any]]], *, source: str = "constructed in code") -> dict[str, pd.DataFrame]:
    """Tables from lists of row dicts (for networks built in code: tests, examples, benchmarks).

    Rows without ``basis``/``source`` get ``assumption``/``source``; missing optional
    tables are empty.
    """
    frames: dict[str, pd.DataFrame] = {}
    for name, table in TABLES.items():
        rows = [{"basis": "assumption", "source": source, **r} for r in records.get(name, [])]
        if not rows:
            frames[name] = _empty(name)
            if table.required and name not in records:
                raise DataError(f"table {name!r} is required; give its rows")
            continue
        cols = list(dict.fromkeys([*table.required_columns, *rows[0].keys()]))
        if name == "parameters":
            rows = [{"unit": "", "description": "", **r} for r in rows]
        frames[name] = _check_frame(pd.DataFrame(rows, columns=cols), name, f"<{name}>")
    return frames


def write_dataset(tables: dict[str, pd.DataFrame], meta: DatasetMeta, folder: Path) -> Path:
    """Write tables and metadata as a dataset folder that :func:`read_tables` reads back.

    The folder must not exist yet or be empty (nothing is overwritten).
    """
    import yaml

    from supplyshock.atomic import atomic_write_text

    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()):
        raise DataError(f"{folder}: not empty; write a dataset into a new folder")
    folder.mkdir(parents=True, exist_ok=True)
    for name, df in tables.items():
        if len(df) or TABLES[name].required:
            atomic_write_text(folder / f"{name}.csv", df.to_csv(index=False))
    doc = {
        "name": meta.name,
        "title": meta.title,
        "base_year": meta.base_year,
        "headlines": [
            {"id": h.id, "label": h.label, "exporter": h.exporter, "product": h.product, "importers": list(h.importers)} for h in meta.headlines
        ],
    }
    atomic_write_text(folder / "dataset.yaml", yaml.safe_dump(doc, sort_keys=False))
    return folder
