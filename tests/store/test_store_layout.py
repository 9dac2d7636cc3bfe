"""The layout of the store and observed packages: small functions, one-way imports, the same public names."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import supplyshock.observed
import supplyshock.store

SRC = Path(supplyshock.store.__file__).resolve().parents[1]
MODULES = sorted([*SRC.joinpath("store").glob("*.py"), *SRC.joinpath("observed").glob("*.py"), SRC / "atomic.py"])
MAX_FUNCTION_LINES = 100


def imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


@pytest.mark.parametrize("path", MODULES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_function_is_longer_than_a_screenful_or_two(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    long = [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert not long


def test_observed_uses_the_duckdb_helper_not_the_run_store() -> None:
    for path in SRC.joinpath("observed").glob("*.py"):
        used = {m for m in imported_modules(path) if m.startswith("supplyshock.store")}
        assert used <= {"supplyshock.store.duck", "supplyshock.store.home"}, path.name


def test_the_store_does_not_know_the_observed_series() -> None:
    for path in SRC.joinpath("store").glob("*.py"):
        assert not {m for m in imported_modules(path) if m.startswith("supplyshock.observed")}, path.name


# the public names of the modules that the packages replace, as imported in src/ and tests/
STORE_NAMES = (
    "EXPORT_FORMATS HOME_ENV SCHEMA_VERSION STORE_FILENAME SUMMARY_METRICS ExportFormat RunStore default_home default_store_path "
    "member_quantile_series new_run_id open_results save_results DEFAULT_STATISTIC REQUIRED_ATTRS connect_with_retry"
)
OBSERVED_NAMES = (
    "FORMATS OBSERVED_FILENAME SHIPPED STATS_COLUMNS TIDY_COLUMNS AddSummary ObservedError ObservedStore UnknownSeriesError "
    "default_observed_path detect_format implied_values load_observed load_series_map monthly normalise_country normalise_unit "
    "parse_period plot_series read_baci read_comtrade read_long read_observed series_stats shipped_path to_model_codes OBSERVED_SCHEMA_VERSION"
)


@pytest.mark.parametrize(("package", "names"), [(supplyshock.store, STORE_NAMES), (supplyshock.observed, OBSERVED_NAMES)], ids=["store", "observed"])
def test_public_names_are_kept(package: object, names: str) -> None:
    assert set(names.split()) <= set(package.__all__)  # type: ignore[attr-defined]
    for name in package.__all__:  # type: ignore[attr-defined]
        assert getattr(package, name) is not None
