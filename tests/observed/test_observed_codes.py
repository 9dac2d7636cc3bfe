"""The code tables of the observed readers are data files shipped with the package."""

from __future__ import annotations

import csv
import re
import tomllib
from fnmatch import fnmatch
from pathlib import Path

import pytest

from supplyshock.observed import codes
from supplyshock.observed.shipped import observed_data_file

ROOT = Path(__file__).resolve().parents[2]
TABLES = ("country_names.csv", "country_numeric_codes.csv", "units.csv")


@pytest.mark.parametrize("name", TABLES)
def test_tables_are_csv_files_shipped_as_package_data(name: str) -> None:
    path = observed_data_file(name)
    assert path.is_file()
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["package-data"]["supplyshock"]
    assert any(fnmatch(f"data/observed/{name}", pattern) for pattern in patterns)
    assert name in (ROOT / "src/supplyshock/data/observed/README.md").read_text(encoding="utf-8")


def test_tables_read_as_written() -> None:
    with open(observed_data_file("country_names.csv"), encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert codes.country_names() == {r["name"]: r["iso3"] for r in rows}
    assert all(name == " ".join(name.lower().split()) for name in codes.country_names())
    iso3 = [*codes.country_names().values(), *codes.numeric_country_codes().values()]
    assert all(re.fullmatch(r"[A-Z]{3}", code) for code in iso3)
    assert codes.numeric_country_codes()[0] == "WLD" and codes.numeric_country_codes()[842] == "USA"
    assert {unit for unit, _ in codes.units().values()} == {"t", "USD", "USD/kg", "index"}
    assert codes.units()["usd thousand"] == ("USD", 1e3) and codes.units()["kg"] == ("t", 1e-3)
