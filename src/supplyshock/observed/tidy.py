"""The tidy frame that every observed reader returns, its errors and its checks.

One row per (series, period): see :data:`TIDY_COLUMNS`. :func:`finalise` turns the rows a
reader has parsed into that frame: it refuses a (series, period) given twice with
different data and a series that mixes units, adds the provenance (the file's name and
sha256, the time it was read) and sorts the rows.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from supplyshock.errors import DataError
from supplyshock.observed.periods import sort_frame

__all__ = [
    "DATA_FIELDS",
    "NUMERIC_FIELDS",
    "SERIES_RE",
    "TEXT_FIELDS",
    "TIDY_COLUMNS",
    "ObservedError",
    "UnknownSeriesError",
    "file_label",
    "finalise",
    "now",
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


def finalise(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    """Check a reader's rows, add provenance and order them as the tidy frame.

    Parameters
    ----------
    frame
        The parsed rows: every column of :data:`TIDY_COLUMNS` but ``file`` and
        ``loaded``, and ``_line``, the row's line in the file (for messages).
    path
        The file read (named in messages, hashed for the provenance).

    Returns
    -------
    pandas.DataFrame
        The tidy frame, sorted by series, frequency and period.

    Raises
    ------
    ObservedError
        When there are no rows, a (series, period) is given twice with different data,
        or a series mixes units.
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
    frame["file"] = file_label(path, sha256_of(path))
    frame["loaded"] = now()
    out = frame[list(TIDY_COLUMNS)].copy()
    for col in TEXT_FIELDS:
        out[col] = out[col].astype(object)
    return sort_frame(out)
