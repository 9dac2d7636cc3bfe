"""The one DuckDB helper of supplyshock's stores (the run store and the observed store).

DuckDB lets one process at a time open a database file for writing, so a store opens the
file for each operation, does its work and closes it again. This module gives every
store the same four pieces:

* :func:`connect_with_retry`: open a file, waiting with jittered backoff while another
  process holds its lock, then failing with a clear :class:`~supplyshock.errors.StoreError`;
* :class:`Schema` and :func:`migrate`: numbered migrations, applied in one transaction
  together with the rows that record them in the store's version table; a file newer than
  the code is refused;
* :func:`transaction`: a block that is committed whole or rolled back;
* :func:`insert_frame` and :func:`registered`: a pandas frame as the source of SQL
  statements.

:func:`session` puts them together: create the directory, open, migrate, yield the
connection, turn DuckDB errors into :class:`~supplyshock.errors.StoreError`, close.
"""

from __future__ import annotations

import contextlib
import random
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from supplyshock.errors import StoreError

__all__ = [
    "Schema",
    "connect_with_retry",
    "current_version",
    "insert_frame",
    "is_lock_error",
    "migrate",
    "one_line",
    "registered",
    "session",
    "transaction",
]


@dataclass(frozen=True)
class Schema:
    """The versioned schema of a store.

    Parameters
    ----------
    label
        What the store is called in messages, e.g. ``"run store"``.
    version_table
        Table recording the applied migrations (``version``, ``applied``); distinct
        names let two stores share one file.
    migrations
        SQL statements per version: version ``n`` brings the schema from ``n - 1`` to
        ``n``. Versions run from 1 without gaps.
    """

    label: str
    version_table: str
    migrations: Mapping[int, Sequence[str]]

    @property
    def version(self) -> int:
        """The version this code writes: the highest migration."""
        return max(self.migrations, default=0)


def one_line(exc: BaseException) -> str:
    """Return an exception's message on one line (DuckDB messages span several).

    Parameters
    ----------
    exc
        The exception.

    Returns
    -------
    str
        Its text with runs of white space collapsed to one space.
    """
    return " ".join(str(exc).split())


def is_lock_error(exc: BaseException) -> bool:
    """Tell whether a DuckDB error means that another process holds the file's lock.

    Parameters
    ----------
    exc
        The error raised by :func:`duckdb.connect`.

    Returns
    -------
    bool
        True for DuckDB's "could not set lock" / "conflicting lock" errors.
    """
    text = str(exc).lower()
    return "lock" in text and ("conflicting" in text or "could not set" in text)


def connect_with_retry(path: Path, lock_timeout: float, label: str) -> duckdb.DuckDBPyConnection:
    """Open a DuckDB file, waiting (with jittered backoff) while another process holds its lock.

    Parameters
    ----------
    path
        The database file (created when missing).
    lock_timeout
        Seconds to keep retrying while the file is locked.
    label
        What the file is called in messages, e.g. ``"run store"``.

    Returns
    -------
    duckdb.DuckDBPyConnection
        An open connection; the caller closes it.

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
            if not is_lock_error(exc):
                raise StoreError(f"cannot open {label} {path}: {one_line(exc)}") from exc
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise StoreError(
                    f"{label} {path} is locked by another process and stayed locked for {lock_timeout:g} s; try again when it has finished"
                ) from exc
            time.sleep(min(delay * (0.5 + random.random()), remaining))
            delay = min(delay * 2, 0.5)


@contextlib.contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Run a block in one transaction: committed when it ends, rolled back on any error.

    Parameters
    ----------
    con
        An open connection with no transaction in progress.

    Yields
    ------
    duckdb.DuckDBPyConnection
        ``con``.

    Raises
    ------
    BaseException
        Whatever the block (or the commit) raises, after the rollback.
    """
    con.begin()
    try:
        yield con
        con.commit()
    except BaseException:
        # An aborted transaction may refuse even the rollback; keep the first error.
        with contextlib.suppress(duckdb.Error):
            con.rollback()
        raise


