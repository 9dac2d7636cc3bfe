"""Embedded run store: where supplyshock keeps the record of every simulation run.

The store is one DuckDB database file (``runs.duckdb``) in the supplyshock home
directory: the directory named by the environment variable ``SUPPLYSHOCK_HOME`` when it
is set, else ``~/.local/share/supplyshock``. The full results of a run live beside it as
one netCDF file (written by :func:`~supplyshock.store.results.save_results`); the store
keeps the run's metadata, its summary metrics and, optionally, a compact long table of
member-quantile series.

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
    ``status``, ``supplyshock_version``, ``scenario_json`` (the scenario, as JSON; named
    ``scenario_yaml`` before schema version 4) and ``params`` (JSON); from schema version
    6 also ``results_sha256`` (the checksum of the results file when the run was
    recorded), ``owner`` (``user@host``) and ``origin`` (the command and process that
    recorded it). :meth:`RunStore.load_results` refuses a file whose checksum changed;
    :meth:`RunStore.check` finds (and repairs) rows whose files are missing or changed.
``run_summary``
    One row per (run, country, sector, statistic) with the metrics of level ``sector`` in
    ``schema/metrics.csv`` (``days_to_first_shortfall``, NULL when there is no shortfall,
    ``peak_shortfall_pct``, ``cumulative_shortfall_t``, ``output_at_risk_usd``, named
    ``lost_output_usd`` before schema version 5, ``first_stoppage_day``, ...).
    ``statistic`` names how members were aggregated: ``"median"`` (the default, as
    reported by :func:`supplyshock.analysis.summary.summarise`) for the plain metric
    columns, ``"p05"``, ``"p95"``... for member quantiles.
``run_totals``
    Money lost through the input-output model (metrics of level ``loss``), per (run,
    metric, country, statistic); ``country`` is empty for the run's total.
``run_series``
    Optional long table (``variable``, ``time``, ``country``, ``item``, ``statistic``,
    ``value``) of member statistics of daily series, e.g. as made by
    :func:`~supplyshock.store.results.member_quantile_series`, for quick plots without
    opening the netCDF file.
``sweep_points``
    One row per point of a parameter sweep: the point's values and metrics as JSON.
``analysis_results``
    Results of analyses that are tables rather than runs (risk indicators,
    time-to-survive), as JSON rows.

Every write happens in one transaction: a run is recorded whole or not at all. DuckDB
lets one process at a time open the file for writing; every operation opens the file,
does its work and closes it again, retrying for ``lock_timeout`` seconds while another
process holds it and then failing with a clear :class:`~supplyshock.errors.StoreError`
(see :mod:`supplyshock.store.duck`).

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
import json
import os
import re
import secrets
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import xarray as xr

from supplyshock.errors import StoreError
from supplyshock.store.duck import Schema, current_version, insert_frame, one_line, session, transaction
from supplyshock.store.home import default_home, origin, owner
from supplyshock.store.records import (
    SERIES_COLUMNS,
    SUMMARY_COLUMNS,
    TOTALS_COLUMNS,
    normalize_series,
    normalize_summary,
    normalize_totals,
    params_to_json,
    parse_created,
    run_metadata,
)
from supplyshock.store.results import EXPORT_FORMATS, ExportFormat, export_results, file_sha256, open_results

__all__ = [
    "CHANGED_STATUS",
    "CHECK_COLUMNS",
    "RUN_SCHEMA",
    "SCHEMA_VERSION",
    "STORE_FILENAME",
    "RunStore",
    "default_store_path",
    "new_run_id",
]

#: Name of the database file inside the supplyshock home directory.
STORE_FILENAME = "runs.duckdb"
#: Status of a run whose results file no longer matches its record (set by :meth:`RunStore.check`).
CHANGED_STATUS = "changed"
#: Columns of :meth:`RunStore.check`.
CHECK_COLUMNS: tuple[str, ...] = ("run_id", "scenario_name", "results_path", "problem", "action")

_RUN_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
#: Columns of :meth:`RunStore.list_runs`.
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
    "owner",
)
#: Columns of ``runs`` written by :meth:`RunStore.record_run`, in order.
_RUN_COLUMNS: tuple[str, ...] = (
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
    "scenario_json",
    "params",
    "results_sha256",
    "owner",
    "origin",
)
_ANALYSIS_LIST_COLUMNS: tuple[str, ...] = ("result_id", "kind", "dataset", "created", "params")

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
    # the scenario has always been stored as JSON; the column now says so
    4: ("ALTER TABLE runs RENAME COLUMN scenario_yaml TO scenario_json",),
    # shortfall x value is an upper bound of output at risk, not a loss; plant-level metrics;
    # money lost through the input-output model, in total and per country (run_totals)
    5: (
        "ALTER TABLE run_summary RENAME COLUMN lost_output_usd TO output_at_risk_usd",
        "ALTER TABLE run_summary ADD COLUMN first_stoppage_day DOUBLE",
        "ALTER TABLE run_summary ADD COLUMN peak_stopped_pct DOUBLE",
        "ALTER TABLE run_summary ADD COLUMN plant_days_lost DOUBLE",
        "ALTER TABLE run_summary ADD COLUMN days_short DOUBLE",
        """
        CREATE TABLE run_totals (
            run_id TEXT NOT NULL,
            metric TEXT NOT NULL,
            country TEXT NOT NULL,
            statistic TEXT NOT NULL,
            value DOUBLE,
            PRIMARY KEY (run_id, metric, country, statistic)
        )
        """,
    ),
    # results are immutable: a checksum of the file as recorded; who and which process recorded the run
    6: (
        "ALTER TABLE runs ADD COLUMN results_sha256 TEXT",
        "ALTER TABLE runs ADD COLUMN owner TEXT",
        "ALTER TABLE runs ADD COLUMN origin TEXT",
    ),
}
#: The run store's schema.
RUN_SCHEMA = Schema(label="run store", version_table="schema_version", migrations=_MIGRATIONS)
#: Version of the store's schema written by this code; see ``_MIGRATIONS``.
SCHEMA_VERSION = RUN_SCHEMA.version


def default_store_path() -> Path:
    """Return the default location of the run store database file.

    Returns
    -------
    pathlib.Path
        ``runs.duckdb`` inside :func:`~supplyshock.store.home.default_home`.
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
    when = datetime.now(UTC) if created is None else parse_created(created)
    return f"{when:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


