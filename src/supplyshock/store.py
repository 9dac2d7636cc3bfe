"""Embedded run store: where supplyshock keeps the record of every simulation run.

The store is one DuckDB database file (``runs.duckdb``) in the supplyshock home
directory: the directory named by the environment variable ``SUPPLYSHOCK_HOME`` when it
is set, else ``~/.local/share/supplyshock``. The full results of a run live beside it as
one netCDF file (written by :func:`save_results`); the store keeps the run's metadata,
its summary metrics and, optionally, a compact long table of member-quantile series.

Tables
------
``schema_version``
    One row per applied schema migration (``version``, ``applied``). The store refuses
    to open a file whose schema is newer than this code knows.
``runs``
    One row per run, keyed by a short human-friendly ``run_id`` such as
    ``20261129-201501-ab12cd`` (the run's creation time in UTC and six random hex
    digits). Columns: ``scenario_name``, ``scenario_sha256``, ``dataset``, ``seed``,
    ``members``, ``start`` and ``end`` (first and last simulated day), ``created`` (from
    the results), ``recorded`` (when the store recorded it), ``results_path``,
    ``status``, ``supplyshock_version``, ``scenario_yaml`` and ``params`` (JSON).
``run_summary``
    One row per (run, country, sector, statistic) with the metrics
    ``days_to_first_shortfall`` (NULL when there is no shortfall),
    ``peak_shortfall_pct``, ``cumulative_shortfall_t`` and ``lost_output_usd``.
    ``statistic`` names how members were aggregated: ``"median"`` (the default, as
    reported by :func:`supplyshock.analysis.summary.summarise`) for the plain metric
    columns, ``"p05"``, ``"p95"``... for member quantiles.
``run_series``
    Optional long table (``variable``, ``time``, ``country``, ``item``, ``statistic``,
    ``value``) of member statistics of daily series, e.g. as made by
    :func:`member_quantile_series`, for quick plots without opening the netCDF file.

Every write happens in one transaction: a run is recorded whole or not at all. DuckDB
lets one process at a time open the file for writing; every operation opens the file,
does its work and closes it again, retrying for ``lock_timeout`` seconds while another
process holds it and then failing with a clear :class:`~supplyshock.errors.StoreError`.

Exports
-------
:meth:`RunStore.export` writes one tidy long-form file per variable into an output
directory, ``<variable>.csv`` or ``<variable>.parquet``, made by
``ds[variable].to_dataframe()``: one column per dimension of the variable (for example
``scenario, member, time, country, product``), then its non-index coordinates (for
``trade``: ``link_exporter, link_importer, link_product``), then one value column named
after the variable. A ``manifest.json`` beside them lists the run, each file's
dimensions, columns and units. Every file is first written to a hidden temporary file in
the same directory and only renamed into place once all of them have been written, so an
error never leaves a half-written file behind.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import random
import re
import secrets
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal

import duckdb
import numpy as np
import pandas as pd
import xarray as xr

from supplyshock.errors import StoreError

__all__ = [
    "EXPORT_FORMATS",
    "HOME_ENV",
    "SCHEMA_VERSION",
    "STORE_FILENAME",
    "SUMMARY_METRICS",
    "ExportFormat",
    "RunStore",
    "default_home",
    "default_store_path",
    "member_quantile_series",
    "new_run_id",
    "open_results",
    "save_results",
]

#: Version of the store's schema written by this code; see ``_MIGRATIONS``.
SCHEMA_VERSION = 3
#: Name of the database file inside the supplyshock home directory.
STORE_FILENAME = "runs.duckdb"
#: Environment variable naming the supplyshock home directory.
HOME_ENV = "SUPPLYSHOCK_HOME"
#: Metric columns of ``run_summary``.
SUMMARY_METRICS: tuple[str, ...] = (
    "days_to_first_shortfall",
    "peak_shortfall_pct",
    "cumulative_shortfall_t",
    "lost_output_usd",
)
#: Statistic recorded for summary metric columns that carry no statistic of their own
#: (:func:`supplyshock.analysis.summary.summarise` reports medians over members).
DEFAULT_STATISTIC = "median"
#: Summary columns accepted by :meth:`RunStore.record_run` but not stored because they
#: are derived (``first_shortfall_date`` is ``start + days_to_first_shortfall``).
_DERIVED_SUMMARY_COLUMNS: tuple[str, ...] = ("first_shortfall_date",)
#: Attributes every results dataset must carry to be recorded.
REQUIRED_ATTRS: tuple[str, ...] = (
    "supplyshock_version",
    "scenario_name",
    "scenario_sha256",
    "dataset",
    "seed",
    "created",
    "scenario_yaml",
)

ExportFormat = Literal["csv", "parquet"]
EXPORT_FORMATS: tuple[str, ...] = ("csv", "parquet")

_RUN_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_STATISTIC_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_LIST_COLUMNS: tuple[str, ...] = (
    "run_id",
    "scenario_name",
    "scenario_sha256",
    "dataset",
    "seed",
    "members",
    "start",
    "end",
    "created",
    "recorded",
    "results_path",
    "status",
    "supplyshock_version",
)
_SUMMARY_COLUMNS: tuple[str, ...] = ("country", "sector", "statistic", *SUMMARY_METRICS)
_SERIES_COLUMNS: tuple[str, ...] = ("variable", "time", "country", "item", "statistic", "value")

# Each migration brings the schema from version ``n - 1`` to ``n``; all run in one
# transaction together with the row that records them in ``schema_version``.
_MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: (
        """
        CREATE TABLE runs (
            run_id TEXT PRIMARY KEY,
            scenario_name TEXT NOT NULL,
            scenario_sha256 TEXT NOT NULL,
            dataset TEXT NOT NULL,
            seed BIGINT NOT NULL,
            members INTEGER NOT NULL,
            "start" DATE NOT NULL,
            "end" DATE NOT NULL,
            created TIMESTAMP NOT NULL,
            recorded TIMESTAMP NOT NULL,
            results_path TEXT NOT NULL,
            status TEXT NOT NULL,
            supplyshock_version TEXT NOT NULL,
            scenario_yaml TEXT NOT NULL,
            params JSON NOT NULL
        )
        """,
        """
        CREATE TABLE run_summary (
            run_id TEXT NOT NULL,
            country TEXT NOT NULL,
            sector TEXT NOT NULL,
            statistic TEXT NOT NULL,
            days_to_first_shortfall DOUBLE,
            peak_shortfall_pct DOUBLE,
            cumulative_shortfall_t DOUBLE,
            lost_output_usd DOUBLE,
            PRIMARY KEY (run_id, country, sector, statistic)
        )
        """,
        # No primary key: series can be large, and an index would slow bulk inserts.
        """
        CREATE TABLE run_series (
            run_id TEXT NOT NULL,
            variable TEXT NOT NULL,
            time DATE NOT NULL,
            country TEXT NOT NULL,
            item TEXT NOT NULL,
            statistic TEXT NOT NULL,
            value DOUBLE
        )
        """,
    ),
    2: (
        # one row per point of a parameter sweep, keyed by the sweep and the point's values
        """
        CREATE TABLE sweep_points (
            sweep_id TEXT NOT NULL,
            point_key TEXT NOT NULL,
            scenario_name TEXT NOT NULL,
            point JSON NOT NULL,
            metrics JSON NOT NULL,
            members INTEGER NOT NULL,
            recorded TIMESTAMP NOT NULL,
            PRIMARY KEY (sweep_id, point_key)
        )
        """,
    ),
    3: (
        # results of analyses that are tables rather than runs (risk indicators, time-to-survive)
        """
        CREATE TABLE analysis_results (
            result_id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            dataset TEXT NOT NULL,
            created TIMESTAMP NOT NULL,
            params JSON NOT NULL,
            rows JSON NOT NULL
        )
        """,
    ),
}


# --------------------------------------------------------------------------- locations


def default_home() -> Path:
    """Return the supplyshock home directory.

    Returns
    -------
    pathlib.Path
        ``$SUPPLYSHOCK_HOME`` when that environment variable is set and not empty, else
        ``~/.local/share/supplyshock``.
    """
    env = os.environ.get(HOME_ENV, "").strip()
    if env:
        return Path(env).expanduser()
    return Path.home() / ".local" / "share" / "supplyshock"


def default_store_path() -> Path:
    """Return the default location of the run store database file.

    Returns
    -------
    pathlib.Path
        ``runs.duckdb`` inside :func:`default_home`.
    """
    return default_home() / STORE_FILENAME


def new_run_id(created: datetime | str | None = None) -> str:
    """Make a new short, human-friendly run id.

    Parameters
    ----------
    created
        When the run was created (a datetime or an ISO 8601 string); naive times are
        taken as UTC. Defaults to now.

    Returns
    -------
    str
        ``YYYYMMDD-HHMMSS-xxxxxx``: the creation time in UTC and six random hex digits,
        e.g. ``20261129-201501-ab12cd``.
    """
    when = datetime.now(UTC) if created is None else _parse_created(created)
    return f"{when:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


# ----------------------------------------------------------------------- results files


def save_results(ds: xr.Dataset, path: str | os.PathLike[str], *, complevel: int = 4) -> Path:
    """Write a results dataset to a netCDF file atomically.

    The dataset is written with the h5netcdf engine, numeric variables zlib-compressed, to
    a temporary file in the target directory that is then renamed over ``path``: readers
    see either the old file or the complete new one, never a half-written file.

    Parameters
    ----------
    ds
        The results dataset.
    path
        Where to write it; missing parent directories are created.
    complevel
        zlib compression level, 1 (fast) to 9 (small).

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    StoreError
        When the dataset cannot be written; ``path`` is then left as it was.
    """
    target = Path(path).expanduser()
    if not 1 <= complevel <= 9:
        raise StoreError(f"complevel must be between 1 and 9, got {complevel}")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create directory {target.parent}: {exc}") from exc
    clean = ds.drop_encoding()
    encoding: dict[str, dict[str, Any]] = {
        str(name): {"zlib": True, "complevel": complevel} for name, var in clean.data_vars.items() if var.dtype.kind in "biuf"
    }

    def write(tmp: Path) -> None:
        clean.to_netcdf(tmp, engine="h5netcdf", encoding=encoding)

    try:
        _atomic_write(target, write)
    except StoreError:
        raise
    except Exception as exc:
        raise StoreError(f"cannot write results to {target}: {exc}") from exc
    return target


def open_results(path: str | os.PathLike[str]) -> xr.Dataset:
    """Read a results dataset written by :func:`save_results`.

    Parameters
    ----------
    path
        The netCDF file.

    Returns
    -------
    xarray.Dataset
        The dataset, loaded into memory (the file is closed again).

    Raises
    ------
    StoreError
        When the file is missing or is not a readable netCDF file.
    """
    source = Path(path).expanduser()
    if not source.is_file():
        raise StoreError(f"results file {source} does not exist")
    try:
        with xr.open_dataset(source, engine="h5netcdf") as ds:
            return ds.load()
    except Exception as exc:
        raise StoreError(f"cannot read results file {source}: {exc}") from exc


def member_quantile_series(
    ds: xr.Dataset,
    variables: Sequence[str] = ("shortfall",),
    quantiles: Sequence[float] = (0.05, 0.5, 0.95),
) -> pd.DataFrame:
    """Compute member quantiles of daily series, in the layout of ``run_series``.

    Parameters
    ----------
    ds
        A results dataset.
    variables
        Variables on ``(scenario, member, time, country, <item>)`` to summarise, where
        ``<item>`` is ``product`` or ``sector``.
    quantiles
        Quantiles over members, each in [0, 1].

    Returns
    -------
    pandas.DataFrame
        Columns ``variable, time, country, item, statistic, value``; ``statistic`` is
        ``p05``, ``p50``, ``p95``... (the quantile in percent, two digits; ``p100`` for 1).

    Raises
    ------
    StoreError
        When a variable is missing or has another layout, or a quantile is out of range.
    """
    frames: list[pd.DataFrame] = []
    qs = [float(q) for q in quantiles]
    if not qs or any(not 0.0 <= q <= 1.0 for q in qs):
        raise StoreError(f"quantiles must be a non-empty list of numbers in [0, 1], got {qs}")
    labels = {q: _quantile_label(q) for q in qs}
    for name in variables:
        if name not in ds.data_vars:
            raise StoreError(f"results have no variable {name!r}")
        da = ds[name]
        dims = tuple(str(d) for d in da.dims)
        if len(dims) != 5 or dims[:4] != ("scenario", "member", "time", "country"):
            raise StoreError(
                f"variable {name!r} has dimensions {dims}; member_quantile_series needs (scenario, member, time, country, product|sector)"
            )
        item_dim = dims[4]
        q = da.quantile(qs, dim="member").isel(scenario=0, drop=True)
        frame = q.to_dataframe(name="value").reset_index()
        frame = frame.rename(columns={item_dim: "item"})
        frame["statistic"] = frame["quantile"].map(labels)
        frame["variable"] = name
        frames.append(frame[list(_SERIES_COLUMNS)])
    if not frames:
        return pd.DataFrame(columns=list(_SERIES_COLUMNS))
    return pd.concat(frames, ignore_index=True)


# ------------------------------------------------------------------------------- store


class RunStore:
    """The embedded DuckDB store of run records.

    Parameters
    ----------
    path
        The database file; a directory means ``runs.duckdb`` inside it. Defaults to
        :func:`default_store_path`. The file and its directory are created on first write.
    lock_timeout
        Seconds to keep retrying while another process holds the database file before
        failing with :class:`~supplyshock.errors.StoreError`.

    Examples
    --------
    >>> store = RunStore()  # doctest: +SKIP
    >>> run_id = store.record_run(ds, results_path="out.nc", summary=summary)  # doctest: +SKIP
    >>> store.get_run(run_id[:8])["summary"]  # doctest: +SKIP
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, *, lock_timeout: float = 10.0) -> None:
        store = default_store_path() if path is None else Path(path).expanduser()
        if store.is_dir():
            store = store / STORE_FILENAME
        self.path: Path = store
        self.lock_timeout: float = float(lock_timeout)
        self._schema_checked = False

    def __repr__(self) -> str:
        return f"RunStore({str(self.path)!r})"

    @property
    def results_dir(self) -> Path:
        """Directory suggested for results files: ``results/`` beside the database file."""
        return self.path.parent / "results"

    # ------------------------------------------------------------------ public API

    def record_run(
        self,
        ds: xr.Dataset,
        *,
        results_path: str | os.PathLike[str],
        summary: pd.DataFrame | None = None,
        params: Mapping[str, Any] | None = None,
        series: pd.DataFrame | None = None,
        status: str = "complete",
        run_id: str | None = None,
    ) -> str:
        """Record a run in one transaction.

        Parameters
        ----------
        ds
            The run's results dataset (only its attributes and coordinates are read).
        results_path
            The netCDF file holding ``ds`` (see :func:`save_results`); stored as an
            absolute path. It must exist when ``status`` is ``"complete"``.
        summary
            Summary metrics per country and sector: columns ``country``, ``sector`` and
            every one of ``days_to_first_shortfall``, ``peak_shortfall_pct``,
            ``cumulative_shortfall_t``, ``lost_output_usd`` (NaN becomes NULL).
            Optionally a ``statistic`` column (default ``"median"``), or instead wide
            member-quantile columns named ``<metric>_<statistic>`` such as
            ``peak_shortfall_pct_p95``, which become rows of that statistic.
            ``country``/``sector`` may also be index levels, and a
            ``first_shortfall_date`` column is accepted and dropped (it is derived), so
            the output of :func:`supplyshock.analysis.summary.summarise` fits as is.
        params
            JSON-serialisable run parameters (numpy scalars, dates and paths are
            converted).
        series
            Optional long table for ``run_series``: columns ``variable, time, country,
            item, value`` and optionally ``statistic`` (default ``"median"``).
        status
            Run status, e.g. ``"complete"``.
        run_id
            Use this id instead of making one with :func:`new_run_id`.

        Returns
        -------
        str
            The new run's id.

        Raises
        ------
        StoreError
            When the dataset lacks required attributes, an input is malformed, the run id
            exists already, or the database cannot be written. Nothing is recorded then.
        """
        meta = _run_metadata(ds)
        results = Path(results_path).expanduser().resolve()
        if status == "complete" and not results.is_file():
            raise StoreError(f"results file {results} does not exist; write the results with supplyshock.store.save_results before recording the run")
        if not status or not status.strip():
            raise StoreError("run status must not be empty")
        if run_id is not None and not _RUN_ID_RE.match(run_id):
            raise StoreError(f"invalid run id {run_id!r}: use up to 64 letters, digits, '.', '_' or '-'")
        params_json = _params_to_json(params)
        summary_frame = None if summary is None else _normalize_summary(summary)
        series_frame = None if series is None else _normalize_series(series)

        with self._connect() as con:
            rid = run_id if run_id is not None else self._fresh_run_id(con, meta["created"])
            con.begin()
            try:
                con.execute(
                    """
                    INSERT INTO runs (
                        run_id, scenario_name, scenario_sha256, dataset, seed, members,
                        "start", "end", created, recorded, results_path, status,
                        supplyshock_version, scenario_yaml, params
                    ) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                    [
                        rid,
                        meta["scenario_name"],
                        meta["scenario_sha256"],
                        meta["dataset"],
                        meta["seed"],
                        meta["members"],
                        meta["start"],
                        meta["end"],
                        meta["created"],
                        datetime.now(UTC).replace(tzinfo=None),
                        str(results),
                        status,
                        meta["supplyshock_version"],
                        meta["scenario_yaml"],
                        params_json,
                    ],
                )
                if summary_frame is not None and len(summary_frame):
                    self._insert_summary(con, rid, summary_frame)
                if series_frame is not None and len(series_frame):
                    self._insert_series(con, rid, series_frame)
                con.commit()
            except BaseException as exc:
                with contextlib.suppress(duckdb.Error):
                    con.rollback()
                if isinstance(exc, duckdb.Error):
                    raise StoreError(f"cannot record run {rid} in {self.path}: {_one_line(exc)}; nothing was recorded") from exc
                raise
        return rid

    def list_runs(self) -> pd.DataFrame:
        """List the recorded runs, newest first.

        Returns
        -------
        pandas.DataFrame
            One row per run with columns ``run_id, scenario_name, scenario_sha256,
            dataset, seed, members, start, end, created, recorded, results_path, status,
            supplyshock_version`` (``scenario_yaml`` and ``params`` are left to
            :meth:`get_run`). Empty when the store holds no run or does not exist yet.
        """
        if not self.path.exists():
            return pd.DataFrame(columns=list(_LIST_COLUMNS))
        cols = ", ".join(f'"{c}"' for c in _LIST_COLUMNS)
        with self._connect() as con:
            return con.execute(f"SELECT {cols} FROM runs ORDER BY created DESC, run_id DESC").df()

    def resolve(self, run_id: str) -> str:
        """Return the full id of the run that ``run_id`` names.

        Parameters
        ----------
        run_id
            A full run id or, as in git, any prefix of exactly one run id.

        Returns
        -------
        str
            The full run id.

        Raises
        ------
        StoreError
            When no run or more than one run matches.
        """
        self._require_store(run_id)
        with self._connect() as con:
            return self._resolve(con, run_id)

    def get_run(self, run_id: str) -> dict[str, Any]:
        """Return everything the store knows about a run.

        Parameters
        ----------
        run_id
            A run id or a unique prefix of one.

        Returns
        -------
        dict
            The ``runs`` columns (``params`` decoded to a dict, ``start``/``end`` as
            dates, ``created``/``recorded`` as naive UTC datetimes) plus ``summary``: a
            DataFrame with columns ``country, sector, statistic``, the metrics and
            ``first_shortfall_date`` (``start + days_to_first_shortfall`` whole days, a
            date, or None when there is no shortfall).

        Raises
        ------
        StoreError
            When the run is unknown or the prefix is ambiguous.
        """
        self._require_store(run_id)
        with self._connect() as con:
            rid = self._resolve(con, run_id)
            cur = con.execute("SELECT * FROM runs WHERE run_id = ?", [rid])
            names = [d[0] for d in cur.description or ()]
            row = cur.fetchone()
            if row is None:  # pragma: no cover - resolve just found it
                raise StoreError(f"run {rid} vanished from {self.path}")
            record: dict[str, Any] = dict(zip(names, row, strict=True))
            cols = ", ".join(_SUMMARY_COLUMNS)
            summary = con.execute(
                f"SELECT {cols} FROM run_summary WHERE run_id = ? ORDER BY country, sector, statistic",
                [rid],
            ).df()
        record["params"] = json.loads(record["params"]) if record.get("params") else {}
        start = pd.Timestamp(record["start"])
        summary["first_shortfall_date"] = [
            None if pd.isna(d) else (start + pd.Timedelta(days=int(d))).date() for d in summary["days_to_first_shortfall"]
        ]
        record["summary"] = summary
        return record

    def get_series(self, run_id: str, variable: str | None = None) -> pd.DataFrame:
        """Return the ``run_series`` rows of a run.

        Parameters
        ----------
        run_id
            A run id or a unique prefix of one.
        variable
            Only this variable; all when None.

        Returns
        -------
        pandas.DataFrame
            Columns ``variable, time, country, item, statistic, value``.
        """
        self._require_store(run_id)
        cols = ", ".join(_SERIES_COLUMNS)
        with self._connect() as con:
            rid = self._resolve(con, run_id)
            sql = f"SELECT {cols} FROM run_series WHERE run_id = ?"
            args: list[Any] = [rid]
            if variable is not None:
                sql += " AND variable = ?"
                args.append(variable)
            sql += " ORDER BY variable, country, item, statistic, time"
            return con.execute(sql, args).df()

    def load_results(self, run_id: str) -> xr.Dataset:
        """Load the results dataset of a run from its netCDF file.

        Parameters
        ----------
        run_id
            A run id or a unique prefix of one.

        Returns
        -------
        xarray.Dataset
            The results, loaded into memory.

        Raises
        ------
        StoreError
            When the run is unknown or its results file is missing or unreadable.
        """
        self._require_store(run_id)
        with self._connect() as con:
            rid = self._resolve(con, run_id)
            row = con.execute("SELECT results_path FROM runs WHERE run_id = ?", [rid]).fetchone()
        path = Path(str(row[0])) if row else None
        if path is None or not path.is_file():
            raise StoreError(
                f"results file {path} of run {rid} is missing (moved or deleted?); remove the record with `supplyshock runs delete {rid}`"
            )
        return open_results(path)

    def export(
        self,
        run_id: str,
        fmt: ExportFormat | str,
        path: str | os.PathLike[str],
        variables: Iterable[str] | None = None,
    ) -> list[Path]:
        """Export a run's results as tidy long-form files, one per variable.

        Parameters
        ----------
        run_id
            A run id or a unique prefix of one.
        fmt
            ``"csv"`` or ``"parquet"``.
        path
            Output directory (created if missing). It receives ``<variable>.<fmt>`` per
            variable and ``manifest.json``; existing files of those names are replaced.
        variables
            Variables to export; all data variables when None.

        Returns
        -------
        list of pathlib.Path
            The files written, data files first and ``manifest.json`` last.

        Raises
        ------
        StoreError
            When the run, a variable or the format is unknown, or writing fails; no
            output file is then created or changed.

        Notes
        -----
        Each file holds ``ds[variable].to_dataframe()`` with its index reset: a column
        per dimension, then the variable's non-index coordinates, then the values in a
        column named after the variable. Units are in ``manifest.json``.
        """
        if fmt not in EXPORT_FORMATS:
            raise StoreError(f"unknown export format {fmt!r}; use one of {', '.join(EXPORT_FORMATS)}")
        out = Path(path).expanduser()
        if out.exists() and not out.is_dir():
            raise StoreError(f"export target {out} exists and is not a directory")
        rid = self.resolve(run_id)
        ds = self.load_results(rid)
        available = [str(v) for v in ds.data_vars]
        names = available if variables is None else list(dict.fromkeys(variables))
        unknown = [v for v in names if v not in ds.data_vars]
        if unknown:
            raise StoreError(f"run {rid} has no variable(s) {', '.join(unknown)}; available: {', '.join(available)}")
        if not names:
            raise StoreError("no variables to export")
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create export directory {out}: {exc}") from exc

        manifest: dict[str, Any] = {
            "run_id": rid,
            "scenario_name": ds.attrs.get("scenario_name"),
            "dataset": ds.attrs.get("dataset"),
            "supplyshock_version": ds.attrs.get("supplyshock_version"),
            "format": fmt,
            "layout": "one long-form file per variable; value column named after it",
            "exported": datetime.now(UTC).isoformat(timespec="seconds"),
            "files": {},
        }
        staged: list[tuple[Path, Path]] = []
        try:
            for name in names:
                frame = _long_frame(ds, name)
                target = out / f"{name}.{fmt}"
                staged.append((_stage(target, functools.partial(_write_frame, frame, fmt=fmt)), target))
                manifest["files"][name] = {
                    "file": target.name,
                    "units": str(ds[name].attrs.get("units", "")),
                    "dims": [str(d) for d in ds[name].dims],
                    "columns": [str(c) for c in frame.columns],
                    "rows": len(frame),
                }
            text = json.dumps(manifest, indent=2, default=_json_default) + "\n"
            manifest_path = out / "manifest.json"
            staged.append(
                (
                    _stage(manifest_path, lambda tmp: tmp.write_text(text, encoding="utf-8")),
                    manifest_path,
                )
            )
            for tmp, target in staged:
                os.replace(tmp, target)
        except Exception as exc:
            for tmp, _ in staged:
                with contextlib.suppress(OSError):
                    tmp.unlink()
            if isinstance(exc, StoreError):
                raise
            raise StoreError(f"cannot export run {rid} to {out}: {exc}") from exc
        return [target for _, target in staged]

    def delete_run(self, run_id: str, *, delete_results: bool = False) -> str:
        """Delete a run's records, and optionally its results file.

        Parameters
        ----------
        run_id
            A run id or a unique prefix of one.
        delete_results
            Also delete the run's netCDF results file (after the records are gone).

        Returns
        -------
        str
            The full id of the deleted run.

        Raises
        ------
        StoreError
            When the run is unknown or the prefix is ambiguous.
        """
        self._require_store(run_id)
        with self._connect() as con:
            rid = self._resolve(con, run_id)
            row = con.execute("SELECT results_path FROM runs WHERE run_id = ?", [rid]).fetchone()
            con.begin()
            try:
                for table in ("run_series", "run_summary", "runs"):
                    con.execute(f"DELETE FROM {table} WHERE run_id = ?", [rid])
                con.commit()
            except BaseException:
                with contextlib.suppress(duckdb.Error):
                    con.rollback()
                raise
        if delete_results and row is not None:
            try:
                Path(str(row[0])).unlink(missing_ok=True)
            except OSError as exc:
                raise StoreError(f"deleted run {rid} but could not delete its results file {row[0]}: {exc}") from exc
        return rid

    def record_sweep_point(self, sweep_id: str, point: Mapping[str, Any], metrics: Mapping[str, float], *, scenario_name: str, members: int) -> str:
        """Record one sweep point (idempotent: a point already recorded is left as it is).

        Returns the point's key (its values as canonical JSON).
        """
        key = json.dumps(point, sort_keys=True, default=str)
        with self._connect() as con:
            con.execute(
                "INSERT INTO sweep_points VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                [sweep_id, key, scenario_name, key, json.dumps(dict(metrics), default=float), int(members), datetime.now(UTC).replace(tzinfo=None)],
            )
        return key

    def sweep_points(self, sweep_id: str) -> pd.DataFrame:
        """The recorded points of a sweep: one column per axis and per metric."""
        if not self.path.exists():
            return pd.DataFrame()
        with self._connect() as con:
            rows = con.execute("SELECT point, metrics FROM sweep_points WHERE sweep_id = ? ORDER BY recorded, point_key", [sweep_id]).fetchall()
        return pd.DataFrame([{**json.loads(p), **json.loads(m)} for p, m in rows])

    def record_analysis(self, kind: str, table: pd.DataFrame, *, dataset: str, params: Mapping[str, Any] | None = None) -> str:
        """Record an analysis table (e.g. ``risk-indicators``, ``time-to-survive``); returns its id."""
        created = datetime.now(UTC)
        result_id = f"{kind}-{created.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(3)}"
        rows = table.reset_index(drop=table.index.name is None and not isinstance(table.index, pd.MultiIndex)).to_json(
            orient="records", default_handler=str
        )
        with self._connect() as con:
            con.execute(
                "INSERT INTO analysis_results VALUES (?, ?, ?, ?, ?, ?)",
                [result_id, kind, dataset, created.replace(tzinfo=None), json.dumps(dict(params or {}), default=str), rows],
            )
        return result_id

    def list_analyses(self, kind: str | None = None) -> pd.DataFrame:
        """Recorded analyses (id, kind, dataset, created, params)."""
        if not self.path.exists():
            return pd.DataFrame(columns=["result_id", "kind", "dataset", "created", "params"])
        with self._connect() as con:
            q = "SELECT result_id, kind, dataset, created, params FROM analysis_results"
            args: list[Any] = []
            if kind:
                q += " WHERE kind = ?"
                args.append(kind)
            return con.execute(q + " ORDER BY created", args).df()

    def get_analysis(self, result_id: str) -> pd.DataFrame:
        """The table of a recorded analysis."""
        with self._connect() as con:
            row = con.execute("SELECT rows FROM analysis_results WHERE result_id = ?", [result_id]).fetchone()
        if row is None:
            raise StoreError(f"no analysis {result_id!r} in {self.path}; list them with RunStore.list_analyses()")
        return pd.DataFrame(json.loads(row[0]))

    def schema_version(self) -> int:
        """Return the schema version of the store file (0 when it does not exist yet)."""
        if not self.path.exists():
            return 0
        with self._connect() as con:
            return _current_version(con)

    # ----------------------------------------------------------------- internals

    def list_hint(self) -> str:
        """Return the command that lists the runs of this store, for error messages."""
        if self.path == default_store_path():
            return "supplyshock runs list"
        return f"supplyshock runs list --store {self.path}"

    def _require_store(self, run_id: str) -> None:
        if not self.path.exists():
            raise StoreError(f"no run {run_id!r}: there is no run store at {self.path} yet (list runs with `{self.list_hint()}`)")

    def _resolve(self, con: duckdb.DuckDBPyConnection, run_id: str) -> str:
        key = run_id.strip()
        if not key:
            raise StoreError(f"empty run id; list runs with `{self.list_hint()}`")
        rows = con.execute("SELECT run_id FROM runs WHERE starts_with(run_id, ?) ORDER BY run_id", [key]).fetchall()
        ids = [str(r[0]) for r in rows]
        if key in ids:
            return key
        if not ids:
            raise StoreError(f"no run {key!r} in {self.path}; list runs with `{self.list_hint()}`")
        if len(ids) > 1:
            shown = ", ".join(ids[:5]) + (", ..." if len(ids) > 5 else "")
            raise StoreError(f"run id {key!r} is ambiguous: it matches {len(ids)} runs ({shown}); give more characters")
        return ids[0]

    def _fresh_run_id(self, con: duckdb.DuckDBPyConnection, created: datetime) -> str:
        for _ in range(100):
            rid = new_run_id(created)
            hit = con.execute("SELECT 1 FROM runs WHERE run_id = ?", [rid]).fetchone()
            if hit is None:
                return rid
        raise StoreError("could not find a free run id")  # pragma: no cover

    def _insert_summary(self, con: duckdb.DuckDBPyConnection, run_id: str, frame: pd.DataFrame) -> None:
        _insert_frame(con, "run_summary", _SUMMARY_COLUMNS, run_id, frame)

    def _insert_series(self, con: duckdb.DuckDBPyConnection, run_id: str, frame: pd.DataFrame) -> None:
        _insert_frame(con, "run_series", _SERIES_COLUMNS, run_id, frame)

    @contextlib.contextmanager
    def _connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Open the database (waiting out other processes' locks), migrate, yield, close."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create run store directory {self.path.parent}: {exc}") from exc
        con = self._open()
        try:
            if not self._schema_checked:
                _migrate(con, self.path)
                self._schema_checked = True
            yield con
        except duckdb.Error as exc:
            raise StoreError(f"run store {self.path}: {_one_line(exc)}") from exc
        finally:
            con.close()

    def _open(self) -> duckdb.DuckDBPyConnection:
        return connect_with_retry(self.path, self.lock_timeout, "run store")


# --------------------------------------------------------------------------- helpers


def connect_with_retry(path: Path, lock_timeout: float, label: str) -> duckdb.DuckDBPyConnection:
    """Open a DuckDB file, waiting (with jittered backoff) while another process holds its lock.

    Raises
    ------
    StoreError
        When the file cannot be opened, or stays locked for ``lock_timeout`` seconds.
    """
    deadline = time.monotonic() + lock_timeout
    delay = 0.02
    while True:
        try:
            return duckdb.connect(str(path))
        except duckdb.Error as exc:
            if not _is_lock_error(exc):
                raise StoreError(f"cannot open {label} {path}: {_one_line(exc)}") from exc
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise StoreError(
                    f"{label} {path} is locked by another process and stayed locked for {lock_timeout:g} s; try again when it has finished"
                ) from exc
            time.sleep(min(delay * (0.5 + random.random()), remaining))
            delay = min(delay * 2, 0.5)


def _insert_frame(con: duckdb.DuckDBPyConnection, table: str, columns: Sequence[str], run_id: str, frame: pd.DataFrame) -> None:
    """Insert a DataFrame's ``columns`` into ``table`` under ``run_id`` (inside the caller's transaction)."""
    cols = ", ".join(columns)
    view = f"_supplyshock_{table}_in"
    con.register(view, frame)
    try:
        con.execute(f"INSERT INTO {table} (run_id, {cols}) SELECT ?, {cols} FROM {view}", [run_id])
    except BaseException:
        # An aborted transaction refuses even unregister; keep the first error.
        with contextlib.suppress(duckdb.Error):
            con.unregister(view)
        raise
    con.unregister(view)


def _is_lock_error(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "lock" in text and ("conflicting" in text or "could not set" in text)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def _current_version(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'main' AND table_name = 'schema_version'").fetchone()
    if not row or not row[0]:
        return 0
    got = con.execute("SELECT max(version) FROM schema_version").fetchone()
    return int(got[0]) if got and got[0] is not None else 0


def _migrate(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Bring the schema of an open store up to :data:`SCHEMA_VERSION`."""
    current = _current_version(con)
    if current > SCHEMA_VERSION:
        raise StoreError(
            f"run store {path} has schema version {current}, newer than this supplyshock understands ({SCHEMA_VERSION}); upgrade supplyshock"
        )
    if current == SCHEMA_VERSION:
        return
    con.begin()
    try:
        con.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied TIMESTAMP NOT NULL)")
        for version in range(current + 1, SCHEMA_VERSION + 1):
            for statement in _MIGRATIONS[version]:
                con.execute(statement)
            con.execute(
                "INSERT INTO schema_version VALUES (?, ?)",
                [version, datetime.now(UTC).replace(tzinfo=None)],
            )
        con.commit()
    except BaseException:
        with contextlib.suppress(duckdb.Error):
            con.rollback()
        raise


