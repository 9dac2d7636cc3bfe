"""The DuckDB helper shared by the run store and the observed store (supplyshock.store.duck)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from supplyshock.errors import StoreError
from supplyshock.store.duck import Schema, current_version, insert_frame, migrate, registered, session, transaction

SCHEMA = Schema(
    label="test store",
    version_table="test_schema_version",
    migrations={
        1: ("CREATE TABLE things (id INTEGER PRIMARY KEY, tag TEXT NOT NULL, value DOUBLE)",),
        2: ("ALTER TABLE things RENAME COLUMN tag TO label",),
    },
)


def columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [
        r[0]
        for r in con.execute("SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position", [table]).fetchall()
    ]


def test_migrations_run_in_order_once(tmp_path: Path) -> None:
    path = tmp_path / "t.duckdb"
    with session(path, SCHEMA, lock_timeout=1) as con:
        assert current_version(con, SCHEMA) == SCHEMA.version == 2
        assert columns(con, "things") == ["id", "label", "value"]
        migrate(con, path, SCHEMA)  # nothing left to do
        assert [r[0] for r in con.execute("SELECT version FROM test_schema_version ORDER BY version").fetchall()] == [1, 2]


def test_a_partial_schema_is_brought_up_to_date(tmp_path: Path) -> None:
    path = tmp_path / "t.duckdb"
    first = Schema(SCHEMA.label, SCHEMA.version_table, {1: SCHEMA.migrations[1]})
    with session(path, first, lock_timeout=1) as con:
        con.execute("INSERT INTO things VALUES (1, 'a', 1.5)")
    with session(path, SCHEMA, lock_timeout=1) as con:
        assert con.execute("SELECT id, label, value FROM things").fetchall() == [(1, "a", 1.5)]


def test_newer_file_is_refused_and_errors_name_the_store(tmp_path: Path) -> None:
    path = tmp_path / "t.duckdb"
    with session(path, SCHEMA, lock_timeout=1) as con:
        con.execute("INSERT INTO test_schema_version VALUES (3, now()::TIMESTAMP)")
    newer = r"test store .* has schema version 3, newer than this supplyshock understands \(2\)"
    with pytest.raises(StoreError, match=newer), session(path, SCHEMA, lock_timeout=1):
        pass
    other = tmp_path / "t2.duckdb"
    with (
        pytest.raises(StoreError, match=r"^test store .*t2\.duckdb: .*; nothing was written$"),
        session(other, SCHEMA, lock_timeout=1, error_suffix="; nothing was written") as con,
    ):
        con.execute("SELECT * FROM no_such_table")


def test_transaction_commits_whole_or_rolls_back(tmp_path: Path) -> None:
    with session(tmp_path / "t.duckdb", SCHEMA, lock_timeout=1) as con:
        with transaction(con):
            con.execute("INSERT INTO things VALUES (1, 'a', 1.0)")
        with pytest.raises(RuntimeError, match="boom"), transaction(con):
            con.execute("INSERT INTO things VALUES (2, 'b', 2.0)")
            raise RuntimeError("boom")
        with pytest.raises(duckdb.Error), transaction(con):
            con.execute("INSERT INTO things VALUES (3, 'c', 3.0)")
            con.execute("INSERT INTO things VALUES (1, 'duplicate', 0.0)")
        assert con.execute("SELECT id FROM things ORDER BY id").fetchall() == [(1,)]


def test_insert_frame_with_constants_and_registered_views(tmp_path: Path) -> None:
    frame = pd.DataFrame({"id": [1, 2], "value": [0.5, None]})
    with session(tmp_path / "t.duckdb", SCHEMA, lock_timeout=1) as con:
        insert_frame(con, "things", frame, ["id", "value"], constants={"label": "x"})
        assert con.execute("SELECT id, label, value FROM things ORDER BY id").fetchall() == [(1, "x", 0.5), (2, "x", None)]
        with registered(con, "_keys", pd.DataFrame({"id": [2]})) as view:
            assert con.execute(f"SELECT count(*) FROM things WHERE id IN (SELECT id FROM {view})").fetchall() == [(1,)]
        with pytest.raises(duckdb.Error):
            con.execute("SELECT * FROM _keys").fetchall()  # gone with the block