def _file_matches(path: Path, scenario_sha256: str, created: Any) -> bool | None:
    """Whether a results file is the one of a record (same scenario checksum and creation time); None if unreadable."""
    try:
        with xr.open_dataset(path, engine="h5netcdf") as ds:
            attrs = dict(ds.attrs)
    except Exception:
        return None
    try:
        same_time = parse_created(str(attrs.get("created", ""))) == pd.Timestamp(created).to_pydatetime().replace(tzinfo=None)
    except (StoreError, ValueError):
        same_time = False
    return str(attrs.get("scenario_sha256", "")) == scenario_sha256 and same_time


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


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

    # ------------------------------------------------------------------ runs

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
        totals: pd.DataFrame | None = None,
    ) -> str:
        """Record a run in one transaction.

        Parameters
        ----------
        ds
            The run's results dataset (only its attributes and coordinates are read; the
            scenario is taken from its ``scenario_json`` or ``scenario_yaml`` attribute).
        results_path
            The netCDF file holding ``ds`` (see :func:`save_results`); stored as an
            absolute path. It must exist when ``status`` is ``"complete"``.
        summary
            Summary metrics per country and sector: columns ``country``, ``sector`` and
            every one of ``days_to_first_shortfall``, ``peak_shortfall_pct``,
            ``cumulative_shortfall_t``, ``output_at_risk_usd`` (NaN becomes NULL).
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
        totals
            Optional money lost through the input-output model (``run_totals``): columns
            ``metric`` (one of :data:`~supplyshock.store.records.LOSS_METRICS`), ``country``
            (``""`` for the whole run), ``statistic`` (e.g. ``p50``) and ``value`` (USD).

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
        meta = run_metadata(ds)
        results = Path(results_path).expanduser().resolve()
        if status == "complete" and not results.is_file():
            raise StoreError(f"results file {results} does not exist; write the results with supplyshock.store.save_results before recording the run")
        if not status or not status.strip():
            raise StoreError("run status must not be empty")
        if run_id is not None and not _RUN_ID_RE.match(run_id):
            raise StoreError(f"invalid run id {run_id!r}: use up to 64 letters, digits, '.', '_' or '-'")
        checksum = file_sha256(results) if results.is_file() else None
        row = {
            **meta,
            "recorded": _utcnow(),
            "results_path": str(results),
            "status": status,
            "params": params_to_json(params),
            "results_sha256": checksum,
            "owner": owner(),
            "origin": origin(),
        }
        summary_frame = None if summary is None else normalize_summary(summary)
        series_frame = None if series is None else normalize_series(series)
        totals_frame = None if totals is None else normalize_totals(totals)

        with self._connect() as con:
            rid = run_id if run_id is not None else self._fresh_run_id(con, meta["created"])
            try:
                with transaction(con):
                    self._insert_run(con, {**row, "run_id": rid})
                    if summary_frame is not None and len(summary_frame):
                        self._insert_summary(con, rid, summary_frame)
                    if series_frame is not None and len(series_frame):
                        self._insert_series(con, rid, series_frame)
                    if totals_frame is not None and len(totals_frame):
                        insert_frame(con, "run_totals", totals_frame, TOTALS_COLUMNS, constants={"run_id": rid})
            except duckdb.Error as exc:
                raise StoreError(f"cannot record run {rid} in {self.path}: {one_line(exc)}; nothing was recorded") from exc
        return rid

    def list_runs(self) -> pd.DataFrame:
        """List the recorded runs, newest first.

        Returns
        -------
        pandas.DataFrame
            One row per run with columns ``run_id, scenario_name, scenario_sha256,
            dataset, seed, members, start, end, created, recorded, results_path, status,
            supplyshock_version`` (``scenario_json`` and ``params`` are left to
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
            dates, ``created``/``recorded`` as naive UTC datetimes, ``scenario_json`` the
            scenario text, also under its former name ``scenario_yaml`` for callers not yet
            moved) plus ``summary``: a DataFrame with columns ``country, sector,
            statistic``, the metrics and ``first_shortfall_date`` (``start +
            days_to_first_shortfall`` whole days, a date, or None when there is no
            shortfall).

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
            cols = ", ".join(SUMMARY_COLUMNS)
            summary = con.execute(
                f"SELECT {cols} FROM run_summary WHERE run_id = ? ORDER BY country, sector, statistic",
                [rid],
            ).df()
            totals = con.execute(
                f"SELECT {', '.join(TOTALS_COLUMNS)} FROM run_totals WHERE run_id = ? ORDER BY metric, country, statistic", [rid]
            ).df()
        record["params"] = json.loads(record["params"]) if record.get("params") else {}
        record["scenario_yaml"] = record["scenario_json"]
        start = pd.Timestamp(record["start"])
        summary["first_shortfall_date"] = [
            None if pd.isna(d) else (start + pd.Timedelta(days=int(d))).date() for d in summary["days_to_first_shortfall"]
        ]
        record["summary"] = summary
        record["totals"] = totals
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
        cols = ", ".join(SERIES_COLUMNS)
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
            row = con.execute("SELECT results_path, results_sha256, status FROM runs WHERE run_id = ?", [rid]).fetchone()
        path = Path(str(row[0])) if row else None
        if path is None or not path.is_file():
            raise StoreError(
                f"results file {path} of run {rid} is missing (moved or deleted?); check the store with `supplyshock runs check`, "
                f"or remove the record with `supplyshock runs delete {rid}`"
            )
        if row is not None and row[2] == CHANGED_STATUS:
            raise StoreError(f"run {rid} is marked {CHANGED_STATUS!r}: its results file changed after it was recorded; see `supplyshock runs check`")
        if row is not None and row[1] and file_sha256(path) != row[1]:
            raise StoreError(
                f"results file {path} of run {rid} has changed since the run was recorded (its checksum differs): it may hold "
                "another run's results; nothing was read. Find and mark such runs with `supplyshock runs check --repair`"
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
        try:
            return export_results(ds, names, str(fmt), out, run_id=rid)
        except StoreError:
            raise
        except Exception as exc:
            raise StoreError(f"cannot export run {rid} to {out}: {exc}") from exc

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
            with transaction(con):
                for table in ("run_series", "run_summary", "run_totals", "runs"):
                    con.execute(f"DELETE FROM {table} WHERE run_id = ?", [rid])
        if delete_results and row is not None:
            try:
                Path(str(row[0])).unlink(missing_ok=True)
            except OSError as exc:
                raise StoreError(f"deleted run {rid} but could not delete its results file {row[0]}: {exc}") from exc
        return rid

    # ------------------------------------------------------------------ sweeps

    def record_sweep_point(self, sweep_id: str, point: Mapping[str, Any], metrics: Mapping[str, float], *, scenario_name: str, members: int) -> str:
        """Record one point of a parameter sweep (a point already recorded is left as it is).

        Parameters
        ----------
        sweep_id
            The sweep.
        point
            The point's parameter values (JSON-serialisable; others are written as text).
        metrics
            The point's metrics.
        scenario_name
            The swept scenario.
        members
            Ensemble members run at the point.

        Returns
        -------
        str
            The point's key: its values as canonical JSON.
        """
        key = json.dumps(point, sort_keys=True, default=str)
        with self._connect() as con:
            con.execute(
                "INSERT INTO sweep_points VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                [sweep_id, key, scenario_name, key, json.dumps(dict(metrics), default=float), int(members), _utcnow()],
            )
        return key

    def sweep_points(self, sweep_id: str) -> pd.DataFrame:
        """Return the recorded points of a sweep.

        Parameters
        ----------
        sweep_id
            The sweep.

        Returns
        -------
        pandas.DataFrame
            One row per point, in the order recorded: one column per axis and per
            metric. Empty when there is no store or no such sweep.
        """
        if not self.path.exists():
            return pd.DataFrame()
        with self._connect() as con:
            rows = con.execute("SELECT point, metrics FROM sweep_points WHERE sweep_id = ? ORDER BY recorded, point_key", [sweep_id]).fetchall()
        return pd.DataFrame([{**json.loads(p), **json.loads(m)} for p, m in rows])

    # ------------------------------------------------------------------ analyses

    def record_analysis(self, kind: str, table: pd.DataFrame, *, dataset: str, params: Mapping[str, Any] | None = None) -> str:
        """Record an analysis table, e.g. ``risk-indicators`` or ``time-to-survive``.

        Parameters
        ----------
        kind
            What the analysis is; it starts the result id.
        table
            The table; a named index (or a MultiIndex) is kept as columns.
        dataset
            The dataset analysed.
        params
            The analysis's parameters (written as JSON, others as text).

        Returns
        -------
        str
            The result id: ``<kind>-YYYYMMDD-HHMMSS-xxxxxx``.
        """
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
        """List the recorded analyses, oldest first.

        Parameters
        ----------
        kind
            Only analyses of this kind; all when None.

        Returns
        -------
        pandas.DataFrame
            Columns ``result_id, kind, dataset, created, params``.
        """
        if not self.path.exists():
            return pd.DataFrame(columns=list(_ANALYSIS_LIST_COLUMNS))
        with self._connect() as con:
            q = f"SELECT {', '.join(_ANALYSIS_LIST_COLUMNS)} FROM analysis_results"
            args: list[Any] = []
            if kind:
                q += " WHERE kind = ?"
                args.append(kind)
            return con.execute(q + " ORDER BY created", args).df()

    def get_analysis(self, result_id: str) -> pd.DataFrame:
        """Return the table of a recorded analysis.

        Parameters
        ----------
        result_id
            The id returned by :meth:`record_analysis`.

        Returns
        -------
        pandas.DataFrame
            The table as recorded.

        Raises
        ------
        StoreError
            When there is no such analysis.
        """
        with self._connect() as con:
            row = con.execute("SELECT rows FROM analysis_results WHERE result_id = ?", [result_id]).fetchone()
        if row is None:
            raise StoreError(f"no analysis {result_id!r} in {self.path}; list them with RunStore.list_analyses()")
        return pd.DataFrame(json.loads(row[0]))

    # ------------------------------------------------------------------ the file

    def check_writable(self) -> None:
        """Open the store for writing now (creating and migrating it), then close it.

        Called before a run starts, so that a store that cannot be written (a read-only
        folder, a file locked by another process beyond ``lock_timeout``, a damaged or
        newer file) fails the run before anything is computed or written.

        Raises
        ------
        StoreError
            Naming the store and what is wrong.
        """
        if self.path.exists() and not self.path.is_file():
            raise StoreError(f"run store {self.path} is not a file (a folder or a device?); give --store a .duckdb file or a folder")
        with self._connect() as con:
            con.execute("SELECT count(*) FROM runs").fetchall()

    def check(self, *, repair: bool = False) -> pd.DataFrame:
        """Find runs whose results file is missing or has changed since it was recorded.

        Each run's file is checked against its record: it must exist, and its checksum
        must equal the one recorded (rows recorded before checksums existed are checked
        by the file's own attributes, its scenario checksum and creation time, instead).

        Parameters
        ----------
        repair : bool
            Also repair: delete the records of runs whose file is missing; mark runs whose
            file changed (or cannot be read) with status :data:`CHANGED_STATUS` (their
            records stay for inspection; exports refuse them); record the checksum of
            older rows whose file matches them. Leftover temporary files (``.*.tmp``) of
            writes cut short in the runs' folders are removed.

        Returns
        -------
        pandas.DataFrame
            One row per problem found (columns :data:`CHECK_COLUMNS`): ``problem`` says
            what is wrong, ``action`` what was done (``""`` without ``repair``). Runs
            already marked :data:`CHANGED_STATUS` are consistent and not listed again.
        """
        if not self.path.exists():
            return pd.DataFrame(columns=list(CHECK_COLUMNS))
        with self._connect() as con:
            rows = con.execute(
                "SELECT run_id, scenario_name, results_path, results_sha256, status, scenario_sha256, created FROM runs ORDER BY run_id"
            ).fetchall()
        found: list[dict[str, str]] = []
        deletes: list[str] = []
        marks: list[str] = []
        sums: list[tuple[str, str]] = []
        for rid, name, path_text, recorded_sum, status, scen_sum, created in rows:
            path = Path(str(path_text))
            problem, action = "", ""
            if not path.is_file():
                problem, action = "results file is missing", "record deleted"
                deletes.append(rid)
            else:
                actual = file_sha256(path)
                if recorded_sum:
                    if actual != recorded_sum:
                        problem, action = "results file changed since the run was recorded (checksum differs)", f"marked {CHANGED_STATUS!r}"
                else:
                    same = _file_matches(path, str(scen_sum), created)
                    if same is None:
                        problem, action = "results file cannot be read", f"marked {CHANGED_STATUS!r}"
                    elif not same:
                        problem, action = "results file holds another run (scenario or creation time differ)", f"marked {CHANGED_STATUS!r}"
                    else:
                        sums.append((actual, rid))
                if problem and status == CHANGED_STATUS:
                    problem = ""  # known and marked: consistent (listed as 'changed' by runs list)
                elif problem:
                    marks.append(rid)
            for stale in path.parent.glob(f".{path.name}.*.tmp") if path.parent.is_dir() else ():
                cut = {"results_path": str(stale), "problem": "temporary file of a write cut short", "action": "removed"}
                found.append({"run_id": rid, "scenario_name": str(name), **cut})
                if repair:
                    stale.unlink(missing_ok=True)
            if problem:
                found.append({"run_id": rid, "scenario_name": str(name), "results_path": str(path), "problem": problem, "action": action})
        if repair and (deletes or marks or sums):
            with self._connect() as con, transaction(con):
                for rid in deletes:
                    for table in ("run_series", "run_summary", "run_totals", "runs"):
                        con.execute(f"DELETE FROM {table} WHERE run_id = ?", [rid])
                for rid in marks:
                    con.execute("UPDATE runs SET status = ? WHERE run_id = ?", [CHANGED_STATUS, rid])
                for checksum, rid in sums:
                    con.execute("UPDATE runs SET results_sha256 = ? WHERE run_id = ?", [checksum, rid])
        out = pd.DataFrame(found, columns=list(CHECK_COLUMNS))
        if not repair:
            out["action"] = ""
        return out

    def schema_version(self) -> int:
        """Return the schema version of the store file.

        Returns
        -------
        int
            The version of the file (after migrating it to :data:`SCHEMA_VERSION`); 0
            when it does not exist yet.
        """
        if not self.path.exists():
            return 0
        with self._connect() as con:
            return current_version(con, RUN_SCHEMA)

    def list_hint(self) -> str:
        """Return the command that lists the runs of this store, for error messages.

        Returns
        -------
        str
            ``supplyshock runs list``, with ``--store PATH`` unless this is the default
            store.
        """
        if self.path == default_store_path():
            return "supplyshock runs list"
        return f"supplyshock runs list --store {self.path}"

    # ------------------------------------------------------------------ internals

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

    def _insert_run(self, con: duckdb.DuckDBPyConnection, row: Mapping[str, Any]) -> None:
        names = ", ".join(f'"{c}"' for c in _RUN_COLUMNS)
        marks = ", ".join("?" for _ in _RUN_COLUMNS)
        con.execute(f"INSERT INTO runs ({names}) VALUES ({marks})", [row[c] for c in _RUN_COLUMNS])

    def _insert_summary(self, con: duckdb.DuckDBPyConnection, run_id: str, frame: pd.DataFrame) -> None:
        insert_frame(con, "run_summary", frame, SUMMARY_COLUMNS, constants={"run_id": run_id})

    def _insert_series(self, con: duckdb.DuckDBPyConnection, run_id: str, frame: pd.DataFrame) -> None:
        insert_frame(con, "run_series", frame, SERIES_COLUMNS, constants={"run_id": run_id})

    @contextlib.contextmanager
    def _connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Open the database (waiting out other processes' locks), migrate once, yield, close."""
        with session(self.path, RUN_SCHEMA, lock_timeout=self.lock_timeout, migrate_schema=not self._schema_checked) as con:
            self._schema_checked = True
            yield con