def _parse_created(value: datetime | str) -> datetime:
    """Parse a creation time to a naive UTC datetime."""
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


def _run_metadata(ds: xr.Dataset) -> dict[str, Any]:
    """Validate a results dataset and extract the ``runs`` columns from it."""
    missing = [a for a in REQUIRED_ATTRS if a not in ds.attrs]
    if missing:
        raise StoreError(f"results dataset lacks attribute(s) {', '.join(missing)}; it needs {', '.join(REQUIRED_ATTRS)}")
    for dim in ("member", "time"):
        if dim not in ds.dims:
            raise StoreError(f"results dataset has no {dim!r} dimension")
    if ds.sizes["time"] == 0:
        raise StoreError("results dataset has an empty 'time' dimension")
    try:
        times = pd.DatetimeIndex(ds["time"].values)
    except (TypeError, ValueError) as exc:
        raise StoreError(f"results 'time' coordinate is not made of dates: {exc}") from exc
    seed_attr = ds.attrs["seed"]
    try:
        seed = int(seed_attr)
    except (TypeError, ValueError) as exc:
        raise StoreError(f"results attribute 'seed' is not an integer: {seed_attr!r}") from exc
    if isinstance(seed_attr, float | np.floating) and seed != seed_attr:
        raise StoreError(f"results attribute 'seed' is not an integer: {seed_attr!r}")
    meta: dict[str, Any] = {a: str(ds.attrs[a]) for a in REQUIRED_ATTRS if a != "seed"}
    meta.update(
        seed=seed,
        members=int(ds.sizes["member"]),
        start=times.min().date(),
        end=times.max().date(),
        created=_parse_created(str(ds.attrs["created"])),
    )
    return meta


