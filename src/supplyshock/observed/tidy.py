"""The tidy frame that every observed reader returns, its errors and its checks.

One row per (series, period): see :data:`TIDY_COLUMNS`. :func:`finalise` turns the rows a
reader has parsed into that frame: it refuses a (series, period) given twice with
different data, a series that mixes units and a value outside the plausibility bounds of
its series (:func:`check_bounds`: ``data/observed/bounds.csv``, plus the user's own bounds),
adds the provenance (the file's name and sha256, the time it was read) and sorts the rows.
"""

from __future__ import annotations

import csv
import fnmatch
import functools
import hashlib
import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from supplyshock.errors import DataError
from supplyshock.observed.periods import sort_frame

__all__ = [
    "BOUND_COLUMNS",
    "DATA_FIELDS",
    "NUMERIC_FIELDS",
    "SERIES_RE",
    "TEXT_FIELDS",
    "TIDY_COLUMNS",
    "Bound",
    "ObservedError",
    "UnknownSeriesError",
    "check_bounds",
    "default_bounds",
    "file_label",
    "finalise",
    "now",
    "read_bounds",
    "sha256_of",
]

#: Columns of the tidy observed frame, in order.
TIDY_COLUMNS: tuple[str, ...] = (
    "series",
    "period",
    "freq",
    "exporter",
    "importer",
    "product",
    "value",
    "unit",
    "yoy_reported_pct",
    "mom_reported_pct",
    "source",
    "note",
    "file",
    "loaded",
)
#: Fields of a row that carry data: a row differing in one of them is a revision.
DATA_FIELDS: tuple[str, ...] = ("freq", "exporter", "importer", "product", "value", "unit", "yoy_reported_pct", "mom_reported_pct")
#: Numeric fields (floats, NaN when missing).
NUMERIC_FIELDS: tuple[str, ...] = ("value", "yoy_reported_pct", "mom_reported_pct")
#: Text fields (object columns of str).
TEXT_FIELDS: tuple[str, ...] = ("series", "period", "freq", "exporter", "importer", "product", "unit", "source", "note", "file")
#: What a series id may be made of.
SERIES_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
# fields compared, in this order, to name the first one that differs between two rows
_COMPARED_FIELDS: tuple[str, ...] = ("value", "unit", "yoy_reported_pct", "mom_reported_pct", "exporter", "importer", "product")


class ObservedError(DataError):
    """An observed file or series is malformed, conflicting or unknown."""


class UnknownSeriesError(ObservedError):
    """A series id is not in the data.

    Parameters
    ----------
    series
        The id asked for.
    known
        The ids that exist.
    """

    def __init__(self, series: str, known: Sequence[str]) -> None:
        self.series = series
        self.known = sorted(known)
        listing = ", ".join(self.known) if self.known else "none (add a file first: supplyshock observed add FILE)"
        super().__init__(f"unknown series {series!r}; known series: {listing}")


def sha256_of(path: Path) -> str:
    """Return the hex sha256 digest of a file.

    Parameters
    ----------
    path
        The file.

    Returns
    -------
    str
        64 hex digits.
    """
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def file_label(path: Path, sha: str) -> str:
    """Return the provenance label of a file: ``<name> sha256:<digest>``.

    Parameters
    ----------
    path
        The file.
    sha
        Its sha256 digest.

    Returns
    -------
    str
        The label stored in the ``file`` column.
    """
    return f"{path.name} sha256:{sha}"


def now() -> pd.Timestamp:
    """Return the current time in UTC, without time zone.

    Returns
    -------
    pandas.Timestamp
        Now, naive UTC.
    """
    return pd.Timestamp(datetime.now(UTC).replace(tzinfo=None))


def _fmt(value: Any) -> str:
    if isinstance(value, float | np.floating):
        return "missing" if math.isnan(float(value)) else f"{float(value):,.6g}"
    return repr(value)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float | np.floating) or isinstance(b, float | np.floating):
        fa, fb = float(a), float(b)
        if math.isnan(fa) or math.isnan(fb):
            return math.isnan(fa) and math.isnan(fb)
        return math.isclose(fa, fb, rel_tol=1e-12, abs_tol=1e-12)
    return bool(a == b)


def _differing_field(a: pd.Series, b: pd.Series) -> str | None:
    for field in _COMPARED_FIELDS:
        if not _same(a[field], b[field]):
            return field
    return None


