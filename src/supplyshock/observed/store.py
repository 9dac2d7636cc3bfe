"""The observed store: observed series in DuckDB, with every revision and its provenance.

Tables: ``observed_values`` (the current row per (series, period)),
``observed_revisions`` (every version of every row: its file, when it was loaded and when
it was superseded) and ``observed_files`` (one row per file added, with the counts). The
schema version is kept in ``observed_schema_version``, so the tables can share a file
with the run store, but by default they live in their own file, ``observed.duckdb`` in
the supplyshock home directory. Opening, migrating and transactions go through
:mod:`supplyshock.store.duck`, the helper shared with the run store.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from supplyshock.observed.periods import FREQ_ORDER, sort_frame
from supplyshock.observed.readers import detect_format, read_observed
from supplyshock.observed.shipped import resolve_input
from supplyshock.observed.tidy import DATA_FIELDS, NUMERIC_FIELDS, TEXT_FIELDS, TIDY_COLUMNS, Bound, ObservedError, UnknownSeriesError, now
from supplyshock.store.duck import Schema, registered, session, transaction
from supplyshock.store.home import default_home

__all__ = [
    "OBSERVED_FILENAME",
    "OBSERVED_SCHEMA",
    "OBSERVED_SCHEMA_VERSION",
    "AddSummary",
    "ObservedStore",
    "default_observed_path",
    "load_observed",
]

#: Name of the observed store's database file inside the supplyshock home directory.
OBSERVED_FILENAME = "observed.duckdb"

_MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: (
        """
        CREATE TABLE observed_files (
            load_id INTEGER PRIMARY KEY,
            file TEXT NOT NULL,
            name TEXT NOT NULL,
            path TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            format TEXT NOT NULL,
            loaded TIMESTAMP NOT NULL,
            rows INTEGER NOT NULL,
            added INTEGER NOT NULL,
            updated INTEGER NOT NULL,
            unchanged INTEGER NOT NULL
        )
        """,
        """
        CREATE TABLE observed_values (
            series TEXT NOT NULL,
            period TEXT NOT NULL,
            freq TEXT NOT NULL,
            exporter TEXT NOT NULL,
            importer TEXT NOT NULL,
            product TEXT NOT NULL,
            value DOUBLE,
            unit TEXT NOT NULL,
            yoy_reported_pct DOUBLE,
            mom_reported_pct DOUBLE,
            source TEXT NOT NULL,
            note TEXT NOT NULL,
            file TEXT NOT NULL,
            loaded TIMESTAMP NOT NULL,
            revision INTEGER NOT NULL,
            PRIMARY KEY (series, period)
        )
        """,
        """
        CREATE TABLE observed_revisions (
            series TEXT NOT NULL,
            period TEXT NOT NULL,
            revision INTEGER NOT NULL,
            freq TEXT NOT NULL,
            exporter TEXT NOT NULL,
            importer TEXT NOT NULL,
            product TEXT NOT NULL,
            value DOUBLE,
            unit TEXT NOT NULL,
            yoy_reported_pct DOUBLE,
            mom_reported_pct DOUBLE,
            source TEXT NOT NULL,
            note TEXT NOT NULL,
            file TEXT NOT NULL,
            loaded TIMESTAMP NOT NULL,
            load_id INTEGER NOT NULL,
            superseded TIMESTAMP,
            PRIMARY KEY (series, period, revision)
        )
        """,
    ),
}
#: The observed store's schema.
OBSERVED_SCHEMA = Schema(label="observed store", version_table="observed_schema_version", migrations=_MIGRATIONS)
#: Schema version of the observed store written by this code; see ``_MIGRATIONS``.
OBSERVED_SCHEMA_VERSION = OBSERVED_SCHEMA.version

_CURRENT_COLUMNS: tuple[str, ...] = (*TIDY_COLUMNS, "revision")
_REVISION_COLUMNS: tuple[str, ...] = (*TIDY_COLUMNS, "revision", "load_id", "superseded")
_FILE_COLUMNS: tuple[str, ...] = ("load_id", "file", "name", "path", "sha256", "format", "loaded", "rows", "added", "updated", "unchanged")
_SERIES_LIST_COLUMNS: tuple[str, ...] = ("series", "freq", "periods", "first", "last", "unit", "exporter", "importer", "revised", "file")


def default_observed_path() -> Path:
    """Return the default observed store file.

    Returns
    -------
    pathlib.Path
        ``observed.duckdb`` in :func:`supplyshock.store.default_home`.
    """
    return default_home() / OBSERVED_FILENAME


@dataclass(frozen=True)
class AddSummary:
    """What :meth:`ObservedStore.add_file` did.

    Attributes
    ----------
    file
        The file's name and sha256 (the provenance label stored with its rows).
    format
        The format it was read as.
    rows
        Observations read from the file.
    added, updated, unchanged
        Rows new to the store, rows whose data changed (a new revision), rows already
        stored with the same data.
    series
        The series the file touched.
    """

    file: str
    format: str
    rows: int
    added: int
    updated: int
    unchanged: int
    series: tuple[str, ...]

    def __str__(self) -> str:
        return (
            f"{self.file.split(' sha256:')[0]} ({self.format}): {self.rows} rows in {len(self.series)} series: "
            f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged"
        )


def _tidy_for_store(frame: pd.DataFrame) -> pd.DataFrame:
    """Check a tidy frame for the store and give its columns the stored types."""
    missing = [c for c in TIDY_COLUMNS if c not in frame.columns]
    if missing:
        raise ObservedError(f"frame lacks column(s) {', '.join(missing)}")
    new = frame[list(TIDY_COLUMNS)].copy().reset_index(drop=True)
    if new.duplicated(["series", "period"]).any():
        s, per = new[new.duplicated(["series", "period"])].iloc[0][["series", "period"]]
        raise ObservedError(f"frame gives series {s!r} period {per} twice; nothing was written")
    for col in NUMERIC_FIELDS:
        new[col] = new[col].astype("float64")
    for col in TEXT_FIELDS:
        new[col] = new[col].fillna("").astype(str).astype(object)
    new["loaded"] = pd.to_datetime(new["loaded"]).astype("datetime64[us]")
    return new


def _check_units(new: pd.DataFrame, old: pd.DataFrame, name: str) -> None:
    """A stored series keeps its unit."""
    if old.empty:
        return
    units = old.groupby("series")["unit"].first()
    merged_units = new[["series", "unit"]].drop_duplicates().merge(units.rename("old_unit").reset_index(), on="series")
    clash = merged_units[merged_units["unit"] != merged_units["old_unit"]]
    if not clash.empty:
        r = clash.iloc[0]
        raise ObservedError(
            f"{name}: series {r['series']!r} is stored in {r['old_unit']} but the file gives {r['unit']}; "
            "use a new series id for another unit; nothing was written"
        )


def _compare(new: pd.DataFrame, old: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Match new rows with the stored ones: (merged rows, which are new, which changed)."""
    merged = new.merge(old, on=["series", "period"], how="left", suffixes=("", "_old"), indicator=True)
    is_new = (merged["_merge"] == "left_only").to_numpy()
    changed = np.zeros(len(merged), dtype=bool)
    for field in DATA_FIELDS:
        a, b = merged[field], merged[f"{field}_old"]
        if field in NUMERIC_FIELDS:
            same = np.isclose(a.to_numpy(dtype=float), b.to_numpy(dtype=float), rtol=1e-12, atol=1e-12, equal_nan=True)
        else:
            same = (a.astype(str) == b.astype(str)).to_numpy()
        changed |= ~same
    return merged, is_new, changed & ~is_new