def _json_default(value: Any) -> Any:
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


def _params_to_json(params: Mapping[str, Any] | None) -> str:
    if params is None:
        return "{}"
    if not isinstance(params, Mapping):
        raise StoreError(f"params must be a mapping, got {type(params).__name__}")
    try:
        return json.dumps(dict(params), default=_json_default, sort_keys=True)
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


def _normalize_summary(summary: pd.DataFrame) -> pd.DataFrame:
    """Check a summary frame and bring it to the long ``run_summary`` layout."""
    if not isinstance(summary, pd.DataFrame):
        raise StoreError(f"summary must be a pandas DataFrame, got {type(summary).__name__}")
    frame = _frame_with_columns(summary, ("country", "sector", "statistic"))
    frame.columns = [str(c) for c in frame.columns]
    keys = ["country", "sector"]
    missing = [c for c in (*keys, *SUMMARY_METRICS) if c not in frame.columns]
    if missing:
        raise StoreError(f"summary lacks column(s) {', '.join(missing)}; it needs country, sector, {', '.join(SUMMARY_METRICS)}")
    wide: dict[str, dict[str, str]] = {}  # statistic -> metric -> column
    unknown: list[str] = []
    for col in frame.columns:
        if col in (*keys, "statistic", *SUMMARY_METRICS, *_DERIVED_SUMMARY_COLUMNS):
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
    if wide and "statistic" in frame.columns:
        raise StoreError("summary has both a 'statistic' column and wide <metric>_<statistic> columns; use one layout")
    if "statistic" not in frame.columns:
        frame["statistic"] = DEFAULT_STATISTIC
    parts = [frame[list(_SUMMARY_COLUMNS)]]
    for stat, columns in wide.items():
        part = frame[keys].copy()
        part["statistic"] = stat
        for metric in SUMMARY_METRICS:
            part[metric] = frame[columns[metric]] if metric in columns else np.nan
        parts.append(part[list(_SUMMARY_COLUMNS)])
    out = pd.concat(parts, ignore_index=True)
    _text(out, ("country", "sector", "statistic"), "summary")
    _numeric(out, SUMMARY_METRICS, "summary")
    return out


