"""Observed files: empty files, folders and devices, and implausible values end in one clear line."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from supplyshock.cli import main
from supplyshock.observed import ObservedError, ObservedStore, default_bounds, read_bounds, read_observed

LONG_HEADER = "period,series,value,unit\n"


def _add(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(main, ["observed", "add", *args])
    assert "Traceback" not in res.output, res.output
    return res.exit_code, res.output


@pytest.mark.parametrize("fmt", ["auto", "long", "comtrade", "baci"])
@pytest.mark.parametrize("content", [b"", b"\n\n  \n", b"\xef\xbb\xbf"])
def test_empty_file_is_one_clear_line(fmt: str, content: bytes, tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    code, out = _add(str(path), "--format", fmt, "--store", str(tmp_path / "obs.duckdb"))
    assert code == 2 and "empty.csv" in out and ("empty" in out or "blank" in out), out
    assert not (tmp_path / "obs.duckdb").exists(), "nothing is written for a refused file"


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_folder_and_device_are_named(tmp_path: Path) -> None:
    code, out = _add(str(tmp_path), "--store", str(tmp_path / "obs.duckdb"))
    assert code == 2 and "is a folder" in out
    code, out = _add("/dev/zero", "--store", str(tmp_path / "obs.duckdb"))
    assert code == 2 and "not a regular file" in out


def test_an_oversized_file_is_refused_unread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import supplyshock.observed.readers as readers

    monkeypatch.setattr(readers, "MAX_OBSERVED_BYTES", 1_000)
    path = tmp_path / "bulk.csv"
    path.write_text(LONG_HEADER + "2025-01,x,1.0,t\n" * 200)
    code, out = _add(str(path), "--store", str(tmp_path / "obs.duckdb"))
    assert code == 2 and "bulk.csv" in out and "keep only the products" in out, out
    assert not (tmp_path / "obs.duckdb").exists(), "nothing is written for a refused file"


def test_implausible_value_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_text(LONG_HEADER + "2025-01,x_t,5,t\n2025-02,x_t,1e308,t\n", encoding="utf-8")
    code, out = _add(str(path), "--store", str(tmp_path / "obs.duckdb"))
    assert code == 2 and "line 3" in out and "plausible range" in out and "--bounds" in out, out
    store = tmp_path / "obs.duckdb"
    assert not store.exists() or ObservedStore(store).series().empty, "nothing is written for a refused file"
    usd = tmp_path / "usd.csv"
    usd.write_text(LONG_HEADER + "2025,v_usd,2e14,USD\n", encoding="utf-8")
    with pytest.raises(ObservedError, match="plausible range"):
        read_observed(usd)


def test_bounds_per_series_are_configurable(tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    data.write_text(LONG_HEADER + "2025-01,magnets_t,11,t\n2025-01,other_t,11,t\n", encoding="utf-8")
    tight = tmp_path / "tight.csv"
    tight.write_text("series,unit,min,max\nmagnets_*,t,0,10\n", encoding="utf-8")
    with pytest.raises(ObservedError, match=r"'magnets_t'.*tight\.csv line 2"):
        read_observed(data, bounds=read_bounds(tight))
    assert len(read_observed(data)) == 2  # the shipped bounds allow both
    code, out = _add(str(data), "--bounds", str(tight), "--store", str(tmp_path / "obs.duckdb"))
    assert code == 2 and "magnets_t" in out
    wide = tmp_path / "wide.csv"
    wide.write_text("series,unit,min,max\nhuge_t,t,0,1e30\n", encoding="utf-8")
    huge = tmp_path / "huge.csv"
    huge.write_text(LONG_HEADER + "2025-01,huge_t,1e20,t\n", encoding="utf-8")
    assert read_observed(huge, bounds=read_bounds(wide))["value"].iloc[0] == 1e20


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("series,unit,min\n*,t,0\n", "missing column"),
        ("series,unit,min,max\n*,t,ten,20\n", "line 2"),
        ("series,unit,min,max\n*,t,5,1\n", "min <= max"),
        ("series,unit,min,max\n,t,0,1\n", "series"),
    ],
)
def test_bad_bounds_file_is_named(text: str, words: str, tmp_path: Path) -> None:
    path = tmp_path / "bounds.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ObservedError, match=words):
        read_bounds(path)


def test_shipped_bounds_have_sources() -> None:
    bounds = default_bounds()
    assert {b.unit for b in bounds} >= {"t", "USD"}
    assert all(b.low == 0 and b.high < sys.float_info.max and b.note for b in bounds)