def _write_revisions(con: duckdb.DuckDBPyConnection, write: pd.DataFrame, load_id: int, when: Any) -> None:
    """Store new and changed rows as new revisions, superseding the current ones."""
    prev = write["revision"].fillna(0).astype(int)
    write = write.assign(revision=prev + 1, load_id=load_id, prev_revision=prev)
    cols = list(_CURRENT_COLUMNS)
    view = write[[*cols, "load_id", "prev_revision"]].reset_index(drop=True)
    with registered(con, "_observed_in", view):
        con.execute(
            "UPDATE observed_revisions AS r SET superseded = ? FROM _observed_in AS i "
            "WHERE r.series = i.series AND r.period = i.period AND r.revision = i.prev_revision",
            [when],
        )
        con.execute("DELETE FROM observed_values AS v USING _observed_in AS i WHERE v.series = i.series AND v.period = i.period")
        names = ", ".join(cols)
        con.execute(f"INSERT INTO observed_values ({names}) SELECT {names} FROM _observed_in")
        con.execute(f"INSERT INTO observed_revisions ({names}, load_id, superseded) SELECT {names}, load_id, NULL FROM _observed_in")


class ObservedStore:
    """The DuckDB store of observed series, with revisions and provenance.

    Tables: ``observed_values`` (the current row per (series, period)),
    ``observed_revisions`` (every version of every row: its file, when it was loaded and
    when it was superseded) and ``observed_files`` (one row per file added, with the
    counts). The schema version is kept in ``observed_schema_version``, so the tables
    can share a file with the run store, but by default they live in their own file.

    A file is added in one transaction: any error leaves the store as it was. A file
    added later is taken as newer: where it gives a (series, period) already stored
    with other data (value, unit, reported changes, exporter, importer, product), its
    row replaces the stored one as a new revision; identical rows stay as they are,
    keeping the provenance of the file that first gave them.

    Parameters
    ----------
    path
        The database file; a directory means ``observed.duckdb`` inside it. Defaults to
        :func:`default_observed_path`.
    lock_timeout
        Seconds to wait while another process holds the file.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, *, lock_timeout: float = 10.0) -> None:
        p = default_observed_path() if path is None else Path(path).expanduser()
        if p.is_dir():
            p = p / OBSERVED_FILENAME
        self.path: Path = p
        self.lock_timeout = float(lock_timeout)

    def __repr__(self) -> str:
        return f"ObservedStore({str(self.path)!r})"

    # ------------------------------------------------------------------ writing

    def add_file(
        self,
        path: str | os.PathLike[str],
        format: str = "auto",
        *,
        country_codes: str | os.PathLike[str] | None = None,
        hs: Sequence[str] | None = None,
        bounds: Sequence[Bound] | None = None,
    ) -> AddSummary:
        """Read an observed file and add it to the store in one transaction.

        Parameters
        ----------
        path
            The file (any supported format) or a shipped name.
        format
            See :func:`~supplyshock.observed.readers.read_observed`.
        country_codes, hs, bounds
            See :func:`~supplyshock.observed.readers.read_observed`.

        Returns
        -------
        AddSummary
            Counts of rows added, updated and unchanged.

        Raises
        ------
        ObservedError
            When the file is malformed, gives a (series, period) twice with different
            values, or changes the unit of a stored series. Nothing is written then.
        StoreError
            When the database cannot be read or written.
        """
        p = resolve_input(path)
        fmt = detect_format(p) if format == "auto" else format
        frame = read_observed(p, fmt, country_codes=country_codes, hs=hs, bounds=bounds)
        return self.add_frame(frame, path=p, format=fmt)

    def add_frame(self, frame: pd.DataFrame, *, path: str | os.PathLike[str], format: str) -> AddSummary:
        """Add a tidy frame (as read from ``path``) in one transaction.

        Parameters
        ----------
        frame
            The tidy frame (:data:`~supplyshock.observed.tidy.TIDY_COLUMNS`) with one
            row per (series, period).
        path
            The file it was read from (recorded in ``observed_files``).
        format
            The format it was read as.

        Returns
        -------
        AddSummary
            Counts of rows added, updated and unchanged.

        Raises
        ------
        ObservedError
            When the frame repeats a (series, period) or changes a stored series' unit.
        StoreError
            When the database cannot be written; nothing is written then.
        """
        new = _tidy_for_store(frame)
        p = Path(path).expanduser()
        label = str(new["file"].iloc[0]) if len(new) else p.name
        sha = label.split("sha256:")[-1] if "sha256:" in label else ""
        series_list = tuple(sorted({str(s) for s in new["series"]}))
        with self._connect() as con:
            old = self._current(con, series_list)
            _check_units(new, old, p.name)
            merged, is_new, changed = _compare(new, old)
            added, updated = int(is_new.sum()), int(changed.sum())
            unchanged = len(merged) - added - updated
            when = now().to_pydatetime()
            with transaction(con):
                got = con.execute("SELECT coalesce(max(load_id), 0) + 1 FROM observed_files").fetchall()
                load_id = int(got[0][0]) if got else 1
                con.execute(
                    "INSERT INTO observed_files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [load_id, label, p.name, str(p.resolve()), sha, format, when, len(new), added, updated, unchanged],
                )
                write = merged[is_new | changed].copy()
                if len(write):
                    _write_revisions(con, write, load_id, when)
        return AddSummary(file=label, format=format, rows=len(new), added=added, updated=updated, unchanged=unchanged, series=series_list)

    # ------------------------------------------------------------------ reading

    def frame(self, series: str | Sequence[str] | None = None) -> pd.DataFrame:
        """Return the current stored values as the tidy frame.

        Parameters
        ----------
        series
            One series id or several; all series when omitted.

        Returns
        -------
        pandas.DataFrame
            Columns :data:`~supplyshock.observed.tidy.TIDY_COLUMNS` plus ``revision``
            (1 for a value never revised); empty when the store is empty or does not
            exist.

        Raises
        ------
        UnknownSeriesError
            When a named series is not stored.
        """
        cols = list(_CURRENT_COLUMNS)
        if not self.path.exists():
            out = pd.DataFrame(columns=cols)
        else:
            with self._connect() as con:
                out = self._current(con, None)
        if series is not None:
            wanted = [series] if isinstance(series, str) else list(series)
            known = set(out["series"].astype(str))
            for s in wanted:
                if s not in known:
                    raise UnknownSeriesError(s, sorted(known))
            out = out[out["series"].isin(wanted)]
        return sort_frame(out[cols])

    def series(self) -> pd.DataFrame:
        """List the stored series.

        Returns
        -------
        pandas.DataFrame
            One row per series: ``series, freq`` (the frequencies present, e.g. ``"M,A"``),
            ``periods, first, last, unit, exporter, importer, revised`` (rows with more
            than one revision) and ``file`` (the file of the latest row).
        """
        cur = self.frame()
        rows: list[dict[str, Any]] = []
        for s, grp in cur.groupby("series", sort=True):
            g = sort_frame(grp)
            rows.append(
                {
                    "series": s,
                    "freq": ",".join(sorted(set(g["freq"]), key=lambda f: FREQ_ORDER.get(f, 9))),
                    "periods": len(g),
                    "first": str(g["period"].iloc[0]),
                    "last": str(g["period"].iloc[-1]),
                    "unit": str(g["unit"].iloc[0]),
                    "exporter": ",".join(sorted(set(g["exporter"].astype(str)))),
                    "importer": ",".join(sorted(set(g["importer"].astype(str)))),
                    "revised": int((g["revision"] > 1).sum()),
                    "file": str(g.sort_values("loaded")["file"].iloc[-1]).split(" sha256:")[0],
                }
            )
        return pd.DataFrame(rows, columns=list(_SERIES_LIST_COLUMNS))

    def revisions(self, series: str | None = None) -> pd.DataFrame:
        """Return every stored version of every row.

        Parameters
        ----------
        series
            Only this series.

        Returns
        -------
        pandas.DataFrame
            Columns :data:`~supplyshock.observed.tidy.TIDY_COLUMNS` plus ``revision,
            load_id, superseded`` (NaT for the current version), sorted by series, period
            and revision.
        """
        cols = ", ".join(_REVISION_COLUMNS)
        if not self.path.exists():
            return pd.DataFrame(columns=list(_REVISION_COLUMNS))
        with self._connect() as con:
            if series is None:
                return con.execute(f"SELECT {cols} FROM observed_revisions ORDER BY series, period, revision").df()
            return con.execute(f"SELECT {cols} FROM observed_revisions WHERE series = ? ORDER BY series, period, revision", [series]).df()

    def files(self) -> pd.DataFrame:
        """Return the files added, oldest first.

        Returns
        -------
        pandas.DataFrame
            Columns ``load_id, file, name, path, sha256, format, loaded, rows, added,
            updated, unchanged``.
        """
        if not self.path.exists():
            return pd.DataFrame(columns=list(_FILE_COLUMNS))
        with self._connect() as con:
            return con.execute(f"SELECT {', '.join(_FILE_COLUMNS)} FROM observed_files ORDER BY load_id").df()

    # ------------------------------------------------------------------ internals

    def _current(self, con: duckdb.DuckDBPyConnection, series: Sequence[str] | None) -> pd.DataFrame:
        cols = ", ".join(_CURRENT_COLUMNS)
        if series is None:
            out = con.execute(f"SELECT {cols} FROM observed_values").df()
        else:
            keys = pd.DataFrame({"series": list(series)}, dtype=object)
            with registered(con, "_observed_keys", keys):
                out = con.execute(f"SELECT {cols} FROM observed_values WHERE series IN (SELECT series FROM _observed_keys)").df()
        for col in TEXT_FIELDS:
            out[col] = out[col].astype(object)
        for col in NUMERIC_FIELDS:
            out[col] = out[col].astype("float64")
        return out

    @contextlib.contextmanager
    def _connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with session(self.path, OBSERVED_SCHEMA, lock_timeout=self.lock_timeout, error_suffix="; nothing was written") as con:
            yield con


def load_observed(path_or_name: str | Path = "china-exports-2025", *, format: str = "auto") -> pd.DataFrame:
    """Load observed series as the tidy frame, from a file, a shipped name or a store.

    Parameters
    ----------
    path_or_name
        A shipped name (``"china-exports-2025"``, the default: China's magnet and
        rare-earth exports to May 2025), an observed CSV in any supported format, or an
        observed store database (``*.duckdb``), whose current values are returned.
    format
        Format of a CSV file (see :func:`~supplyshock.observed.readers.read_observed`).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`~supplyshock.observed.tidy.TIDY_COLUMNS`: ``series, period``
        ('YYYY-MM', 'YYYY' or 'YYYY-MM..YYYY-MM'), ``freq`` ('M', 'A' or 'R'),
        ``exporter, importer`` (ISO3 where known, 'WLD' for the world), ``product,
        value`` (float, NaN when only a change is reported), ``unit`` ('t' or 'USD'),
        ``yoy_reported_pct, mom_reported_pct, source, note, file`` (name and sha256) and
        ``loaded``.

    Raises
    ------
    ObservedError
        When the file or name is unknown or malformed.
    """
    p = resolve_input(path_or_name)
    if p.suffix == ".duckdb" or p.is_dir():
        return ObservedStore(p).frame()
    return read_observed(p, format)