def current_version(con: duckdb.DuckDBPyConnection, schema: Schema) -> int:
    """Return the schema version of an open store.

    Parameters
    ----------
    con
        An open connection.
    schema
        The store's schema (for the name of its version table).

    Returns
    -------
    int
        The highest applied migration; 0 for a file without the version table.
    """
    # fetchall, not fetchone: an unfinished result blocks registering a frame afterwards
    rows = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'main' AND table_name = ?",
        [schema.version_table],
    ).fetchall()
    if not rows or not rows[0][0]:
        return 0
    got = con.execute(f"SELECT max(version) FROM {schema.version_table}").fetchall()
    return int(got[0][0]) if got and got[0][0] is not None else 0


def migrate(con: duckdb.DuckDBPyConnection, path: Path, schema: Schema) -> None:
    """Bring the schema of an open store up to ``schema.version``.

    All pending migrations run in one transaction, each recorded in the version table
    with the time it was applied (naive UTC).

    Parameters
    ----------
    con
        An open connection.
    path
        The database file, for messages.
    schema
        The store's schema.

    Raises
    ------
    StoreError
        When the file's schema is newer than this code knows.
    """
    current = current_version(con, schema)
    if current > schema.version:
        raise StoreError(
            f"{schema.label} {path} has schema version {current}, newer than this supplyshock understands ({schema.version}); upgrade supplyshock"
        )
    if current == schema.version:
        return
    with transaction(con):
        con.execute(f"CREATE TABLE IF NOT EXISTS {schema.version_table} (version INTEGER PRIMARY KEY, applied TIMESTAMP NOT NULL)")
        for version in range(current + 1, schema.version + 1):
            for statement in schema.migrations[version]:
                con.execute(statement)
            con.execute(f"INSERT INTO {schema.version_table} VALUES (?, ?)", [version, datetime.now(UTC).replace(tzinfo=None)])


@contextlib.contextmanager
def session(
    path: Path,
    schema: Schema,
    *,
    lock_timeout: float,
    migrate_schema: bool = True,
    error_suffix: str = "",
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open a store (waiting out other processes' locks), migrate it, yield it, close it.

    Parameters
    ----------
    path
        The database file; its directory is created when missing.
    schema
        The store's schema.
    lock_timeout
        See :func:`connect_with_retry`.
    migrate_schema
        Check and migrate the schema (a store that has done so once may skip it).
    error_suffix
        Appended to the message of a DuckDB error raised in the block, e.g.
        ``"; nothing was written"``.

    Yields
    ------
    duckdb.DuckDBPyConnection
        The open connection.

    Raises
    ------
    StoreError
        When the directory cannot be created or the file opened, the schema is newer
        than this code, or a DuckDB error escapes the block.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create {schema.label} directory {path.parent}: {exc}") from exc
    con = connect_with_retry(path, lock_timeout, schema.label)
    try:
        if migrate_schema:
            migrate(con, path, schema)
        yield con
    except duckdb.Error as exc:
        raise StoreError(f"{schema.label} {path}: {one_line(exc)}{error_suffix}") from exc
    finally:
        con.close()


@contextlib.contextmanager
def registered(con: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame) -> Iterator[str]:
    """Make a DataFrame queryable as a view for the length of a block.

    Parameters
    ----------
    con
        An open connection.
    name
        The view's name.
    frame
        The frame.

    Yields
    ------
    str
        ``name``.
    """
    con.register(name, frame)
    try:
        yield name
    finally:
        # An aborted transaction refuses even unregister; keep the first error.
        with contextlib.suppress(duckdb.Error):
            con.unregister(name)


def insert_frame(
    con: duckdb.DuckDBPyConnection,
    table: str,
    frame: pd.DataFrame,
    columns: Sequence[str],
    *,
    constants: Mapping[str, Any] | None = None,
) -> None:
    """Insert a DataFrame's ``columns`` into ``table`` (inside the caller's transaction).

    Parameters
    ----------
    con
        An open connection.
    table
        The table.
    frame
        The rows; it must have every one of ``columns``.
    columns
        The columns to insert, named alike in the frame and the table.
    constants
        Further columns with one value for every row, e.g. ``{"run_id": rid}``.
    """
    fixed = dict(constants or {})
    names = ", ".join([*fixed, *columns])
    values = ", ".join(["?"] * len(fixed) + list(columns))
    with registered(con, f"_supplyshock_{table}_in", frame) as view:
        con.execute(f"INSERT INTO {table} ({names}) SELECT {values} FROM {view}", list(fixed.values()))
