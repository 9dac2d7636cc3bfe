"""What a run record is made of, checked before anything is written to the run store.

* :func:`run_metadata`: the ``runs`` columns, from a results dataset's attributes and
  coordinates;
* :func:`normalize_summary` and :func:`normalize_series`: summary metrics and daily
  series brought to the long layouts of ``run_summary`` and ``run_series``;
* :func:`params_to_json`: run parameters as JSON.

Every malformed input raises :class:`~supplyshock.errors.StoreError` naming what is
wrong, so a run is refused before the store is opened.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from supplyshock.errors import StoreError
from supplyshock.schema import METRICS

__all__ = [
    "DEFAULT_STATISTIC",
    "LOSS_METRICS",
    "REQUIRED_ATTRS",
    "SCENARIO_ATTRS",
    "SERIES_COLUMNS",
    "SUMMARY_COLUMNS",
    "SUMMARY_METRICS",
    "TOTALS_COLUMNS",
    "json_default",
    "normalize_series",
    "normalize_summary",
    "normalize_totals",
    "params_to_json",
    "parse_created",
    "run_metadata",
]

#: Metric columns of ``run_summary``: the (country, sector) metrics of ``schema/metrics.csv``.
SUMMARY_METRICS: tuple[str, ...] = tuple(m.name for m in METRICS.values() if m.level == "sector")
#: Money lost through the input-output model, recorded in ``run_totals`` (total and per country).
LOSS_METRICS: tuple[str, ...] = tuple(m.name for m in METRICS.values() if m.level == "loss")
#: Statistic recorded for summary metric columns that carry no statistic of their own
#: (:func:`supplyshock.analysis.summary.summarise` reports medians over members).
DEFAULT_STATISTIC = "median"
#: Attributes of a results dataset that may hold its scenario as JSON, in order of
#: preference: ``scenario_json`` says what it holds; ``scenario_yaml`` is the name the
#: engine has written so far (it holds JSON too).
SCENARIO_ATTRS: tuple[str, ...] = ("scenario_json", "scenario_yaml")
#: Attributes every results dataset must carry to be recorded (the scenario may come as
#: any of :data:`SCENARIO_ATTRS`).
REQUIRED_ATTRS: tuple[str, ...] = (
    "supplyshock_version",
    "scenario_name",
    "scenario_sha256",
    "dataset",
    "seed",
    "created",
    "scenario_yaml",
)
#: Columns of ``run_summary`` besides ``run_id``.
SUMMARY_COLUMNS: tuple[str, ...] = ("country", "sector", "statistic", *SUMMARY_METRICS)
#: Columns of ``run_series`` besides ``run_id``.
SERIES_COLUMNS: tuple[str, ...] = ("variable", "time", "country", "item", "statistic", "value")
#: Summary columns accepted but not stored because they are derived
#: (``first_shortfall_date`` is ``start + days_to_first_shortfall``).
_DERIVED_SUMMARY_COLUMNS: tuple[str, ...] = ("first_shortfall_date",)
_STATISTIC_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def parse_created(value: datetime | str) -> datetime:
    """Parse a creation time to a naive UTC datetime.

    Parameters
    ----------
    value
        A datetime or an ISO 8601 string; naive times are taken as UTC.

    Returns
    -------
    datetime.datetime
        The time in UTC, without time zone.

    Raises
    ------
    StoreError
        When the text is not an ISO 8601 time.
    """
    if isinstance(value, datetime):
        when = value
    else:
        try:
            when = datetime.fromisoformat(str(value).strip())
        except ValueError as exc:
            raise StoreError(f"results attribute 'created' is not an ISO 8601 time: {value!r}") from exc
    if when.tzinfo is not None:
        when = when.astimezone(UTC).replace(tzinfo=None)
    return when


def _scenario_attr(ds: xr.Dataset) -> str | None:
    return next((a for a in SCENARIO_ATTRS if a in ds.attrs), None)


def _seed(ds: xr.Dataset) -> int:
    seed_attr = ds.attrs["seed"]
    try:
        seed = int(seed_attr)
    except (TypeError, ValueError) as exc:
        raise StoreError(f"results attribute 'seed' is not an integer: {seed_attr!r}") from exc
    if isinstance(seed_attr, float | np.floating) and seed != seed_attr:
        raise StoreError(f"results attribute 'seed' is not an integer: {seed_attr!r}")
    return seed


def run_metadata(ds: xr.Dataset) -> dict[str, Any]:
    """Check a results dataset and extract the ``runs`` columns from it.

    Parameters
    ----------
    ds
        A results dataset (only its attributes and coordinates are read).

    Returns
    -------
    dict
        ``supplyshock_version, scenario_name, scenario_sha256, dataset, created`` (naive
        UTC), ``scenario_json`` (the scenario text), ``seed, members, start, end``.

    Raises
    ------
    StoreError
        When an attribute is missing or malformed, or the ``member`` or ``time``
        dimension is missing or empty.
    """
    scenario_attr = _scenario_attr(ds)
    missing = [a for a in REQUIRED_ATTRS if a not in ds.attrs and not (a in SCENARIO_ATTRS and scenario_attr)]
    if missing:
        raise StoreError(f"results dataset lacks attribute(s) {', '.join(missing)}; it needs {', '.join(REQUIRED_ATTRS)}")
    assert scenario_attr is not None
    for dim in ("member", "time"):
        if dim not in ds.dims:
            raise StoreError(f"results dataset has no {dim!r} dimension")
    if ds.sizes["time"] == 0:
        raise StoreError("results dataset has an empty 'time' dimension")
    try:
        times = pd.DatetimeIndex(ds["time"].values)
    except (TypeError, ValueError) as exc:
        raise StoreError(f"results 'time' coordinate is not made of dates: {exc}") from exc
    seed = _seed(ds)
    meta: dict[str, Any] = {a: str(ds.attrs[a]) for a in ("supplyshock_version", "scenario_name", "scenario_sha256", "dataset")}
    meta.update(
        scenario_json=str(ds.attrs[scenario_attr]),
        seed=seed,
        members=int(ds.sizes["member"]),
        start=times.min().date(),
        end=times.max().date(),
        created=parse_created(str(ds.attrs["created"])),
    )
    return meta


def json_default(value: Any) -> Any:
    """Convert what :func:`json.dumps` cannot (numpy values, dates, paths, sets).

    Parameters
    ----------
    value
        A value that is not JSON serialisable as it is.

    Returns
    -------
    object
        A JSON-serialisable equivalent.

    Raises
    ------
    TypeError
        When there is none.
    """
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, datetime | date | pd.Timestamp):
        return value.isoformat()
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, set | frozenset | tuple):
        return sorted(value) if isinstance(value, set | frozenset) else list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def params_to_json(params: Mapping[str, Any] | None) -> str:
    """Encode run parameters as JSON (keys sorted).

    Parameters
    ----------
    params
        A mapping of JSON-serialisable values (see :func:`json_default`), or None.

    Returns
    -------
    str
        The JSON text; ``"{}"`` for None.

    Raises
    ------
    StoreError
        When ``params`` is not a mapping or a value cannot be encoded.
    """
    if params is None:
        return "{}"
    if not isinstance(params, Mapping):
        raise StoreError(f"params must be a mapping, got {type(params).__name__}")
    try:
        return json.dumps(dict(params), default=json_default, sort_keys=True)
    except (TypeError, ValueError) as exc:
        raise StoreError(f"run params are not JSON serialisable: {exc}") from exc


def _frame_with_columns(frame: pd.DataFrame, index_names: Sequence[str]) -> pd.DataFrame:
    """Move named index levels to columns."""
    names = [n for n in frame.index.names if n is not None]
    if names and any(n in index_names for n in names):
        return frame.reset_index()
    return frame.copy()


def _numeric(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    for col in columns:
        try:
            frame[col] = pd.to_numeric(frame[col], errors="raise").astype("float64")
        except (TypeError, ValueError) as exc:
            raise StoreError(f"{what} column {col!r} is not numeric: {exc}") from exc


def _text(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    for col in columns:
        if frame[col].isna().any():
            raise StoreError(f"{what} column {col!r} has missing values")
        frame[col] = frame[col].astype(str).astype(object)


def _wide_statistic_columns(columns: Sequence[str]) -> dict[str, dict[str, str]]:
    """Map each statistic of wide ``<metric>_<statistic>`` columns to its metric columns."""
    keys = ("country", "sector", "statistic", *SUMMARY_METRICS, *_DERIVED_SUMMARY_COLUMNS)
    wide: dict[str, dict[str, str]] = {}  # statistic -> metric -> column
    unknown: list[str] = []
    for col in columns:
        if col in keys:
            continue
        metric = next((m for m in SUMMARY_METRICS if col.startswith(m + "_")), None)
        stat = col[len(metric) + 1 :] if metric else ""
        if metric is None or not _STATISTIC_RE.match(stat):
            unknown.append(col)
            continue
        wide.setdefault(stat, {})[metric] = col
    if unknown:
        raise StoreError(
            f"summary has unknown column(s) {', '.join(unknown)}; allowed: country, sector, "
            f"statistic, {', '.join(SUMMARY_METRICS)} and <metric>_<statistic> "
            "quantile columns such as peak_shortfall_pct_p95"
        )
    return wide


def normalize_summary(summary: pd.DataFrame) -> pd.DataFrame:
    """Check a summary frame and bring it to the long ``run_summary`` layout.

    Parameters
    ----------
    summary
        See :meth:`supplyshock.store.RunStore.record_run`.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`SUMMARY_COLUMNS`: one row per country, sector and statistic.

    Raises
    ------
    StoreError
        When a column is missing or unknown, both layouts are mixed, or a value is
        missing or not numeric.
    """
    if not isinstance(summary, pd.DataFrame):
        raise StoreError(f"summary must be a pandas DataFrame, got {type(summary).__name__}")
    frame = _frame_with_columns(summary, ("country", "sector", "statistic"))
    frame.columns = [str(c) for c in frame.columns]
    keys = ["country", "sector"]
    missing = [c for c in (*keys, *SUMMARY_METRICS) if c not in frame.columns]
    if missing:
        raise StoreError(f"summary lacks column(s) {', '.join(missing)}; it needs country, sector, {', '.join(SUMMARY_METRICS)}")
    wide = _wide_statistic_columns(list(frame.columns))
    if wide and "statistic" in frame.columns:
        raise StoreError("summary has both a 'statistic' column and wide <metric>_<statistic> columns; use one layout")
    if "statistic" not in frame.columns:
        frame["statistic"] = DEFAULT_STATISTIC
    parts = [frame[list(SUMMARY_COLUMNS)]]
    for stat, columns in wide.items():
        part = frame[keys].copy()
        part["statistic"] = stat
        for metric in SUMMARY_METRICS:
            part[metric] = frame[columns[metric]] if metric in columns else np.nan
        parts.append(part[list(SUMMARY_COLUMNS)])
    out = pd.concat(parts, ignore_index=True)
    _text(out, ("country", "sector", "statistic"), "summary")
    _numeric(out, SUMMARY_METRICS, "summary")
    return out


#: Columns of ``run_totals`` besides ``run_id``.
TOTALS_COLUMNS: tuple[str, ...] = ("metric", "country", "statistic", "value")


def normalize_totals(totals: pd.DataFrame) -> pd.DataFrame:
    """Check a totals frame (money lost through the input-output model) for ``run_totals``.

    Raises
    ------
    StoreError
        A column is missing, a metric unknown or a value not numeric.
    """
    if not isinstance(totals, pd.DataFrame):
        raise StoreError(f"totals must be a pandas DataFrame, got {type(totals).__name__}")
    missing = [c for c in TOTALS_COLUMNS if c not in totals.columns]
    if missing:
        raise StoreError(f"totals lack column(s) {', '.join(missing)}; need {', '.join(TOTALS_COLUMNS)}")
    out = totals[list(TOTALS_COLUMNS)].copy()
    unknown = sorted(set(out["metric"].astype(str)) - set(LOSS_METRICS))
    if unknown:
        raise StoreError(f"totals name unknown metric(s) {', '.join(unknown)}; known: {', '.join(LOSS_METRICS)}")
    out["country"] = out["country"].fillna("")
    _text(out, ("metric", "country", "statistic"), "totals")
    _numeric(out, ("value",), "totals")
    return out


def normalize_series(series: pd.DataFrame) -> pd.DataFrame:
    """Check a series frame and bring it to the ``run_series`` layout.

    Parameters
    ----------
    series
        See :meth:`supplyshock.store.RunStore.record_run`.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`SERIES_COLUMNS` (``time`` as dates, ``value`` as floats).

    Raises
    ------
    StoreError
        When a column is missing, a key has missing values, a time is not a date or a
        value is not numeric.
    """
    if not isinstance(series, pd.DataFrame):
        raise StoreError(f"series must be a pandas DataFrame, got {type(series).__name__}")
    frame = _frame_with_columns(series, SERIES_COLUMNS)
    frame.columns = [str(c) for c in frame.columns]
    if "statistic" not in frame.columns:
        frame["statistic"] = DEFAULT_STATISTIC
    missing = [c for c in SERIES_COLUMNS if c not in frame.columns]
    if missing:
        raise StoreError(f"series lacks column(s) {', '.join(missing)}; it needs {', '.join(SERIES_COLUMNS)} (statistic optional)")
    frame = frame[list(SERIES_COLUMNS)].copy()
    _text(frame, ("variable", "country", "item", "statistic"), "series")
    try:
        frame["time"] = pd.to_datetime(frame["time"]).dt.date
    except (TypeError, ValueError) as exc:
        raise StoreError(f"series column 'time' is not made of dates: {exc}") from exc
    _numeric(frame, ("value",), "series")
    return frame