def _drop_duplicates(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """Drop rows repeating a (series, period) with the same data; refuse different data."""
    dup = frame.duplicated(["series", "period"], keep=False)
    if not dup.any():
        return frame
    for (series, period), grp in frame[dup].groupby(["series", "period"], sort=False):
        first = grp.iloc[0]
        for _, other in grp.iloc[1:].iterrows():
            diff = _differing_field(first, other)
            if diff is not None:
                raise ObservedError(
                    f"{name}: series {series!r} period {period} is given twice with different {diff}: "
                    f"{_fmt(first[diff])} (line {first['_line']}) and {_fmt(other[diff])} (line {other['_line']}); "
                    "nothing was written"
                )
    return frame.drop_duplicates(["series", "period"], keep="first")


#: Columns of a bounds file (``basis``, ``source`` and ``note`` may be left out of a user's).
BOUND_COLUMNS: tuple[str, ...] = ("series", "unit", "min", "max", "basis", "source", "note")


@dataclass(frozen=True)
class Bound:
    """A plausibility bound of observed values.

    Attributes
    ----------
    series : str
        The series it applies to: a shell-style pattern (``*`` for every series).
    unit : str
        The stored unit it applies to (``t``, ``USD``...).
    low, high : float
        The smallest and largest plausible value of one period, in that unit.
    origin : str
        Where the bound comes from (a file and line), for messages.
    note : str
        Why the bound is what it is.
    """

    series: str
    unit: str
    low: float
    high: float
    origin: str
    note: str = ""

    def applies(self, series: str, unit: str) -> bool:
        """Whether the bound is the one of ``series`` in ``unit``."""
        return self.unit == unit and fnmatch.fnmatchcase(series, self.series)


def read_bounds(path: str | os.PathLike[str]) -> list[Bound]:
    """Read a bounds file: CSV with columns ``series, unit, min, max`` (and optionally
    ``basis, source, note``), one row per series pattern and stored unit.

    Raises
    ------
    ObservedError
        A column is missing, or a row's bound is not a pair of numbers ``min <= max``; the
        message names the file, line and field.
    """
    p = Path(path).expanduser()
    if not p.is_file():
        raise ObservedError(f"bounds file {p} does not exist (or is not a file); give a CSV with columns series, unit, min, max")
    try:
        with open(p, encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            rows = list(reader)
            fields = [str(c).strip() for c in (reader.fieldnames or [])]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ObservedError(f"{p.name}: cannot read as CSV: {exc}") from None
    missing = [c for c in BOUND_COLUMNS[:4] if c not in fields]
    if missing:
        raise ObservedError(f"{p.name}: missing column(s) {', '.join(missing)}; a bounds file has columns series, unit, min, max")
    out = []
    for line, row in enumerate(rows, start=2):
        row = {str(k).strip(): (v or "").strip() for k, v in row.items() if k is not None}
        try:
            low, high = float(row["min"] or "-inf"), float(row["max"] or "inf")
        except ValueError:
            raise ObservedError(f"{p.name}, line {line}, field 'min'/'max': {row['min']!r}/{row['max']!r} are not numbers") from None
        if math.isnan(low) or math.isnan(high) or low > high:
            raise ObservedError(f"{p.name}, line {line}, field 'min'/'max': the bound {low:g}..{high:g} is empty; give min <= max")
        if not row["series"] or not row["unit"]:
            raise ObservedError(f"{p.name}, line {line}, field 'series'/'unit': both are needed ('*' matches every series)")
        note = row.get("note", "") or row.get("source", "")
        out.append(Bound(row["series"], row["unit"], low, high, f"{p.name} line {line}", note))
    return out


@functools.cache
def default_bounds() -> tuple[Bound, ...]:
    """The shipped plausibility bounds (``data/observed/bounds.csv``)."""
    from supplyshock.observed.shipped import observed_data_file  # shipped imports this module

    return tuple(read_bounds(observed_data_file("bounds.csv")))


def check_bounds(frame: pd.DataFrame, name: str, bounds: Sequence[Bound] | None = None) -> None:
    """Refuse a value outside the plausibility bound of its series.

    Parameters
    ----------
    frame
        Parsed rows with ``series``, ``unit``, ``value`` and ``_line``.
    name
        The file's name, for messages.
    bounds
        Bounds checked before the shipped ones (the first that applies to a series and
        unit is its bound); None: the shipped ones only.

    Raises
    ------
    ObservedError
        Naming the file, line, value and bound, and how to change the bound.
    """
    every = [*(bounds or ()), *default_bounds()]
    for (series, unit), grp in frame.groupby(["series", "unit"], sort=False):
        bound = next((b for b in every if b.applies(str(series), str(unit))), None)
        if bound is None:
            continue
        values = grp["value"].astype("float64")
        bad = values.notna() & ((values < bound.low) | (values > bound.high))
        if bad.any():
            row = grp[bad].iloc[0]
            why = f" ({bound.note.split('; ')[0]})" if bound.note else ""
            raise ObservedError(
                f"{name}, line {row['_line']}, field 'value': {float(row['value']):g} {unit} is outside the plausible range "
                f"{bound.low:g}..{bound.high:g} {unit} of series {series!r}{why}, bound from {bound.origin}; check the unit "
                "(kg or t? thousands?), or give the series its own bound with --bounds FILE (columns series, unit, min, max); "
                "nothing was written"
            )


def finalise(frame: pd.DataFrame, path: Path, bounds: Sequence[Bound] | None = None) -> pd.DataFrame:
    """Check a reader's rows, add provenance and order them as the tidy frame.

    Parameters
    ----------
    frame
        The parsed rows: every column of :data:`TIDY_COLUMNS` but ``file`` and
        ``loaded``, and ``_line``, the row's line in the file (for messages).
    path
        The file read (named in messages, hashed for the provenance).
    bounds
        Plausibility bounds checked before the shipped ones (see :func:`check_bounds`).

    Returns
    -------
    pandas.DataFrame
        The tidy frame, sorted by series, frequency and period.

    Raises
    ------
    ObservedError
        When there are no rows, a (series, period) is given twice with different data,
        a series mixes units or a value lies outside its series' plausibility bound.
    """
    name = path.name
    if frame.empty:
        raise ObservedError(f"{name}: no observations found; nothing was written")
    frame = frame.copy()
    for col in NUMERIC_FIELDS:
        frame[col] = frame[col].astype("float64")
    frame = _drop_duplicates(frame, name)
    units = frame.groupby("series")["unit"].nunique()
    mixed = units[units > 1]
    if len(mixed):
        s = str(mixed.index[0])
        found = sorted(frame.loc[frame["series"] == s, "unit"].unique())
        raise ObservedError(f"{name}: series {s!r} mixes units {', '.join(found)}; use one unit per series; nothing was written")
    check_bounds(frame, name, bounds)
    frame["file"] = file_label(path, sha256_of(path))
    frame["loaded"] = now()
    out = frame[list(TIDY_COLUMNS)].copy()
    for col in TEXT_FIELDS:
        out[col] = out[col].astype(object)
    return sort_frame(out)