def _normalize_series(series: pd.DataFrame) -> pd.DataFrame:
    """Check a series frame and bring it to the ``run_series`` layout."""
    if not isinstance(series, pd.DataFrame):
        raise StoreError(f"series must be a pandas DataFrame, got {type(series).__name__}")
    frame = _frame_with_columns(series, _SERIES_COLUMNS)
    frame.columns = [str(c) for c in frame.columns]
    if "statistic" not in frame.columns:
        frame["statistic"] = DEFAULT_STATISTIC
    missing = [c for c in _SERIES_COLUMNS if c not in frame.columns]
    if missing:
        raise StoreError(f"series lacks column(s) {', '.join(missing)}; it needs {', '.join(_SERIES_COLUMNS)} (statistic optional)")
    frame = frame[list(_SERIES_COLUMNS)].copy()
    _text(frame, ("variable", "country", "item", "statistic"), "series")
    try:
        frame["time"] = pd.to_datetime(frame["time"]).dt.date
    except (TypeError, ValueError) as exc:
        raise StoreError(f"series column 'time' is not made of dates: {exc}") from exc
    _numeric(frame, ("value",), "series")
    return frame


def _quantile_label(q: float) -> str:
    pct = q * 100
    return f"p{round(pct):02d}" if abs(pct - round(pct)) < 1e-9 else f"p{pct:g}"


def _long_frame(ds: xr.Dataset, name: str) -> pd.DataFrame:
    """Return ``ds[name]`` in long form: dims, non-index coords, then the values."""
    da = ds[name]
    frame = da.to_dataframe(name=name).reset_index()
    dims = [str(d) for d in da.dims]
    coords = [str(c) for c in frame.columns if str(c) not in dims and str(c) != name]
    return frame[[*dims, *coords, name]]


def _write_frame(frame: pd.DataFrame, path: Path, fmt: str) -> None:
    if fmt == "csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_parquet(path, index=False, engine="pyarrow")


def _stage(target: Path, write: Callable[[Path], object]) -> Path:
    """Write a file's content to a new temporary file beside ``target``; return its path."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return tmp


def _atomic_write(target: Path, write: Callable[[Path], object]) -> None:
    """Write ``target`` through a temporary file in its directory and ``os.replace``."""
    tmp = _stage(target, write)
    try:
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
