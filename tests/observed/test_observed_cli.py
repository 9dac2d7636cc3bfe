"""The ``observed`` command group with click's CliRunner."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner
from observed_helpers import HEADER, write

from supplyshock.cli.observed import observed


def test_add_list_show(tmp_path: Path, long_file: Path) -> None:
    runner = CliRunner()
    store = tmp_path / "obs.duckdb"
    res = runner.invoke(observed, ["add", str(long_file), "--store", str(store)])
    assert res.exit_code == 0, res.output
    assert "6 added, 0 updated, 0 unchanged" in res.output
    res = runner.invoke(observed, ["add", str(long_file), "--store", str(store), "--format", "long"])
    assert res.exit_code == 0 and "0 added, 0 updated, 6 unchanged" in res.output
    res = runner.invoke(observed, ["list", "--store", str(store)])
    assert res.exit_code == 0, res.output
    for s in ("magnets_world", "magnets_us", "magnets_de", "magnets_value", "magnets_ytd"):
        assert s in res.output
    png = tmp_path / "plots" / "world.png"
    res = runner.invoke(observed, ["show", "magnets_world", "--store", str(store), "--plot", str(png)])
    assert res.exit_code == 0, res.output
    assert "2025-05" in res.output and "-74.0" in res.output and "reported" in res.output and "computed" in res.output
    # m/m is computed from the two observed months (1238/2630 - 1 = -52.93%), not taken from the report
    assert re.search(r"-52\.9\s*\S\s*computed", res.output), res.output
    assert "press A" in res.output and "long_v1.csv sha256:" in res.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_show_from_shipped_file(tmp_path: Path) -> None:
    res = CliRunner().invoke(observed, ["show", "china_magnet_exports_total", "--file", "china-exports-2025"])
    assert res.exit_code == 0, res.output
    assert "1238/(1-0.74)" in res.output and "record low" in res.output


def test_unknown_series_message(tmp_path: Path, long_file: Path) -> None:
    runner = CliRunner()
    store = tmp_path / "obs.duckdb"
    runner.invoke(observed, ["add", str(long_file), "--store", str(store)])
    res = runner.invoke(observed, ["show", "nope", "--store", str(store)])
    assert res.exit_code == 2
    assert "Error: unknown series 'nope'; known series: magnets_de, magnets_us, magnets_value, magnets_world, magnets_ytd" in res.output
    assert "Traceback" not in res.output and isinstance(res.exception, SystemExit)


def test_bad_file_exit_2_nothing_written(tmp_path: Path, long_file: Path) -> None:
    runner = CliRunner()
    store = tmp_path / "obs.duckdb"
    runner.invoke(observed, ["add", str(long_file), "--store", str(store)])
    bad = write(tmp_path / "bad.csv", HEADER + "2025-05,magnets_world,China,World,m,1,t,,,x,\n2025-05,magnets_world,China,World,m,2,t,,,x,\n")
    res = runner.invoke(observed, ["add", str(bad), "--store", str(store)])
    assert res.exit_code == 2 and "Error: bad.csv: series 'magnets_world' period 2025-05 is given twice" in res.output
    res = runner.invoke(observed, ["list", "--store", str(store)])
    assert "long_v1.csv" in res.output and "bad.csv" not in res.output


def test_list_empty_store(tmp_path: Path) -> None:
    res = CliRunner().invoke(observed, ["list", "--store", str(tmp_path / "empty.duckdb")])
    assert res.exit_code == 0 and "no observed series" in res.output
